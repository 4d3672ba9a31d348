"""Project every checkpoint of a run into one shared coordinate frame, with per-frame metrics, cached.

Frames come first, metrics after: every frame's coordinates are computed and written to the cache
(metrics NaN, :data:`PENDING`) before any frame's quality is measured, because at 100k points the
metrics cost ~85 % of the time and nothing on screen needs them to draw a frame. A page therefore
sees ``cached_frames(...).complete`` (every frame drawn) while ``metrics_complete`` is still False;
an interrupted metrics pass is finished by the next :func:`project_run`. bench/scale.py measures it.
"""

from __future__ import annotations

import os
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import budget
from . import metrics as quality
from ..store import package_version
from .cache import CACHE_VERSION, FrameCache
from .reducers import PCA, TSNE, UMAP, UMAP_LOCK, check_data, import_umap

METHODS = ("pca", "tsne", "umap")
# Modes each method supports, its default first. ``budget`` is the t-SNE / UMAP default since it met every
# target of bench/motion.py on all three runs (README "Defaults and why"); ``warm`` streams its frames as they
# are computed and is kept for that, the others for comparison.
MODES = {
    "pca": ("joint-pca", "procrustes", "independent"),
    "tsne": ("budget", "warm", "anchored", "procrustes", "independent"),
    "umap": ("budget", "warm", "anchored", "aligned", "procrustes", "independent"),
}
DEFAULT_MODES = {method: modes[0] for method, modes in MODES.items()}
# Modes whose frames come from one chain run backwards from the last checkpoint (:func:`_budget_chain`): their
# frames arrive last first, so a projection still being computed holds the last checkpoints (``Projection.first``).
BACKWARDS_MODES = ("budget",)
# Every parameter a method takes, with its default; ``warm_*`` apply to frames after the first in warm and
# anchored mode, ``anchor_*`` in anchored mode only (see :func:`_anchoring`), ``budget_*`` in budget mode
# (see :mod:`.budget`; its last frame is an ordinary layout, the others take the ``budget_*`` steps).
PARAMS = {
    "pca": {},
    "tsne": {"perplexity": 30.0, "early_exaggeration_iter": 250, "n_iter": 500,
             "warm_iter": 150, "warm_shrink": 0.5, "anchor_power": 1.0, "anchor_rounds": 15, "budget_scale": 0.3,
             "budget_power": 4.0, "budget_floor": 0.62, "budget_iter": 50, "budget_exaggeration_iter": 150,
             "budget_exaggeration": 4.0},
    "umap": {"n_neighbors": 15, "min_dist": 0.1, "n_epochs": None, "warm_epochs": 30, "warm_learning_rate": 0.1,
             "alignment_regularisation": 0.01, "alignment_window_size": 3, "anchor_power": 1.0, "anchor_rounds": 3,
             "budget_scale": 0.4, "budget_power": 4.0, "budget_learning_rate": 1.0, "budget_floor": 0.62,
             "budget_epochs": 100},
}
METRIC_COLUMNS = (*quality.COLUMNS, "seconds")
_LIBRARIES = {"pca": ("numpy",), "tsne": ("numpy", "openTSNE"), "umap": ("numpy", "umap-learn", "pynndescent")}
# Joint PCA learns its basis from at most this many rows pooled over all checkpoints (the same seeded rows
# in each): below it (the default run: 10k x 11) the fit is exact; at 100k x 21 the fit reads ~9.5k rows
# per checkpoint instead of 2.1M rows, and two principal axes of a 32-d cloud are pinned by far fewer.
PCA_FIT_ROWS = 200_000
# Sample, then place: above PLACE_ABOVE rows a t-SNE / UMAP frame (modes budget, warm, procrustes, independent)
# is fitted on FIT_SAMPLE seeded rows, the same rows in every frame (their neighbours searched exactly; budget
# mode runs its whole chain on them), and every other row is put at the weighted mean of the positions of its
# PLACE_NEIGHBORS nearest fitted rows in the hidden space. Anchored frames are always fitted on every row.
# bench/scale.py --methods tsne,umap at 100k x 21, warm mode, side by side, abridged (README "Big runs" has the
# lines as printed; trustworthiness of the warm frame; load 2-4: on a quiet machine t-SNE's first frame took 10.0 s):
#   t-SNE  sample 5k + neighbours: first frame 31.0 s, next frame 5.7 s; trustworthiness 0.960
#   t-SNE  sample 5k + transform:  first frame 41.5 s, next frame 28.4 s; trustworthiness 0.962
#   t-SNE  sample 10k + neighbours: first frame 33.7 s, next frame 15.1 s; trustworthiness 0.959
#   UMAP   sample 5k + neighbours: first frame 10.7 s, next frame 3.7 s; trustworthiness 0.959
#   UMAP   sample 5k + transform:  first frame 173.9 s, next frame 30.8 s; trustworthiness 0.958
#   UMAP   sample 10k + neighbours: first frame 25.1 s, next frame 8.8 s; trustworthiness 0.959
# UMAP / t-SNE fitted on every row (an earlier run): trustworthiness 0.960 / 0.965, warm frame 17.0 s / 327 s.
# 5,000 rows, not 10,000: a warm t-SNE frame is its sample's 150 iterations, which cost more than twice as much
# on twice the rows (fashion-mnist, 70k: 11.1 s against 44.9 s, trustworthiness 0.995 with either). The
# threshold is a judgement: below 20,000 rows every row is fitted, as before.
PLACE_ABOVE = 20_000
FIT_SAMPLE = 5_000
PLACE_NEIGHBORS = 10
PLACED_MODES = ("warm", "budget", "procrustes", "independent")
_KEY_LOCKS: dict[str, threading.Lock] = {}
_KEY_LOCKS_GUARD = threading.Lock()


