"""hiddenrep app: page config, navigation, the URL, the first-start training and the shared run picker."""

import streamlit as st

from hiddenrep.ui import ICON
from hiddenrep.ui.jobs import page_running
from hiddenrep.ui.links import page_links, read_url, write_url
from hiddenrep.ui.widgets import first_start, run_picker, take_clicks

# The pages live in app_pages/, not pages/: Streamlit treats a pages/ folder beside the entry point as a
# legacy multipage app until st.navigation first runs, so a deep link such as /animate on a fresh server
# ran that page alone, without this router (no run picker, Streamlit's own page list).
# The tab icon is a file of ours: a Material icon as page_icon makes the browser fetch it from fonts.gstatic.com.
st.set_page_config(page_title="hiddenrep", page_icon=ICON, layout="wide")
pages = [
    st.Page("app_pages/explore.py", title="Explore", icon=":material/scatter_plot:", default=True),
    st.Page("app_pages/train.py", title="Train", icon=":material/model_training:"),
    st.Page("app_pages/import.py", title="Import / export", icon=":material/upload_file:"),
    st.Page("app_pages/animate.py", title="Animate", icon=":material/animation:"),
    st.Page("app_pages/compare.py", title="Compare", icon=":material/compare:"),
    st.Page("app_pages/words.py", title="Words", icon=":material/translate:"),
]
page = st.navigation(pages, position="hidden")  # drawn below as links that carry the view in the URL
navigation = st.sidebar.container()
with page_running():  # background index building waits meanwhile (a click's table comes sooner)
    read_url()  # a shared link, a reload or the back button: the view the URL names
    first_start()  # an empty runs directory starts training the default run
    run_picker()
    take_clicks()  # a point just clicked in a chart is part of the view the URL and the links carry
    with navigation:
        page_links(pages, write_url())
    page.run()
