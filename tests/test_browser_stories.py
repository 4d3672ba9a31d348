"""The blog post's stories in Debian's Chromium, each from an empty runs directory to its picture.

Small on purpose (synthetic data, food-mentions, 2-3 epochs). Screenshots land in
$HIDDENREP_SCREENSHOTS (default: the test's tmp dir); each test prints how many clicks and seconds it
took to reach its picture.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hiddenrep.store import COMPLETE, RunStore
from browser_harness import app_server, scatter_frame

pytestmark = pytest.mark.browser
WAIT = 240_000  # ms: training and projections share 2 cores with the rest of the suite


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("HIDDENREP_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Story:
    """Counts the user's clicks and the seconds from the first page load to the picture."""

    def __init__(self, page, name: str):
        self.page, self.name, self.clicks, self.started = page, name, 0, time.perf_counter()

    def click(self, locator) -> None:
        locator.click()
        self.clicks += 1

    def pick(self, label: str, option: str) -> None:
        self.click(self.page.get_by_test_id("stSelectbox").filter(has_text=label).first)
        self.click(self.page.get_by_role("option", name=option).first)

    def done(self, path: Path) -> None:
        # the last rerun has drawn: Streamlit greys out (data-stale) what a running script has not redrawn yet
        self.page.wait_for_function("!document.querySelector('[data-stale=\"true\"]')", timeout=WAIT)
        self.page.screenshot(path=str(path), full_page=True)
        print(f"\n{self.name}: {self.clicks} clicks, {time.perf_counter() - self.started:.0f} s -> {path}")


def _open(story: Story, url: str, page_name: str) -> None:
    """Load the app (its run picker selects the newest run), then go to ``page_name`` by its sidebar link."""
    page = story.page
    page.goto(url)
    page.get_by_test_id("stSidebar").get_by_text("Runs directory").wait_for(timeout=WAIT)
    story.click(page.get_by_test_id("stSidebar").get_by_role("link", name=re.compile(f"^{page_name}$", re.I)))


def _train(story: Story, url: str, *, dataset: str, model: str = "ffnn", epochs: int = 2) -> None:
    page = story.page
    page.goto(f"{url}/train")
    page.get_by_text("Examples per class").wait_for(timeout=60_000)
    story.pick("Dataset", dataset)
    if model != "ffnn":
        story.pick("Model", model)
    page.get_by_label("Epochs").fill(str(epochs))
    story.click(page.get_by_role("button", name="Train", exact=True))
    page.get_by_text(re.compile(f"Trained {dataset}-{model}-")).wait_for(timeout=WAIT)


def _train_words(story: Story, url: str, runs: Path, *, dataset: str, scratch: bool, epochs: int,
                 follow: str = "") -> None:
    page = story.page
    page.goto(f"{url}/words")
    page.get_by_text("Train and record words").wait_for(timeout=60_000)
    if dataset != "food-mentions":
        story.pick("Dataset", dataset)
    if scratch:
        story.click(page.get_by_text("from scratch", exact=True))
    page.get_by_label("Epochs").fill(str(epochs))
    if follow:
        page.get_by_role("textbox", name="Also follow these words").fill(follow)
    story.click(page.get_by_role("button", name="Train and record words"))
    deadline = time.time() + WAIT / 1000
    while not any(r.manifest.get("words_of") and r.status == COMPLETE for r in RunStore(runs).list()):
        assert time.time() < deadline, "the words run did not complete"
        page.wait_for_timeout(500)
    _open(story, url, "words")  # reloaded: the sidebar's own refresh is not this test's


@pytest.mark.network  # food-mentions reads the six text corpora's package files
def test_word_drift_story_shows_food_and_pork_over_checkpoints(tmp_path, browser, shots):
    with app_server(tmp_path / "runs") as (url, _):
        page = browser.new_page(viewport={"width": 1500, "height": 1200})
        story = Story(page, "word drift (GloVe, food-mentions)")
        _train_words(story, url, tmp_path / "runs", dataset="food-mentions", scratch=False, epochs=2, follow="burger")
        caption = page.get_by_text(re.compile(r"^Cosine distance food – pork: "))
        caption.wait_for(timeout=WAIT)
        assert re.search(r"\d\.\d{3} at epoch 0 → \d\.\d{3} at epoch 2", caption.inner_text())
        assert page.get_by_text("Not recorded").first.inner_text().find("ramen") > 0  # said, not hidden
        y_labels = page.locator("[data-testid=stVegaLiteChart] g[aria-label*='cosine distance'] .role-axis-label text")
        assert y_labels.count() >= 2  # the distance chart has a plot (once it collapsed to a flat line, no axis)
        find = page.get_by_role("textbox", name="Find words")
        assert "food, pork" in find.get_attribute("placeholder")  # only recorded words are suggested
        find.fill("burger")
        find.press("Enter")
        story.clicks += 1
        story.click(page.get_by_role("button", name="Track burger", exact=True))
        page.get_by_test_id("stDataFrame").first.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        story.done(shots / "story-word-drift.png")