@dataclass
class Projection:
    """Frames of one projection. ``coords[i]`` is checkpoint ``checkpoints[i]``; all share one frame of axes.

    While a projection is still being computed (see :func:`cached_frames`) it holds ``len(checkpoints)`` of
    ``n_total`` frames: the first ones, or in :data:`BACKWARDS_MODES` the last ones (``first`` is the index of
    ``checkpoints[0]`` among all ``n_total``).
    """

    coords: np.ndarray  # float32 (n_frames, n_points, n_components)
    checkpoints: list[str]
    rows: np.ndarray  # rows of run.examples() that the points are
    metrics: pd.DataFrame  # one row per frame: checkpoint, epoch, trustworthiness, knn_kept, jitter, ...
    method: str
    mode: str
    params: dict = field(default_factory=dict)
    n_total: int = 0
    cache_path: Path | None = None
    first: int = 0

    @property
    def complete(self) -> bool:
        """Every frame's coordinates are there (their metrics may still be being measured)."""
        return len(self.checkpoints) == self.n_total

    @property
    def metrics_complete(self) -> bool:
        """Every frame is there and measured (trustworthiness is NaN only while a frame's metrics are pending)."""
        return self.complete and bool(np.isfinite(self.metrics["trustworthiness"].to_numpy(dtype=float)).all())


@dataclass
class _Request:
    run: object
    method: str
    mode: str
    checkpoints: list  # store.Checkpoint
    rows: np.ndarray
    n_components: int
    random_state: int
    params: dict
    cache: FrameCache | None


def project_run(run, *, method: str = "pca", mode: str | None = None, checkpoints: Sequence | None = None,
                examples=None, n_components: int = 2, random_state: int = 0, params: dict | None = None,
                progress: Callable[[int, int], None] | None = None,
                on_frame: Callable[[Projection], None] | None = None, cache: bool | str | os.PathLike = True,
                metrics: bool = True) -> Projection:
    """Project the hidden representations of ``run`` at each chosen checkpoint.

    ``mode`` None picks the method's stable default (:data:`DEFAULT_MODES`). ``examples``: None (all
    rows), ``"train"``/``"validation"``, a boolean mask or row indices. ``progress(done, total)`` and
    ``on_frame(partial_projection)`` are called after every frame, cached ones included, as soon as its
    coordinates are there (in :data:`BACKWARDS_MODES` the last checkpoint's first, the partial projections
    holding the last ones); the metrics of all frames are measured afterwards (``on_frame`` is called once
    more then), or never with ``metrics=False`` (their columns stay NaN). ``cache``: True keeps frames
    under ``<run>/projections/``, a path keeps them there, False keeps none.
    """
    request = _request(run, method, mode, checkpoints, examples, n_components, random_state, params, cache,
                       create=True)
    lock = _key_lock(str(request.cache.path) if request.cache else f"nocache-{id(request)}")
    with lock:
        return _compute(request, progress, on_frame, metrics)


