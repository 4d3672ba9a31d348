"""Per-frame quality and stability metrics.

Quality compares a layout with the hidden space it came from (trustworthiness, kNN kept); stability
compares consecutive layouts (jitter) and consecutive hidden spaces (hidden change). Hidden change
uses no layout at all, so it tells real movement in the model apart from projection noise.

Motion fidelity answers "when a point moves on screen, did the model move it?" (Vernier et al.
2020, "Quantitative evaluation of time-dependent multidimensional projection techniques"): the
Spearman correlation, over the points of one transition, between how far each point moved in the
hidden space (δH, :func:`hidden_motion`) and how far it moved on screen (δL, :func:`screen_motion`).
``motion_fidelity_knn`` is the same against the neighbourhood version of δH (the share of the 10
hidden neighbours that changed), as TimeVis/DVI report it. 1 = the screen ranks movement exactly as
the model does; 0 = screen movement says nothing about the model's.

All metrics use euclidean distances (what the reducers use) and k = 10 neighbours. To stay
interactive on 10k+ points they are measured on a fixed seeded sample of :data:`SAMPLE` points:
kNN kept and hidden change look up those points' neighbours among *all* points; trustworthiness is
scikit-learn's, computed on the sample alone.
"""

from __future__ import annotations

import numpy as np

K = 10
SAMPLE = 2000
COLUMNS = ("trustworthiness", "knn_kept", "jitter", "hidden_change", "motion_fidelity", "motion_fidelity_knn")


def sample_rows(n_points: int, seed: int = 0, size: int = SAMPLE) -> np.ndarray:
    """Sorted positions of the points the metrics look at (all of them when ``n_points <= size``)."""
    if n_points <= size:
        return np.arange(n_points)
    return np.sort(np.random.default_rng(seed).choice(n_points, size, replace=False))


