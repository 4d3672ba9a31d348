"""Bench page for bench/animate.py: N synthetic points × 10 checkpoints in the Animate page's tweened scatter.

    ?n=5000  — the same component, spec builder and easing as app_pages/animate.py; the bench presses play.
"""

import numpy as np
import pandas as pd
import streamlit as st

from hiddenrep.ui.animation import tween_view
from hiddenrep.ui.scatter import spec_json
from hiddenrep.viz import scatter_table
from hiddenrep.viz.tween import tween_scatter

FRAMES = 10
st.set_page_config(layout="wide")
n = int(st.query_params.get("n", 2000))


@st.cache_data
def spec(n: int) -> tuple[str, str]:
    rng = np.random.default_rng(0)
    coords = np.cumsum(rng.normal(size=(FRAMES, n, 2)), axis=0)
    points = pd.DataFrame({"example_id": [f"ex-{i:05d}" for i in range(n)],
                           "text": [f"synthetic example number {i}" for i in range(n)]})
    table = scatter_table(coords, points, color=np.array([f"class {k}" for k in range(5)])[rng.integers(0, 5, n)])
    chart = tween_scatter(table, frame_titles=[f"epoch {t}" for t in range(FRAMES)],
                          tracked=[f"ex-{i:05d}" for i in range(5)], trails=True)
    return spec_json(chart)


tween_view(*spec(n), key="bench")