def cached_frames(run, *, method: str = "pca", mode: str | None = None, checkpoints: Sequence | None = None,
                  examples=None, n_components: int = 2, random_state: int = 0, params: dict | None = None,
                  cache: bool | str | os.PathLike = True) -> Projection:
    """Whichever frames of this projection are already on disk (maybe none); never computes.

    A page can poll this while :func:`project_run` works in a background thread or process.
    """
    request = _request(run, method, mode, checkpoints, examples, n_components, random_state, params, cache)
    return _projection(request, _read(request))


def _request(run, method, mode, checkpoints, examples, n_components, random_state, params, cache, *,
             create: bool = False) -> _Request:
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}.")
    mode = DEFAULT_MODES[method] if mode is None else mode
    if mode not in MODES[method]:
        raise ValueError(f"mode {mode!r} does not apply to {method}; {method} supports {MODES[method]}.")
    if n_components not in (2, 3):
        raise ValueError(f"n_components must be 2 or 3, got {n_components!r}.")
    if not isinstance(random_state, (int, np.integer)):
        raise ValueError(f"random_state must be an int (it is part of the cache key), got {random_state!r}.")
    unknown = sorted(set(params or {}) - set(PARAMS[method]))
    if unknown:
        raise ValueError(f"Unknown {method} parameter(s) {unknown}; {method} takes {sorted(PARAMS[method])}.")
    resolved = {**PARAMS[method], **(params or {})}
    chosen = run.checkpoints if checkpoints is None else [run.checkpoint(c) for c in checkpoints]
    if not chosen:
        raise LookupError(f"Run {run.id} has no checkpoints to project yet.")
    if len({c.name for c in chosen}) != len(chosen):
        raise ValueError(f"checkpoints lists a checkpoint twice: {[c.name for c in chosen]}.")
    rows = _rows(run, examples)
    key = {
        "version": CACHE_VERSION, "run": run.id, "run_created": run.manifest.get("created_at"),
        "checkpoints": [c.name for c in chosen], "inputs": [_input_stamp(run, c) for c in chosen],
        "rows": _rows_digest(rows), "method": method, "mode": mode,
        "n_components": int(n_components), "random_state": int(random_state), "params": resolved,
        "metrics": {"k": quality.K, "sample": quality.SAMPLE},
        **({"pca_fit_rows": PCA_FIT_ROWS, "scale": "rms radius"} if mode == "joint-pca" else {}),
        **({"fit_sample": FIT_SAMPLE, "place_neighbors": PLACE_NEIGHBORS} if _placed(method, mode, len(rows)) else {}),
        "libraries": {name: package_version(name) for name in (*_LIBRARIES[method], "scikit-learn")},
    }
    return _Request(run, method, mode, chosen, rows, int(n_components), int(random_state), resolved,
                    _frame_cache(run, cache, key, create))


def _rows(run, examples) -> np.ndarray:
    n = int(run.manifest["dataset"]["n_examples"])
    if examples is None:
        return np.arange(n)
    if isinstance(examples, str):
        splits = run.examples()["split"].to_numpy()
        rows = np.flatnonzero(splits == examples)
        if len(rows) == 0:
            raise ValueError(f"Run {run.id} has no {examples!r} examples; its splits are {sorted(set(splits))}.")
        return rows
    examples = np.asarray(examples)
    if examples.dtype == bool:
        if examples.shape != (n,):
            raise ValueError(f"A boolean examples mask needs one entry per example ({n}), got shape {examples.shape}.")
        rows = np.flatnonzero(examples)
    elif np.issubdtype(examples.dtype, np.integer) and examples.ndim == 1:
        rows = examples.astype(np.int64)
        if len(rows) and (rows.min() < 0 or rows.max() >= n):
            raise ValueError(f"examples holds row indices outside 0..{n - 1}.")
        if len(np.unique(rows)) != len(rows):
            raise ValueError("examples lists a row more than once.")
    else:
        raise ValueError("examples must be None, 'train', 'validation', a boolean mask or a 1-D array of row "
                         f"indices, got an array of dtype {examples.dtype} and shape {examples.shape}.")
    if len(rows) < 3:
        raise ValueError(f"examples selects {len(rows)} rows; a projection needs at least 3.")
    return rows


