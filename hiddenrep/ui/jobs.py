"""Background work for the app: training in a subprocess, projections and scores on worker threads.

This is the Streamlit side's glue (it lives in ``ui``, the app layer): the library itself runs in the
foreground and reports progress through callbacks and the run store; nothing outside ``ui`` and the pages
imports this module.

Training never runs inside the app's process: a click or a rerun cannot kill it, two browser sessions
train side by side, and the run store is the only channel back (the app polls it): progress is the
manifest's ``progress`` (the training loop writes it about once a second), failure is the exit status plus
the failed run's recorded error (or the CLI's ``hiddenrep: error:`` line when it failed before creating
one). The log is only shown, never parsed for state, except the id the CLI prints when it reused a
complete run. Cancelling sends SIGINT, which the CLI turns into a run marked ``cancelled``.

Projections and scores run on two worker threads (started on first use, not at import; hiddenrep.reduce
serialises UMAP, which is not thread-safe), survive reruns, are keyed by the run's identity (id +
creation time) and report (done, total) as they go. The task table is bounded: it keeps every running
task and the :data:`KEEP_FINISHED` most recently asked-for finished ones (an LRU), so the server does not
hold every projection it ever made. Nothing here imports torch.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..store import FAILED, Run, RunStore

_FINAL_LINE = re.compile(r"^run (\S+): ", re.MULTILINE)  # the CLI's last line, e.g. naming a reused run
_CLI_ERROR = "hiddenrep: error:"
_JOBS: dict[int, "TrainingJob"] = {}  # every job this process started, by pid (shared by all sessions)


@dataclass(eq=False)
class TrainingJob:
    """One ``hiddenrep train`` subprocess and where it writes."""

    process: subprocess.Popen
    runs_dir: Path
    log_path: Path
    options: dict
    started_at: float = field(default_factory=time.time)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        return self.process.poll()

    @property
    def running(self) -> bool:
        return self.returncode is None

    def log(self) -> str:
        try:
            return self.log_path.read_text("utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def _written(self) -> Run | None:
        """The run this process created (while a retrain writes it beside the old one, that successor).

        A words run (``<run>.words``, written by the same process) is its companion, never the job's run.
        """
        written = RunStore(self.runs_dir).written_by(self.pid, since=self.started_at - 1)
        return next((run for run in written if not run.manifest.get("words_of")), None)

    def run_id(self) -> str | None:
        """The run this job writes, or the id the CLI printed (a reused complete run)."""
        written = self._written()
        if written is not None:
            return written.manifest["run_id"]
        found = _FINAL_LINE.findall(self.log())
        return found[-1] if found else None

    def run(self) -> Run | None:
        """The run as this job has written it so far (the successor during a retrain), or the reused one."""
        written = self._written()
        if written is not None:
            return written
        run_id = self.run_id()
        return RunStore(self.runs_dir).open(run_id) if run_id else None

    def last_message(self) -> str | None:
        """The CLI's latest line, shown (not parsed) before training starts (e.g. which package it fetches)."""
        lines = [line.strip() for line in re.split(r"[\r\n]", self.log()) if line.strip()]
        return lines[-1] if lines else None

    def steps(self) -> tuple[int, int] | None:
        """(done, total) optimiser steps from the run's manifest, once training has started."""
        run = self.run()
        progress = run.manifest.get("progress") if run is not None else None
        return (progress["step"], progress["total_steps"]) if progress else None

    def error(self) -> str | None:
        """Why the job failed (None while it runs, when it succeeded or was cancelled): the failed run's
        recorded error, else the CLI's error line, else the log's last line or the exit code."""
        if self.returncode in (None, 0, 130):
            return None
        run = self.run()
        if run is not None and run.status == FAILED and run.manifest.get("error"):
            return run.manifest["error"]
        lines = [line.strip() for line in self.log().splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith(_CLI_ERROR)]
        return (errors or lines or [f"exit code {self.returncode}"])[-1]

    def cancel(self) -> None:
        """SIGINT: the CLI stops at the next step and marks the run cancelled."""
        if self.running:
            self.process.send_signal(signal.SIGINT)


def start_training(runs_dir: str | os.PathLike, **options) -> TrainingJob:
    """Start ``hiddenrep train`` with ``options`` (dataset=..., epochs=..., every_steps=...) in the background."""
    runs_dir = Path(runs_dir)
    logs = runs_dir / ".jobs"
    logs.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "hiddenrep.cli", "train", "--runs-dir", str(runs_dir)]
    for name, value in options.items():
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            command += [flag] if value else []
        else:
            command += [flag, str(value)]
    log_path = logs / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{len(_JOBS)}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"})
    job = TrainingJob(process, runs_dir, log_path, dict(options))
    _JOBS[job.pid] = job
    return job


