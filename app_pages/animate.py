"""Animate: every checkpoint of a run, points gliding between them in the browser; follow a few, export the film."""

import streamlit as st

from hiddenrep.analysis import color_options
from hiddenrep.ui.frames import checkpoints_to_animate
from hiddenrep.ui.jobs import label_issues_task
from hiddenrep.ui import state
from hiddenrep.ui.animation import (
    EXPORT_KINDS,
    export_button,
    export_task,
    search_examples,
    suspects,
    track_click,
    tracked_table,
    tween_spec,
    tween_view,
)
from hiddenrep.ui.data import open_run, store
from hiddenrep.ui.widgets import (FADE_HELP, FADE_LABEL, no_runs_help, projection_controls, running_notice,
                                 task_progress, wait_for_colours)

EASINGS = {"ease in and out": "cubic", "linear (as the seed)": "linear", "sine": "sine"}

st.title("Animate a run")
run_id = st.session_state.get(state.RUN_ID)
if run_id is None:
    no_runs_help()
    st.stop()
run = open_run(run_id)
if len(run.checkpoints) < 2:
    st.info(f"Run `{run.id}` has {len(run.checkpoints)} checkpoint(s); an animation needs two. "
            "They appear here as they are recorded.")
    running_notice(run)
    st.stop()
running_notice(run)
progress_slot = st.container()

controls = st.columns([1, 2, 2, 2])
method, mode = projection_controls(controls[0], controls[1])
color_by = controls[2].selectbox("Colour by", [c for c in color_options(run) if c != "label-issue score"])
easing = EASINGS[controls[3].selectbox("Motion", list(EASINGS))]

checkpoints = tuple(c.name for c in run.checkpoints)
drawn = checkpoints_to_animate(run, checkpoints, method, mode, progress_slot)
wait_for_colours(run, drawn, color_by, progress_slot)

# Which points to follow: clicked in the chart, found by text, or the most suspected mislabels.
tracked = st.session_state.setdefault(state.TRACKED, [])
track_click(state.ANIMATE, state.TRACKED)
finder = st.columns([3, 1], vertical_alignment="bottom")
search = finder[0].text_input("Track examples containing", placeholder="type words, press Enter")
if finder[1].button("Track matches", disabled=not search.strip()):
    tracked += [i for i in search_examples(run.id, search) if i not in tracked]
picks = st.columns([3, 1, 2, 1], vertical_alignment="center")
issues = label_issues_task(store().root, run.id, len(checkpoints))
issues_failed = issues.done and issues.future.exception() is not None
if picks[0].button("Track the 10 most suspected mislabels", disabled=not issues.done or issues_failed or run.multilabel):
    tracked += [i for i in suspects(issues.result()) if i not in tracked]
if not issues.done and not run.multilabel:
    with picks[0]:  # reruns the page once the scores are ready, which enables the button
        task_progress(issues, "Scoring label quality")
elif issues_failed:
    picks[0].caption(f"No label scores: {issues.future.exception()}")
trails = picks[1].toggle("Trails", value=True)
fade_still = picks[2].toggle(FADE_LABEL, help=FADE_HELP)
if fade_still:
    wait_for_colours(run, drawn, "neighbourhood change", progress_slot)
if picks[3].button("Clear", disabled=not tracked):
    tracked.clear()

view = tween_spec(run.id, drawn, method, mode, len(drawn), color_by=color_by, tracked=tuple(tracked),
                  trails=trails, easing=easing, fade_still=fade_still)
chart_column, side = st.columns([3, 2])
with chart_column:
    tween_view(view["spec"], view["key"], key=state.ANIMATE)
    st.caption(f"{view['n_points']:,} points × {len(view['checkpoints'])} checkpoints in one {method.upper()} "
               f"frame ({mode}); the motion between checkpoints is computed in your browser.")
with side:
    st.markdown("**Followed points**")
    if view["tracked"]:
        st.dataframe(tracked_table(run.id, view["tracked"]), hide_index=True, width="stretch", height=280)
    else:
        st.caption("Click points in the chart (click again to let go), search their text, or take the most "
                   "suspected mislabels: they get letters A, B, C… so you can follow their neighbourhoods.")
    st.markdown("**Export**")
    st.caption("GIF and MP4 as the chart moves (one frame per tween step); HTML: one file that plays offline.")
    requested = st.session_state.setdefault(state.EXPORTS, {})
    for column, (label, kind) in zip(st.columns(3), EXPORT_KINDS.items()):
        if column.button(label, key=f"export-{kind}", width="stretch"):
            requested[kind] = (run.id, drawn, method, mode, tuple(view["tracked"]))
    for label, kind in EXPORT_KINDS.items():
        if kind not in requested or requested[kind][0] != run.id:
            continue
        rid, cps, m, md, followed = requested[kind]
        job = export_task(rid, cps, m, md, kind, tracked=followed)
        if job.done:
            export_button(job, kind, label)
        else:
            task_progress(job, f"Writing the {label}")
