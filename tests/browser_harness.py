"""Drive the real app in Debian's Chromium: the browser tests' harness. Never downloads a browser.

It lives with the tests, not in the library: it starts servers, scans ``/proc`` and needs a checkout
(``ROOT`` is this repository). ``bench/`` and ``docs/screenshots.py`` put ``tests/`` on ``sys.path`` and
import it from here.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[1]


class ChromiumMissing(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def app_server(runs_dir: str | os.PathLike, script: str | os.PathLike = ROOT / "streamlit_app.py",
               timeout: float = 60.0, env: dict | None = None) -> Iterator[tuple[str, float]]:
    """Start ``streamlit run`` on a free port; yields (url, seconds until the server answered). Kills only it."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
               "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none"]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env={**os.environ, "HIDDENREP_RUNS": str(runs_dir), **(env or {})})
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read()
                break
            except OSError:
                if process.poll() is not None or time.perf_counter() - started > timeout:
                    output = process.stdout.read().decode(errors="replace") if process.poll() is not None else ""
                    raise RuntimeError(f"streamlit did not start on port {port}: {output[-2000:]}") from None
                time.sleep(0.1)
        yield url, time.perf_counter() - started
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        _no_leftovers(command)


def _no_leftovers(command: list[str]) -> None:
    """Fail if a copy of the server outlived it: a fork (e.g. a library's process pool) left behind.

    Such copies carry the server's exact command line; they are killed, then reported.
    """
    wanted = "\0".join(command).encode()
    left = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if (entry / "cmdline").read_bytes().rstrip(b"\0") == wanted:
                left.append(int(entry.name))
        except OSError:
            continue  # gone meanwhile, or not ours to read
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    if left:
        raise RuntimeError(f"The streamlit server left {len(left)} forked copy(ies) of itself running "
                           f"(pids {left}, killed now): something in the app forks without exec.")


@contextmanager
def chromium() -> Iterator:
    """A headless Playwright browser on Debian's Chromium; a plain error when it is not installed."""
    if not Path(CHROMIUM).exists():
        raise ChromiumMissing(f"Chromium is not installed at {CHROMIUM}. Install Debian's package "
                              "(`apt-get install -y chromium`, which .ci/run does); the browser tests never "
                              "download a browser.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def generated_run(root: str | os.PathLike, n: int, *, frames: int = 21, dim: int = 32, classes: int = 10,
                  predictions: bool = True, seed: int = 0) -> str:
    """Write a complete run of ``n`` examples x ``frames`` checkpoints into the store at ``root`` without
    training (big runs for bench/scale.py and the browser tests): ``dim``-d blobs drifting from noise to
    ``classes`` clusters, with probs / pred / loss unless ``predictions`` is False. Returns the run id."""
    import numpy as np
    import pandas as pd

    from hiddenrep.store import RunStore

    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, n)
    names = [f"class {k}" for k in range(classes)]
    examples = pd.DataFrame({"example_id": [f"ex-{i:06d}" for i in range(n)],
                             "split": np.where(rng.random(n) < 0.2, "validation", "train"),
                             "text": [f"generated example {i}" for i in range(n)], "label": labels,
                             "label_name": np.array(names)[labels]})
    run_id = f"generated-{n}"
    writer = RunStore(root).create(run_id, examples=examples, dataset={"name": "generated", "class_names": names},
                                   model={"name": "generated", "hidden_dim": dim}, config={}, seed=seed)
    centres = rng.normal(size=(classes, dim)) * 4
    start, noise = rng.normal(size=(n, dim)), rng.normal(size=(n, dim)) * 0.8
    for t in range(frames):
        w = t / max(frames - 1, 1)
        hidden = ((1 - w) * start + w * (centres[labels] + noise)).astype(np.float32)
        with writer.checkpoint(epoch=t, step=t) as checkpoint:
            checkpoint.write("hidden", hidden)
            if predictions:
                logits = -((hidden[:, None, :] - centres[None]) ** 2).sum(-1) / dim
                probs = np.exp(logits - logits.max(1, keepdims=True))
                probs = (probs / probs.sum(1, keepdims=True)).astype(np.float32)
                checkpoint.write("probs", probs)
                checkpoint.write("pred", probs.argmax(1).astype(np.int64))
                checkpoint.write("loss", -np.log(probs[np.arange(n), labels] + 1e-9).astype(np.float32))
    writer.finish()
    return run_id


def scatter_frame(page, timeout: float = 120.0, until: str = "true"):
    """The epoch-scatter component's frame once its Vega view is drawn and the JS expression ``until`` holds
    in it (after a page change the previous page's chart may still be there for a moment: ``until`` tells them
    apart)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for frame in [f for f in page.frames if "epoch_scatter" in f.url]:
            try:
                frame.wait_for_function(f"window.hiddenrepView !== undefined && ({until})", timeout=1000)
                return frame
            except Exception:  # noqa: BLE001 - not drawn yet, or detached; Playwright raises its own errors
                pass
        page.wait_for_timeout(200)
    raise TimeoutError("the epoch scatter did not render")


STEP_JS = """async (steps) => {
  // Move the checkpoint slider like a user would (input event), wait until Vega has drawn the frame.
  const input = document.querySelector('#slider input[type=range]');
  const max = Number(input.max), times = [];
  const tick = () => new Promise(r => { const c = new MessageChannel(); c.port1.onmessage = r; c.port2.postMessage(0); });
  for (let k = 0; k < steps; k++) {
    const target = k % (max + 1);
    const start = performance.now();
    input.value = target; input.dispatchEvent(new Event('input', {bubbles: true}));
    while (window.hiddenrepView.signal('frame') !== target) await tick();
    await window.hiddenrepView.runAsync();
    times.push(performance.now() - start);
    await new Promise(r => setTimeout(r, 20));
  }
  return times;
}"""


def click_point(page, frame, index: int = -1) -> str:
    """Click a drawn point (default: the last drawn, so none covers it) with the real mouse; returns its id."""
    box = frame.evaluate("""(index) => {
      const view = window.hiddenrepView, canvas = document.querySelector('#vis canvas');
      const items = [];
      (function walk(node) {
        if (!node) return;
        const points = node.marktype === 'symbol' && node.items && node.items.length > 1
          && node.items[0].datum && node.items[0].datum.example_id !== undefined;  // not the legend or the ring
        if (points) items.push(...node.items);
        (node.items || []).forEach(walk);
      })(view.scenegraph().root);
      const item = items.at(index), r = canvas.getBoundingClientRect(), [ox, oy] = view.origin(), pad = view.padding();
      let x = item.x + pad.left, y = item.y + pad.top;  // Vega draws at origin + padding; items sit in their groups
      for (let g = item.mark.group; g; g = g.mark && g.mark.group) { x += g.x || 0; y += g.y || 0; }
      return {x: r.left + ox + x, y: r.top + oy + y, id: item.datum.example_id};
    }""", index)
    offset = frame.frame_element().bounding_box()
    page.mouse.click(offset["x"] + box["x"], offset["y"] + box["y"])
    return box["id"]
