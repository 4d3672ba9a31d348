"""PCA, t-SNE and UMAP behind one scikit-learn-style contract.

``__init__`` stores its keyword arguments untouched; ``fit`` validates, learns ``embedding_`` (and,
for PCA, ``components_``) and returns ``self``; the same ``random_state`` gives the same layout.
``init`` may be an array, which is how a checkpoint's layout starts from the previous one's.
After ``fit``, t-SNE's and UMAP's ``transform(X)`` places new points into the fitted layout (openTSNE's and
umap-learn's own ``transform``); big runs place theirs beside their nearest fitted rows instead, several
times faster at the same trustworthiness (:data:`hiddenrep.reduce.project.PLACE_ABOVE`; bench/scale.py
prints both), and fit their sample with ``exact_knn`` (:func:`exact_neighbors`).
``anchor`` (t-SNE and UMAP) holds each point to a given layout with its own weight, ``anchor_rounds``
times during the optimisation (see :func:`pull_toward`): the small piece openTSNE and umap-learn lack
for motion-faithful frames.
openTSNE and umap-learn are imported inside ``fit``: importing this module stays cheap.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import warnings
from pathlib import Path

import numpy as np

from ..checks import check_vectors
from ..store import cache_dir, package_version
from .metrics import procrustes

# umap-learn and numba are not safe to call from two threads at once (numba's workqueue layer aborts).
UMAP_LOCK = threading.Lock()


def check_data(X, name: str = "X") -> np.ndarray:
    """What every projection accepts: finite float32 vectors, at least 3 points (:mod:`hiddenrep.checks`)."""
    return check_vectors(X, name, min_rows=3, needed_for="a projection", dtype=np.float32)


def _check_init(init, n_points: int, n_components: int) -> np.ndarray:
    init = np.asarray(init, dtype=np.float64)
    if init.shape != (n_points, n_components):
        raise ValueError(f"init has shape {init.shape}; it must be one layout of the same points, "
                         f"shape ({n_points}, {n_components}).")
    if not np.isfinite(init).all():
        raise ValueError("init contains NaN or infinite values.")
    return init


def pull_toward(layout: np.ndarray, anchor: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``layout`` with point i moved the share ``weights[i]`` of the way to its anchor position.

    The anchor layout is first fitted onto ``layout`` (translation, rotation, scale), so the pull holds
    points relative to each other and leaves the layout free to grow, shrink or turn as a whole.
    """
    layout = np.asarray(layout, dtype=np.float64)
    return layout + np.asarray(weights, dtype=np.float64)[:, None] * (procrustes(anchor, layout) - layout)


def _check_anchor(anchor, weights, rounds, n_points: int, n_components: int):
    anchor = _check_init(anchor, n_points, n_components)
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape != (n_points,) or not np.isfinite(weights).all() or weights.min() < 0 or weights.max() > 1:
        raise ValueError(f"anchor_weights must hold one weight in [0, 1] per point ({n_points}), got shape "
                         f"{weights.shape}.")
    if not isinstance(rounds, (int, np.integer)) or rounds < 1:
        raise ValueError(f"anchor_rounds must be a positive int, got {rounds!r}.")
    return anchor, weights


class PCA:
    """Principal components with deterministic signs: each component's largest-magnitude loading is positive.

    Without the sign rule the axes of two checkpoints could flip at random, which on a slider reads as
    a mirror jump that never happened in the model.
    """

    def __init__(self, n_components: int = 2, *, random_state=None):
        self.n_components = n_components
        self.random_state = random_state  # unused: PCA is exact; kept so every reducer takes it

    def fit(self, X, y=None) -> "PCA":
        X = check_data(X).astype(np.float64)
        if not 1 <= self.n_components <= X.shape[1]:
            raise ValueError(f"n_components={self.n_components} must be between 1 and the {X.shape[1]} features.")
        self.mean_ = X.mean(axis=0)
        centred = X - self.mean_
        # Eigenvectors of the (features x features) covariance: cheap for many points, few features.
        values, vectors = np.linalg.eigh(centred.T @ centred / max(len(X) - 1, 1))
        order = np.argsort(values)[::-1][: self.n_components]
        components = vectors[:, order].T
        signs = np.sign(components[np.arange(len(components)), np.abs(components).argmax(axis=1)])
        self.components_ = components * signs[:, None]
        self.explained_variance_ = values[order]
        self.explained_variance_ratio_ = values[order] / max(values.sum(), np.finfo(float).tiny)
        self.embedding_ = self.transform(X)
        return self

    def transform(self, X) -> np.ndarray:
        return ((np.asarray(X, dtype=np.float64) - self.mean_) @ self.components_.T).astype(np.float32)

    def fit_transform(self, X, y=None) -> np.ndarray:
        return self.fit(X).embedding_


