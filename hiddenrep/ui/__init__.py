"""The app's Streamlit layer (the only library package that imports streamlit): state keys, cached loaders,
widgets, and the epoch-scatter component. Pages in ``app_pages/`` call these; nothing in hiddenrep imports them.

Layer: the app (streamlit), the only library package that imports streamlit. May import: any package above.
Never the pages (``app_pages/``): they import ``ui``, not the other way round.
"""

from pathlib import Path

ICON = Path(__file__).parent / "icon.svg"  # the browser tab's icon, served by the app itself (nothing fetched outside)
