"""Widgets shared by the pages: the run picker, empty states, a training job's live panel."""

from __future__ import annotations

import json
import os

import streamlit as st

from ..store import COMPLETE, RUNNING, DamagedRunError, Run, RunNotFoundError
from ..training import TrainConfig
from . import jobs, state
from .data import store

TRAIN_DEFAULTS = TrainConfig()  # the widgets' defaults are the library's
DEFAULT_RUN = {"dataset": TRAIN_DEFAULTS.dataset, "model": TRAIN_DEFAULTS.model, "epochs": TRAIN_DEFAULTS.epochs}
DEFAULT_RUN_LABEL = "{dataset}, {model}, {epochs} epochs".format(**DEFAULT_RUN)
# Measured with bench/first_start.py (README "Two commands"): what the default run costs, said plainly.
DEFAULT_RUN_TIME = ("1,320 training steps on 2 CPU cores: on a quiet machine the first checkpoint (the first "
                    "picture) came 13 s after the start, data fetch included, and the trained run after 21 s; "
                    "on cores shared with other work it takes as many times longer as the machine is loaded")

METHODS = {"PCA": "pca", "t-SNE": "tsne", "UMAP": "umap"}
# Each stability mode and its trade-off, in one line (README "Defaults and why" has the figures).
MODE_LABELS = {
    "joint-pca": "one PCA basis for all checkpoints: motion you can trust, coarse neighbourhoods",
    "budget": "motion budget: a point moves on screen as far as the model moved it; frames stream in last first",
    "anchored": "anchored: a point moves when its hidden neighbours changed; neighbourhoods kept",
    "warm": "warm-started from the previous checkpoint: quicker, but much of the motion is the layout's",
    "aligned": "AlignedUMAP, fitted jointly: steady, but ~7x slower",
    "procrustes": "each alone, rotated onto the previous: best neighbourhoods, motion mostly noise",
    "independent": "each alone (unstable; for comparison)",
}


FADE_LABEL = "Fade unmoved points"
FADE_HELP = ("Draw faint the points whose hidden neighbourhood did not change since the previous checkpoint "
             "(at most 2 of their 10 nearest neighbours are new), so the eye goes to what the model moved.")


def projection_controls(column_method, column_mode) -> tuple[str, str]:
    """The method and stability-mode pickers every projection page shows; returns (method, mode)."""
    from ..reduce import MODES

    method = METHODS[column_method.selectbox("Projection", list(METHODS))]
    return method, column_mode.selectbox("Stability", MODES[method], format_func=MODE_LABELS.get)


def _run_label(run: Run) -> str:
    acc = run.checkpoints[-1].metrics.get("validation_acc") if run.checkpoints else None
    shown = f", val acc {acc:.2f}" if acc is not None else ""
    return f"{run.id} ({run.status}, {len(run.checkpoints)} checkpoints{shown})"


def _runs_signature(runs: list[Run]) -> tuple:
    return tuple((run.id, run.status) for run in runs)


def _adopt_finished_jobs(runs: dict[str, Run]) -> None:
    """Select the run of a job this session started once that job has finished (once per job)."""
    adopted = st.session_state.setdefault(state.ADOPTED_JOBS, [])
    for pid in st.session_state.get(state.JOB_PIDS, []):
        job = jobs.get_job(pid)
        if job is None or job.running or pid in adopted:
            continue
        adopted.append(pid)
        if job.run_id() in runs:
            st.session_state[state.NEXT_RUN_ID] = job.run_id()


def run_picker() -> Run | None:
    """Sidebar select box over the store's runs (newest first); the choice is shared by every page.

    It watches the store: a run that appears or changes status (finished, failed) redraws the app, and
    a run this session trained is selected when it finishes. Damaged runs are listed under the picker
    with their reason and cannot be chosen. A chosen run whose arrays turn out damaged stops the page
    with a message saying which checkpoint and what to do; every other run keeps working.
    """
    readable, damaged = store().scan()
    _watch_runs(_runs_signature(readable))
    runs = {run.id: run for run in readable}
    if damaged:
        with st.sidebar.expander(f"{len(damaged)} damaged run{'s' * (len(damaged) != 1)}", icon=":material/warning:"):
            for bad in damaged:
                st.caption(f"**{bad.id}**: damaged. {bad.reason}")
    if not runs:
        training = any(job.running for job in session_jobs())
        st.sidebar.caption(f"The first run is training into `{store().root}`…" if training
                           else f"No runs yet in `{store().root}`.")
        st.session_state.pop(state.RUN_ID, None)
        return None
    ids = list(runs)
    _adopt_finished_jobs(runs)
    if st.session_state.get(state.NEXT_RUN_ID) in runs:  # a page asked for a new run (e.g. just imported)
        st.session_state[state.RUN_ID] = st.session_state.pop(state.NEXT_RUN_ID)
    if st.session_state.get(state.RUN_ID) not in runs:
        st.session_state[state.RUN_ID] = ids[0]
    chosen = st.sidebar.selectbox("Run", ids, key=state.RUN_ID, format_func=lambda i: _run_label(runs[i]))
    st.sidebar.caption(f"Runs directory: `{store().root}`")
    try:
        runs[chosen].refresh().check()  # headers only: cheap, and damage is named here, not deep in a chart
    except RunNotFoundError:
        st.warning(f"Run `{chosen}` was just deleted or replaced; pick a run in the sidebar.")
        st.session_state.pop(state.RUN_ID, None)
        st.stop()
    except (DamagedRunError, LookupError) as error:
        st.error(f"{error}", icon=":material/broken_image:")
        st.stop()
    return runs[chosen]


