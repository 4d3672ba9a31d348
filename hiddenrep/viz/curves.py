"""Line charts over checkpoints: training curves and each frame's projection quality."""

from __future__ import annotations

import altair as alt
import pandas as pd

_CURVES = {"train_loss": ("loss", "train"), "validation_loss": ("loss", "validation"),
           "train_acc": ("accuracy", "train"), "validation_acc": ("accuracy", "validation")}
QUALITY = {"motion_fidelity": "motion fidelity", "trustworthiness": "trustworthiness", "knn_kept": "kNN kept",
           "jitter": "jitter", "hidden_change": "hidden change"}


# width / height are the plot's own: Streamlit would otherwise fit legend and axes inside them, and a
# short chart's plot collapses to nothing (the Words page's distance line drew flat, without its axis).
_PLOT_SIZE = alt.AutoSizeParams(type="pad", contains="padding")


def training_curves(metrics: pd.DataFrame, *, width: int = 170, height: int = 90) -> alt.VConcatChart:
    """Loss above accuracy per checkpoint, train vs validation (``metrics`` = ``Run.metrics()``).

    Stacked, so the chart is only one panel wide (``width`` plus ~50 px of axis) and fits the narrow
    card of a training job; the legend sits on top, never pushed off the right edge, and epochs read
    "1", "2" (or "1.5" between epochs), not "1.000000".
    """
    present = [c for c in _CURVES if c in metrics.columns]
    if metrics.empty or not present:
        raise ValueError("No checkpoint metrics yet: the run has not recorded a checkpoint.")
    long = metrics.melt(id_vars=["epoch"], value_vars=present, var_name="metric", value_name="value")
    long["panel"] = long["metric"].map(lambda m: _CURVES[m][0])
    long["split"] = long["metric"].map(lambda m: _CURVES[m][1])
    whole_epochs = bool((long["epoch"] % 1 == 0).all())
    x_axis = (alt.Axis(format="d", tickMinStep=1, labelOverlap=True) if whole_epochs
              else alt.Axis(format="~g", labelOverlap=True))
    base = alt.Chart(long).mark_line(point=True).encode(
        x=alt.X("epoch:Q", title="epoch", axis=x_axis),
        color=alt.Color("split:N", title=None, legend=alt.Legend(orient="top", direction="horizontal")),
        tooltip=[alt.Tooltip("epoch:Q", format="~g"), "split:N", alt.Tooltip("value:Q", format=".3f")])
    charts = [base.transform_filter(alt.datum.panel == panel)
              .encode(y=alt.Y("value:Q", title=panel, scale=alt.Scale(zero=False),
                              axis=alt.Axis(format=".2~f", tickCount=4)))
              .properties(width=width, height=height)
              for panel in ("loss", "accuracy") if (long["panel"] == panel).any()]
    return alt.vconcat(*charts, spacing=8)


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
    ).properties(width=width, height=height, autosize=_PLOT_SIZE)


def word_distance_chart(table: pd.DataFrame, *, width: int = 300, height: int = 160) -> alt.Chart:
    """Cosine distance per checkpoint for each pair of words (a :func:`hiddenrep.words.word_distances`
    table): a falling line is two words coming together."""
    if table.empty:
        raise ValueError("No word distances to draw: pick two recorded words.")
    whole_epochs = bool((table["epoch"] % 1 == 0).all())
    return alt.Chart(table).mark_line(point=True).encode(
        x=alt.X("epoch:Q", title="epoch", axis=alt.Axis(format="d", tickMinStep=1) if whole_epochs
                else alt.Axis(format="~g")),
        y=alt.Y("distance:Q", title="cosine distance", scale=alt.Scale(zero=False), axis=alt.Axis(format=".3f")),
        color=alt.Color("pair:N", title=None, legend=alt.Legend(orient="top", direction="horizontal")),
        tooltip=["pair:N", alt.Tooltip("epoch:Q", format="~g"), alt.Tooltip("distance:Q", format=".3f")],
    ).properties(width=width, height=height, autosize=_PLOT_SIZE)
