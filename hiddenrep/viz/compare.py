"""Two runs side by side: one spec, one shared checkpoint slider, one focus ring drawn in both panels.

Each panel is a wide table from :func:`hiddenrep.viz.scatter_table` (its own scaling) holding the same
examples; the ``frame`` param picks both panels' columns, so scrubbing moves both at the same epoch,
and the ``focus`` param rings the same example_id in both (the linked selection).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import altair as alt
import pandas as pd

from .scatter import _checked, _Clock, _panel, _top


def compare_scatter(table_a: pd.DataFrame, table_b: pd.DataFrame, *, frame_titles: Sequence[str],
                    names: tuple[str, str] = ("A", "B"), color_domain: Sequence | None = None,
                    focus: str | None = None, start_frame: int = -1, width: int = 380, height: int = 380,
                    point_size: float = 12) -> alt.HConcatChart:
    """Side-by-side panels of :func:`hiddenrep.viz.scatter_chart` for runs A and B (``color`` column: the label).

    One ``frame`` slider, one ``pick`` and one ``legend`` selection for both panels; each panel zooms on
    its own (``zoom_a``, ``zoom_b``): their layouts are scaled separately.
    """
    for name, table in zip(names, (table_a, table_b)):
        try:
            n_frames, _, _ = _checked(table, frame_titles, (), None)
        except ValueError as error:
            raise ValueError(f"run {name}: {error}") from None
    clock = _Clock(n_frames, tween=False, easing="cubic", start=start_frame)
    pick = alt.selection_point(name="pick", fields=["example_id", "frame"], on="click")
    legend = alt.selection_point(name="legend", fields=["color"], bind="legend")
    panels = [_panel(table, clock, color_title="label", color_type="nominal", color_domain=color_domain,
                     color_scheme="viridis", highlight=None, tooltip=("text", "label", "example_id"), tracked=[],
                     labels=[], trails=False, wrong_only=False, width=width, height=height, point_size=point_size,
                     title_prefix=_quote(name) + " + ' · ' + ", pick=pick, legend=legend, zoom_name=f"zoom_{side}")
              for side, name, table in zip("ab", names, (table_a, table_b))]
    params = [*clock.params, alt.param(name="titles", value=list(frame_titles)),
              alt.param(name="focus", value=focus or "")]
    with warnings.catch_warnings():  # Altair says it merged the panels' pick and legend: that is the point
        warnings.filterwarnings("ignore", message="Automatically deduplicated selection parameter")
        return _top(alt.hconcat(*panels), params)


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
