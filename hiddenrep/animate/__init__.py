"""Smooth animations of checkpoints in one shared coordinate frame, and their export (no torch).

    frames, times = tween(coords, steps=12)                      # (n_frames, n_points, 2), eased
    export_gif("run.gif", Frames(coords, colors=labels, titles=[...]), progress=f, cancel=event)
    export_mp4("run.mp4", Frames(coords, ...))                    # ffmpeg from the imageio-ffmpeg wheel
    export_html("run.html", coords, points, color="label")        # one file, plays offline
    animation_spec(coords, points)                               # the same Vega-Lite spec, for a page

``coords`` is (n_checkpoints, n_points, 2), e.g. ``hiddenrep.reduce.project_run(run).coords`` or
``hiddenrep.compare.joint_projection(a, b).coords``.

Layer: coordinates in, animations and files out. May import: viz, store, checks. Never torch or streamlit.
"""

from .export import PALETTE, ExportCancelled, Frames, export_gif, export_mp4
from .html import animation_spec, export_html
from .tween import EASINGS, ease, frame_times, positions, tween

__all__ = ["EASINGS", "PALETTE", "ExportCancelled", "Frames", "animation_spec", "ease", "export_gif", "export_html",
           "export_mp4", "frame_times", "positions", "tween"]
