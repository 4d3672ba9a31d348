"""A single self-contained HTML file that plays the tweened animation offline.

The Vega-Lite spec carries every checkpoint's coordinates in wide columns (``x0, y0, x1, ...``) and
a time parameter ``t``; the position at ``t`` is eased between columns ``floor(t)`` and
``floor(t) + 1`` by a Vega expression, so playing and scrubbing never leave the browser. Vega,
Vega-Lite and vega-embed are inlined from the copies vendored in ``hiddenrep/ui/frontend`` (no
registry package ships current standalone builds; see README), so the file needs no network.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..store import atomic_write_bytes
from .tween import EASINGS, check_coords

EXTENT = 1000.0
_JS = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")
# The same curves as tween.ease, as Vega expressions of the fraction ``f``.
_EASE_EXPR = {
    "linear": "f",
    "cubic": "f < 0.5 ? 4 * f * f * f : 1 - pow(-2 * f + 2, 3) / 2",
    "sine": "(1 - cos(PI * f)) / 2",
}


def vendored_js_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "ui" / "frontend"


def animation_spec(coords, points: pd.DataFrame | None = None, *, color: str | None = None,
                   marks: dict[int, str] | None = None, easing: str = "cubic", size: int = 560,
                   point_size: float = 16) -> dict:
    """Vega-Lite spec of the tweened scatter. ``points``: one row per point (columns become tooltips);
    ``color``: a column of ``points`` to colour by; ``marks``: {row: "A", ...} lettered points."""
    coords = check_coords(coords)
    if easing not in EASINGS:
        raise ValueError(f"easing must be one of {EASINGS}, got {easing!r}.")
    n_checkpoints, n_points, _ = coords.shape
    if n_checkpoints == 1:
        coords = np.concatenate([coords, coords])  # one checkpoint still plays (standing still)
    points = pd.DataFrame(index=range(n_points)) if points is None else points.reset_index(drop=True)
    if len(points) != n_points:
        raise ValueError(f"coords hold {n_points} points per checkpoint but points has {len(points)} rows.")
    if color is not None and color not in points.columns:
        raise ValueError(f"color {color!r} is not a column of points; columns: {list(points.columns)}.")
    low = coords.reshape(-1, 2).min(0)
    span = float((coords.reshape(-1, 2).max(0) - low).max()) or 1.0
    scaled = np.round((coords - low) / span * EXTENT, 1)  # one shared frame: no per-checkpoint rescaling
    table = points.copy()
    for t in range(len(coords)):
        table[f"x{t}"], table[f"y{t}"] = scaled[t, :, 0], scaled[t, :, 1]
    table["mark"] = [(marks or {}).get(row, "") for row in range(n_points)]
    last = len(coords) - 1
    axis = {"type": "quantitative", "axis": None, "scale": {"domain": [0, EXTENT], "nice": False, "zero": False}}
    encoding = {"x": {"field": "x", **axis}, "y": {"field": "y", **axis}}
    tooltip = [{"field": c} for c in points.columns][:6]
    dots = {"mark": {"type": "circle", "size": point_size, "opacity": 0.85},
            "encoding": {**encoding, **({"tooltip": tooltip} if tooltip else {}),
                         **({"color": {"field": color, "type": "nominal"}} if color else {})}}
    letters = {"transform": [{"filter": "datum.mark != ''"}],
               "layer": [{"mark": {"type": "circle", "size": point_size * 6, "stroke": "#222", "strokeWidth": 2,
                                   "fill": None}, "encoding": encoding},
                         {"mark": {"type": "text", "dx": 10, "dy": -10, "fontWeight": "bold", "fontSize": 14},
                          "encoding": {**encoding, "text": {"field": "mark"}}}]}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "width": size, "height": size, "padding": 10,
        "data": {"values": json.loads(table.to_json(orient="records"))},
        "params": [
            {"name": "t", "value": 0, "bind": {"input": "range", "min": 0, "max": max(n_checkpoints - 1, 0),
                                               "step": 0.01, "name": "checkpoint "}},
            {"name": "i", "expr": f"min(floor(t), {last - 1})"},
            {"name": "f", "expr": "t - i"},
            {"name": "e", "expr": _EASE_EXPR[easing]},
        ],
        "transform": [
            {"calculate": "datum['x' + i] * (1 - e) + datum['x' + (i + 1)] * e", "as": "x"},
            {"calculate": "datum['y' + i] * (1 - e) + datum['y' + (i + 1)] * e", "as": "y"},
        ],
        "layer": [dots, letters] if marks else [dots],
        "config": {"view": {"stroke": None}},
    }


_PAGE = """<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
  body {{ font-family: sans-serif; font-size: 14px; margin: 12px; }}
  #controls {{ display: flex; gap: 10px; align-items: center; margin-bottom: 6px; flex-wrap: wrap; }}
  #controls button {{ border: 1px solid #bbb; border-radius: 6px; background: #fff; padding: 2px 10px; }}
  #caption {{ font-weight: bold; min-width: 8em; }}
