"""A 50,000-point run in Debian's Chromium: the WebGL layer draws it, scrubs, plays, zooms and picks a point.

The run is generated (no training), 3 checkpoints of 8-d vectors, so the test spends its time in the browser.
"""

from __future__ import annotations

import pytest

from browser_harness import app_server, generated_run

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
        assert frame.evaluate(f"{api}.renderer") == "webgl"
        assert frame.evaluate(f"{api}.paintedPixels()") > 2000  # the points are on the GL canvas

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
        box = frame.locator("#vis canvas:not(.gl-points)").bounding_box()  # in page coordinates
        offset = frame.frame_element().bounding_box()
        center = {"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2}
        page.mouse.move(center["x"], center["y"])
        page.mouse.wheel(0, -400)  # zoom in: the spec's scales change, the GL points follow them
        frame.wait_for_function(f"(d) => JSON.stringify({api}.state().domain) !== JSON.stringify(d)", arg=domain,
                                timeout=10_000)
        zoomed = frame.evaluate(f"{api}.state().domain")
        assert zoomed[1] - zoomed[0] < domain[1] - domain[0]

        expected = frame.evaluate(f"{api}.idAt({center['x'] - offset['x']}, {center['y'] - offset['y']})")
        assert expected is not None
        page.mouse.click(center["x"], center["y"])
        page.get_by_text(f"Neighbours of {expected}").wait_for(timeout=60_000)
        page.close()
