"""Import hidden representations recorded elsewhere as an ordinary run in the store."""

from __future__ import annotations

import contextlib
import os
import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..data import LabeledData, split_for
from ..data.base import SPLIT_NAMES
from ..store import INTERRUPTED, Run, RunStore, validate_run_id
from .projector import CONFIG_NAME, parse_config
from .readers import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_TOTAL_BYTES,
    LABEL_SEPARATOR,
    VECTOR_SUFFIXES,
    InputFile,
    InvalidImportError,
    Table,
    as_input,
    check_size,
    check_total_size,
    expand,
    read_metadata,
    read_vectors,
)

Source = str | os.PathLike | tuple | InputFile

UNLABELED = "unlabeled"
_EPOCH = re.compile(r"epoch[\s_-]*(\d+(?:\.\d+)?)", re.IGNORECASE)
_STEP = re.compile(r"step[\s_-]*(\d+)", re.IGNORECASE)
_LAST_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\D*$")
_SUMMARY_WRITER_PATH = re.compile(r"^(\d{5,})/([^/]+)/tensors\.tsv$")  # SummaryWriter.add_embedding's layout
MIN_EXAMPLES = 3  # a projection needs 3 points; fewer is surely the wrong file


@dataclass
class _Pending:
    """A checkpoint not read yet: files are read one at a time, not all at once."""

    label: str
    file: InputFile
    shape: tuple[int, int] | None = None
    epoch: float | None = None
    step: int = 0
    max_bytes: int = DEFAULT_MAX_BYTES

    def load(self) -> Table:
        return read_vectors(self.file, shape=self.shape, max_bytes=self.max_bytes)


