"""Nearest neighbours in the hidden space, and how a point's neighbourhood changes between checkpoints.

The second half of this module is the stored neighbour index: each checkpoint's exact nearest
neighbours, computed once and kept on disk, which is what a click reads. A click on a point in Explore
asks for its neighbours at the checkpoint on screen and the one before (who joined, who left).
Computing them means a distance to every point of both checkpoints: ~0.2 s each at 100k points on this
machine, more under load, on every click. The index holds every point's
:data:`INDEX_K` nearest other points per checkpoint (int32 indices + float32 distances, nearest first, ties
by index), so a click reads two rows. It is built in the background (the app starts it after the
first picture) and kept beside the projections, under ``<run>/neighbors/``, keyed by the run's
identity and the checkpoint's ``hidden.npy`` size and mtime: a replaced run or a rewritten checkpoint
gets a fresh index, never a stale one. Until a checkpoint's index is there, callers compute that
checkpoint's neighbours directly (:func:`neighbor_table` does), so nothing waits.

Exactness: candidates are found with one float32 matrix product per block of rows, then the best
:data:`INDEX_K` + :data:`_MARGIN` of them are re-measured in float64 with the very formula the direct query
uses, so the index agrees with it except among distances that float32 cannot tell apart.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..checks import check_vectors
from ..data.base import label_names
from ..store import atomic_write_bytes, atomic_write_json

METRICS = ("cosine", "euclidean")
# Exact search grows as n²: at 40,000 points (64-d, 2 CPU cores) it takes as long as pynndescent's
# cold start (~40-70 s of numba compilation per process), and above that the index wins, at ~0.985
# recall. bench/neighbors.py measures both.
APPROXIMATE_ABOVE = 40_000
_BLOCK_BYTES = 64 * 2**20


def _validate(vectors, k: int, metric: str) -> np.ndarray:
    """The vectors (checked by :func:`hiddenrep.checks.check_vectors`), once ``k`` and ``metric`` fit them."""
    vectors = check_vectors(vectors)
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}.")
    if not 1 <= k < len(vectors):
        raise ValueError(f"k must be between 1 and n_points - 1 = {len(vectors) - 1} (a point is never its own "
                         f"neighbour), got k={k}.")
    return vectors


def _prepare(vectors: np.ndarray, metric: str) -> np.ndarray:
    """float64 rows; unit length for cosine (a zero vector stays zero: distance 1 to everything)."""
    x = np.asarray(vectors, dtype=np.float64)
    if metric == "cosine":
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        x = x / np.where(norms == 0, 1.0, norms)
    return x


def _pair_distances(x: np.ndarray, rows: np.ndarray, others: np.ndarray, metric: str) -> np.ndarray:
    """Exact float64 distances from each of ``rows`` to its ``others`` (shape (len(rows), k))."""
    a, b = x[rows][:, None, :], x[others]
    if metric == "cosine":
        return np.clip(1.0 - (a * b).sum(-1), 0.0, 2.0)
    return np.sqrt(((b - a) ** 2).sum(-1))


def _block_distances(x32: np.ndarray, sq: np.ndarray, rows: slice, metric: str) -> np.ndarray:
    """Distances from a block of rows to every point, via one float32 matrix product."""
    dots = x32[rows] @ x32.T
    if metric == "cosine":
        return 1.0 - dots
    return np.sqrt(np.maximum(sq[rows, None] + sq[None, :] - 2.0 * dots, 0.0))


def _exact(x: np.ndarray, k: int, metric: str) -> np.ndarray:
    n = len(x)
    x32 = x.astype(np.float32)
    sq = (x32**2).sum(1)
    block = max(1, _BLOCK_BYTES // (4 * n))
    indices = np.empty((n, k), dtype=np.int64)
    for start in range(0, n, block):
        stop = min(n, start + block)
        d = _block_distances(x32, sq, slice(start, stop), metric)
        d[np.arange(stop - start), np.arange(start, stop)] = np.inf  # never self
        indices[start:stop] = np.argpartition(d, k - 1, axis=1)[:, :k]
    return indices


def _approximate(x: np.ndarray, k: int, metric: str, seed: int) -> np.ndarray:
    from pynndescent import NNDescent

    graph, _ = NNDescent(x, metric=metric, n_neighbors=k + 1, random_state=seed, n_jobs=1).neighbor_graph
    is_self = graph == np.arange(len(x))[:, None]
    # Self usually comes first; if a duplicate displaced it, drop the farthest instead.
    order = np.argsort(is_self, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(graph, order, axis=1).astype(np.int64)


def nearest_neighbors(vectors, k: int = 10, metric: str = "cosine", *, approximate: bool | None = None,
                      seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest other points of every point: ``(indices (n, k), distances (n, k))``, nearest first.

    A point is never its own neighbour (an exact duplicate of it can be, at distance 0). Exact up to
    :data:`APPROXIMATE_ABOVE` points, pynndescent above (``approximate`` forces either). Distances
    are recomputed in float64 for the chosen pairs; ties are broken by index, so results are
    deterministic. Cosine distance is ``1 - cos``; euclidean is the plain L2 distance.
    """
    vectors = _validate(vectors, k, metric)
    x = _prepare(vectors, metric)
    if approximate is None:
        approximate = len(x) > APPROXIMATE_ABOVE
    indices = _approximate(x, k, metric, seed) if approximate else _exact(x, k, metric)
    rows = np.arange(len(x))
    distances = np.concatenate([_pair_distances(x, rows[s:s + 4096], indices[s:s + 4096], metric)
                                for s in range(0, len(x), 4096)])
    order = np.lexsort((indices, distances), axis=1)
    return np.take_along_axis(indices, order, axis=1), np.take_along_axis(distances, order, axis=1)


