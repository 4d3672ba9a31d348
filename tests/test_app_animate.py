"""The Animate page through AppTest: the tweened spec, following points, exports with progress."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from conftest import components, open_page, settle, spec_of, texts

from hiddenrep.animate import Frames, frame_times
from hiddenrep.ui import state



@pytest.fixture
def animate(tiny_run, monkeypatch):
    from hiddenrep.ui.jobs import label_issues_task

    monkeypatch.setenv("HIDDENREP_RUNS", str(tiny_run.path.parent))
    label_issues_task(tiny_run.path.parent, tiny_run.id, len(tiny_run.checkpoints)).result()
    return open_page("animate.py", tiny_run.id)


def test_animate_draws_every_checkpoint_tweened_in_the_browser(animate, tiny_run):
    at = animate
    assert {s.label for s in at.selectbox} >= {"Projection", "Stability", "Colour by", "Motion"}
    spec = spec_of(components(at)[0])
    params = {p["name"]: p for p in spec["params"]}
    assert params["t"]["bind"]["max"] == len(tiny_run.checkpoints) - 1 and params["t"]["bind"]["step"] < 1
    assert params["nframes"]["value"] == 4 and "floor(t)" in params["xa"]["expr"]
    assert "300 points × 4 checkpoints" in texts(at)


def test_animate_follows_searched_and_suspected_points(animate, tiny_run):
    at = animate
    word = tiny_run.examples()["text"].iloc[0].split()[0]
    at.text_input[0].set_value(word).run()
    next(b for b in at.button if b.label == "Track matches").click().run()
    found = list(at.session_state[state.TRACKED])
    assert 1 <= len(found) <= 10
    next(b for b in at.button if b.label.startswith("Track the 10")).click().run()
    tracked = at.session_state[state.TRACKED]
    assert len(tracked) >= 10 and tracked[:len(found)] == found
    table = at.dataframe[0].value
    assert list(table["letter"][:3]) == ["A", "B", "C"] and list(table["example_id"]) == list(tracked)
    spec = spec_of(components(at)[0])
    params = {p["name"]: p for p in spec["params"]}
    assert params["tracked"]["value"] == list(tracked) and params["letters"]["value"][:2] == ["A", "B"]
    next(b for b in at.button if b.label == "Clear").click().run()
    assert at.session_state[state.TRACKED] == []


def test_animate_exports_a_gif_with_progress_then_offers_the_download(animate, tiny_run):
    at = animate
    next(b for b in at.button if b.label == "GIF").click().run()
    at = settle(at, lambda a: any(d.label.startswith("Download GIF") for d in a.get("download_button")), timeout=90)
    path = next(Path(tiny_run.path.parent, ".exports").glob(f"{tiny_run.id}-*.gif"))
    with Image.open(path) as gif:
        # every tween step is a frame; Pillow merges the repeated (held) checkpoint frames into longer ones
        assert gif.n_frames == len(frame_times(4, Frames.steps)) and gif.size == Frames.size


def test_track_mislabels_waits_for_the_scores_with_progress_then_enables(tiny_run, tmp_path, monkeypatch):
    import shutil

    from hiddenrep.ui.jobs import label_issues_task

    shutil.copytree(tiny_run.path, tmp_path / tiny_run.id)  # a fresh store: nothing scored yet
    monkeypatch.setenv("HIDDENREP_RUNS", str(tmp_path))
    at = open_page("animate.py", tiny_run.id)
    task = label_issues_task(tmp_path, tiny_run.id, len(tiny_run.checkpoints))
    button = next(b for b in at.button if b.label.startswith("Track the 10"))
    if not task.done:  # while scoring, a progress bar that reruns the page when done (it enables the button)
        assert button.disabled and any("Scoring label quality" in p.proto.text for p in at.get("progress"))
    task.result()
    at.run()
    assert not next(b for b in at.button if b.label.startswith("Track the 10")).disabled
