"""The seed's comparison (its ffnn against a BiLSTM on the default dataset), sized to finish in minutes.

Its BiLSTM at the old settings (10 epochs, batch 64, 64 tokens) needs 4.4 CPU-minutes on one thread
(``python bench/compare_time.py``), yet took 64 minutes in the app: both runs trained side by side,
each with torch's default of one thread per core, so on 2 cores four threads spun waiting for each
other. The comparison now trains each run on one thread (``threads=1``), so the two share the cores
instead of fighting over them, and with 3 epochs, batch 256 and 32 tokens per sentence the BiLSTM
needs 0.7 CPU-minutes. It stays a fair comparison: both models get the same epochs, batch size, token
limit and learning rate (raised to make up for the fewer, larger steps). Longer runs: the Train page
or ``hiddenrep train --model bilstm --epochs 10``, compared the same way.
"""

from __future__ import annotations

from ..data import DEFAULT_DATASET

COMPARISON = {"dataset": DEFAULT_DATASET, "epochs": 3, "batch_size": 256, "lr": 5e-3, "max_len": 32}
SEED_COMPARISON = [{**COMPARISON, "model": model, "threads": 1} for model in ("ffnn", "bilstm")]

# CPU-seconds per example on one thread at COMPARISON's settings, from bench/compare_time.py
# (train: per training example and epoch; record: per example and checkpoint).
CPU_SECONDS = {"ffnn": {"train": 0.00005, "record": 0.00001}, "bilstm": {"train": 0.00133, "record": 0.0002}}
START_SECONDS = 30  # starting Python, importing torch, loading the data, per run (the runs start together)


def estimate_seconds(n_train: int, n_examples: int) -> float:
    """Wall-clock estimate for both runs of :data:`SEED_COMPARISON`, each on its own free core."""
    epochs = COMPARISON["epochs"]
    return START_SECONDS + max(n_train * epochs * cost["train"] + n_examples * (epochs + 1) * cost["record"]
                               for cost in CPU_SECONDS.values())
