"""Run store: one directory per run, a JSON manifest and pickle-free arrays per checkpoint.

Layout::

    <root>/<run_id>/manifest.json          status, config, dataset, model, checkpoints + metrics
    <root>/<run_id>/examples.parquet       one row per example, row order = array row order
    <root>/<run_id>/checkpoints/0003/*.npy  hidden, logits, probs, loss, pred, ...

Every write is atomic (temp file or temp directory, then rename) and the manifest is written
last, so a killed process never leaves a run that reads as complete: a run whose manifest says
``running`` but whose writer process is gone is reported as ``interrupted``. Writes are not
fsync'd: a rename is atomic against a killed process, which is the failure that matters here, and
an fsync per checkpoint would cost more than recording a small model's checkpoint.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pandas as pd

FORMAT_VERSION = 1
RUNNING, COMPLETE, FAILED, CANCELLED, INTERRUPTED = "running", "complete", "failed", "cancelled", "interrupted"
FINAL_STATUSES = (COMPLETE, FAILED, CANCELLED)
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$")


class RunNotFoundError(LookupError):
    pass


def default_runs_dir() -> Path:
    """$HIDDENREP_RUNS, else ./runs."""
    return Path(os.environ.get("HIDDENREP_RUNS") or "runs")


def validate_run_id(run_id: str) -> str:
    """Run ids become directory names: letters, digits, '.', '_' and '-' only, no '..'."""
    if not isinstance(run_id, str) or not _RUN_ID.match(run_id) or ".." in run_id:
        raise ValueError(
            f"Invalid run id {run_id!r}: use 1-120 letters, digits, '.', '_' or '-', starting with a "
            "letter or digit (no '/', no '..')."
        )
    return run_id


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: Path, payload: dict) -> None:
    atomic_write_bytes(path, json.dumps(payload, indent=1, sort_keys=False).encode("utf-8"))


def _process_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class Checkpoint:
    """One recorded moment of training: ``epoch`` may be fractional for every-K-steps checkpoints."""

    index: int
    name: str
    epoch: float
    step: int
    metrics: dict

    @property
    def label(self) -> str:
        epoch = f"{self.epoch:g}"
        return f"epoch {epoch} (step {self.step})"


class Run:
    """Read-only view of one run directory. Arrays are memory-mapped, never unpickled."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.manifest = self._read_manifest()

    def _read_manifest(self) -> dict:
        path = self.path / "manifest.json"
        try:
            manifest = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            raise RunNotFoundError(f"{self.path} has no manifest.json: not a run directory.") from None
        except json.JSONDecodeError as error:
            raise ValueError(f"{path} is not valid JSON ({error}); the run is damaged.") from None
        if manifest.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{path} has format version {manifest.get('format_version')}, "
                             f"this hiddenrep reads version {FORMAT_VERSION}.")
        return manifest

    def refresh(self) -> "Run":
        self.manifest = self._read_manifest()
        return self

    @property
    def id(self) -> str:
        return self.manifest["run_id"]

    @property
    def status(self) -> str:
        """The manifest's status, or ``interrupted`` when a 'running' writer on this host has died."""
        status = self.manifest["status"]
        if status == RUNNING and self.manifest.get("host") == socket.gethostname():
            if not _process_alive(self.manifest.get("pid")):
                return INTERRUPTED
        return status

    @property
    def is_complete(self) -> bool:
        return self.status == COMPLETE

    @property
    def config(self) -> dict:
        return self.manifest.get("config", {})

    @property
    def class_names(self) -> list[str]:
        return self.manifest["dataset"]["class_names"]

    @property
    def multilabel(self) -> bool:
        return bool(self.manifest["dataset"].get("multilabel"))

    @property
    def checkpoints(self) -> list[Checkpoint]:
        return [
            Checkpoint(c["index"], c["name"], c["epoch"], c["step"], c.get("metrics", {}))
            for c in self.manifest.get("checkpoints", [])
        ]

    def checkpoint(self, which: int | str | Checkpoint) -> Checkpoint:
        """By position (negative counts from the end), by name, or a Checkpoint itself."""
        if isinstance(which, Checkpoint):
            return which
        checkpoints = self.checkpoints
        if not checkpoints:
            raise LookupError(f"Run {self.id} has no checkpoints yet.")
        if isinstance(which, str):
            for checkpoint in checkpoints:
                if checkpoint.name == which:
                    return checkpoint
            raise LookupError(f"Run {self.id} has no checkpoint named {which!r}.")
        return checkpoints[which]

    def examples(self) -> pd.DataFrame:
        """One row per example in array row order: example_id, split, text, label columns, metadata."""
        return pd.read_parquet(self.path / "examples.parquet")

    def labels(self, examples: pd.DataFrame | None = None) -> np.ndarray:
        """Given labels in row order: (n,) class indices, or (n, C) 0/1 for multi-label runs."""
        examples = self.examples() if examples is None else examples
        if self.multilabel:
            return examples[[f"label:{c}" for c in self.class_names]].to_numpy(dtype=np.int64, copy=True)
        return examples["label"].to_numpy(dtype=np.int64, copy=True)

    def array_names(self, which: int | str | Checkpoint = -1) -> list[str]:
        return sorted(p.stem for p in (self.path / "checkpoints" / self.checkpoint(which).name).glob("*.npy"))

    def load(self, which: int | str | Checkpoint, name: str, *, mmap: bool = True) -> np.ndarray:
        """One array of one checkpoint, e.g. ``run.load(-1, "hidden")``."""
        path = self.path / "checkpoints" / self.checkpoint(which).name / f"{name}.npy"
        if not path.exists():
            raise LookupError(f"Checkpoint {self.checkpoint(which).name} of run {self.id} has no array {name!r}; "
                              f"it has {self.array_names(which)}.")
        return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)

    def stack(self, name: str, checkpoints: list[int | str] | None = None) -> np.ndarray:
        """(n_checkpoints, n_examples, ...) array of ``name`` across checkpoints (all by default)."""
        chosen = self.checkpoints if checkpoints is None else [self.checkpoint(c) for c in checkpoints]
        return np.stack([self.load(c, name) for c in chosen])

    def metrics(self) -> pd.DataFrame:
        """One row per checkpoint: index, epoch, step and every recorded metric."""
        rows = [{"index": c.index, "name": c.name, "epoch": c.epoch, "step": c.step, **c.metrics}
                for c in self.checkpoints]
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        return f"Run({self.id!r}, status={self.status!r}, checkpoints={len(self.checkpoints)})"


