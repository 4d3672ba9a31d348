"""The epoch scatter as a custom component: scrubbing and playing happen in the browser.

Streamlit's own Vega-Lite element evaluates expressions with Vega's CSP-safe interpreter, about 3x
slower per slider step than compiled expressions (bench/ui.py). This component draws the very same
Vega-Lite spec with vega-embed (vendored, no CDN) and returns the clicked point.

Data travels as binary columns, not JSON rows: :func:`spec_json` turns every table of the Altair
chart into a named data source and packs its columns into one ``bytes`` blob (float32 / int32 / uint8
arrays, strings dictionary-coded) plus their layout (JSON). Below :data:`INLINE_BELOW` bytes both ride in
the component's arguments (components v1 hands bytes to the page as a ``Uint8Array``). Above it they are
served once as two of Streamlit's media files and the arguments carry their URLs. Streamlit resends an
element whole whenever any argument changes: a click that rings a point (``focus``) would otherwise resend
the 19 MiB of a 100k x 21 run, where now it sends a few kB, and the browser fetches the data again only
when ``spec_key`` changes. The same goes for ``server.maxMessageSize``.

Components v2 (``st.components.v2.component``: no iframe, Arrow tables) was measured against this and not
adopted: its data also rides inside the element's message (Arrow blobs beside the JSON), so a focus change
resends it all the same; what removes the resend is taking the bytes out of the message, which v1 allows.
The browser tests and benches drive the component's iframe. (``components.v1.html`` is deprecated; v1's
``declare_component``, used here, is not.)

Above :data:`POINTS_ABOVE` points the browser draws the points of that same spec with its own points layer
(``frontend/points.js``: positions ``a + (b - a) * w``, colours from the spec's own Vega colour scale) while
Vega keeps drawing everything else (title, ring, legend, zoom). The layer paints pixels with a JavaScript
loop ("pixels"): in Chromium without a GPU (SwiftShader, as CI has) WebGL pays ~1.5 µs per point primitive
and plays 100k points at 1-5 fps, the loop at 30+. ``?renderer=vega|pixels|webgl`` in the page URL forces
one for the session (WebGL is the faster choice on a machine with a real GPU); bench/scale.py prints all.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
import streamlit.components.v1 as components
from streamlit import runtime

_component = components.declare_component("epoch_scatter", path=str(Path(__file__).parent / "frontend"))
# Measured side by side (slider step until the frame is on screen, 2 shared cores): Vega's canvas 21 ms at 2k
# points, 63 ms at 5k, 175 ms at 10k (one expression per point per step); the points layer ~30 ms (two screen
# frames) at every size up to 100k. Below 3k Vega meets the 50 ms target and its antialiased squares win.
POINTS_ABOVE = 3_000
RENDERERS = ("auto", "vega", "pixels", "webgl")
RENDERER_KEY = "scatter_renderer"  # session state: the renderer a ``?renderer=`` URL forced (hiddenrep.ui.links keeps it)
INLINE_BELOW = 1 << 20  # bytes of layout + blob; above, they are served as media files (see the module)
_TRANSFORMER = "hiddenrep-binary"
_LOCK = threading.Lock()  # Altair's active data transformer is global


@dataclass(frozen=True)
class Payload:
    """A chart ready for the component: the Vega-Lite spec (data as named sources), the tables' column
    layout (JSON), and the column bytes. ``n_points``: rows of the largest table (what the renderer is chosen
    by). A view read from disk holds its bytes gzipped, as the browser is sent them, in ``packed`` (and
    ``blob`` empty): inflating 24 MB took 0.5 s of a fresh server's first picture on a loaded machine.
    Strings and bytes only, so ``st.cache_data`` pickles it at memcpy speed even at 100k points."""

    spec: str
    tables: str
    blob: bytes
    n_points: int
    packed: bytes = b""

    def unpacked(self) -> bytes:
        """The column bytes, inflated if need be."""
        return self.blob or (gzip.decompress(self.packed) if self.packed else b"")

    def gzipped(self) -> bytes:
        """The column bytes gzipped (:func:`gzipped`)."""
        return self.packed or gzipped(self.blob)


def _column(values: pd.Series, chunks: list[bytes], offset: int) -> tuple[dict, int]:
    """One column as a typed array in the blob (numbers) or codes into a list of distinct values (the rest)."""
    array = values.to_numpy()
    if array.dtype.kind == "b" or (array.dtype.kind in "iu" and len(array) and 0 <= array.min() and array.max() < 256):
        array, kind = array.astype(np.uint8), "uint8"  # flags (ok<k>) and small codes: a byte each
    elif array.dtype.kind in "iu" and (not len(array) or (array.min() >= -2**31 and array.max() < 2**31)):
        array, kind = array.astype(np.int32), "int32"
    elif array.dtype.kind in "iuf":
        array, kind = array.astype(np.float32), "float32"
    else:
        codes, distinct = pd.factorize(values, use_na_sentinel=True)
        distinct = np.asarray(distinct, dtype=object).tolist()  # one vectorised copy: iterating Arrow strings is slow
        column = {"type": "dict", "values": [v.item() if isinstance(v, np.generic) else v for v in distinct]}
        array = codes.astype(np.int32)  # -1: missing
        entry, offset = _column(pd.Series(array), chunks, offset)
        return {**entry, **column, "codes": entry["type"]}, offset
    data = array.tobytes()
    pad = (-len(data)) % 4  # keep every array 4-byte aligned in the blob
    chunks.append(data + b"\0" * pad)
    return {"type": kind, "offset": offset, "length": len(array)}, offset + len(data) + pad


def spec_json(chart: alt.TopLevelMixin) -> tuple[Payload, str]:
    """(payload, content key) of an Altair chart: its spec with every table as a named source, and the bytes."""
    tables: dict[int, tuple[str, pd.DataFrame]] = {}

    def stash(data):
        if not isinstance(data, pd.DataFrame):
            return alt.data_transformers.get("default")(data)
        name, _ = tables.setdefault(id(data), (f"table{len(tables)}", data))
        return {"name": name}

    with _LOCK:
        alt.data_transformers.register(_TRANSFORMER, stash)
        with alt.data_transformers.enable(_TRANSFORMER):
            spec = chart.to_dict()
    chunks, offset, layout = [], 0, {}
    for name, frame in tables.values():
        columns = {}
        for column in frame.columns:
            columns[str(column)], offset = _column(frame[column], chunks, offset)
        layout[name] = {"n": len(frame), "columns": columns}
    text, layout_text = json.dumps(spec, separators=(",", ":")), json.dumps(layout, separators=(",", ":"))
    blob = b"".join(chunks)
    key = hashlib.sha1(text.encode() + layout_text.encode() + blob).hexdigest()
    n_points = max((len(frame) for _, frame in tables.values()), default=0)
    return Payload(text, layout_text, blob, n_points), key


def renderer_choice(n_points: int) -> str:
    """'pixels' or 'vega' for a chart of ``n_points`` (the URL's ``?renderer=`` wins when given)."""
    forced = st.query_params.get("renderer") or st.session_state.get(RENDERER_KEY, "auto")
    if forced in RENDERERS[1:]:
        st.session_state[RENDERER_KEY] = forced  # kept across pages: navigation drops the query string
        return forced
    return "pixels" if n_points > POINTS_ABOVE else "vega"


@functools.lru_cache(maxsize=4)  # the blob and the tables of the last two charts
def gzipped(blob: bytes) -> bytes:
    """``blob`` compressed once, fast (zlib level 1).

    Streamlit's HTTP server gzips every compressible response itself at level 9, on each request: 4.7 s
    for the 24 MB of a 100k x 21 run (the browser's first picture waited on it), against 0.4 s at level 1
    for 45 % of the bytes (9.8 MB at level 9, 10.9 MB at level 1). Served as ``application/gzip``, which
    the server leaves alone; the page inflates it with the browser's own ``DecompressionStream``.
    """
    return gzip.compress(blob, compresslevel=1, mtime=0)


def component_args(payload: Payload) -> dict:
    """The component arguments that carry a chart (the spec's JSON stays readable in ``spec``): the tables
    inline (``tables``, ``blob``) when small, else the URLs the page fetches them from (``tables_url``,
    ``blob_url``: Streamlit's media files, kept while a run of the page draws them; both gzipped, see
    :func:`gzipped`)."""
    args = {"spec": payload.spec, "renderer": renderer_choice(payload.n_points)}
    small = len(payload.blob or payload.packed) + len(payload.tables) < INLINE_BELOW
    if small or not runtime.exists():
        return {**args, "tables": payload.tables, "blob": payload.unpacked()}
    media = runtime.get_instance().media_file_mgr
    place = f"hiddenrep-scatter-{id(payload)}"  # one per chart on the page (identical bytes share one file)
    return {**args, "tables_url": media.add(gzipped(payload.tables.encode()), "application/gzip", f"{place}-tables"),
            "blob_url": media.add(payload.gzipped(), "application/gzip", f"{place}-blob")}


def epoch_scatter_view(spec: Payload, spec_key: str, *, focus: str | None = None, key: str = "epoch_scatter",
                       interval_ms: int = 600, hint: str = "click a point for its neighbours",
                       first_frame: int = 0, open_at: int | None = None) -> dict | None:
    """Draw ``spec``; returns ``{"example_id", "frame", "clicked_at"}`` of the last clicked point, or None.

    The browser keeps its view (and the checkpoint on screen) while ``spec_key`` stays the same;
    ``focus`` only moves the highlight ring. ``hint``: what a click does, beside the controls.
    ``first_frame``: the checkpoint index of the spec's frame 0 (a backwards chain's partial projection holds
    the last checkpoints): a click reports ``frame`` as a checkpoint index, and the browser keeps the checkpoint
    on screen when frames arrive before it. ``open_at``: a checkpoint index (a shared link's) the chart shows
    whatever frames arrive, until the page stops passing it.
    """
    return _component(**component_args(spec), spec_key=spec_key, focus=focus or "", interval_ms=interval_ms,
                      hint=hint, first_frame=int(first_frame), open_at=open_at, key=key, default=None)
