"""THE scatter of hidden representations: one builder for Explore, Animate, Compare, Words and the HTML export.

:func:`scatter_chart` turns a wide table (:func:`scatter_table`) into one Altair layer chart; stepped
(``frame``, the checkpoint slider of Explore and Compare) or tweened (``t``, the animation of Animate,
Words and the exported HTML). :func:`epoch_scatter` and :func:`tween_scatter` are its two forms;
:func:`hiddenrep.viz.compare.compare_scatter` puts two of its panels side by side.

Spec contract (read by the app's component, ``hiddenrep/ui/frontend``, and any faster renderer of the
same spec; change it only together with them):

- Data: ONE row per example, inline (``datasets``), columns ``example_id`` (string), ``x0, y0, x1, y1, ...``
  (every checkpoint, one shared frame scaled into ``[0, EXTENT]``, the narrower axis centred), optional
  ``color`` (constant) or ``c0, c1, ...`` (per checkpoint), ``ok0, ...`` (1 = the model is right),
  ``faded`` or ``faded0, faded1, ...`` (1 = draw faint, e.g. "the model did not move it"; eased while tweening),
  plus tooltip columns. Tracked points also carry ``lx0, ly0, ...`` (where their label sits, data units)
  and ``away0, ...`` (1 = the label sits away from its point, joined by a leader line).
- Top-level params: ``frame`` (stepped, integer, bound to a range input) **or** ``t`` (tweened, continuous
  in ``[0, nframes - 1]``, bound to a range input, eased by ``ease``); ``nframes``; ``titles`` (one
  caption per checkpoint, lines split at a newline); ``focus`` (an example_id to ring; set from JavaScript
  too); ``tracked`` and
  ``letters`` (ids followed, their labels); ``highlight`` (the chosen colour value, drawn red and on top).
- Selections on the points layer (the first layer holding a symbol mark with ``example_id``): ``pick``
  (point, fields ``example_id`` and ``frame``, on click), ``legend`` (point over ``color``, bound to the
  legend: a click on an entry shows only that class), ``zoom`` (interval bound to the x/y scales: wheel
  zooms, drag pans, double-click resets; ``zoom_<panel>`` in Compare).
- Positions: ``x``/``y`` calculated per point, ``datum['x' + frame]`` stepped or
  ``datum[xa] + (datum[xb] - datum[xa]) * ease`` tweened (params ``xa, xb, ya, yb, ease``); the
  current checkpoint of a datum is calculated as ``frame`` (``round(t)`` tweened).
- Draw order: ``order`` encoding on ``on_top`` (1 for the chosen class), so the chosen class is last.
- Opacity: ``POINT_OPACITY``; ``FADED_OPACITY`` where faded; ``HIDDEN_OPACITY`` for classes the legend
  selection leaves out.

Rendered on canvas (``usermeta.embedOptions.renderer``): SVG is several times slower above a few
thousand points. Measured in bench/ui.py: the wide table with an expression per point is about twice
as fast per slider step as a long table filtered by frame.
"""

from __future__ import annotations

import string
from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from ..checks import check_coords