class CheckpointWriter:
    """Writes one checkpoint's arrays in row chunks into a hidden temp directory.

    Memory stays bounded by the chunk: each ``.npy`` file gets its header (from the first chunk's
    row shape and dtype) and rows are written in place at their offset. Nothing is visible to
    readers until :meth:`RunWriter.checkpoint` renames the directory.
    """

    def __init__(self, directory: Path, n_rows: int):
        self.directory = directory
        self.n_rows = n_rows
        self._files: dict[str, tuple[Any, int, int, tuple, np.dtype]] = {}
        self.metrics: dict[str, float] = {}

    def write(self, name: str, values: np.ndarray, *, start: int = 0) -> None:
        """Write ``values`` into rows ``start:start+len(values)`` of array ``name``."""
        values = np.asarray(values)
        if values.dtype == object:
            raise TypeError(f"Array {name!r} has dtype object; only numeric arrays are stored.")
        if name not in self._files:
            handle = open(self.directory / f"{name}.npy", "w+b")
            header = {"descr": np.lib.format.dtype_to_descr(values.dtype), "fortran_order": False,
                      "shape": (self.n_rows, *values.shape[1:])}
            np.lib.format.write_array_header_2_0(handle, header)
            row_bytes = values.dtype.itemsize * int(np.prod(values.shape[1:], dtype=np.int64))
            handle.truncate(handle.tell() + self.n_rows * row_bytes)  # full size now; unwritten rows read as 0
            self._files[name] = (handle, handle.tell(), row_bytes, values.shape[1:], values.dtype)
        handle, offset, row_bytes, row_shape, dtype = self._files[name]
        if values.shape[1:] != row_shape or values.dtype != dtype:
            raise ValueError(f"Array {name!r}: rows of shape {values.shape[1:]} {values.dtype}, "
                             f"earlier rows {row_shape} {dtype}.")
        if start < 0 or start + len(values) > self.n_rows:
            raise ValueError(f"Array {name!r}: rows {start}:{start + len(values)} outside 0:{self.n_rows}.")
        handle.seek(offset + start * row_bytes)
        handle.write(np.ascontiguousarray(values).tobytes())

    def _close(self) -> dict:
        shapes = {}
        for name, (handle, _offset, _row_bytes, row_shape, dtype) in self._files.items():
            handle.close()
            shapes[name] = {"shape": [self.n_rows, *row_shape], "dtype": str(dtype)}
        self._files.clear()
        return shapes