def _input_stamp(run, checkpoint) -> list[int] | None:
    """Size and mtime of a checkpoint's hidden array: a rewritten or damaged one misses the cache.
    None for a run held in memory (no files; such a run is projected with ``cache=False``)."""
    if run.path is None:
        return None
    path = Path(run.path) / "checkpoints" / checkpoint.name / "hidden.npy"
    try:
        stat = path.stat()
    except FileNotFoundError:
        run.load(checkpoint, "hidden")  # raises the store's message naming the run and checkpoint
        raise
    return [int(stat.st_size), int(stat.st_mtime_ns)]


def _placed(method: str, mode: str, n_rows: int) -> bool:
    """Whether frames are fitted on a sample and the other rows placed (see :data:`PLACE_ABOVE`)."""
    return method in ("tsne", "umap") and mode in PLACED_MODES and n_rows > PLACE_ABOVE


def _rows_digest(rows: np.ndarray) -> str:
    import hashlib

    return f"{len(rows)}:{hashlib.sha256(rows.astype(np.int64).tobytes()).hexdigest()[:16]}"


def _frame_cache(run, cache, key: dict, create: bool) -> FrameCache | None:
    if cache is False or cache is None:
        return None
    root = Path(run.path) / "projections" if cache is True else Path(cache)
    frames = FrameCache(root, key)
    if not create:
        return frames
    try:
        frames.start()
    except OSError as error:
        warnings.warn(f"Projection cache {frames.path} is not writable ({error}); computing without a cache.",
                      stacklevel=3)
        return None
    return frames


def _key_lock(name: str) -> threading.Lock:
    with _KEY_LOCKS_GUARD:
        return _KEY_LOCKS.setdefault(name, threading.Lock())


def _read(request: _Request) -> list[tuple[np.ndarray, np.ndarray]]:
    if request.cache is None:
        return []
    return request.cache.read(len(request.rows), request.n_components, len(METRIC_COLUMNS),
                              backwards=request.mode in BACKWARDS_MODES)


def _projection(request: _Request, frames: list[tuple[np.ndarray, np.ndarray]]) -> Projection:
    """The projection of ``frames``: the first checkpoints', or in :data:`BACKWARDS_MODES` the last ones'."""
    first = len(request.checkpoints) - len(frames) if request.mode in BACKWARDS_MODES else 0
    chosen = request.checkpoints[first: first + len(frames)]
    names = [c.name for c in chosen]
    table = pd.DataFrame([m for _, m in frames], columns=list(METRIC_COLUMNS))
    table.insert(0, "epoch", [c.epoch for c in chosen])
    table.insert(0, "checkpoint", names)
    coords = (np.stack([c for c, _ in frames]) if frames
              else np.empty((0, len(request.rows), request.n_components), dtype=np.float32))
    return Projection(coords, names, request.rows, table, request.method, request.mode, request.params,
                      len(request.checkpoints), request.cache.path if request.cache else None, first)


def _compute(request: _Request, progress, on_frame, metrics: bool) -> Projection:
    backwards = request.mode in BACKWARDS_MODES
    frames = _read(request)
    total = len(request.checkpoints)
    if request.mode == "aligned" and len(frames) < total:
        frames = []  # one joint fit: a partial entry cannot be extended
    for done in range(1, len(frames) + 1):
        _notify(request, frames[-done:] if backwards else frames[:done], progress, on_frame)
    hidden = _HiddenLoader(request)
    if len(frames) < total:
        for index, coords, seconds in _layouts(request, hidden, frames):
            values = np.full(len(METRIC_COLUMNS), np.nan)
            values[-1] = seconds
            frames.insert(0 if backwards else len(frames), (coords, values))
            if request.cache is not None:
                request.cache.write(index, coords, values)
            _notify(request, frames, progress, on_frame)
    if metrics and _measure(request, hidden, frames) and on_frame is not None:
        on_frame(_projection(request, frames))
    return _projection(request, frames)


