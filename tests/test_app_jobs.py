"""Background training jobs: a real ``hiddenrep train`` subprocess writing to a temporary store."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd

from hiddenrep.store import RunStore
from hiddenrep.ui import jobs
from hiddenrep.ui.jobs import get_job, start_training

TINY = dict(dataset="synthetic", model="ffnn", hidden=8, batch_size=32)


def _wait(condition, timeout=90.0):
    start = time.time()
    while not condition():
        assert time.time() - start < timeout, "timed out waiting for the training subprocess"
        time.sleep(0.2)


def test_two_jobs_train_at_once_and_an_identical_config_is_reused(tmp_path):
    first = start_training(tmp_path, epochs=2, seed=1, **TINY)
    second = start_training(tmp_path, epochs=2, seed=2, **TINY)
    assert first.running and second.running and get_job(first.pid) is first  # side by side
    for job in (first, second):
        job.process.wait(timeout=120)
        assert job.returncode == 0, job.log()
    runs = {job.run_id() for job in (first, second)}
    assert len(runs) == 2 and all(RunStore(tmp_path).open(r).status == "complete" for r in runs)
    assert first.steps() is not None and first.steps()[0] == first.steps()[1]

    again = start_training(tmp_path, epochs=2, seed=1, **TINY)
    again.process.wait(timeout=120)
    assert again.run_id() == first.run_id()  # found from the CLI's last line: nothing was retrained
    assert again.run().manifest["created_at"] < again.started_at


def test_cancel_sends_sigint_and_the_run_is_marked_cancelled(tmp_path):
    job = start_training(tmp_path, epochs=500, **TINY)
    _wait(lambda: job.run() is not None and len(job.run().checkpoints) >= 2)
    job.cancel()
    job.process.wait(timeout=180)  # the next step, then the run is marked: slow only on a crowded machine
    assert job.returncode == 130
    run = job.run()
    assert run.status == "cancelled" and "cancelled at step" in run.manifest["error"]


def test_cancel_works_when_the_app_was_started_with_sigint_ignored(tmp_path, monkeypatch):
    """`nohup hiddenrep app &` starts the server with SIGINT ignored, and its training subprocesses inherit
    that: Cancel (a SIGINT) must still stop them."""
    import signal

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        job = start_training(tmp_path, epochs=500, **TINY)
    finally:
        signal.signal(signal.SIGINT, previous)
    _wait(lambda: job.run() is not None and len(job.run().checkpoints) >= 2)
    job.cancel()
    job.process.wait(timeout=180)
    assert job.returncode == 130 and job.run().status == "cancelled"


def test_a_failing_job_reports_the_cli_error(tmp_path):
    job = start_training(tmp_path, dataset="no-such-dataset", epochs=1)
    job.process.wait(timeout=60)
    assert job.returncode == 2 and "Unknown dataset 'no-such-dataset'" in job.error()
    assert job.run_id() is None


class _Exited:
    """Stands in for the subprocess of a job that wrote from this very process and exited with ``code``."""

    pid = os.getpid()

    def __init__(self, code: int):
        self.code = code

    def poll(self):
        return self.code


def _tiny_run(store: RunStore, run_id: str):
    examples = pd.DataFrame({"example_id": ["a", "b", "c"], "split": "train", "text": ["a", "b", "c"],
                             "label": [0, 1, 0], "label_name": ["x", "y", "x"]})
    dataset = {"name": "tiny", "class_names": ["x", "y"], "multilabel": False, "modality": "text",
               "n_train": 3, "n_validation": 0}
    return store.create(run_id, examples=examples, config={}, seed=0, dataset=dataset, model={"name": "m"})


def test_progress_and_failure_are_read_from_the_run_not_the_log(tmp_path):
    started = time.time()
    writer = _tiny_run(RunStore(tmp_path), "failing")
    writer.progress(3, 10)
    log = tmp_path / "log"
    log.write_text("ValueError: a line that looks like an error\n 7/10 [00:01<00:00]\nsomething else\n")
    job = jobs.TrainingJob(_Exited(1), Path(tmp_path), log, {}, started_at=started)
    assert job.steps() == (3, 10)  # the manifest's, not the progress-bar text's 7/10
    writer.finish("failed", error="RuntimeError: the loss became NaN")
    assert job.error() == "RuntimeError: the loss became NaN"
    log.write_text("hiddenrep: error: Unknown dataset 'x'\nTraceback: Error somewhere later\n")
    assert jobs.TrainingJob(_Exited(2), Path(tmp_path / "empty"), log, {}).error() \
        == "hiddenrep: error: Unknown dataset 'x'"
    assert jobs.TrainingJob(_Exited(0), Path(tmp_path), log, {}, started_at=started).error() is None


def test_progress_is_written_at_most_once_a_second_and_always_at_the_end(tmp_path):
    writer = _tiny_run(RunStore(tmp_path), "steps")
    read = lambda: RunStore(tmp_path).open("steps").manifest.get("progress")  # noqa: E731
    writer.progress(1, 10)
    writer.progress(2, 10)
    assert read() == {"step": 1, "total_steps": 10}
    writer.progress(10, 10)
    assert read() == {"step": 10, "total_steps": 10}


def test_no_worker_thread_before_the_first_task():
    code = ("import threading, hiddenrep.ui.jobs as jobs\n"
            "assert jobs._WORKERS is None, 'a thread pool at import time'\n"
            "assert not [t for t in threading.enumerate() if t.name.startswith('hiddenrep-worker')]\n"
            "assert jobs.shared_task(('t',), lambda report: 1).result() == 1 and jobs._WORKERS is not None\n")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)


def test_the_task_table_keeps_running_tasks_and_the_most_recently_asked_finished(monkeypatch):
    monkeypatch.setattr(jobs, "KEEP_FINISHED", 2)
    monkeypatch.setattr(jobs, "_TASKS", type(jobs._TASKS)())
    release = threading.Event()
    running = jobs.shared_task(("lru", "running"), lambda report: release.wait(60))
    done = [jobs.shared_task(("lru", i), lambda report, i=i: i) for i in range(3)]
    for task in done:
        task.result()
    jobs.shared_task(("lru", 0), lambda report: "again")  # asked again: now the most recent
    jobs.shared_task(("lru", "last"), lambda report: "last").result()
    jobs.shared_task(("lru", "trigger"), lambda report: "t").result()
    kept = set(jobs._TASKS)
    assert ("lru", "running") in kept and not running.done
    assert ("lru", 1) not in kept and ("lru", 2) not in kept  # the least recently asked-for went first
    assert len([k for k in kept if jobs._TASKS[k].done]) <= 3  # the newest task may finish after the pruning
    release.set()
