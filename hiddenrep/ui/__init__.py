"""The app's Streamlit layer (the only library package that imports streamlit): state keys, cached loaders,
widgets, and the epoch-scatter component. Pages in ``app_pages/`` call these; nothing in hiddenrep imports them."""
