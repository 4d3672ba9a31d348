"""Run store: one directory per run, a JSON manifest and pickle-free arrays per checkpoint.

Layout::

    <root>/<run_id>/manifest.json          status, config, dataset, model, checkpoints + metrics
    <root>/<run_id>/examples.parquet       one row per example, row order = array row order
    <root>/<run_id>/checkpoints/0003/*.npy  hidden, logits, probs, loss, pred, ...

Every write is atomic (temp file or temp directory, then rename) and the manifest is written
last, so a killed process never leaves a run that reads as complete. Exactly one writer owns a run:
it holds an exclusive ``flock`` on ``<root>/.locks/<run_id>.lock`` from :meth:`RunStore.create` to
:meth:`RunWriter.finish`. The kernel drops that lock when the writer dies, however it dies, so a run
whose manifest says ``running`` while nobody holds its lock reads as ``interrupted`` (no pid guessing;
pid, host and process start time are recorded too, for messages and for runs without a lock file).
Replacing a complete run writes the successor beside it (``.new-<id>.*``) and swaps it in by rename
only once it is complete; folders starting with '.' are never runs. Manifests are validated when read:
a damaged run is reported with its reason and never breaks the listing of the others. Writes are not
fsync'd: a rename is atomic against a killed process, which is the failure that matters here, and an
fsync per checkpoint would cost more than recording a small model's checkpoint.

The bottom layer: every other package reads and writes runs through it. May import: nothing in hiddenrep
(numpy, pandas, pyarrow only).
"""

from __future__ import annotations

import fcntl
import functools
import importlib.metadata
import json
import math
import numbers
import os
import re
import shutil
import socket
import sys
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
# The splits a run records: the manifest counts them (n_train, n_validation) and checkpoint metrics name them.
TRAIN, VALIDATION = "train", "validation"
FINAL_STATUSES = (COMPLETE, FAILED, CANCELLED)
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$")


class RunNotFoundError(LookupError):
    pass


class DamagedRunError(ValueError):
    """A run's files are damaged; the message names the run, the file and what to do."""


class RunBusyError(RuntimeError):
    """Another live process is writing this run."""


class RunStoreError(RuntimeError):
    """The runs directory cannot be used (it is a file, or not writable); the message says what to do."""


@dataclass(frozen=True)
class DamagedRun:
    """A folder in the runs directory that is not a readable run, and why."""

    id: str
    path: Path
    reason: str
    status: str = "damaged"


def default_runs_dir() -> Path:
    """$HIDDENREP_RUNS, else ./runs."""
    return Path(os.environ.get("HIDDENREP_RUNS") or "runs")


def cache_dir() -> Path:
    """Where hiddenrep keeps what it can rebuild (fetched packages, extracted data, compiled code):
    $HIDDENREP_CACHE or ~/.cache/hiddenrep. Stated here once, beside the runs directory."""
    return Path(os.environ.get("HIDDENREP_CACHE") or Path.home() / ".cache" / "hiddenrep")


@functools.cache
def package_version(name: str) -> str:
    """The installed version of distribution ``name``, looked up once per process.

    ``importlib.metadata.version`` walks ``sys.path`` while it searches; Streamlit's script thread
    inserts and removes an entry there at every rerun, so a lookup from another thread could skip
    site-packages and report an installed package as missing. The search here walks a copy.
    """
    found = next(iter(importlib.metadata.distributions(name=name, path=list(sys.path))), None)
    if found is None:
        raise importlib.metadata.PackageNotFoundError(name)
    return found.version


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


