"""How well does each label-issue signal find deliberately flipped training labels?

For each dataset and seed: flip 10% of the TRAINING labels at random, train once with
``hiddenrep.training.train`` and score every training example with ``label_issues`` (the signals
and the combined score). Baseline: cleanlab's ``get_label_quality_scores`` / ``find_label_issues``
given out-of-sample probabilities from K-fold cross-validation of the same model (same epochs).
Prints AUROC and precision@k (k = number flipped), mean ± std over seeds, then precision / recall
of the boolean flags, then on movie-sentences without injected noise the Spearman correlation of
each score with the raters' standard deviation (human disagreement; negative is the right sign).

Runtime: a few minutes on 2 CPU cores (torch pinned to one thread).
Usage: python bench/label_issues.py [--seeds 1 2 3] [--folds 4]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace

import numpy as np
import torch
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

from hiddenrep.analysis import SIGNALS, label_issues
from hiddenrep.analysis.label_quality import oriented
from hiddenrep.data import TRAIN, VALIDATION, load_dataset
from hiddenrep.store import RunStore
from hiddenrep.training import TrainConfig, train

SETUPS = [("movie-sentences", "ffnn", 6), ("mnist-5k", "mlp", 8)]
NOISE = 0.10


def flip_training_labels(data, fraction: float, seed: int):
    """A copy of ``data`` with ``fraction`` of the training labels moved to another random class."""
    rng = np.random.default_rng(seed)
    train_rows = np.flatnonzero(data.split == TRAIN)
    flipped = rng.choice(train_rows, int(round(fraction * len(train_rows))), replace=False)
    labels = data.labels.copy()
    labels[flipped] = (labels[flipped] + rng.integers(1, data.n_classes, len(flipped))) % data.n_classes
    mask = np.zeros(len(labels), dtype=bool)
    mask[flipped] = True
    return replace(data, labels=labels), mask


def cross_validated_probs(data, config: TrainConfig, folds: int, store: RunStore) -> np.ndarray:
    """Out-of-sample probabilities for the training rows of ``data``: each fold held out as 'validation'."""
    rows = np.flatnonzero(data.split == TRAIN)
    fold = np.random.default_rng(config.seed).permutation(len(rows)) % folds
    probs = np.zeros((len(rows), data.n_classes))
    for f in range(folds):
        split = np.where(fold == f, VALIDATION, TRAIN)
        run = train(config, replace(data.subset(rows), split=split), store=store)
        probs[fold == f] = run.load(-1, "probs")[fold == f]
    return probs


def evaluate(scores: dict[str, np.ndarray], truth: np.ndarray) -> dict[str, tuple[float, float]]:
    """AUROC and precision@k of "lower = more likely flipped" scores."""
    k = int(truth.sum())
    return {name: (roc_auc_score(truth, -s), truth[np.argsort(s, kind="stable")[:k]].mean())
            for name, s in scores.items()}


def scores_of(frame, rows) -> dict[str, np.ndarray]:
    part = frame.iloc[rows]
    return {"label_issue_score (combined)": part["label_issue_score"].to_numpy(),
            **{name: oriented(part, name) for name in SIGNALS}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--folds", type=int, default=4)
    args = parser.parse_args()
    torch.set_num_threads(1)  # 2 shared cores: one thread each is far faster than two contending
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        store = RunStore(tmp)
        tables, flags = {}, {}
        for dataset, model, epochs in SETUPS:
            data = load_dataset(dataset)
            results, flag_rows = [], []
            for seed in args.seeds:
                noisy, truth = flip_training_labels(data, NOISE, seed)
                config = TrainConfig(dataset=dataset, model=model, epochs=epochs, seed=seed)
                frame = label_issues(train(config, noisy, store=store))
                rows = np.flatnonzero(noisy.split == TRAIN)
                labels, truth = noisy.labels[rows], truth[rows]
                cv = cross_validated_probs(noisy, config, args.folds, store)
                scores = scores_of(frame, rows)
                scores[f"cleanlab get_label_quality_scores ({args.folds}-fold CV)"] = get_label_quality_scores(labels, cv)
                results.append(evaluate(scores, truth))
                ours = frame["is_label_issue"].to_numpy()[rows]
                theirs = find_label_issues(labels, cv)
                flag_rows.append({name: (truth[f].mean() if f.any() else 0.0, f[truth].mean(), f.sum())
                                  for name, f in (("is_label_issue (ours)", ours),
                                                  (f"cleanlab find_label_issues ({args.folds}-fold CV)", theirs))})
            tables[dataset] = (model, epochs, int(truth.sum()), results)
            flags[dataset] = flag_rows
        print_tables(tables, flags, args)
        print_disagreement(store, args.folds, get_label_quality_scores)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


def _ms(values) -> str:
    return f"{np.mean(values):.3f}±{np.std(values):.3f}"


def print_tables(tables, flags, args) -> None:
    print(f"Flipped {NOISE:.0%} of training labels; seeds {args.seeds}; mean±std over seeds. "
          "Lower score = more likely flipped.")
    names = list(next(iter(tables.values()))[3][0])
    header = f"{'score':46}" + "".join(f"{f'{d} ({m}, {e} ep, k={k})':>34}" for d, (m, e, k, _) in tables.items())
    print(header)
    print(f"{'':46}" + f"{'AUROC':>17}{'P@k':>17}" * len(tables))
    for name in names:
        cells = "".join(f"{_ms([r[name][0] for r in res]):>17}{_ms([r[name][1] for r in res]):>17}"
                        for _, _, _, res in tables.values())
        print(f"{name:46}{cells}")
    print(f"\n{'flags':46}" + f"{'precision':>13}{'recall':>13}{'flagged':>8}" * len(flags))
    for name in next(iter(flags.values()))[0]:
        cells = "".join(f"{_ms([r[name][0] for r in rs]):>13}{_ms([r[name][1] for r in rs]):>13}"
                        f"{np.mean([r[name][2] for r in rs]):>8.0f}" for rs in flags.values())
        print(f"{name:46}{cells}")


def print_disagreement(store: RunStore, folds: int, get_label_quality_scores) -> None:
    dataset, model, epochs = SETUPS[0]
    data = load_dataset(dataset)
    config = TrainConfig(dataset=dataset, model=model, epochs=epochs, seed=0)
    frame = label_issues(train(config, data, store=store))
    rows = np.flatnonzero(data.split == TRAIN)
    scores = scores_of(frame, rows)
    cv = cross_validated_probs(data, config, folds, store)
    scores[f"cleanlab get_label_quality_scores ({folds}-fold CV)"] = get_label_quality_scores(data.labels[rows], cv)
    std = data.metadata["rating_std"].to_numpy()[rows]
    print(f"\n{dataset} without injected noise ({model}, {epochs} epochs, {len(rows)} training sentences): "
          "Spearman rho of each score with rating_std\n(every score is higher = cleaner label, so negative rho = "
          "low where raters disagree)")
    for name, s in scores.items():
        print(f"{name:46}{spearmanr(s, std).statistic:>9.3f}")


if __name__ == "__main__":
    main()
