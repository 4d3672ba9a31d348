"""First start and the job panel: an empty runs directory trains the default run without a click; jobs
outlive a reload; a finished job's run is selected; a words companion never stands in for the job's run."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest
from conftest import APP, TIMEOUT, settle, texts

from hiddenrep.ui import jobs
from hiddenrep.store import RunStore
from hiddenrep.ui import state

TINY_FIRST_RUN = {"dataset": "synthetic", "model": "ffnn", "epochs": 1, "hidden": 8}


def _wait(job: jobs.TrainingJob) -> None:
    job.process.wait(timeout=TIMEOUT)
    assert job.returncode == 0, job.log()


def test_an_empty_runs_directory_trains_the_default_run_without_a_click(tmp_path, monkeypatch):
    monkeypatch.setenv("HIDDENREP_RUNS", str(tmp_path))
    monkeypatch.setenv("HIDDENREP_FIRST_RUN", json.dumps(TINY_FIRST_RUN))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    (pid,) = at.session_state[state.JOB_PIDS]
    job = jobs.get_job(pid)
    assert job.options == TINY_FIRST_RUN
    assert "No runs yet" not in texts(at)  # no button to press: it is already training
    # A second browser session (or a reload) starts nothing more and still sees the job.
    again = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert state.JOB_PIDS not in again.session_state or not again.session_state[state.JOB_PIDS]
    assert [j.pid for j in jobs.jobs_for(tmp_path)] == [pid]
    _wait(job)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[state.JOB_PIDS] = [pid]
    at.run()
    assert at.sidebar.selectbox[0].value == job.run_id()
    settle(at, lambda a: a.main.get("component_instance"))  # Explore draws the trained run


def test_first_start_is_tried_once_and_never_over_existing_runs(tiny_run, tmp_path, monkeypatch):
    shutil.copytree(tiny_run.path, tmp_path / tiny_run.id)
    assert jobs.start_first_run(tmp_path, **TINY_FIRST_RUN) is None  # runs exist: nothing to do
    empty = tmp_path / "empty"
    monkeypatch.setattr(jobs, "start_training", lambda runs_dir, **options: ("started", options))
    assert jobs.start_first_run(empty, **TINY_FIRST_RUN) == ("started", TINY_FIRST_RUN)
    assert jobs.start_first_run(empty, **TINY_FIRST_RUN) is None  # once: a failed first run is not retried


def test_a_reload_keeps_the_jobs_and_a_finished_job_selects_its_run(tiny_run, tmp_path, monkeypatch):
    shutil.copytree(tiny_run.path, tmp_path / tiny_run.id)
    monkeypatch.setenv("HIDDENREP_RUNS", str(tmp_path))
    job = jobs.start_training(tmp_path, **TINY_FIRST_RUN)
    _wait(job)
    # The session that started it, with the old run still selected in the sidebar:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[state.JOB_PIDS] = [job.pid]
    at.session_state[state.RUN_ID] = tiny_run.id
    at.run()
    assert not at.exception
    assert at.sidebar.selectbox[0].value == job.run_id()  # before: the old run stayed selected
    adopted = list(at.session_state[state.ADOPTED_JOBS])
    later = AppTest.from_file(APP, default_timeout=TIMEOUT)  # the user picked the old run again, later
    later.session_state[state.JOB_PIDS], later.session_state[state.ADOPTED_JOBS] = [job.pid], adopted
    later.session_state[state.RUN_ID] = tiny_run.id
    later.run()
    assert later.sidebar.selectbox[0].value == tiny_run.id  # adopted once: the user's own choice then holds
    # A reload is a new session: "Your training jobs" still lists the job.
    reloaded = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    reloaded.switch_page("app_pages/train.py").run()
    assert f"Trained `{job.run_id()}`" in texts(reloaded)


class _Finished:
    """Stands in for the subprocess of a job that wrote from this very process."""

    pid = os.getpid()

    def poll(self):
        return 0


def test_the_job_follows_its_run_not_the_words_companion(tmp_path):
    store = RunStore(tmp_path)
    examples = pd.DataFrame({"example_id": ["a", "b"], "split": "train", "text": ["a", "b"], "label": [0, 1],
                             "label_name": ["x", "y"]})
    dataset = {"name": "words", "class_names": ["x", "y"], "multilabel": False, "modality": "text",
               "n_train": 2, "n_validation": 0}
    model = {"name": "ffnn", "hidden_layer": "hidden"}
    started = time.time()
    main = store.create("main-run", examples=examples, config={}, seed=0, dataset=dataset, model=model)
    with main.checkpoint(epoch=0, step=0) as checkpoint:
        checkpoint.write("hidden", np.zeros((2, 2), np.float32))
    main.finish()
    time.sleep(0.01)
    words = store.create("main-run.words", examples=examples, words_of="main-run", config={}, seed=0,
                         dataset=dataset, model=model)
    words.finish()
    job = jobs.TrainingJob(_Finished(), Path(tmp_path), tmp_path / "log", {}, started_at=started)
    assert job.run_id() == "main-run"  # before: the newest run with the job's pid, the .words companion
