"""hiddenrep app: page config, navigation, and the run picker every page shares. Nothing else."""

import streamlit as st

from hiddenrep.ui.widgets import run_picker

st.set_page_config(page_title="hiddenrep", page_icon=":material/scatter_plot:", layout="wide")
page = st.navigation([
    st.Page("pages/explore.py", title="Explore", icon=":material/scatter_plot:", default=True),
    st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
])
run_picker()
page.run()
