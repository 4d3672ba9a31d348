"""Big runs in the browser: 10k / 50k / 100k points x 21 checkpoints, each renderer side by side.

For every size a run is generated straight into a fresh store (32-d blobs drifting from noise to ten
classes; hidden, probs, pred, loss per checkpoint; no training), the app is started on it, and in
Debian's headless Chromium (software rendering, the project's flags) it measures, per renderer
(``?renderer=vega`` is Vega's canvas, the path below 3k points; ``pixels`` is the points layer painting
pixels in JavaScript, the app's choice above; ``webgl`` is the same layer drawn with WebGL2):

- first picture: seconds from opening the Explore page until the scatter is drawn, the PCA frames
  already on disk (the projection's own time is printed once per size: it is the reducer's, not the
  renderer's);
- scrub: median ms per slider step on Explore (step → the frame on screen: two animation frames after
  it was drawn, so about 30 ms is the floor at 60 Hz, whatever the renderer);
- fps: frames drawn per second while Animate plays (the tween; 3 s);
- heap: the page's JS heap (CDP ``JSHeapUsedSize``) after Explore is drawn;
- click: seconds from clicking a point to its neighbour table on screen; click kB: what the server sent
  the browser meanwhile (websocket frames; the chart's data must not travel again).

A row that misses its time limit prints ">limit". Shared 2-core machine: read the ratios.
Run: .venv/bin/python bench/scale.py [--sizes 10000,50000,100000] [--renderers vega,pixels,webgl] [--limit 150]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the browser harness lives with the tests

from hiddenrep.reduce import project_run  # noqa: E402
from hiddenrep.store import RunStore  # noqa: E402
from browser_harness import app_server, chromium, generated_run  # noqa: E402

FRAMES = 21


SCRUB_JS = """async (steps) => {
  // Move the checkpoint slider as a user would (input event) and wait until the frame is drawn.
  const api = window.hiddenrepScatter, input = document.querySelector('#slider input[type=range]');
  const max = Number(input.max), times = [];
  for (let k = 0; k < steps; k++) {
    const target = (k * 7) % (max + 1), start = performance.now();
    input.value = target; input.dispatchEvent(new Event('input', {bubbles: true}));
    await api.drawn(target);
    times.push(performance.now() - start);
    await new Promise(r => setTimeout(r, 20));
  }
  return times;
}"""


def component_frame(page, limit: float):
    """The scatter component's frame once it has drawn (``window.hiddenrepScatter`` is set)."""
    deadline = time.time() + limit
    while time.time() < deadline:
        for frame in page.frames:
            if "epoch_scatter" in frame.url:
                try:
                    if frame.evaluate("window.hiddenrepScatter !== undefined && window.hiddenrepScatter.ready"):
                        return frame
                except Exception:  # noqa: BLE001 - frame navigating
                    pass
        page.wait_for_timeout(100)
    return None


def heap_mb(page) -> float:
    session = page.context.new_cdp_session(page)
    session.send("Performance.enable")
    metrics = {m["name"]: m["value"] for m in session.send("Performance.getMetrics")["metrics"]}
    session.detach()
    return metrics["JSHeapUsedSize"] / 2**20


def websocket_kb(page):
    """Start counting the bytes the server sends over the app's websocket; returns a function reading the kB."""
    session = page.context.new_cdp_session(page)
    received = []
    # binary frames arrive base64-encoded: 4 characters per 3 bytes
    session.on("Network.webSocketFrameReceived",
               lambda e: received.append(len(e["response"]["payloadData"]) * (3 / 4 if e["response"]["opcode"] == 2 else 1)))
    session.send("Network.enable")
    return lambda: sum(received) / 1024


def click_seconds(page, frame, limit: float) -> float | None:
    box = frame.evaluate("() => window.hiddenrepScatter.pointOnScreen(-1)")
    offset = frame.frame_element().bounding_box()
    start = time.perf_counter()
    page.mouse.click(offset["x"] + box["x"], offset["y"] + box["y"])
    try:
        page.get_by_text("Neighbours of").wait_for(timeout=limit * 1000)  # of whichever point lies on top
        page.get_by_test_id("stDataFrame").first.wait_for(timeout=limit * 1000)
    except Exception:  # noqa: BLE001 - Playwright's TimeoutError
        return None
    return time.perf_counter() - start


def fps(page, renderer: str, limit: float) -> float | None:
    page.get_by_test_id("stSidebarNav").get_by_text("Animate").click()  # a deep link may not pick the run
    page.wait_for_function("() => location.pathname.endsWith('/animate')")
    frame = component_frame(page, limit)
    if frame is None:
        return None
    frame.evaluate("() => { window.hiddenrepTicks = 0; window.hiddenrepPlay(); }")
    page.wait_for_timeout(3000)
    ticks = frame.evaluate("() => { window.hiddenrepPause(); return window.hiddenrepTicks; }")
    return ticks / 3.0


def measure(browser, url: str, renderer: str, limit: float) -> dict:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    row = {}
    start = time.perf_counter()
    page.goto(f"{url}/?renderer={renderer}")
    frame = component_frame(page, limit)
    if frame is None:
        page.close()
        return {"first": None}
    row["first"] = time.perf_counter() - start
    row["heap"] = heap_mb(page)
    frame.evaluate(SCRUB_JS, 8)  # warm-up: every frame drawn once
    row["scrub"] = statistics.median(statistics.median(frame.evaluate(SCRUB_JS, 15)) for _ in range(2))
    sent = websocket_kb(page)
    row["click"] = click_seconds(page, frame, limit)
    row["click_kb"] = sent()
    row["fps"] = fps(page, renderer, limit)
    page.close()
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000,100000")
    parser.add_argument("--renderers", default="vega,pixels,webgl")
    parser.add_argument("--limit", type=float, default=150.0, help="seconds allowed for a first picture or a click")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    renderers = args.renderers.split(",")
    print(f"{'points':>7} {'ckpts':>5} {'renderer':>8} {'first s':>8} {'scrub ms':>8} {'fps':>5} {'heap MB':>7} "
          f"{'click s':>7} {'click kB':>8} {'load':>5}", flush=True)
    fmt = lambda v, spec: f">{args.limit:.0f}" if v is None else format(v, spec)  # noqa: E731
    with chromium() as browser:
        for n in sizes:
            with tempfile.TemporaryDirectory(prefix="hiddenrep-scale-") as root:
                run_id = generated_run(root, n, frames=FRAMES)
                started = time.perf_counter()  # the projection once, on disk: both renderers open the same run
                project_run(RunStore(root).open(run_id), method="pca")
                print(f"{n:>7} {FRAMES:>5} PCA + per-frame metrics, computed once: {time.perf_counter() - started:.1f} s",
                      flush=True)
                for renderer in renderers:
                    with app_server(root) as (url, _):  # a fresh server per renderer: nothing cached in memory
                        row = measure(browser, url, renderer, args.limit)
                    if row.get("first") is None:
                        print(f"{n:>7} {FRAMES:>5} {renderer:>8} {fmt(None, ''):>8} (no picture: skipped the rest)",
                              flush=True)
                        continue
                    print(f"{n:>7} {FRAMES:>5} {renderer:>8} {row['first']:>8.2f} {row['scrub']:>8.1f} "
                          f"{fmt(row['fps'], '.1f'):>5} {row['heap']:>7.0f} {fmt(row['click'], '.2f'):>7} {row['click_kb']:>8.0f} "
                          f"{os.getloadavg()[0]:>5.1f}", flush=True)


if __name__ == "__main__":
    main()