def get_job(pid: int) -> TrainingJob | None:
    """A job this process started, by pid (None after a server restart)."""
    return _JOBS.get(pid)


def jobs_for(runs_dir: str | os.PathLike) -> list[TrainingJob]:
    """Every job this server started on ``runs_dir``, oldest first, whichever browser session started it.

    hiddenrep is a local tool: the jobs belong to the runs directory, not to a browser tab, so a reload
    (a new session) still shows them.
    """
    root = Path(runs_dir).resolve()
    return [job for job in _JOBS.values() if job.runs_dir.resolve() == root]


_FIRST_RUN_TRIED: set[Path] = set()


def start_first_run(runs_dir: str | os.PathLike, **options) -> TrainingJob | None:
    """Train ``options`` when ``runs_dir`` holds no run yet: once per server process and directory, so a
    first run that fails or is deleted is reported, not restarted on every page view. None when not started."""
    root = Path(runs_dir).resolve()
    with _LOCK:
        if root in _FIRST_RUN_TRIED or RunStore(root).list():
            return None
        _FIRST_RUN_TRIED.add(root)
        return start_training(root, **options)


@dataclass(eq=False)
class Task:
    """Work on the worker threads; ``progress`` is (done, total) when the work reports it."""

    key: tuple
    future: Future
    progress: tuple[int, int] = (0, 0)

    @property
    def done(self) -> bool:
        return self.future.done()

    @property
    def error(self) -> BaseException | None:
        """What the work raised, once it is done; None while it runs or when it succeeded."""
        return self.future.exception() if self.future.done() else None

    def result(self):
        """The work's result; raises what the work raised."""
        return self.future.result()


KEEP_FINISHED = 16  # finished tasks kept (least recently asked-for dropped first); running ones always stay
_TASKS: OrderedDict[tuple, Task] = OrderedDict()  # oldest request first
_WORKERS: ThreadPoolExecutor | None = None  # started by the first task
_LOCK = threading.Lock()


class _DaemonWorker:
    """One daemon thread that runs submitted work in order. A server that exits does not wait for it
    (a ThreadPoolExecutor's threads are joined at exit); what it writes is written atomically."""

    def __init__(self, name: str):
        self.name, self.queue, self.thread, self.lock = name, queue.SimpleQueue(), None, threading.Lock()

    def submit(self, work, *args) -> Future:
        future = Future()
        self.queue.put((future, work, args))
        with self.lock:
            if self.thread is None:
                self.thread = threading.Thread(target=self._serve, name=self.name, daemon=True)
                self.thread.start()
        return future

    def _serve(self) -> None:
        while True:
            future, work, args = self.queue.get()
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(work(*args))
                except BaseException as error:  # noqa: BLE001 - handed to whoever reads the task
                    future.set_exception(error)


# The neighbour index takes minutes per checkpoint at 100k points: it gets a thread of its own, so a
# projection or a colouring asked for meanwhile never queues behind it.
_INDEX_WORKER = _DaemonWorker("hiddenrep-index")


def _workers() -> ThreadPoolExecutor:
    global _WORKERS
    if _WORKERS is None:
        _WORKERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="hiddenrep-worker")
    return _WORKERS


def shared_task(key: tuple, work, workers=None) -> Task:
    """The task for ``key``: started on first request, then shared by every session asking the same
    question. ``work(report)`` gets a progress callback. One that failed stays failed, so the page can
    show its error (rather than a fresh progress bar, forever) until the user asks for :func:`retry`.
    Past :data:`KEEP_FINISHED` finished tasks, the least recently asked-for one is forgotten (asking
    again recomputes it; projections come back from reduce's disk cache)."""
    with _LOCK:
        task = _TASKS.get(key)
        if task is not None:
            _TASKS.move_to_end(key)
            return task
        task = Task(key, Future())

        def report(done: int, total: int) -> None:
            task.progress = (done, total)

        task.future = (workers or _workers()).submit(work, report)
        _TASKS[key] = task
        finished = [k for k, t in _TASKS.items() if t.done]
        for old in finished[:max(0, len(finished) - KEEP_FINISHED)]:
            del _TASKS[old]
        return task


