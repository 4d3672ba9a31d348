"""Export seconds of a 10-checkpoint animation (GIF, MP4, HTML) at 2k, 5k and 10k points.

    .venv/bin/python bench/animate.py [--points 2000,5000,10000] [--steps 12] [--hold 6]

Frames: 10 checkpoints, ``steps`` tweened frames per move plus ``hold`` repeats of each checkpoint,
640x640 pixels. Coordinates are a seeded random walk (the export cost does not depend on where the
points come from). The in-browser frame rate of the Animate page is measured with that page.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from hiddenrep.animate import Frames, export_gif, export_html, export_mp4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", default="2000,5000,10000")
    parser.add_argument("--checkpoints", type=int, default=10)
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--hold", type=int, default=6)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(p) for p in args.points.split(",")):
            rng = np.random.default_rng(0)
            coords = np.cumsum(rng.normal(size=(args.checkpoints, n, 2)), axis=0).astype(np.float32)
            labels = rng.integers(0, 3, n)
            frames = Frames(coords, colors=labels, color_names=["a", "b", "c"], marks={0: "A", 1: "B", 2: "C"},
                            titles=[f"epoch {i}" for i in range(args.checkpoints)], steps=args.steps, hold=args.hold)
            row = {"points": n, "frames": len(frames)}
            for kind, export in (("gif", export_gif), ("mp4", export_mp4)):
                began = time.perf_counter()
                path = export(Path(tmp) / f"a.{kind}", frames)
                row[f"{kind}_s"] = round(time.perf_counter() - began, 2)
                row[f"{kind}_MB"] = round(path.stat().st_size / 2**20, 1)
            points = pd.DataFrame({"example_id": [f"e{i}" for i in range(n)], "label": labels.astype(str)})
            began = time.perf_counter()
            path = export_html(Path(tmp) / "a.html", coords, points, color="label")
            row["html_s"] = round(time.perf_counter() - began, 2)
            row["html_MB"] = round(path.stat().st_size / 2**20, 1)
            if not rows:
                print("".join(f"{name:>9}" for name in row), flush=True)
            rows.append(row)
            print("".join(f"{value:>9}" for value in row.values()), flush=True)


if __name__ == "__main__":
    main()
