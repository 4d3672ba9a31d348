"""The epoch scatter: every checkpoint's 2-D coordinates in one Vega-Lite spec, scrubbed in the browser.

"Wide" layout: one row per example with columns ``x0, y0, x1, y1, ...`` (and ``c0, c1, ...`` /
``ok0, ok1, ...`` when the colour or correctness changes per checkpoint). A ``frame`` parameter,
bound to a slider, picks the columns by expression, so moving the slider re-evaluates one
expression per point in the browser and never reruns Python. Measured in bench/ui.py: this is
about twice as fast per step as a long table filtered by frame.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

EXTENT = 1000.0  # coordinates are rescaled into [0, EXTENT] on both axes (shared scale, aspect kept)
NOMINAL, QUANTITATIVE = "nominal", "quantitative"
# Points a ``faded`` column marks in the frame on screen are drawn faint, the others as usual.
FADED_OPACITY = alt.condition("datum.faded == 1", alt.value(0.1), alt.value(0.75))
_CORRECT_COLORS = {"correct": "#2a9d8f", "wrong": "#e63946"}


def _frame_columns(prefix: str, n_frames: int) -> list[str]:
    return [f"{prefix}{t}" for t in range(n_frames)]


def scatter_table(coords: np.ndarray, points: pd.DataFrame, *, color: np.ndarray | None = None,
                  correct: np.ndarray | None = None, faded: np.ndarray | None = None) -> pd.DataFrame:
    """Wide table for :func:`epoch_scatter`.

    ``coords``: (n_frames, n_points, 2) in one shared frame (e.g. ``project_run(...).coords``).
    ``points``: one row per point (``example_id``, ``text``, ...; every column becomes a tooltip
    candidate). ``color``: (n_points,) for a colour that never changes, or (n_frames, n_points)
    for one that does (prediction, loss, ...). ``correct``: (n_frames, n_points) bool, which
    enables the in-browser "only misclassified" filter. ``faded``: (n_frames, n_points) bool, columns
    ``f0, f1, ...``: the builders draw those points faint in that frame (e.g. the model did not move them).
    """
    coords = np.asarray(coords, dtype=np.float64)
    if coords.ndim != 3 or coords.shape[2] != 2:
        raise ValueError(f"coords must have shape (n_frames, n_points, 2), got {coords.shape}.")
    n_frames, n_points, _ = coords.shape
    if len(points) != n_points:
        raise ValueError(f"coords hold {n_points} points per frame but points has {len(points)} rows.")
    if not np.isfinite(coords).all():
        raise ValueError("coords contain NaN or infinite values; the projection failed for some frame.")
    low = coords.reshape(-1, 2).min(0)
    span = float((coords.reshape(-1, 2).max(0) - low).max()) or 1.0
    scaled = np.round((coords - low) / span * EXTENT, 1)
    columns = {}
    for t in range(n_frames):
        columns[f"x{t}"] = scaled[t, :, 0]
        columns[f"y{t}"] = scaled[t, :, 1]
    if color is not None:
        color = np.asarray(color)
        if color.shape == (n_points,):
            columns["color"] = color
        elif color.shape == (n_frames, n_points):
            columns.update({f"c{t}": color[t] for t in range(n_frames)})
        else:
            raise ValueError(f"color must have shape ({n_points},) or ({n_frames}, {n_points}), got {color.shape}.")
    if correct is not None:
        correct = np.asarray(correct)
        if correct.shape != (n_frames, n_points):
            raise ValueError(f"correct must have shape ({n_frames}, {n_points}), got {correct.shape}.")
        columns.update({f"ok{t}": correct[t].astype(np.int8) for t in range(n_frames)})
    if faded is not None:
        faded = np.asarray(faded)
        if faded.shape != (n_frames, n_points):
            raise ValueError(f"faded must have shape ({n_frames}, {n_points}), got {faded.shape}.")
        columns.update({f"f{t}": faded[t].astype(np.int8) for t in range(n_frames)})
    return pd.concat([points.reset_index(drop=True), pd.DataFrame(columns)], axis=1)


def n_frames_of(table: pd.DataFrame) -> int:
    frames = 0
    while f"x{frames}" in table.columns:
        frames += 1
    return frames


def epoch_scatter(
    table: pd.DataFrame,
    *,
    frame_titles: Sequence[str],
    color_title: str = "label",
    color_type: str = NOMINAL,
    color_domain: Sequence | None = None,
    color_scheme: str = "viridis",
    tooltip: Sequence[str] = ("text",),
    start_frame: int = -1,
    focus: str | None = None,
    wrong_only: bool = False,
    width: int = 600,
    height: int = 540,
    point_size: float = 14,
) -> alt.LayerChart:
    """Scatter of every frame in ``table`` (from :func:`scatter_table`) with a slider over frames.

    ``frame_titles[t]`` is the title shown while frame ``t`` is on screen (checkpoint name and
    the frame's quality figures). ``focus`` draws a ring around one example_id (the Vega param
    ``focus`` can also be set from JavaScript). ``wrong_only`` hides points the model gets right
    in the frame on screen. A point selection ``pick`` over (example_id, frame) serves
    ``st.altair_chart(on_select="rerun")`` and the app's own component. Rendered on canvas: SVG is
    several times slower above a few thousand points.
    """
    n_frames = n_frames_of(table)
    if n_frames == 0:
        raise ValueError("table has no x0/y0 columns; build it with scatter_table().")
    if len(frame_titles) != n_frames:
        raise ValueError(f"table holds {n_frames} frames but frame_titles has {len(frame_titles)} entries.")
    start = range(n_frames)[start_frame]
    frame = alt.param(name="frame", value=start,
                      bind=alt.binding_range(min=0, max=n_frames - 1, step=1, name="checkpoint "))
    titles = alt.param(name="titles", value=list(frame_titles))
    focus_param = alt.param(name="focus", value=focus or "")

    per_frame_color = "c0" in table.columns
    calculate = {"x": "datum['x' + frame]", "y": "datum['y' + frame]"}
    if per_frame_color:
        calculate["color"] = "datum['c' + frame]"
    if "f0" in table.columns:
        calculate["faded"] = "datum['f' + frame]"
    base = alt.Chart(table).transform_calculate(**calculate)
    if wrong_only:
        if "ok0" not in table.columns:
            raise ValueError("wrong_only needs the per-frame 'correct' columns; pass correct= to scatter_table().")
        base = base.transform_filter("datum['ok' + frame] == 0")
    base = base.transform_calculate(frame="frame")  # so a click reports the checkpoint it was made at
    # The ring filters before it calculates, so a frame step costs it one row, not every row.
    ring_base = (alt.Chart(table).transform_filter("datum.example_id === focus")
                 .transform_calculate(x=calculate["x"], y=calculate["y"]))

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

    points = base.mark_square(size=point_size, opacity=0.75).encode(**encoding)
    # The selection also makes the points pickable at all: Vega-Lite marks without one ignore the mouse.
    points = points.add_params(alt.selection_point(name="pick", fields=["example_id", "frame"], on="click"))
    ring = ring_base.mark_point(size=220, strokeWidth=2.5, color="black", filled=False).encode(**position)
    # The per-frame title is a text mark: a Vega-Lite title holding an expression swallows every click.
    title = alt.Chart(alt.Data(values=[{}])).mark_text(
        align="left", baseline="bottom", fontWeight="bold", fontSize=12, dy=-6, text=alt.ExprRef("titles[frame]")
    ).encode(x=alt.value(0), y=alt.value(0))
    return (
        alt.layer(points, ring, title)
        .add_params(frame, titles, focus_param)
        .properties(width=width, height=height, usermeta={"embedOptions": {"renderer": "canvas"}})
        .configure_mark(aria=False)
        .configure_view(stroke=None)
    )


def _color(title: str, kind: str, domain: Sequence | None, scheme: str) -> alt.Color:
    if kind == QUANTITATIVE:
        low, high = (0.0, 1.0) if domain is None else domain
        return alt.Color("color:Q", title=title, scale=alt.Scale(domain=[low, high], scheme=scheme, clamp=True))
    if kind != NOMINAL:
        raise ValueError(f"color_type must be {NOMINAL!r} or {QUANTITATIVE!r}, got {kind!r}.")
    if domain is not None and list(domain) == list(_CORRECT_COLORS):
        return alt.Color("color:N", title=title,
                         scale=alt.Scale(domain=list(_CORRECT_COLORS), range=list(_CORRECT_COLORS.values())))
    scale = alt.Scale(domain=list(domain)) if domain is not None else alt.Undefined
    return alt.Color("color:N", title=title, scale=scale)
