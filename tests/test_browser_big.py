"""Big runs in Debian's Chromium: a 50,000-point run in the app (the points layer draws it, scrubs, plays, zooms and
picks a point), and the component page alone: playing a tween moves only the layer, and the layer paints what
Vega's canvas paints.

The runs are generated (no training), so the tests spend their time in the browser.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from browser_harness import app_server, generated_run
from hiddenrep.ui.scatter import spec_json
from hiddenrep.viz import scatter_chart, scatter_table

pytestmark = pytest.mark.browser
N = 50_000


def _scatter(page, timeout_ms=300_000):
    """The component frame once it has drawn every checkpoint (frames arrive one by one)."""
    page.wait_for_function(
        """() => [...document.querySelectorAll('iframe')].some(f => {
             const s = f.contentWindow && f.contentWindow.hiddenrepScatter;
             return s && s.ready && f.contentDocument.querySelector('#slider input[type=range]')?.max === '2'; })""",
        timeout=timeout_ms)
    return next(f for f in page.frames if "epoch_scatter" in f.url)


def test_fifty_thousand_points_scrub_play_zoom_and_click(tmp_path, browser):
    generated_run(tmp_path, N, frames=3, dim=8, predictions=False)
    with app_server(tmp_path) as (url, _):
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(url)
        frame = _scatter(page)
        api = "window.hiddenrepScatter"
        assert frame.evaluate(f"{api}.renderer") == "pixels"
        assert frame.evaluate(f"{api}.paintedPixels()") > 2000  # the points are on the layer's canvas

        slider = frame.locator("#slider input[type=range]")
        slider.fill("0")
        frame.evaluate(f"{api}.drawn(0)")
        start = frame.evaluate(f"[{api}.state().a, {api}.pointOnScreen(7)]")
        slider.fill("2")
        frame.evaluate(f"{api}.drawn(2)")
        end = frame.evaluate(f"[{api}.state().a, {api}.pointOnScreen(7)]")
        assert (start[0], end[0]) == (0, 2) and start[1] != end[1]  # the same point moved with the checkpoint

        frame.locator("#play").click()  # Explore plays one checkpoint after the other
        frame.wait_for_function(f"{api}.state().a !== 2", timeout=10_000)
        frame.locator("#play").click()
        assert "play" in frame.locator("#play").inner_text()

        domain = frame.evaluate(f"{api}.state().domain")
        box = frame.locator("#vis canvas:not(.points)").bounding_box()  # in page coordinates
        center = {"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2}
        page.mouse.move(center["x"], center["y"])
        page.mouse.wheel(0, -400)  # zoom in: the spec's scales change, the GL points follow them
        frame.wait_for_function(f"(d) => JSON.stringify({api}.state().domain) !== JSON.stringify(d)", arg=domain,
                                timeout=10_000)
        zoomed = frame.evaluate(f"{api}.state().domain")
        assert zoomed[1] - zoomed[0] < domain[1] - domain[0]

        # The example the app picks, found by the app's own search on the click event itself (the mouse lands on
        # whole pixels, and at 50k points the nearest point differs within a pixel).
        frame.evaluate(f"""() => document.getElementById('vis').addEventListener('click',
            (e) => {{ window.picked = {api}.idAt(e.clientX, e.clientY); }}, {{capture: true, once: true}})""")
        received = _websocket_bytes(page)
        page.mouse.click(center["x"], center["y"])
        expected = frame.evaluate("window.picked")
        assert expected is not None
        page.get_by_text(f"Neighbours of {expected}").wait_for(timeout=60_000)
        # the rerun moved the focus ring and sent the table; the chart's data (~3 MB here) did not travel again
        assert sum(received) < 300_000
        page.close()


def _websocket_bytes(page) -> list[float]:
    """Bytes of every websocket frame the server sends from now on (binary frames come base64-encoded)."""
    session = page.context.new_cdp_session(page)
    received = []
    session.on("Network.webSocketFrameReceived", lambda e: received.append(
        len(e["response"]["payloadData"]) * (3 / 4 if e["response"]["opcode"] == 2 else 1)))
    session.send("Network.enable")
    return received


INDEX = Path(__file__).resolve().parents[1] / "hiddenrep" / "ui" / "frontend" / "index.html"


def _component_page(browser, chart, renderer):
    """The component page alone (no Streamlit server) drawing ``chart`` with ``renderer``."""
    payload, key = spec_json(chart)
    page = browser.new_page(viewport={"width": 800, "height": 760})
    page.goto(INDEX.as_uri())
    page.evaluate("([spec, tables, blob, key, renderer]) => window.postMessage({type: 'streamlit:render', args: {spec,"
                  " tables, blob: Uint8Array.from(atob(blob), c => c.charCodeAt(0)), renderer, spec_key: key, focus: '',"
                  " interval_ms: 600}}, '*')",
                  [payload.spec, payload.tables, base64.b64encode(payload.blob).decode(), key, renderer])
    page.wait_for_function("window.hiddenrepScatter.ready", timeout=60_000)
    assert page.evaluate("window.hiddenrepScatter.renderer") == renderer
    return page


def _blobs(n, frames, seed=0):
    """Three well separated classes drifting apart, as the wide table of viz.scatter_table."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 3
    centres = np.array([[0.0, 0.0], [6.0, 1.0], [2.0, 6.0]])
    coords = np.stack([(t + 1) / frames * centres[labels] + rng.normal(size=(n, 2)) for t in range(frames)])
    points = pd.DataFrame({"example_id": [f"e{i}" for i in range(n)], "text": ["x"] * n})
    return scatter_table(coords, points, color=np.array(["a", "b", "c"])[labels])


