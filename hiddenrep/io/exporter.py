"""Export a run's vectors (or a projection of them) as CSV, Parquet or a TensorBoard projector folder.

Every export is a folder that :func:`hiddenrep.io.import_run` reads back to the same vectors:
``metadata.<ext>`` (example_id, split, text, label or labels, meta columns) plus one file per
checkpoint named ``<index>_epoch-<e>_step-<s>.<ext>``.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..store import Checkpoint, Run
from .projector import CONFIG_NAME, ProjectorTensor, write_config
from .readers import LABEL_SEPARATOR

FORMATS = ("csv", "parquet", "tensorboard")
_FLOAT = "%.9g"  # enough digits that float32 values read back bit for bit


def export_run(run: Run, directory: str | Path, *, format: str = "csv", array: str = "hidden",
               checkpoints: Sequence[int | str] | None = None) -> Path:
    """Write ``array`` of each checkpoint (all by default) of ``run`` into a new folder ``directory``."""
    chosen = _checkpoints(run, checkpoints)
    return _export(run, directory, format, [(c, run.load(c, array)) for c in chosen], prefix="d")


def export_projection(run: Run, coordinates: Sequence[np.ndarray], directory: str | Path, *, format: str = "csv",
                      checkpoints: Sequence[int | str] | None = None) -> Path:
    """Write 2-D points (one ``(n, 2)`` array per checkpoint, e.g. from a reducer) as columns x, y."""
    chosen = _checkpoints(run, checkpoints)
    if len(coordinates) != len(chosen):
        raise ValueError(f"{len(coordinates)} coordinate arrays for {len(chosen)} checkpoints; give one for each.")
    return _export(run, directory, format, list(zip(chosen, coordinates)), prefix="xy")


def export_zip(run: Run, *, format: str = "csv", array: str = "hidden",
               coordinates: Sequence[np.ndarray] | None = None,
               checkpoints: Sequence[int | str] | None = None) -> bytes:
    """The same folder as one zip in memory, for a download button (``coordinates``: a projection's)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / run.id
        if coordinates is None:
            export_run(run, folder, format=format, array=array, checkpoints=checkpoints)
        else:
            export_projection(run, coordinates, folder, format=format, checkpoints=checkpoints)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.rglob("*")):
                archive.write(path, path.relative_to(folder.parent).as_posix())
        return buffer.getvalue()


def table_csv(frame: pd.DataFrame) -> bytes:
    """A table (neighbours, label issues) as UTF-8 CSV bytes for a download button."""
    return frame.to_csv(index=False).encode("utf-8")


def metadata_frame(run: Run) -> pd.DataFrame:
    """The run's examples as an import-ready table: label names, not indices."""
    examples = run.examples()
    frame = examples[["example_id", "split", "text"]].copy()
    if run.multilabel:
        columns = [f"label:{c}" for c in run.class_names]
        frame["labels"] = [LABEL_SEPARATOR.join(c for c, on in zip(run.class_names, row) if on)
                           for row in examples[columns].to_numpy()]
    else:
        frame["label"] = [run.class_names[i] for i in examples["label"]]
    meta = [c for c in examples.columns if c.startswith("meta:")]
    return pd.concat([frame, examples[meta].rename(columns=lambda c: c[5:])], axis=1)


def _checkpoints(run: Run, checkpoints: Sequence[int | str] | None) -> list[Checkpoint]:
    if not run.checkpoints:
        raise LookupError(f"Run {run.id} has no checkpoints to export.")
    return run.checkpoints if checkpoints is None else [run.checkpoint(c) for c in checkpoints]


def _export(run: Run, directory: str | Path, format: str, items: list[tuple[Checkpoint, np.ndarray]],
            prefix: str) -> Path:
    if format not in FORMATS:
        raise ValueError(f"Unknown export format {format!r}; use one of {', '.join(FORMATS)}.")
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise FileExistsError(f"{directory} exists and is not empty; export into a new folder.")
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}."))
    try:
        meta = metadata_frame(run)
        ids = meta["example_id"].to_numpy()
        tensors = []
        for checkpoint, values in items:
            values = np.asarray(values)
            stem = f"{checkpoint.name}_epoch-{checkpoint.epoch:g}_step-{checkpoint.step}"
            columns = ["x", "y"] if prefix == "xy" else [f"{prefix}{j}" for j in range(values.shape[1])]
            if format == "tensorboard":
                np.savetxt(tmp / f"{stem}.tsv", values, delimiter="\t", fmt=_FLOAT)
                tensors.append(ProjectorTensor(f"epoch {checkpoint.epoch:g} step {checkpoint.step}", f"{stem}.tsv",
                                               "metadata.tsv", None))
                continue
            frame = pd.DataFrame(values, columns=columns)
            frame.insert(0, "example_id", ids)
            if format == "csv":
                frame.to_csv(tmp / f"{stem}.csv", index=False, float_format=_FLOAT)
            else:
                frame.to_parquet(tmp / f"{stem}.parquet", index=False)
        if format == "tensorboard":
            clean = meta.astype(str).replace({r"[\t\r\n]": " "}, regex=True)  # the format has no quoting
            clean.to_csv(tmp / "metadata.tsv", sep="\t", index=False, quoting=3)
            (tmp / CONFIG_NAME).write_text(write_config(tensors), "utf-8")
        elif format == "csv":
            meta.to_csv(tmp / "metadata.csv", index=False)
        else:
            meta.to_parquet(tmp / "metadata.parquet", index=False)
        if directory.exists():
            directory.rmdir()
        tmp.rename(directory)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return directory
