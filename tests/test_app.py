"""The app's pages through Streamlit's AppTest: widgets → library calls → what is shown."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from conftest import APP, TIMEOUT, scatter_spec, texts
from streamlit.testing.v1 import AppTest

from hiddenrep.ui import jobs
from hiddenrep.ui import state



@pytest.fixture
def runs_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("HIDDENREP_RUNS", str(tmp_path))
    return tmp_path


def _wait_for_jobs(at: AppTest) -> list[jobs.TrainingJob]:
    started = [jobs.get_job(pid) for pid in at.session_state[state.JOB_PIDS]]
    for job in started:
        job.process.wait(timeout=TIMEOUT)
    return started


def test_no_runs_reads_as_help_and_one_click_trains_the_default_run(runs_dir, monkeypatch):
    from hiddenrep.ui import widgets

    monkeypatch.setitem(widgets.DEFAULT_RUN, "dataset", "synthetic")
    monkeypatch.setitem(widgets.DEFAULT_RUN, "epochs", 1)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert "No runs yet" in texts(at) and "hiddenrep train" in texts(at)
    at.button[0].click().run()
    (job,) = _wait_for_jobs(at)
    assert job.options["dataset"] == "synthetic" and job.returncode == 0, job.log()
    # A fresh session: AppTest re-runs only the page script after the first run, not the router.
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert at.sidebar.selectbox[0].value == job.run_id()  # the new run is picked for every page


def test_train_page_shows_the_dataset_and_trains_in_the_background(runs_dir):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("app_pages/train.py").run()
    assert not at.exception
    dataset = next(s for s in at.selectbox if s.label == "Dataset")
    dataset.set_value("synthetic").run()
    assert "600" in [m.value for m in at.metric][0] and "known flipped labels" in texts(at)
    assert at.dataframe[0].value["text"].str.len().gt(0).all()  # a few examples are shown
    inputs = {n.label: n for n in at.number_input}
    inputs["Epochs"].set_value(2)
    inputs["Hidden size (the recorded layer)"].set_value(8)
    at.button[0].click().run()
    assert "Training ffnn on synthetic" in texts(at) or "Preparing ffnn on synthetic" in str(
        [p.proto.text for p in at.get("progress")])
    (job,) = _wait_for_jobs(at)
    assert job.returncode == 0, job.log()
    at.run()
    assert f"Trained `{job.run_id()}`" in texts(at)
    assert job.run().config["epochs"] == 2 and job.run().config["hidden"] == 8


def test_explore_shows_controls_quality_and_suspects(explore, tiny_run):
    at = explore
    assert at.sidebar.selectbox[0].value == tiny_run.id
    assert {s.label for s in at.selectbox} >= {"Projection", "Stability", "Colour by"}
    assert "4 checkpoints" in texts(at)  # 300 points × 4 checkpoints
    assert "Click a point" in texts(at)  # the neighbour table's empty state reads as help
    suspects = at.dataframe[0].value
    assert list(suspects.columns)[:4] == ["text", "given label", "predicted", "why suspect"] and len(suspects) == 50
    assert "quality" not in str(at.dataframe[0].proto)  # no rank score drawn as a progress bar


def test_explore_a_picked_example_opens_its_neighbours(explore, tiny_run):
    at = explore
    example = tiny_run.examples()["example_id"].iloc[7]
    # what a chart click does (the component's value cannot be produced without a browser)
    at.session_state[state.EXAMPLE_ID] = example
    at.session_state[state.FRAME] = 1
    at.run()
    assert f"Neighbours of `{example}` at epoch 1" in texts(at)
    (table,) = [h.proto.body for h in at.get("html") if "hr-neighbours" in h.proto.body]
    rows = re.findall(r'<tr class="(\w*)" title=', table)
    assert rows[0] == "itself" and example in table.split("</tr>")[1]  # the clicked example heads the table
    assert len(rows) - rows.count("left") == 11 and set(rows) <= {"itself", "", "left"} and "None" not in table


def test_explore_colours_by_neighbourhood_change_after_its_background_work(explore, tiny_run):
    from hiddenrep.ui.jobs import neighborhood_task

    at = explore
    next(s for s in at.selectbox if s.label == "Colour by").set_value("neighbourhood change").run()
    names = tuple(c.name for c in tiny_run.checkpoints)
    change = neighborhood_task(tiny_run.path.parent, tiny_run.id, names).result()
    assert change.shape == (len(names), len(tiny_run.examples()))
    at.run()
    assert not at.exception and not at.error, (at.exception, at.error)
    assert "4 checkpoints" in texts(at)  # the chart is drawn
    # ... and coloured by what was chosen: each frame's colour column is that frame's neighbourhood change
    spec = scatter_spec(at)
    by_id = dict(zip(tiny_run.examples()["example_id"], change.T))
    drawn = np.array([[row[f"c{t}"] for t in range(len(names))] for row in spec["rows"]])
    expected = np.array([by_id[row["example_id"]] for row in spec["rows"]])
    np.testing.assert_allclose(drawn, np.round(expected, 2), atol=1e-6)
    assert drawn[:, 1:].std() > 0  # not a constant colour
    assert "neighbours new since previous checkpoint" in json.dumps(spec)  # the legend names it


def test_explore_filters_that_leave_nothing_say_how_to_fix_it(explore):
    at = explore
    at.text_input[0].set_value("no example contains this").run()
    assert "No point matches the filters" in "\n".join(w.value for w in at.warning)
