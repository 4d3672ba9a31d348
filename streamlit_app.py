"""hiddenrep app entry point: lists the runs in the store (the pages arrive with the app issue)."""

import streamlit as st

from hiddenrep.store import RunStore

st.set_page_config(page_title="hiddenrep", layout="wide")
st.title("hiddenrep — watch a neural network learn")
runs = RunStore().list()
if not runs:
    st.info("No runs yet. Train one from a terminal: `hiddenrep train --dataset movie-sentences --model ffnn`.")
else:
    st.dataframe(
        [{"run": r.id, "status": r.status, "checkpoints": len(r.checkpoints),
          "validation accuracy": r.checkpoints[-1].metrics.get("validation_acc") if r.checkpoints else None}
         for r in runs],
        hide_index=True,
    )