PENDING = "trustworthiness"  # the metric column that is NaN exactly while a frame's metrics are pending


def _measure(request: _Request, hidden, frames: list[tuple[np.ndarray, np.ndarray]]) -> bool:
    """Fill in the metrics of every frame still pending (rewriting its cache file); True if any was."""
    pending = [i for i, (_, values) in enumerate(frames) if not np.isfinite(values[METRIC_COLUMNS.index(PENDING)])]
    if not pending:
        return False
    sample = quality.sample_rows(len(request.rows))
    neighbors = {}  # hidden-space neighbours of the sample, by frame (the previous frame's kept for the next)
    for index in pending:
        for i in (index - 1, index):
            if i >= 0 and i not in neighbors:
                neighbors[i] = quality.neighbor_sets(hidden(i), sample)
        coords, values = frames[index]
        first = index == 0
        row = quality.frame_metrics(hidden(index), coords, sample, neighbors[index],
                                    None if first else frames[index - 1][0],
                                    None if first else neighbors[index - 1],
                                    None if first else hidden(index - 1))
        values = np.array([row[c] for c in quality.COLUMNS] + [values[-1]], dtype=np.float64)
        frames[index] = (coords, values)
        neighbors = {i: n for i, n in neighbors.items() if i >= index}
        if request.cache is not None:
            request.cache.write(index, coords, values)
    return True


def _notify(request, frames, progress, on_frame) -> None:
    if progress is not None:
        progress(len(frames), len(request.checkpoints))
    if on_frame is not None:
        on_frame(_projection(request, frames))


class _HiddenLoader:
    """The selected rows of one checkpoint's hidden array as float32; the neighbours of the latest one
    asked for stay in memory (forwards or, in budget mode, backwards)."""

    def __init__(self, request: _Request):
        self.request = request
        self.kept: dict[int, np.ndarray] = {}

    def __call__(self, index: int) -> np.ndarray:
        if index not in self.kept:
            checkpoint = self.request.checkpoints[index]
            hidden = self.request.run.load(checkpoint, "hidden")
            rows = self.request.rows
            every = len(rows) == len(hidden) and np.array_equal(rows, np.arange(len(rows)))  # all, in order
            values = check_data(np.asarray(hidden if every else hidden[rows]), f"hidden of checkpoint {checkpoint.name}")
            self.kept = {i: v for i, v in self.kept.items() if abs(i - index) <= 1}  # either direction
            self.kept[index] = values
        return self.kept[index]


def _anchoring(previous: np.ndarray, before: np.ndarray, after: np.ndarray, power: float) -> dict:
    """Where anchored mode starts a frame and how hard it holds each point to the previous frame.

    ``before``/``after``: each point's 10 hidden-space neighbours at the previous and at this checkpoint.
    A point's change c is the share of them that is new (blind to rotations and rescalings of the
    hidden basis, unlike raw distances). It is held with weight (1 - c) ** power: a point whose
    neighbourhood stayed stays put, one whose neighbourhood was replaced moves freely. It starts the
    share c of the way from its previous position to where its new neighbours were, so a point that
    changed cluster does not have to be dragged across the picture by the optimiser.
    """
    change = 1.0 - quality.overlap(before, after)
    start = previous + change[:, None] * (previous[after].mean(axis=1) - previous)
    return {"init": start, "anchor": previous, "anchor_weights": (1.0 - change) ** power}


