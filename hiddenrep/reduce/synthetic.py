"""Ground-truth controls for motion fidelity: runs whose true movement is known.

* :func:`movers_run`: points in clusters; between consecutive checkpoints a known share of them (10 %)
  change cluster and the rest stay put, up to a random rotation and rescaling of the whole hidden
  basis per checkpoint (real layers do that: it moves every vector but no distance ratio). On-screen
  displacement should find the movers (:func:`mover_auroc`).
* :func:`static_run`: one checkpoint twice in a row. Nothing moved, so any on-screen movement is the
  projection's own.

Both are :class:`ArrayRun` objects: in memory, enough of a run for :func:`project_run` (with
``cache=False``), so the controls take seconds and touch no disk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..store import Checkpoint
from .metrics import screen_motion


class ArrayRun:
    """A run held in memory: one hidden array per checkpoint, named ``0000``, ``0001``, ..."""

    def __init__(self, hidden: list[np.ndarray], run_id: str = "synthetic"):
        self.id = run_id
        self.hidden = [np.asarray(h, dtype=np.float32) for h in hidden]
        self.checkpoints = [Checkpoint(i, f"{i:04d}", float(i), i, {}) for i in range(len(self.hidden))]
        self.manifest = {"dataset": {"n_examples": len(self.hidden[0])}, "created_at": run_id}
        self.path = None

    def checkpoint(self, which) -> Checkpoint:
        if isinstance(which, Checkpoint):
            return which
        if isinstance(which, str):
            return next(c for c in self.checkpoints if c.name == which)
        return self.checkpoints[which]

    def load(self, which, name: str) -> np.ndarray:
        if name != "hidden":
            raise LookupError(f"An ArrayRun holds only 'hidden', not {name!r}.")
        return self.hidden[self.checkpoint(which).index]


@dataclass
class MoversControl:
    run: ArrayRun
    movers: np.ndarray  # bool (n_checkpoints - 1, n_points): moved between checkpoint t and t + 1


def movers_run(n_points: int = 600, n_features: int = 32, n_clusters: int = 6, n_checkpoints: int = 4,
               share: float = 0.1, seed: int = 0) -> MoversControl:
    """Clustered points; per transition a fresh random ``share`` of them jumps to another cluster."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(n_clusters, n_features))
    offsets = rng.normal(size=(n_points, n_features))
    cluster = rng.integers(n_clusters, size=n_points)
    hidden, movers = [], []
    for t in range(n_checkpoints):
        if t:
            moved = np.zeros(n_points, dtype=bool)
            moved[rng.choice(n_points, int(round(share * n_points)), replace=False)] = True
            cluster = np.where(moved, (cluster + rng.integers(1, n_clusters, size=n_points)) % n_clusters, cluster)
            movers.append(moved)
        rotation, _ = np.linalg.qr(rng.normal(size=(n_features, n_features)))
        hidden.append((centres[cluster] + offsets) @ rotation * rng.uniform(0.5, 2.0))
    return MoversControl(ArrayRun(hidden, f"movers-{seed}"), np.array(movers))


def static_run(hidden: np.ndarray, run_id: str = "static") -> ArrayRun:
    """The same hidden array as two consecutive checkpoints."""
    return ArrayRun([hidden, hidden], run_id)


def auroc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve: the chance a random positive scores above a random negative (ties 1/2)."""
    from scipy.stats import rankdata

    positive = np.asarray(positive, dtype=bool)
    n_pos, n_neg = positive.sum(), (~positive).sum()
    if not n_pos or not n_neg:
        raise ValueError("auroc needs at least one positive and one negative point.")
    ranks = rankdata(scores)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def mover_auroc(control: MoversControl, coords: np.ndarray) -> float:
    """Mean over transitions of the AUROC of on-screen displacement (δL) at finding that transition's movers."""
    return float(np.mean([auroc(screen_motion(coords[t], coords[t + 1]), control.movers[t])
                          for t in range(len(control.movers))]))
