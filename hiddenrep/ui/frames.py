"""Which frames Explore draws, and whether their quality metrics are in: the page's projection bookkeeping.

The frames come first (one background task, no metrics), their metrics after (a second task, started only
once the chart has been sent), so the first picture waits for neither.

While a run is still training, every checkpoint it adds is a new projection request: joint PCA (PCA's
default) refits one basis over all checkpoints, so the new request has no frame ready for a moment, and a
t-SNE / UMAP chain starts again. The chart then keeps showing the last complete projection this session drew
(:func:`frames_to_draw`) until the new one has as many frames ready, instead of leaving the page or shrinking
to the new chain's first frames: a chart that leaves the page is remounted when it comes back, so it would
blank, fetch its data again and lose the checkpoint on screen, once per epoch.

A projection still being computed is drawn with the frames it has: the first checkpoints', or a budget
chain's last ones (it runs backwards: the trained model's picture comes first, the history fills in before it).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from ..store import Run
from . import state
from .data import store, wait_for_frames
from .jobs import Task, projection_task
from .widgets import task_progress, wait_for_task


@dataclass(frozen=True)
class Frames:
    """``task`` projects the checkpoints ``asked`` for and had written ``written`` frames; ``checkpoints`` are
    the projection drawn now, ``ready`` of its frames are on disk (fewer while the task works: the first ones,
    or a backwards chain's last ones)."""

    task: Task
    asked: tuple[str, ...]
    written: int
    checkpoints: tuple[str, ...]
    ready: int

    @property
    def complete(self) -> bool:
        """Every frame asked for is ready (what the frame metrics wait for)."""
        return self.checkpoints == self.asked and self.ready == len(self.asked)

    def grew(self) -> bool:
        """The task has written more frames since (time to redraw)."""
        return self.task.progress[0] > self.written


def frames_to_draw(run: Run, checkpoints: tuple[str, ...], method: str, mode: str) -> Frames:
    """The projection of ``checkpoints`` (frames only), or while it has fewer frames ready than the last complete
    one this session drew of the same run, method and mode, that one (see the module docstring)."""
    task = projection_task(store().root, run.id, checkpoints, method=method, mode=mode, metrics=False)
    ready = written = wait_for_frames(task, len(checkpoints))
    drawn = _drawn()
    where = (run.identity, method, mode)
    if ready == len(checkpoints):
        drawn[where] = checkpoints
    elif where in drawn and ready < len(drawn[where]) and not (task.done and task.error is not None):
        return Frames(task, checkpoints, written, drawn[where], len(drawn[where]))
    return Frames(task, checkpoints, written, checkpoints, ready)


def metrics_state(run: Run, frames: Frames, method: str, mode: str) -> tuple[bool, Task | None]:
    """(whether every drawn frame's metrics are in, the metrics task this session started for them or None)."""
    if not frames.complete:
        return False, None
    on_disk = frames.task.result() if frames.task.done and frames.task.error is None else None
    measured = (projection_task(store().root, run.id, frames.checkpoints, method=method, mode=mode)
                if _measure_key(run, frames, method, mode) in _measuring() else None)
    metrics_in = ((on_disk is not None and on_disk.metrics_complete)
                  or (measured is not None and measured.done and measured.error is None))
    return metrics_in, measured


def measure_after_drawing(run: Run, frames: Frames, method: str, mode: str) -> Task:
    """Start measuring the drawn frames' quality in the background (call it after the chart is sent)."""
    _measuring().add(_measure_key(run, frames, method, mode))
    return projection_task(store().root, run.id, frames.checkpoints, method=method, mode=mode)


def _drawn() -> dict:
    return st.session_state.setdefault(state.DRAWN_FRAMES, {})  # where → the last complete checkpoints drawn


def _measuring() -> set:
    return st.session_state.setdefault(state.MEASURING, set())  # the metric tasks this session has started


def _measure_key(run: Run, frames: Frames, method: str, mode: str) -> tuple:
    return run.identity, method, mode, frames.checkpoints


def checkpoints_to_animate(run: Run, checkpoints: tuple[str, ...], method: str, mode: str, slot) -> tuple[str, ...]:
    """The checkpoints Animate draws: all of them once their projection (metrics included) is done. While a
    training run's new checkpoint is projected, the last complete set this session drew, with the new
    projection's progress in ``slot`` (see the module docstring); before any, its progress, and the page stops."""
    task = projection_task(store().root, run.id, checkpoints, method=method, mode=mode)
    drawn = _drawn()
    where = ("animate", run.identity, method, mode)
    label = f"Projecting {len(checkpoints)} checkpoints with {method.upper()}"
    if task.done and task.error is None:
        drawn[where] = checkpoints
    elif not task.done and where in drawn:
        with slot:
            task_progress(task, label)  # reruns the page when it is done
        return drawn[where]
    else:
        wait_for_task(task, label, f"The {method.upper()} projection", slot)
    return checkpoints
