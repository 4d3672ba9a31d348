"""The exported HTML plays in Debian's Chromium with every network request refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hiddenrep.animate import export_html

pytestmark = pytest.mark.browser



def test_html_export_plays_with_no_network(tmp_path, browser):
    rng = np.random.default_rng(1)
    coords = np.cumsum(rng.normal(size=(3, 500, 2)), axis=0)
    points = pd.DataFrame({"example_id": [f"e{i}" for i in range(500)],
                           "label": np.where(np.arange(500) % 2, "a", "b")})
    path = export_html(tmp_path / "anim.html", coords, points, color="label", marks={0: "A"},
                       titles=["epoch 0", "epoch 1", "epoch 2"])
    page = browser.new_page()
    refused = []

    def route(request_route):
        if request_route.request.url.startswith("file:"):
            return request_route.continue_()
        refused.append(request_route.request.url)
        return request_route.abort()

    page.route("**/*", route)
    page.goto(path.as_uri())
    page.wait_for_function("window.hiddenrepView !== undefined", timeout=30_000)
    assert page.evaluate("window.hiddenrepView.signal('t')") == 0
    page.click("#play")
    page.wait_for_function("window.hiddenrepView.signal('t') > 0.5", timeout=10_000)
    page.click("#play")  # pause
    t = page.evaluate("window.hiddenrepView.signal('t')")
    page.wait_for_timeout(300)
    assert page.evaluate("window.hiddenrepView.signal('t')") == t
    assert page.evaluate("window.hiddenrepStats.frames") > 5
    assert page.locator("#vis canvas").count() == 1
    assert page.evaluate("window.hiddenrepView.signal('titles')") == ["epoch 0", "epoch 1", "epoch 2"]
    assert refused == []
