"""The scatter spec's interactions in Debian's Chromium, inside the app's component page (no Streamlit server):
a legend click shows one class and picks no point, a click picks a point, wheel zooms, drag pans (and picks
nothing), double-click resets, a tooltip never takes a click."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hiddenrep.ui.scatter import spec_json
from hiddenrep.viz import scatter_chart, scatter_table

pytestmark = pytest.mark.browser

INDEX = Path(__file__).resolve().parents[1] / "hiddenrep" / "ui" / "frontend" / "index.html"
# Where an item sits on the page: its own x/y plus every enclosing group's, plus the canvas and the view origin.
FIND = """([marktype, name, predicate]) => {
  const view = window.hiddenrepView, canvas = document.querySelector('#vis canvas').getBoundingClientRect();
  const [ox, oy] = view.origin(), test = new Function('item', 'return ' + predicate);
  let found = null;
  (function walk(node) {
    if (!node || found) return;
    if (node.marktype === marktype && (!name || node.name === name)) found = node.items.find(test) || null;
    (node.items || []).forEach(walk);
  })(view.scenegraph().root);
  let x = found.x + view.padding().left, y = found.y + view.padding().top;  // Vega draws at origin + padding
  for (let g = found.mark.group; g; g = g.mark && g.mark.group) { x += g.x || 0; y += g.y || 0; }
  return {x: canvas.left + ox + x, y: canvas.top + oy + y, id: found.datum && found.datum.example_id};
}"""
OPACITIES = """() => { const out = {};
  (function walk(node) { if (!node) return;
    if (node.marktype === 'symbol' && node.items.length > 100) node.items.forEach(i => {
      out[i.datum.color] = Math.max(out[i.datum.color] || 0, i.opacity); });
    (node.items || []).forEach(walk); })(window.hiddenrepView.scenegraph().root);
  return out; }"""


def test_legend_click_filters_classes_and_zoom_pan_reset_pick_nothing(browser):
    rng = np.random.default_rng(0)
    n = 300
    points = pd.DataFrame({"example_id": [f"e{i}" for i in range(n)], "text": ["x"] * n})
    table = scatter_table(rng.normal(size=(3, n, 2)), points, color=np.array(["a", "b"])[np.arange(n) % 2])
    payload, key = spec_json(scatter_chart(table, frame_titles=["0", "1", "2"], color_domain=["a", "b"]))
    page = browser.new_page(viewport={"width": 900, "height": 800})
    page.add_init_script("window.picks = []; window.addEventListener('message', (e) => {"
                         " if (e.data && e.data.type === 'streamlit:setComponentValue') window.picks.push(e.data.value); });")
    page.goto(INDEX.as_uri())
    page.evaluate("([spec, tables, blob, key]) => window.postMessage({type: 'streamlit:render', args: {spec, tables,"
                  " blob: new Uint8Array(blob), renderer: 'vega', spec_key: key, focus: '', interval_ms: 600}}, '*')",
                  [payload.spec, payload.tables, list(payload.blob), key])
    page.wait_for_function("window.hiddenrepView !== undefined", timeout=30_000)
    page.wait_for_timeout(300)
    assert page.evaluate(OPACITIES) == {"a": 0.75, "b": 0.75}

    entry = page.evaluate(FIND, ["text", "color_legend_labels", "item.text === 'b'"])
    page.mouse.click(entry["x"] + 3, entry["y"] + 1)
    page.wait_for_timeout(300)
    shown = page.evaluate(OPACITIES)
    assert shown["b"] == 0.75 and shown["a"] < 0.1  # only class b stays
    assert page.evaluate("window.picks") == []  # the legend click picked no point

    point = page.evaluate(FIND, ["symbol", None, "item.datum && item.datum.color === 'b'"])
    page.mouse.click(point["x"], point["y"])
    page.wait_for_function("window.picks.length === 1")
    assert page.evaluate("window.picks[0].example_id") == point["id"]

    domain = page.evaluate("window.hiddenrepView.scale('x').domain()")
    page.mouse.move(point["x"], point["y"])
    page.mouse.wheel(0, -300)
    page.wait_for_timeout(300)
    zoomed = page.evaluate("window.hiddenrepView.scale('x').domain()")
    assert zoomed[1] - zoomed[0] < 0.9 * (domain[1] - domain[0])  # the wheel zoomed in
    page.mouse.down()
    page.mouse.move(point["x"] + 80, point["y"] + 40, steps=8)
    page.mouse.up()
    page.wait_for_timeout(300)
    panned = page.evaluate("window.hiddenrepView.scale('x').domain()")
    assert panned[0] < zoomed[0] and abs((panned[1] - panned[0]) - (zoomed[1] - zoomed[0])) < 1e-6  # same zoom, moved
    assert page.evaluate("window.picks.length") == 1  # the drag that panned picked nothing
    page.mouse.dblclick(point["x"], point["y"])
    page.wait_for_timeout(300)
    assert page.evaluate("window.hiddenrepView.scale('x').domain()") == domain  # double-click resets the zoom
    page.close()


def test_a_long_tooltip_stays_inside_the_chart_and_never_takes_a_click(browser):
    # The app's chart column is about 560 px wide: a review's text must wrap, not run off the left edge. And a
    # click on a point the tooltip covers (the next point down and to the right) must reach the chart: it was
    # the tooltip's table cell that took it (bench/scale.py, a 50k run: two of five clicks picked nothing).
    rng = np.random.default_rng(0)
    n = 200
    text = "a long review that goes on and on about the plot, the actors and the ending " * 3
    points = pd.DataFrame({"example_id": [f"e{i}" for i in range(n)], "text": [text] * n, "label": ["positive"] * n})
    table = scatter_table(rng.normal(size=(1, n, 2)), points, color=np.array(["a", "b"])[np.arange(n) % 2])
    payload, key = spec_json(scatter_chart(table, frame_titles=["0"], tooltip=("text", "label")))
    page = browser.new_page(viewport={"width": 560, "height": 700})
    page.goto(INDEX.as_uri())
    page.evaluate("([spec, tables, blob, key]) => window.postMessage({type: 'streamlit:render', args: {spec, tables,"
                  " blob: new Uint8Array(blob), renderer: 'vega', spec_key: key, focus: '', interval_ms: 600}}, '*')",
                  [payload.spec, payload.tables, list(payload.blob), key])
    page.wait_for_function("window.hiddenrepView !== undefined", timeout=30_000)
    xs = page.evaluate("() => window.hiddenrepView.scale('x').range()")
    for fraction in (0.3, 0.5, 0.7):  # points left of, at and right of the middle
        target = xs[0] + fraction * (xs[1] - xs[0])
        point = page.evaluate(FIND, ["symbol", None, f"item.datum && item.datum.example_id && Math.abs(item.x - {target}) < 15"])
        page.mouse.move(point["x"], point["y"])
        page.wait_for_selector("#vg-tooltip-element.visible")
        box = page.locator("#vg-tooltip-element").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 560, (fraction, box)
        under = page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('#vg-tooltip-element') === null",
                              [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
        assert under, f"the tooltip takes the clicks meant for the points under it ({fraction})"
        page.mouse.move(1, 1)
        page.wait_for_selector("#vg-tooltip-element.visible", state="hidden")
    page.close()


def test_frames_arriving_before_the_checkpoint_on_screen_keep_it_there_and_a_click_names_it(browser):
    # A budget chain's partial projection holds the last checkpoints: the chart's frame 0 is checkpoint
    # first_frame. When earlier frames land, the checkpoint on screen must stay on screen (its frame index
    # grows), and a click must report the checkpoint's own index, which the neighbour table and the URL read.
    rng = np.random.default_rng(0)
    n = 120
    points = pd.DataFrame({"example_id": [f"e{i}" for i in range(n)], "text": ["x"] * n})
    coords = rng.normal(size=(4, n, 2))

    def render(page, first, open_at=None):
        table = scatter_table(coords[first:], points, color=np.array(["a", "b"])[np.arange(n) % 2])
        payload, key = spec_json(scatter_chart(table, frame_titles=[f"checkpoint {i}" for i in range(first, 4)]))
        page.evaluate("([spec, tables, blob, key, first, at]) => window.postMessage({type: 'streamlit:render', args: {"
                      "spec, tables, blob: new Uint8Array(blob), renderer: 'vega', spec_key: key, focus: '',"
                      " interval_ms: 600, first_frame: first, open_at: at}}, '*')",
                      [payload.spec, payload.tables, list(payload.blob), key, first, open_at])
        page.wait_for_function(f"window.hiddenrepView && window.hiddenrepView.signal('nframes') === {4 - first}",
                               timeout=30_000)

    page = browser.new_page(viewport={"width": 900, "height": 800})
    page.add_init_script("window.picks = []; window.addEventListener('message', (e) => {"
                         " if (e.data && e.data.type === 'streamlit:setComponentValue') window.picks.push(e.data.value); });")
    page.goto(INDEX.as_uri())
    render(page, 2)  # checkpoints 2 and 3; the newest is on screen
    assert page.evaluate("window.hiddenrepView.signal('frame')") == 1
    scrub = "(frame) => window.hiddenrepView.signal('frame', frame).runAsync().then(() => null)"
    page.evaluate(scrub, 0)  # the user scrubs back to checkpoint 2
    render(page, 1)  # checkpoint 1 lands before it
    assert page.evaluate("window.hiddenrepView.signal('frame')") == 1  # still checkpoint 2
    assert page.inner_text("#slider input[type=range] + span") == "2"  # the slider names the checkpoint too
    page.evaluate("() => document.querySelector('#slider input[type=range]').dispatchEvent(new Event('change'))")
    assert page.inner_text("#slider input[type=range] + span") == "2"  # the change event ending a drag too
    point = page.evaluate(FIND, ["symbol", None, "item.datum && item.datum.example_id"])
    page.mouse.click(point["x"], point["y"])
    page.wait_for_function("window.picks.length === 1")
    assert page.evaluate("window.picks[0].frame") == 2
    page.evaluate(scrub, 2)  # on the newest checkpoint: it stays on the newest
    render(page, 0)
    assert page.evaluate("window.hiddenrepView.signal('frame')") == 3
    page.close()

    page = browser.new_page(viewport={"width": 900, "height": 800})  # a shared link names checkpoint 1
    page.goto(INDEX.as_uri())
    render(page, 3, open_at=1)  # not there yet: the earliest frame there is
    assert page.evaluate("window.hiddenrepView.signal('frame')") == 0
    render(page, 2, open_at=1)
    render(page, 1, open_at=1)  # there now, whatever was on screen before
    assert page.evaluate("window.hiddenrepView.signal('frame')") == 0
    page.close()
