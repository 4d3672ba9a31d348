"""Small model zoo. Every model exposes its classifier input as the module named ``hidden``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..data import TRAIN, LabeledData
from .image import MLP, SmallCNN
from .text import BiLSTMText, FeedForwardText, Vocabulary, tokenize

HIDDEN_LAYER = "hidden"

MODELS: dict[str, tuple[str, ...]] = {
    "ffnn": ("text",),
    "bilstm": ("text",),
    "mlp": ("image", "vector"),
    "cnn": ("image",),
    "minilm": ("text",),  # pretrained all-MiniLM-L6-v2, frozen (cached outputs) under a dense hidden layer
    "minilm-finetune": ("text",),  # the same with its top 2 transformer layers trained too
}
DEFAULT_MODEL_FOR = {"text": "ffnn", "image": "cnn", "vector": "mlp"}


@dataclass
class PreparedModel:
    """A freshly initialised model and every example's input already encoded as one tensor."""

    model: nn.Module
    inputs: torch.Tensor
    vocabulary: Vocabulary | None = None


def build_model(
    name: str,
    data: LabeledData,
    *,
    hidden: int = 64,
    embedding_dim: int = 50,
    max_len: int = 64,
    pool: str = "mean",
    dropout: float = 0.2,
) -> PreparedModel:
    """Build ``name`` for ``data`` (vocabulary from the training split only) and encode all inputs."""
    if name not in MODELS:
        raise KeyError(f"Unknown model {name!r}. Models: {', '.join(MODELS)}.")
    if data.modality not in MODELS[name]:
        suited = [m for m, kinds in MODELS.items() if data.modality in kinds]
        raise ValueError(f"Model {name!r} needs {'/'.join(MODELS[name])} input; {data.name} is "
                         f"{data.modality}. Use one of: {', '.join(suited)}.")
    n_outputs = data.n_classes
    if name.startswith("minilm"):
        from .pretrained import build_minilm

        model, inputs = build_minilm(data, hidden=hidden, max_len=max_len, dropout=dropout,
                                     train_layers=2 if name == "minilm-finetune" else 0)
        return PreparedModel(model, inputs)
    if data.modality == "text":
        train_texts = [t for t, s in zip(data.inputs, data.split) if s == TRAIN]
        vocabulary = Vocabulary.build(train_texts)
        inputs = torch.from_numpy(vocabulary.encode(list(data.inputs), max_len))
        if name == "ffnn":
            model: nn.Module = FeedForwardText(len(vocabulary), n_outputs, hidden=hidden, embedding_dim=embedding_dim,
                                               max_len=max_len, pool=pool, dropout=dropout)
        else:
            model = BiLSTMText(len(vocabulary), n_outputs, hidden=hidden, embedding_dim=embedding_dim, dropout=dropout)
        return PreparedModel(model, inputs, vocabulary)
    inputs = torch.from_numpy(np.ascontiguousarray(data.inputs, dtype=np.float32))
    if name == "cnn":
        return PreparedModel(SmallCNN(n_outputs, hidden=hidden, dropout=dropout), inputs)
    n_inputs = int(np.prod(inputs.shape[1:]))
    return PreparedModel(MLP(n_inputs, n_outputs, hidden=hidden, dropout=dropout), inputs)


__all__ = ["DEFAULT_MODEL_FOR", "HIDDEN_LAYER", "MODELS", "PreparedModel", "Vocabulary", "build_model", "tokenize"]