@pytest.mark.network
def test_swear_words_from_scratch_cluster_in_tsne(tmp_path, browser, shots):
    with app_server(tmp_path / "runs") as (url, _):
        page = browser.new_page(viewport={"width": 1500, "height": 1200})
        story = Story(page, "swear words from scratch (t-SNE, profanity)")
        _train_words(story, url, tmp_path / "runs", dataset="movie-sentences", scratch=True, epochs=2)
        page.get_by_text(re.compile(r"words × 3 checkpoints")).wait_for(timeout=WAIT)
        story.pick("Projection", "t-SNE")
        story.pick("Colour by", "profanity")
        page.get_by_text(re.compile(r"one TSNE frame")).wait_for(timeout=WAIT)
        page.wait_for_timeout(2000)
        story.done(shots / "story-swear-words.png")


LEGEND_LABELS = """() => { const out = [];
  (function walk(node) { if (!node) return;
    if (node.name === 'color_legend_labels') node.items.forEach(i => out.push(i.text));
    (node.items || []).forEach(walk); })(window.hiddenrepView.scenegraph().root);
  return out; }"""
ON_TOP = """() => { let last = null;  // the colour of the last point drawn (the top one) in the points layer
  (function walk(node) { if (!node) return;
    if (node.marktype === 'symbol' && node.items.length > 100) last = node.items[node.items.length - 1].datum.color;
    (node.items || []).forEach(walk); })(window.hiddenrepView.scenegraph().root);
  return last; }"""


def _toxic_comments(folder: Path) -> list[Path]:
    """Three checkpoints of a multi-label comment classifier, as a user exports them: the 'insult' rows drift
    into a cluster of their own; every insult is also toxic (labels ``toxic|insult``)."""
    rng = np.random.default_rng(0)
    n = 240
    insult, toxic = np.arange(n) % 6 == 0, np.arange(n) % 3 == 0
    labels = np.where(insult, "toxic|insult", np.where(toxic, "toxic", ""))
    pd.DataFrame({"id": [f"c{i:03d}" for i in range(n)], "text": [f"comment {i}" for i in range(n)],
                  "labels": labels}).to_csv(folder / "metadata.csv", index=False)
    files = []
    for epoch in range(3):
        vectors = rng.normal(size=(n, 8))
        vectors[insult, 0] += 2.0 * epoch
        vectors[toxic, 1] += 1.0 * epoch
        files.append(folder / f"epoch_{epoch}.csv")
        pd.DataFrame(vectors).to_csv(files[-1], index=False)
    return files


def test_multilabel_comments_coloured_by_one_class(tmp_path, browser, shots):
    files = _toxic_comments(tmp_path)
    with app_server(tmp_path / "runs") as (url, _):
        page = browser.new_page(viewport={"width": 1500, "height": 1200})
        story = Story(page, "multi-label comments, colour by one class (imported)")
        page.goto(f"{url}/import")
        page.get_by_text("Checkpoint files").wait_for(timeout=60_000)
        page.locator("input[type=file]").first.set_input_files([str(f) for f in files])
        page.get_by_test_id("stFileChipName").filter(has_text="epoch_2.csv").wait_for(timeout=60_000)
        page.locator("input[type=file]").nth(1).set_input_files(str(tmp_path / "metadata.csv"))
        page.get_by_test_id("stFileChipName").filter(has_text="metadata.csv").wait_for(timeout=60_000)
        story.clicks += 2
        page.get_by_role("textbox", name="Run id").fill("toxic-comments")
        story.click(page.get_by_role("button", name="Import"))
        try:
            page.get_by_role("button", name="Open it in Explore").wait_for(timeout=WAIT)
        finally:
            page.screenshot(path=str(shots / "story-multilabel-import.png"), full_page=True)
        story.click(page.get_by_role("button", name="Open it in Explore"))
        page.get_by_text("Class to colour").wait_for(timeout=WAIT)
        story.pick("Class to colour", "insult")
        page.get_by_text(re.compile(r"of 3 checkpoints")).wait_for(timeout=WAIT)
        page.wait_for_timeout(1500)
        frame = scatter_frame(page)
        labels = frame.evaluate(LEGEND_LABELS)
        assert {"insult", "not insult"} <= set(labels), labels  # whole names, the chosen class among them
        assert frame.evaluate(ON_TOP) == "insult"  # drawn last: on top of the rest
        story.done(shots / "story-multilabel.png")


