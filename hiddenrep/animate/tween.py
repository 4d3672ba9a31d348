"""Tweened positions between checkpoints that share one coordinate frame.

Time ``t`` runs over ``[0, n_checkpoints - 1]``: at a whole number it is exactly that checkpoint's
layout, in between each point moves on a straight line with an easing curve (ease-in-out by
default, so motion slows into each checkpoint and the eye can read the layout there). The seed's
tool tweened linearly between two files and rescaled every frame on its own; here every frame
uses the same axes, so a movement on screen is a movement of the representation.
"""

from __future__ import annotations

import numpy as np

from ..checks import check_coords

EASINGS = ("cubic", "linear", "sine")


def ease(fraction, easing: str = "cubic") -> np.ndarray:
    """Map a fraction of a step in [0, 1] to progress in [0, 1]; 0 → 0 and 1 → 1 for every easing."""
    f = np.clip(np.asarray(fraction, dtype=np.float64), 0.0, 1.0)
    if easing == "linear":
        return f
    if easing == "cubic":  # ease-in-out cubic
        return np.where(f < 0.5, 4 * f**3, 1 - (-2 * f + 2) ** 3 / 2)
    if easing == "sine":
        return (1 - np.cos(np.pi * f)) / 2
    raise ValueError(f"easing must be one of {EASINGS}, got {easing!r}.")


def frame_times(n_checkpoints: int, steps: int = 12, hold: int = 0) -> np.ndarray:
    """Times of an animation's frames: ``steps`` frames per checkpoint-to-checkpoint move, each
    checkpoint shown ``1 + hold`` times (a pause on the real layout), the last one included."""
    if n_checkpoints < 1 or steps < 1 or hold < 0:
        raise ValueError(f"Need n_checkpoints >= 1, steps >= 1 and hold >= 0; got {n_checkpoints}, {steps}, {hold}.")
    times = []
    for checkpoint in range(n_checkpoints):
        times += [float(checkpoint)] * (1 + hold)
        if checkpoint < n_checkpoints - 1:
            times += [checkpoint + s / steps for s in range(1, steps)]
    return np.array(times)


def positions(coords, t: float, easing: str = "cubic") -> np.ndarray:
    """(n_points, 2) positions at time ``t`` in [0, n_checkpoints - 1]."""
    coords = check_coords(coords)
    last = len(coords) - 1
    if not 0 <= t <= last:
        raise ValueError(f"t must lie in [0, {last}] for {len(coords)} checkpoints, got {t}.")
    start = min(int(np.floor(t)), max(last - 1, 0))
    if last == 0:
        return coords[0].astype(np.float64)
    e = float(ease(t - start, easing))
    return (1 - e) * coords[start].astype(np.float64) + e * coords[start + 1].astype(np.float64)


def tween(coords, steps: int = 12, *, hold: int = 0, easing: str = "cubic") -> tuple[np.ndarray, np.ndarray]:
    """All frames of the animation: ``(frames (n_frames, n_points, 2) float32, times (n_frames,))``."""
    coords = check_coords(coords)
    times = frame_times(len(coords), steps, hold)
    frames = np.stack([positions(coords, t, easing) for t in times]).astype(np.float32)
    return frames, times
