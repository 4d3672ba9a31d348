"""A single self-contained HTML file that plays the tweened animation offline.

The chart is the app's own scatter (:func:`hiddenrep.viz.tween_scatter`: legend, zoom, tracked letters,
the same marks), so the file shows what the Animate page shows. Vega, Vega-Lite and vega-embed are
inlined from the copies vendored in ``hiddenrep/ui/frontend`` (no registry package ships current
standalone builds; see README), so the file needs no network.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd

from ..store import atomic_write_bytes
from ..checks import check_coords
from .tween import EASINGS

_JS = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")


def vendored_js_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "ui" / "frontend"


def animation_spec(coords, points: pd.DataFrame | None = None, *, color: str | None = None,
                   marks: dict[int, str] | None = None, titles: Sequence[str] | None = None, easing: str = "cubic",
                   size: int = 560, color_domain: Sequence | None = None) -> dict:
    """Vega-Lite spec of the tweened scatter. ``points``: one row per point (columns become tooltips);
    ``color``: a column of ``points`` to colour by; ``marks``: {row: "A", ...} lettered points."""
    from ..viz import scatter_table, tween_scatter

    coords = check_coords(coords)
    if easing not in EASINGS:
        raise ValueError(f"easing must be one of {EASINGS}, got {easing!r}.")
    n_checkpoints, n_points, _ = coords.shape
    titles = list(titles) if titles is not None else [f"checkpoint {i}" for i in range(n_checkpoints)]
    if len(titles) != n_checkpoints:
        raise ValueError(f"titles needs one caption per checkpoint ({n_checkpoints}), got {len(titles)}.")
    if n_checkpoints == 1:
        coords, titles = np.concatenate([coords, coords]), titles * 2  # one checkpoint still plays (standing still)
    points = pd.DataFrame(index=range(n_points)) if points is None else points.reset_index(drop=True)
    if len(points) != n_points:
        raise ValueError(f"coords hold {n_points} points per checkpoint but points has {len(points)} rows.")
    if color is not None and color not in points.columns:
        raise ValueError(f"color {color!r} is not a column of points; columns: {list(points.columns)}.")
    points = points.copy()
    if "example_id" not in points.columns:
        points.insert(0, "example_id", [str(row) for row in range(n_points)])
    points["example_id"] = points["example_id"].astype(str)
    table = scatter_table(coords, points, color=None if color is None else points[color].to_numpy())
    marks = dict(sorted((marks or {}).items()))
    tracked = [points["example_id"].iloc[row] for row in marks]
    chart = tween_scatter(table, frame_titles=[str(t) for t in titles], color_title=color or "label",
                          color_domain=color_domain, tooltip=[c for c in points.columns if c != "example_id"][:6],
                          tracked=tracked, track_labels=list(marks.values()), easing=easing, width=size, height=size)
    with alt.data_transformers.disable_max_rows():
        return chart.to_dict()


_PAGE = """<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
  body {{ font-family: sans-serif; font-size: 14px; margin: 12px; }}
  #controls {{ display: flex; gap: 10px; align-items: center; margin-bottom: 6px; flex-wrap: wrap; }}
  #controls button {{ border: 1px solid #bbb; border-radius: 6px; background: #fff; padding: 2px 10px; }}
</style>
{scripts}
</head>
<body>
<div id="controls">
  <button id="play" type="button">&#9654; play</button>
  <label>speed <select id="speed"><option value="0.5">0.5</option><option value="1" selected>1</option>
    <option value="2">2</option><option value="4">4</option></select> checkpoints/s</label>
  <label><input id="loop" type="checkbox" checked> loop</label>
</div>
<div id="scrub"></div>
<div id="vis"></div>
<script>
"use strict";
const spec = {spec};
const last = spec.params.find((p) => p.name === "t").bind.max;
window.hiddenrepStats = {{frames: 0}};
vegaEmbed("#vis", spec, {{renderer: "canvas", actions: false, bind: "#scrub"}}).then(({{view}}) => {{
  window.hiddenrepView = view;
  const button = document.getElementById("play");
  let playing = false, before = null;
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
                easing: str = "cubic", title: str = "hiddenrep animation", size: int = 560,
                color_domain: Sequence | None = None) -> Path:
    """Write one HTML file with the player (play/pause, speed, loop, scrubber) that works with no network."""
    spec = animation_spec(coords, points, color=color, marks=marks, titles=titles, easing=easing, size=size,
                          color_domain=color_domain)
    folder = vendored_js_dir()
    missing = [name for name in _JS if not (folder / name).exists()]
    if missing:
        raise FileNotFoundError(f"The vendored {', '.join(missing)} are missing from {folder}; reinstall hiddenrep.")
    scripts = "\n".join(_script((folder / name).read_text("utf-8")) for name in _JS)
    page = _PAGE.format(title=title.replace("<", "&lt;"), scripts=scripts, spec=_json(spec))
    path = Path(path)
    atomic_write_bytes(path, page.encode("utf-8"))  # a unique temp name: two exports at once never collide
    return path
