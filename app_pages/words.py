"""Words: a text model's word embeddings drifting during training — GloVe start or from scratch, lexicon colours."""

import streamlit as st

from hiddenrep.data import DATASETS
from hiddenrep.ui.jobs import projection_task
from hiddenrep.ui import state
from hiddenrep.ui.animation import (
    WORD_COLORS,
    track_click,
    tween_view,
    word_drift,
    word_matches,
    word_pair_distances,
    words_run_id,
    words_spec,
)
from hiddenrep.ui.data import open_run, store
from hiddenrep.ui.widgets import job_panel, projection_controls, session_jobs, start_job, wait_for_task
from hiddenrep.viz import word_distance_chart
from hiddenrep.words import SEED_WORDS

WORDS_DATASET = "food-mentions"  # food words are frequent enough there to move (see hiddenrep/data/food.py)
TEXT_DATASETS = [name for name, info in DATASETS.items() if info.modality == "text"]
SEED_PAIRS = (("food", "pork"), ("food", "ramen"), ("table", "restaurant"))

st.title("Follow words")
for job in session_jobs():
    if job.running:
        job_panel(job)

run_id = st.session_state.get(state.RUN_ID)
words_id = words_run_id(run_id) if run_id else None
with (st.expander("Train a text model that records its word embeddings", expanded=words_id is None),
      st.form("train-words")):
        cells = st.columns(4)
        dataset = cells[0].selectbox("Dataset", TEXT_DATASETS, index=TEXT_DATASETS.index(WORDS_DATASET),
                                     help="food-mentions: every sentence of the six text corpora that mentions food, "
                                          "so food words are frequent enough to move.")
        model = cells[1].selectbox("Model", ["ffnn", "bilstm"])
        start = cells[2].radio("Embeddings start", ["GloVe 50-d (as the seed)", "from scratch"])
        epochs = cells[3].number_input("Epochs", 1, 100, 10)
        follow = st.text_input("Also follow these words", placeholder="comma-separated, e.g. burger, coffee",
                               help=f"Recorded at every checkpoint besides the seed's ({', '.join(SEED_WORDS)}) and "
                                    "the sentiment, profanity and food word lists, when the vocabulary has them.")
        if st.form_submit_button("Train and record words", type="primary"):
            start_job(dataset=dataset, model=model, epochs=int(epochs), words=True,
                      embeddings="glove-50d" if start.startswith("GloVe") else "random",
                      **({"follow": follow} if follow.strip() else {}))
            st.rerun()
if words_id is None:
    st.info("The run picked in the sidebar recorded no word embeddings. Train one above (or in a terminal: "
            "`hiddenrep train --dataset food-mentions --embeddings glove-50d --words`), then pick it — or its "
            "`.words` companion — in the sidebar.")
    st.stop()

words = open_run(words_id)
if len(words.checkpoints) < 2:
    st.info(f"`{words.id}` has {len(words.checkpoints)} checkpoint(s) so far; the animation needs two.")
    st.stop()
recorded = words.examples()["example_id"].tolist()
unrecorded = words.manifest.get("not_in_vocabulary", [])
if unrecorded:
    st.caption(f"Not recorded (not in this run's vocabulary, which keeps words seen at least twice in the training "
               f"texts): {', '.join(unrecorded)}.")
controls = st.columns([1, 2, 2])
method, mode = projection_controls(controls[0], controls[1])
color_by = controls[2].selectbox("Colour by", WORD_COLORS)
checkpoints = tuple(c.name for c in words.checkpoints)
task = projection_task(store().root, words.id, checkpoints, method=method, mode=mode)
wait_for_task(task, f"Projecting {len(checkpoints)} checkpoints of {len(recorded)} words with {method.upper()}",
              f"The {method.upper()} projection of the words")

tracked = st.session_state.setdefault(state.WORDS_TRACKED, [])
seeded = st.session_state.setdefault(state.LAST_TRACK_CLICK, {})
if not tracked and seeded.get("words-seeded") != words.id:  # the seed's words, followed from the start
    seeded["words-seeded"] = words.id
    tracked += [w for w in SEED_WORDS if w in recorded]
track_click(state.WORDS_SCATTER, state.WORDS_TRACKED)
examples = [w for w in SEED_WORDS if w in recorded][:3] or recorded[:3]
row = st.columns([3, 2, 1])
query = row[0].text_input("Find words", placeholder=f"type a recorded word (e.g. {', '.join(examples)}), press Enter")
found = word_matches(words.id, query) if query.strip() else []
chosen = found[:1] if found and found[0] == query.strip().lower() else found[:5]  # the word itself when recorded
if query.strip() and not found:
    row[0].caption(f"{query.strip()!r} is not among the {len(recorded):,} recorded words.")
if row[1].button(f"Track {', '.join(chosen)}" if chosen else "Track", disabled=not chosen):
    tracked += [w for w in chosen if w not in tracked]
if row[2].button("Clear", disabled=not tracked):
    tracked.clear()

view = words_spec(words.id, checkpoints, method, mode, color_by=color_by, tracked=tuple(tracked))
chart_column, side = st.columns([3, 2])
with chart_column:
    tween_view(view["spec"], view["key"], key=state.WORDS_SCATTER, hint="click a word to follow it")
    st.caption(f"{view['n_points']:,} words × {len(checkpoints)} checkpoints of `{words.id}`, one {method.upper()} "
               f"frame ({mode}).")
with side:
    st.markdown("**Distance between two words**")
    pairs = [p for p in SEED_PAIRS if set(p) <= set(recorded)]
    default_a, default_b = pairs[0] if pairs else (recorded[0], recorded[1])
    pick = st.columns(2)
    word_a = pick[0].selectbox("Word", recorded, index=recorded.index(default_a), key="distance-a")
    word_b = pick[1].selectbox("and", recorded, index=recorded.index(default_b), key="distance-b")
    if word_a == word_b:
        st.caption("Pick two different words.")
    else:
        distances = word_pair_distances(words.id, ((word_a, word_b),), len(checkpoints))
        first, last = distances["distance"].iloc[0], distances["distance"].iloc[-1]
        st.altair_chart(word_distance_chart(distances, width=280, height=140), width="content")
        trend = "closer" if last < first else "further apart"
        st.caption(f"Cosine distance {word_a} – {word_b}: {first:.3f} at epoch {words.checkpoints[0].epoch:g} → "
                   f"{last:.3f} at epoch {words.checkpoints[-1].epoch:g}: {trend} by {abs(last - first):.3f}.")
    st.markdown("**Nearest words per checkpoint**")
    if not view["tracked"]:
        st.caption("Track a word (type it above or click it) to read its nearest words at every checkpoint.")
    else:
        word = st.selectbox("Tracked word", view["tracked"])
        st.dataframe(word_drift(words.id, word, len(checkpoints)), hide_index=True, width="stretch",
                     column_order=["epoch", "nearest", "joined", "mean_distance"],
                     column_config={"mean_distance": st.column_config.NumberColumn(format="%.3f"),
                                    "nearest": st.column_config.TextColumn(width="large")})
