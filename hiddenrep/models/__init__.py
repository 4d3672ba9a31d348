"""Small model zoo. Every model exposes its classifier input as the module named ``hidden``.

This module is torch-free, so pages can list models quickly; :func:`build_model` imports torch.
"""

from __future__ import annotations

from .vocab import Vocabulary, tokenize

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
EMBEDDINGS = ("random", "glove-50d")


def __getattr__(name: str):
    if name in ("build_model", "PreparedModel"):
        from . import build

        return getattr(build, name)
    raise AttributeError(f"module 'hiddenrep.models' has no attribute {name!r}")


__all__ = ["DEFAULT_MODEL_FOR", "EMBEDDINGS", "HIDDEN_LAYER", "MODELS", "PreparedModel", "Vocabulary", "build_model",
           "tokenize"]
