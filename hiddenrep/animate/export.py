"""Animated GIF and MP4 export of tweened checkpoints, with progress and cancellation.

Frames are drawn straight into palette indices with numpy (a small disc per point, one fixed view
box for the whole animation) and labelled with Pillow; the GIF is written by Pillow with that exact
palette (no per-frame colour quantisation), the MP4 by the ffmpeg binary that ships inside the
``imageio-ffmpeg`` wheel. Files appear atomically: a cancelled or failed export leaves nothing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..checks import check_coords
from .tween import frame_times, positions

# Vega-Lite's default categorical scheme (tableau10), so exports match the app's colours.
PALETTE = ("#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6", "#9d755d",
           "#bab0ac")
_BACKGROUND, _INK, _FIRST_CLASS = 0, 1, 2
Progress = Callable[[int, int], None]


class ExportCancelled(Exception):
    """Raised when the ``cancel`` event is set during an export; no file is left behind."""


@dataclass
class Frames:
    """Everything needed to draw the frames of one animation; iterate :meth:`images` for Pillow images.

    ``colors``: (n_points,) class index per point (None: one colour). ``color_names``: legend text per
    class. ``marks``: {point row: "A", ...} points drawn larger and lettered, as in the seed.
    ``titles``: one caption per checkpoint (e.g. "epoch 3"), shown for the nearest checkpoint.
    """

    coords: np.ndarray
    colors: np.ndarray | None = None
    color_names: Sequence[str] | None = None
    marks: dict[int, str] | None = None
    titles: Sequence[str] | None = None
    steps: int = 12
    hold: int = 6
    easing: str = "cubic"
    size: tuple[int, int] = (640, 640)
    point_size: int = 4

    def __post_init__(self) -> None:
        self.coords = check_coords(self.coords)
        n_checkpoints, n_points, _ = self.coords.shape
        width, height = self.size
        if width < 64 or height < 64:
            raise ValueError(f"size must be at least 64x64 pixels, got {self.size}.")
        if self.colors is not None:
            self.colors = np.asarray(self.colors)
            if self.colors.shape != (n_points,) or not np.issubdtype(self.colors.dtype, np.integer):
                raise ValueError(f"colors must be ({n_points},) integer class indices, got {self.colors.shape} "
                                 f"{self.colors.dtype}.")
        if self.titles is not None and len(self.titles) != n_checkpoints:
            raise ValueError(f"titles needs one caption per checkpoint ({n_checkpoints}), got {len(self.titles)}.")
        self.times = frame_times(n_checkpoints, self.steps, self.hold)

    def __len__(self) -> int:
        return len(self.times)

    def palette(self) -> list[tuple[int, int, int]]:
        n_classes = int(self.colors.max()) + 1 if self.colors is not None and len(self.colors) else 1
        classes = [PALETTE[c % len(PALETTE)] for c in range(min(n_classes, 250))]
        return [(255, 255, 255), (34, 34, 34)] + [tuple(int(h[i:i + 2], 16) for i in (1, 3, 5)) for h in classes]

    def _pixels(self) -> Callable[[np.ndarray], np.ndarray]:
        """Data → pixel mapping from the bounds of every checkpoint: one view box, aspect kept."""
        width, height = self.size
        margin, top = 12 + self.point_size, 30
        low, high = self.coords.reshape(-1, 2).min(0), self.coords.reshape(-1, 2).max(0)
        span = float((high - low).max()) or 1.0
        scale = min(width - 2 * margin, height - top - margin - self._legend_height()) / span
        centre, middle = (low + high) / 2, np.array([width / 2, top + (height - top - self._legend_height()) / 2])

        def to_pixels(xy: np.ndarray) -> np.ndarray:
            pixels = (xy - centre) * scale * np.array([1.0, -1.0]) + middle  # y grows upward on screen
            return np.rint(pixels).astype(np.int64)

        return to_pixels

    def _legend_height(self) -> int:
        return 24 if self.color_names else 0

    def images(self) -> Iterator:
        """One Pillow "P" image per frame, in order."""
        from PIL import Image, ImageDraw, ImageFont

        width, height = self.size
        to_pixels = self._pixels()
        radius = max(self.point_size // 2, 0)
        disc = [(dy, dx) for dy in range(-radius, radius + 1) for dx in range(-radius, radius + 1)
                if dy * dy + dx * dx <= radius * radius + radius]
        index = (_FIRST_CLASS + (self.colors % 250) if self.colors is not None
                 else np.full(self.coords.shape[1], _FIRST_CLASS)).astype(np.uint8)
        flat_palette = [value for rgb in self.palette() for value in rgb]
        font, letter_font = ImageFont.load_default(size=14), ImageFont.load_default(size=18)
        marks = sorted((self.marks or {}).items())
        for t in self.times:
            canvas = np.zeros((height, width), dtype=np.uint8)
            xy = to_pixels(positions(self.coords, t, self.easing))
            for dy, dx in disc:
                canvas[np.clip(xy[:, 1] + dy, 0, height - 1), np.clip(xy[:, 0] + dx, 0, width - 1)] = index
            image = Image.fromarray(canvas)
            image.putpalette(flat_palette)
            draw = ImageDraw.Draw(image)
            for row, letter in marks:
                x, y = xy[row]
                r = radius + 3
                draw.ellipse((x - r, y - r, x + r, y + r), fill=int(index[row]), outline=_INK, width=2)
                draw.text((x + r + 2, y - r - 10), letter, fill=_INK, font=letter_font, stroke_width=2,
                          stroke_fill=_BACKGROUND)
            if self.titles is not None:
                draw.text((10, 8), str(self.titles[int(round(t))]), fill=_INK, font=font)
            for c, name in enumerate(self.color_names or []):
                x = 10 + c * ((width - 20) // max(len(self.color_names), 1))
                draw.rectangle((x, height - 18, x + 10, height - 8), fill=_FIRST_CLASS + c % 250)
                draw.text((x + 14, height - 21), str(name), fill=_INK, font=font)
            yield image


def _checked(frames: Frames, progress: Progress | None, cancel: threading.Event | None) -> Iterator:
    total = len(frames)
    for done, image in enumerate(frames.images(), start=1):
        if cancel is not None and cancel.is_set():
            raise ExportCancelled(f"Export cancelled after {done - 1} of {total} frames.")
        yield image
        if progress is not None:
            progress(done, total)


def _atomic(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")  # keep the suffix: ffmpeg reads it
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def export_gif(path: str | os.PathLike, frames: Frames, *, fps: float = 24, progress: Progress | None = None,
               cancel: threading.Event | None = None) -> Path:
    """Write an endlessly looping GIF of ``frames``. ``progress(done, total)`` after each frame."""
    if not 1 <= fps <= 50:
        raise ValueError(f"fps must be between 1 and 50 (browsers slow faster GIFs down), got {fps}.")

    def write(tmp: Path) -> None:
        images = _checked(frames, progress, cancel)
        first = next(images)
        first.save(tmp, format="GIF", save_all=True, append_images=images, duration=round(1000 / fps), loop=0,
                   optimize=False)

    return _atomic(path, write)


def export_mp4(path: str | os.PathLike, frames: Frames, *, fps: float = 30, quality: float = 7,
               progress: Progress | None = None, cancel: threading.Event | None = None) -> Path:
    """Write an H.264 MP4 of ``frames`` with the ffmpeg binary from the ``imageio-ffmpeg`` package."""
    import imageio_ffmpeg

    width, height = frames.size
    if width % 16 or height % 16:
        raise ValueError(f"MP4 frames need a width and height divisible by 16 (H.264 blocks), got {frames.size}; "
                         "e.g. 640x640 or 800x608.")

    def write(tmp: Path) -> None:
        writer = imageio_ffmpeg.write_frames(str(tmp), (width, height), fps=fps, quality=quality, codec="libx264",
                                             macro_block_size=16, ffmpeg_log_level="error")
        writer.send(None)
        try:
            for image in _checked(frames, progress, cancel):
                writer.send(image.convert("RGB").tobytes())
        finally:
            writer.close()

    return _atomic(path, write)