def _reducer(request: _Request, *, warm_from: np.ndarray | None = None, anchoring: dict | None = None,
             exact_knn: bool = False, theta: float = 0.5):
    """The estimator for one frame: the full schedule, or the short warm one starting at ``warm_from``
    (or, anchored, at ``anchoring["init"]`` and held to ``anchoring["anchor"]``); ``exact_knn`` for a
    sampled frame (:func:`_sampled_then_placed`); ``theta``: a full t-SNE schedule's Barnes-Hut accuracy."""
    p, n, seed = request.params, request.n_components, request.random_state
    if anchoring is not None:
        if request.method == "tsne":
            shrink = p["warm_shrink"]
            return TSNE(n, perplexity=p["perplexity"], early_exaggeration_iter=0, n_iter=p["warm_iter"],
                        init=anchoring["init"] * shrink, init_std=None, anchor=anchoring["anchor"] * shrink,
                        anchor_weights=anchoring["anchor_weights"], anchor_rounds=p["anchor_rounds"],
                        random_state=seed)
        return UMAP(n, n_neighbors=p["n_neighbors"], min_dist=p["min_dist"], n_epochs=p["warm_epochs"],
                    learning_rate=p["warm_learning_rate"], init=anchoring["init"], anchor=anchoring["anchor"],
                    anchor_weights=anchoring["anchor_weights"], anchor_rounds=p["anchor_rounds"], random_state=seed)
    if request.method == "pca":
        return PCA(n)
    if request.method == "tsne":
        if warm_from is None:
            return TSNE(n, perplexity=p["perplexity"], early_exaggeration_iter=p["early_exaggeration_iter"],
                        n_iter=p["n_iter"], exact_knn=exact_knn, theta=theta, random_state=seed)
        # Start from the previous layout shrunk (not to openTSNE's 1e-4, which rebuilds it from scratch),
        # no early exaggeration (it scrambles the start), a short normal phase.
        return TSNE(n, perplexity=p["perplexity"], early_exaggeration_iter=0, n_iter=p["warm_iter"],
                    init=warm_from * p["warm_shrink"], init_std=None, exact_knn=exact_knn, random_state=seed)
    if warm_from is None:
        return UMAP(n, n_neighbors=p["n_neighbors"], min_dist=p["min_dist"], n_epochs=p["n_epochs"],
                    exact_knn=exact_knn, random_state=seed)
    return UMAP(n, n_neighbors=p["n_neighbors"], min_dist=p["min_dist"], n_epochs=p["warm_epochs"],
                learning_rate=p["warm_learning_rate"], init=warm_from, exact_knn=exact_knn, random_state=seed)


def _layouts(request: _Request, hidden, cached: list[tuple[np.ndarray, np.ndarray]]):
    """Yield (frame index, float32 coords, seconds) of every frame not in ``cached`` (the frames on disk: the
    first ones, or in :data:`BACKWARDS_MODES` the last ones), each in the shared frame, in the order computed."""
    total, mode = len(request.checkpoints), request.mode
    if mode in BACKWARDS_MODES:
        yield from _budget_chain(request, hidden, stop=total - len(cached), later=cached[0][0] if cached else None)
        return
    start, previous = len(cached), cached[-1][0] if cached else None
    if mode == "joint-pca":
        began = time.perf_counter()
        pooled, radii = _pooled_rows(request)
        basis = PCA(request.n_components).fit(pooled)
        # The basis applied in float32 (PCA.transform works in float64): 3x faster at 100k points, and the
        # frames are stored as float32 anyway.
        components = basis.components_.T.astype(np.float32)
        offset = (basis.mean_ @ basis.components_.T).astype(np.float32)
        share = (time.perf_counter() - began) / total
        for index in range(start, total):
            began = time.perf_counter()
            yield index, (hidden(index) / radii[index]) @ components - offset, share + time.perf_counter() - began
        return
    if mode == "aligned" and total > 1:
        began = time.perf_counter()
        layouts = _aligned_umap(request, [hidden(i) for i in range(total)])
        share = (time.perf_counter() - began) / total
        for index, coords in enumerate(layouts):
            yield index, coords, share
        return
    everyone = np.arange(len(request.rows))
    neighbors = {}  # anchored mode: hidden neighbours of every point, by frame (the current one kept for the next)
    for index in range(start, total):
        began = time.perf_counter()
        anchoring = None
        if mode == "anchored" and previous is not None:
            for i in (index - 1, index):
                if i not in neighbors:
                    neighbors[i] = quality.neighbor_sets(hidden(i), everyone)
            anchoring = _anchoring(previous.astype(np.float64), neighbors[index - 1], neighbors[index],
                                   request.params["anchor_power"])
            neighbors.pop(index - 1)
        warm = mode == "warm" and previous is not None
        if _placed(request.method, mode, len(request.rows)):
            coords = _sampled_then_placed(request, hidden(index), previous if warm else None)
        else:
            coords = _reducer(request, warm_from=previous if warm else None, anchoring=anchoring).fit_transform(
                hidden(index))
        if mode in ("procrustes", "warm", "anchored") and previous is not None:
            coords = quality.procrustes(coords, previous)  # hold orientation and scale steady
        coords = np.asarray(coords, dtype=np.float32)  # what the cache keeps is what the next frame starts from
        previous = coords
        yield index, coords, time.perf_counter() - began


