"""Nearest neighbours in the hidden space, and how a point's neighbourhood changes between checkpoints."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..checks import check_vectors
from ..data.base import label_names

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
    checkpoint has no stored index yet (:mod:`.neighbor_index`; ~0.2 s at 100k points).
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
    from .neighbor_index import K, stored_neighbors

    stored = stored_neighbors(run, checkpoint, metric) if k <= K else None
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
    matches = np.flatnonzero(examples["example_id"].to_numpy() == example_id)
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
    return pd.DataFrame({
        "rank": pd.array(itself + list(range(1, len(now) + 1)) + [None] * len(left), dtype="Int64"),
        "example_id": examples["example_id"].to_numpy()[rows],
        "text": examples["text"].to_numpy()[rows],
        "label": examples["label_name"].to_numpy()[rows],
        "prediction": prediction,
        "correct": correct,
        "distance": [0.0 if i == row else distances[i] for i in rows.tolist()],
        "change": ["itself"] * len(itself) + ["stayed" if i in previous else "joined" for i in now]
        + ["left"] * len(left),
    })