def _process_start(pid: int) -> int | None:
    """Clock ticks since boot when ``pid`` started (Linux), so a reused pid is told apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return int(stat.rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def _boot_id() -> str | None:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None


def _process_alive(pid: int | None, started: int | None = None) -> bool:
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return started is None or _process_start(pid) in (None, started)


def writer_identity() -> dict:
    """Who writes a run: recorded in its manifest and its lock file."""
    return {"pid": os.getpid(), "host": socket.gethostname(), "process_start": _process_start(os.getpid()),
            "boot_id": _boot_id()}


class RunLock:
    """The exclusive ``flock`` that makes one process the only writer of a run id.

    The lock file lives outside the run folder (``<root>/.locks/<id>.lock``), so it also guards
    creating, replacing and deleting the folder. flock locks belong to an open file, so even two
    writers in one process exclude each other; the kernel releases the lock when the holder dies.
    """

    def __init__(self, root: Path, run_id: str):
        self.path = Path(root) / ".locks" / f"{run_id}.lock"
        self.run_id = run_id
        self._handle = None

    def acquire(self, *, wait: float = 0.5) -> "RunLock":
        """Take the lock (trying for ``wait`` seconds), or raise :class:`RunBusyError`."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = self.holder()
                    handle.close()
                    raise RunBusyError(f"Run {self.run_id!r} is being written by {holder}; wait for it to finish, "
                                       "or stop that process first.") from None
                time.sleep(0.05)
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(writer_identity()))
        handle.flush()
        self._handle = handle
        return self

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing drops the flock
            self._handle = None

    @property
    def held_by_me(self) -> bool:
        return self._handle is not None

    def holder(self) -> str:
        try:
            who = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            return "another process"
        if not isinstance(who, dict):
            return "another process"
        if who.get("pid") == os.getpid() and who.get("host") == socket.gethostname():
            return "this process (an earlier writer of this run was never finished: call its finish())"
        return f"process {who.get('pid')} on {who.get('host')}"

    def is_held(self) -> bool | None:
        """True if some writer holds the lock, False if none does, None if there is no lock file."""
        try:
            handle = open(self.path, "r")
        except FileNotFoundError:
            return None
        except OSError:
            return None
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False

    def wait(self, cancel=None, poll: float = 0.5) -> None:
        """Block until no writer holds the lock (``cancel``: a threading.Event that stops waiting)."""
        while self.is_held():
            if cancel is not None and cancel.is_set():
                return
            time.sleep(poll)


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
        """``epoch 2 (step 264)``; just ``epoch 2`` where no step is known (imports record 0) or it is 0."""
        epoch = f"epoch {self.epoch:g}"
        return f"{epoch} (step {self.step})" if self.step else epoch