def _sampled_then_placed(request: _Request, X: np.ndarray, warm_from: np.ndarray | None) -> np.ndarray:
    """One frame fitted on the seeded sample of :data:`FIT_SAMPLE` rows (warm from their previous positions;
    their neighbours searched exactly, :func:`~hiddenrep.reduce.reducers.exact_neighbors` says why), the other
    rows placed among their nearest fitted rows (:func:`_beside_neighbours`)."""
    fit = quality.sample_rows(len(X), seed=request.random_state, size=FIT_SAMPLE)
    rest = np.setdiff1d(np.arange(len(X)), fit)
    reducer = _reducer(request, warm_from=None if warm_from is None else warm_from[fit], exact_knn=True)
    coords = np.empty((len(X), request.n_components), dtype=np.float32)
    coords[fit] = reducer.fit_transform(X[fit])
    coords[rest] = _beside_neighbours(X[fit], coords[fit], X[rest])
    return coords


def _beside_neighbours(fitted: np.ndarray, layout: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Each row of ``X`` at the weighted mean of the layout positions of its :data:`PLACE_NEIGHBORS` nearest
    ``fitted`` rows (hidden space, exact, euclidean). This is what umap-learn's ``transform`` starts from, done
    in one batched search instead of its Python loop over rows, and kept as it is: the optimisation the
    reducers' ``transform`` adds gained 0.002-0.003 of trustworthiness for several times the seconds
    (bench/scale.py prints both). Weights exp(-(d - d_nearest) / s), s the row's mean of d - d_nearest: the
    nearest fitted rows count most, on any scale of the hidden space."""
    from sklearn.neighbors import NearestNeighbors

    distances, nearest = NearestNeighbors(n_neighbors=PLACE_NEIGHBORS, algorithm="brute").fit(fitted).kneighbors(X)
    excess = distances - distances[:, :1]
    weights = np.exp(-excess / np.maximum(excess.mean(axis=1, keepdims=True), np.finfo(np.float32).tiny))
    weights /= weights.sum(axis=1, keepdims=True)
    return np.einsum("rk,rkc->rc", weights, layout[nearest]).astype(np.float32)


def _pooled_rows(request: _Request) -> tuple[np.ndarray, np.ndarray]:
    """The rows joint PCA is fitted on, and each checkpoint's RMS radius: every selected row of every
    checkpoint, or (above :data:`PCA_FIT_ROWS` in all) the same seeded sample of them from each, read
    straight from the memory-mapped arrays, so no checkpoint is loaded whole before the first frame.

    Each checkpoint's rows are divided by their RMS radius (measured on those rows), as motion fidelity
    measures hidden motion: a layer whose activations grow must not look like every point moving outward."""
    total, n = len(request.checkpoints), len(request.rows)
    per_checkpoint = min(n, -(-PCA_FIT_ROWS // total))
    picked = request.rows if per_checkpoint == n else request.rows[quality.sample_rows(n, size=per_checkpoint)]
    parts, radii = [], []
    for checkpoint in request.checkpoints:
        part = check_data(np.asarray(request.run.load(checkpoint, "hidden")[picked]),
                          f"hidden of checkpoint {checkpoint.name}")
        radius = np.float32(quality.rms_radius(part))
        parts.append(part / radius)
        radii.append(radius)
    return np.concatenate(parts), np.asarray(radii, dtype=np.float32)


def _budget_chain(request: _Request, hidden, *, stop: int, later: np.ndarray | None):
    """Budget mode's frames before ``stop``, yielded as each is computed, from frame ``stop - 1`` back to the first.
    ``later``: frame ``stop``'s coordinates, which frame ``stop - 1`` starts from; None: the chain starts at the
    last checkpoint, with an ordinary layout (:mod:`.budget` says why backwards). A frame is computed from the
    frame after it as written, so a chain resumed from its cached frames draws what an uninterrupted one would.
    Above :data:`PLACE_ABOVE` rows the chain runs on the seeded sample and each frame's other rows are placed
    beside their nearest sampled rows (:func:`_beside_neighbours`), then held to their own budgets, at the scale
    the sample's frame settled on or below it until the frame's motion fidelity over all rows holds the floor:
    placed beside its neighbours alone, a row moves as its neighbourhood does, not as the model moved it."""
    placed = _placed(request.method, request.mode, len(request.rows))
    fit = quality.sample_rows(len(request.rows), seed=request.random_state, size=FIT_SAMPLE) if placed else slice(None)
    rest = np.setdiff1d(np.arange(len(request.rows)), fit) if placed else None
    for index in range(stop - 1, -1, -1):
        began = time.perf_counter()
        X = hidden(index)
        if later is None:
            # exact neighbours, as every budget frame's (budget.EXACT_BELOW): NN-descent's compile is uncacheable;
            # t-SNE at the budget frames' Barnes-Hut accuracy (budget.TSNE_THETA)
            coords = _reducer(request, exact_knn=True, theta=budget.TSNE_THETA).fit_transform(X[fit])
            allowed = None
        else:
            coords, allowed = _budgeted(request, hidden(index + 1)[fit], X[fit], later[fit].astype(np.float64))
        # float32 throughout: what the cache keeps is what the next step starts from
        if not placed:
            frame = np.asarray(coords, dtype=np.float32)
        else:
            frame = np.empty((len(X), request.n_components), dtype=np.float32)
            frame[fit] = coords
            frame[rest] = _beside_neighbours(X[fit], frame[fit], X[rest])
            if allowed is not None:  # every row held to its own budget, the floor checked over all of them
                everyone = budget.Budget(hidden(index + 1), X, later, allowed.scale,
                                         request.params["budget_power"], request.params["budget_floor"])
                everyone.unit[fit] = np.inf  # the sample's rows keep the chain's positions: the floor is checked as drawn
                frame[:] = everyone.held(frame.astype(np.float64))
        later = frame
        yield index, frame, time.perf_counter() - began


def _budgeted(request: _Request, before: np.ndarray, after: np.ndarray, previous: np.ndarray):
    """One budget-mode frame of ``after`` and its budgets: from ``previous`` (the layout of ``before``), each
    point's move capped by how far the model moved it, the cap's scale steered to keep this transition's motion
    fidelity at ``budget_floor`` or above (:class:`.budget.Budget`)."""
    p, seed = request.params, request.random_state
    allowed = budget.Budget(before, after, previous, p["budget_scale"], p["budget_power"], p["budget_floor"])
    if request.method == "tsne":
        return budget.tsne_layout(after, allowed, perplexity=p["perplexity"], n_iter=p["budget_iter"],
                                  exaggeration_iter=p["budget_exaggeration_iter"],
                                  exaggeration=p["budget_exaggeration"], random_state=seed), allowed
    return budget.umap_layout(after, allowed, n_neighbors=p["n_neighbors"], min_dist=p["min_dist"],
                              n_epochs=p["budget_epochs"], learning_rate=p["budget_learning_rate"],
                              random_state=seed), allowed


def _aligned_umap(request: _Request, hidden: list[np.ndarray]) -> list[np.ndarray]:
    umap = import_umap()
    p = request.params
    identity = {i: i for i in range(len(request.rows))}
    aligned = umap.AlignedUMAP(n_components=request.n_components,
                               n_neighbors=min(p["n_neighbors"], len(request.rows) - 1),
                               min_dist=p["min_dist"], n_epochs=p["n_epochs"] or 200,
                               alignment_regularisation=p["alignment_regularisation"],
                               alignment_window_size=p["alignment_window_size"], random_state=request.random_state)
    with UMAP_LOCK, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="n_jobs value")
        aligned.fit(hidden, relations=[identity] * (len(hidden) - 1))
    return [np.asarray(e, dtype=np.float32) for e in aligned.embeddings_]
