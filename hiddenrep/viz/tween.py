"""The tweened scatter: points glide between checkpoints in the browser, driven by one continuous param ``t``.

Same wide table as :func:`hiddenrep.viz.scatter_table` (``x0, y0, x1, y1, ...`` in one shared frame).
``t`` runs over ``[0, n_frames - 1]``; each point sits at ``lerp(x[floor t], x[floor t + 1], ease(t - floor t))``
— the easing of :func:`hiddenrep.animate.tween.ease` ("cubic" ease-in-out by default), so a whole
number is exactly that checkpoint's layout and the in-browser animation matches the exported GIF.
The app's component advances ``t`` with ``requestAnimationFrame`` (play, pause, speed, loop); the
slider bound to ``t`` lands between checkpoints. Tracked points carry letters A, B, C… and, with
``trails``, a line through every checkpoint they passed up to where they are now.
"""

from __future__ import annotations

import string
from collections.abc import Sequence

import altair as alt
import pandas as pd

from .scatter import EXTENT, FADED_OPACITY, NOMINAL, _color, n_frames_of

EASE_EXPR = {  # of {w} in [0, 1], as Vega expressions (mirrors hiddenrep.animate.tween.ease)
    "linear": "{w}",
    "cubic": "{w} < 0.5 ? 4 * {w} * {w} * {w} : 1 - pow(-2 * {w} + 2, 3) / 2",
    "sine": "(1 - cos(PI * {w})) / 2",
}