def _watch_runs(shown: tuple) -> None:
    @st.fragment(run_every=2.0)
    def watch() -> None:
        if _runs_signature(store().list()) != shown:
            st.rerun(scope="app")

    with st.sidebar:
        watch()


def first_run_options() -> dict | None:
    """What the app trains on first start in an empty runs directory: the default run, unless
    ``$HIDDENREP_FIRST_RUN`` is ``off`` or a JSON object of other train options (tests use a tiny one)."""
    setting = os.environ.get("HIDDENREP_FIRST_RUN", "").strip()
    if setting.lower() == "off":
        return None
    return json.loads(setting) if setting else dict(DEFAULT_RUN)


def first_start() -> None:
    """On an empty runs directory, start training the default run in the background (once per server)."""
    options = first_run_options()
    if options is None:
        return
    job = jobs.start_first_run(store().root, **options)
    if job is not None:
        st.session_state.setdefault(state.JOB_PIDS, []).append(job.pid)


def wait_for_first_run() -> bool:
    """While a job trains into an empty store: say so and redraw the app when its run appears. True then."""
    if not any(job.running for job in session_jobs()):
        return False
    st.info("**Training the first run.** Its first checkpoint (before any training) is drawn here as soon as "
            "it is recorded, and every epoch after it; the panel above shows the progress.")

    @st.fragment(run_every=1.0)
    def watch() -> None:
        if store().list() or not any(job.running for job in session_jobs()):
            st.rerun(scope="app")

    watch()
    return True


def start_job(**options) -> jobs.TrainingJob:
    """Start training in the background and remember it in this browser session."""
    job = jobs.start_training(store().root, **options)
    st.session_state.setdefault(state.JOB_PIDS, []).append(job.pid)
    return job


def no_runs_help() -> None:
    """The empty state: what a run is and two ways to make one."""
    st.info(
        "**No runs yet.** A run is one model trained on one dataset with the hidden representation of "
        "every example recorded at every checkpoint. Make one here (the default: " + DEFAULT_RUN_TIME
        + "), on the **Train** page, or in a terminal: `hiddenrep train --dataset movie-sentences --model ffnn`."
    )
    if st.button(f"Train the default run ({DEFAULT_RUN_LABEL})", type="primary"):
        start_job(**DEFAULT_RUN)
        st.rerun()


def session_jobs() -> list[jobs.TrainingJob]:
    """The training jobs this server started on the runs directory (any tab's: a reload keeps them)."""
    return jobs.jobs_for(store().root)


def job_panel(job: jobs.TrainingJob) -> None:
    """Live status of one job: progress, curves, cancel. Polls every second while it runs."""
    if job.running:
        st.fragment(run_every=1.0)(_job_body)(job, polling=True)
    else:
        _job_body(job, polling=False)


def _job_body(job: jobs.TrainingJob, *, polling: bool) -> None:
    from ..viz import training_curves

    options = job.options
    title = f"{options.get('model', TRAIN_DEFAULTS.model)} on {options.get('dataset', TRAIN_DEFAULTS.dataset)}"
    run = job.run()
    with st.container(border=True):
        if job.running:
            left, right = st.columns([4, 1])
            steps = job.steps()
            if steps and steps[1]:
                left.progress(steps[0] / steps[1], text=f"Training {title}: step {steps[0]} of {steps[1]}")
            else:
                doing = job.last_message() or "loading data and building the model"
                left.progress(0.0, text=f"Preparing {title}: {doing}…")
            if right.button("Cancel", key=f"cancel-{job.pid}"):
                job.cancel()
        elif job.error():
            st.error(f"Training {title} failed: {job.error()}")
        elif run is not None and run.status == COMPLETE:
            reused = run.manifest.get("created_at", 0) < job.started_at - 1
            st.success(f"{'Reused the identical complete run' if reused else 'Trained'} `{run.id}`: "
                       f"{len(run.checkpoints)} checkpoints. Open **Explore** to scrub them.")
        elif run is not None:
            st.warning(f"Run `{run.id}` ended as **{run.status}** ({run.manifest.get('error') or 'no error'}).")
        else:
            st.warning(f"Training {title} stopped before creating a run (exit code {job.returncode}).")
        if run is not None and run.checkpoints and run.checkpoints[-1].metrics:
            st.altair_chart(training_curves(run.metrics()), width="content")
    if polling and not job.running:
        st.rerun(scope="app")  # once: redraw the page (and the run picker) without polling