class RunWriter:
    """The one writer of a run: adds checkpoints, then marks the run complete/failed/cancelled."""

    def __init__(self, run: Run):
        self.run = run
        self.path = run.path

    @property
    def manifest(self) -> dict:
        return self.run.manifest

    def _save(self) -> None:
        self.manifest["updated_at"] = time.time()
        atomic_write_json(self.path / "manifest.json", self.manifest)

    @contextmanager
    def checkpoint(self, *, epoch: float, step: int) -> Iterator[CheckpointWriter]:
        """Context manager: fill the yielded writer; on clean exit the checkpoint appears atomically."""
        index = len(self.manifest["checkpoints"])
        name = f"{index:04d}"
        root = self.path / "checkpoints"
        root.mkdir(exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=root, prefix=f".{name}."))
        writer = CheckpointWriter(tmp, self.manifest["dataset"]["n_examples"])
        try:
            yield writer
            arrays = writer._close()
            os.replace(tmp, root / name)
        except BaseException:
            writer._close()
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        entry = {"index": index, "name": name, "epoch": float(epoch), "step": int(step),
                 "metrics": {k: float(v) for k, v in writer.metrics.items()}, "arrays": arrays}
        self.manifest["checkpoints"].append(entry)
        self._save()

    def update(self, **fields: Any) -> None:
        """Merge extra top-level fields (e.g. ``history``) into the manifest."""
        self.manifest.update(fields)
        self._save()

    def finish(self, status: str = COMPLETE, *, error: str | None = None) -> Run:
        if status not in FINAL_STATUSES:
            raise ValueError(f"A run ends as one of {FINAL_STATUSES}, not {status!r}.")
        self.manifest.update(status=status, error=error, finished_at=time.time())
        self._save()
        return self.run


class RunStore:
    """All runs under one root directory: create, list, open, delete."""

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root) if root is not None else default_runs_dir()

    def path_for(self, run_id: str) -> Path:
        path = (self.root / validate_run_id(run_id)).resolve()
        if path.parent != self.root.resolve():
            raise ValueError(f"Run id {run_id!r} resolves outside the runs directory {self.root}.")
        return path

    def exists(self, run_id: str) -> bool:
        return (self.path_for(run_id) / "manifest.json").exists()

    def open(self, run_id: str) -> Run:
        path = self.path_for(run_id)
        if not (path / "manifest.json").exists():
            raise RunNotFoundError(f"No run {run_id!r} in {self.root}. `hiddenrep runs` lists the runs there.")
        return Run(path)

    def list(self) -> list[Run]:
        """Every readable run, newest first. Damaged directories are skipped, never fatal."""
        runs = []
        if self.root.exists():
            for manifest in self.root.glob("*/manifest.json"):
                try:
                    runs.append(Run(manifest.parent))
                except (ValueError, KeyError, OSError):
                    continue
        return sorted(runs, key=lambda r: r.manifest.get("created_at", 0), reverse=True)

    def delete(self, run_id: str) -> None:
        path = self.path_for(run_id)
        if not (path / "manifest.json").exists():
            raise RunNotFoundError(f"No run {run_id!r} in {self.root}.")
        trash = path.with_name(f".deleting-{path.name}-{os.getpid()}")
        os.replace(path, trash)  # readers stop seeing it at once, even if removal is slow
        shutil.rmtree(trash)

    def create(self, run_id: str, *, examples: pd.DataFrame, dataset: dict, model: dict, config: dict,
               seed: int | None, overwrite: bool = False, **fields: Any) -> RunWriter:
        """Start a run: ``examples`` fixes the row order of every array the run will hold."""
        from .. import __version__

        path = self.path_for(run_id)
        if (path / "manifest.json").exists():
            if not overwrite:
                raise FileExistsError(f"Run {run_id!r} already exists in {self.root}; delete it or pick another id.")
            self.delete(run_id)
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=self.root, prefix=f".new-{run_id}."))
        examples.to_parquet(tmp / "examples.parquet", index=False)
        now = time.time()
        manifest = {
            "format_version": FORMAT_VERSION,
            "run_id": run_id,
            "status": RUNNING,
            "created_at": now,
            "updated_at": now,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "dataset": {**dataset, "n_examples": int(len(examples))},
            "model": model,
            "config": config,
            "seed": seed,
            "versions": _versions(__version__),
            "checkpoints": [],
            "error": None,
            **fields,
        }
        atomic_write_json(tmp / "manifest.json", manifest)
        os.replace(tmp, path)
        return RunWriter(Run(path))


def _versions(hiddenrep_version: str) -> dict:
    import platform
    import sys

    versions = {"hiddenrep": hiddenrep_version, "python": platform.python_version(), "numpy": np.__version__}
    if "torch" in sys.modules:
        versions["torch"] = sys.modules["torch"].__version__
    return versions


__all__ = [
    "CANCELLED", "COMPLETE", "FAILED", "INTERRUPTED", "RUNNING",
    "Checkpoint", "CheckpointWriter", "Run", "RunNotFoundError", "RunStore", "RunWriter",
    "atomic_write_json", "default_runs_dir", "validate_run_id",
]