def test_playing_moves_the_layer_and_pausing_hands_the_moment_to_vega(browser):
    chart = scatter_chart(_blobs(5000, 3), frame_titles=["0", "1", "2"], tween=True, color_domain=["a", "b", "c"])
    page = _component_page(browser, chart, "pixels")
    api = "window.hiddenrepScatter"
    before = page.evaluate(f"{api}.pointOnScreen(7)")
    page.locator("#play").click()
    # between two checkpoints the layer draws the moment; Vega (title, slider) stays on a whole checkpoint
    moment = page.evaluate(f"""async () => {{
      for (;;) {{
        const s = {api}.state();
        if (s.w > 0.05 && s.w < 0.95) return [s.t, window.hiddenrepView.signal('t'), {api}.pointOnScreen(7)];
        await new Promise(r => requestAnimationFrame(r));
      }} }}""")
    assert moment[0] % 1 != 0 and moment[1] == int(moment[0])
    assert moment[2] != before  # the point glides
    page.locator("#play").click()
    assert "play" in page.locator("#play").inner_text()
    paused = page.evaluate(f"[{api}.state().t, window.hiddenrepView.signal('t')]")
    assert paused[0] == paused[1]  # Vega took over where the layer stopped
    page.close()


def _class_pixels(png: bytes, color: str, opacity: float = 0.75) -> np.ndarray:
    """(row, col) of the pixels showing ``color`` drawn at ``opacity`` over white (not blended with another)."""
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)
    rgb = np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)
    shown = opacity * rgb + (1 - opacity) * 255
    return np.argwhere(np.abs(image - shown).max(axis=2) < 12)


@pytest.mark.parametrize("painter", ["pixels", "webgl"])
def test_points_layer_paints_what_vega_paints(browser, painter):
    chart = scatter_chart(_blobs(4000, 2), frame_titles=["0", "1"], color_domain=["a", "b", "c"])
    shots = {}
    for renderer in ("vega", painter):
        page = _component_page(browser, chart, renderer)
        page.wait_for_timeout(300)
        shots[renderer] = page.locator("#vis").screenshot()
        page.close()
    for color in ("#4c78a8", "#f58518", "#e45756"):  # Vega's own category colours, read from the spec's scale
        vega, pixels = _class_pixels(shots["vega"], color), _class_pixels(shots[painter], color)
        assert len(vega) > 2000 and 0.5 < len(pixels) / len(vega) < 2
        assert np.abs(vega.mean(0) - pixels.mean(0)).max() < 3  # the same class in the same place (px)
