"""Read uploaded files into checked vectors and tables.

Every problem raises :class:`InvalidImportError` whose message names the file, says what is wrong
and how to fix it, so a page can show it as it is. Nothing is ever unpickled.
"""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

DEFAULT_MAX_BYTES = 512 * 2**20
DEFAULT_MAX_TOTAL_BYTES = 4 * 2**30
NA_STRINGS = ["", "nan", "NaN", "NAN", "-nan", "NA", "N/A", "n/a", "null", "NULL", "None", "<NA>", "#N/A"]
_ZIP_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate", zipfile.ZIP_BZIP2: "bzip2",
                zipfile.ZIP_LZMA: "lzma"}
VECTOR_SUFFIXES = (".csv", ".tsv", ".npy", ".parquet", ".bytes")
ID_COLUMNS = ("example_id", "id")
FIELD_COLUMNS = ("text", "label", "labels", "split")
LABEL_SEPARATOR = "|"


class InvalidImportError(ValueError):
    """An input cannot be imported; the message says which file, what is wrong and how to fix it."""


@dataclass(frozen=True)
class InputFile:
    """One file to import: a path on disk or bytes from an upload. ``path``: where it sits inside the
    folder or zip it came from (``00000/default/tensors.tsv``), so projector configs can name it."""

    name: str
    size: int
    opener: Callable[[], bytes]
    path: str = ""

    def read(self) -> bytes:
        return self.opener()

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix.lower()


@dataclass
class Table:
    """One file's contents: vectors (n, d) float32, ids or None, and text/label/labels/split columns."""

    name: str
    vectors: np.ndarray
    ids: np.ndarray | None
    fields: pd.DataFrame


def as_input(source) -> InputFile:
    """A path, a ``(name, bytes)`` pair, or an upload object with ``.name`` and ``.getvalue()``."""
    if isinstance(source, InputFile):
        return source
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise InvalidImportError(f"{path}: no such file.")
        return InputFile(path.name, path.stat().st_size, path.read_bytes)
    if isinstance(source, tuple) and len(source) == 2:
        name, data = source
        return InputFile(str(name), len(data), lambda: bytes(data))
    if hasattr(source, "name") and hasattr(source, "getvalue"):
        return InputFile(Path(source.name).name, len(source.getvalue()), source.getvalue)
    raise TypeError(f"Cannot import {source!r}: give a path, a (name, bytes) pair or an uploaded file.")


PROJECTOR_CONFIG = "projector_config.pbtxt"


def expand(sources: Iterable, max_bytes: int = DEFAULT_MAX_BYTES) -> list[InputFile]:
    """Files from paths, pairs, uploads, folders and zip files (their visible files, in natural name order).

    A folder's own files are taken; a folder holding a projector config (a TensorBoard log, whose
    tensors sit in ``<step>/<tag>/`` subfolders) is taken with its subfolders.
    """
    files = []
    for source in sources:
        if isinstance(source, (str, os.PathLike)) and Path(source).is_dir():
            root = Path(source)
            deep = (root / PROJECTOR_CONFIG).is_file()
            children = [p for p in (root.rglob("*") if deep else root.iterdir()) if p.is_file()
                        and not any(part.startswith(".") for part in p.relative_to(root).parts)]
            for path in sorted(children, key=lambda p: natural_key(p.relative_to(root).as_posix())):
                file = as_input(path)
                files.append(InputFile(file.name, file.size, file.opener, path.relative_to(root).as_posix()))
        elif (file := as_input(source)).suffix == ".zip":
            files += _zip_members(file, max_bytes)
        else:
            files.append(file)
    return files


