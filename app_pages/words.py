"""Words: a text model's word embeddings drifting during training — GloVe start or from scratch, lexicon colours."""

import streamlit as st

from hiddenrep.data import DATASETS, DEFAULT_DATASET
from hiddenrep.jobs import projection_task
from hiddenrep.ui import state
from hiddenrep.ui.animation import (
    WORD_COLORS,
    track_click,
    tween_view,
    word_drift,
    word_matches,
    words_run_id,
    words_spec,
)
from hiddenrep.ui.data import open_run, store
from hiddenrep.ui.widgets import job_panel, session_jobs, start_job, wait_for_task

SEED_WORDS = ("food", "ramen", "pork")
TEXT_DATASETS = [name for name, info in DATASETS.items() if info.modality == "text"]  # the seed's story: "food" drifts toward "ramen" and "pork"

st.title("Follow words")
for job in session_jobs():
    if job.running:
        job_panel(job)

run_id = st.session_state.get(state.RUN_ID)
words_id = words_run_id(run_id) if run_id else None
with (st.expander("Train a text model that records its word embeddings", expanded=words_id is None),
      st.form("train-words")):
        cells = st.columns(4)
        dataset = cells[0].selectbox("Dataset", TEXT_DATASETS, index=TEXT_DATASETS.index(DEFAULT_DATASET))
        model = cells[1].selectbox("Model", ["ffnn", "bilstm"])
        start = cells[2].radio("Embeddings start", ["GloVe 50-d (as the seed)", "from scratch"])
        epochs = cells[3].number_input("Epochs", 1, 100, 10)
        if st.form_submit_button("Train and record words", type="primary"):
            start_job(dataset=dataset, model=model, epochs=int(epochs), words=True,
                      embeddings="glove-50d" if start.startswith("GloVe") else "random")
            st.rerun()
if words_id is None:
    st.info("The run picked in the sidebar recorded no word embeddings. Train one above (or in a terminal: "
            "`hiddenrep train --model ffnn --embeddings glove-50d --words`), then pick it — or its `.words` "
            "companion — in the sidebar.")
    st.stop()

words = open_run(words_id)
if len(words.checkpoints) < 2:
    st.info(f"`{words.id}` has {len(words.checkpoints)} checkpoint(s) so far; the animation needs two.")
    st.stop()
checkpoints = tuple(c.name for c in words.checkpoints)
task = projection_task(store().root, words.id, checkpoints, method="pca", mode="joint-pca")
wait_for_task(task, f"Projecting {len(checkpoints)} checkpoints of {words.examples().shape[0]} words",
              "The PCA projection of the words")

tracked = st.session_state.setdefault(state.WORDS_TRACKED, [])
if not tracked and not st.session_state.get(state.LAST_TRACK_CLICK, {}).get("words-seeded"):
    st.session_state.setdefault(state.LAST_TRACK_CLICK, {})["words-seeded"] = True
    tracked += [w for query in SEED_WORDS for w in word_matches(words.id, query)[:1] if w == query]
track_click(state.WORDS_SCATTER, state.WORDS_TRACKED)
row = st.columns([3, 2, 1, 1])
query = row[0].text_input("Find words", placeholder="type a word (e.g. food, ramen, pork) and press Enter")
found = word_matches(words.id, query) if query.strip() else []
if query.strip() and not found:
    row[0].caption(f"No recorded word matches {query!r}.")
if row[1].button(f"Track {', '.join(found[:3])}{'…' if len(found) > 3 else ''}" if found else "Track",
                 disabled=not found):
    tracked += [w for w in found[:5] if w not in tracked]
color_by = row[2].selectbox("Colour by", WORD_COLORS)
if row[3].button("Clear", disabled=not tracked):
    tracked.clear()

view = words_spec(words.id, checkpoints, "pca", "joint-pca", color_by=color_by, tracked=tuple(tracked))
chart_column, side = st.columns([3, 2])
with chart_column:
    tween_view(view["spec"], view["key"], key=state.WORDS_SCATTER, hint="click a word to follow it")
    st.caption(f"{view['n_points']:,} words × {len(checkpoints)} checkpoints of `{words.id}`, one PCA frame.")
with side:
    st.markdown("**Nearest words per checkpoint**")
    if not view["tracked"]:
        st.caption("Track a word (type it above or click it) to read its nearest words at every checkpoint.")
    else:
        word = st.selectbox("Word", view["tracked"])
        st.dataframe(word_drift(words.id, word, len(checkpoints)), hide_index=True, width="stretch",
                     column_order=["epoch", "nearest", "joined", "mean_distance"],
                     column_config={"mean_distance": st.column_config.NumberColumn(format="%.3f"),
                                    "nearest": st.column_config.TextColumn(width="large")})
