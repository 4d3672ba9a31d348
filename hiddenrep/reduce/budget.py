"""Motion budget: a point may move on screen only as far as the model moved it (the ``budget`` mode).

The chain runs backwards from the last checkpoint: its frame is an ordinary t-SNE/UMAP layout, and
each earlier frame starts from the one after it and is optimised by openTSNE / umap-learn as usual,
except that after every optimiser step each point's displacement from its position there is cut to
its budget (:func:`clamp`)::

    budgetᵢ = scale · spread(later layout) · m · (δH̃ᵢ / m) ** power,   m = median of δH̃ over the points

δH̃ᵢ (:func:`hidden_steps`) is how far point i moved in the hidden space, in units of the checkpoint's
RMS radius, after one checkpoint is rotated and scaled onto the other (orthogonal Procrustes): a
rotated or rescaled basis moves every vector but no point relative to the others, so it is not
motion. A point the model did not move therefore cannot move on screen; a point it moved goes where
the t-SNE/UMAP gradient sends it, as far as its budget. Why these three choices (measured, README
"Defaults and why"):

* Backwards, from the trained model's picture: run forwards, the chain starts from the untrained
  network's layout and the budgets never let it reorganise into the trained clusters (every later
  frame stayed 0.10-0.15 below independent layouts in trustworthiness); backwards, the late frames,
  where the model changes least, keep the trained picture, and the large early steps have large budgets.
* ``power`` 3: motion fidelity is a rank correlation, so any increasing map of δH̃ ranks the same; a
  convex one holds the points the model barely moved tight while giving the movers room to reach their
  new neighbourhood (movers stuck half-way are intruders, which is what costs trustworthiness).
* ``scale``: the median point may move ``scale`` times the share of the hidden radius it moved, in
  units of the layout's spread.

The piece openTSNE and umap-learn lack is only the projection after each step: openTSNE's callbacks
edit the embedding in place; for UMAP, :func:`umap_layout` runs umap-learn's own per-epoch SGD step on
umap-learn's own fuzzy graph, with the projection between epochs.
"""

from __future__ import annotations

import warnings

import numpy as np

from .metrics import procrustes, rms_radius, spread


def hidden_steps(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """δH̃: per point, distance moved in the hidden space once rotation, scale and shift of the basis are
    removed, in units of the checkpoint's RMS radius."""
    before, after = np.asarray(before, dtype=np.float64), np.asarray(after, dtype=np.float64)
    if before.shape != after.shape:
        raise ValueError(f"before has shape {before.shape} and after {after.shape}; compare the same examples "
                         "at two checkpoints.")
    before = before / rms_radius(before)
    return np.linalg.norm(procrustes(after, before) - before, axis=1)


def budgets(before: np.ndarray, after: np.ndarray, previous: np.ndarray, scale: float,
            power: float = 1.0) -> np.ndarray:
    """How far each point may move on screen from the ``previous`` layout (of ``before``) to ``after``'s:
    ``scale`` x spread x m x (δH̃ / m) ** ``power``, m the median δH̃ (the median point's budget is
    ``scale`` x its δH̃ x spread whatever the power)."""
    steps = hidden_steps(before, after)
    middle = float(np.median(steps))
    if middle <= 0.0:  # most points did not move: measure the others against the largest step
        middle = float(steps.max())
    if middle <= 0.0:
        return np.zeros_like(steps)
    return scale * spread(previous) * middle * (steps / middle) ** power


def clamp(layout: np.ndarray, previous: np.ndarray, budget: np.ndarray) -> np.ndarray:
    """``layout`` with each point's displacement from ``previous`` cut to at most its budget."""
    step = layout - previous
    length = np.linalg.norm(step, axis=1)
    over = length > budget
    keep = np.ones_like(length)
    keep[over] = budget[over] / length[over]
    return previous + step * keep[:, None]


def tsne_layout(X: np.ndarray, previous: np.ndarray, budget: np.ndarray, *, perplexity: float, n_iter: int,
                random_state: int, n_jobs: int = 1) -> np.ndarray:
    """A t-SNE layout of ``X`` started at ``previous``, every point kept within its budget of it."""
    from openTSNE import TSNEEmbedding, affinity

    previous = np.asarray(previous, dtype=np.float64)
    perplexity = min(perplexity, (len(X) - 1) / 3)
    affinities = affinity.PerplexityBasedNN(X, perplexity=perplexity, n_jobs=n_jobs, random_state=random_state,
                                            verbose=False)
    embedding = TSNEEmbedding(previous.copy(), affinities, n_jobs=n_jobs, random_state=random_state, verbose=False)

    def project(iteration, error, current):  # openTSNE optimises ``current`` in place
        current[:] = clamp(current, previous, budget)

    embedding = embedding.optimize(n_iter, momentum=0.8, callbacks=[project], callbacks_every_iters=1)
    # openTSNE calls back before each step's update: the last step still needs its projection.
    return clamp(np.asarray(embedding, dtype=np.float64), previous, budget)


def umap_layout(X: np.ndarray, previous: np.ndarray, budget: np.ndarray, *, n_neighbors: int, min_dist: float,
                n_epochs: int, learning_rate: float, random_state: int) -> np.ndarray:
    """A UMAP layout of ``X`` started at ``previous``, every point kept within its budget of it after every epoch.

    umap-learn builds the fuzzy graph (its exact kNN below 4,096 points, NN-descent above) and
    supplies the SGD epoch; this loop mirrors its ``optimize_layout_euclidean`` (no densMAP) with the
    projection added between epochs.
    """
    from umap.layouts import _get_optimize_layout_euclidean_single_epoch_fn
    from umap.umap_ import find_ab_params, make_epochs_per_sample

    from .reducers import UMAP_LOCK, import_umap

    umap = import_umap()
    previous = np.asarray(previous, dtype=np.float64)
    layout = np.ascontiguousarray(previous, dtype=np.float32)
    with UMAP_LOCK, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="n_jobs value")
        graph = umap.UMAP(n_neighbors=min(n_neighbors, len(X) - 1), min_dist=min_dist, n_epochs=0, init=layout,
                          random_state=random_state, n_jobs=1).fit(X).graph_.tocoo()
    graph.sum_duplicates()
    graph.data[graph.data < graph.data.max() / float(n_epochs)] = 0.0  # as umap-learn prunes for n_epochs
    graph.eliminate_zeros()
    a, b = find_ab_params(1.0, min_dist)
    per_sample = make_epochs_per_sample(graph.data, n_epochs)
    per_negative = per_sample / 5.0  # umap-learn's negative_sample_rate
    next_sample, next_negative = per_sample.copy(), per_negative.copy()
    seeds = np.random.RandomState(random_state).randint(np.iinfo(np.int32).min, np.iinfo(np.int32).max, 3)
    rng = (np.full((len(layout), 3), seeds, dtype=np.int64)
           + layout[:, 0].astype(np.float64).view(np.int64).reshape(-1, 1))
    step = _get_optimize_layout_euclidean_single_epoch_fn(False)
    unused = np.zeros(1, dtype=np.float32)  # densMAP's arrays
    alpha = learning_rate
    with UMAP_LOCK:
        for epoch in range(n_epochs):
            step(layout, layout, graph.row, graph.col, len(layout), per_sample, a, b, rng, 1.0, layout.shape[1], True,
                 alpha, per_negative, next_negative, next_sample, epoch, False, unused, unused, 0, 0, 0, 0, unused,
                 unused, 0)
            alpha = learning_rate * (1.0 - epoch / n_epochs)
            layout[:] = clamp(layout.astype(np.float64), previous, budget)
    return layout.astype(np.float64)
