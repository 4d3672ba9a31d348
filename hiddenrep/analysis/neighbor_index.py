"""Each checkpoint's exact nearest neighbours, computed once and kept on disk: what a click reads.

A click on a point in Explore asks for its neighbours at the checkpoint on screen and the one before
(who joined, who left). Computing them means a distance to every point of both checkpoints: ~0.2 s
each at 100k points on this machine, more under load, on every click. The index holds every point's
:data:`K` nearest other points per checkpoint (int32 indices + float32 distances, nearest first, ties
by index), so a click reads two rows. It is built in the background (the app starts it after the
first picture) and kept beside the projections, under ``<run>/neighbors/``, keyed by the run's
identity and the checkpoint's ``hidden.npy`` size and mtime: a replaced run or a rewritten checkpoint
gets a fresh index, never a stale one. Until a checkpoint's index is there, callers compute that
checkpoint's neighbours directly (:func:`hiddenrep.analysis.neighbor_table` does), so nothing waits.

Exactness: candidates are found with one float32 matrix product per block of rows, then the best
:data:`K` + :data:`_MARGIN` of them are re-measured in float64 with the very formula the direct query
uses, so the index agrees with it except among distances that float32 cannot tell apart.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..store import atomic_write_bytes, atomic_write_json
from .neighbors import METRICS, _pair_distances, _prepare, _validate

K = 50
VERSION = 1
_MARGIN = 14  # extra float32 candidates re-measured in float64
_BLOCK_BYTES = 64 * 2**20


def _paths(run, checkpoint, metric: str) -> tuple[Path, Path, Path]:
    base = Path(run.path) / "neighbors" / f"{checkpoint.name}-{metric}-k{K}"
    return base.with_suffix(".json"), Path(f"{base}.indices.npy"), Path(f"{base}.distances.npy")


def _key(run, checkpoint, metric: str) -> dict:
    stat = (Path(run.path) / "checkpoints" / checkpoint.name / "hidden.npy").stat()
    return {"version": VERSION, "run": run.identity, "checkpoint": checkpoint.name, "metric": metric, "k": K,
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
    k = min(K, n - 1)
    if (indices.shape != (n, k) or distances.shape != (n, k) or indices.dtype != np.int32
            or distances.dtype != np.float32):
        return None
    return indices, distances


def build_index(run, checkpoint, metric: str = "cosine") -> tuple[np.ndarray, np.ndarray]:
    """The index of one checkpoint, read from disk when it is there, else computed and written."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}.")
    checkpoint = run.checkpoint(checkpoint)
    stored = stored_neighbors(run, checkpoint, metric)
    if stored is not None:
        return stored
    key = _key(run, checkpoint, metric)  # the stamp of the file the index is computed from
    hidden = run.load(checkpoint, "hidden")
    k = min(K, len(hidden) - 1)
    indices, distances = exact_neighbors(_validate(hidden, k, metric), k, metric)
    key_path, indices_path, distances_path = _paths(run, checkpoint, metric)
    for path, array in ((indices_path, indices), (distances_path, distances)):
        buffer = _npy_bytes(array)
        atomic_write_bytes(path, buffer)
    atomic_write_json(key_path, key)  # last: its presence says the arrays beside it are complete
    return indices, distances


def build_all(run, checkpoints=None, metric: str = "cosine", progress=None) -> None:
    """Build the index of every checkpoint, newest first (Explore opens on the newest, and its table
    compares with the one before), calling ``progress(done, total)`` after each."""
    chosen = list(run.checkpoints if checkpoints is None else [run.checkpoint(c) for c in checkpoints])
    for done, checkpoint in enumerate(reversed(chosen), start=1):
        build_index(run, checkpoint, metric)
        if progress is not None:
            progress(done, len(chosen))


def exact_neighbors(vectors: np.ndarray, k: int, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Every point's ``k`` nearest other points: (int32 indices, float32 distances), nearest first, ties by index.

    Per block of rows: one float32 matrix product gives a score per pair that orders a row's points as
    their distance does (``-x·y`` for cosine on unit rows, ``|y|² - 2x·y`` for euclidean), the ``k +
    _MARGIN`` best of each row are found (:func:`_candidates`), re-measured exactly in float64, and the
    best ``k`` kept.
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
    import io

    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()
