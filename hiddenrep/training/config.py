"""What determines a training run: :class:`TrainConfig` (torch-free, so the CLI and the app state its
defaults from here without loading torch)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields

from ..data import DEFAULT_DATASET
from ..models import EMBEDDINGS


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a run. Two equal configs give identical runs (same seed)."""

    dataset: str = DEFAULT_DATASET
    model: str = "ffnn"
    epochs: int = 10
    hidden: int = 64
    batch_size: int = 64
    lr: float = 2e-3
    weight_decay: float = 0.0
    every_steps: int = 0  # also record every K optimiser steps (0: epoch ends only)
    seed: int = 0
    embedding_dim: int = 50
    max_len: int = 64
    pool: str = "mean"
    dropout: float = 0.2
    embeddings: str = "random"  # or "glove-50d": text models start from the real GloVe vectors

    def __post_init__(self) -> None:
        for name in ("epochs", "hidden", "batch_size", "embedding_dim", "max_len"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}.")
        if self.embeddings not in EMBEDDINGS:
            raise ValueError(f"embeddings must be one of {EMBEDDINGS}, got {self.embeddings!r}.")
        if self.embeddings == "glove-50d" and self.embedding_dim != 50:
            raise ValueError(f"embeddings='glove-50d' needs embedding_dim=50 (GloVe's size), got {self.embedding_dim}.")
        if self.every_steps < 0:
            raise ValueError(f"every_steps must be 0 (off) or positive, got {self.every_steps}.")

    @classmethod
    def from_dict(cls, values: dict) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})

    def run_id(self, data) -> str:
        """Stable name from the config and the data's content (a :class:`~hiddenrep.data.LabeledData`):
        same config + same data = same run."""
        payload = json.dumps({"config": asdict(self), "data": data.fingerprint()}, sort_keys=True)
        return f"{self.dataset}-{self.model}-{hashlib.sha1(payload.encode()).hexdigest()[:10]}"