def retry(task: Task) -> None:
    """Forget a failed task, so the next :func:`shared_task` for its key starts the work again."""
    with _LOCK:
        if _TASKS.get(task.key) is task and task.error is not None:
            del _TASKS[task.key]


def projection_task(runs_dir: str | os.PathLike, run_id: str, checkpoints: tuple[str, ...], **options) -> Task:
    """``project_run`` of ``checkpoints`` with ``options`` (method=, mode=, ...) in the background."""

    def work(report):
        from ..reduce import project_run

        return project_run(RunStore(runs_dir).open(run_id), checkpoints=list(checkpoints), progress=report,
                           **options)

    key = ("projection", *_run_key(runs_dir, run_id), tuple(checkpoints), tuple(sorted(options.items())))
    return shared_task(key, work)


def _run_key(runs_dir: str | os.PathLike, run_id: str) -> tuple:
    """Where and which run: its id plus creation time, so a run replaced under one id is another task."""
    try:
        identity = RunStore(runs_dir).open(run_id).identity
    except (LookupError, ValueError):
        identity = None  # the task itself then fails with the store's message
    return str(Path(runs_dir).resolve()), run_id, identity


def neighborhood_task(runs_dir: str | os.PathLike, run_id: str, checkpoints: tuple[str, ...]) -> Task:
    """``neighborhood_change`` of a run's ``checkpoints`` (every example) in the background."""

    def work(report):
        from ..analysis import neighborhood_change

        return neighborhood_change(RunStore(runs_dir).open(run_id), list(checkpoints), progress=report)

    return shared_task(("neighborhood", *_run_key(runs_dir, run_id), checkpoints), work)


# Page runs in progress. The neighbour index of a 100k-point run takes ~45 s of both cores per checkpoint, for
# minutes after the run is opened; a click's rerun that shares the cores (and the GIL) with it took 2x as
# long (bench/scale.py). So the build waits between its blocks of rows while any page runs, and for
# BROWSER_GRACE seconds after: the browser is still drawing what the rerun sent (~0.3 s of a click's second).
_PAGES_RUNNING = 0
_LAST_PAGE_END = float("-inf")
_PAGES = threading.Condition()
GIVE_WAY_AT_MOST = 10.0  # seconds the build waits at one block: pages that never stop running cannot stall it
BROWSER_GRACE = 1.0


@contextmanager
def page_running():
    """Around a page run (the router wraps every rerun in it): background index building gives way meanwhile."""
    global _PAGES_RUNNING, _LAST_PAGE_END
    with _PAGES:
        _PAGES_RUNNING += 1
    try:
        yield
    finally:
        with _PAGES:
            _PAGES_RUNNING -= 1
            _LAST_PAGE_END = time.monotonic()
            _PAGES.notify_all()


def give_way() -> None:
    """Wait until no page is running and none ended in the last :data:`BROWSER_GRACE` seconds (at most
    :data:`GIVE_WAY_AT_MOST` seconds in all)."""
    deadline = time.monotonic() + GIVE_WAY_AT_MOST
    with _PAGES:
        while (now := time.monotonic()) < deadline:
            if _PAGES_RUNNING:
                _PAGES.wait(deadline - now)
            elif (rest := _LAST_PAGE_END + BROWSER_GRACE - now) > 0:
                _PAGES.wait(min(rest, deadline - now))
            else:
                return


def neighbor_index_task(runs_dir: str | os.PathLike, run_id: str, checkpoints: tuple[str, ...]) -> Task:
    """The stored neighbour index of each of ``checkpoints``, newest first, in the background (a click's
    table reads it; :func:`hiddenrep.analysis.neighbors.stored_neighbors`), giving way to page runs."""

    def work(report):
        from ..analysis.neighbors import build_neighbor_index

        return build_neighbor_index(RunStore(runs_dir).open(run_id), list(checkpoints), progress=report,
                                    pause=give_way)

    return shared_task(("neighbor_index", *_run_key(runs_dir, run_id), checkpoints), work, _INDEX_WORKER)


def label_issues_task(runs_dir: str | os.PathLike, run_id: str, n_checkpoints: int) -> Task:
    """``label_issues`` of a run (as of its first ``n_checkpoints``) in the background."""

    def work(report):
        from ..analysis import label_issues

        return label_issues(RunStore(runs_dir).open(run_id), checkpoint=n_checkpoints - 1)

    return shared_task(("label_issues", *_run_key(runs_dir, run_id), n_checkpoints), work)
