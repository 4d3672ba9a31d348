"""Label-issue and difficulty scores, one row per example, from everything a run recorded.

``label_issue_score`` follows cleanlab's contract: in [0, 1], **lower = more likely mislabeled**.
The signal columns keep their natural units; :data:`SIGNALS` says which way each one points.
Training-dynamics signals use the labels stored in the run (the given, possibly wrong labels) at
every recorded checkpoint after training started, up to the chosen one.

Multi-label runs: each (example, class) pair is a binary label; an example's value is the value of
its most suspicious class (the minimum over classes), so one wrong class tag is enough to rank it
low. "Correct" means the whole predicted set equals the given set; cleanlab's multi-label module
supplies the cleanlab columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.base import label_names
from .neighbors import nearest_neighbors

# The combined score: a fixed, equal-weight rank average of one signal from the model's training
# dynamics and one from the geometry of its hidden space. Chosen once on a development seed of
# bench/label_issues.py (seed 0; the bench reports seeds 1-3), never tuned per evaluation run.
COMBINED = ("aum", "knn_agreement")
# Each signal column, and its direction: +1 when a higher value means a more trustworthy label.
SIGNALS = {"knn_agreement": 1, "cleanlab_quality": 1, "confidence": 1, "variability": -1, "aum": 1,
           "first_epoch_learned": -1, "prediction_flips": -1}
AMBIGUOUS_QUANTILE = 2 / 3  # the most variable third of a split is "ambiguous" (Swayamdipta et al. 2020)



def given_probability(probs: np.ndarray, labels: np.ndarray, multilabel: bool) -> np.ndarray:
    """Probability the model gives the given label, per checkpoint: (T, n, C) → (T, n)."""
    if multilabel:
        return np.where(labels == 1, probs, 1.0 - probs).min(-1)
    return np.take_along_axis(probs, labels[None, :, None], axis=-1)[..., 0]


def margin(logits: np.ndarray, labels: np.ndarray, multilabel: bool) -> np.ndarray:
    """Logit of the given label minus the largest other logit (Pleiss et al.'s AUM margin): (T, n)."""
    if multilabel:
        return np.where(labels == 1, logits, -logits).min(-1)
    given = np.take_along_axis(logits, labels[None, :, None], axis=-1)[..., 0]
    others = logits.copy()
    np.put_along_axis(others, labels[None, :, None], -np.inf, axis=-1)
    return given - others.max(-1)


def training_dynamics(probs: np.ndarray, logits: np.ndarray, preds: np.ndarray, labels: np.ndarray,
                      epochs: np.ndarray, *, multilabel: bool = False) -> pd.DataFrame:
    """Per-example dynamics over T checkpoints (arrays shaped (T, n, ...)), in checkpoint order.

    confidence / variability: mean and std of the given label's probability (Dataset Cartography);
    aum: mean margin (Area Under the Margin); first_epoch_learned: epoch from which the prediction
    equals the given label at every later checkpoint (NaN: not learned by the last one);
    prediction_flips: how often the predicted class (set) changed between consecutive checkpoints.
    """
    given = given_probability(probs, labels, multilabel)
    correct = (preds == labels).all(-1) if multilabel else preds == labels
    changed = (preds[1:] != preds[:-1])
    changed = changed.any(-1) if multilabel else changed
    # stays_correct[t]: correct at t and at every later checkpoint.
    stays_correct = np.flip(np.logical_and.accumulate(np.flip(correct, 0), axis=0), 0)
    learned = stays_correct.any(0)
    first = np.where(learned, np.asarray(epochs, dtype=float)[stays_correct.argmax(0)], np.nan)
    return pd.DataFrame({
        "confidence": given.mean(0),
        "variability": given.std(0),
        "aum": margin(logits, labels, multilabel).mean(0),
        "first_epoch_learned": first,
        "prediction_flips": changed.sum(0).astype(np.int64),
    })


def knn_label_probs(indices: np.ndarray, labels: np.ndarray, n_classes: int, multilabel: bool) -> np.ndarray:
    """Share of a point's neighbours carrying each class: (n, C). The point's own vote is never counted."""
    votes = labels[indices] if multilabel else np.eye(n_classes)[labels[indices]]
    return votes.mean(1)


def cartography_region(confidence: np.ndarray, variability: np.ndarray) -> np.ndarray:
    """ambiguous: top third by variability; otherwise easy-to-learn (confidence ≥ 0.5) or hard-to-learn."""
    ambiguous = variability >= np.quantile(variability, AMBIGUOUS_QUANTILE)
    return np.where(ambiguous, "ambiguous", np.where(confidence >= 0.5, "easy-to-learn", "hard-to-learn"))


def _cleanlab_columns(labels: np.ndarray, probs: np.ndarray, multilabel: bool) -> dict[str, np.ndarray]:
    # n_jobs=1: cleanlab would otherwise fork a process pool, and a fork from the app's worker threads
    # can deadlock in the child (seen: a pool child left stuck on a lock, outliving the server).
    # cleanlab documents that n_jobs changes run time only, never results.
    if multilabel:
        from cleanlab.multilabel_classification import filter as ml_filter, rank as ml_rank

        as_lists = [np.flatnonzero(row).tolist() for row in labels]
        return {"cleanlab_quality": ml_rank.get_label_quality_scores(as_lists, probs),
                "cleanlab_issue": ml_filter.find_label_issues(as_lists, probs, n_jobs=1)}
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores

    return {"cleanlab_quality": get_label_quality_scores(labels, probs),
            "cleanlab_issue": find_label_issues(labels, probs, n_jobs=1)}


def rank_average(columns: list[np.ndarray]) -> np.ndarray:
    """Mean of each column's rank scaled to [0, 1] (ties share their average rank)."""
    from scipy.stats import rankdata

    n = len(columns[0])
    return np.mean([(rankdata(c) - 1) / max(n - 1, 1) for c in columns], axis=0)



def oriented(frame: pd.DataFrame, column: str) -> np.ndarray:
    """The column as "higher = cleaner"; never learned counts as later than any epoch."""
    values = frame[column].to_numpy(dtype=float)
    if column == "first_epoch_learned":
        values = np.nan_to_num(values, nan=np.nanmax(values, initial=0.0) + 1.0)
    return SIGNALS[column] * values


def label_issues(run, *, checkpoint: int | str = -1, k: int = 25, metric: str = "cosine") -> pd.DataFrame:
    """One row per example (run order): ``label_issue_score`` in [0, 1], lower = more likely mislabeled.

    Signals, each a column: ``knn_agreement`` (share of the k nearest other examples in the hidden
    space at ``checkpoint`` that carry the same given label), ``cleanlab_quality`` / ``cleanlab_issue``
    (cleanlab on the probabilities at ``checkpoint``), ``confidence``, ``variability``, ``region``,
    ``aum``, ``first_epoch_learned``, ``prediction_flips`` (training dynamics over the checkpoints up
    to ``checkpoint``). ``label_issue_score`` is the rank average of :data:`COMBINED`, ranked within
    each split: train probabilities are in-sample, validation ones are not, so they are not mixed.
    """
    chosen = run.checkpoint(checkpoint)
    missing = {"probs", "logits", "pred", "hidden"} - set(run.array_names(chosen))
    if missing:
        raise LookupError(f"Run {run.id} has no {', '.join(sorted(missing))} arrays, so its labels cannot be "
                          "checked: label issues need a labelled run with model predictions (train one, or "
                          "import vectors with labels and the linear probe on).")
    history = [c for c in run.checkpoints if c.index <= chosen.index]
    trained = [c for c in history if c.epoch > 0 or c.step > 0] or history  # the untrained start says nothing
    examples = run.examples()
    multilabel, class_names = run.multilabel, run.class_names
    labels = run.labels(examples)
    names = [c.index for c in trained]
    dynamics = training_dynamics(run.stack("probs", names), run.stack("logits", names), run.stack("pred", names),
                                 labels, np.array([c.epoch for c in trained]), multilabel=multilabel)
    indices, _ = nearest_neighbors(run.load(chosen, "hidden"), min(k, len(labels) - 1), metric)
    neighbour_probs = knn_label_probs(indices, labels, len(class_names), multilabel)
    probs = np.asarray(run.load(chosen, "probs"), dtype=float)
    pred = np.asarray(run.load(chosen, "pred"))
    agreement = given_probability(neighbour_probs[None], labels, multilabel)[0]
    frame = pd.DataFrame({
        "example_id": examples["example_id"],
        "split": examples["split"],
        "text": examples["text"],
        "label": examples["label_name"],
        "prediction": label_names(pred, class_names, multilabel),
        "label_issue_score": np.nan,
        "is_label_issue": _flag(labels, pred, agreement, multilabel),
        "knn_agreement": agreement,
        "cleanlab_quality": np.nan,
        "cleanlab_issue": False,
        **dynamics,
        "region": "",
    })
    for _, rows in frame.groupby("split", sort=False).indices.items():
        cleanlab = _cleanlab_columns(labels[rows], probs[rows], multilabel)
        for column, values in cleanlab.items():
            frame.loc[frame.index[rows], column] = values
        part = frame.iloc[rows]
        frame.loc[frame.index[rows], "region"] = cartography_region(part["confidence"].to_numpy(),
                                                                    part["variability"].to_numpy())
        score = rank_average([oriented(part, c) for c in COMBINED])
        frame.loc[frame.index[rows], "label_issue_score"] = score
    return frame


def explain_issues(frame: pd.DataFrame) -> pd.Series:
    """Why each row of a :func:`label_issues` frame is suspect, in words, strongest signal first.

    Only the frame's own signals are read: neighbours carrying other labels (``knn_agreement``), a
    label the model never settled on (``first_epoch_learned``), one it rarely believed (``confidence``),
    a wavering prediction (``prediction_flips``), cleanlab's verdict and the prediction itself.
    """
    def reasons(row) -> str:
        found = []
        if row["knn_agreement"] < 0.5:
            found.append(f"{1 - row['knn_agreement']:.0%} of its nearest neighbours carry another label")
        if row["prediction"] != row["label"]:
            found.append(f"the model predicts {row['prediction']}")
        if pd.isna(row["first_epoch_learned"]):
            found.append("the model never learned its label")
        elif row["first_epoch_learned"] > 1:
            found.append(f"learned only from epoch {row['first_epoch_learned']:g}")
        if row["confidence"] < 0.3:
            found.append(f"its label got {row['confidence']:.0%} probability on average during training")
        if row["prediction_flips"] >= 2:
            found.append(f"the prediction flipped {row['prediction_flips']} times")
        if row["cleanlab_issue"]:
            found.append("cleanlab flags it")
        if not found:
            return "ranked low only relative to the others: no single signal stands out"
        text = "; ".join(found)
        return text[0].upper() + text[1:]

    return frame.apply(reasons, axis=1) if len(frame) else pd.Series([], dtype=object, index=frame.index)


def _flag(labels: np.ndarray, pred: np.ndarray, knn_agreement: np.ndarray, multilabel: bool) -> np.ndarray:
    """Flag when the model does not predict the given label and most neighbours carry another one."""
    wrong = (pred != labels).any(1) if multilabel else pred != labels
    return wrong & (knn_agreement < 0.5)