def track_letters(n: int) -> list[str]:
    """A, B, …, Z, AA, AB, … (the seed labels its followed points with letters)."""
    letters = list(string.ascii_uppercase)
    return [letters[i] if i < 26 else letters[i // 26 - 1] + letters[i % 26] for i in range(n)]


def _lerp(axis: str, time: str, easing: str) -> str:
    """Vega expression: the ``axis`` coordinate of a datum at time ``time`` (a number expression)."""
    f0, f1 = f"floor({time})", f"min(floor({time}) + 1, nframes - 1)"
    eased = EASE_EXPR[easing].format(w=f"(({time}) - floor({time}))")
    return f"datum['{axis}' + {f0}] + (datum['{axis}' + {f1}] - datum['{axis}' + {f0}]) * ({eased})"


def tween_scatter(
    table: pd.DataFrame,
    *,
    frame_titles: Sequence[str],
    color_title: str = "label",
    color_type: str = NOMINAL,
    color_domain: Sequence | None = None,
    color_scheme: str = "viridis",
    tooltip: Sequence[str] = ("text",),
    tracked: Sequence[str] = (),
    track_labels: Sequence[str] | None = None,
    trails: bool = False,
    easing: str = "cubic",
    start: float = 0.0,
    focus: str | None = None,
    width: int = 520,
    height: int = 480,
    point_size: float = 14,
) -> alt.LayerChart:
    """Animated scatter of every frame of ``table`` (from :func:`scatter_table`), tweened in the browser.

    ``tracked``: example ids to label A, B, C… (in that order, or ``track_labels``) and ring; ``trails``
    draws their paths.
    Per-frame colours (``c0, c1, ...``) switch at the midpoint between two checkpoints.
    """
    n_frames = n_frames_of(table)
    if n_frames == 0:
        raise ValueError("table has no x0/y0 columns; build it with scatter_table().")
    if len(frame_titles) != n_frames:
        raise ValueError(f"table holds {n_frames} frames but frame_titles has {len(frame_titles)} entries.")
    if easing not in EASE_EXPR:
        raise ValueError(f"easing must be one of {sorted(EASE_EXPR)}, got {easing!r}.")
    missing = [i for i in tracked if i not in set(table["example_id"])]
    if missing:
        raise ValueError(f"tracked ids not in the table: {missing[:5]}.")
    tracked = list(dict.fromkeys(tracked))
    labels = track_letters(len(tracked)) if track_labels is None else [str(label) for label in track_labels]
    if len(labels) != len(tracked):
        raise ValueError(f"track_labels has {len(labels)} entries for {len(tracked)} tracked points.")
    def expr(axis: str, time: str = "t") -> str:
        return _lerp(axis, time, easing)

    t = alt.param(name="t", value=float(min(max(start, 0.0), n_frames - 1)),
                  bind=alt.binding_range(min=0, max=n_frames - 1, step=0.01, name="checkpoint "))
    params = [t, alt.param(name="nframes", value=n_frames), alt.param(name="titles", value=list(frame_titles)),
              alt.param(name="focus", value=focus or ""), alt.param(name="tracked", value=tracked),
              alt.param(name="letters", value=labels),
              # per tick, computed once (not once per point): the two columns and the eased weight
              alt.param(name="xa", expr="'x' + floor(t)"), alt.param(name="xb", expr="'x' + min(floor(t) + 1, nframes - 1)"),
              alt.param(name="ya", expr="'y' + floor(t)"), alt.param(name="yb", expr="'y' + min(floor(t) + 1, nframes - 1)"),
              alt.param(name="ease", expr=EASE_EXPR[easing].format(w="(t - floor(t))"))]

    per_frame_color = "c0" in table.columns
    calculate = {"x": "datum[xa] + (datum[xb] - datum[xa]) * ease", "y": "datum[ya] + (datum[yb] - datum[ya]) * ease"}
    if per_frame_color:
        calculate["color"] = "datum['c' + round(t)]"
    if "f0" in table.columns:
        calculate["faded"] = "datum['f' + round(t)]"
    scale = alt.Scale(domain=[0, EXTENT], nice=False, zero=False)
    position = {"x": alt.X("x:Q", scale=scale, axis=None), "y": alt.Y("y:Q", scale=scale, axis=None)}
    encoding = dict(position)
    if "color" in table.columns or per_frame_color:
        encoding["color"] = _color(color_title, color_type, color_domain, color_scheme)
    if "f0" in table.columns:
        encoding["opacity"] = FADED_OPACITY
    fields = [column for column in tooltip if column in table.columns]
    if fields:
        encoding["tooltip"] = [alt.Tooltip(f"{c}:{'Q' if pd.api.types.is_float_dtype(table[c]) else 'N'}")
                               for c in fields]

    base = alt.Chart(table).transform_calculate(**calculate).transform_calculate(frame="round(t)")
    points = base.mark_square(size=point_size, opacity=0.75).encode(**encoding).add_params(
        alt.selection_point(name="pick", fields=["example_id", "frame"], on="click"))
    layers = [points]

    # Tracked and focused points: a few rows, filtered before their positions are computed.
    few = table[table["example_id"].isin(set(tracked) | ({focus} if focus else set()))]
    marked = (alt.Chart(few).transform_filter("datum.example_id === focus || indexof(tracked, datum.example_id) >= 0")
              .transform_calculate(x=calculate["x"], y=calculate["y"],
                                   letter="indexof(tracked, datum.example_id) >= 0 ? "
                                          "letters[indexof(tracked, datum.example_id)] : ''"))
    if trails and tracked:
        steps = pd.DataFrame({"k": range(n_frames)})
        trail_rows = few[few["example_id"].isin(tracked)].merge(steps, how="cross")
        layers.insert(0, alt.Chart(trail_rows)
                      .transform_filter("indexof(tracked, datum.example_id) >= 0 && datum.k <= ceil(t)")
                      .transform_calculate(kk="min(datum.k, t)")
                      .transform_calculate(x=expr("x", "datum.kk"), y=expr("y", "datum.kk"))
                      .mark_line(strokeWidth=1.5, opacity=0.6, color="#444")
                      .encode(**position, detail="example_id:N", order="k:Q"))
    layers.append(marked.transform_filter("datum.example_id === focus").mark_point(
        size=220, strokeWidth=2.5, color="black", filled=False).encode(**position))
    layers.append(marked.transform_filter("datum.letter !== ''").mark_point(
        size=160, strokeWidth=2, color="black", filled=False).encode(**position))
    layers.append(marked.transform_filter("datum.letter !== ''").mark_text(
        align="left", dx=8, dy=-8, fontSize=15, fontWeight="bold", stroke="white", strokeWidth=0.5
    ).encode(**position, text="letter:N"))
    title = alt.Chart(alt.Data(values=[{}])).mark_text(
        align="left", baseline="bottom", fontWeight="bold", fontSize=12, dy=-6,
        text=alt.ExprRef("t == floor(t) ? titles[t] : titles[floor(t)] + '  →  ' + titles[floor(t) + 1] + "
                         "'  (' + format(t - floor(t), '.0%') + ')'")
    ).encode(x=alt.value(0), y=alt.value(0))
    layers.append(title)
    return (
        alt.layer(*layers)
        .add_params(*params)
        .properties(width=width, height=height, usermeta={"embedOptions": {"renderer": "canvas"}})
        .configure_mark(aria=False)
        .configure_view(stroke=None)
        .configure_legend(orient="bottom")  # the page's column is narrow: keep the legend in view
    )