def neighborhood_change(run, checkpoints, rows=None, *, k: int = 10, metric: str = "cosine",
                        progress=None) -> np.ndarray:
    """Per checkpoint and point, the fraction of its ``k`` hidden-space neighbours that are new since the
    previous checkpoint in ``checkpoints`` (0 at the first one, which has nothing to compare with).

    Shape (len(checkpoints), len(rows)). Neighbours are searched among ``rows`` (default: every
    example), with the neighbour table's defaults, so a point that reads 0.6 here shows 6 of 10
    neighbours "joined" there. No projection is involved: this is how far the *model* moved each
    point's neighbourhood, the yardstick against which movement on screen is read.
    ``progress(done, total)`` is called after each checkpoint.
    """
    from ..reduce.metrics import overlap

    examples = np.arange(int(run.manifest["dataset"]["n_examples"])) if rows is None else np.asarray(rows)
    change = np.zeros((len(checkpoints), len(examples)))
    previous = None
    for frame, checkpoint in enumerate(checkpoints):
        current, _ = nearest_neighbors(np.asarray(run.load(checkpoint, "hidden"))[examples], k, metric)
        if previous is not None:
            change[frame] = 1.0 - overlap(current, previous)
        previous = current
        if progress is not None:
            progress(frame + 1, len(checkpoints))
    return change


_QUERY_BLOCK = 8192  # rows per block: the float64 temporaries stay in cache (the 100k-point click: 3x faster)


def _query(hidden: np.ndarray, row: int, metric: str) -> np.ndarray:
    """Exact distances from one point to every point (itself: inf), O(n·h): what a click costs while its
    checkpoint has no stored index yet (:func:`stored_neighbors`; ~0.2 s at 100k points).
    Computed block by block with the very operations of :func:`_pair_distances`, so results are identical."""
    hidden = np.asarray(hidden)
    query = _prepare(hidden[row:row + 1], metric)
    distances = np.empty(len(hidden))
    for start in range(0, len(hidden), _QUERY_BLOCK):
        block = _prepare(hidden[start:start + _QUERY_BLOCK], metric)
        distances[start:start + len(block)] = _pair_distances(np.concatenate([query, block]), np.array([0]),
                                                              np.arange(1, len(block) + 1)[None, :], metric)[0]
    distances[row] = np.inf
    return distances


def _distances_to(hidden: np.ndarray, row: int, others: np.ndarray, metric: str) -> np.ndarray:
    """Exact distances from one point to a few others, bit for bit those :func:`_query` gives them."""
    x = _prepare(np.asarray(hidden[np.concatenate([[row], others]).astype(np.int64)]), metric)
    return _pair_distances(x, np.array([0]), np.arange(1, len(others) + 1)[None, :], metric)[0]


def _nearest(run, checkpoint, hidden: np.ndarray, row: int, k: int, metric: str) -> np.ndarray:
    """The ``k`` nearest other points of ``row``: two rows of the stored index when it is built (and
    covers ``k``), else every distance computed now."""
    stored = stored_neighbors(run, checkpoint, metric) if k <= INDEX_K else None
    if stored is not None:
        return np.asarray(stored[0][row, :k], dtype=np.int64)
    return _top(_query(hidden, row, metric), k)