def _zip_members(file: InputFile, max_bytes: int) -> list[InputFile]:
    """A zip's files (an export from the app, a TensorBoard log folder), named by their file name, with
    their path inside the zip kept. Nothing is unpacked here: each member is checked against the limit by
    its declared size before it is read, and read with a cap (a header that lies cannot inflate it)."""
    check_size(file, max_bytes)
    try:
        archive = zipfile.ZipFile(io.BytesIO(file.read()))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise InvalidImportError(f"{file.name}: not a valid zip file ({error}). Zip the folder again.") from None
    members = [info for info in infos if not info.is_dir() and not Path(info.filename).name.startswith(".")
               and "__MACOSX" not in info.filename]
    configs = [i.filename for i in members if Path(i.filename).name == PROJECTOR_CONFIG]
    base = str(Path(configs[0]).parent) if len(configs) == 1 and Path(configs[0]).parent != Path(".") else ""
    for info in members:
        if info.flag_bits & 0x1:
            raise InvalidImportError(f"{file.name}: {info.filename} is encrypted; zip the files without a password.")
        if info.compress_type not in _ZIP_METHODS:
            raise InvalidImportError(f"{file.name}: {info.filename} uses compression method {info.compress_type}, "
                                     f"which is not supported; zip it with one of {', '.join(_ZIP_METHODS.values())} "
                                     "(plain 'zip' uses deflate).")
    members.sort(key=lambda info: natural_key(info.filename))

    def member(info: zipfile.ZipInfo) -> InputFile:
        inner = info.filename[len(base) + 1:] if base and info.filename.startswith(base + "/") else info.filename
        return InputFile(Path(info.filename).name, info.file_size,
                         lambda: _read_member(archive, info, file.name, max_bytes), inner)

    return [member(info) for info in members]


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, zip_name: str, max_bytes: int) -> bytes:
    import lzma
    import zlib

    cap = min(info.file_size, max_bytes)
    chunks, total = [], 0
    try:
        with archive.open(info) as handle:
            while chunk := handle.read(1 << 20):
                total += len(chunk)
                if total > cap:
                    raise InvalidImportError(f"{zip_name}: {info.filename} unpacks to more than its declared "
                                             f"{info.file_size} bytes (or the limit); the zip is damaged or crafted.")
                chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, NotImplementedError, RuntimeError,
            ValueError) as error:
        if isinstance(error, InvalidImportError):
            raise
        raise InvalidImportError(f"{zip_name}: {info.filename} cannot be unpacked ({error}); the zip is damaged. "
                                 "Zip the folder again.") from None
    if total != info.file_size:
        raise InvalidImportError(f"{zip_name}: {info.filename} unpacks to {total} bytes, not the declared "
                                 f"{info.file_size}; the zip is damaged. Zip the folder again.")
    return b"".join(chunks)