def import_run(
    files: Source | Iterable[Source],
    *,
    store: RunStore | None = None,
    run_id: str | None = None,
    metadata: Source | None = None,
    epochs: Sequence[float] | None = None,
    class_names: Sequence[str] | None = None,
    name: str = "imported",
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES,
    probe: bool = True,
    overwrite: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Run:
    """Turn per-checkpoint vector files into a complete run; on any error no run is left behind.

    ``files``: paths, folders, ``(name, bytes)`` pairs or uploaded files — one CSV/TSV/NPY/Parquet
    file per checkpoint, or a TensorBoard projector export (``projector_config.pbtxt``, its tensors and
    ``metadata.tsv``). A file named ``metadata.*`` among them is the per-example table (id, text,
    label or ``|``-separated labels, split, other columns) unless ``metadata`` is given. Rows are
    joined by id when ids exist, else taken in order. Checkpoint order and epochs come from
    ``epochs`` or from the file names (``epoch_3.csv``, ``..._epoch-1.5_step-40.csv``).
    ``probe``: with labels, fill ``probs``/``pred``/``loss`` from a 5-fold cross-validated logistic
    regression on each checkpoint's vectors, so label-quality views work; the manifest says so.
    A TensorBoard log written by PyTorch's ``SummaryWriter.add_embedding`` (a folder, or a zip of it)
    imports as one checkpoint per global step, in step order. ``max_bytes`` limits each file,
    ``max_total_bytes`` all of them together (zip members count at their unpacked size).
    ``overwrite`` replaces a run with the same id; the old run stays until the new one is complete, so
    a failed import loses nothing. An ``interrupted`` run of the very same request (a killed import)
    is replaced without ``overwrite``.
    Raises :class:`InvalidImportError` with a message meant for the person who gave the files.
    """
    store = store or RunStore()
    single = isinstance(files, (str, os.PathLike, tuple, InputFile)) or hasattr(files, "getvalue")
    inputs = expand([files] if single else files, max_bytes)
    configs = [f for f in inputs if f.name == CONFIG_NAME]
    meta_file = as_input(metadata) if metadata is not None else _pick_metadata(inputs, top_level=bool(configs))
    inputs = [f for f in inputs if f is not meta_file]
    if configs:
        check_size(configs[0], max_bytes)
        pending, projector_meta = _projector_checkpoints(configs[0], inputs + ([meta_file] if meta_file else []))
        meta_file = meta_file or projector_meta
    else:
        pending = _file_checkpoints(inputs)
    read = [item.file for item in pending] + ([meta_file] if meta_file else [])
    for file in read:
        check_size(file, max_bytes)  # only the files that will be read: a logdir holds others too
    check_total_size(read, max_total_bytes)
    for item in pending:
        item.max_bytes = max_bytes
    _order(pending, epochs)
    run_id = validate_run_id(run_id if run_id is not None else _default_run_id(files if single else None, pending))
    config = {"source": "import", "format": "tensorboard-projector" if configs else "files",
              "files": [p.label for p in pending], "probe": bool(probe)}
    overwrite = overwrite or _replaceable(store, run_id, config)

    first = pending[0].load()
    meta = read_metadata(meta_file, max_bytes) if meta_file else None
    data, reference, first_vectors = _labeled_data(first, meta, meta_file.name if meta_file else None,
                                                   class_names, name)
    if len(data) < MIN_EXAMPLES:
        raise InvalidImportError(f"{first.name}: {len(data)} example(s); a run needs at least {MIN_EXAMPLES} to "
                                 "draw a projection. Check that this is the right file (rows are examples).")
    if reference.dims < 2:
        raise InvalidImportError(f"{first.name}: 1-dimensional vectors; a 2-D projection needs at least 2 "
                                 "dimensions (columns). Check that rows are examples and columns dimensions.")
    writer = store.create_from_data(
        run_id, data, name=name, modality="vector",
        model={"name": "imported", "hidden_layer": "imported", "capture": "output",
               "hidden_dim": int(reference.dims)},
        config=config,
        seed=None,
        overwrite=overwrite,
    )
    try:
        use_probe = probe and data.class_names != [UNLABELED]
        for index, item in enumerate(pending):
            if progress:
                progress(f"Importing checkpoint {index + 1} of {len(pending)}: {item.label}")
            vectors = first_vectors if index == 0 else _align(item.load(), reference)[0]
            with writer.checkpoint(epoch=item.epoch, step=item.step) as checkpoint:
                checkpoint.write("hidden", vectors)
                if use_probe:
                    _write_probe(checkpoint, vectors, data)
        if use_probe:
            writer.update(predictions="linear probe: 5-fold cross-validated logistic regression on the imported "
                                      "vectors (no model was imported)")
        return writer.finish()
    except BaseException:
        with contextlib.suppress(OSError):
            writer.abandon()
        raise


def _replaceable(store: RunStore, run_id: str, config: dict) -> bool:
    """False when no run has this id; True for an interrupted run of this very request (a killed import,
    replaced as ``train`` replaces its own); otherwise the existing run must not be touched."""
    if not store.exists(run_id):
        return False
    try:
        existing = store.open(run_id)
        same = existing.status == INTERRUPTED and existing.config == config
    except (ValueError, LookupError):
        same = False
    if same:
        return True
    status = _status(store, run_id)
    raise FileExistsError(f"Run {run_id!r} already exists in {store.root} ({status}); pick another run id, "
                          f"overwrite it (--overwrite), or delete it (`hiddenrep delete {run_id}`).")


def _status(store: RunStore, run_id: str) -> str:
    try:
        return store.open(run_id).status
    except (ValueError, LookupError):
        return "damaged"


def _pick_metadata(inputs: list[InputFile], top_level: bool = False) -> InputFile | None:
    """The file named metadata.*; beside a projector config only one next to it (a SummaryWriter log holds
    one per step in subfolders, and the config names the one to use)."""
    found = [f for f in inputs if Path(f.name).stem.lower() == "metadata" and not (top_level and "/" in f.path)]
    if len(found) > 1:
        raise InvalidImportError(f"Several metadata tables ({', '.join(f.name for f in found)}); give only one.")
    return found[0] if found else None


def _file_checkpoints(inputs: list[InputFile]) -> list[_Pending]:
    unknown = [f.name for f in inputs if f.suffix not in VECTOR_SUFFIXES or f.suffix == ".bytes"]
    if unknown:
        raise InvalidImportError(f"Unsupported file(s): {', '.join(unknown)}. Give one .csv, .tsv, .npy or .parquet "
                                 "file per checkpoint, an optional metadata.csv, or a TensorBoard projector folder "
                                 f"with {CONFIG_NAME}.")
    if not inputs:
        raise InvalidImportError("No checkpoint files: give one .csv, .tsv, .npy or .parquet file of vectors per "
                                 "checkpoint (rows = examples, columns = dimensions).")
    return [_Pending(f.name, f) for f in inputs]


def _projector_checkpoints(config: InputFile, inputs: list[InputFile]) -> tuple[list[_Pending], InputFile | None]:
    """Tensors in config order (a SummaryWriter log: in global-step order), each found by its path
    relative to the config (by file name when that is unambiguous), and the first metadata table."""
    import posixpath

    try:
        text = config.read().decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidImportError(f"{config.name}: not UTF-8 text; it should be a text protobuf.") from None
    base = posixpath.dirname(config.path)
    by_path = {f.path or f.name: f for f in inputs}
    by_name: dict[str, list[InputFile]] = {}
    for f in inputs:
        by_name.setdefault(f.name, []).append(f)
    pending, metadata = [], None

    def find(path: str, what: str) -> InputFile:
        relative = posixpath.normpath(posixpath.join(base, path.replace("\\", "/")))
        file = by_path.get(relative)
        if file is None and len(by_name.get(posixpath.basename(relative), [])) == 1:
            file = by_name[posixpath.basename(relative)][0]
        if file is None:
            raise InvalidImportError(f"{config.name} names {what} {path!r}, which is not among the files given; "
                                     "add it (all files of the projector folder are needed; import the folder, "
                                     "or a zip of it, to keep its subfolders).")
        return file

    tensors = parse_config(text, config.name)
    steps = [_SUMMARY_WRITER_PATH.match(t.tensor_path.replace("\\", "/")) for t in tensors]
    if all(steps):
        tags = sorted({m.group(2) for m in steps})
        if len(tags) > 1:
            raise InvalidImportError(f"{config.name}: this TensorBoard log holds embeddings under {len(tags)} tags "
                                     f"({', '.join(tags)}); import one tag at a time (copy the log and remove the "
                                     "other tags' blocks from the config).")
    for tensor, step in zip(tensors, steps):
        file = find(tensor.tensor_path, "tensor")
        item = _Pending(tensor.name, file, tensor.shape)
        if all(steps):  # SummaryWriter: one folder per global step; its steps are the checkpoints' epochs
            item.epoch, item.step = float(int(step.group(1))), int(step.group(1))
        pending.append(item)
        if tensor.metadata_path and metadata is None:
            metadata = find(tensor.metadata_path, "metadata")
    if all(steps):
        pending.sort(key=lambda item: item.step)
    return pending, metadata


def _parse_position(label: str) -> tuple[float | None, int]:
    stem = Path(label).stem if Path(label).suffix.lower() in VECTOR_SUFFIXES else label
    epoch = _EPOCH.search(stem) or _LAST_NUMBER.search(stem)
    step = _STEP.search(stem)
    if epoch is not None and step is not None and epoch.start() == step.start(1):
        epoch = None  # the only number was the step's
    return (float(epoch.group(1)) if epoch else None), (int(step.group(1)) if step else 0)


def _order(pending: list[_Pending], epochs: Sequence[float] | None) -> None:
    """Epochs given, else parsed from every name (then sorted), else 0, 1, 2, ... in the order given."""
    if epochs is not None:
        if not all(isinstance(e, (int, float)) and np.isfinite(e) for e in epochs):
            raise InvalidImportError(f"epochs {list(epochs)}: every epoch must be a finite number (not NaN or inf).")
        if len(epochs) != len(pending):
            raise InvalidImportError(f"{len(epochs)} epochs given for {len(pending)} checkpoint files; give one "
                                     "epoch per file, in the order of the files.")
        for item, epoch in zip(pending, epochs):
            item.epoch, item.step = float(epoch), _parse_position(item.label)[1]
        return
    if all(item.epoch is not None for item in pending):  # set by the layout (a SummaryWriter log)
        return
    parsed = [_parse_position(item.label) for item in pending]
    if all(e is not None for e, _ in parsed) and len(set(parsed)) == len(parsed):
        for item, (epoch, step) in zip(pending, parsed):
            item.epoch, item.step = epoch, step
        pending.sort(key=lambda item: (item.epoch, item.step))
    else:
        for index, item in enumerate(pending):
            item.epoch, item.step = float(index), 0


def _default_run_id(source, pending: list[_Pending]) -> str:
    stem = Path(str(source)).stem if isinstance(source, (str, os.PathLike)) else Path(pending[0].label).stem
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or "run"
    return f"import-{slug}"[:120]


@dataclass
class _Reference:
    name: str
    ids: np.ndarray
    dims: int
    fields: pd.DataFrame
    checked_columns: bool = False  # later checkpoints must carry the same field columns as the first


def _align(table: Table, ref: _Reference) -> tuple[np.ndarray, pd.DataFrame]:
    """Rows in the run's order (by id when the file has ids), after checking count, ids and dimensions."""
    n = len(ref.ids)
    if table.vectors.shape[1] != ref.dims:
        raise InvalidImportError(f"{table.name}: {table.vectors.shape[1]} dimensions, but {ref.name} has "
                                 f"{ref.dims}. Every checkpoint must record the same layer.")
    if table.ids is not None:
        index = pd.Index(table.ids).get_indexer(ref.ids)
        if (index < 0).any() or len(table.ids) != n:
            missing = ref.ids[index < 0]
            extra = np.setdiff1d(table.ids, ref.ids)
            raise InvalidImportError(
                f"{table.name}: its ids differ from {ref.name}'s: {len(missing)} missing"
                + (f" (e.g. {', '.join(map(repr, missing[:3]))})" if len(missing) else "")
                + f", {len(extra)} unknown" + (f" (e.g. {', '.join(map(repr, extra[:3]))})" if len(extra) else "")
                + ". Every checkpoint must hold the same examples.")
    else:
        if len(table.vectors) != n:
            raise InvalidImportError(f"{table.name}: {len(table.vectors)} rows, but {ref.name} has {n}. Every "
                                     "checkpoint needs one row per example, in the same order (or an id column "
                                     "to join on).")
        index = np.arange(n)
    fields = table.fields.iloc[index].reset_index(drop=True)
    if ref.checked_columns and set(fields.columns) != set(ref.fields.columns):
        only_here = sorted(set(fields.columns) - set(ref.fields.columns))
        only_there = sorted(set(ref.fields.columns) - set(fields.columns))
        raise InvalidImportError(
            f"{table.name}: " + (f"has column(s) {only_here} that {ref.name} lacks" if only_here else
                                 f"lacks column(s) {only_there} that {ref.name} has")
            + ". Give text/label/labels/split in every checkpoint file or in none (the metadata table is the "
              "place for them).")
    for column in fields.columns.intersection(ref.fields.columns):
        differs = np.flatnonzero(fields[column].astype(str).to_numpy() != ref.fields[column].astype(str).to_numpy())
        if len(differs):
            row = differs[0]
            how = ("the same id has another" if table.ids is not None
                   else "rows seem to be in another order; add an id column to join on, or keep one order. Row")
            raise InvalidImportError(f"{table.name}: {how} {column} than in {ref.name} at row {row + 1} "
                                     f"({fields[column].iloc[row]!r} vs {ref.fields[column].iloc[row]!r}).")
    return table.vectors[index], fields


def _labeled_data(first: Table, meta: pd.DataFrame | None, meta_name: str | None,
                  class_names: Sequence[str] | None, name: str) -> tuple[LabeledData, _Reference, np.ndarray]:
    """The examples (ids and fields from the metadata table, else from the first checkpoint file), the
    reference every later checkpoint is checked against, and the first checkpoint's vectors in row order."""
    if meta is not None and "example_id" in meta.columns:
        ids = meta["example_id"].to_numpy()
    elif first.ids is not None:
        ids = first.ids
    else:
        ids = np.array([f"ex-{i:06d}" for i in range(len(first.vectors))])
    if meta is not None and "example_id" not in meta.columns and len(meta) != len(first.vectors):
        raise InvalidImportError(f"{meta_name}: {len(meta)} rows, but {first.name} has {len(first.vectors)}. Give "
                                 "one metadata row per example, or an id column in both to join on.")
    joined_on_meta = meta is not None and "example_id" in meta.columns
    reference = _Reference(meta_name if joined_on_meta else first.name, ids, first.vectors.shape[1], pd.DataFrame())
    vectors, reference.fields = _align(first, reference)
    reference.name = first.name
    reference.checked_columns = True
    fields = reference.fields
    if meta is not None:
        for column in fields.columns.intersection(meta.columns):
            mine = fields[column].astype(str).str.strip().to_numpy()
            theirs = meta[column].astype(str).str.strip().to_numpy()
            differs = np.flatnonzero(mine != theirs)
            if len(differs):
                row = differs[0]
                raise InvalidImportError(f"{first.name}: its {column} column contradicts {meta_name} at example "
                                         f"{ids[row]!r} ({mine[row]!r} vs {theirs[row]!r}); give {column} in one "
                                         "place only, or make them agree.")
        fields = pd.concat([meta.drop(columns="example_id", errors="ignore").reset_index(drop=True),
                            fields.drop(columns=[c for c in fields.columns if c in meta.columns])], axis=1)
    source = meta_name or first.name
    labels, classes, multilabel = _labels(fields, class_names, source)
    split = _split(fields, ids, source)
    texts = fields["text"].astype(str).tolist() if "text" in fields.columns else [str(i) for i in ids]
    extra = fields.drop(columns=[c for c in ("text", "label", "labels", "split") if c in fields.columns])
    extra = extra.apply(_maybe_numeric)
    data = LabeledData(name=name, ids=np.asarray(ids, dtype=str), inputs=texts, texts=texts, labels=labels,
                       class_names=classes, split=split, multilabel=multilabel, modality="vector",
                       metadata=extra.reset_index(drop=True))
    return data, reference, vectors


def _maybe_numeric(column: pd.Series) -> pd.Series:
    try:
        return pd.to_numeric(column)
    except (ValueError, TypeError):
        return column.astype(str)


def _labels(fields: pd.DataFrame, class_names: Sequence[str] | None, source: str):
    if "label" in fields.columns and "labels" in fields.columns:
        raise InvalidImportError(f"{source}: has both 'label' and 'labels'; use 'label' for one class per example "
                                 f"or 'labels' ('{LABEL_SEPARATOR}'-separated) for several.")
    if "labels" in fields.columns:
        sets = [[v.strip() for v in str(cell).split(LABEL_SEPARATOR) if v.strip()] for cell in fields["labels"]]
        classes = list(class_names) if class_names else sorted({v for s in sets for v in s})
        unknown = sorted({v for s in sets for v in s} - set(classes))
        if unknown or not classes:
            raise InvalidImportError(f"{source}: labels {unknown[:5]} are not among the class names {classes}."
                                     if classes else f"{source}: the 'labels' column is empty.")
        position = {c: j for j, c in enumerate(classes)}
        labels = np.zeros((len(sets), len(classes)), dtype=np.int64)
        for row, names in enumerate(sets):
            labels[row, [position[v] for v in names]] = 1
        return labels, classes, True
    if "label" not in fields.columns:
        return np.zeros(len(fields), dtype=np.int64), [UNLABELED], False
    values = fields["label"].astype(str).str.strip().to_numpy()
    empty = np.flatnonzero((values == "") | (values == "nan") | fields["label"].isna().to_numpy())
    if len(empty):
        raise InvalidImportError(f"{source}: row {empty[0] + 1} has no label; label every example, or drop the "
                                 "label column to import unlabeled vectors.")
    integers = all(re.fullmatch(r"-?\d+", v) for v in values)
    if class_names and integers and all(0 <= int(v) < len(class_names) for v in values):
        return values.astype(np.int64), list(class_names), False
    order = (lambda v: (int(v), v)) if integers else (lambda v: (0, v))  # numeric labels sort as numbers
    classes = list(class_names) if class_names else sorted(set(values), key=order)
    position = {c: j for j, c in enumerate(classes)}
    unknown = sorted(set(values) - set(position))
    if unknown:
        raise InvalidImportError(f"{source}: labels {unknown[:5]} are not among the class names {classes}.")
    return np.array([position[v] for v in values], dtype=np.int64), classes, False


def _split(fields: pd.DataFrame, ids: np.ndarray, source: str) -> np.ndarray:
    if "split" not in fields.columns:
        return np.array([split_for(str(i)) for i in ids])
    values = fields["split"].astype(str).str.strip().str.lower()
    bad = ~values.isin(list(SPLIT_NAMES))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InvalidImportError(f"{source}: row {row + 1} has split {fields['split'].iloc[row]!r}; use 'train' or "
                                 "'validation' ('val', 'valid', 'dev' and 'test' count as validation).")
    return values.map(SPLIT_NAMES).to_numpy()


def _write_probe(checkpoint, vectors: np.ndarray, data: LabeledData) -> None:
    """Out-of-fold probabilities of a logistic regression: an honest stand-in for a model's outputs."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def out_of_fold(target: np.ndarray, n_classes: int) -> np.ndarray:
        counts = np.bincount(target, minlength=n_classes)
        if (counts > 0).sum() < 2 or counts.max() < 2:  # nothing to learn: every example gets the base rate
            return np.broadcast_to((counts + 0.5) / (counts.sum() + 0.5 * len(counts)), (len(target), len(counts)))
        folds = StratifiedKFold(n_splits=int(min(5, counts.max())), shuffle=True, random_state=0)
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300))
        with warnings.catch_warnings():  # rare classes: sklearn warns, and the fold without them predicts 0
            warnings.simplefilter("ignore")
            return cross_val_predict(model, vectors, target, cv=folds, method="predict_proba")

    eps = 1e-7
    if data.multilabel:
        probs = np.stack([out_of_fold(data.labels[:, j], 2)[:, 1] for j in range(data.n_classes)], axis=1)
        probs = np.clip(probs, eps, 1 - eps)
        logits = np.log(probs / (1 - probs))
        loss = -(data.labels * np.log(probs) + (1 - data.labels) * np.log(1 - probs)).mean(1)
        pred = (probs >= 0.5).astype(np.int64)
        correct = (pred == data.labels).mean(1)
    else:
        probs = np.zeros((len(data), data.n_classes))
        seen = np.unique(data.labels)
        probs[:, seen] = out_of_fold(np.searchsorted(seen, data.labels), len(seen))
        probs = np.clip(probs, eps, 1.0)
        logits = np.log(probs)
        loss = -logits[np.arange(len(data)), data.labels]
        pred = probs.argmax(1)
        correct = (pred == data.labels).astype(float)
    for name, values in (("logits", logits), ("probs", probs), ("loss", loss)):
        checkpoint.write(name, values.astype(np.float32))
    checkpoint.write("pred", pred.astype(np.int64))
    checkpoint.split_metrics(data.split, loss, correct)
