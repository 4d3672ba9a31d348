"""hiddenrep app: page config, navigation, the first-start training and the run picker every page shares."""

import streamlit as st

from hiddenrep.ui.widgets import first_start, run_picker

st.set_page_config(page_title="hiddenrep", page_icon=":material/scatter_plot:", layout="wide")
page = st.navigation([
    st.Page("pages/explore.py", title="Explore", icon=":material/scatter_plot:", default=True),
    st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
    st.Page("pages/import.py", title="Import / export", icon=":material/upload_file:"),
    st.Page("pages/animate.py", title="Animate", icon=":material/animation:"),
    st.Page("pages/compare.py", title="Compare", icon=":material/compare:"),
    st.Page("pages/words.py", title="Words", icon=":material/translate:"),
])
first_start()  # an empty runs directory starts training the default run
run_picker()
page.run()