def _top(distances: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` smallest distances, ties by index: the first k of a full lexsort, sorting only the candidates."""
    if k >= len(distances):
        return np.lexsort((np.arange(len(distances)), distances))[:k]
    kth = np.partition(distances, k - 1)[k - 1]
    candidates = np.flatnonzero(distances <= kth)
    return candidates[np.lexsort((candidates, distances[candidates]))][:k]


def neighbor_table(run, checkpoint, example_id: str, *, k: int = 10, metric: str = "cosine",
                   include_self: bool = False) -> pd.DataFrame:
    """The ``k`` nearest neighbours of ``example_id`` in the hidden space at ``checkpoint``.

    Columns: rank, example_id, text, label, prediction, correct, distance, change. ``change`` is
    "stayed" or "joined" against the previous checkpoint (all "stayed" at the first one); the
    neighbours that "left" follow, with no rank and their distance now. Labels and predictions are
    class names ('+'-joined sets for multi-label runs). ``include_self`` puts the example itself first
    (rank 0, distance 0, change "itself"), so a table reads against what was asked about.
    """
    examples = run.examples()
    matches = np.flatnonzero((examples["example_id"] == example_id).to_numpy())
    if not len(matches):
        raise LookupError(f"Run {run.id} has no example {example_id!r}; ids look like "
                          f"{examples['example_id'].iloc[0]!r}.")
    row = int(matches[0])
    current = run.checkpoint(checkpoint)
    hidden = run.load(current, "hidden")
    _validate(hidden, k, metric)
    now = _nearest(run, current, hidden, row, k, metric)
    previous = set(now.tolist())
    if current.index > 0:
        before = run.checkpoint(current.index - 1)
        previous = set(_nearest(run, before, run.load(before, "hidden"), row, k, metric).tolist())
    gone = np.array(sorted(previous - set(now.tolist())), dtype=np.int64)
    gone_distances = _distances_to(hidden, row, gone, metric)
    left = gone[np.lexsort((gone, gone_distances))]
    rows = np.concatenate([[row] if include_self else [], now, left]).astype(np.int64)
    distances = dict(zip(np.concatenate([now, gone]).tolist(),
                         np.concatenate([_distances_to(hidden, row, now, metric), gone_distances]).tolist()))
    prediction, correct = [None] * len(rows), [None] * len(rows)
    if "pred" in run.array_names(current):  # runs imported without labels have no predictions
        labels = run.labels(examples)[rows]
        pred = np.asarray(run.load(current, "pred"))[rows]
        prediction = label_names(pred, run.class_names, run.multilabel)
        correct = (pred == labels).all(1) if run.multilabel else pred == labels
    itself = [0] if include_self else []
    picked = examples.iloc[rows]  # only these rows leave Arrow: a whole text column is ~10 ms per 100k
    return pd.DataFrame({
        "rank": pd.array(itself + list(range(1, len(now) + 1)) + [None] * len(left), dtype="Int64"),
        "example_id": picked["example_id"].to_numpy(),
        "text": picked["text"].to_numpy(),
        "label": picked["label_name"].to_numpy(),
        "prediction": prediction,
        "correct": correct,
        "distance": [0.0 if i == row else distances[i] for i in rows.tolist()],
        "change": ["itself"] * len(itself) + ["stayed" if i in previous else "joined" for i in now]
        + ["left"] * len(left),
    })


INDEX_K = 50
_INDEX_VERSION = 1
_MARGIN = 14  # extra float32 candidates re-measured in float64


def _paths(run, checkpoint, metric: str) -> tuple[Path, Path, Path]:
    base = Path(run.path) / "neighbors" / f"{checkpoint.name}-{metric}-k{INDEX_K}"
    return base.with_suffix(".json"), Path(f"{base}.indices.npy"), Path(f"{base}.distances.npy")


def _key(run, checkpoint, metric: str) -> dict:
    stat = (Path(run.path) / "checkpoints" / checkpoint.name / "hidden.npy").stat()
    return {"version": _INDEX_VERSION, "run": run.identity, "checkpoint": checkpoint.name, "metric": metric, "k": INDEX_K,
            "hidden": [int(stat.st_size), int(stat.st_mtime_ns)]}


def stored_neighbors(run, checkpoint, metric: str = "cosine") -> tuple[np.ndarray, np.ndarray] | None:
    """(indices (n, K) int32, distances (n, K) float32), memory-mapped, of ``checkpoint``; None when the
    index is missing, stale (another run or a rewritten checkpoint) or damaged."""
    if run.path is None:
        return None
    checkpoint = run.checkpoint(checkpoint)
    key_path, indices_path, distances_path = _paths(run, checkpoint, metric)
    try:
        if json.loads(key_path.read_text("utf-8")) != _key(run, checkpoint, metric):
            return None
        indices = np.load(indices_path, mmap_mode="r", allow_pickle=False)
        distances = np.load(distances_path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError):
        return None
    n = int(run.manifest["dataset"]["n_examples"])
    k = min(INDEX_K, n - 1)
    if (indices.shape != (n, k) or distances.shape != (n, k) or indices.dtype != np.int32
            or distances.dtype != np.float32):
        return None
    return indices, distances


def build_checkpoint_index(run, checkpoint, metric: str = "cosine", pause=None) -> tuple[np.ndarray, np.ndarray]:
    """The index of one checkpoint, read from disk when it is there, else computed and written. ``pause()``
    is called between blocks of rows (see :func:`exact_neighbors`)."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}.")
    checkpoint = run.checkpoint(checkpoint)
    stored = stored_neighbors(run, checkpoint, metric)
    if stored is not None:
        return stored
    key = _key(run, checkpoint, metric)  # the stamp of the file the index is computed from
    hidden = run.load(checkpoint, "hidden")
    k = min(INDEX_K, len(hidden) - 1)
    indices, distances = exact_neighbors(_validate(hidden, k, metric), k, metric, pause=pause)
    key_path, indices_path, distances_path = _paths(run, checkpoint, metric)
    for path, array in ((indices_path, indices), (distances_path, distances)):
        atomic_write_bytes(path, _npy_bytes(array))
    atomic_write_json(key_path, key)  # last: its presence says the arrays beside it are complete
    return indices, distances


def build_neighbor_index(run, checkpoints=None, metric: str = "cosine", progress=None, pause=None) -> None:
    """Build the index of every checkpoint, newest first (Explore opens on the newest, and its table
    compares with the one before), calling ``progress(done, total)`` after each and ``pause()`` between
    blocks of rows."""
    chosen = list(run.checkpoints if checkpoints is None else [run.checkpoint(c) for c in checkpoints])
    for done, checkpoint in enumerate(reversed(chosen), start=1):
        build_checkpoint_index(run, checkpoint, metric, pause)
        if progress is not None:
            progress(done, len(chosen))


def exact_neighbors(vectors: np.ndarray, k: int, metric: str, pause=None) -> tuple[np.ndarray, np.ndarray]:
    """Every point's ``k`` nearest other points: (int32 indices, float32 distances), nearest first, ties by index.

    Per block of rows: one float32 matrix product gives a score per pair that orders a row's points as
    their distance does (``-x·y`` for cosine on unit rows, ``|y|² - 2x·y`` for euclidean), the ``k +
    _MARGIN`` best of each row are found (:func:`_candidates`), re-measured exactly in float64, and the
    best ``k`` kept. ``pause()``, when given, is called before each block (~0.1 s of work at 100k points):
    the app's background build waits there while a page runs, so a click is not slowed by it.
    """
    x = _prepare(vectors, metric)
    n = len(x)
    x32 = x.astype(np.float32)
    sq = (x32**2).sum(1)
    wide = min(k + _MARGIN, n - 1)
    block = max(1, _BLOCK_BYTES // (4 * n))
    indices = np.empty((n, k), dtype=np.int32)
    distances = np.empty((n, k), dtype=np.float32)
    for start in range(0, n, block):
        if pause is not None:
            pause()
        stop = min(n, start + block)
        rows = np.arange(start, stop)
        score = x32[start:stop] @ x32.T
        score *= -1.0 if metric == "cosine" else -2.0
        if metric != "cosine":
            score += sq[None, :]
        score[rows - start, rows] = np.inf  # never self
        candidates = _candidates(score, wide)
        exact = _pair_distances(x, rows, candidates, metric)
        order = np.lexsort((candidates, exact), axis=1)[:, :k]
        indices[start:stop] = np.take_along_axis(candidates, order, axis=1)
        distances[start:stop] = np.take_along_axis(exact, order, axis=1)
    return indices, distances


_CHUNK = 64


def _candidates(score: np.ndarray, wide: int) -> np.ndarray:
    """(rows, wide) column indices of each row's ``wide`` lowest scores, without sorting whole rows.

    A row's columns are cut into chunks of :data:`_CHUNK`; its ``wide`` best values lie in at most ``wide``
    chunks, and those are among the ``wide`` chunks with the lowest minimum, so only those chunks (and the
    few columns after the last whole chunk) are searched.
    """
    rows, n = score.shape
    whole = n // _CHUNK * _CHUNK
    if whole // _CHUNK <= wide:
        return np.argsort(score, axis=1, kind="stable")[:, :wide]
    minima = score[:, :whole].reshape(rows, -1, _CHUNK).min(axis=2)
    chunks = np.argpartition(minima, wide - 1, axis=1)[:, :wide]
    columns = (chunks[:, :, None] * _CHUNK + np.arange(_CHUNK)).reshape(rows, -1)
    columns = np.concatenate([columns, np.broadcast_to(np.arange(whole, n), (rows, n - whole))], axis=1)
    values = np.take_along_axis(score, columns, axis=1)
    return np.take_along_axis(columns, np.argpartition(values, wide - 1, axis=1)[:, :wide], axis=1)


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()