def neighbor_sets(points: np.ndarray, queries: np.ndarray, k: int = K) -> np.ndarray:
    """Indices (len(queries), k) of the k nearest other points of each query row, exact, euclidean."""
    from sklearn.neighbors import NearestNeighbors

    points = np.asarray(points, dtype=np.float32)
    k = min(k, len(points) - 1)
    index = NearestNeighbors(n_neighbors=k + 1, algorithm="kd_tree" if points.shape[1] <= 3 else "brute")
    _, found = index.fit(points).kneighbors(points[queries])
    # Drop the query itself (or, if a duplicate took its place, the farthest extra neighbour).
    not_self = found != queries[:, None]
    order = np.argsort(~not_self, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(found, order, axis=1)


def overlap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per row, the fraction of the neighbours in ``a`` that are also in ``b``."""
    return (a[:, :, None] == b[:, None, :]).any(axis=2).sum(axis=1) / a.shape[1]


def hidden_change(before: np.ndarray, after: np.ndarray, k: int = K, rows: np.ndarray | None = None) -> np.ndarray:
    """Per point, the fraction of its k hidden-space neighbours that changed between two checkpoints.

    0 = same neighbourhood, 1 = entirely new neighbours. ``rows`` restricts the points asked about
    (their neighbours are still searched among all points).
    """
    before, after = np.asarray(before), np.asarray(after)
    if before.shape[0] != after.shape[0]:
        raise ValueError(f"before has {before.shape[0]} points and after has {after.shape[0]}; "
                         "compare the same examples at two checkpoints.")
    rows = np.arange(len(before)) if rows is None else np.asarray(rows)
    return 1.0 - overlap(neighbor_sets(before, rows, k), neighbor_sets(after, rows, k))


def rms_radius(points: np.ndarray) -> float:
    """sqrt(mean ||x||²) of the rows (1.0 when every row is zero, so dividing by it is always safe)."""
    radius = float(np.sqrt((np.asarray(points, dtype=np.float64) ** 2).sum(axis=1).mean()))
    return radius if radius > 0 else 1.0


def spread(layout: np.ndarray) -> float:
    """RMS distance of the points from the layout's centre (1.0 for a layout of one place)."""
    return rms_radius(layout - layout.mean(axis=0))


def _standardise(layout: np.ndarray) -> np.ndarray:
    centred = layout - layout.mean(axis=0)
    return centred / rms_radius(centred)


def similarity_map(moving: np.ndarray, reference: np.ndarray):
    """(scale, rotation, moving's centre, reference's centre) of the translation, rotation (or reflection)
    and uniform scale that best map ``moving`` onto ``reference`` (orthogonal Procrustes)."""
    moving, reference = np.asarray(moving, dtype=np.float64), np.asarray(reference, dtype=np.float64)
    mu_m, mu_r = moving.mean(axis=0), reference.mean(axis=0)
    a, b = moving - mu_m, reference - mu_r
    u, s, vt = np.linalg.svd(a.T @ b)
    norm = (a**2).sum()
    return (s.sum() / norm if norm > 0 else 1.0), u @ vt, mu_m, mu_r


def procrustes(moving: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """``moving`` translated, rotated (or reflected) and uniformly scaled to best match ``reference``."""
    scale, rotation, mu_m, mu_r = similarity_map(moving, reference)
    return scale * (np.asarray(moving, dtype=np.float64) - mu_m) @ rotation + mu_r


def jitter(before: np.ndarray, after: np.ndarray) -> float:
    """Mean displacement between two layouts once translation, rotation and scale are removed.

    Both layouts are first scaled to unit RMS spread, so the number reads as "a fraction of the
    layout's size": 0 = the same picture, ~1.1 = unrelated random layouts.
    """
    return float(screen_motion(before, after).mean())


def hidden_motion(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """δH: per point, how far it moved in the hidden space, each checkpoint divided by its RMS radius.

    The RMS radius is sqrt(mean ||x||²) of that checkpoint's vectors: a layer whose activations grow
    overall must not read as "everything moved".
    """
    before, after = np.asarray(before, dtype=np.float64), np.asarray(after, dtype=np.float64)
    if before.shape != after.shape:
        raise ValueError(f"before has shape {before.shape} and after {after.shape}; compare the same examples "
                         "at two checkpoints.")
    return np.linalg.norm(_rms_scaled(after) - _rms_scaled(before), axis=1)


def _rms_scaled(points: np.ndarray) -> np.ndarray:
    return points / rms_radius(points)


def screen_motion(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """δL: per point, how far it moved on screen, ``after`` Procrustes-aligned onto ``before``, in units
    of spread (both layouts scaled to unit RMS spread first; the mean of this is :func:`jitter`)."""
    b = _standardise(np.asarray(before, dtype=np.float64))
    a = procrustes(_standardise(np.asarray(after, dtype=np.float64)), b)
    return np.linalg.norm(a - b, axis=1)


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rank correlation (ties get average ranks); NaN when either side is constant."""
    return ranked_correlation(centred_ranks(a), centred_ranks(b))


def centred_ranks(values: np.ndarray) -> np.ndarray:
    """One side of :func:`spearman`, to reuse (a budget frame checks the same δH against 80 layouts): ranks,
    ties averaged as scipy's ``rankdata`` does, minus their mean. Without ties a plain argsort (scipy's
    ``rankdata`` was half of a budget frame's steering time)."""
    values = np.asarray(values)
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    if len(values) > 1 and not (ordered[1:] > ordered[:-1]).all():  # ties (or NaN)
        from scipy.stats import rankdata

        ranks = rankdata(values)
    else:
        ranks = np.empty(len(values))
        ranks[order] = np.arange(1, len(values) + 1)
    return ranks - ranks.mean()


def ranked_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's ρ of two :func:`centred_ranks`; NaN when either side is constant."""
    norm = np.sqrt((a**2).sum() * (b**2).sum())
    return float((a * b).sum() / norm) if norm > 0 else float("nan")


def motion_summary(hidden: list[np.ndarray], layouts: list[np.ndarray]) -> dict:
    """Motion fidelity of a whole projection: ρₜ per transition, their median (the headline: the
    first, largest transition dominates a pooled value) and the pooled ρ over all transitions' points.

    ``hidden[t]`` and ``layouts[t]`` are the same points at checkpoint t (e.g. the metric sample).
    """
    if len(hidden) != len(layouts) or len(hidden) < 2:
        raise ValueError(f"motion_summary needs the same number (>= 2) of hidden arrays and layouts, got "
                         f"{len(hidden)} and {len(layouts)}.")
    dh = [hidden_motion(hidden[t], hidden[t + 1]) for t in range(len(hidden) - 1)]
    dl = [screen_motion(layouts[t], layouts[t + 1]) for t in range(len(layouts) - 1)]
    per = np.array([spearman(h, s) for h, s in zip(dh, dl)])
    return {"per_transition": per, "median": float(np.nanmedian(per)),
            "pooled": spearman(np.concatenate(dh), np.concatenate(dl))}


def frame_metrics(hidden: np.ndarray, layout: np.ndarray, rows: np.ndarray, hidden_neighbors: np.ndarray,
                  previous_layout: np.ndarray | None, previous_neighbors: np.ndarray | None,
                  previous_hidden: np.ndarray | None = None) -> dict:
    """The metrics of one frame; ``hidden_neighbors`` = neighbor_sets(hidden, rows), reused across frames.

    The stability metrics compare with the previous frame (``previous_*``; NaN for the first frame).
    """
    from sklearn.manifold import trustworthiness

    k = hidden_neighbors.shape[1]
    moved = None if previous_layout is None else screen_motion(previous_layout[rows], layout[rows])
    fidelity = fidelity_knn = np.nan
    if moved is not None and previous_hidden is not None:
        fidelity = spearman(hidden_motion(previous_hidden[rows], hidden[rows]), moved)
    if moved is not None and previous_neighbors is not None:
        fidelity_knn = spearman(1 - overlap(previous_neighbors, hidden_neighbors), moved)
    return {
        "trustworthiness": float(trustworthiness(hidden[rows], layout[rows], n_neighbors=min(k, len(rows) // 2 - 1))),
        "knn_kept": float(overlap(hidden_neighbors, neighbor_sets(layout, rows, k)).mean()),
        "jitter": np.nan if previous_layout is None else jitter(previous_layout, layout),
        "hidden_change": np.nan if previous_neighbors is None else float(1 - overlap(previous_neighbors,
                                                                                     hidden_neighbors).mean()),
        "motion_fidelity": fidelity,
        "motion_fidelity_knn": fidelity_knn,
    }