_STATUSES = (RUNNING, COMPLETE, FAILED, CANCELLED)
_MAX_EXAMPLES = 2**31 - 1


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def validate_manifest(manifest, path: Path, *, folder_name: str | None = None) -> dict:
    """Check the fields every reader relies on; raise :class:`DamagedRunError` naming ``path`` and the field.

    Manifests are data from disk (a shared runs folder is untrusted input): checkpoint names become
    paths, so they are checked like run ids; ``n_examples`` sizes allocations, so it must be a sane int.
    """
    def bad(what: str) -> DamagedRunError:
        return DamagedRunError(f"{path}: {what}; the run is damaged. Delete it (`hiddenrep delete "
                               f"{folder_name or path.parent.name}`) and record or import it again.")

    if not isinstance(manifest, dict):
        raise bad(f"the manifest is a {type(manifest).__name__}, not a JSON object")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise DamagedRunError(f"{path} has format version {manifest.get('format_version')!r}, this hiddenrep reads "
                              f"version {FORMAT_VERSION}.")
    run_id = manifest.get("run_id")
    if not isinstance(run_id, str) or not _RUN_ID.match(run_id) or ".." in run_id:
        raise bad(f"run_id {run_id!r} is not a valid run id")
    if folder_name is not None and run_id != folder_name:
        raise bad(f"run_id {run_id!r} differs from its folder name {folder_name!r}")
    if manifest.get("status") not in _STATUSES:
        raise bad(f"status {manifest.get('status')!r} is not one of {', '.join(_STATUSES)}")
    if not _is_number(manifest.get("created_at", 0)):
        raise bad("created_at is not a number")
    for field in ("config", "model"):
        if not isinstance(manifest.get(field, {}), dict):
            raise bad(f"{field} is not an object")
    dataset = manifest.get("dataset")
    if not isinstance(dataset, dict):
        raise bad("dataset is missing or not an object")
    names = dataset.get("class_names")
    if not isinstance(names, list) or not names or not all(isinstance(c, (str, numbers.Real)) for c in names):
        raise bad("dataset.class_names is not a non-empty list of names")
    n = dataset.get("n_examples")
    if not _is_int(n) or not 0 <= n <= _MAX_EXAMPLES:
        raise bad(f"dataset.n_examples {n!r} is not a whole number of examples")
    checkpoints = manifest.get("checkpoints")
    if not isinstance(checkpoints, list):
        raise bad("checkpoints is not a list")
    for position, entry in enumerate(checkpoints):
        where = f"checkpoint {position + 1}"
        if not isinstance(entry, dict):
            raise bad(f"{where} is not an object")
        name = entry.get("name")
        if not isinstance(name, str) or not _RUN_ID.match(name) or ".." in name:
            raise bad(f"{where} has name {name!r}; checkpoint names are plain folder names (no '/', no '..')")
        if entry.get("index") != position:
            raise bad(f"{where} has index {entry.get('index')!r}, expected {position}")
        if not _is_number(entry.get("epoch")) or not math.isfinite(entry["epoch"]):
            raise bad(f"{where} has no finite epoch")
        if not _is_int(entry.get("step")):
            raise bad(f"{where} has no whole-number step")
        metrics = entry.get("metrics", {})
        if not isinstance(metrics, dict) or not all(isinstance(k, str) and (v is None or _is_number(v))
                                                    for k, v in metrics.items()):
            raise bad(f"{where} has metrics that are not name: number pairs")
    return manifest


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
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise DamagedRunError(f"{path} is not valid JSON ({error}); the run is damaged. Delete it "
                                  f"(`hiddenrep delete {self.path.name}`) and record it again.") from None
        except IsADirectoryError:
            raise DamagedRunError(f"{path} is a folder, not a file; the run is damaged.") from None
        hidden = self.path.name.startswith(".")  # a successor being written beside its run
        validate_manifest(manifest, path, folder_name=None if hidden else self.path.name)
        examples = self.path / "examples.parquet"
        try:
            import pyarrow.parquet as pq

            rows = pq.read_metadata(examples).num_rows
        except FileNotFoundError:
            raise DamagedRunError(f"{examples} is missing; the run is damaged.") from None
        except Exception as error:  # pyarrow raises several types for a damaged footer
            raise DamagedRunError(f"{examples} is not a readable Parquet file ({error}); the run is damaged.") \
                from None
        if rows != manifest["dataset"]["n_examples"]:
            raise DamagedRunError(f"{path}: dataset.n_examples is {manifest['dataset']['n_examples']} but "
                                  f"{examples.name} has {rows} rows; the run is damaged.")
        return manifest

    def refresh(self) -> "Run":
        self.manifest = self._read_manifest()
        return self

    @property
    def id(self) -> str:
        return self.manifest["run_id"]

    @property
    def identity(self) -> str:
        """Id plus creation time: a replaced run (retrain, re-import) is another run for every cache."""
        return f"{self.id}@{self.manifest.get('created_at', 0)!r}"

    @property
    def status(self) -> str:
        """The manifest's status, or ``interrupted`` when it says 'running' but its writer is gone."""
        status = self.manifest["status"]
        if status != RUNNING:
            return status
        held = RunLock(self.path.parent, self.id).is_held()
        if held is False:
            return INTERRUPTED
        if held is None:  # no lock file (an older hiddenrep): fall back to the recorded process
            same_boot = self.manifest.get("boot_id") in (None, _boot_id())
            if self.manifest.get("host") == socket.gethostname() and (
                    not same_boot or not _process_alive(self.manifest.get("pid"),
                                                        self.manifest.get("process_start"))):
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
        """One array of one checkpoint, e.g. ``run.load(-1, "hidden")``; damage raises a clear error."""
        checkpoint = self.checkpoint(which)
        path = self.path / "checkpoints" / checkpoint.name / f"{name}.npy"
        if not path.exists():
            if not path.parent.is_dir():
                raise self._damaged(checkpoint, f"its folder {path.parent} is missing")
            raise LookupError(f"Checkpoint {checkpoint.name} of run {self.id} has no array {name!r}; "
                              f"it has {self.array_names(checkpoint)}.")
        self._check_array(checkpoint, path)
        try:
            return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
        except (ValueError, OSError) as error:
            raise self._damaged(checkpoint, f"{path.name} cannot be read ({error})") from None

    def _damaged(self, checkpoint: Checkpoint, what: str) -> DamagedRunError:
        return DamagedRunError(f"Run {self.id}, checkpoint {checkpoint.name} ({checkpoint.label}) is damaged: {what}. "
                               f"Delete the run (`hiddenrep delete {self.id}`) and record or import it again; "
                               "other runs are not affected.")

    def _check_array(self, checkpoint: Checkpoint, path: Path) -> None:
        """Header, size and row count before mapping: a truncated or foreign file fails here, clearly."""
        try:
            with open(path, "rb") as handle:
                major, _minor = np.lib.format.read_magic(handle)
                read_header = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
                shape, _fortran, dtype = read_header(handle, max_header_size=10000)
                offset = handle.tell()
        except (ValueError, OSError, EOFError) as error:
            raise self._damaged(checkpoint, f"{path.name} is not a NumPy array file ({error})") from None
        if dtype.hasobject:
            raise self._damaged(checkpoint, f"{path.name} holds Python objects, which are never unpickled "
                                            "(allow_pickle is off)")
        expected = offset + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        actual = path.stat().st_size
        if actual < expected:
            raise self._damaged(checkpoint, f"{path.name} is truncated ({actual} bytes, its header needs {expected})")
        n = self.manifest["dataset"]["n_examples"]
        if not shape or shape[0] != n:
            raise self._damaged(checkpoint, f"{path.name} has shape {tuple(shape)}, but the run has {n} examples")

    def check(self) -> None:
        """Check every array header of every checkpoint (cheap: no data is read); raise on damage."""
        for checkpoint in self.checkpoints:
            folder = self.path / "checkpoints" / checkpoint.name
            if not folder.is_dir():
                raise self._damaged(checkpoint, f"its folder {folder} is missing")
            if not (folder / "hidden.npy").exists():
                raise self._damaged(checkpoint, "it has no hidden.npy")
            for array in folder.glob("*.npy"):
                self._check_array(checkpoint, array)

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

    def split_metrics(self, split: np.ndarray, loss: np.ndarray, correct: np.ndarray) -> None:
        """``{split}_loss`` and ``{split}_acc``: the mean per-example loss and correctness (a share of labels
        for multi-label) of each split present, the checkpoint metrics every recorder writes."""
        split, loss, correct = np.asarray(split), np.asarray(loss, dtype=np.float64), np.asarray(correct, float)
        for name in (TRAIN, VALIDATION):
            mask = split == name
            if mask.any():
                self.metrics[f"{name}_loss"] = float(loss[mask].mean())
                self.metrics[f"{name}_acc"] = float(correct[mask].mean())

    def _close(self) -> dict:
        shapes = {}
        for name, (handle, _offset, _row_bytes, row_shape, dtype) in self._files.items():
            handle.close()
            shapes[name] = {"shape": [self.n_rows, *row_shape], "dtype": str(dtype)}
        self._files.clear()
        return shapes


