"""Background training jobs: a real ``hiddenrep train`` subprocess writing to a temporary store."""

from __future__ import annotations

import time

from hiddenrep.ui.jobs import get_job, start_training
from hiddenrep.store import RunStore

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
    job.process.wait(timeout=60)
    assert job.returncode == 130
    run = job.run()
    assert run.status == "cancelled" and "cancelled at step" in run.manifest["error"]


def test_a_failing_job_reports_the_cli_error(tmp_path):
    job = start_training(tmp_path, dataset="no-such-dataset", epochs=1)
    job.process.wait(timeout=60)
    assert job.returncode == 2 and "Unknown dataset 'no-such-dataset'" in job.error()
    assert job.run_id() is None
