"""In Debian's Chromium: the first start trains and shows the default run with no click; links carry the view.

Screenshots land in $HIDDENREP_SCREENSHOTS (default: the test's tmp dir).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from browser_harness import app_server, click_point, scatter_frame

pytestmark = pytest.mark.browser


SIDEBAR_TEXT = """() => { const bar = document.querySelector('[data-testid=stSidebar]');
  return bar.innerText + ' ' + [...bar.querySelectorAll('input')].map(i => i.value).join(' '); }"""


LOCAL = {"127.0.0.1", "localhost", None}  # None: data: and blob: URLs


def _shots(tmp_path: Path) -> Path:
    shots = Path(os.environ.get("HIDDENREP_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def test_first_start_trains_the_default_run_and_explore_shows_it(tmp_path, browser):
    first_run = {"dataset": "synthetic", "model": "ffnn", "epochs": 3, "hidden": 16}  # the default, smaller
    with app_server(tmp_path / "runs", env={"HIDDENREP_FIRST_RUN": json.dumps(first_run)}) as (url, _):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        outside, charts = [], []  # an offline tool asks no other host for anything (favicon, fonts, stats)
        page.on("request", lambda r: outside.append(r.url) if urlsplit(r.url).hostname not in LOCAL else None)
        page.on("framenavigated", lambda f: charts.append(f) if "epoch_scatter" in f.url else None)
        started = time.perf_counter()
        page.goto(url)
        # No click: the page says it is training, with progress, and the first checkpoint is drawn.
        page.get_by_text(re.compile("Preparing ffnn on synthetic|Training ffnn on synthetic")).first.wait_for(
            timeout=60_000)
        page.screenshot(path=str(_shots(tmp_path) / "first-start.png"))
        frame = scatter_frame(page, timeout=120)
        first_picture = time.perf_counter() - started
        frame.wait_for_function("window.hiddenrepView.signal('titles').length === 4", timeout=120_000)
        try:  # the sidebar follows the run to the end without a reload
            page.wait_for_function(f"({SIDEBAR_TEXT})().includes('(complete, 4 checkpoints')", timeout=60_000)
        finally:
            page.screenshot(path=str(_shots(tmp_path) / "first-start-trained.png"))
        assert "No runs yet" not in page.inner_text("body")
        assert not outside, outside
        assert len(charts) == 1, "the chart was re-created while the run grew (it blanks and fetches again)"
        print(f"first picture after {first_picture:.1f} s")
        page.close()


def test_links_carry_the_view_and_the_back_button_steps_back(tiny_run, tmp_path, browser):
    shutil.copytree(tiny_run.path, tmp_path / tiny_run.id)
    examples = tiny_run.examples()["example_id"]
    with app_server(tmp_path) as (url, _):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/animate?run={tiny_run.id}")  # the first request of a fresh server is a deep link
        page.get_by_role("heading", name="Animate a run").wait_for(timeout=60_000)
        sidebar = page.get_by_test_id("stSidebar")
        sidebar.get_by_text("Runs directory").wait_for(timeout=60_000)  # the router ran: its run picker
        page.wait_for_function(f"({SIDEBAR_TEXT})().includes({json.dumps(tiny_run.id + ' (complete')})",
                               timeout=60_000)  # the picker fills in on the same run, a moment later
        assert page.get_by_text("streamlit app").count() == 0  # not Streamlit's own page list

        page.goto(f"{url}/?run={tiny_run.id}&example={examples[7]}&checkpoint=1")
        heading = page.get_by_text("Neighbours of")
        try:
            heading.wait_for(timeout=120_000)
        finally:
            page.screenshot(path=str(_shots(tmp_path) / "linked-explore.png"))
        assert heading.inner_text().startswith(f"Neighbours of {examples[7]} at epoch 1")
        frame = scatter_frame(page)
        assert frame.evaluate("window.hiddenrepView.signal('frame')") == 1  # the chart opens on that checkpoint

        clicked = click_point(page, frame)
        page.wait_for_url(re.compile(f"example={clicked}"), timeout=60_000)
        page.get_by_text(f"Neighbours of {clicked} at epoch 1").wait_for(timeout=60_000)  # clicked at epoch 1
        page.get_by_role("link", name="Animate").click()
        page.get_by_role("heading", name="Animate a run").wait_for(timeout=60_000)
        assert f"example={clicked}" in page.url  # a page switch keeps the view in the URL

        page.go_back()  # to Explore with the clicked example
        page.get_by_role("heading", name="Explore a run").wait_for(timeout=60_000)
        page.get_by_text(f"Neighbours of {clicked}").wait_for(timeout=60_000)
        page.go_back()  # to the example the link named
        page.get_by_text(f"Neighbours of {examples[7]} at epoch 1").wait_for(timeout=60_000)
        page.screenshot(path=str(_shots(tmp_path) / "linked.png"))
        page.close()
