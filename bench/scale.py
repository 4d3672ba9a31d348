"""Big runs in the browser: 10k / 50k / 100k points x 21 checkpoints, each renderer side by side.

For every size a run is generated straight into a fresh store (32-d blobs drifting from noise to ten
classes; hidden, probs, pred, loss per checkpoint; no training), the app is started on it, and in
Debian's headless Chromium (software rendering, the project's flags) it measures, per renderer
(``?renderer=vega`` is Vega's canvas, the path below 3k points; ``pixels`` is the points layer painting
pixels in JavaScript, the app's choice above; ``webgl`` is the same layer drawn with WebGL2):

- first picture: seconds from opening the Explore page until the scatter is drawn, on a fresh server
  with the PCA frames and the finished view already on disk (a run opened again; the server's first page
  load, Streamlit's own start-up included); "open from another page" is the same run opened from the sidebar
  of the running app (on Train), with the component's share of it (fetch, decode, embed + paint); "cold" (printed
  once per size, the app's own renderer) is the first opening ever: nothing computed yet, the server
  projects the frames and builds the view while the person waits;
- scrub: median ms per slider step on Explore (step → the frame on screen: two animation frames after
  it was drawn, so about 30 ms is the floor at 60 Hz, whatever the renderer);
- fps: frames drawn per second while Animate plays (the tween; 3 s);
- heap: the page's JS heap (CDP ``JSHeapUsedSize``) after Explore is drawn;
- click: seconds from clicking a point (on the last checkpoint, whose neighbour index is built) to its
  neighbour table on screen, the app's rerun included; click kB: what the server sent the browser
  meanwhile (websocket frames; the chart's data must not travel again). Both once per size, with the
  app's own renderer: neither depends much on what draws the points; then four more clicks on other
  points, and a line with the median of the five (one click says little on a shared machine).

Python side, once per size, in this process (`python` lines): PCA frames (first frame, all frames)
before any metric, the metrics pass after them, the neighbour index of one checkpoint, a neighbour
table read from the index against computed directly, and with ``--methods`` t-SNE / UMAP on the last two
checkpoints in their stable default (``budget``: the last fitted from scratch, the one before held to its
motion budget) and in ``warm`` mode (a fit from scratch, then a warm one): seconds per frame, trustworthiness,
motion fidelity, and a whole budget chain's frames as they stream in (last checkpoint first); above
``hiddenrep.reduce.project.PLACE_ABOVE`` rows the app's "sample + neighbours" (a seeded sample fitted, every other
row placed beside its nearest fitted rows), for warm beside the same sample placed by the reducer's own transform
and beside twice the sample; every row fitted up to ``--full-up-to``.

A row that misses its time limit prints ">limit". Shared 2-core machine: read the ratios.
Run: .venv/bin/python bench/scale.py [--sizes 10000,50000,100000] [--renderers vega,pixels,webgl|none] [--limit 150]
     [--methods pca,tsne,umap] [--full-up-to 50000]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the browser harness lives with the tests

from hiddenrep.reduce import DEFAULT_MODES, project_run  # noqa: E402
from hiddenrep.reduce import project as project_module  # noqa: E402
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


LAST_FRAME_JS = """async () => {
  const api = window.hiddenrepScatter, input = document.querySelector('#slider input[type=range]');
  input.value = input.max; input.dispatchEvent(new Event('input', {bubbles: true}));
  await api.drawn(Number(input.max));
}"""


# Which example the app picks for a click: recorded by a listener that runs before the app's own (capture
# phase), with the app's own search on that very event. A dense cloud has several points under one pixel,
# and the mouse lands on whole pixels: the point the bench aimed at is not always the one picked.
PICKED_JS = """() => {
  window.hiddenrepPicked = null;
  document.getElementById('vis').addEventListener('click', (e) => {
    window.hiddenrepPicked = window.hiddenrepScatter.idAt(e.clientX, e.clientY);
  }, {capture: true, once: true});
}"""


CLICKED_POINTS = (-1, -4001, -8001, -16001, -32001)  # drawn order from the top; fewer rows: taken modulo n


def click_seconds(page, frame, limit: float, point: int = -1) -> float | None:
    """Seconds from a click on drawn point ``point`` (-1: the one on top; last checkpoint) to the neighbour
    table of the example the click picked."""
    frame.evaluate(LAST_FRAME_JS)
    box = frame.evaluate(f"() => window.hiddenrepScatter.pointOnScreen({point})")
    offset = frame.frame_element().bounding_box()
    frame.evaluate(PICKED_JS)
    start = time.perf_counter()
    page.mouse.click(offset["x"] + box["x"], offset["y"] + box["y"])
    picked = frame.evaluate("() => window.hiddenrepPicked")
    if picked is None:
        return None
    try:
        page.get_by_text(f"Neighbours of {picked}").wait_for(timeout=limit * 1000)
        # the table's own first row (the example itself; its id rides on the row's title), not an earlier table
        page.locator(f'.hr-neighbours tr.itself[title="{picked}"]').wait_for(timeout=limit * 1000)
    except Exception:  # noqa: BLE001 - Playwright's TimeoutError
        return None
    return time.perf_counter() - start


def cold_first_picture(browser, root: str, limit: float) -> float | None:
    """Seconds to the first picture of a run nobody has opened: no frames, no view on disk, a fresh server."""
    with app_server(root) as (url, _):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        start = time.perf_counter()
        page.goto(url)
        frame = component_frame(page, limit)
        seconds = None if frame is None else time.perf_counter() - start
        page.close()
    return seconds


def python_side(root: str, run_id: str, methods: list[str], full_up_to: float = float("inf")) -> None:
    """The library's own figures for one size, printed as ``python`` lines (see the module docstring)."""
    from hiddenrep.analysis import neighbor_table
    from hiddenrep.analysis import neighbors as neighbor_index

    run = RunStore(root).open(run_id)
    n = int(run.manifest["dataset"]["n_examples"])
    arrived = []
    started = time.perf_counter()
    project_run(run, method="pca", metrics=False, on_frame=lambda p: arrived.append(time.perf_counter() - started))
    began = time.perf_counter()
    project_run(run, method="pca")
    print(f"{n:>7} {FRAMES:>5} python: PCA first frame {arrived[0]:.2f} s, all {len(arrived)} frames {arrived[-1]:.2f} s; "
          f"metrics after them {time.perf_counter() - began:.1f} s; load {os.getloadavg()[0]:.1f}", flush=True)
    last, before = run.checkpoints[-1], run.checkpoints[-2]
    example = run.examples()["example_id"].iloc[n // 2]
    began = time.perf_counter()
    neighbor_table(run, last.name, example, include_self=True)
    direct = time.perf_counter() - began
    began = time.perf_counter()
    neighbor_index.build_checkpoint_index(run, last)
    build = time.perf_counter() - began
    neighbor_index.build_checkpoint_index(run, before)  # the click's table compares with the checkpoint before
    began = time.perf_counter()
    neighbor_table(run, last.name, example, include_self=True)
    print(f"{n:>7} {FRAMES:>5} python: neighbour index {build:.1f} s per checkpoint; table computed directly "
          f"{direct:.2f} s, read from the index {time.perf_counter() - began:.3f} s; load {os.getloadavg()[0]:.1f}",
          flush=True)
    for method in (m for m in methods if m != "pca"):
        method_rows(run, method, [before.name, last.name], full_up_to)


def by_transform(request, X, warm_from):
    """The placement before this one, for comparison: the sample fitted as the app does, the other rows placed
    by the fitted reducer's own ``transform`` (openTSNE's, umap-learn's) instead of beside their neighbours."""
    fit = project_module.quality.sample_rows(len(X), seed=request.random_state, size=project_module.FIT_SAMPLE)
    rest = np.setdiff1d(np.arange(len(X)), fit)
    reducer = project_module._reducer(request, warm_from=None if warm_from is None else warm_from[fit])
    coords = np.empty((len(X), request.n_components), dtype=np.float32)
    coords[fit] = reducer.fit_transform(X[fit])
    coords[rest] = reducer.transform(X[rest])
    return coords


def method_rows(run, method: str, checkpoints: list[str], full_up_to: float = float("inf")) -> None:
    """``python`` lines for t-SNE / UMAP on two checkpoints, in their stable default mode (``budget``: the last
    checkpoint fitted from scratch, then the one before held to its motion budget) and in ``warm`` mode (the
    first fitted from scratch, then a warm frame of the last, the frames it streams): seconds per frame,
    trustworthiness of each, motion fidelity of the step between them (hiddenrep/reduce/metrics.py, on its
    2,000-point sample). Above ``PLACE_ABOVE`` rows, side by side for warm: the app's choice (a sample fitted,
    the rest placed beside their nearest fitted rows), the same with the reducer's own ``transform`` placing
    them, and twice the sample; every row fitted up to ``full_up_to`` rows (a full t-SNE of 100k rows takes
    many minutes)."""
    n = len(run.examples())
    sample = project_module.FIT_SAMPLE
    placed = project_module._placed(method, "warm", n)
    full = [("full", {"PLACE_ABOVE": float("inf")})] if n <= full_up_to else []
    app = [(f"sample {sample // 1000}k + neighbours", {})] if placed else []
    others = [(f"sample {sample // 1000}k + transform", {"_sampled_then_placed": by_transform}),
              (f"sample {2 * sample // 1000}k + neighbours", {"FIT_SAMPLE": 2 * sample})] if placed else []
    candidates = {DEFAULT_MODES[method]: app + full, "warm": app + others + full}
    for mode, variants in candidates.items():
        for name, changes in variants:
            chosen = {attribute: getattr(project_module, attribute) for attribute in changes}
            try:
                for attribute, value in changes.items():
                    setattr(project_module, attribute, value)
                proj = project_run(run, method=method, mode=mode, checkpoints=checkpoints, cache=False)
            finally:
                for attribute, value in chosen.items():
                    setattr(project_module, attribute, value)
            metrics = proj.metrics
            first, second = metrics["seconds"]
            seconds = (f"last frame (from scratch) {second:.1f} s, the frame before {first:.1f} s" if mode == "budget"
                       else f"first frame {first:.1f} s, next frame {second:.1f} s")
            print(f"{n:>7} {FRAMES:>5} python: {method} ({mode}), {name}: {seconds}; trustworthiness "
                  f"{metrics['trustworthiness'].iloc[0]:.3f}, {metrics['trustworthiness'].iloc[1]:.3f}; motion "
                  f"fidelity {metrics['motion_fidelity'].iloc[1]:.3f}; load {os.getloadavg()[0]:.1f}", flush=True)
    if DEFAULT_MODES[method] == "budget" and (placed or n <= full_up_to):  # a backwards chain, streamed last first
        arrived, started = [], time.perf_counter()
        project_run(run, method=method, cache=False, metrics=False,
                    on_frame=lambda p: arrived.append(time.perf_counter() - started))
        gaps = np.diff(arrived) if len(arrived) > 1 else np.zeros(1)
        print(f"{n:>7} {FRAMES:>5} python: {method} (budget), all {len(arrived)} frames streamed: the first (last "
              f"checkpoint) after {arrived[0]:.1f} s, then one every {np.median(gaps):.1f} s (slowest "
              f"{gaps.max():.1f} s), the last after {arrived[-1]:.1f} s; load {os.getloadavg()[0]:.1f}", flush=True)


def fps(page, renderer: str, limit: float) -> float | None:
    page.get_by_role("link", name="Animate").click()  # the sidebar link carries the run in the URL
    page.wait_for_function("() => location.pathname.endsWith('/animate')")
    frame = component_frame(page, limit)
    if frame is None:
        return None
    frame.evaluate("() => { window.hiddenrepTicks = 0; window.hiddenrepPlay(); }")
    page.wait_for_timeout(3000)
    ticks = frame.evaluate("() => { window.hiddenrepPause(); return window.hiddenrepTicks; }")
    return ticks / 3.0


def open_from_another_page(page, limit: float) -> tuple[float | None, str]:
    """Seconds from the sidebar's Explore link (the app open on Train) to the scatter drawn, and the component's
    own share of them: fetching + inflating the data, decoding the columns, Vega's embed and the first paint."""
    page.get_by_role("link", name="Train").click()
    page.get_by_text("Train a model").first.wait_for(timeout=limit * 1000)
    start = time.perf_counter()
    page.get_by_role("link", name="Explore").click()
    frame = component_frame(page, limit)
    if frame is None:
        return None, ""
    seconds = time.perf_counter() - start
    t = frame.evaluate("window.hiddenrepScatter.timings")
    return seconds, (f"fetch {(t['fetched'] - t['asked']) / 1000:.2f} s, decode {(t['decoded'] - t['fetched']) / 1000:.2f}"
                     f" s, embed + paint {(t['drawn'] - t['decoded']) / 1000:.2f} s")


def measure(browser, url: str, renderer: str, limit: float, click: bool) -> dict:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    row = {}
    start = time.perf_counter()
    page.goto(f"{url}/?renderer={renderer}")
    frame = component_frame(page, limit)
    if frame is None:
        page.close()
        return {"first": None}
    row["first"] = time.perf_counter() - start
    row["drawn"] = frame.evaluate("window.hiddenrepScatter.renderer")  # what drew it, not what was asked
    row["heap"] = heap_mb(page)
    frame.evaluate(SCRUB_JS, 8)  # warm-up: every frame drawn once
    row["scrub"] = statistics.median(statistics.median(frame.evaluate(SCRUB_JS, 15)) for _ in range(2))
    if click:  # the same Python work and transport whatever draws the points: once per size
        sent = websocket_kb(page)
        row["click"] = click_seconds(page, frame, limit)
        row["click_kb"] = sent()
        row["clicks"] = [row["click"], *(click_seconds(page, frame, limit, p) for p in CLICKED_POINTS[1:])]
    row["fps"] = fps(page, renderer, limit)
    row["open"], row["parts"] = open_from_another_page(page, limit)
    page.close()
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000,100000")
    parser.add_argument("--renderers", default="vega,pixels,webgl", help="'none': the python lines only, no browser")
    parser.add_argument("--limit", type=float, default=150.0, help="seconds allowed for a first picture or a click")
    parser.add_argument("--methods", default="pca,tsne,umap", help="reducers whose seconds per frame are printed")
    parser.add_argument("--full-up-to", type=float, default=float("inf"),
                        help="fit t-SNE / UMAP on every row only up to this many rows (beside sample + place)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    renderers = args.renderers.split(",")
    print(f"{'points':>7} {'ckpts':>5} {'renderer':>8} {'first s':>8} {'scrub ms':>8} {'fps':>5} {'heap MB':>7} "
          f"{'click s':>7} {'click kB':>8} {'load':>5}", flush=True)
    fmt = lambda v, spec: f">{args.limit:.0f}" if v is None else format(v, spec)  # noqa: E731
    browserless = renderers == ["none"]
    with contextlib.nullcontext() if browserless else chromium() as browser:
        for n in sizes:
            with tempfile.TemporaryDirectory(prefix="hiddenrep-scale-") as root:
                run_id = generated_run(root, n, frames=FRAMES)
                if not browserless:
                    cold = cold_first_picture(browser, root, args.limit)
                    print(f"{n:>7} {FRAMES:>5} {'cold':>8} {fmt(cold, '.2f'):>8} (first opening: frames and view "
                          f"computed while waiting) load {os.getloadavg()[0]:.1f}", flush=True)
                    shutil.rmtree(Path(root) / run_id / "projections", ignore_errors=True)  # timed again, in-process
                python_side(root, run_id, args.methods.split(","), args.full_up_to)
                if browserless:
                    continue
                with app_server(root) as (url, _):  # the finished view (metrics in) onto disk, as a first visit leaves it
                    page = browser.new_page()
                    page.goto(url)
                    component_frame(page, args.limit)
                    page.close()
                for renderer in renderers:
                    with app_server(root) as (url, _):  # a fresh server per renderer: nothing cached in memory
                        row = measure(browser, url, renderer, args.limit, click=renderer == ("pixels" if "pixels" in renderers else renderers[0]))
                    if row.get("first") is None:
                        print(f"{n:>7} {FRAMES:>5} {renderer:>8} {fmt(None, ''):>8} (no picture: skipped the rest)",
                              flush=True)
                        continue
                    print(f"{n:>7} {FRAMES:>5} {row['drawn']:>8} {row['first']:>8.2f} {row['scrub']:>8.1f} "
                          f"{fmt(row['fps'], '.1f'):>5} {row['heap']:>7.0f} {fmt(row.get('click'), '.2f') if 'click' in row else '':>7} "
                          f"{format(row['click_kb'], '.0f') if 'click_kb' in row else '':>8} "
                          f"{os.getloadavg()[0]:>5.1f}", flush=True)
                    print(f"{n:>7} {FRAMES:>5} {row['drawn']:>8} open from another page {fmt(row['open'], '.2f')} s "
                          f"({row['parts']})", flush=True)
                    if "clicks" in row:
                        done = [c for c in row["clicks"] if c is not None]
                        print(f"{n:>7} {FRAMES:>5} {row['drawn']:>8} {len(row['clicks'])} clicks on different points: "
                              f"median {fmt(statistics.median(done) if done else None, '.2f')} s "
                              f"({', '.join(fmt(c, '.2f') for c in row['clicks'])})", flush=True)


if __name__ == "__main__":
    main()
