"""Cached loaders for the pages: small hashable keys in, arrays loaded inside.

Keys include the number of checkpoints a run has, so a run still training gets fresh results as
checkpoints arrive while finished work stays cached, and the run's identity (id + creation time), so
a run replaced under the same id (retrained, re-imported) never gets the old run's results.

The Explore scatter of a finished projection is also kept on disk beside the projection's frames
(:func:`scatter_spec`): building it costs seconds at 100k points, reading it back milliseconds, so a
run opened again (another session, a restarted server) draws at once.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from ..store import Run, RunStore, atomic_write_bytes, default_runs_dir


def store() -> RunStore:
    """The runs directory: $HIDDENREP_RUNS (set by ``hiddenrep app DIR``) or ./runs."""
    return RunStore(default_runs_dir())


def open_run(run_id: str) -> Run:
    return store().open(run_id)


@st.cache_data(show_spinner=False)
def dataset_preview(name: str) -> dict:
    """Size, classes, modality and a few examples of a built-in dataset."""
    from ..data import DATASETS, load_dataset

    data = load_dataset(name)
    labels = data.labels
    if data.multilabel:
        counts = {c: int(labels[:, j].sum()) for j, c in enumerate(data.class_names)}
    else:
        counts = {c: int((labels == j).sum()) for j, c in enumerate(data.class_names)}
    take = np.random.default_rng(0).choice(len(data), size=min(5, len(data)), replace=False)
    examples = pd.DataFrame({
        "example_id": data.ids[take],
        "text": [data.texts[i] for i in take],
        "label": ["+".join(data.class_names[j] for j in np.flatnonzero(labels[i])) if data.multilabel
                  else data.class_names[labels[i]] for i in take],
        "split": data.split[take],
    })
    if data.modality == "image":
        examples.insert(1, "image", [digit_png(data.inputs[i]) for i in take])
    return {"size": len(data), "classes": counts, "modality": data.modality, "multilabel": data.multilabel,
            "description": DATASETS[name].description, "examples": examples}


def digit_png(image: np.ndarray) -> str:
    """A small grayscale image in [0, 1] as a PNG data URL (for tables and tooltips)."""
    from PIL import Image

    pixels = (np.clip(np.asarray(image, dtype=np.float32), 0, 1) * 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(255 - pixels).save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@st.cache_data(show_spinner=False, max_entries=4)
def example_images(dataset: str) -> dict[str, str]:
    """example_id → PNG data URL of every example of an image dataset (empty for text)."""
    images = _image_inputs(dataset)
    return {} if images is None else images_of(dataset, images[0])


def images_of(dataset: str, example_ids) -> dict[str, str]:
    """PNG data URLs of just these examples of an image dataset (empty for text): what a table of a few
    rows shows, without drawing all 70,000 of fashion-mnist."""
    images = _image_inputs(dataset)
    if images is None:
        return {}
    rows, inputs = images
    return {str(i): digit_png(inputs[rows[str(i)]]) for i in example_ids if str(i) in rows}


@st.cache_resource(show_spinner=False, max_entries=2)
def _image_inputs(dataset: str) -> tuple[dict[str, int], np.ndarray] | None:
    """(example_id → row, images) of an image dataset; None for text or an unknown dataset."""
    from ..data import DATASETS, load_dataset

    if dataset not in DATASETS or DATASETS[dataset].modality != "image":
        return None
    data = load_dataset(dataset)
    return {str(i): row for row, i in enumerate(data.ids)}, np.asarray(data.inputs)


def neighbors(run_id: str, checkpoint: str, example_id: str, k: int = 10, include_self: bool = False) -> pd.DataFrame:
    return _neighbors(open_run(run_id).identity, run_id, checkpoint, example_id, k, include_self)


@st.cache_data(show_spinner=False, max_entries=64)
def _neighbors(identity: str, run_id: str, checkpoint: str, example_id: str, k: int,
               include_self: bool) -> pd.DataFrame:
    from ..analysis import neighbor_table

    return neighbor_table(open_run(run_id), checkpoint, example_id, k=k, include_self=include_self)


@st.cache_data(show_spinner=False, max_entries=8)
def frame_quality_spec(metrics: pd.DataFrame) -> dict:
    """The Frame quality chart (:func:`hiddenrep.viz.frame_quality`) as its Vega-Lite dict, built once per
    projection's metrics: Altair's build and schema check cost ~0.15 s at every rerun, a click's included."""
    from ..viz import frame_quality

    return frame_quality(metrics).to_dict()


