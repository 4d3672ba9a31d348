"""The epoch scatter as a custom component: scrubbing and playing happen in the browser.

Streamlit's own Vega-Lite element evaluates expressions with Vega's CSP-safe interpreter, about 3x
slower per slider step than compiled expressions (bench/ui.py). This component draws the very same
Vega-Lite spec with vega-embed (vendored, no CDN) and returns the clicked point.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import altair as alt
import streamlit.components.v1 as components

_component = components.declare_component("epoch_scatter", path=str(Path(__file__).parent / "frontend"))


def spec_json(chart: alt.TopLevelMixin) -> tuple[str, str]:
    """(spec as JSON, content key). Inline data of any size: the point of the chart is all the points."""
    with alt.data_transformers.disable_max_rows():
        text = json.dumps(chart.to_dict(), separators=(",", ":"))
    return text, hashlib.sha1(text.encode()).hexdigest()


def epoch_scatter_view(spec: str, spec_key: str, *, focus: str | None = None, key: str = "epoch_scatter",
                       interval_ms: int = 600) -> dict | None:
    """Draw ``spec``; returns ``{"example_id", "frame", "clicked_at"}`` of the last clicked point, or None.

    The browser keeps its view (and the checkpoint on screen) while ``spec_key`` stays the same;
    ``focus`` only moves the highlight ring.
    """
    return _component(spec=spec, spec_key=spec_key, focus=focus or "", interval_ms=interval_ms, key=key,
                      default=None)
