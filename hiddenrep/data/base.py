"""The one record shape every data source produces."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..store import TRAIN, VALIDATION

# The split names LabeledData and the importer accept (any case): everything held out counts as validation.
SPLIT_NAMES = {"train": TRAIN, "validation": VALIDATION, "val": VALIDATION, "valid": VALIDATION,
               "dev": VALIDATION, "test": VALIDATION}


def split_for(example_id: str, validation_fraction: float = 0.2) -> str:
    """Deterministic split from the id alone, so adding examples never reshuffles old ones."""
    digest = hashlib.sha1(example_id.encode("utf-8")).digest()
    bucket = int.from_bytes(digest[:4], "big") / 2**32
    return VALIDATION if bucket < validation_fraction else TRAIN


def _listed(values, field_name: str):
    """A list or array from any sequence (a torch tensor via ``.tolist()``, a pandas Series via its values)."""
    if hasattr(values, "detach"):  # a torch tensor, without importing torch here
        values = values.detach().cpu().numpy()
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise TypeError(f"{field_name} must be a list or array with one entry per example, got {type(values).__name__}.")
    return values.to_numpy() if hasattr(values, "to_numpy") else values


def _split_names(split: np.ndarray, name: str) -> np.ndarray:
    if split.dtype == bool:
        raise ValueError(f"{name}: split is a boolean mask, which could mean either 'train' or 'validation'. "
                         "Pass names, e.g. np.where(is_validation, 'validation', 'train').")
    given = np.char.lower(np.char.strip(split.astype(str)))
    unknown = sorted(set(given.tolist()) - set(SPLIT_NAMES))
    if unknown:
        raise ValueError(f"{name}: split values {unknown[:5]} are not split names; use 'train' or 'validation' "
                         f"('val', 'valid', 'dev' and 'test' count as validation).")
    return np.array([SPLIT_NAMES[s] for s in given.tolist()], dtype=f"<U{len(VALIDATION)}")


@dataclass
class LabeledData:
    """Examples with stable ids, inputs, display texts, labels and a train/validation split.

    ``labels`` is ``(n,)`` int for single-label data and ``(n, n_classes)`` 0/1 int for
    multi-label data. ``inputs`` is a list of strings (``modality="text"``) or a float32
    array whose first axis is the example (``"image"``: ``(n, 28, 28)``, ``"vector"``: ``(n, d)``).
    ``metadata`` holds free per-example columns, row-aligned with the ids.
    """

    name: str
    ids: np.ndarray
    inputs: list[str] | np.ndarray
    texts: list[str]
    labels: np.ndarray
    class_names: list[str]
    split: np.ndarray
    multilabel: bool = False
    modality: str = "text"
    metadata: pd.DataFrame = field(default_factory=pd.DataFrame)
    description: str = ""

    def __post_init__(self) -> None:
        self._normalise()
        n = len(self.ids)
        sizes = {
            "inputs": len(self.inputs),
            "texts": len(self.texts),
            "labels": len(self.labels),
            "split": len(self.split),
        }
        if len(self.metadata):
            sizes["metadata"] = len(self.metadata)
        wrong = {k: v for k, v in sizes.items() if v != n}
        if wrong:
            raise ValueError(f"{self.name}: {n} ids but {wrong}; every field needs one row per example.")
        if len(set(self.ids.tolist())) != n:
            raise ValueError(f"{self.name}: example ids must be unique.")
        if self.multilabel and (self.labels.ndim != 2 or self.labels.shape[1] != len(self.class_names)):
            raise ValueError(
                f"{self.name}: multi-label data needs labels of shape (n, {len(self.class_names)}), "
                f"got {self.labels.shape}."
            )
        if not self.multilabel and self.labels.ndim != 1:
            raise ValueError(f"{self.name}: single-label data needs labels of shape (n,), got {self.labels.shape}.")
        if self.metadata is None or not len(self.metadata):
            self.metadata = pd.DataFrame(index=range(n))
        self.metadata = self.metadata.reset_index(drop=True)

    def _normalise(self) -> None:
        """Accept what a user naturally passes: lists or arrays (or tensors converted with ``.tolist()``),
        ids of any type (stored as strings), labels as class indices, 0/1 flags or class names, and
        split names such as "val", "dev" or "test". A boolean split mask is refused: True could mean
        either split, and guessing wrong would silently leave no validation rows."""
        self.ids = np.asarray(_listed(self.ids, "ids")).astype(str)
        self.texts = [str(t) for t in _listed(self.texts, "texts")]
        if isinstance(self.inputs, tuple):
            self.inputs = list(self.inputs)
        self.labels = self._label_indices(np.asarray(_listed(self.labels, "labels")))
        self.split = _split_names(np.asarray(_listed(self.split, "split")), self.name)

    def _label_indices(self, labels: np.ndarray) -> np.ndarray:
        if labels.dtype.kind in "USO":  # class names
            position = {name: j for j, name in enumerate(self.class_names)}
            unknown = sorted({str(v) for v in labels.ravel()} - set(position))
            if unknown:
                raise ValueError(f"{self.name}: labels {unknown[:5]} are not among class_names {self.class_names}; "
                                 "pass class indices (0, 1, ...) or names listed in class_names.")
            labels = np.vectorize(position.__getitem__, otypes=[np.int64])(labels)
        if labels.dtype.kind == "f" and labels.size and not np.all(labels == np.round(labels)):
            raise ValueError(f"{self.name}: labels must be class indices (0 to {len(self.class_names) - 1}), "
                             "not probabilities or scores.")
        labels = labels.astype(np.int64)
        if labels.size and (labels.min() < 0 or labels.max() >= len(self.class_names)):
            raise ValueError(f"{self.name}: labels run from {labels.min()} to {labels.max()} but there are "
                             f"{len(self.class_names)} class_names; labels must be 0 to {len(self.class_names) - 1}.")
        return labels

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    def subset(self, mask_or_index: np.ndarray) -> "LabeledData":
        index = np.flatnonzero(mask_or_index) if mask_or_index.dtype == bool else np.asarray(mask_or_index)
        inputs = [self.inputs[i] for i in index] if isinstance(self.inputs, list) else self.inputs[index]
        return LabeledData(
            name=self.name,
            ids=self.ids[index],
            inputs=inputs,
            texts=[self.texts[i] for i in index],
            labels=self.labels[index],
            class_names=list(self.class_names),
            split=self.split[index],
            multilabel=self.multilabel,
            modality=self.modality,
            metadata=self.metadata.iloc[index].reset_index(drop=True),
            description=self.description,
        )

    def fingerprint(self) -> str:
        """Hash of ids, inputs, labels and split: tells two datasets of the same name apart."""
        digest = hashlib.sha1()
        for part in (self.ids.astype(str), self.labels, self.split.astype(str)):
            digest.update(np.ascontiguousarray(part).tobytes())
        if isinstance(self.inputs, list):
            digest.update("\x1f".join(self.inputs).encode("utf-8"))
        else:
            digest.update(np.ascontiguousarray(self.inputs).tobytes())
        return digest.hexdigest()

    def label_names(self) -> list[str]:
        """One display string per example: the class name, or the '+'-joined set for multi-label."""
        return label_names(self.labels, self.class_names, self.multilabel)

    def to_frame(self) -> pd.DataFrame:
        """Per-example table (no inputs): example_id, split, text, label columns, metadata."""
        frame = pd.DataFrame({"example_id": self.ids, "split": self.split, "text": self.texts})
        if self.multilabel:
            for j, name in enumerate(self.class_names):
                frame[f"label:{name}"] = self.labels[:, j].astype(np.int8)
        else:
            frame["label"] = self.labels.astype(np.int64)
        frame["label_name"] = self.label_names()
        for column in self.metadata.columns:
            frame[f"meta:{column}"] = self.metadata[column].to_numpy()
        return frame


def label_names(labels: np.ndarray, class_names: list[str], multilabel: bool) -> list[str]:
    """Display strings of labels (or predictions): class names, '+'-joined sets for multi-label, "(none)"
    for an empty set. :meth:`LabeledData.label_names` and every table of predictions use this one."""
    if multilabel:
        return ["+".join(c for c, on in zip(class_names, row) if on) or "(none)" for row in labels]
    return [class_names[i] for i in labels]