class RunWriter:
    """The one writer of a run: adds checkpoints, then marks the run complete/failed/cancelled.

    It holds the run's :class:`RunLock` until :meth:`finish` (or :meth:`abandon`). When it replaces a
    complete run it writes into a hidden folder beside it; :meth:`finish` swaps the successor in only
    when it is complete, and otherwise drops it and keeps the previous run.
    """

    def __init__(self, run: Run, lock: RunLock | None = None, *, final_path: Path | None = None):
        self.run = run
        self.lock = lock
        self.final_path = Path(final_path) if final_path is not None else run.path
        self._progress_saved = -math.inf  # monotonic time of the last progress write

    @property
    def path(self) -> Path:
        return self.run.path

    @property
    def replaces_complete_run(self) -> bool:
        return self.run.path != self.final_path

    @property
    def manifest(self) -> dict:
        return self.run.manifest

    def _save(self) -> None:
        self.manifest["updated_at"] = time.time()
        atomic_write_json(self.path / "manifest.json", self.manifest)

    @contextmanager
    def checkpoint(self, *, epoch: float, step: int) -> Iterator[CheckpointWriter]:
        """Context manager: fill the yielded writer; on clean exit the checkpoint appears atomically."""
        if not _is_number(epoch) or not math.isfinite(epoch):
            raise ValueError(f"A checkpoint's epoch must be a finite number, got {epoch!r}.")
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

    def progress(self, step: int, total_steps: int, *, every: float = 1.0) -> None:
        """Record ``{"step", "total_steps"}`` in the manifest, at most once per ``every`` seconds (and always
        at the last step): how an app follows a training another process runs, without reading its output."""
        now = time.monotonic()
        if step < total_steps and now - self._progress_saved < every:
            return
        self._progress_saved = now
        self.update(progress={"step": int(step), "total_steps": int(total_steps)})

    def finish(self, status: str = COMPLETE, *, error: str | None = None) -> Run:
        """Mark the run; returns it. A replacement that did not complete returns the kept previous run."""
        if status not in FINAL_STATUSES:
            raise ValueError(f"A run ends as one of {FINAL_STATUSES}, not {status!r}.")
        self.manifest.update(status=status, error=error, finished_at=time.time())
        try:
            self._save()
            if self.replaces_complete_run:
                if status == COMPLETE:
                    _swap_in(self.path, self.final_path)
                    self.run.path = self.final_path
                else:
                    shutil.rmtree(self.path, ignore_errors=True)
                    return Run(self.final_path)
            return self.run
        finally:
            self._release()

    def abandon(self) -> None:
        """Remove what this writer wrote (an import that failed half-way); a replaced run is kept."""
        try:
            if self.replaces_complete_run:
                shutil.rmtree(self.path, ignore_errors=True)
            elif self.path.exists():
                _remove_tree(self.path)
        finally:
            self._release()

    def _release(self) -> None:
        if self.lock is not None:
            self.lock.release()


