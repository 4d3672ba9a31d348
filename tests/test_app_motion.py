"""Motion in the app: the fade toggle on Explore and Animate, motion fidelity in titles and the quality tab."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from conftest import PAGES, scatter_spec
from hiddenrep.ui import state
from hiddenrep.ui.widgets import FADE_LABEL



def _rows(spec: dict) -> list[dict]:
    return spec["rows"]


def _fade_on(at: AppTest, tiny_run) -> AppTest:
    from hiddenrep.ui.jobs import neighborhood_task

    next(t for t in at.toggle if t.label == FADE_LABEL).set_value(True).run()
    neighborhood_task(tiny_run.path.parent, tiny_run.id, tuple(c.name for c in tiny_run.checkpoints)).result()
    deadline = time.time() + 60
    while not any("faded0" in r for r in _rows(scatter_spec(at.run()))):
        assert not at.exception, at.exception
        assert time.time() < deadline
        time.sleep(0.3)
    return at


def _check_faded(spec: dict, tiny_run) -> None:
    from hiddenrep.analysis import neighborhood_change

    rows = _rows(spec)
    change = neighborhood_change(tiny_run, [c.name for c in tiny_run.checkpoints])
    by_id = dict(zip(tiny_run.examples()["example_id"], change.T))
    faded = np.array([[r[f"faded{t}"] for t in range(len(change))] for r in rows], dtype=bool)
    expected = np.array([by_id[r["example_id"]] <= 0.2 for r in rows])
    expected[:, 0] = False
    assert (faded == expected).all() and faded.any() and not faded.all()
    encoding = {k: v for k, v in spec.items() if k != "rows"}
    assert "faded" in json.dumps(encoding)  # the opacity condition reads the per-frame column


def test_explore_fades_the_points_the_model_did_not_move(explore, tiny_run):
    at = explore
    assert not any("faded0" in r for r in _rows(scatter_spec(at)))  # off by default
    _check_faded(scatter_spec(_fade_on(at, tiny_run)), tiny_run)
    assert not at.exception and not at.error, (at.exception, at.error)


def test_animate_fades_the_points_the_model_did_not_move(tiny_run, monkeypatch):
    from hiddenrep.ui.jobs import label_issues_task

    monkeypatch.setenv("HIDDENREP_RUNS", str(tiny_run.path.parent))
    label_issues_task(tiny_run.path.parent, tiny_run.id, len(tiny_run.checkpoints)).result()
    at = AppTest.from_file(str(PAGES / "animate.py"), default_timeout=120)
    at.session_state[state.RUN_ID] = tiny_run.id
    deadline = time.time() + 60
    while not list(at.run().main.get("component_instance")):
        assert not at.exception, at.exception
        assert time.time() < deadline
        time.sleep(0.3)
    _check_faded(scatter_spec(_fade_on(at, tiny_run)), tiny_run)


def test_frame_titles_and_quality_tab_show_motion_fidelity(explore):
    spec = scatter_spec(explore)
    titles = next(p for p in spec["params"] if p["name"] == "titles")["value"]
    assert "motion fidelity" in titles[1] and "motion fidelity" not in titles[0]  # nothing to compare frame 0 with
    quality = [json.loads(c.proto.spec) for c in explore.get("vega_lite_chart")]
    # A fixed size in the spec: a chart sized to its (hidden, zero-wide) tab would collapse to a flat line.
    frame_quality = next(q for q in quality if "motion fidelity" in json.dumps(q))
    assert isinstance(frame_quality.get("width"), int) and isinstance(frame_quality.get("height"), int)


@pytest.mark.parametrize("mode", ["budget", "anchored", "warm", "joint-pca", "independent"])
def test_mode_picker_says_each_trade_off(mode):
    from hiddenrep.ui.widgets import MODE_LABELS

    assert ":" in MODE_LABELS[mode] or "(" in MODE_LABELS[mode]


def test_explore_draws_a_budget_chains_frames_as_they_land_the_last_checkpoint_first(explore, tiny_run, monkeypatch):
    """A budget chain runs backwards from the last checkpoint: Explore draws each frame as it is written, the
    trained model's picture first, with the chain's progress above it (before, it drew nothing, or a traceback,
    until the whole chain was done). The chart is told which checkpoint its first frame is, so a click names the
    right one."""
    import threading

    from conftest import components
    from hiddenrep.reduce import budget
    from hiddenrep.ui.jobs import projection_task

    release, layout = threading.Event(), budget.umap_layout
    monkeypatch.setattr(budget, "umap_layout", lambda *a, **k: release.wait(60) and layout(*a, **k))
    at = explore
    next(s for s in at.selectbox if s.label == "Projection").set_value("UMAP").run()
    names = tuple(c.name for c in tiny_run.checkpoints)
    task = projection_task(tiny_run.path.parent, tiny_run.id, names, method="umap", mode="budget", metrics=False)
    deadline = time.time() + 60
    while task.progress[0] < 1:  # the last checkpoint's frame is written; the chain waits at the one before it
        assert time.time() < deadline
        time.sleep(0.1)
    at.run()
    assert not at.exception, at.exception
    assert any("Projecting" in p.text for p in at.get("progress")), [p.text for p in at.get("progress")]
    (chart,) = components(at)
    assert json.loads(chart.proto.json_args)["first_frame"] == len(names) - 1
    titles = next(p for p in scatter_spec(at)["params"] if p["name"] == "titles")["value"]
    assert len(titles) == 1 and titles[0].startswith(tiny_run.checkpoints[-1].label), titles
    assert any(f"1 of {len(names)} checkpoints" in c.value for c in at.caption), [c.value for c in at.caption]
    release.set()
    task.result()
    at.run()
    assert not at.exception, at.exception
    (chart,) = components(at)
    assert json.loads(chart.proto.json_args)["first_frame"] == 0
    assert any(f"{len(names)} of {len(names)} checkpoints" in c.value for c in at.caption), [c.value for c in at.caption]
