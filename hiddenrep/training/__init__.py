"""Training and recording: :func:`train` for the built-in models, :class:`Recorder` for any loop.

Layer: the one that trains, with torch (as do ``models``). May import: models, words, data, store. Never
streamlit. :class:`TrainConfig` is torch-free: importing it, or this package, does not load torch (the CLI and
the app read its defaults); ``train``, ``Recorder`` and the rest load torch when first used.
"""

from __future__ import annotations

import importlib

from .config import TrainConfig

_LAZY = {"Callback": "loop", "Cancelled": "loop", "TrainEvent": "loop", "train": "loop", "Recorder": "recorder"}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'hiddenrep.training' has no attribute {name!r}")


__all__ = ["Callback", "Cancelled", "Recorder", "TrainConfig", "TrainEvent", "train"]
