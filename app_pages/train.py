"""Train: pick a dataset and a model, train in the background, watch the curves, cancel."""

import streamlit as st

from hiddenrep.data import DATASETS, DEFAULT_DATASET
from hiddenrep.ui.data import dataset_preview
from hiddenrep.ui.widgets import DEFAULT_RUN_LABEL, DEFAULT_RUN_TIME, TRAIN_DEFAULTS, job_panel, session_jobs, start_job

st.title("Train a model and record it")
st.caption("Every example's hidden representation is recorded at every checkpoint; training runs in the "
           "background, so you can leave this page or open another tab meanwhile.")

setup, progress = st.columns([3, 2], gap="large")
setup.subheader("Data and model")
names = list(DATASETS)
dataset = setup.selectbox("Dataset", names, index=names.index(DEFAULT_DATASET),
                       format_func=lambda n: f"{n} ({DATASETS[n].modality})")
with setup, st.spinner(f"Loading {dataset}…"):
    preview = dataset_preview(dataset)
setup.caption(preview["description"])
size, classes, kind = setup.columns(3)
size.metric("Examples", f"{preview['size']:,}")
classes.metric("Classes", len(preview["classes"]))
kind.metric("Kind", preview["modality"] + (" (multi-label)" if preview["multilabel"] else ""))
setup.caption("Examples per class: " + ", ".join(f"{c}: {n:,}" for c, n in preview["classes"].items()))
setup.dataframe(preview["examples"], hide_index=True,
             column_config={"image": st.column_config.ImageColumn("image", width="small"),
                            "text": st.column_config.TextColumn("text", width="large")})

with setup, st.spinner("Loading the model zoo…"):
    from hiddenrep.models import DEFAULT_MODEL_FOR, MODELS
suited = [m for m, kinds in MODELS.items() if preview["modality"] in kinds]
with setup.form("train"):
    model = st.selectbox("Model", suited, index=suited.index(DEFAULT_MODEL_FOR[preview["modality"]]))
    left, middle, right = st.columns(3)
    epochs = left.number_input("Epochs", 1, 200, TRAIN_DEFAULTS.epochs)
    hidden = middle.number_input("Hidden size (the recorded layer)", 2, 1024, TRAIN_DEFAULTS.hidden)
    seed = right.number_input("Seed", 0, 2**31 - 1, TRAIN_DEFAULTS.seed)
    every_steps = left.number_input("Also record every K steps (0 = epoch ends only)", 0, 100_000,
                                    TRAIN_DEFAULTS.every_steps)
    st.caption(f"Time goes with examples × epochs: the default ({DEFAULT_RUN_LABEL}) is "
               + DEFAULT_RUN_TIME + ". The progress bar counts the steps; Explore draws each checkpoint "
               "as it is recorded.")
    submitted = st.form_submit_button("Train", type="primary")
if submitted:
    start_job(dataset=dataset, model=model, epochs=int(epochs), hidden=int(hidden), seed=int(seed),
              every_steps=int(every_steps))

with progress:
    st.subheader("Your training jobs")
    jobs = session_jobs()
    if not jobs:
        st.caption("Jobs you start appear here with their progress and loss / accuracy curves. An identical "
                   "configuration that already finished is reused, not trained again.")
    for job in reversed(jobs):
        job_panel(job)