def test_animate_tracks_suspected_mislabels_once_scored(tmp_path, browser, shots):
    with app_server(tmp_path / "runs") as (url, _):
        page = browser.new_page(viewport={"width": 1500, "height": 1200})
        story = Story(page, "animate: track the 10 most suspected mislabels")
        _train(story, url, dataset="synthetic", epochs=3)
        page.locator("[data-testid=stVegaLiteChart] svg.marks, [data-testid=stVegaLiteChart] canvas").first.wait_for(
            timeout=60_000)  # the job card's curves (Streamlit draws them as SVG or canvas)
        page.wait_for_timeout(1000)
        page.screenshot(path=str(shots / "story-training-curves.png"), full_page=True)
        _open(story, url, "animate")
        button = page.get_by_role("button", name="Track the 10 most suspected mislabels")
        try:
            button.wait_for(timeout=WAIT)
        finally:
            page.screenshot(path=str(shots / "story-animate-waiting.png"), full_page=True)
        page.wait_for_function("""() => [...document.querySelectorAll('button')].some(
            b => b.innerText.includes('Track the 10 most suspected mislabels') && !b.disabled)""",
                               timeout=WAIT)  # enabled by itself once scored: no other click needed
        story.click(button)
        page.get_by_text("Followed points").wait_for()
        table = page.get_by_test_id("stDataFrame").first
        table.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        story.done(shots / "story-animate-mislabels.png")


def test_ffnn_vs_bilstm_names_whose_number_is_whose(tmp_path, browser, shots):
    with app_server(tmp_path / "runs") as (url, _):
        page = browser.new_page(viewport={"width": 1500, "height": 1200})
        story = Story(page, "ffnn vs BiLSTM (synthetic, 2 epochs each)")
        _train(story, url, dataset="synthetic", model="bilstm", epochs=2)
        _train(story, url, dataset="synthetic", model="ffnn", epochs=2)
        _open(story, url, "compare")  # the newest run (ffnn) is A; B defaults to the BiLSTM
        page.get_by_text(re.compile(r"B: synthetic-bilstm-")).wait_for(timeout=WAIT)
        story.click(page.get_by_role("tab", name="Which separates better"))
        sentence = page.get_by_text(re.compile(r"^At epoch 2: "))
        sentence.wait_for(timeout=WAIT)
        assert re.search(r"kNN accuracy \d\.\d{3} \(A \(ffnn\)\) vs \d\.\d{3} \(B \(bilstm\)\)", sentence.inner_text())
        page.wait_for_timeout(1000)
        story.done(shots / "story-ffnn-vs-bilstm.png")


def test_your_own_loop_opens_in_the_app(tmp_path, browser, shots, monkeypatch):
    import torch
    from test_readme import digits_script, readme_snippet

    scope = digits_script()
    scope["optimizer"] = torch.optim.Adam(scope["model"].parameters(), lr=1e-2)
    monkeypatch.chdir(tmp_path)
    started = time.perf_counter()
    exec(compile(readme_snippet(), "README.md", "exec"), scope)  # writes ./runs/my-run
    with app_server(tmp_path / "runs") as (url, _):
        page = browser.new_page(viewport={"width": 1500, "height": 1200})
        story = Story(page, "your own loop (README snippet, digits MLP)")
        story.started = started
        page.goto(url)
        page.get_by_text("4 of 4 checkpoints").wait_for(timeout=WAIT)
        page.wait_for_timeout(1500)
        story.done(shots / "story-own-loop.png")
