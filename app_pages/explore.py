"""Explore: scrub a run's checkpoints in 2-D, colour the points, click one to read its neighbours."""

import streamlit as st

from hiddenrep.analysis import color_options
from hiddenrep.ui.frames import frames_to_draw, measure_after_drawing, metrics_state
from hiddenrep.ui.jobs import label_issues_task, neighbor_index_task
from hiddenrep.ui import state
from hiddenrep.ui.data import frame_quality_spec, images_of, neighbors, open_run, scatter_spec, store
from hiddenrep.ui.links import linked_frame
from hiddenrep.ui.scatter import epoch_scatter_view
from hiddenrep.ui.tables import neighbour_html, suspects_table
from hiddenrep.ui.transfer import run_downloads, table_download
from hiddenrep.ui.widgets import (FADE_HELP, FADE_LABEL, job_panel, no_runs_help, projection_controls,
                                  remember_pick, rerun_when_done, running_notice, session_jobs, take_click, task_failed,
                                  task_progress, wait_for_colours, wait_for_first_run)

st.title("Explore a run")
# Transient notices (jobs, progress) live in these fixed slots so the chart below keeps its place in
# the page across reruns: a moved chart is a remounted chart, which would lose the checkpoint on screen.
jobs_slot, notice_slot = st.container(), st.container()
with jobs_slot:
    for job in session_jobs():
        if job.running:
            job_panel(job)
run_id = st.session_state.get(state.RUN_ID)
if run_id is None:
    if not wait_for_first_run():
        no_runs_help()
    st.stop()
run = open_run(run_id)
if not run.checkpoints:
    st.info(f"Run `{run.id}` is **{run.status}** and has no checkpoint yet; the first one appears "
            "here as soon as it is recorded.")
    running_notice(run)
    st.stop()
with notice_slot:
    running_notice(run)
progress_slot = st.container()

controls = st.columns([1, 2, 2, 2])
method, mode = projection_controls(controls[0], controls[1])
color_by = controls[2].selectbox("Colour by", color_options(run))
class_name = controls[3].selectbox("Class to colour", run.class_names) if run.multilabel else None
filters = st.columns([2, 2, 2, 3], vertical_alignment="center")
wrong_only = filters[0].toggle("Misclassified only", help="at the checkpoint on screen")
validation_only = filters[1].toggle("Validation only")
fade_still = filters[2].toggle(FADE_LABEL, help=FADE_HELP)
search = filters[3].text_input("Search text", placeholder="show only examples containing…",
                               label_visibility="collapsed")

checkpoints = tuple(c.name for c in run.checkpoints)
frames = frames_to_draw(run, checkpoints, method, mode)
with progress_slot:
    if frames.task.done and task_failed(frames.task, f"The {method.upper()} projection"):
        st.stop()
    if not frames.complete:  # t-SNE / UMAP: show the frames already computed, refresh as more arrive
        task_progress(frames.task, f"Projecting {len(checkpoints)} checkpoints with {method.upper()}",
                      rerun_when=frames.grew)
        if frames.ready == 0:
            st.stop()
metrics_in, measured = metrics_state(run, frames, method, mode)
wait_for_colours(run, frames.checkpoints, color_by, progress_slot)
if fade_still:
    wait_for_colours(run, frames.checkpoints, "neighbourhood change", progress_slot)
try:
    view = scatter_spec(run.id, frames.checkpoints, method, mode, frames.ready, measured=metrics_in,
                        color_by=color_by, class_name=class_name, validation_only=validation_only,
                        wrong_only=wrong_only, search=search.strip(), fade_still=fade_still)
except LookupError as error:
    progress_slot.warning(str(error))
    st.stop()

take_click(state.SCATTER)  # before drawing, so the chart already rings the clicked point
chart_column, side = st.columns([3, 2])
with chart_column:
    spec_key, open_at = linked_frame(view["key"])  # a shared link names a checkpoint
    epoch_scatter_view(view["spec"], spec_key, focus=st.session_state.get(state.EXAMPLE_ID), key=state.SCATTER,
                       first_frame=view["first"], open_at=open_at)
    latest = " (the last ones: a budget chain runs from the trained model back)" if view["first"] else ""
    st.caption(f"{view['n_points']:,} points × {len(view['checkpoints'])} of {len(checkpoints)} checkpoints{latest}, "
               f"{method.upper()} ({mode}). Scrubbing and play run in your browser.")
    with st.popover("Download run or projection", icon=":material/download:"):
        run_downloads(run, projection=(method, mode, checkpoints) if metrics_in else None)
