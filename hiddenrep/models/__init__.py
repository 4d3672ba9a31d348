"""Small model zoo. Every model exposes its classifier input as the module named ``hidden``.

This module is torch-free, so pages can list models quickly; :func:`build_model` imports torch.

Layer: the model zoo (torch inside :mod:`.build` and the model modules only). May import: data, words, store. Never
streamlit.
"""

from __future__ import annotations

from .vocab import Vocabulary, tokenize
from .zoo import DEFAULT_MODEL_FOR, EMBEDDINGS, HIDDEN_LAYER, MODELS


def __getattr__(name: str):
    if name in ("build_model", "PreparedModel"):
        from . import build

        return getattr(build, name)
    raise AttributeError(f"module 'hiddenrep.models' has no attribute {name!r}")


__all__ = ["DEFAULT_MODEL_FOR", "EMBEDDINGS", "HIDDEN_LAYER", "MODELS", "PreparedModel", "Vocabulary", "build_model",
           "tokenize"]