# Image tooltips ride in the chart's data as PNG data URLs (~0.3 KB and ~0.3 ms each): fine for mnist's 10k,
# but 70,000 of fashion-mnist add ~25 MB and ~20 s to the first picture; above this the tooltip names the
# example and its label, and the neighbour table still shows the images.
TOOLTIP_IMAGES_UP_TO = 20_000


def chart_points(run, examples: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The per-point columns a chart shows (id, text, label, split; the digit for images up to
    :data:`TOOLTIP_IMAGES_UP_TO` points) and its tooltip."""
    points = examples[["example_id", "text", "label_name", "split"]].rename(columns={"label_name": "label"})
    tooltip = ["text", "label", "example_id"]
    images = example_images(run.manifest["dataset"]["name"]) if len(points) <= TOOLTIP_IMAGES_UP_TO else {}
    if images:
        points.insert(1, "image", points["example_id"].map(images))
        tooltip = ["image", *tooltip]
    return points, tooltip


def point_colors(run: Run, checkpoints: tuple[str, ...], proj, color_by: str, class_name: str | None):
    """:func:`hiddenrep.analysis.coloring` for the frames of ``proj`` (some or all of ``checkpoints``), fed the
    label-issue scores or neighbourhood changes it needs from the app's background tasks (see
    :func:`hiddenrep.ui.widgets.wait_for_colours`, which the page calls first)."""
    from ..analysis import coloring
    from .jobs import label_issues_task, neighborhood_task

    rows = np.asarray(proj.rows)
    scores = neighborhood = None
    if color_by == "label-issue score":
        issues = label_issues_task(store().root, run.id, len(checkpoints)).result().set_index("example_id")
        scores = issues.loc[run.examples()["example_id"].to_numpy()[rows], "label_issue_score"].to_numpy()
    if color_by == "neighbourhood change":
        neighborhood = neighborhood_task(store().root, run.id, checkpoints).result()[_drawn_frames(proj), rows]
    return coloring(run, list(proj.checkpoints), rows, color_by, class_name=class_name, issue_scores=scores,
                    neighborhood=neighborhood)


# A point counts as "not moved by the model" in a frame when at most 2 of its 10 hidden-space neighbours
# are new since the previous checkpoint (the neighbourhood-change colour reads <= 0.2).
STILL_CHANGE = 0.2


def still_points(run: Run, checkpoints: tuple[str, ...], proj) -> np.ndarray:
    """(frames, points) bool: the points of ``proj`` whose hidden neighbourhood did not change into each frame
    (never in the first frame, which has nothing to compare with). Needs the neighbourhood task done."""
    from .jobs import neighborhood_task

    change = neighborhood_task(store().root, run.id, checkpoints).result()[_drawn_frames(proj), np.asarray(proj.rows)]
    still = change <= STILL_CHANGE
    if proj.first == 0:
        still[0] = False
    return still


def _drawn_frames(proj) -> slice:
    """Which of the requested checkpoints ``proj`` holds (all, the first ones, or a backwards chain's last ones)."""
    return slice(proj.first, proj.first + len(proj.checkpoints))


# How long Explore's script waits for the projection's frames before it shows progress instead: joint PCA
# of 100k points x 21 checkpoints computes every frame in about this time, so the first picture has them all.
FIRST_PICTURE_WAIT = 3.0


def wait_for_frames(task, total: int, seconds: float = FIRST_PICTURE_WAIT) -> int:
    """How many of ``total`` frames the projection ``task`` has written, after waiting up to ``seconds``
    for all of them (a running task reports (frames written, total) as its progress)."""
    deadline = time.monotonic() + seconds
    while not task.done and task.progress[0] < total and time.monotonic() < deadline:
        time.sleep(0.05)
    return total if task.done and task.error is None else task.progress[0]


def scatter_spec(run_id: str, checkpoints: tuple[str, ...], method: str, mode: str, n_ready: int, *,
                 measured: bool = False, **options) -> dict:
    """:func:`_scatter_spec`, cached per run identity. ``measured``: the frames' metrics are all in (then
    the view is final and kept on disk)."""
    return _scatter_spec(open_run(run_id).identity, run_id, checkpoints, method, mode, n_ready, measured, **options)


@st.cache_data(show_spinner=False, max_entries=8)
def _scatter_spec(identity: str, run_id: str, checkpoints: tuple[str, ...], method: str, mode: str, n_ready: int,
                  measured: bool, *, color_by: str, class_name: str | None, validation_only: bool, wrong_only: bool,
                  search: str, fade_still: bool = False) -> dict:
    """The epoch-scatter spec (payload + key) of the ``n_ready`` frames computed so far, plus what the page
    shows beside it (``checkpoints`` drawn, ``first``: the index of the first of them among ``checkpoints``, not 0
    while a backwards chain has its last frames only). Raises LookupError when no point passes the filters.
    ``fade_still`` draws the points the model did not move (:func:`still_points`) faint. A final view (all
    frames, metrics in) is read from and written to ``<projection cache>/views/``.
    """
    from ..reduce import cached_frames

    run = open_run(run_id)
    proj = cached_frames(run, method=method, mode=mode, checkpoints=list(checkpoints))
    options = {"color_by": color_by, "class_name": class_name, "validation_only": validation_only,
               "wrong_only": wrong_only, "search": search, "fade_still": fade_still}
    path = None
    if proj.cache_path is not None and proj.metrics_complete:
        path = _view_path(proj.cache_path, identity, options)
        stored = _read_view(path)
        if stored is not None:
            return stored
    view = _build_view(run, checkpoints, proj, **options)
    if path is not None:
        try:
            _write_view(path, view)
        except OSError:
            pass  # a read-only runs directory: the view is only cached in memory
    return view


def _build_view(run: Run, checkpoints: tuple[str, ...], proj, *, color_by: str, class_name: str | None,
                validation_only: bool, wrong_only: bool, search: str, fade_still: bool) -> dict:
    from ..viz import scatter_chart, scatter_table
    from .scatter import spec_json

    rows = np.asarray(proj.rows)
    examples = run.examples().iloc[rows].reset_index(drop=True)
    keep = np.ones(len(rows), dtype=bool)
    if validation_only:
        keep &= (examples["split"] == "validation").to_numpy()
    if search:
        keep &= examples["text"].str.contains(search, case=False, regex=False).to_numpy()
    if not keep.any():
        raise LookupError("No point matches the filters: clear the search text or untick 'validation only'.")
    color = point_colors(run, checkpoints, proj, color_by, class_name)
    points, tooltip = chart_points(run, examples)
    faded = still_points(run, checkpoints, proj)[:, keep] if fade_still else None
    table = scatter_table(proj.coords[:, keep], points[keep], color=color.values[..., keep],
                          correct=color.correct[:, keep], faded=faded)
    by_name = {c.name: c for c in run.checkpoints}
    metrics = proj.metrics.reset_index(drop=True)
    titles = [_frame_title(by_name[name].label, metrics.iloc[t]) for t, name in enumerate(proj.checkpoints)]
    chart = scatter_chart(table, frame_titles=titles, tooltip=tooltip, wrong_only=wrong_only, **color.chart_options())
    spec, key = spec_json(chart)
    return {"spec": spec, "key": key, "metrics": metrics, "n_points": int(keep.sum()),
            "checkpoints": list(proj.checkpoints), "first": proj.first}


_VIEWS_KEPT = 6  # views kept on disk per projection (each ~20 MB at 100k points x 21 checkpoints)


@functools.lru_cache(maxsize=1)
def _builder_digest() -> str:
    """A digest of the code that builds a view: a stored view built by older code is never shown."""
    import importlib

    names = ("hiddenrep.viz.scatter", "hiddenrep.ui.scatter", "hiddenrep.analysis.coloring", __name__)
    sources = b"".join(Path(importlib.import_module(name).__file__).read_bytes() for name in names)
    return hashlib.sha1(sources).hexdigest()[:16]


def _view_path(cache_path: Path, identity: str, options: dict) -> Path:
    key = json.dumps({"identity": identity, "options": options, "builder": _builder_digest()}, sort_keys=True)
    return Path(cache_path) / "views" / f"view-{hashlib.sha1(key.encode()).hexdigest()[:20]}.bin"


def _write_view(path: Path, view: dict) -> None:
    from .scatter import Payload

    payload: Payload = view["spec"]
    header = json.dumps({"spec": payload.spec, "tables": payload.tables, "n_points_drawn": payload.n_points,
                         "key": view["key"], "n_points": view["n_points"], "checkpoints": view["checkpoints"],
                         "first": view["first"], "metrics": view["metrics"].to_dict(orient="list")}).encode()
    # The blob is kept gzipped, as the browser is sent it: a fresh server's first picture neither
    # compresses it (1 s at 100k points on a loaded machine) nor inflates it.
    atomic_write_bytes(path, len(header).to_bytes(8, "little") + header + payload.gzipped())
    for stale in sorted(path.parent.glob("view-*.bin"), key=lambda p: p.stat().st_mtime)[:-_VIEWS_KEPT]:
        stale.unlink(missing_ok=True)


def _read_view(path: Path) -> dict | None:
    """A stored view, or None when there is none (or it is truncated or unreadable: it is then rebuilt)."""
    from .scatter import Payload

    try:
        data = path.read_bytes()
        size = int.from_bytes(data[:8], "little")
        header = json.loads(data[8:8 + size])
        payload = Payload(header["spec"], header["tables"], b"", int(header["n_points_drawn"]), data[8 + size:])
        columns = [c for table in json.loads(payload.tables).values() for c in table["columns"].values()]
        expected = sum(-(-c["length"] * _ITEM_BYTES[c.get("codes", c["type"])] // 4) * 4 for c in columns)
        if len(payload.packed) < 18 or int.from_bytes(payload.packed[-4:], "little") != expected % 2**32:
            return None  # gzip's last 4 bytes: the inflated size (a truncated file ends elsewhere)
        return {"spec": payload, "key": header["key"], "metrics": pd.DataFrame(header["metrics"]),
                "n_points": int(header["n_points"]), "checkpoints": list(header["checkpoints"]),
                "first": int(header["first"])}
    except (OSError, ValueError, KeyError, TypeError):
        return None


_ITEM_BYTES = {"uint8": 1, "int32": 4, "float32": 4}


def _frame_title(label: str, metrics: pd.Series) -> str:
    """The checkpoint on the first line, its quality figures on the second (one line is wider than the chart)."""
    parts = []
    for column, name in (("motion_fidelity", "motion fidelity"), ("trustworthiness", "trustworthiness"),
                         ("knn_kept", "kNN kept"), ("jitter", "jitter"), ("hidden_change", "hidden change")):
        value = metrics.get(column)
        if value is not None and np.isfinite(value):
            parts.append(f"{name} {value:.2f}")
    return "\n".join([label, " · ".join(parts)]) if parts else label
