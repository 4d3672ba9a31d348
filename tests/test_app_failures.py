"""A background task that fails shows its error once, with Retry, on every page that waits for one."""

from __future__ import annotations

import shutil
import threading

import pytest
from streamlit.testing.v1 import AppTest
from conftest import PAGES, components, settle, texts

import hiddenrep.reduce
from hiddenrep.ui import jobs
from hiddenrep.ui import state


def test_a_failed_task_stays_failed_until_retried():
    calls = []

    def work(report):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("disk full")
        return "done"

    key = ("test-failure", id(calls))
    first = jobs.shared_task(key, work)
    with pytest.raises(RuntimeError):
        first.result()
    assert str(first.error) == "disk full"
    again = jobs.shared_task(key, work)
    assert again is first and len(calls) == 1  # not restarted behind the error's back
    jobs.retry(first)
    fresh = jobs.shared_task(key, work)
    assert fresh is not first and fresh.result() == "done" and fresh.error is None
    jobs.retry(fresh)  # a task that succeeded is never forgotten
    assert jobs.shared_task(key, work) is fresh


@pytest.fixture
def failing_projection(monkeypatch):
    """project_run raises until the returned event is set."""
    real, healed = hiddenrep.reduce.project_run, threading.Event()

    def project_run(*args, **kwargs):
        if not healed.is_set():
            raise RuntimeError("projection exploded")
        return real(*args, **kwargs)

    monkeypatch.setattr(hiddenrep.reduce, "project_run", project_run)
    return healed


def _page(name: str, run_id: str) -> AppTest:
    at = AppTest.from_file(str(PAGES / name), default_timeout=120)
    at.session_state[state.RUN_ID] = run_id
    return at.run()


def _retry(at: AppTest):
    return next(b for b in at.button if b.label == "Retry")


def test_explore_shows_a_failed_projection_once_and_retry_recovers(tiny_run, tmp_path, monkeypatch,
                                                                   failing_projection):
    shutil.copytree(tiny_run.path, tmp_path / tiny_run.id)  # a fresh store: no projection cached for it
    monkeypatch.setenv("HIDDENREP_RUNS", str(tmp_path))
    at = settle(_page("explore.py", tiny_run.id), lambda a: a.error)
    assert "projection failed: projection exploded" in at.error[0].value
    at.run()  # a rerun keeps the error on screen; before, it started a fresh task and showed progress again
    assert "projection exploded" in at.error[0].value and not at.get("progress")
    failing_projection.set()
    _retry(at).click().run()
    at = settle(at, lambda a: components(a))
    assert not at.error


def test_words_checks_for_a_failed_projection(words_store, failing_projection):  # noqa: F811
    at = settle(_page("words.py", words_store), lambda a: a.error)
    assert "projection of the words failed: projection exploded" in at.error[0].value
    failing_projection.set()
    _retry(at).click().run()
    assert not settle(at, lambda a: components(a)).error


def test_compare_checks_for_a_failed_projection(tiny_run, tiny_text, tiny_config, tmp_path, monkeypatch,
                                                failing_projection):
    from hiddenrep.store import RunStore
    from hiddenrep.training import train

    shutil.copytree(tiny_run.path, tmp_path / tiny_run.id)
    train(tiny_config, tiny_text, store=RunStore(tmp_path), seed=1)
    monkeypatch.setenv("HIDDENREP_RUNS", str(tmp_path))
    at = settle(_page("compare.py", tiny_run.id), lambda a: a.error)
    assert "projection failed: projection exploded" in at.error[0].value and "Retry" in [b.label for b in at.button]
    assert "Projecting" not in texts(at)
