"""Widgets shared by the pages: the run picker, empty states, a training job's live panel."""

from __future__ import annotations

import streamlit as st

from .. import jobs
from ..data import DEFAULT_DATASET
from ..store import COMPLETE, RUNNING, Run
from . import state
from .data import store

DEFAULT_RUN = {"dataset": DEFAULT_DATASET, "model": "ffnn", "epochs": 10}

METHODS = {"PCA": "pca", "t-SNE": "tsne", "UMAP": "umap"}
# Each stability mode and its trade-off, in one line (README "Defaults and why" has the figures).
MODE_LABELS = {
    "joint-pca": "one PCA basis for all checkpoints: motion you can trust, coarse neighbourhoods",
    "anchored": "anchored: a point moves when its hidden neighbours changed; neighbourhoods kept",
    "warm": "warm-started from the previous checkpoint: fast, but much of the motion is the layout's",
    "aligned": "AlignedUMAP, fitted jointly: steady, but ~7x slower",
    "procrustes": "each alone, rotated onto the previous: best neighbourhoods, motion mostly noise",
    "independent": "each alone (unstable; for comparison)",
}


FADE_LABEL = "Fade points the model did not move"
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


def run_picker() -> Run | None:
    """Sidebar select box over the store's runs (newest first); the choice is shared by every page."""
    runs = {run.id: run for run in store().list()}
    if not runs:
        st.sidebar.caption(f"No runs yet in `{store().root}`.")
        return None
    ids = list(runs)
    if st.session_state.get(state.NEXT_RUN_ID) in runs:  # a page asked for a new run (e.g. just imported)
        st.session_state[state.RUN_ID] = st.session_state.pop(state.NEXT_RUN_ID)
    if st.session_state.get(state.RUN_ID) not in runs:
        st.session_state[state.RUN_ID] = ids[0]
    chosen = st.sidebar.selectbox("Run", ids, key=state.RUN_ID, format_func=lambda i: _run_label(runs[i]))
    st.sidebar.caption(f"Runs directory: `{store().root}`")
    return runs[chosen]


def start_job(**options) -> jobs.TrainingJob:
    """Start training in the background and remember it in this browser session."""
    job = jobs.start_training(store().root, **options)
    st.session_state.setdefault(state.JOB_PIDS, []).append(job.pid)
    return job


def no_runs_help() -> None:
    """The empty state: what a run is and two ways to make one."""
    st.info(
        "**No runs yet.** A run is one model trained on one dataset with the hidden representation of "
        "every example recorded at every checkpoint. Make one here (about 10 s for the default), on the "
        "**Train** page, or in a terminal: `hiddenrep train --dataset movie-sentences --model ffnn`."
    )
    if st.button("Train the default run (movie-sentences, ffnn, 10 epochs)", type="primary"):
        start_job(**DEFAULT_RUN)
        st.rerun()


def session_jobs() -> list[jobs.TrainingJob]:
    """The training jobs this browser session started that this server still knows."""
    found = [jobs.get_job(pid) for pid in st.session_state.get(state.JOB_PIDS, [])]
    return [job for job in found if job is not None]


def job_panel(job: jobs.TrainingJob) -> None:
    """Live status of one job: progress, curves, cancel. Polls every second while it runs."""
    if job.running:
        st.fragment(run_every=1.0)(_job_body)(job, polling=True)
    else:
        _job_body(job, polling=False)


def _job_body(job: jobs.TrainingJob, *, polling: bool) -> None:
    from ..viz import training_curves

    options = job.options
    title = f"{options.get('model', 'ffnn')} on {options.get('dataset', DEFAULT_DATASET)}"
    run = job.run()
    with st.container(border=True):
        if job.running:
            left, right = st.columns([4, 1])
            steps = job.steps()
            if steps and steps[1]:
                left.progress(steps[0] / steps[1], text=f"Training {title}: step {steps[0]} of {steps[1]}")
            else:
                left.progress(0.0, text=f"Preparing {title}: loading data and building the model…")
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
        if run is not None and run.checkpoints:
            st.altair_chart(training_curves(run.metrics(), width=200, height=140), width="content")
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
        st.caption(f"⏳ Still training: {now} checkpoints so far; new ones appear here as they are recorded.")
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
    if not task.done:
        with slot:
            task_progress(task, label)
        st.stop()
    if task.future.exception() is not None:
        slot.error(f"Cannot colour by {color_by}: {task.future.exception()}")
        st.stop()


def remember_pick(example_id: str | None, frame: int | None = None) -> None:
    """Make ``example_id`` the example whose neighbours are shown (and ringed in the chart)."""
    st.session_state[state.EXAMPLE_ID] = example_id
    if frame is not None:
        st.session_state[state.FRAME] = int(frame)
    else:
        st.session_state.pop(state.FRAME, None)


def take_click(key: str) -> None:
    """Adopt the scatter's newest click (the component's value under ``key``) as the picked example."""
    click = st.session_state.get(key)
    if click and click.get("clicked_at") != st.session_state.get(state.LAST_CLICK):
        st.session_state[state.LAST_CLICK] = click["clicked_at"]
        remember_pick(click["example_id"], click["frame"])
