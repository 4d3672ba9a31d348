"""Bench page for bench/ui.py: N synthetic points × 11 checkpoints, drawn two ways.

?mode=browser : the app's epoch scatter (all checkpoints in one spec, slider scrubs in the browser).
?mode=rerun   : the Python way, one st.slider step = one Streamlit rerun drawing that checkpoint only.
"""

import numpy as np
import pandas as pd
import streamlit as st

from hiddenrep.ui.scatter import epoch_scatter_view, spec_json
from hiddenrep.viz import epoch_scatter, scatter_table

FRAMES = 11
st.set_page_config(layout="wide")
n = int(st.query_params.get("n", 2000))
mode = st.query_params.get("mode", "browser")


@st.cache_data
def table(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    centers = rng.normal(0, 4, size=(5, 2))
    label = rng.integers(0, 5, n)
    start = rng.normal(size=(n, 2))
    coords = np.stack([(1 - t / 10) * start + (t / 10) * (centers[label] + rng.normal(0, 0.6, (n, 2)))
                       for t in range(FRAMES)])
    points = pd.DataFrame({"example_id": [f"ex-{i:05d}" for i in range(n)],
                           "text": [f"synthetic example number {i}" for i in range(n)]})
    names = np.array([f"class {k}" for k in range(5)])
    return scatter_table(coords, points, color=names[label], correct=rng.random((FRAMES, n)) > 0.2)


titles = [f"epoch {t}" for t in range(FRAMES)]
if mode == "browser":
    spec, key = st.cache_data(lambda n: spec_json(epoch_scatter(table(n), frame_titles=titles)))(n)
    epoch_scatter_view(spec, key)
else:
    frame = st.slider("checkpoint", 0, FRAMES - 1, FRAMES - 1)
    one = table(n)[["example_id", "text", "color", f"x{frame}", f"y{frame}"]].rename(
        columns={f"x{frame}": "x0", f"y{frame}": "y0"})
    st.altair_chart(epoch_scatter(one, frame_titles=[titles[frame]]), key="chart")
    st.caption(f"frame {frame}")
