"""Compare: two runs on the same dataset side by side, one morphing into the other, and which separates better."""

import streamlit as st

from hiddenrep.compare.seed import COMPARISON, SEED_COMPARISON, estimate_seconds
from hiddenrep.ui.jobs import projection_task
from hiddenrep.ui import state
from hiddenrep.ui.animation import (
    comparable_runs,
    compare_spec,
    dataset_size,
    compare_task,
    paired_checkpoints,
    transition_spec,
    tween_view,
    verdict,
)
from hiddenrep.ui.data import open_run, store
from hiddenrep.ui.scatter import epoch_scatter_view
from hiddenrep.ui.widgets import (
    job_panel,
    no_runs_help,
    session_jobs,
    start_job,
    take_click,
    task_failed,
    task_progress,
    wait_for_task,
)
from hiddenrep.viz.compare import separation_chart

st.title("Compare two runs")
for job in session_jobs():
    if job.running:
        job_panel(job)
run_id = st.session_state.get(state.RUN_ID)
others = comparable_runs(run_id) if run_id else []
if not others:
    if run_id is None:
        no_runs_help()
    st.info("Comparing needs two complete runs on the same dataset: e.g. the seed's feed-forward net against a "
            "BiLSTM, two seeds, or two learning rates. Run A is the run picked in the sidebar.")
    size = dataset_size(COMPARISON["dataset"])
    minutes = max(1, round(estimate_seconds(size["n_train"], size["n_examples"]) / 60))
    if st.button(f"Train the seed's comparison (ffnn vs bilstm on {COMPARISON['dataset']}, "
                 f"{COMPARISON['epochs']} epochs, about {minutes} minute{'s' if minutes > 1 else ''})", type="primary"):
        for options in SEED_COMPARISON:
            start_job(**options)
        st.rerun()
    st.caption(f"Both models get the same {COMPARISON['epochs']} epochs, batch size {COMPARISON['batch_size']}, "
               f"learning rate {COMPARISON['lr']:g} and {COMPARISON['max_len']} tokens per sentence, each on one CPU "
               "thread. The estimate is for 2 free cores; other work on the machine makes it longer. Longer runs: train them on the "
               "Train page and pick them here.")
    st.stop()

run_a = open_run(run_id)
run_b = open_run(st.selectbox("Run B (same dataset)", others, key=state.COMPARE_RUN))
st.caption(f"A: `{run_a.id}` ({run_a.manifest['model']['name']}) · B: `{run_b.id}` ({run_b.manifest['model']['name']})")
try:
    checkpoints_a, checkpoints_b, titles = paired_checkpoints(run_a.id, run_b.id)
except ValueError as error:
    st.warning(str(error))
    st.stop()

tasks = [projection_task(store().root, run.id, names, method="pca", mode="joint-pca")
         for run, names in ((run_a, checkpoints_a), (run_b, checkpoints_b))]
for task in tasks:
    wait_for_task(task, "Projecting both runs with PCA", "The PCA projection")

side_by_side, transition, figures = st.tabs(["Side by side", "A → B transition", "Which separates better"])
with side_by_side:
    st.caption("Both runs at the same epoch (one slider); click a point in either panel to ring that example in both.")
    try:
        view = compare_spec(run_a.id, run_b.id, "pca", "joint-pca")
    except ValueError as error:
        st.warning(str(error))
        st.stop()
    take_click(state.COMPARE_SCATTER)
    epoch_scatter_view(view["spec"], view["key"], focus=st.session_state.get(state.EXAMPLE_ID),
                       key=state.COMPARE_SCATTER, hint="click a point to ring it in both runs")
    if st.session_state.get(state.EXAMPLE_ID):
        st.markdown(f"Ringed in both: `{st.session_state[state.EXAMPLE_ID]}`")
with transition:
    st.caption("A's final representation morphs into B's, both in one frame: B's PCA layout is rotated, reflected "
               "and scaled onto A's (Procrustes), so what moves is what the two models see differently.")
    morph = transition_spec(run_a.id, run_b.id, "pca")
    tween_view(morph["spec"], morph["key"], key=state.COMPARE_TWEEN, speed=0.5, hint="")
    st.caption(f"Disparity left after alignment: {morph['disparity']:.3f} (0 = the same layout).")
with figures:
    scores = compare_task(run_a.id, run_b.id)
    if not scores.done:
        task_progress(scores, "kNN accuracy, silhouette and neighbourhood agreement per epoch")
    elif task_failed(scores, "Comparing the runs"):
        pass
    else:
        names = (f"A ({run_a.manifest['model']['name']})", f"B ({run_b.manifest['model']['name']})")
        st.markdown(verdict(scores.result(), names))
        st.altair_chart(separation_chart(scores.result(), names))
