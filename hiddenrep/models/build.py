"""Build a model of the zoo for a dataset and encode every example's input (imports torch)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..data import TRAIN, LabeledData
from .zoo import EMBEDDINGS, MODELS
from .image import MLP, SmallCNN
from .text import BiLSTMText, FeedForwardText
from .vocab import Vocabulary


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
    embeddings: str = "random",
) -> PreparedModel:
    """Build ``name`` for ``data`` (vocabulary from the training split only) and encode all inputs.

    ``embeddings="glove-50d"`` starts the token embeddings of ``ffnn``/``bilstm`` from GloVe.
    """
    if name not in MODELS:
        raise KeyError(f"Unknown model {name!r}. Models: {', '.join(MODELS)}.")
    if embeddings not in EMBEDDINGS:
        raise ValueError(f"embeddings must be one of {EMBEDDINGS}, got {embeddings!r}.")
    if embeddings != "random" and name not in ("ffnn", "bilstm"):
        raise ValueError(f"embeddings={embeddings!r} applies to the ffnn and bilstm models, not {name!r}.")
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
        if embeddings == "glove-50d":
            _init_from_glove(model.embedding, vocabulary.tokens)
        return PreparedModel(model, inputs, vocabulary)
    inputs = torch.from_numpy(np.ascontiguousarray(data.inputs, dtype=np.float32))
    if name == "cnn":
        return PreparedModel(SmallCNN(n_outputs, hidden=hidden, dropout=dropout), inputs)
    n_inputs = int(np.prod(inputs.shape[1:]))
    return PreparedModel(MLP(n_inputs, n_outputs, hidden=hidden, dropout=dropout), inputs)


@torch.no_grad()
def _init_from_glove(embedding: nn.Embedding, tokens: list[str]) -> None:
    """Tokens GloVe knows get their vector; the rest keep their seeded random row, scaled to GloVe's spread."""
    from ..words.glove import GLOVE_DIM, load_glove

    if embedding.embedding_dim != GLOVE_DIM:
        raise ValueError(f"GloVe vectors are {GLOVE_DIM}-d; set embedding_dim={GLOVE_DIM} "
                         f"(got {embedding.embedding_dim}).")
    found, vectors = load_glove().lookup(tokens)
    embedding.weight.mul_(float(vectors.std()) if len(vectors) > 1 else 1.0)
    embedding.weight[torch.from_numpy(found)] = torch.from_numpy(vectors)
    embedding.weight[0] = 0.0  # padding
