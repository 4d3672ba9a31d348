"""hiddenrep: watch a neural network learn.

Importing this package is fast: torch, streamlit and the projection libraries load only when
the attribute that needs them is first used (``hiddenrep.train``, ``hiddenrep.Recorder``, ...).
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_LAZY = {
    "LabeledData": "hiddenrep.data",
    "load_dataset": "hiddenrep.data",
    "DATASETS": "hiddenrep.data",
    "RunStore": "hiddenrep.store",
    "Run": "hiddenrep.store",
    "TrainConfig": "hiddenrep.training",
    "Recorder": "hiddenrep.training",
    "train": "hiddenrep.training",
    "project_run": "hiddenrep.reduce",
    "import_run": "hiddenrep.io",
    "export_run": "hiddenrep.io",
    "nearest_neighbors": "hiddenrep.analysis",
    "neighbor_table": "hiddenrep.analysis",
    "label_issues": "hiddenrep.analysis",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'hiddenrep' has no attribute {name!r}")
