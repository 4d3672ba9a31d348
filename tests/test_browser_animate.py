"""The Animate page in Debian's Chromium: play the tweened animation, export a GIF, and play the HTML export offline.

Screenshots land in $HIDDENREP_SCREENSHOTS (default: the test's tmp dir) — look at them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from PIL import Image

from hiddenrep.animate import Frames, frame_times
from browser_harness import app_server, scatter_frame

pytestmark = pytest.mark.browser



def test_play_the_animation_export_a_gif_and_play_the_html_offline(tmp_path, browser, tiny_run):
    shots = Path(os.environ.get("HIDDENREP_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    runs = tmp_path / "runs"
    shutil.copytree(tiny_run.path, runs / tiny_run.id)
    with app_server(runs) as (url, _):
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        page.goto(url)
        page.get_by_text("Explore a run").wait_for(timeout=60_000)  # the router's navigation is up
        page.get_by_role("link", name="Animate").click()
        try:
            # Animate's tweened chart (Explore's may linger for a moment while the page changes)
            frame = scatter_frame(page, timeout=60, until="window.hiddenrepView.signal('nframes') === 4")
        finally:
            page.screenshot(path=str(shots / "animate-first.png"))
        assert frame.evaluate("window.hiddenrepView.signal('t')") == 0
        frame.locator("#play").click()  # the browser plays: t advances every animation frame, Python never reruns
        page.wait_for_timeout(1500)
        t, ticks = frame.evaluate("[window.hiddenrepView.signal('t'), window.hiddenrepTicks]")
        assert 0.3 < t < 3 and ticks > 10
        assert t != round(t)  # between two checkpoints
        page.screenshot(path=str(shots / "animate-playing.png"))
        frame.locator("#play").click()
        paused = frame.evaluate("window.hiddenrepView.signal('t')")
        page.wait_for_timeout(300)
        assert frame.evaluate("window.hiddenrepView.signal('t')") == paused
        frame.locator("#slider input[type=range]").fill("1.5")  # the scrubber lands between checkpoints
        assert frame.evaluate("window.hiddenrepView.signal('t')") == 1.5

        downloads = {}
        for label in ("GIF", "HTML"):
            page.get_by_role("button", name=label, exact=True).click()
            button = page.get_by_role("button", name=f"Download {label}")
            button.wait_for(timeout=90_000)
            with page.expect_download() as info:
                button.click()
            downloads[label] = tmp_path / info.value.suggested_filename
            info.value.save_as(downloads[label])
        page.screenshot(path=str(shots / "animate-exported.png"), full_page=True)
        page.close()

    with Image.open(downloads["GIF"]) as gif:
        assert gif.size == Frames.size and gif.n_frames == len(frame_times(4, Frames.steps))

    offline = browser.new_page()
    file_url = downloads["HTML"].resolve().as_uri()
    requested = []

    def only_the_file(route):
        if route.request.url == file_url:
            return route.continue_()
        requested.append(route.request.url)
        return route.abort()

    offline.route("**/*", only_the_file)
    offline.goto(file_url)
    offline.wait_for_function("window.hiddenrepView !== undefined", timeout=30_000)
    drawn = offline.evaluate("""() => {
      let n = 0;
      (function walk(node) { if (!node) return; if (node.marktype === 'symbol') n += node.items.length;
                             (node.items || []).forEach(walk); })(window.hiddenrepView.scenegraph().root);
      return n;
    }""")
    assert drawn >= 300
    offline.locator("#play").click()
    offline.wait_for_timeout(800)
    assert offline.evaluate("window.hiddenrepView.signal('t')") > 0
    offline.screenshot(path=str(shots / "animate-offline-html.png"))
    assert requested == []  # it asked the network for nothing
    offline.close()