def running_notice(run: Run) -> None:
    """Tell the user the run is still growing; reruns the page when a checkpoint arrives."""
    if run.status != RUNNING:
        return
    count = len(run.checkpoints)

    @st.fragment(run_every=2.0)
    def watch() -> None:
        now = len(run.refresh().checkpoints)
        st.caption(f":material/hourglass_top: Still training: {now} checkpoints so far; new ones appear here as "
                   "they are recorded.")
        if now != count or run.status != RUNNING:
            st.rerun(scope="app")

    watch()


def task_progress(task: jobs.Task, label: str, *, rerun_when=None) -> None:
    """Live progress of background work; reruns the page when it finishes or ``rerun_when()`` says so."""

    @st.fragment(run_every=1.0)
    def show() -> None:
        done, total = task.progress
        st.progress(done / total if total else 0.0, text=f"{label}: {done} of {total} done…" if total else f"{label}…")
        if task.done or (rerun_when is not None and rerun_when()):
            st.rerun(scope="app")

    show()


def rerun_when_done(task: jobs.Task, text: str) -> None:
    """A caption while ``task`` runs in the background; reruns the page once it is done (no progress bar:
    for work that reports none)."""

    @st.fragment(run_every=1.0)
    def watch() -> None:
        st.caption(f":material/hourglass_top: {text}")
        if task.done:
            st.rerun(scope="app")

    watch()


def task_failed(task: jobs.Task, what: str) -> bool:
    """Show a failed task's error, with a Retry button that starts the work again; True when it failed.

    A failed task stays failed (:func:`hiddenrep.ui.jobs.shared_task`), so the error stays on screen
    instead of a progress bar that restarts on every rerun.
    """
    if task.error is None:
        return False
    st.error(f"{what} failed: {task.error}")
    if st.button("Retry", key=f"retry-{abs(hash(task.key))}", icon=":material/refresh:"):
        jobs.retry(task)
        st.rerun()
    return True


def wait_for_task(task: jobs.Task, label: str, what: str, slot=None) -> None:
    """Until ``task`` has succeeded: its progress (or its error and Retry) in ``slot``, and stop the page."""
    with slot if slot is not None else st.container():
        if not task.done:
            task_progress(task, label)
            st.stop()
        if task_failed(task, what):
            st.stop()


def wait_for_colours(run: Run, checkpoints: tuple[str, ...], color_by: str, slot) -> None:
    """Start the background work a colouring needs; until it is done, show its progress in ``slot`` and stop."""
    if color_by == "label-issue score":
        task, label = (jobs.label_issues_task(store().root, run.id, len(checkpoints)),
                       "Scoring label quality (cleanlab, kNN agreement, training dynamics)")
    elif color_by == "neighbourhood change":
        task, label = (jobs.neighborhood_task(store().root, run.id, checkpoints),
                       "Finding every point's hidden-space neighbours at each checkpoint")
    else:
        return
    wait_for_task(task, label, f"Colouring by {color_by}", slot)


def remember_pick(example_id: str | None, frame: int | None = None) -> None:
    """Make ``example_id`` the example whose neighbours are shown (and ringed in the chart)."""
    st.session_state[state.EXAMPLE_ID] = example_id
    if frame is not None:
        st.session_state[state.FRAME] = int(frame)
    else:
        st.session_state.pop(state.FRAME, None)


def take_clicks() -> None:
    """Adopt a click in any page's epoch scatter before the page runs (the router calls this), so the URL
    and the page links written before the page draws already name the clicked example."""
    for key in (state.SCATTER, state.COMPARE_SCATTER):
        take_click(key)


def take_click(key: str) -> None:
    """Adopt the scatter's newest click (the component's value under ``key``) as the picked example."""
    click = st.session_state.get(key)
    if click and click.get("clicked_at") != st.session_state.get(state.LAST_CLICK):
        st.session_state[state.LAST_CLICK] = click["clicked_at"]
        st.session_state.pop(state.OPEN_AT_FRAME, None)  # the user moved on from the link's checkpoint
        remember_pick(click["example_id"], click["frame"])