EXTENT = 1000.0  # coordinates are rescaled into [0, EXTENT] (the wider axis; the narrower one is centred)
NOMINAL, QUANTITATIVE = "nominal", "quantitative"
CHOSEN_COLOR, OTHER_COLOR = "#e63946", "#aab2bd"  # the chosen class (Words "profanity", one label) and the rest
_CORRECT_COLORS = {"correct": "#2a9d8f", "wrong": CHOSEN_COLOR}
# Vega's tableau10 without its red and pink, for the other classes when one is chosen
_OTHER_COLORS = ("#4c78a8", "#f58518", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#9d755d", "#bab0ac")
POINT_OPACITY, FADED_OPACITY, HIDDEN_OPACITY = 0.75, 0.12, 0.04
LABEL_FONT_SIZE = 14
EASE_EXPR = {  # of {w} in [0, 1], as Vega expressions (mirrors hiddenrep.animate.tween.ease)
    "linear": "{w}",
    "cubic": "{w} < 0.5 ? 4 * {w} * {w} * {w} : 1 - pow(-2 * {w} + 2, 3) / 2",
    "sine": "(1 - cos(PI * {w})) / 2",
}


def scatter_table(coords: np.ndarray, points: pd.DataFrame, *, color: np.ndarray | None = None,
                  correct: np.ndarray | None = None, faded: np.ndarray | None = None) -> pd.DataFrame:
    """Wide table for :func:`scatter_chart`.

    ``coords``: (n_frames, n_points, 2) in one shared frame (e.g. ``project_run(...).coords``).
    ``points``: one row per point (``example_id``, ``text``, ...; every column becomes a tooltip
    candidate). ``color``: (n_points,) for a colour that never changes, or (n_frames, n_points)
    for one that does (prediction, loss, ...). ``correct``: (n_frames, n_points) bool, which
    enables the in-browser "only misclassified" filter. ``faded``: (n_points,) or (n_frames, n_points)
    bool, points drawn faint (e.g. their neighbourhood did not change).
    """
    coords = check_coords(coords, frames="n_frames", dtype=np.float64)
    n_frames, n_points, _ = coords.shape
    if len(points) != n_points:
        raise ValueError(f"coords hold {n_points} points per frame but points has {len(points)} rows.")
    flat = coords.reshape(-1, 2)
    low, spans = flat.min(0), flat.max(0) - flat.min(0)
    span = float(spans.max()) or 1.0
    centre = (EXTENT - spans / span * EXTENT) / 2  # the narrower axis sits in the middle, not at the bottom
    scaled = np.round((coords - low) / span * EXTENT + centre, 1)
    columns = {}
    for t in range(n_frames):
        columns[f"x{t}"] = scaled[t, :, 0]
        columns[f"y{t}"] = scaled[t, :, 1]
    for name, prefix, values in (("color", "c", color), ("faded", "faded", faded)):
        if values is None:
            continue
        values = np.asarray(values)
        if name == "faded":
            values = values.astype(np.int8)
        if values.shape == (n_points,):
            columns[name] = values
        elif values.shape == (n_frames, n_points):
            columns.update({f"{prefix}{t}": values[t] for t in range(n_frames)})
        else:
            raise ValueError(f"{name} must have shape ({n_points},) or ({n_frames}, {n_points}), got {values.shape}.")
    if correct is not None:
        correct = np.asarray(correct)
        if correct.shape != (n_frames, n_points):
            raise ValueError(f"correct must have shape ({n_frames}, {n_points}), got {correct.shape}.")
        columns.update({f"ok{t}": correct[t].astype(np.int8) for t in range(n_frames)})
    return pd.concat([points.reset_index(drop=True), pd.DataFrame(columns)], axis=1)


def n_frames_of(table: pd.DataFrame) -> int:
    frames = 0
    while f"x{frames}" in table.columns:
        frames += 1
    return frames


def track_letters(n: int) -> list[str]:
    """A, B, …, Z, AA, AB, … (the seed labels its followed points with letters)."""
    letters = list(string.ascii_uppercase)
    return [letters[i] if i < 26 else letters[i // 26 - 1] + letters[i % 26] for i in range(n)]


_MARGIN = 0.02  # of EXTENT on each side, so points on the edge are not cut in half


def view_domains(width: int, height: int) -> tuple[list[float], list[float]]:
    """x and y scale domains showing all of [0, EXTENT]² with one unit = the same pixels on both axes."""
    unit = EXTENT * (1 + 2 * _MARGIN) / min(width, height)
    half_x, half_y = width * unit / 2, height * unit / 2
    return [EXTENT / 2 - half_x, EXTENT / 2 + half_x], [EXTENT / 2 - half_y, EXTENT / 2 + half_y]


# --- label placement ------------------------------------------------------------------------------------------------

_RING_RADIUS = 9  # px: the tracked point's ring (size 160 symbol ≈ 13 px across) plus a margin
_DIRECTIONS = [(np.cos(a), np.sin(a)) for a in np.radians([45, 0, 90, 135, 315, 180, 270, 225])]  # NE first
_GAPS = (4, 14, 28, 46, 70)  # px between the ring and the label, tried nearest first


def _label_size(label: str) -> tuple[float, float]:
    """Rough box of a bold label in px (wide enough for capitals; words are narrower per letter)."""
    return 0.68 * LABEL_FONT_SIZE * len(label) + 4, LABEL_FONT_SIZE + 2


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Overlap area of two boxes (x0, y0, x1, y1)."""
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def place_labels(pixels: np.ndarray, labels: Sequence[str], width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Centres (n_frames, n_labels, 2), in px, for labels that overlap no other label and no tracked ring,
    and whether each label had to move away from its point (n_frames, n_labels) (it gets a leader line).

    ``pixels``: (n_frames, n_labels, 2) positions of the labelled points on screen (y down). Greedy and
    deterministic: labels in order, each at the nearest free spot around its point (up-right first,
    then the other directions, then further out), keeping the previous checkpoint's direction when it
    is still free so a label does not jump around its point. Where nothing is free, the spot that
    overlaps least.
    """
    pixels = np.asarray(pixels, dtype=np.float64)
    n_frames, n_labels, _ = pixels.shape
    sizes = [_label_size(label) for label in labels]
    candidates = [(g, d) for g in range(len(_GAPS)) for d in range(len(_DIRECTIONS))]
    centres, away = np.zeros_like(pixels), np.zeros(pixels.shape[:2], dtype=bool)
    previous: list[tuple[int, int] | None] = [None] * n_labels
    for t in range(n_frames):
        rings = [np.array([x - _RING_RADIUS, y - _RING_RADIUS, x + _RING_RADIUS, y + _RING_RADIUS])
                 for x, y in pixels[t]]
        placed: list[np.ndarray] = []
        for i in range(n_labels):
            w, h = sizes[i]
            order = ([previous[i]] if previous[i] is not None else []) + candidates
            best, best_cost = None, np.inf
            for gap, d in order:
                dx, dy = _DIRECTIONS[d]
                reach_x, reach_y = _RING_RADIUS + _GAPS[gap] + w / 2, _RING_RADIUS + _GAPS[gap] + h / 2
                cx, cy = pixels[t, i, 0] + dx * reach_x, pixels[t, i, 1] - dy * reach_y
                box = np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
                outside = max(0.0, -box[0]) + max(0.0, box[2] - width) + max(0.0, -box[1]) + max(0.0, box[3] - height)
                cost = sum(_overlap(box, other) for other in placed + rings) + 100 * outside
                if cost < best_cost:
                    best, best_cost = ((gap, d), (cx, cy), box), cost
                if cost == 0:
                    break
            previous[i], centres[t, i], box = best
            away[t, i] = previous[i][0] > 0
            placed.append(box)
    return centres, away


def _label_columns(table: pd.DataFrame, tracked: list[str], labels: list[str], width: int,
                   height: int) -> pd.DataFrame:
    """The tracked rows with ``lx0, ly0, ...``: where their labels sit at each checkpoint (data units)."""
    n_frames = n_frames_of(table)
    rows = table.set_index("example_id").loc[tracked].reset_index()
    (x_low, x_high), (_, y_high) = view_domains(width, height)
    unit = width / (x_high - x_low)  # px per data unit
    xy = np.stack([rows[[f"x{t}", f"y{t}"]].to_numpy(dtype=np.float64) for t in range(n_frames)])
    pixels = np.stack([(xy[..., 0] - x_low) * unit, (y_high - xy[..., 1]) * unit], axis=-1)
    centres, away = place_labels(pixels, labels, width, height)
    for t in range(n_frames):
        rows[f"lx{t}"] = np.round(centres[t, :, 0] / unit + x_low, 1)
        rows[f"ly{t}"] = np.round(y_high - centres[t, :, 1] / unit, 1)
        rows[f"away{t}"] = away[t].astype(np.int8)
    rows["letter"] = labels
    return rows


# --- the builder ----------------------------------------------------------------------------------------------------

class _Clock:
    """What "now" is: a checkpoint index ``frame`` (stepped) or a continuous, eased ``t`` (tweened)."""

    def __init__(self, n_frames: int, tween: bool, easing: str, start: float | None):
        self.n_frames, self.tween = n_frames, tween
        if tween:
            if easing not in EASE_EXPR:
                raise ValueError(f"easing must be one of {sorted(EASE_EXPR)}, got {easing!r}.")
            self.easing = easing
            value = float(min(max(0.0 if start is None else start, 0.0), n_frames - 1))
            self.params = [
                alt.param(name="t", value=value,
                          bind=alt.binding_range(min=0, max=n_frames - 1, step=0.01, name="checkpoint ")),
                alt.param(name="nframes", value=n_frames),
                # per tick, computed once (not once per point): the two frames and the eased weight
                alt.param(name="ta", expr="floor(t)"), alt.param(name="tb", expr="min(floor(t) + 1, nframes - 1)"),
                alt.param(name="xa", expr="'x' + floor(t)"), alt.param(name="xb", expr="'x' + min(floor(t) + 1, nframes - 1)"),
                alt.param(name="ya", expr="'y' + floor(t)"), alt.param(name="yb", expr="'y' + min(floor(t) + 1, nframes - 1)"),
                alt.param(name="ease", expr=EASE_EXPR[easing].format(w="(t - floor(t))")),
            ]
            self.nearest = "round(t)"
        else:
            value = range(n_frames)[-1 if start is None else int(start)]
            self.params = [alt.param(name="frame", value=value,
                                     bind=alt.binding_range(min=0, max=n_frames - 1, step=1, name="checkpoint ")),
                           alt.param(name="nframes", value=n_frames)]
            self.nearest = "frame"

    def now(self, prefix: str) -> str:
        """Vega expression: a datum's per-checkpoint column ``prefix`` at the time on screen."""
        if not self.tween:
            return f"datum['{prefix}' + frame]"
        if prefix in ("x", "y"):
            a, b = f"{prefix}a", f"{prefix}b"
            return f"datum[{a}] + (datum[{b}] - datum[{a}]) * ease"
        return f"datum['{prefix}' + ta] + (datum['{prefix}' + tb] - datum['{prefix}' + ta]) * ease"

    def at(self, prefix: str, time: str) -> str:
        """The column ``prefix`` at ``time`` (an expression in checkpoints; trails draw up to now)."""
        if not self.tween:
            return f"datum['{prefix}' + ({time})]"
        f0, f1 = f"floor({time})", f"min(floor({time}) + 1, nframes - 1)"
        eased = EASE_EXPR[self.easing].format(w=f"(({time}) - floor({time}))")
        return f"datum['{prefix}' + {f0}] + (datum['{prefix}' + {f1}] - datum['{prefix}' + {f0}]) * ({eased})"

    def title(self, prefix: str) -> str:
        if not self.tween:
            return f"{prefix}titles[frame]"
        return (f"{prefix}(t == floor(t) ? titles[t] : titles[floor(t)] + '  →  ' + titles[floor(t) + 1] + "
                "'  (' + format(t - floor(t), '.0%') + ')')")


def _color(title: str, kind: str, domain: Sequence | None, scheme: str, highlight: str | None,
           width: int) -> alt.Color:
    """The colour channel with its legend: below the plot (the page's column is narrow), never truncated."""
    if kind == QUANTITATIVE:
        low, high = (0.0, 1.0) if domain is None else domain
        return alt.Color("color:Q", title=title, scale=alt.Scale(domain=[low, high], scheme=scheme, clamp=True),
                         legend=alt.Legend(orient="bottom", titleLimit=0, gradientLength=min(width - 40, 320)))
    if kind != NOMINAL:
        raise ValueError(f"color_type must be {NOMINAL!r} or {QUANTITATIVE!r}, got {kind!r}.")
    entries = [str(v) for v in domain] if domain is not None else []
    widest = max([len(e) for e in entries] + [len(title) // 2, 6])
    columns = max(1, min(len(entries) or 10, int(width // (7.5 * widest + 28))))
    legend = alt.Legend(orient="bottom", direction="horizontal", columns=columns, labelLimit=0, titleLimit=0,
                        symbolType="square", symbolOpacity=1)
    if domain is None:
        return alt.Color("color:N", title=title, legend=legend)
    if entries == list(_CORRECT_COLORS):
        colors = list(_CORRECT_COLORS.values())
    elif highlight is not None:  # the chosen one red; a lone "other" grey, several others their usual colours
        others = [OTHER_COLOR] if len(entries) == 2 else list(_OTHER_COLORS)
        colors, k = [], 0
        for entry in entries:
            colors.append(CHOSEN_COLOR if entry == str(highlight) else others[k % len(others)])
            k += entry != str(highlight)
    else:
        return alt.Color("color:N", title=title, scale=alt.Scale(domain=list(domain)), legend=legend)
    return alt.Color("color:N", title=title, scale=alt.Scale(domain=list(domain), range=colors), legend=legend)


def _panel(table: pd.DataFrame, clock: _Clock, *, color_title: str, color_type: str, color_domain, color_scheme: str,
           highlight: str | None, tooltip: Sequence[str], tracked: list[str], labels: list[str], trails: bool,
           wrong_only: bool, width: int, height: int, point_size: float, title_prefix: str, pick, legend,
           zoom_name: str) -> alt.LayerChart:
    """The layers of one scatter (points, trails, rings, labels, caption), without top-level params."""
    calculate = {"x": clock.now("x"), "y": clock.now("y")}
    per_frame_color = "c0" in table.columns
    has_color = per_frame_color or "color" in table.columns
    if per_frame_color:
        calculate["color"] = f"datum['c' + {clock.nearest}]"
    if "faded0" in table.columns:
        calculate["opacity"] = f"{POINT_OPACITY} + ({FADED_OPACITY - POINT_OPACITY}) * ({clock.now('faded')})"
    elif "faded" in table.columns:
        calculate["opacity"] = f"datum.faded ? {FADED_OPACITY} : {POINT_OPACITY}"
    base = alt.Chart(table).transform_calculate(**calculate)
    if wrong_only:
        if "ok0" not in table.columns:
            raise ValueError("wrong_only needs the per-frame 'correct' columns; pass correct= to scatter_table().")
        base = base.transform_filter(f"datum['ok' + {clock.nearest}] == 0")
    base = base.transform_calculate(frame=clock.nearest)  # so a click reports the checkpoint it was made at

    x_domain, y_domain = view_domains(width, height)

    def at(x: str, y: str) -> dict:  # every layer states the same fixed domains: merged data domains break Vega
        return {"x": alt.X(f"{x}:Q", scale=alt.Scale(domain=x_domain, nice=False, zero=False), axis=None),
                "y": alt.Y(f"{y}:Q", scale=alt.Scale(domain=y_domain, nice=False, zero=False), axis=None)}

    position = at("x", "y")
    encoding = dict(position)
    opacity = alt.Opacity("opacity:Q", scale=None) if "opacity" in calculate else alt.value(POINT_OPACITY)
    if has_color:
        encoding["color"] = _color(color_title, color_type, color_domain, color_scheme, highlight, width)
        if color_type == NOMINAL:
            opacity = alt.condition(legend, opacity, alt.value(HIDDEN_OPACITY))
    encoding["opacity"] = opacity
    if highlight is not None and has_color:
        base = base.transform_calculate(on_top=f"datum.color === highlight ? 1 : 0")
        encoding["order"] = alt.Order("on_top:Q")
    fields = [column for column in tooltip if column in table.columns]
    if fields:
        encoding["tooltip"] = [alt.Tooltip(f"{c}:{'Q' if pd.api.types.is_float_dtype(table[c]) else 'N'}")
                               for c in fields]
    points = base.mark_square(size=point_size, opacity=POINT_OPACITY).encode(**encoding)
    # The pick selection also makes the points pickable at all: Vega-Lite marks without one ignore the mouse.
    selections = [pick, alt.selection_interval(bind="scales", name=zoom_name)]
    if has_color and color_type == NOMINAL:
        selections.append(legend)
    points = points.add_params(*selections)
    layers = [points]

    if tracked:
        rows = _label_columns(table, tracked, labels, width, height)
        marked = alt.Chart(rows).transform_calculate(x=clock.now("x"), y=clock.now("y"), lx=clock.now("lx"),
                                                     ly=clock.now("ly"))
        if trails:
            steps = rows[["example_id"] + [c for t in range(clock.n_frames) for c in (f"x{t}", f"y{t}")]]
            trail_rows = steps.merge(pd.DataFrame({"k": range(clock.n_frames)}), how="cross")
            path = {"x": position["x"], "y": position["y"], "detail": "example_id:N", "order": "k:Q"}
            whole = alt.Chart(trail_rows).transform_calculate(x=clock.at("x", "datum.k"), y=clock.at("y", "datum.k"))
            # The whole path faint (so trails show even at the first checkpoint), the part travelled dark.
            layers.append(whole.mark_line(strokeWidth=1.5, opacity=0.5, color="#444", strokeDash=[4, 3])
                          .encode(**path))
            upto = "ceil(t)" if clock.tween else "frame"
            travelled = (alt.Chart(trail_rows).transform_filter(f"datum.k <= {upto}")
                         .transform_calculate(kk=f"min(datum.k, {'t' if clock.tween else 'frame'})")
                         .transform_calculate(x=clock.at("x", "datum.kk"), y=clock.at("y", "datum.kk")))
            layers.append(travelled.mark_line(strokeWidth=3.5, opacity=0.6, color="white").encode(**path))
            layers.append(travelled.mark_line(strokeWidth=1.5, opacity=0.85, color="#222").encode(**path))
        leader = {"x": position["x"], "y": position["y"], "x2": "lx:Q", "y2": "ly:Q"}
        layers.append(marked.transform_filter(f"datum['away' + {clock.nearest}] == 1")
                      .mark_rule(strokeWidth=1, color="#222", opacity=0.6).encode(**leader))
        layers.append(marked.mark_point(size=160, strokeWidth=2, color="#111", filled=False).encode(**position))
        layers.append(marked.mark_text(fontSize=LABEL_FONT_SIZE, fontWeight="bold", align="center", baseline="middle",
                                       stroke="white", strokeWidth=3, strokeOpacity=0.9)
                      .encode(**at("lx", "ly"), text="letter:N"))
        layers.append(marked.mark_text(fontSize=LABEL_FONT_SIZE, fontWeight="bold", align="center", baseline="middle",
                                       color="#111").encode(**at("lx", "ly"), text="letter:N"))
    # The focus ring filters before it calculates, so a frame step costs it one row, not every row.
    ring = (alt.Chart(table).transform_filter("datum.example_id === focus")
            .transform_calculate(x=calculate["x"], y=calculate["y"]))
    layers.append(ring.mark_point(size=240, strokeWidth=2.5, color="black", filled=False).encode(**position))
    # The per-frame title is a text mark: a Vega-Lite title holding an expression swallows every click.
    layers.append(alt.Chart(alt.Data(values=[{}])).mark_text(
        align="left", baseline="bottom", fontWeight="bold", fontSize=12, dy=-6, clip=False,  # zoom clips the rest
        lineBreak="\n",  # a title may hold a second line (the frame's quality figures)
        text=alt.ExprRef(clock.title(title_prefix))).encode(x=alt.value(0), y=alt.value(0)))
    return alt.layer(*layers).properties(width=width, height=height)


def _checked(table: pd.DataFrame, frame_titles: Sequence[str], tracked: Sequence[str],
             track_labels: Sequence[str] | None) -> tuple[int, list[str], list[str]]:
    n_frames = n_frames_of(table)
    if n_frames == 0:
        raise ValueError("table has no x0/y0 columns; build it with scatter_table().")
    if len(frame_titles) != n_frames:
        raise ValueError(f"table holds {n_frames} frames but frame_titles has {len(frame_titles)} entries.")
    known = set(table["example_id"])
    missing = [i for i in tracked if i not in known]
    if missing:
        raise ValueError(f"tracked ids not in the table: {missing[:5]}.")
    tracked = list(dict.fromkeys(tracked))
    labels = track_letters(len(tracked)) if track_labels is None else [str(label) for label in track_labels]
    if len(labels) != len(tracked):
        raise ValueError(f"track_labels has {len(labels)} entries for {len(tracked)} tracked points.")
    return n_frames, tracked, labels


def _top(chart, params: list) -> alt.TopLevelMixin:
    return (chart.add_params(*params).properties(usermeta={"embedOptions": {"renderer": "canvas"}})
            .configure_mark(aria=False).configure_view(stroke=None))


def scatter_chart(
    table: pd.DataFrame,
    *,
    frame_titles: Sequence[str],
    tween: bool = False,
    easing: str = "cubic",
    start: float | None = None,
    color_title: str = "label",
    color_type: str = NOMINAL,
    color_domain: Sequence | None = None,
    color_scheme: str = "viridis",
    highlight: str | None = None,
    tooltip: Sequence[str] = ("text",),
    focus: str | None = None,
    tracked: Sequence[str] = (),
    track_labels: Sequence[str] | None = None,
    trails: bool = False,
    wrong_only: bool = False,
    width: int = 600,
    height: int = 540,
    point_size: float = 14,
) -> alt.LayerChart:
    """Scatter of every checkpoint in ``table`` (from :func:`scatter_table`); see the module for the contract.

    ``tween``: points glide between checkpoints (``t``, eased by ``easing``) instead of stepping (``frame``);
    ``start``: the checkpoint on screen first (default: the last when stepping, the first when tweening).
    ``highlight``: the colour value of the chosen class, drawn red (the others grey) and on top.
    ``focus``: an example_id to ring. ``tracked``: ids ringed and labelled A, B, C… (or ``track_labels``),
    labels placed so they do not collide; ``trails`` draws their paths. ``wrong_only`` hides points the model
    gets right at the checkpoint on screen (needs ``correct=`` in the table).
    """
    n_frames, tracked, labels = _checked(table, frame_titles, tracked, track_labels)
    clock = _Clock(n_frames, tween, easing, start)
    if highlight is not None and color_domain is not None and str(highlight) not in map(str, color_domain):
        raise ValueError(f"highlight {highlight!r} is not one of the colours {list(color_domain)}.")
    pick = alt.selection_point(name="pick", fields=["example_id", "frame"], on="click")
    legend = alt.selection_point(name="legend", fields=["color"], bind="legend")
    chart = _panel(table, clock, color_title=color_title, color_type=color_type, color_domain=color_domain,
                   color_scheme=color_scheme, highlight=highlight, tooltip=tooltip, tracked=tracked, labels=labels,
                   trails=trails, wrong_only=wrong_only, width=width, height=height, point_size=point_size,
                   title_prefix="", pick=pick, legend=legend, zoom_name="zoom")
    params = [*clock.params, alt.param(name="titles", value=list(frame_titles)),
              alt.param(name="focus", value=focus or ""), alt.param(name="tracked", value=tracked),
              alt.param(name="letters", value=labels), alt.param(name="highlight", value=highlight)]
    return _top(chart, params)


def epoch_scatter(table: pd.DataFrame, *, frame_titles: Sequence[str], start_frame: int = -1,
                  **options) -> alt.LayerChart:
    """:func:`scatter_chart` stepping through checkpoints with a slider (Explore)."""
    return scatter_chart(table, frame_titles=frame_titles, start=start_frame, **options)


def tween_scatter(table: pd.DataFrame, *, frame_titles: Sequence[str], width: int = 520, height: int = 480,
                  **options) -> alt.LayerChart:
    """:func:`scatter_chart` with points gliding between checkpoints (Animate, Words, the HTML export)."""
    return scatter_chart(table, frame_titles=frame_titles, tween=True, width=width, height=height, **options)
