"""Stable 2-D (or 3-D) projections of a run's hidden representations, checkpoint after checkpoint.

One entry point::

    from hiddenrep.reduce import project_run
    proj = project_run(run, method="umap")            # mode None = the method's stable default
    proj.coords      # float32 (n_frames, n_points, n_components), one shared frame of axes
    proj.checkpoints # checkpoint names, one per frame; proj.rows = rows of run.examples()
    proj.metrics     # per frame: checkpoint, epoch, trustworthiness, knn_kept, jitter, hidden_change,
                     # motion_fidelity, motion_fidelity_knn, seconds

Modes (``MODES[method]``, default first): ``budget`` (the t-SNE/UMAP default: backwards from the last
checkpoint's layout, each frame starting from the next one, and after every optimiser step each point is
cut back to a budget that grows with how far the model moved it, scaled per transition to keep its motion
fidelity at a floor, :mod:`.budget`: a point moves on screen when, and as much as, the model moved it),
``warm`` (each checkpoint starts from the previous layout with a short schedule; its frames stream in),
``anchored`` (warm, each point held to its previous position with a weight that falls as its hidden
neighbourhood changes), ``independent`` (each checkpoint alone; for comparison), ``procrustes``
(independent, then rotated/reflected/scaled onto the previous frame), ``aligned`` (umap-learn's
AlignedUMAP) and ``joint-pca`` (one PCA basis fitted on all checkpoints). README "Projections" gives the
measurements behind the defaults (``bench/motion.py``); :mod:`.synthetic` holds the
ground-truth controls.

Frames as they arrive: results are cached on disk beside the run, one file per frame, written as
soon as the frame is done. ``project_run(..., progress=f, on_frame=g)`` calls ``f(done, total)`` and
``g(partial_projection)`` after every frame; a page that runs ``project_run`` in a background thread
can instead poll ``cached_frames(run, **same_arguments)``, which returns the frames already on disk
(``proj.complete`` tells when all are there) and never computes. In :data:`BACKWARDS_MODES` (budget) the
chain runs from the last checkpoint back, so the frames arrive last first and a partial projection holds the
last checkpoints (``proj.first`` is the index of its first).

Importing this package imports neither torch nor umap/openTSNE; those load on first use, and umap
is imported with numba's on-disk compile cache on (see :func:`reducers.import_umap`).

Layer: arrays in (a run's hidden vectors), coordinates out. May import: store, checks. Never torch or
streamlit (a test checks).
"""

from .metrics import hidden_change, jitter, procrustes
from .project import (BACKWARDS_MODES, DEFAULT_MODES, METHODS, METRIC_COLUMNS, MODES, PARAMS, Projection,
                      cached_frames, project_run)
from .reducers import PCA, TSNE, UMAP

__all__ = [
    "BACKWARDS_MODES", "DEFAULT_MODES", "METHODS", "METRIC_COLUMNS", "MODES", "PARAMS", "PCA", "Projection", "TSNE",
    "UMAP", "cached_frames", "hidden_change", "jitter", "procrustes", "project_run",
]
