"""What the zoo holds, by name: models and the modalities each accepts (torch-free; ``build`` builds them)."""

from __future__ import annotations

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
