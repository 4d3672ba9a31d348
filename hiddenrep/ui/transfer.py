"""Import and export widgets: what the upload form needs, and download buttons whose bytes come
from :mod:`hiddenrep.io`.

Small tables are turned into CSV on every rerun (cheap); zips of a run or a projection are built
only when the user clicks (a deferred ``st.download_button``), in a thread of their own, so no
rerun ever rebuilds one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import pandas as pd
import streamlit as st

from ..io import InvalidImportError, export_zip, table_csv
from ..store import Run, RunStore
from .data import store

FORMAT_LABELS = {"csv": "CSV", "parquet": "Parquet", "tensorboard": "TensorBoard projector"}
# what the uploader lets through; import_run decides what each file is (and says when it cannot)
UPLOAD_TYPES = ["csv", "tsv", "npy", "parquet", "zip", "pbtxt", "bytes"]


def upload_limit_mb() -> int:
    """The largest file accepted, in MB: the server's ``server.maxUploadSize`` (200 unless configured)."""
    return int(st.get_option("server.maxUploadSize"))


def parse_epochs(text: str) -> list[float] | None:
    """'0, 1, 2.5' → [0.0, 1.0, 2.5]; blank → None (epochs from the file names)."""
    parts = [p for p in re.split(r"[,;\s]+", text.strip()) if p]
    try:
        return [float(p) for p in parts] or None
    except ValueError:
        raise InvalidImportError(f"Epochs {text!r}: give numbers separated by commas (e.g. 0, 1, 2), one per "
                                 "checkpoint file, or leave it blank to read them from the file names.") from None


def parse_names(text: str) -> list[str] | None:
    """'neg, pos' → ['neg', 'pos']; blank → None (class names from the labels)."""
    names = [p.strip() for p in text.split(",") if p.strip()]
    return names or None


def import_progress(slot) -> Callable[[str], None]:
    """A ``progress=`` callback for :func:`hiddenrep.io.import_run` drawing a bar and the latest step in
    ``slot`` (an ``st.empty()``, to clear when the import fails)."""
    bar = slot.progress(0.0, text="Reading and checking the files…")

    def report(message: str) -> None:
        found = re.search(r"(\d+) of (\d+)", message)
        done = (int(found.group(1)) - 1) / int(found.group(2)) if found else 0.0
        bar.progress(min(max(done, 0.0), 1.0), text=message)

    return report


def run_summary(run: Run) -> str:
    dims = run.manifest.get("model", {}).get("hidden_dim")
    if "predictions" in run.manifest:
        probe = " Predictions come from a linear probe."
    elif run.checkpoints and "pred" not in run.array_names(0):
        probe = " No predictions (no labels, or the probe was off): views that need them are unavailable."
    else:
        probe = ""
    return (f"{len(run.checkpoints)} checkpoint(s) of {dims}-dimensional vectors for "
            f"{run.manifest['dataset']['n_examples']:,} examples, classes: {', '.join(run.class_names)}.{probe}")


def table_download(frame: pd.DataFrame, label: str, file_name: str, *, key: str) -> None:
    """A CSV download of a (small) table; clicking it does not rerun the page."""
    st.download_button(label, table_csv(frame), file_name=re.sub(r"[^\w.-]+", "-", file_name), mime="text/csv", key=key,
                       icon=":material/download:", on_click="ignore")


def _run_zip(root: str, run_id: str, format: str) -> bytes:
    return export_zip(RunStore(root).open(run_id), format=format)


def _projection_zip(root: str, run_id: str, format: str, method: str, mode: str, checkpoints: tuple[str, ...]) -> bytes:
    from ..reduce import cached_frames

    run = RunStore(root).open(run_id)
    projection = cached_frames(run, method=method, mode=mode, checkpoints=list(checkpoints))
    if list(projection.checkpoints) != list(checkpoints):
        raise LookupError(f"The {method} projection of {run_id} is not complete yet; try again when it is.")
    return export_zip(run, format=format, coordinates=list(projection.coords), checkpoints=list(checkpoints))


def run_downloads(run: Run, *, projection: tuple[str, str, tuple[str, ...]] | None = None, key: str = "export") -> None:
    """Format choice plus deferred downloads of the run's hidden vectors and, given ``(method, mode,
    checkpoints)`` of a computed projection, of its 2-D points. Every export imports back."""
    fmt = st.radio("Format", list(FORMAT_LABELS), format_func=FORMAT_LABELS.get, horizontal=True, key=f"{key}-format",
                   help="CSV and Parquet: metadata plus one file per checkpoint. TensorBoard projector: "
                        "`tensorboard --logdir <unzipped folder>`, Projector tab. Each imports back here.")
    root = str(store().root)
    dims = run.manifest.get("model", {}).get("hidden_dim") or 0
    size = run.manifest["dataset"]["n_examples"] * dims * len(run.checkpoints) * 4 / 2**20
    st.download_button(f"Hidden vectors, {len(run.checkpoints)} checkpoints (zip)",
                       functools.partial(_run_zip, root, run.id, fmt), file_name=f"{run.id}-{fmt}.zip",
                       mime="application/zip", key=f"{key}-run", icon=":material/download:", on_click="ignore",
                       help=f"About {size:,.1f} MiB of float32 before compression; built when you click.")
    if projection is not None:
        method, mode, checkpoints = projection
        st.download_button(f"{method.upper()} projection ({mode}), x/y per checkpoint (zip)",
                           functools.partial(_projection_zip, root, run.id, fmt, method, mode, tuple(checkpoints)),
                           file_name=f"{run.id}-{method}-{mode}-{fmt}.zip", mime="application/zip",
                           key=f"{key}-projection", icon=":material/download:", on_click="ignore")
