"""Export seconds of a 10-checkpoint animation (GIF, MP4, HTML) at 2k, 5k and 10k points.

    .venv/bin/python bench/animate.py [--points 2000,5000,10000] [--steps 12] [--hold 6]

Frames: 10 checkpoints, ``steps`` tweened frames per move plus ``hold`` repeats of each checkpoint,
640x640 pixels. Coordinates are a seeded random walk (the export cost does not depend on where the
points come from). The in-browser frame rate of the Animate page is measured with that page.

Second part (the app half): frames per second of the Animate page's in-browser animation in Debian's
Chromium at the same sizes — the bench page bench/animate_app.py draws N points × 10 checkpoints with
the page's component and spec (5 tracked points with trails), the bench presses play and counts the
animation frames drawn in ``--seconds``; "run ms" is the median time of one synchronous ``t`` step
(expressions + canvas redraw), i.e. the headroom. Skip it with ``--no-browser``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from hiddenrep.animate import Frames, export_gif, export_html, export_mp4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", default="2000,5000,10000")
    parser.add_argument("--checkpoints", type=int, default=10)
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--hold", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=4.0, help="in-browser part: seconds of playing per size")
    parser.add_argument("--no-browser", action="store_true", help="skip the in-browser frame rate")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(p) for p in args.points.split(",")):
            rng = np.random.default_rng(0)
            coords = np.cumsum(rng.normal(size=(args.checkpoints, n, 2)), axis=0).astype(np.float32)
            labels = rng.integers(0, 3, n)
            frames = Frames(coords, colors=labels, color_names=["a", "b", "c"], marks={0: "A", 1: "B", 2: "C"},
                            titles=[f"epoch {i}" for i in range(args.checkpoints)], steps=args.steps, hold=args.hold)
            row = {"points": n, "frames": len(frames)}
            for kind, export in (("gif", export_gif), ("mp4", export_mp4)):
                began = time.perf_counter()
                path = export(Path(tmp) / f"a.{kind}", frames)
                row[f"{kind}_s"] = round(time.perf_counter() - began, 2)
                row[f"{kind}_MB"] = round(path.stat().st_size / 2**20, 1)
            points = pd.DataFrame({"example_id": [f"e{i}" for i in range(n)], "label": labels.astype(str)})
            began = time.perf_counter()
            path = export_html(Path(tmp) / "a.html", coords, points, color="label")
            row["html_s"] = round(time.perf_counter() - began, 2)
            row["html_MB"] = round(path.stat().st_size / 2**20, 1)
            if not rows:
                print("".join(f"{name:>9}" for name in row), flush=True)
            rows.append(row)
            print("".join(f"{value:>9}" for value in row.values()), flush=True)
    if not args.no_browser:
        browser_fps([int(p) for p in args.points.split(",")], args.seconds)


# --- In-browser frame rate of the Animate page (app half of issue 6) ------------------------------------------------

_STEP_MS_JS = """async () => {
  const view = window.hiddenrepView, times = [];
  for (let k = 0; k < 40; k++) {
    const start = performance.now();
    view.signal('t', (k * 0.23) % 9).run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[20];
}"""


def browser_fps(sizes: list[int], seconds: float) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the browser harness lives there
    from browser_harness import app_server, chromium, scatter_frame

    print(f"\nin-browser animation (Chromium, 10 checkpoints, {seconds:g} s of play per size)", flush=True)
    print(f"{'points':>9}{'first_s':>9}{'fps':>9}{'run_ms':>9}", flush=True)
    app = Path(__file__).with_name("animate_app.py")
    with tempfile.TemporaryDirectory() as runs, app_server(runs, app) as (url, _), chromium() as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        for n in sizes:
            began = time.perf_counter()
            page.goto(f"{url}/?n={n}")
            frame = scatter_frame(page)
            first = time.perf_counter() - began
            frame.evaluate(_STEP_MS_JS)  # warm up: JIT, first draws
            run_ms = frame.evaluate(_STEP_MS_JS)
            frame.evaluate("window.hiddenrepView.signal('t', 0).run(); window.hiddenrepTicks = 0; window.hiddenrepPlay()")
            page.wait_for_timeout(seconds * 1000)
            ticks = frame.evaluate("(() => { const n = window.hiddenrepTicks; window.hiddenrepPause(); return n; })()")
            print(f"{n:>9}{first:>9.1f}{ticks / seconds:>9.1f}{run_ms:>9.1f}", flush=True)


if __name__ == "__main__":
    main()