class TSNE:
    """openTSNE's FFT-accelerated t-SNE: early exaggeration, then the normal phase.

    An array ``init`` is rescaled to ``init_std`` (openTSNE's advice, 1e-4, lets early exaggeration
    rebuild the layout); ``init_std=None`` keeps it as given, which keeps more of it. ``exact_knn``: see
    :func:`exact_neighbors`. ``theta``: Barnes-Hut's accuracy below 10,000 points (openTSNE's 0.5; unused above,
    where the gradient is FFT-interpolated).
    """

    def __init__(self, n_components: int = 2, *, perplexity: float = 30.0, early_exaggeration: float = 12.0,
                 early_exaggeration_iter: int = 250, n_iter: int = 500, learning_rate="auto", init="pca",
                 init_std: float | None = 1e-4, anchor=None, anchor_weights=None, anchor_rounds: int = 10,
                 exact_knn: bool = False, theta: float = 0.5, n_jobs: int = -1, random_state=0):
        self.n_components = n_components
        self.perplexity = perplexity
        self.early_exaggeration = early_exaggeration
        self.early_exaggeration_iter = early_exaggeration_iter
        self.n_iter = n_iter
        self.learning_rate = learning_rate
        self.init = init
        self.init_std = init_std
        self.anchor = anchor
        self.anchor_weights = anchor_weights
        self.anchor_rounds = anchor_rounds
        self.exact_knn = exact_knn
        self.theta = theta
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(self, X, y=None) -> "TSNE":
        from openTSNE import TSNEEmbedding, affinity, initialization

        X = check_data(X)
        seed = _seed(self.random_state)
        perplexity = min(self.perplexity, (len(X) - 1) / 3)  # openTSNE needs 3 * perplexity < n
        found = {"knn_index": exact_tsne_neighbors(X, perplexity)} if self.exact_knn else {"data": X}
        affinities = affinity.PerplexityBasedNN(perplexity=perplexity, n_jobs=self.n_jobs, random_state=seed,
                                                verbose=False, **found)
        if isinstance(self.init, str):
            if self.init not in ("pca", "spectral", "random"):
                raise ValueError(f"init must be 'pca', 'spectral', 'random' or an array, got {self.init!r}.")
            start = getattr(initialization, self.init)(X if self.init != "spectral" else affinities.P,
                                                       n_components=self.n_components, random_state=seed)
        else:
            start = _check_init(self.init, len(X), self.n_components)
            if self.init_std is not None:
                start = initialization.rescale(start, target_std=self.init_std)
        embedding = TSNEEmbedding(start, affinities, n_jobs=self.n_jobs, random_state=seed,
                                  learning_rate=self.learning_rate, theta=self.theta, verbose=False)
        if self.early_exaggeration_iter:
            embedding = embedding.optimize(self.early_exaggeration_iter, exaggeration=self.early_exaggeration,
                                           momentum=0.5)
        hold = {}
        if self.anchor is not None:
            anchor, weights = _check_anchor(self.anchor, self.anchor_weights, self.anchor_rounds, len(X),
                                            self.n_components)

            def pull(iteration, error, current):  # openTSNE optimises ``current`` in place
                current[:] = pull_toward(current, anchor, weights)

            hold = {"callbacks": [pull], "callbacks_every_iters": max(1, self.n_iter // self.anchor_rounds)}
        if self.n_iter:
            embedding = embedding.optimize(self.n_iter, momentum=0.8, **hold)
            if hold and self.n_iter % hold["callbacks_every_iters"]:  # the frame always ends on a pull
                embedding[:] = pull_toward(embedding, anchor, weights)
        self.embedding_ = np.asarray(embedding, dtype=np.float32)
        self._fitted = embedding
        return self

    def transform(self, X) -> np.ndarray:
        """New points placed into the fitted layout, which stays as it is (openTSNE's ``transform``: each
        point starts at the median of its nearest fitted points and is optimised against them)."""
        if not hasattr(self, "_fitted"):
            raise ValueError("transform needs a fitted TSNE: call fit first.")
        return np.asarray(self._fitted.transform(check_data(X)), dtype=np.float32)

    def fit_transform(self, X, y=None) -> np.ndarray:
        return self.fit(X).embedding_


class UMAP:
    """umap-learn's UMAP, single-threaded so a seed fixes the layout; ``init`` may be an array.

    umap-learn rescales each axis of an array ``init`` to [0, 10] separately, which would stretch a
    wide 2-D layout into a square at every warm start. A 2-D ``init`` is therefore first rotated so
    both extents are equal (the rescale is then uniform) and the result rotated back. ``exact_knn``
    (euclidean only): see :func:`exact_neighbors`.
    """

    def __init__(self, n_components: int = 2, *, n_neighbors: int = 15, min_dist: float = 0.1, n_epochs=None,
                 learning_rate: float = 1.0, init="spectral", metric: str = "euclidean", anchor=None,
                 anchor_weights=None, anchor_rounds: int = 3, exact_knn: bool = False, random_state=0):
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.min_dist = min_dist
        self.n_epochs = n_epochs
        self.learning_rate = learning_rate
        self.init = init
        self.metric = metric
        self.anchor = anchor
        self.anchor_weights = anchor_weights
        self.anchor_rounds = anchor_rounds
        self.exact_knn = exact_knn
        self.random_state = random_state

    def fit(self, X, y=None) -> "UMAP":
        """With an ``anchor``: ``anchor_rounds`` short fits, each starting where the last one ended after
        :func:`pull_toward`; the kNN graph is searched once and reused."""
        X = check_data(X)
        knn = None
        if self.exact_knn:
            if self.metric != "euclidean":
                raise ValueError(f"exact_knn searches euclidean neighbours; metric is {self.metric!r}.")
            knn = (*exact_neighbors(X, min(self.n_neighbors, len(X) - 1)), None)
        if self.anchor is None:
            self.embedding_ = self._fit_once(X, self.init, self.n_epochs, knn, 0)[0]
            return self
        if isinstance(self.init, str) or self.n_epochs is None:
            raise ValueError("An anchored UMAP needs an array init and an int n_epochs to share among its rounds.")
        anchor, weights = _check_anchor(self.anchor, self.anchor_weights, self.anchor_rounds, len(X), self.n_components)
        layout = self.init
        for round_ in range(self.anchor_rounds):
            layout, knn = self._fit_once(X, layout, max(1, self.n_epochs // self.anchor_rounds), knn, round_)
            layout = pull_toward(layout, anchor, weights)
        self.embedding_ = layout.astype(np.float32)
        return self

    def _fit_once(self, X, init, n_epochs, knn, round_: int):
        umap = import_umap()
        rotation = None
        if not isinstance(init, str):
            init = _check_init(init, len(X), self.n_components)
            if self.n_components == 2:
                rotation = _square_rotation(init)
                init = (init - init.mean(axis=0)) @ rotation
        reducer = umap.UMAP(n_components=self.n_components, n_neighbors=min(self.n_neighbors, len(X) - 1),
                            min_dist=self.min_dist, n_epochs=n_epochs, learning_rate=self.learning_rate,
                            init=init, metric=self.metric, random_state=_seed(self.random_state) + round_, n_jobs=1,
                            precomputed_knn=knn or (None, None, None))
        with UMAP_LOCK, warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="n_jobs value")  # we ask for 1 thread ourselves
            warnings.filterwarnings("ignore", message=".*knn_search_index")  # only transform() would need it
            embedding = reducer.fit_transform(X)
        embedding = np.asarray(embedding if rotation is None else embedding @ rotation.T, dtype=np.float32)
        self._fitted = reducer, rotation
        # Small data (< 4096 points) takes umap's exact path, which keeps no kNN to reuse (and is cheap).
        found = getattr(reducer, "_knn_indices", None), getattr(reducer, "_knn_dists", None)
        return embedding, (*found, None) if found[0] is not None else None

    def transform(self, X) -> np.ndarray:
        """New points placed into the fitted layout, which stays as it is (umap-learn's ``transform``; after an
        anchored fit, into its last round's layout before the last pull)."""
        if not hasattr(self, "_fitted"):
            raise ValueError("transform needs a fitted UMAP: call fit first.")
        reducer, rotation = self._fitted
        with UMAP_LOCK, warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="n_jobs value")
            placed = reducer.transform(check_data(X))
        return np.asarray(placed if rotation is None else placed @ rotation.T, dtype=np.float32)

    def fit_transform(self, X, y=None) -> np.ndarray:
        return self.fit(X).embedding_


def exact_neighbors(X: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and euclidean distances (n, k) of each row's k nearest rows of ``X``, itself first (as
    umap-learn's own search returns them), by brute force in float32.

    For the few thousand rows a big run's frames are fitted on this costs about a second, and it spares
    pynndescent's neighbour descent, which numba cannot keep in its on-disk cache ("dynamic globals"): every
    new process compiled it again before its first UMAP of more than 4,096 rows, tens of seconds here.
    openTSNE's default search (Annoy, threads polled by joblib) took ~9 s on 10,000 rows.
    """
    from sklearn.neighbors import NearestNeighbors

    distances, indices = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(X).kneighbors(X)
    return indices, distances.astype(np.float32)


def exact_tsne_neighbors(X: np.ndarray, perplexity: float):
    """The exact neighbours openTSNE's affinities read (:func:`exact_neighbors`), as its own search finds them:
    min(n - 1, 3 x perplexity) per row, the row itself not among them."""
    from openTSNE.nearest_neighbors import PrecomputedNeighbors

    indices, distances = exact_neighbors(X, min(len(X) - 1, int(3 * perplexity)) + 1)
    return PrecomputedNeighbors(indices[:, 1:], distances[:, 1:])


def _square_rotation(layout: np.ndarray) -> np.ndarray:
    """A 2x2 rotation after which the layout's x and y extents are equal (found by bisection).

    Rotating by 90 degrees swaps the two extents, so their difference changes sign on [0, pi/2].
    """
    centred = layout - layout.mean(axis=0)

    def rotation(angle: float) -> np.ndarray:
        return np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])

    def excess(angle: float) -> float:
        rotated = centred @ rotation(angle)
        extent = rotated.max(axis=0) - rotated.min(axis=0)
        return float(extent[0] - extent[1])

    low, high, at_low = 0.0, np.pi / 2, excess(0.0)
    for _ in range(30):
        middle = (low + high) / 2
        at_middle = excess(middle)
        if (at_middle > 0) == (at_low > 0):
            low, at_low = middle, at_middle
        else:
            high = middle
    return rotation(low)


def _seed(random_state) -> int:
    """An int seed from an int, None (0) or a numpy Generator/RandomState (drawn once)."""
    if random_state is None:
        return 0
    if isinstance(random_state, (int, np.integer)):
        return int(random_state)
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**31 - 1))
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(2**31 - 1))
    raise ValueError(f"random_state must be an int, None or a numpy random generator, got {random_state!r}.")


def numba_cache_dir() -> Path:
    """Where compiled umap/pynndescent code is kept; one folder per version set, so upgrades never mix."""
    names = ("numba", "umap-learn", "pynndescent")
    tag = "-".join(f"{name}{package_version(name)}" for name in names)
    return cache_dir() / "numba" / tag


def import_umap():
    """Import umap-learn with numba's on-disk compile cache switched on for its functions.

    Most of umap's and pynndescent's numba functions are declared without ``cache=True``, so every
    new process spent ~15-30 s compiling them on its first fit. While they are imported, ``numba.njit``
    and ``numba.jit`` default to ``cache=True``; the compiled code goes to :func:`numba_cache_dir`
    (or ``$NUMBA_CACHE_DIR`` when set). Measured here: first fit in a fresh process 14 s -> 0.4 s.
    """
    if "umap" in sys.modules:
        return sys.modules["umap"]
    with UMAP_LOCK:
        if "umap" in sys.modules:
            return sys.modules["umap"]
        if not os.environ.get("NUMBA_CACHE_DIR"):
            cache = numba_cache_dir()
            try:
                cache.mkdir(parents=True, exist_ok=True)
                os.environ["NUMBA_CACHE_DIR"] = str(cache)
            except OSError:
                pass  # no writable cache: numba compiles in memory, as it would anyway
        import numba

        numba.config.reload_config()
        original = numba.njit, numba.jit
        numba.njit, numba.jit = _cached(original[0]), _cached(original[1])
        try:
            import umap
        finally:
            numba.njit, numba.jit = original
        return umap


def _cached(decorator):
    @functools.wraps(decorator)
    def wrapper(*args, **kwargs):
        kwargs.setdefault("cache", True)
        return decorator(*args, **kwargs)

    return wrapper
