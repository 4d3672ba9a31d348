"""Bring your own vectors: import runs recorded elsewhere, export runs and projections.

Import reads CSV, TSV, NPY, Parquet and TensorBoard projector exports into an ordinary run;
export writes the same formats back. Uploads are never unpickled and a failed import leaves no run.

Layer: files in and out of the run store. May import: data, store. Never torch or streamlit.
"""

from .exporter import FORMATS, export_projection, export_run, export_zip, metadata_frame, table_csv
from .importer import import_run
from .readers import DEFAULT_MAX_BYTES, InvalidImportError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FORMATS",
    "InvalidImportError",
    "export_projection",
    "export_run",
    "export_zip",
    "import_run",
    "metadata_frame",
    "table_csv",
]