</style>
{scripts}
</head>
<body>
<div id="controls">
  <button id="play" type="button">&#9654; play</button>
  <label>speed <select id="speed"><option value="0.5">0.5</option><option value="1" selected>1</option>
    <option value="2">2</option><option value="4">4</option></select> checkpoints/s</label>
  <label><input id="loop" type="checkbox" checked> loop</label>
  <span id="caption"></span>
</div>
<div id="scrub"></div>
<div id="vis"></div>
<script>
"use strict";
const spec = {spec};
const titles = {titles};
const last = titles.length - 1;
window.hiddenrepStats = {{frames: 0}};
vegaEmbed("#vis", spec, {{renderer: "canvas", actions: false, bind: "#scrub"}}).then(({{view}}) => {{
  window.hiddenrepView = view;
  const button = document.getElementById("play"), caption = document.getElementById("caption");
  let playing = false, before = null;
  const show = (t) => {{ caption.textContent = titles[Math.round(t)]; }};
  view.addSignalListener("t", (_, t) => show(t));
  show(0);
  function tick(now) {{
    if (!playing) return;
    if (before !== null) {{
      let t = view.signal("t") + (now - before) / 1000 * Number(document.getElementById("speed").value);
      if (t > last) {{
        if (document.getElementById("loop").checked) t = 0; else {{ t = last; toggle(); }}
      }}
      view.signal("t", t).run();
      window.hiddenrepStats.frames += 1;
    }}
    before = now;
    requestAnimationFrame(tick);
  }}
  function toggle() {{
    playing = !playing && last > 0;
    button.innerHTML = playing ? "&#10074;&#10074; pause" : "&#9654; play";
    before = null;
    if (playing) {{
      if (view.signal("t") >= last) view.signal("t", 0).run();
      requestAnimationFrame(tick);
    }}
  }}
  button.onclick = toggle;
}}).catch((error) => {{ document.getElementById("vis").textContent = "Could not draw the animation: " + error; }});
</script>
</body>
</html>
"""


def _script(text: str) -> str:
    return "<script>\n" + text.replace("</script", "<\\/script") + "\n</script>"


def _json(value) -> str:
    return json.dumps(value, separators=(",", ":")).replace("</", "<\\/")  # never closes the script tag


def export_html(path: str | os.PathLike, coords, points: pd.DataFrame | None = None, *,
                titles: Sequence[str] | None = None, color: str | None = None, marks: dict[int, str] | None = None,
                easing: str = "cubic", title: str = "hiddenrep animation", size: int = 560) -> Path:
    """Write one HTML file with the player (play/pause, speed, loop, scrubber) that works with no network."""
    coords = check_coords(coords)
    titles = list(titles) if titles is not None else [f"checkpoint {i}" for i in range(len(coords))]
    if len(titles) != len(coords):
        raise ValueError(f"titles needs one caption per checkpoint ({len(coords)}), got {len(titles)}.")
    folder = vendored_js_dir()
    missing = [name for name in _JS if not (folder / name).exists()]
    if missing:
        raise FileNotFoundError(f"The vendored {', '.join(missing)} are missing from {folder}; reinstall hiddenrep.")
    scripts = "\n".join(_script((folder / name).read_text("utf-8")) for name in _JS)
    spec = animation_spec(coords, points, color=color, marks=marks, easing=easing, size=size)
    page = _PAGE.format(title=title.replace("<", "&lt;"), scripts=scripts, spec=_json(spec),
                        titles=_json([str(t) for t in titles]))
    path = Path(path)
    atomic_write_bytes(path, page.encode("utf-8"))  # a unique temp name: two exports at once never collide
    return path
