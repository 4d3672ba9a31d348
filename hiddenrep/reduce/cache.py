"""On-disk projection cache: one folder per versioned key, one atomically written file per frame.

A frame file holds that frame's coordinates and metrics (``.npz``, read with ``allow_pickle=False``).
Frames are written as they are computed, so another thread or process can read a projection while it
grows: from the first checkpoint on, or from the last one back for a chain run backwards (budget mode).
Reading stops at the first missing, unreadable or inconsistent frame: that frame and the ones after it (before
it, backwards) are recomputed, never a crash.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import numpy as np

from ..store import atomic_write_bytes, atomic_write_json

CACHE_VERSION = 4  # 2: motion fidelity columns; 3: budget frames steered further (Budget.RANGE, STEERS, exact graphs);
# 4: t-SNE budget frames clamped every second step at Barnes-Hut θ 1.0 (budget.CLAMP_EVERY, budget.TSNE_THETA)


def key_hash(key: dict) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode("utf-8")).hexdigest()[:20]


class FrameCache:
    """The frames of one projection key under ``root/<method>-<mode>-<hash>/``."""

    def __init__(self, root: Path, key: dict):
        self.key = key
        self.path = Path(root) / f"{key['method']}-{key['mode']}-{key_hash(key)}"

    def _frame_path(self, index: int) -> Path:
        return self.path / f"frame-{index:04d}.npz"

    def _key_matches(self) -> bool:
        try:
            return json.loads((self.path / "key.json").read_text("utf-8")) == self.key
        except (OSError, ValueError):
            return False

    def read(self, n_points: int, n_components: int, n_metrics: int, *,
             backwards: bool = False) -> list[tuple[np.ndarray, np.ndarray]]:
        """The longest valid prefix of cached frames as (coords, metrics) pairs; ``backwards``: the longest
        valid suffix (in checkpoint order), as a chain run from the last checkpoint writes them."""
        if not self._key_matches():
            return []
        frames = []
        indices = range(len(self.key["checkpoints"]))
        for index in reversed(indices) if backwards else indices:
            try:
                with np.load(self._frame_path(index), allow_pickle=False) as stored:
                    coords, metrics = stored["coords"], stored["metrics"]
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):  # truncated, garbage, missing
                break
            if (coords.shape != (n_points, n_components) or coords.dtype != np.float32 or metrics.shape != (n_metrics,)
                    or not np.isfinite(coords).all()):
                break
            frames.append((coords, metrics))
        return frames[::-1] if backwards else frames

    def start(self) -> None:
        """Make the folder and record the key; frames under a stale or damaged key.json are dropped."""
        if not self._key_matches():
            for stale in self.path.glob("frame-*.npz"):
                stale.unlink(missing_ok=True)
            atomic_write_json(self.path / "key.json", self.key)

    def write(self, index: int, coords: np.ndarray, metrics: np.ndarray) -> None:
        buffer = io.BytesIO()
        np.savez(buffer, coords=coords, metrics=metrics)
        atomic_write_bytes(self._frame_path(index), buffer.getvalue())