def _remove_tree(path: Path) -> None:
    """Rename first (readers stop seeing it at once, even if removal is slow), then remove."""
    trash = path.with_name(f".deleting-{path.name}.{os.getpid()}.{time.monotonic_ns()}")
    os.replace(path, trash)
    shutil.rmtree(trash, ignore_errors=True)


def _swap_in(successor: Path, path: Path) -> None:
    trash = path.with_name(f".deleting-{path.name}.{os.getpid()}.{time.monotonic_ns()}")
    if path.exists():
        os.replace(path, trash)
    os.replace(successor, path)
    shutil.rmtree(trash, ignore_errors=True)


class RunStore:
    """All runs under one root directory: create, list, open, delete."""

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root) if root is not None else default_runs_dir()

    def path_for(self, run_id: str) -> Path:
        path = (self.root / validate_run_id(run_id)).resolve()
        if path.parent != self.root.resolve():
            raise ValueError(f"Run id {run_id!r} resolves outside the runs directory {self.root}.")
        return path

    def lock(self, run_id: str) -> RunLock:
        return RunLock(self.root, validate_run_id(run_id))

    def exists(self, run_id: str) -> bool:
        return (self.path_for(run_id) / "manifest.json").exists()

    def open(self, run_id: str) -> Run:
        path = self.path_for(run_id)
        if not (path / "manifest.json").exists():
            raise RunNotFoundError(f"No run {run_id!r} in {self.root}. `hiddenrep runs` lists the runs there.")
        return Run(path)

    def scan(self) -> tuple[list[Run], list[DamagedRun]]:
        """(readable runs newest first, damaged run folders with their reason). Hidden folders are skipped."""
        runs, damaged = [], []
        if self.root.is_dir():
            for path in sorted(self.root.iterdir()):
                if path.name.startswith(".") or not path.is_dir():
                    continue
                try:
                    runs.append(Run(path))
                except RunNotFoundError:
                    damaged.append(DamagedRun(path.name, path, "it has no manifest.json (not a run, or a damaged one)"))
                except (ValueError, KeyError, OSError) as error:
                    damaged.append(DamagedRun(path.name, path, str(error)))
        runs.sort(key=lambda r: r.manifest.get("created_at", 0), reverse=True)
        return runs, damaged

    def list(self) -> list[Run]:
        """Every readable run, newest first. Damaged folders are left out (see :meth:`scan`), never fatal."""
        return self.scan()[0]

    def written_by(self, pid: int, *, since: float = 0.0) -> list[Run]:
        """Runs process ``pid`` created at or after ``since``, newest first, including a successor it is
        still writing beside the run it replaces (``.new-<id>.*``; its ``manifest["run_id"]`` names it)."""
        found = []
        if self.root.is_dir():
            for path in self.root.iterdir():
                if path.name.startswith(".") and not path.name.startswith(".new-"):
                    continue
                try:
                    run = Run(path)
                except (ValueError, LookupError, OSError):
                    continue  # not a run, damaged, or renamed meanwhile
                if run.manifest.get("pid") == pid and run.manifest.get("created_at", 0) >= since:
                    found.append(run)
        return sorted(found, key=lambda r: r.manifest.get("created_at", 0), reverse=True)

    def delete(self, run_id: str) -> None:
        """Remove a run (damaged ones too); refuses while a live process writes it."""
        path = self.path_for(run_id)
        if not path.is_dir():
            raise RunNotFoundError(f"No run {run_id!r} in {self.root}.")
        lock = self._acquire(run_id)
        try:
            _remove_tree(path)
            self._sweep(run_id)
        finally:
            lock.release()

    def _acquire(self, run_id: str) -> RunLock:
        self._check_root()
        try:
            return self.lock(run_id).acquire()
        except PermissionError:
            raise RunStoreError(f"The runs directory {self.root} is not writable; give a writable one "
                                "(--runs-dir, or $HIDDENREP_RUNS) or fix its permissions.") from None

    def _check_root(self) -> None:
        if self.root.exists() and not self.root.is_dir():
            raise RunStoreError(f"The runs directory {self.root} is a file, not a folder; give a folder "
                                "(--runs-dir, or $HIDDENREP_RUNS), or move that file away.")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise RunStoreError(f"Cannot create the runs directory {self.root} ({error.strerror}); give a "
                                "writable folder (--runs-dir, or $HIDDENREP_RUNS).") from None
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise RunStoreError(f"The runs directory {self.root} is not writable; give a writable one "
                                "(--runs-dir, or $HIDDENREP_RUNS) or fix its permissions.")

    def _sweep(self, run_id: str) -> None:
        """With the lock held: leftovers of killed writers for this id go (a complete successor whose swap
        was cut short between its two renames is put in place first)."""
        path = self.root / run_id
        for leftover in sorted(self.root.glob(f".new-{run_id}.*")):
            if not path.exists():
                try:
                    if Run(leftover).manifest["status"] == COMPLETE:
                        os.replace(leftover, path)
                        continue
                except (ValueError, LookupError, OSError):
                    pass
            shutil.rmtree(leftover, ignore_errors=True)
        for leftover in self.root.glob(f".deleting-{run_id}.*"):
            shutil.rmtree(leftover, ignore_errors=True)

    def create_from_data(self, run_id: str, data: LabeledData, *, model: dict, config: dict, seed: int | None,
                         overwrite: bool = False, name: str | None = None, modality: str | None = None,
                         **fields: Any) -> RunWriter:
        """:meth:`create` for a :class:`~hiddenrep.data.LabeledData`: its examples, and the dataset manifest
        (name, classes, modality, split sizes) stated here once for training, imports and word runs.
        ``name`` / ``modality`` override the data's own (an import is named by the user, words are "words")."""
        split = np.asarray(data.split)
        dataset = {"name": name or data.name, "class_names": list(data.class_names),
                   "multilabel": bool(data.multilabel), "modality": modality or data.modality,
                   "n_train": int((split == TRAIN).sum()), "n_validation": int((split == VALIDATION).sum())}
        return self.create(run_id, examples=data.to_frame(), dataset=dataset, model=model, config=config, seed=seed,
                           overwrite=overwrite, **fields)

    def create(self, run_id: str, *, examples: pd.DataFrame, dataset: dict, model: dict, config: dict,
               seed: int | None, overwrite: bool = False, **fields: Any) -> RunWriter:
        """Start a run: ``examples`` fixes the row order of every array the run will hold.

        Raises :class:`RunBusyError` when another live process writes ``run_id``. With ``overwrite``
        an unfinished or damaged run is removed now, while a complete one stays until its successor
        is complete (see :class:`RunWriter`).
        """
        from .. import __version__

        path = self.path_for(run_id)
        lock = self._acquire(run_id)
        try:
            self._sweep(run_id)
            keep_previous = False
            if path.exists():
                if not overwrite:
                    raise FileExistsError(f"Run {run_id!r} already exists in {self.root}; delete it "
                                          f"(`hiddenrep delete {run_id}`) or pick another id.")
                try:
                    keep_previous = Run(path).manifest["status"] == COMPLETE
                except (ValueError, LookupError, OSError):
                    keep_previous = False  # damaged: nothing worth keeping
                if not keep_previous:
                    _remove_tree(path)
            tmp = Path(tempfile.mkdtemp(dir=self.root, prefix=f".new-{run_id}."))
            examples.to_parquet(tmp / "examples.parquet", index=False)
            now = time.time()
            manifest = {
                "format_version": FORMAT_VERSION,
                "run_id": run_id,
                "status": RUNNING,
                "created_at": now,
                "updated_at": now,
                **writer_identity(),
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
            if keep_previous:
                return RunWriter(Run(tmp), lock, final_path=path)
            os.replace(tmp, path)
            return RunWriter(Run(path), lock)
        except PermissionError:
            lock.release()
            raise RunStoreError(f"The runs directory {self.root} is not writable; give a writable one "
                                "(--runs-dir, or $HIDDENREP_RUNS) or fix its permissions.") from None
        except BaseException:
            lock.release()
            raise


def _versions(hiddenrep_version: str) -> dict:
    import platform

    versions = {"hiddenrep": hiddenrep_version, "python": platform.python_version(), "numpy": np.__version__}
    if "torch" in sys.modules:
        versions["torch"] = sys.modules["torch"].__version__
    return versions


__all__ = [
    "CANCELLED", "COMPLETE", "FAILED", "INTERRUPTED", "RUNNING",
    "Checkpoint", "CheckpointWriter", "DamagedRun", "DamagedRunError", "Run", "RunBusyError", "RunLock",
    "RunNotFoundError", "RunStore", "RunStoreError", "RunWriter", "atomic_write_json", "default_runs_dir",
    "validate_manifest", "validate_run_id",
]