def natural_key(name: str) -> list:
    """'epoch_10' sorts after 'epoch_9'."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def check_total_size(files: list[InputFile], max_total_bytes: int) -> None:
    """The limit on one import as a whole (every file it reads, zip members at their unpacked size)."""
    total = sum(f.size for f in files)
    if total > max_total_bytes:
        raise InvalidImportError(
            f"These {len(files)} files hold {total / 2**20:.1f} MiB together, over the limit of "
            f"{max_total_bytes / 2**20:.1f} MiB for one import. Import fewer checkpoints, store float32 NPY or "
            "Parquet (smaller than CSV), or raise the limit (max_total_bytes=..., or --max-total-mb).")


def check_size(file: InputFile, max_bytes: int) -> None:
    if file.size > max_bytes:
        raise InvalidImportError(
            f"{file.name}: {file.size / 2**20:.1f} MiB is over the import limit of {max_bytes / 2**20:.1f} MiB. "
            "Split it into one file per checkpoint, store the vectors as float32 (NPY or Parquet are smaller "
            "than CSV), or raise the limit (max_bytes=..., or --max-mb on the command line)."
        )
    if file.size == 0:
        raise InvalidImportError(f"{file.name}: the file is empty. Export the vectors again; the upload may "
                                 "have been cut off.")


def read_vectors(file: InputFile, *, shape: tuple[int, int] | None = None, max_bytes: int = DEFAULT_MAX_BYTES
                 ) -> Table:
    """Vectors of one checkpoint from CSV, TSV, NPY, Parquet or raw float32 ``.bytes`` (needs ``shape``).

    ``shape``: the (examples, dimensions) a projector config declares; other contents are refused.
    """
    suffix = file.suffix
    if suffix in (".csv", ".tsv"):
        frame = _read_delimited(file, "\t" if suffix == ".tsv" else ",")
        table = _split_frame(file.name, frame)
    elif suffix == ".parquet":
        table = _split_frame(file.name, _read_parquet(file, max_bytes))
    elif suffix in (".npy", ".bytes"):
        vectors = _checked(file.name, _read_npy(file) if suffix == ".npy" else _read_raw_float32(file, shape))
        table = Table(file.name, vectors, None, pd.DataFrame(index=range(len(vectors))))
    else:
        table = None
    if table is not None:
        if shape is not None and table.vectors.shape != tuple(shape):
            raise InvalidImportError(f"{file.name}: holds {table.vectors.shape[0]} × {table.vectors.shape[1]} "
                                     f"vectors, but its tensor_shape in the projector config says {shape[0]} × "
                                     f"{shape[1]}. Fix tensor_shape (or drop it) or export the tensor again.")
        return table
    raise InvalidImportError(f"{file.name}: unsupported file type {suffix or '(no extension)'}. "
                             f"Use one of {', '.join(VECTOR_SUFFIXES)} per checkpoint.")


def read_metadata(file: InputFile, max_bytes: int = DEFAULT_MAX_BYTES) -> pd.DataFrame:
    """The per-example table (id, text, label or labels, split, anything else) from CSV, TSV or Parquet.

    A one-column ``.tsv`` has no header and holds labels (the TensorBoard projector's convention).
    """
    suffix = file.suffix
    if suffix == ".parquet":
        frame = _read_parquet(file, max_bytes)
        frame = frame.astype({c: str for c in frame.columns if str(c).strip().lower() in ID_COLUMNS})
    elif suffix in (".csv", ".tsv"):
        sep = "\t" if suffix == ".tsv" else ","
        text = _decode(file)
        single = suffix == ".tsv" and "\t" not in text.split("\n", 1)[0]
        frame = _read_delimited(file, sep, text=text, header=None if single else 0, dtype=str)
        if single:
            frame.columns = ["label"]
    else:
        raise InvalidImportError(f"{file.name}: a metadata table must be .csv, .tsv or .parquet, not "
                                 f"{suffix or 'a file without extension'}.")
    frame = frame.rename(columns={c: str(c).strip() for c in frame.columns})
    lowered = {c: c.lower() for c in frame.columns if c.lower() in (*ID_COLUMNS, *FIELD_COLUMNS)}
    frame = frame.rename(columns=lowered)
    ids = [c for c in ID_COLUMNS if c in frame.columns]
    if len(ids) > 1:
        raise InvalidImportError(f"{file.name}: has both 'id' and 'example_id' columns; keep one.")
    if ids:
        frame = frame.rename(columns={ids[0]: "example_id"})
        frame["example_id"] = _clean_ids(file.name, frame["example_id"])
    if frame.empty:
        raise InvalidImportError(f"{file.name}: the metadata table has no rows.")
    return frame


def _decode(file: InputFile, data: bytes | None = None) -> str:
    data = file.read() if data is None else data
    if not data.strip():
        raise InvalidImportError(f"{file.name}: the file is empty (or only whitespace).")
    if b"\x00" in data[:65536]:
        raise InvalidImportError(f"{file.name}: this is binary data, not a text {file.suffix} file. Check that "
                                 "the right file was chosen; NumPy arrays need the .npy extension.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidImportError(f"{file.name}: not valid UTF-8 text (byte {error.start}); save it as UTF-8, "
                                 "or check that it is really a text file.") from None


def _is_range_header(cells: list[str]) -> bool:
    return len(cells) >= 2 and [c.strip() for c in cells] == [str(i) for i in range(len(cells))]


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _read_delimited(file: InputFile, sep: str, *, text: str | None = None, header: int | None | str = "auto",
                    dtype=None) -> pd.DataFrame:
    text = _decode(file) if text is None else text
    first = next(csv.reader(io.StringIO(text.split("\n", 1)[0].rstrip("\r")), delimiter=sep), [])
    if header == "auto":
        # A first line of numbers is data, not a header, except 0,1,2,...: the column names pandas writes
        # for a NumPy array (DataFrame(vectors).to_csv(index=False)).
        header = None if first and all(_is_number(c) for c in first) and not _is_range_header(first) else 0
    quoting = csv.QUOTE_NONE if sep == "\t" else csv.QUOTE_MINIMAL
    na = {}
    if dtype is None and header == 0:  # ids, texts and labels stay strings ('00001' and 'NA' are ids, not numbers)
        dtype = {c: str for c in first if c.strip().lower() in (*ID_COLUMNS, *FIELD_COLUMNS)}
        na = {"keep_default_na": False, "na_values": {c: [""] if c in dtype else NA_STRINGS for c in first}}
    elif dtype is None:
        na = {"keep_default_na": True}
    else:
        na = {"keep_default_na": False, "na_filter": False}
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, header=header, dtype=dtype, quoting=quoting, **na)
    except pd.errors.ParserError as error:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(error))
        if found:
            expected, line, saw = found.groups()
            raise InvalidImportError(f"{file.name}: ragged rows: line {line} has {saw} fields but earlier lines "
                                     f"have {expected}. Every row needs the same columns; check for a stray "
                                     f"'{sep}' or an unquoted text.") from None
        raise InvalidImportError(f"{file.name}: cannot be read as {file.suffix} ({error}).") from None
    except pd.errors.EmptyDataError:
        raise InvalidImportError(f"{file.name}: the file has no rows.") from None
    if frame.empty:
        raise InvalidImportError(f"{file.name}: the file has a header but no rows.")
    if header is None:
        frame.columns = [str(c) for c in frame.columns]
    frame.attrs["raw"] = (text, sep, header)
    return frame


def _read_parquet(file: InputFile, max_bytes: int = DEFAULT_MAX_BYTES) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = file.read()
    if data[:4] != b"PAR1":
        raise InvalidImportError(f"{file.name}: not a Parquet file (it lacks the 'PAR1' header). Check the "
                                 "file, or give it the extension of its real format.")
    try:
        parquet = pq.ParquetFile(io.BytesIO(data))
        rows, columns = parquet.metadata.num_rows, parquet.metadata.num_columns
        if rows * columns * 4 > max_bytes:  # checked before reading: a tiny file can declare millions of rows
            raise InvalidImportError(
                f"{file.name}: {rows:,} rows × {columns} columns would take over {rows * columns * 4 / 2**20:.0f} "
                f"MiB in memory, over the import limit of {max_bytes / 2**20:.1f} MiB. Split it, or raise the limit "
                "(max_bytes=..., or --max-mb).")
        frame = parquet.read().to_pandas()
    except (pa.ArrowException, OSError) as error:
        raise InvalidImportError(f"{file.name}: damaged Parquet file ({error}).") from None
    if frame.empty:
        raise InvalidImportError(f"{file.name}: the Parquet file has no rows.")
    return frame


def _read_npy(file: InputFile) -> np.ndarray:
    data = file.read()
    if not data.startswith(b"\x93NUMPY"):
        raise InvalidImportError(f"{file.name}: not a .npy file (it lacks the NumPy header). Save arrays with "
                                 "numpy.save.")
    buffer = io.BytesIO(data)
    try:  # the header first: its shape is checked against the bytes there before anything is allocated
        major, _minor = np.lib.format.read_magic(buffer)
        read_header = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read_header(buffer, max_header_size=10000)
    except (ValueError, EOFError, SyntaxError) as error:
        raise InvalidImportError(f"{file.name}: damaged .npy header ({error}).") from None
    if dtype.hasobject:
        raise InvalidImportError(f"{file.name}: holds Python objects, which would need unpickling; uploads "
                                 "are never unpickled. Save a numeric array instead: "
                                 "numpy.save(path, vectors.astype('float32')).")
    count = int(np.prod(shape, dtype=np.int64))
    needed = count * dtype.itemsize
    if len(data) - buffer.tell() != needed:
        raise InvalidImportError(f"{file.name}: its header says shape {tuple(shape)} ({needed:,} bytes of data), but "
                                 f"the file holds {len(data) - buffer.tell():,}; it is truncated or damaged. Save it "
                                 "again with numpy.save.")
    array = np.frombuffer(data, dtype=dtype, count=count, offset=buffer.tell()).reshape(
        shape, order="F" if fortran else "C")
    if array.dtype.names or array.dtype.kind not in "iuf":
        raise InvalidImportError(f"{file.name}: dtype {array.dtype} is not numeric; save float vectors "
                                 "(numpy.save(path, vectors.astype('float32'))).")
    return array


def _read_raw_float32(file: InputFile, shape: tuple[int, int] | None) -> np.ndarray:
    if not shape:
        raise InvalidImportError(f"{file.name}: a raw .bytes tensor needs its tensor_shape in "
                                 "projector_config.pbtxt.")
    data = file.read()
    n, d = shape
    if len(data) != n * d * 4:
        raise InvalidImportError(f"{file.name}: {len(data)} bytes, but tensor_shape [{n}, {d}] of float32 needs "
                                 f"{n * d * 4}. Fix tensor_shape or export the tensor again.")
    return np.frombuffer(data, dtype="<f4").reshape(n, d)


def _clean_ids(name: str, ids: pd.Series) -> np.ndarray:
    values = ids.astype(str).str.strip().to_numpy()
    empty = np.flatnonzero((values == "") | ids.isna().to_numpy())
    if len(empty):
        raise InvalidImportError(f"{name}: row {empty[0] + 1} has an empty id; every example needs one.")
    unique, first, counts = np.unique(values, return_index=True, return_counts=True)
    if (counts > 1).any():
        dup = unique[counts > 1][np.argmin(first[counts > 1])]
        rows = np.flatnonzero(values == dup)[:3] + 1
        raise InvalidImportError(f"{name}: duplicate id {dup!r} (rows {', '.join(map(str, rows))}); ids must "
                                 f"be unique, and {int((counts > 1).sum())} are repeated.")
    return values


def _split_frame(name: str, frame: pd.DataFrame) -> Table:
    """Reserved columns (id, text, label, labels, split) apart; every other column is a vector component.

    An unnamed first column is the index pandas writes by default (``to_csv()``): dropped when it
    counts 0, 1, 2, ..., refused otherwise (it would silently become a dimension).
    """
    first = frame.columns[0] if len(frame.columns) else None
    if first is not None and (str(first).strip() == "" or re.fullmatch(r"Unnamed: 0", str(first))):
        values = pd.to_numeric(frame[first], errors="coerce").to_numpy()
        if len(frame.columns) > 1 and np.array_equal(values, np.arange(len(frame))):
            frame = frame.drop(columns=first)
        else:
            raise InvalidImportError(f"{name}: the first column has no name, so it looks like a table index, not a "
                                     "dimension. Name it 'id' if it identifies the examples, or write the file "
                                     "without it (pandas: to_csv(index=False)).")
    reserved = {c: str(c).strip().lower() for c in frame.columns
                if str(c).strip().lower() in (*ID_COLUMNS, *FIELD_COLUMNS)}
    ids_found = [c for c, low in reserved.items() if low in ID_COLUMNS]
    if len(ids_found) > 1:
        raise InvalidImportError(f"{name}: has both 'id' and 'example_id' columns; keep one.")
    ids = _clean_ids(name, frame[ids_found[0]]) if ids_found else None
    fields = frame[[c for c in reserved if c not in ids_found]].rename(columns=reserved)
    vector_columns = [c for c in frame.columns if c not in reserved]
    if not vector_columns:
        raise InvalidImportError(f"{name}: no vector columns; besides id/text/label/labels/split it needs one "
                                 "numeric column per dimension (or 'x' and 'y' for 2-D points).")
    parts = []
    for column in vector_columns:
        values = frame[column]
        if values.dtype == object and len(values) and isinstance(values.iloc[0], (list, np.ndarray)):
            lengths = values.map(len).to_numpy()
            if (lengths != lengths[0]).any():
                row = int(np.flatnonzero(lengths != lengths[0])[0])
                raise InvalidImportError(f"{name}: ragged vectors in column {column!r}: row {row + 1} has "
                                         f"{lengths[row]} numbers, row 1 has {lengths[0]}.")
            parts.append(np.stack(values.map(np.asarray).to_list()))
            continue
        if values.dtype.kind not in "iuf":
            numbers = pd.to_numeric(values, errors="coerce")
            bad = np.flatnonzero(numbers.isna().to_numpy() & values.notna().to_numpy())
            if len(bad):
                raise InvalidImportError(
                    f"{name}: column {column!r}, row {bad[0] + 1}: {values.iloc[bad[0]]!r} is not a number. "
                    "Vector columns must be numeric; name text columns 'id', 'text', 'label', 'labels' or "
                    "'split', or move other fields to the metadata table.")
            values = numbers
        parts.append(values.to_numpy(dtype=np.float64)[:, None])
    vectors = np.hstack(parts)
    if not np.isfinite(vectors).all():
        _explain_missing(name, frame, vectors, vector_columns)
    return Table(name, _checked(name, vectors), ids, fields.reset_index(drop=True))


def _explain_missing(name: str, frame: pd.DataFrame, vectors: np.ndarray, columns: list) -> None:
    row, col = (int(i[0]) for i in np.nonzero(~np.isfinite(vectors)))
    raw = frame.attrs.get("raw")
    if raw is not None and np.isnan(vectors[row, col]):  # short rows read as NaN: say they are ragged
        text, sep, header = raw
        quoting = csv.QUOTE_NONE if sep == "\t" else csv.QUOTE_MINIMAL
        records = csv.reader(io.StringIO(text), delimiter=sep, quoting=quoting)
        widths = [len(r) for r in records if r]
        expected = widths[0]
        for index, width in enumerate(widths):
            if width != expected:
                raise InvalidImportError(f"{name}: ragged rows: line {index + 1} has {width} fields but line 1 "
                                         f"has {expected}. Every row needs a value in every column.")
    value = vectors[row, col]
    kind = "missing (empty or NaN)" if np.isnan(value) else f"{value} (infinite)"
    count = int((~np.isfinite(vectors)).sum())
    raise InvalidImportError(f"{name}: column {columns[col]!r}, row {row + 1} is {kind}; {count} value(s) are not "
                             "finite numbers. Fix or drop those examples (training may have diverged at this "
                             "checkpoint).")


def _checked(name: str, vectors: np.ndarray) -> np.ndarray:
    if vectors.ndim != 2:
        raise InvalidImportError(f"{name}: vectors need shape (examples, dimensions), got {vectors.shape}. "
                                 "Reshape to 2-D, e.g. vectors.reshape(len(vectors), -1).")
    if vectors.shape[0] == 0 or vectors.shape[1] == 0:
        raise InvalidImportError(f"{name}: no vectors (shape {vectors.shape}).")
    if not np.isfinite(vectors).all():
        row, col = (int(i[0]) for i in np.nonzero(~np.isfinite(vectors)))
        count = int((~np.isfinite(vectors)).sum())
        raise InvalidImportError(f"{name}: row {row + 1}, dimension {col + 1} is {vectors[row, col]}; {count} "
                                 "value(s) are NaN or infinite. Fix or drop those examples.")
    with np.errstate(over="ignore"):
        result = vectors.astype(np.float32)
    if not np.isfinite(result).all():
        raise InvalidImportError(f"{name}: some values are too large for float32 (beyond ±3.4e38).")
    return result
