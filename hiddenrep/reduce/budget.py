"""Motion budget: a point may move on screen only as far as the model moved it (the ``budget`` mode).

The chain runs backwards from the last checkpoint: its frame is an ordinary t-SNE/UMAP layout, and
each earlier frame starts from the one after it and is optimised by openTSNE / umap-learn as usual,
except that after every optimiser step each point's displacement from its position there (once the
frame is rotated, scaled and shifted onto it, as the metric and the eye compare frames) is cut to its
budget (:class:`Budget`)::

    budgetᵢ = scale · spread(later layout) · m · (δHᵢ / m) ** power,   m = median of δH over the points

δHᵢ (:func:`hidden_steps`) is how far point i moved in the hidden space, in units of the checkpoint's
RMS radius, as motion fidelity measures it (a rotated or rescaled basis as a whole is not motion). A
point the model did not move therefore cannot move on screen; a point it moved goes where the
t-SNE/UMAP gradient sends it, as far as its budget. ``scale`` is steered per transition while the
frame is optimised: it grows while that transition's own motion fidelity ρₜ stays at or above
``floor`` and shrinks when it does not, so every transition keeps ρₜ >= floor and gets the most room
for its neighbourhoods that its motion allows. Why these choices (measured, README "Defaults and why"):

* Backwards, from the trained model's picture: run forwards, the chain starts from the untrained
  network's layout and the budgets never let it reorganise into the trained clusters; backwards, the
  late frames, where the model changes least, keep the trained picture.
* ``power`` 4: motion fidelity is a rank correlation, so any increasing map of δH ranks the same; a
  convex one holds the points the model barely moved tight while giving the movers room to reach their
  new neighbourhood (movers stuck half-way are intruders, which is what costs trustworthiness). 5 held
  the points below the median too tight once the scale could grow past its old cap (:attr:`Budget.RANGE`);
  3 left the default run 0.004 lower in trustworthiness.
* The floor, not a fixed scale: one scale for every transition was too tight where the model's steps
  rank like the layout's own moves and too loose where they do not (at the same median ρ, the default
  run's trustworthiness rose from 0.869 to 0.89 with it).

The piece openTSNE and umap-learn lack is only the projection after each step: openTSNE's callbacks
edit the embedding in place; for UMAP, :func:`umap_layout` runs umap-learn's own per-epoch SGD step on
umap-learn's own fuzzy graph, with the projection between epochs.
"""

from __future__ import annotations


import numpy as np

from .metrics import (centred_ranks, hidden_motion, procrustes, ranked_correlation, rms_radius, sample_rows,
                      screen_motion, similarity_map, spread)


# A rigid map of the basis explains the motion when it leaves the median point under this share of its move.
BASIS_CHANGE = 0.25


