"""The seed's comparison (its ffnn against a BiLSTM on the default dataset), sized to finish in minutes.

At the seed's 10 epochs and batch 64, the BiLSTM alone trained for over an hour on 2 CPU cores.
A short comparison is still a fair one: both models get the same 3 epochs, batch size and learning
rate (raised to make up for the fewer, larger steps), and the BiLSTM has 32 units per direction
instead of 64 (a CPU LSTM's cost grows with the square of its size). Train longer runs with the
Train page or ``hiddenrep train --model bilstm --epochs 10`` and compare those the same way.
"""

from __future__ import annotations

from ..data import DEFAULT_DATASET

COMPARISON = {"dataset": DEFAULT_DATASET, "epochs": 3, "batch_size": 256, "lr": 5e-3}
SEED_COMPARISON = [{**COMPARISON, "model": "ffnn"}, {**COMPARISON, "model": "bilstm", "lstm_size": 32}]

# CPU-seconds per example, measured with bench/compare_time.py on this project's 2-core machine
# (train: per training example and epoch at the settings above; record: per example and checkpoint).
CPU_SECONDS = {"ffnn": {"train": 0.0002, "record": 0.0001}, "bilstm": {"train": 0.012, "record": 0.003}}


def estimate_seconds(n_train: int, n_examples: int, *, cores: int = 2) -> float:
    """Wall-clock estimate for training both runs of :data:`SEED_COMPARISON` side by side on ``cores`` cores."""
    epochs = COMPARISON["epochs"]
    cpu = sum(n_train * epochs * cost["train"] + n_examples * (epochs + 1) * cost["record"]
              for cost in CPU_SECONDS.values())
    return cpu / cores
