"""Two runs side by side: one spec, one shared checkpoint slider, one focus ring drawn in both panels.

Each panel is a wide table from :func:`hiddenrep.viz.scatter_table` (its own scaling) holding the same
examples; the ``frame`` param picks both panels' columns, so scrubbing moves both at the same epoch,
and the ``focus`` param rings the same example_id in both (the linked selection).
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from .scatter import EXTENT


def compare_scatter(table_a: pd.DataFrame, table_b: pd.DataFrame, *, frame_titles: Sequence[str],
                    names: tuple[str, str] = ("A", "B"), color_domain: Sequence | None = None,
                    focus: str | None = None, start_frame: int = -1, width: int = 380, height: int = 380,
                    point_size: float = 12) -> alt.HConcatChart:
    """Side-by-side epoch scatters of runs A and B (``color`` column: the label) with a shared slider."""
    n_frames = len(frame_titles)
    for name, table in zip(names, (table_a, table_b)):
        if f"x{n_frames - 1}" not in table.columns or f"x{n_frames}" in table.columns:
            raise ValueError(f"table of {name} does not hold {n_frames} frames (x0 … x{n_frames - 1}).")
    frame = alt.param(name="frame", value=range(n_frames)[start_frame],
                      bind=alt.binding_range(min=0, max=n_frames - 1, step=1, name="epoch "))
    params = [frame, alt.param(name="titles", value=list(frame_titles)), alt.param(name="focus", value=focus or "")]
    scale = alt.Scale(domain=[0, EXTENT], nice=False, zero=False)
    position = {"x": alt.X("x:Q", scale=scale, axis=None), "y": alt.Y("y:Q", scale=scale, axis=None)}
    color = alt.Color("color:N", title="label",
                      scale=alt.Scale(domain=list(color_domain)) if color_domain is not None else alt.Undefined)
    calculate = {"x": "datum['x' + frame]", "y": "datum['y' + frame]"}
    panels = []
    for side, (name, table) in enumerate(zip(names, (table_a, table_b))):
        points = (alt.Chart(table).transform_calculate(**calculate).transform_calculate(frame="frame")
                  .mark_square(size=point_size, opacity=0.75)
                  .encode(**position, color=color, tooltip=["text:N", "label:N", "example_id:N"])
                  .add_params(alt.selection_point(name=f"pick{side}", fields=["example_id"], on="click")))
        ring = (alt.Chart(table).transform_filter("datum.example_id === focus").transform_calculate(**calculate)
                .mark_point(size=260, strokeWidth=3, color="black", filled=False).encode(**position))
        title = alt.Chart(alt.Data(values=[{}])).mark_text(
            align="left", baseline="bottom", fontWeight="bold", fontSize=12, dy=-6,
            text=alt.ExprRef(f"{_quote(name)} + ' · ' + titles[frame]")).encode(x=alt.value(0), y=alt.value(0))
        panels.append(alt.layer(points, ring, title).properties(width=width, height=height))
    return (alt.hconcat(*panels).add_params(*params)
            .properties(usermeta={"embedOptions": {"renderer": "canvas"}})
            .configure_mark(aria=False).configure_view(stroke=None))


def _quote(text: str) -> str:
    return "'" + str(text).replace("\\", "\\\\").replace("'", "\\'") + "'"


def separation_chart(table: pd.DataFrame, names: tuple[str, str] = ("A", "B"), *, width: int = 220,
                     height: int = 160) -> alt.HConcatChart:
    """kNN accuracy and silhouette of each run per epoch, and their neighbourhood agreement
    (a :func:`hiddenrep.compare.compare_runs` table)."""
    long = []
    for metric, title in (("knn_accuracy", "kNN accuracy (hidden space)"), ("silhouette", "silhouette")):
        for side, name in zip("ab", names):
            long.append(pd.DataFrame({"epoch": table["epoch"], "value": table[f"{metric}_{side}"],
                                      "run": name, "figure": title}))
    long.append(pd.DataFrame({"epoch": table["epoch"], "value": table["agreement"], "run": "A ∩ B",
                              "figure": "neighbourhood agreement (Jaccard)"}))
    data = pd.concat(long, ignore_index=True)
    charts = []
    for title in data["figure"].unique():
        charts.append(alt.Chart(data[data["figure"] == title]).mark_line(point=True).encode(
            x=alt.X("epoch:Q"), y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False)),
            color=alt.Color("run:N", title="run"), tooltip=["run:N", "epoch:Q", alt.Tooltip("value:Q", format=".3f")]
        ).properties(title=title, width=width, height=height))
    return alt.hconcat(*charts)
