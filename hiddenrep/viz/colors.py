"""What a point's colour means: per-example values read from a run, one row per frame when they change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .scatter import NOMINAL, QUANTITATIVE

COLOR_BY = ("true label", "prediction", "correct", "loss", "confidence", "neighbourhood change", "label-issue score")
# Needs only the hidden vectors, so runs imported without predictions can show it too.
HIDDEN_ONLY = ("true label", "neighbourhood change")
CORRECT_DOMAIN = ("correct", "wrong")


def has_predictions(run) -> bool:
    """Imported runs without labels (or with the linear probe off) hold hidden vectors only."""
    return bool(run.checkpoints) and "pred" in run.array_names(-1)


def color_options(run) -> tuple[str, ...]:
    """The :data:`COLOR_BY` choices this run can show: all of them, or :data:`HIDDEN_ONLY` without predictions."""
    return COLOR_BY if has_predictions(run) else HIDDEN_ONLY


@dataclass(frozen=True)
class Coloring:
    """Colour values for :func:`hiddenrep.viz.scatter_table` plus how to draw them.

    ``values``: (n,) or (n_frames, n); ``correct``: (n_frames, n) bool; ``highlight``: the value of the
    chosen class (a multi-label run's one class, "wrong"), drawn red and on top.
    """

    values: np.ndarray
    correct: np.ndarray
    kind: str
    title: str
    domain: tuple | None
    scheme: str = "viridis"
    highlight: str | None = None

    def chart_options(self) -> dict:
        """The colour arguments of :func:`hiddenrep.viz.scatter_chart`."""
        return {"color_title": self.title, "color_type": self.kind, "color_domain": self.domain,
                "color_scheme": self.scheme, "highlight": self.highlight}


def coloring(run, checkpoints: Sequence[str], rows: np.ndarray, color_by: str, *, class_name: str | None = None,
             issue_scores: np.ndarray | None = None, neighborhood: np.ndarray | None = None) -> Coloring:
    """Colour ``rows`` of ``run`` at each of ``checkpoints`` by ``color_by`` (one of :data:`COLOR_BY`).

    Multi-label runs colour one class at a time (``class_name``): its given label, its predicted
    label, whether that prediction is right, its probability. ``issue_scores`` (n_rows,) is the
    label-issue score in [0, 1], lower = more suspect. ``neighborhood`` (n_frames, n_rows) is
    :func:`hiddenrep.analysis.neighborhood_change` for these checkpoints and rows, computed here when
    not given: bright points are the ones the model moved, so a dark point that moves on screen is
    projection noise.
    """
    if color_by not in COLOR_BY:
        raise ValueError(f"color_by must be one of {COLOR_BY}, got {color_by!r}.")
    rows = np.asarray(rows)
    examples = run.examples().iloc[rows]
    names = run.class_names
    if run.multilabel:
        if class_name not in names:
            raise ValueError(f"Run {run.id} is multi-label: pick the class to colour, one of {names}.")
        j = names.index(class_name)
        given = examples[f"label:{class_name}"].to_numpy().astype(bool)
        display = np.array([f"not {class_name}", class_name])
        label_values, domain = display[given.astype(int)], tuple(display)
        chosen = class_name
    else:
        given = examples["label"].to_numpy()
        display = np.asarray(names, dtype=object)
        label_values, domain = display[given], tuple(names)
        chosen = None
    if not has_predictions(run):
        if color_by not in HIDDEN_ONLY:
            raise LookupError(f"Run {run.id} has no predictions, so it can only be coloured by {HIDDEN_ONLY}.")
        correct = np.ones((len(checkpoints), len(rows)), bool)
        if color_by == "neighbourhood change":
            return _neighborhood(run, checkpoints, rows, neighborhood, correct)
        return Coloring(label_values, correct, NOMINAL, "true label", domain, highlight=chosen)
    preds = np.stack([run.load(c, "pred")[rows] for c in checkpoints])
    predicted = preds[..., j].astype(bool) if run.multilabel else preds
    pred_values = display[predicted.astype(int)]
    correct = predicted == given[None, :]

    if color_by == "true label":
        return Coloring(label_values, correct, NOMINAL, "true label", domain, highlight=chosen)
    if color_by == "prediction":
        return Coloring(pred_values, correct, NOMINAL, "prediction", domain, highlight=chosen)
    if color_by == "correct":
        return Coloring(np.where(correct, *CORRECT_DOMAIN), correct, NOMINAL, "prediction is", CORRECT_DOMAIN,
                        highlight="wrong")
    if color_by == "loss":
        loss = np.stack([run.load(c, "loss")[rows] for c in checkpoints]).astype(np.float64)
        high = float(np.quantile(loss, 0.99)) or 1.0
        return Coloring(np.round(loss, 3), correct, QUANTITATIVE, "loss", (0.0, high), "viridis")
    if color_by == "confidence":
        probs = np.stack([run.load(c, "probs")[rows] for c in checkpoints]).astype(np.float64)
        confidence = probs[..., names.index(class_name)] if run.multilabel else probs.max(-1)
        title = f"p({class_name})" if run.multilabel else "confidence"
        return Coloring(np.round(confidence, 3), correct, QUANTITATIVE, title, (0.0, 1.0), "viridis")
    if color_by == "neighbourhood change":
        return _neighborhood(run, checkpoints, rows, neighborhood, correct)
    if issue_scores is None:
        raise ValueError("Colouring by label-issue score needs issue_scores (from hiddenrep.analysis.label_issues).")
    scores = np.asarray(issue_scores, dtype=np.float64)
    if scores.shape != rows.shape:
        raise ValueError(f"issue_scores has {scores.shape[0]} values for {len(rows)} rows.")
    return Coloring(np.round(scores, 3), correct, QUANTITATIVE, "label quality (low = suspect)", (0.0, 1.0),
                    "redyellowgreen")


def _neighborhood(run, checkpoints: Sequence[str], rows: np.ndarray, values: np.ndarray | None,
                  correct: np.ndarray) -> Coloring:
    if values is None:
        from ..analysis import neighborhood_change

        values = neighborhood_change(run, checkpoints, rows)
    values = np.asarray(values, dtype=np.float64)
    if values.shape != correct.shape:
        raise ValueError(f"neighborhood has shape {values.shape}; it needs one row per checkpoint and one column "
                         f"per point, {correct.shape}.")
    return Coloring(np.round(values, 2), correct, QUANTITATIVE, "neighbours new since previous checkpoint",
                    (0.0, 1.0), "inferno")
