"""The seed's comparison (its ffnn against a BiLSTM on the default dataset), sized to finish in minutes.

At the seed's 10 epochs and batch 64, the BiLSTM alone trained for over an hour on 2 CPU cores.
On a CPU its cost is set by the number of sequential LSTM steps (batches x tokens per batch), not by
its width: halving its units saved nothing (bench/compare_time.py), while 4x larger batches halved
the time per epoch and keeping 32 tokens per sentence (the movie snippets' median is well below)
halves it again. A short comparison is still a fair one: both models get the same 3 epochs, batch
size, token limit and learning rate (raised to make up for the fewer, larger steps). Longer runs:
the Train page or ``hiddenrep train --model bilstm --epochs 10``, compared the same way.
"""

from __future__ import annotations

from ..data import DEFAULT_DATASET

COMPARISON = {"dataset": DEFAULT_DATASET, "epochs": 3, "batch_size": 256, "lr": 5e-3, "max_len": 32}
SEED_COMPARISON = [{**COMPARISON, "model": model} for model in ("ffnn", "bilstm")]

# CPU-seconds per example, measured with bench/compare_time.py on this project's 2-core machine
# (train: per training example and epoch at the settings above; record: per example and checkpoint).
CPU_SECONDS = {"ffnn": {"train": 0.0002, "record": 0.0001}, "bilstm": {"train": 0.012, "record": 0.003}}


def estimate_seconds(n_train: int, n_examples: int, *, cores: int = 2) -> float:
    """Wall-clock estimate for training both runs of :data:`SEED_COMPARISON` side by side on ``cores`` cores."""
    epochs = COMPARISON["epochs"]
    cpu = sum(n_train * epochs * cost["train"] + n_examples * (epochs + 1) * cost["record"]
              for cost in CPU_SECONDS.values())
    return cpu / cores