def hidden_steps(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """δH per point, as motion fidelity measures it (:func:`.metrics.hidden_motion`: each checkpoint divided by
    its RMS radius), unless the hidden basis was turned or rescaled as a whole: when one rotation, scale and
    shift of the basis (orthogonal Procrustes) leaves the median point under :data:`BASIS_CHANGE` of its move,
    the distances are measured after it (the synthetic control; a rotated basis moves every vector but no point).

    Not always after Procrustes: in 32-128 dimensions the best rotation also absorbs a third to four fifths of a
    real run's own motion (README "Defaults and why"), and what it leaves ranks points unlike the model's δH."""
    plain = hidden_motion(before, after)
    before = np.asarray(before, dtype=np.float64)
    before = before / rms_radius(before)
    aligned = np.linalg.norm(procrustes(after, before) - before, axis=1)
    return aligned if np.median(aligned) < BASIS_CHANGE * np.median(plain) else plain


def budgets(before: np.ndarray, after: np.ndarray, previous: np.ndarray, scale: float,
            power: float = 1.0) -> np.ndarray:
    """How far each point may move on screen from the ``previous`` layout (of ``before``) to ``after``'s:
    ``scale`` x spread x m x (δH / m) ** ``power``, m the median δH (the median point's budget is
    ``scale`` x its δH x spread whatever the power)."""
    return scale * _unit_budgets(hidden_steps(before, after), previous, power)


def _unit_budgets(steps: np.ndarray, previous: np.ndarray, power: float) -> np.ndarray:
    middle = float(np.median(steps))
    if middle <= 0.0:  # most points did not move: measure the others against the largest step
        middle = float(steps.max())
    if middle <= 0.0:
        return np.zeros_like(steps)
    return spread(previous) * middle * (steps / middle) ** power


def clamp(layout: np.ndarray, previous: np.ndarray, budget: np.ndarray) -> np.ndarray:
    """``layout`` with each point's displacement from ``previous`` cut to at most its budget."""
    step = layout - previous
    length = np.linalg.norm(step, axis=1)
    over = length > budget
    keep = np.ones_like(length)
    keep[over] = budget[over] / length[over]
    return previous + step * keep[:, None]


class Budget:
    """One frame's budgets, with their scale steered while the frame is optimised.

    Budgets count only the motion that is left once the frame is rotated, scaled and shifted onto the
    ``previous`` layout (as motion fidelity and the eye compare frames): each clamp measures the displacement
    from ``previous`` mapped onto the current layout, so a layout that breathes or turns as a whole spends no
    budget on it (without this, UMAP's growing or shrinking layouts used up the budgets, and the motion left
    after alignment no longer ranked like the model's). :meth:`settle` maps the frame back onto ``previous``.

    ``floor`` None: a fixed ``scale``. Otherwise every few optimiser steps (:meth:`steer`) the scale grows by
    :data:`GROWTH` while this transition's motion fidelity (Spearman of δH against on-screen δL, as the metric
    measures it, on the metric's own sample of points) stays at or above ``floor``, and shrinks by it when it
    falls below; :meth:`settle` then shrinks it until the floor holds. So each transition gets as much room
    as its own motion allows: where the model's steps rank like the layout's own moves, the layout may relax
    almost freely; where they do not, points stay close to their budgets.
    """

    GROWTH = 1.25
    # The scale stays within [scale / RANGE, scale * RANGE]. 64 was a cap that bound: on the bilstm run every
    # transition but the first reached it with ρₜ at 0.75-0.84, far above the floor, so the floor is what limits it.
    RANGE = 1024.0

    def __init__(self, before: np.ndarray, after: np.ndarray, previous: np.ndarray, scale: float, power: float,
                 floor: float | None):
        self.previous = np.asarray(previous, dtype=np.float64)
        self.steps = hidden_steps(before, after)
        self.unit = _unit_budgets(self.steps, self.previous, power)
        self.scale, self.floor = float(scale), floor
        self.low, self.high = scale / self.RANGE, scale * self.RANGE
        self.sample = sample_rows(len(self.previous))
        self.step_ranks = centred_ranks(self.steps[self.sample])  # δH's side of every check's Spearman

    @property
    def allowed(self) -> np.ndarray:
        """Each point's budget, in units of ``previous``."""
        return self.scale * self.unit

    def clamp(self, layout: np.ndarray) -> np.ndarray:
        """``layout`` with each point cut back to its budget of ``previous`` mapped onto ``layout``."""
        return self._clamped(layout)[0]

    def _clamped(self, layout: np.ndarray):
        size, rotation, centre, target = similarity_map(self.previous, layout)
        clamped = clamp(layout, size * (self.previous - centre) @ rotation + target, size * self.allowed)
        return clamped, (size, rotation, centre, target)

    def fidelity(self, layout: np.ndarray) -> float:
        """ρₜ of this transition if the frame were ``layout`` (the frame before ``previous``)."""
        rows = self.sample
        return ranked_correlation(self.step_ranks, centred_ranks(screen_motion(layout[rows], self.previous[rows])))

    def _holds(self, layout: np.ndarray) -> bool:
        rho = self.fidelity(self.clamp(layout))
        return not np.isfinite(rho) or rho >= self.floor  # NaN: nothing moved yet, nothing to rank

    def steer(self, layout: np.ndarray) -> None:
        if self.floor is not None:
            grown = self._holds(layout)
            self.scale = min(self.high, self.scale * self.GROWTH) if grown else max(self.low, self.scale / self.GROWTH)

    def _shrink_to_floor(self, layout: np.ndarray) -> None:
        if self.floor is not None:
            while self.scale > self.low and not self._holds(layout):
                self.scale = max(self.low, self.scale / self.GROWTH)

    def held(self, layout: np.ndarray) -> np.ndarray:
        """``layout`` clamped, the scale first shrunk until the floor holds, in ``layout``'s own axes."""
        self._shrink_to_floor(layout)
        return self.clamp(layout)

    def settle(self, layout: np.ndarray) -> np.ndarray:
        """The final frame: ``layout`` clamped (the scale first shrunk until the floor holds) and mapped back
        onto ``previous``, so no point is further than its budget from where it was there."""
        self._shrink_to_floor(layout)
        layout, (size, rotation, centre, target) = self._clamped(layout)
        return (layout - target) @ rotation.T / size + centre  # the map that took ``previous`` onto it, undone


STEERS = 80  # budget scale checks per frame (each a Spearman + Procrustes on the metric sample: milliseconds;
# 15 left the bilstm run 0.01 lower in trustworthiness than 40, and 80 another 0.002-0.004 higher than 40)


CLAMP_EVERY = 2  # t-SNE optimiser steps per clamp (and per scale check, at most): the budget is enforced after
# every second step, and the frame's last step is always clamped (:meth:`Budget.settle`)
TSNE_THETA = 1.0  # Barnes-Hut accuracy of a budget chain's t-SNE gradients, its last (from-scratch) layout's too
# (openTSNE's default 0.5; unused above 10,000 points, where the gradient is FFT-interpolated). These two, 150 + 50
# steps and the δH ranks computed once per frame took the t-SNE budget's time from 0.81-0.88x independent
# layouts to 0.42-0.50x over three runs, trustworthiness within 0.003 of before (README "Defaults and why").


def tsne_layout(X: np.ndarray, budget: Budget, *, perplexity: float, n_iter: int, exaggeration_iter: int,
                exaggeration: float, random_state: int, n_jobs: int = -1) -> np.ndarray:
    """A t-SNE layout of ``X`` started at ``budget.previous``, every point kept within its budget of it:
    ``exaggeration_iter`` steps at ``exaggeration`` (momentum 0.5, as openTSNE's early phase), then ``n_iter``
    plain ones. The exaggerated phase lets an early checkpoint's clusters form within their budgets (measured,
    README "Defaults and why": the bilstm run's untrained first frame 0.71 → 0.82 trustworthiness with 250
    exaggerated steps; 150, with 50 plain ones, keep every run within 0.02 of independent layouts, 100 or 120
    with 100 / 80 plain ones did not). The neighbours are exact
    (:func:`~.reducers.exact_neighbors`, as a sampled frame's): openTSNE's Annoy search above 1,000 rows took
    seconds per frame and, threaded, depends on the number of cores."""
    from openTSNE import TSNEEmbedding, affinity

    from .reducers import exact_tsne_neighbors

    perplexity = min(perplexity, (len(X) - 1) / 3)
    affinities = affinity.PerplexityBasedNN(perplexity=perplexity, random_state=random_state, verbose=False,
                                            knn_index=exact_tsne_neighbors(X, perplexity))
    embedding = TSNEEmbedding(budget.previous.copy(), affinities, n_jobs=n_jobs, random_state=random_state,
                              verbose=False)
    calls_per_steer = max(1, (exaggeration_iter + n_iter) // (STEERS * CLAMP_EVERY))
    calls = [0]
    gradient = _gradient_without_error(len(X))

    def project(iteration, error, current):  # openTSNE optimises ``current`` in place
        calls[0] += 1
        if calls[0] % calls_per_steer == 0:
            budget.steer(current)
        current[:] = budget.clamp(current)

    steps = dict(negative_gradient_method=gradient, theta=TSNE_THETA, callbacks=[project],
                 callbacks_every_iters=CLAMP_EVERY)
    if exaggeration_iter:
        embedding = embedding.optimize(exaggeration_iter, exaggeration=exaggeration, momentum=0.5, **steps)
    embedding = embedding.optimize(n_iter, momentum=0.8, **steps)
    # openTSNE calls back before each step's update: the last step still needs its projection.
    return budget.settle(np.asarray(embedding, dtype=np.float64))


def _gradient_without_error(n_points: int):
    """openTSNE's own gradient (Barnes-Hut below 10,000 points, FFT above, as its "auto" picks), told never to
    evaluate the KL divergence: openTSNE evaluates it whenever a callback is due, here every :data:`CLAMP_EVERY`
    steps (at every step it was three quarters of a budget frame's time: cProfile, 600 points). The layouts are
    the same."""
    from openTSNE.tsne import kl_divergence_bh, kl_divergence_fft

    objective = kl_divergence_bh if n_points < 10_000 else kl_divergence_fft

    def gradient(*args, should_eval_error=False, **kwargs):
        return objective(*args, should_eval_error=False, **kwargs)

    return gradient


# Below it the neighbours are exact (umap-learn's own threshold is 4,096): every budget frame's graph, since above
# 20,000 rows the chain runs on a 5,000-row sample. The search costs 0.3-2.3 s a frame (5,000-20,000 rows) and
# spares NN-descent's compile, which numba cannot cache: in a fresh server UMAP budget on the default run (10,568
# rows) took 95.5 s with it.
EXACT_BELOW = 20_001


def fuzzy_graph(X: np.ndarray, n_neighbors: int, random_state: int):
    """umap-learn's fuzzy graph of ``X`` (COO), as ``UMAP.fit`` builds it, but with the exact neighbours of a
    small ``X`` found by scikit-learn: ``UMAP.fit`` finds them through a Python-level pairwise-distance
    callback (3.3 of a 600-point frame's 4.1 s here, py-spy/cProfile); from :data:`EXACT_BELOW` rows on
    umap-learn's own NN-descent, as ``UMAP.fit``."""
    from .reducers import UMAP_LOCK, exact_neighbors, import_umap

    umap = import_umap()
    X = np.asarray(X, dtype=np.float32)
    with UMAP_LOCK:
        if len(X) < EXACT_BELOW:
            indices, distances = exact_neighbors(X, n_neighbors)
        else:
            indices, distances, _ = umap.umap_.nearest_neighbors(X, n_neighbors, "euclidean", {}, False,
                                                                 np.random.RandomState(random_state), n_jobs=1)
        graph, _, _ = umap.umap_.fuzzy_simplicial_set(X, n_neighbors, np.random.RandomState(random_state),
                                                      "euclidean", knn_indices=indices,
                                                      knn_dists=distances.astype(np.float32))
    return graph.tocoo()


def umap_layout(X: np.ndarray, budget: Budget, *, n_neighbors: int, min_dist: float, n_epochs: int,
                learning_rate: float, random_state: int) -> np.ndarray:
    """A UMAP layout of ``X`` started at ``budget.previous``, every point kept within its budget of it after
    every epoch.

    umap-learn builds the fuzzy graph (:func:`fuzzy_graph`) and supplies the SGD epoch; this loop mirrors
    its ``optimize_layout_euclidean`` (no densMAP) with the projection added between epochs.
    """
    from umap.layouts import _get_optimize_layout_euclidean_single_epoch_fn
    from umap.umap_ import find_ab_params, make_epochs_per_sample

    from .reducers import UMAP_LOCK

    layout = np.ascontiguousarray(budget.previous, dtype=np.float32)
    graph = fuzzy_graph(X, min(n_neighbors, len(X) - 1), random_state)
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
    every = max(1, n_epochs // STEERS)
    with UMAP_LOCK:
        for epoch in range(n_epochs):
            step(layout, layout, graph.row, graph.col, len(layout), per_sample, a, b, rng, 1.0, layout.shape[1], True,
                 alpha, per_negative, next_negative, next_sample, epoch, False, unused, unused, 0, 0, 0, 0, unused,
                 unused, 0)
            alpha = learning_rate * (1.0 - epoch / n_epochs)
            current = layout.astype(np.float64)
            if epoch % every == every - 1:
                budget.steer(current)
            layout[:] = budget.clamp(current)
    return budget.settle(layout.astype(np.float64))
