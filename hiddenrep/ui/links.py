"""The URL carries the view: the page (its path), the run, the checkpoint and the selected example (query
parameters), so a view can be shared as a link and the browser's back button steps back through views.

``?run=<id>&example=<example id>&checkpoint=<index>``. The checkpoint is the one the example was picked
at (scrubbing happens in the browser, so Python only learns the checkpoint on screen from a click).
"""

from __future__ import annotations

import hashlib

import streamlit as st

from . import state
from .scatter import RENDERER_KEY

# ``renderer`` (vega / pixels / webgl, bench/scale.py's) rides along so rewriting the URL does not drop it
PARAMS = {"run": state.RUN_ID, "example": state.EXAMPLE_ID, "checkpoint": state.FRAME, "renderer": RENDERER_KEY}


def _current() -> dict[str, str]:
    return {name: st.query_params[name] for name in PARAMS if name in st.query_params}


def read_url() -> None:
    """Adopt the URL's view when it is not the one this session wrote last: a pasted link, a reload, or the
    back / forward buttons. A URL without any of our parameters (a page picked in the sidebar) changes nothing."""
    params = _current()
    if params == st.session_state.get(state.URL_SHOWN) or not params:
        return
    st.session_state[state.URL_SHOWN] = params
    if "run" in params:
        st.session_state[state.NEXT_RUN_ID] = params["run"]
    if "example" in params:
        st.session_state[state.EXAMPLE_ID] = params["example"]
    else:
        st.session_state.pop(state.EXAMPLE_ID, None)
    if "renderer" in params:
        st.session_state[RENDERER_KEY] = params["renderer"]
    if params.get("checkpoint", "").isdigit():
        st.session_state[state.FRAME] = int(params["checkpoint"])
        st.session_state[state.OPEN_AT_FRAME] = int(params["checkpoint"])  # the chart opens on it
    else:
        st.session_state.pop(state.FRAME, None)


def write_url() -> dict[str, str]:
    """Put this session's view into the URL (the browser adds a history entry when it changed); returns it.

    The router calls it before the page runs: output after a page's ``st.stop()`` would be dropped.

    Streamlit clears the query on a page switch, and putting it back would add a second history entry
    per switch (Back would then seem to do nothing): so the app's own page links carry it instead
    (:func:`page_links`)."""
    params = {}
    for name, key in PARAMS.items():
        value = st.session_state.get(key)
        if value is not None and not (name == "checkpoint" and state.EXAMPLE_ID not in st.session_state):
            params[name] = str(value)
    st.session_state[state.URL_SHOWN] = params
    if params != _current():
        st.query_params.from_dict(params)
    return params


def page_links(pages: list, params: dict[str, str]) -> None:
    """The page list, each link carrying the view, so a page switch keeps the run and example in the URL."""
    for page in pages:
        st.page_link(page, query_params=params)


def linked_frame(spec_key: str) -> tuple[str, int | None]:
    """(the key to draw the scatter under, the checkpoint index a link named or None). The chart shows the link's
    checkpoint whatever frames arrive, until the next click in it (:func:`.widgets.take_click` drops it); the key
    changes with the link, so a link opened on a chart already drawn re-draws it there."""
    frame = st.session_state.get(state.OPEN_AT_FRAME)
    if frame is None:
        return spec_key, None
    return hashlib.sha1(f"{spec_key}:{frame}".encode()).hexdigest(), int(frame)
