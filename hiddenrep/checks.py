"""The one input check at the library's public edge (cleanlab-style: check once where the user's array
comes in, with a message that says what is wrong and how to fix it; inner functions trust their input).

Used by ``reduce`` (projections), ``analysis`` (neighbours), ``animate`` (tweens) and ``viz`` (scatter
tables). Imports numpy only, so every layer may use it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def check_array(values, name: str, axes: Sequence[str | int], *, min_rows: int = 0, needed_for: str = "",
                nonfinite: str = "", nonempty: bool = False, dtype=None) -> np.ndarray:
    """``values`` as an array shaped like ``axes``, or a ValueError naming what is wrong.

    ``axes`` names each dimension (``("n_points", "n_features")``); an int fixes that dimension's size
    (``("n_checkpoints", "n_points", 2)``). ``min_rows`` is the least length of the first axis,
    ``needed_for`` says why (``"a projection"``). ``nonfinite`` says what NaN / inf means for this input.
    ``nonempty``: no dimension may be 0.
    """
    array = np.asarray(values, dtype=dtype)
    wanted = f"({', '.join(str(a) for a in axes)})"
    fixed_ok = all(size == axis for size, axis in zip(array.shape, axes) if isinstance(axis, int))
    if array.ndim != len(axes) or not fixed_ok or (nonempty and 0 in array.shape):
        raise ValueError(f"{name} must be a {len(axes)}-D array of shape {wanted}, got shape {array.shape}.")
    if len(array) < min_rows:
        what = str(axes[0]).removeprefix("n_")
        raise ValueError(f"{name} has {len(array)} {what}; {needed_for or 'it'} needs at least {min_rows}.")
    if array.dtype.kind in "fc" and not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values" + (f"; {nonfinite}" if nonfinite else "") + ".")
    return array


def check_vectors(vectors, name: str = "vectors", *, min_rows: int = 0, needed_for: str = "",
                  dtype=None) -> np.ndarray:
    """Hidden vectors, one row per point: a finite (n_points, n_features) array."""
    return check_array(vectors, name, ("n_points", "n_features"), min_rows=min_rows, needed_for=needed_for,
                       nonfinite="the recorded checkpoint is damaged or diverged", dtype=dtype)


def check_coords(coords, name: str = "coords", *, frames: str = "n_checkpoints", dtype=None) -> np.ndarray:
    """2-D layouts of the same points, one per checkpoint (or frame): a finite (frames, n_points, 2) array
    with at least one checkpoint and one point."""
    return check_array(coords, name, (frames, "n_points", 2), nonempty=True, dtype=dtype,
                       nonfinite="the projection failed for some checkpoint")
