"""Line charts over checkpoints: training curves and each frame's projection quality."""

from __future__ import annotations

import altair as alt
import pandas as pd

_CURVES = {"train_loss": ("loss", "train"), "validation_loss": ("loss", "validation"),
           "train_acc": ("accuracy", "train"), "validation_acc": ("accuracy", "validation")}
QUALITY = {"motion_fidelity": "motion fidelity", "trustworthiness": "trustworthiness", "knn_kept": "kNN kept",
           "jitter": "jitter", "hidden_change": "hidden change"}


def training_curves(metrics: pd.DataFrame, *, width: int = 280, height: int = 180) -> alt.HConcatChart:
    """Loss and accuracy per checkpoint, train vs validation (``metrics`` = ``Run.metrics()``)."""
    present = [c for c in _CURVES if c in metrics.columns]
    if metrics.empty or not present:
        raise ValueError("No checkpoint metrics yet: the run has not recorded a checkpoint.")
    long = metrics.melt(id_vars=["epoch"], value_vars=present, var_name="metric", value_name="value")
    long["panel"] = long["metric"].map(lambda m: _CURVES[m][0])
    long["split"] = long["metric"].map(lambda m: _CURVES[m][1])
    base = alt.Chart(long).mark_line(point=True).encode(
        x=alt.X("epoch:Q", title="epoch"), color=alt.Color("split:N", title=None),
        tooltip=["epoch:Q", "split:N", alt.Tooltip("value:Q", format=".3f")])
    panels = [base.transform_filter(alt.datum.panel == panel)
              .encode(y=alt.Y("value:Q", title=panel, scale=alt.Scale(zero=False)))
              .properties(width=width, height=height)
              for panel in ("loss", "accuracy") if (long["panel"] == panel).any()]
    return alt.hconcat(*panels)


def frame_quality(metrics: pd.DataFrame, *, width: int = 300, height: int = 170) -> alt.Chart:
    """Per-frame motion fidelity, trustworthiness, kNN kept, jitter and hidden change (``project_run(...).metrics``).

    The size is fixed in the spec (draw it with ``width="content"``): a chart sized to its container
    collapses to a flat line with a clipped legend when it is drawn inside a tab that is hidden at first.
    """
    present = [c for c in QUALITY if c in metrics.columns]
    if metrics.empty or not present:
        raise ValueError("The projection has no per-frame quality metrics.")
    frame = metrics.reset_index(drop=True).assign(frame=lambda d: range(len(d)))
    long = frame.melt(id_vars=["frame", "checkpoint"], value_vars=present, var_name="measure", value_name="value")
    long["measure"] = long["measure"].map(QUALITY)
    return alt.Chart(long).mark_line(point=True).encode(
        x=alt.X("frame:Q", title="checkpoint", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("value:Q", title=None),
        color=alt.Color("measure:N", title=None, sort=list(QUALITY.values()),
                        legend=alt.Legend(orient="bottom", columns=2, labelLimit=0)),
        tooltip=["checkpoint:N", "measure:N", alt.Tooltip("value:Q", format=".3f")],
    ).properties(width=width, height=height, autosize=alt.AutoSizeParams(type="pad", contains="padding"))