# Started after the chart is sent, so they never hold up the first picture.
if frames.complete and not metrics_in:
    measured = measure_after_drawing(run, frames, method, mode)
issues = label_issues_task(store().root, run.id, len(checkpoints))  # the suspects tab reads it
neighbor_index_task(store().root, run.id, checkpoints)  # a click's table reads it once it is built

neighbours_tab, suspects_tab, quality_tab = side.tabs(["Neighbours", "Suspected mislabels", "Frame quality"])
with quality_tab:
    st.caption("Per checkpoint: whether on-screen movement follows the model's (motion fidelity: rank "
               "correlation of each point's hidden and on-screen displacement, 1 = faithful), how faithful "
               "the neighbourhoods are (trustworthiness, kNN kept), how steady the frame is (jitter), and how "
               "much the hidden space itself moved (hidden change).")
    if metrics_in:
        st.vega_lite_chart(frame_quality_spec(view["metrics"]), width="content")
    elif measured is None:
        st.info("Frame quality is measured once every checkpoint is projected.")
    elif not measured.done:
        rerun_when_done(measured, "Measuring each frame's quality in the background; it appears here when done.")
    else:
        task_failed(measured, "Measuring frame quality")
with suspects_tab:
    st.caption("Most suspect first, and why; pick a row to ring the point and read its neighbours.")
    if not issues.done:
        task_progress(issues, "Scoring label quality")
    elif isinstance(issues.error, LookupError):  # a run without labels or predictions: nothing to retry
        st.info(str(issues.error))
    elif not task_failed(issues, "Scoring label quality"):
        ranked = suspects_table(issues.result())
        picked = st.dataframe(ranked, hide_index=True, on_select="rerun", selection_mode="single-row",
                              key="issues", height=420, row_height=56,
                              column_config={"text": st.column_config.TextColumn(width=200),
                                             "given label": st.column_config.TextColumn(width="small"),
                                             "predicted": st.column_config.TextColumn(width="small"),
                                             "why suspect": st.column_config.TextColumn(width="large")})
        rows = picked.selection.rows
        if rows:  # the table's cells cut long text: the picked row in full
            row = ranked.iloc[rows[0]]
            st.text(row["text"])
            st.caption(f"Given **{row['given label']}**, predicted **{row['predicted']}**: {row['why suspect']}")
        table_download(issues.result().sort_values("label_issue_score"), "All scores (CSV)",
                       f"{run.id}-label-issues.csv", key="issues-csv")
        if rows and ranked.iloc[rows[0]]["example_id"] != st.session_state.get(state.ISSUE_PICK):
            st.session_state[state.ISSUE_PICK] = ranked.iloc[rows[0]]["example_id"]
            remember_pick(st.session_state[state.ISSUE_PICK])
            st.rerun()

with neighbours_tab:
    example_id = st.session_state.get(state.EXAMPLE_ID)
    if example_id is None:
        st.info("Click a point (or a suspected mislabel) to see its nearest neighbours in the hidden space.")
    else:
        frame = min(st.session_state.get(state.FRAME, len(checkpoints) - 1), len(checkpoints) - 1)
        checkpoint = run.checkpoint(checkpoints[frame])
        st.markdown(f"**Neighbours of `{example_id}` at {checkpoint.label}**")
        try:
            table = neighbors(run.id, checkpoint.name, example_id, include_self=True)
        except LookupError as error:  # e.g. a link naming an example of another run
            st.warning(str(error))
            st.stop()
        st.html(neighbour_html(table, images_of(run.manifest["dataset"]["name"], table["example_id"])))
        table_download(table[table["change"] != "itself"], "Neighbours (CSV)",
                       f"{run.id}-{checkpoint.name}-neighbours-of-{example_id}.csv", key="neighbours-csv")
