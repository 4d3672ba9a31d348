"""The app in Debian's Chromium: train a small run, scrub the checkpoints, click a point, read its neighbours.

Screenshots land in $HIDDENREP_SCREENSHOTS (default: the test's tmp dir) — look at them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from browser_harness import app_server, click_point, scatter_frame

pytestmark = pytest.mark.browser



def test_train_scrub_click_and_read_neighbours(tmp_path, browser):
    shots = Path(os.environ.get("HIDDENREP_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with app_server(tmp_path / "runs") as (url, _):
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(url)
        page.get_by_text("No runs yet.", exact=True).wait_for(timeout=60_000)  # the empty state reads as help

        page.goto(f"{url}/train")
        page.get_by_text("Examples per class").wait_for(timeout=60_000)
        page.get_by_test_id("stSelectbox").filter(has_text="Dataset").click()
        page.get_by_role("option", name="synthetic").click()
        page.get_by_text("known flipped labels").wait_for(timeout=60_000)
        page.get_by_label("Epochs").fill("3")  # no Enter: that would submit the form once more
        page.get_by_role("button", name="Train", exact=True).click()
        page.get_by_text(re.compile("Trained synthetic-ffnn-")).wait_for(timeout=120_000)
        page.screenshot(path=str(shots / "train.png"), full_page=True)

        page.goto(f"{url}/")
        try:
            page.get_by_text("4 of 4 checkpoints").wait_for(timeout=120_000)
        finally:
            page.screenshot(path=str(shots / "explore-first.png"))  # frames may first arrive one by one
        frame = scatter_frame(page)
        frame.wait_for_function("window.hiddenrepView.signal('titles').length === 4")
        assert frame.evaluate("window.hiddenrepView.signal('frame')") == 3  # epochs 0..3, the last on screen
        slider = frame.locator("#slider input[type=range]")
        slider.fill("1")  # a real input event on the slider: Vega redraws, Python does not rerun
        assert frame.evaluate("window.hiddenrepView.signal('frame')") == 1
        assert "epoch 1" in frame.evaluate("window.hiddenrepView.signal('titles')[1]")

        click_point(page, frame)
        heading = page.get_by_text("Neighbours of")
        try:
            heading.wait_for(timeout=60_000)
        finally:
            page.screenshot(path=str(shots / "clicked.png"))
        clicked = heading.inner_text().split()[2]  # the point on top where the mouse landed
        assert clicked.startswith("syn-") and "epoch 1" in heading.inner_text()
        table = page.locator(".hr-neighbours table:visible").first  # the Neighbours tab
        table.wait_for()
        assert table.locator("tbody tr").first.get_attribute("title") == clicked  # the example heads its table
        assert table.locator("tbody tr").count() > 1
        # every column fits the side panel at 1400 px (no column cut off behind a scrollbar)
        assert page.evaluate("t => t.parentElement.scrollWidth <= t.parentElement.clientWidth + 1",
                             table.element_handle())
        page.wait_for_timeout(500)
        assert frame.evaluate("window.hiddenrepView.signal('frame')") == 1  # the rerun kept the checkpoint
        assert frame.evaluate("window.hiddenrepView.signal('focus')") == clicked  # and rings the point
        page.screenshot(path=str(shots / "explore.png"), full_page=True)
        page.close()
