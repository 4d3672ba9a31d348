"""Tweening, GIF/MP4 export and the offline HTML player."""

from __future__ import annotations

import re
import threading

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from hiddenrep.animate import (ExportCancelled, Frames, animation_spec, ease, export_gif, export_html, export_mp4,
                               frame_times, positions, tween)


@pytest.fixture(scope="module")
def coords():
    rng = np.random.default_rng(0)
    return np.cumsum(rng.normal(size=(4, 200, 2)), axis=0).astype(np.float32)


@pytest.mark.parametrize("easing", ["cubic", "linear", "sine"])
def test_easing_is_monotone_from_0_to_1(easing):
    values = ease(np.linspace(0, 1, 101), easing)
    assert values[0] == 0 and values[-1] == 1
    assert (np.diff(values) >= 0).all()


def test_interpolation_endpoints_equal_the_checkpoints(coords):
    frames, times = tween(coords, steps=5, hold=2)
    for checkpoint in range(len(coords)):
        at = np.flatnonzero(times == checkpoint)
        assert len(at) == 3  # shown once plus held twice
        np.testing.assert_array_equal(frames[at[0]], coords[checkpoint])
    assert len(frames) == len(frame_times(4, 5, 2)) == 4 * 3 + 3 * 4
    middle = positions(coords, 1.5, "linear")
    np.testing.assert_allclose(middle, (coords[1] + coords[2]) / 2, rtol=1e-6)
    # eased: a quarter of the way in time is less than a quarter of the way in space
    quarter = positions(coords, 0.25, "cubic")
    share = np.linalg.norm(quarter - coords[0], axis=1) / np.linalg.norm(coords[1] - coords[0], axis=1)
    assert np.allclose(share, 0.0625, atol=1e-5)


def test_bad_inputs_say_what_is_wrong(coords):
    with pytest.raises(ValueError, match=r"\(n_checkpoints, n_points, 2\)"):
        tween(coords[0])
    with pytest.raises(ValueError, match=r"t must lie in \[0, 3\]"):
        positions(coords, 3.5)
    bad = coords.copy()
    bad[2, 5, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        tween(bad)
    with pytest.raises(ValueError, match="titles needs one caption per checkpoint"):
        Frames(coords, titles=["a"])


def test_gif_has_every_frame_at_the_chosen_size(coords, tmp_path):
    seen = []
    frames = Frames(coords, colors=np.arange(200) % 3, color_names=["a", "b", "c"], marks={0: "A", 7: "B"},
                    titles=[f"epoch {i}" for i in range(4)], steps=6, hold=0, size=(320, 240))
    path = export_gif(tmp_path / "anim.gif", frames, fps=20, progress=lambda done, total: seen.append((done, total)))
    with Image.open(path) as gif:
        assert gif.size == (320, 240)
        assert gif.n_frames == len(frames) == 3 * 6 + 1
        assert gif.info["loop"] == 0 and gif.info["duration"] == 50
        first = np.asarray(gif.convert("RGB"))
        gif.seek(gif.n_frames - 1)
        final = np.asarray(gif.convert("RGB"))
    assert (first != final).any()  # the points moved
    assert seen[-1] == (len(frames), len(frames)) and len(seen) == len(frames)
    colours = {tuple(c) for c in first.reshape(-1, 3)}
    assert {(0x4c, 0x78, 0xa8), (0xf5, 0x85, 0x18), (0xe4, 0x57, 0x56)} <= colours  # exact class colours


def test_held_frames_keep_the_total_duration(coords, tmp_path):
    frames = Frames(coords, steps=4, hold=3, size=(128, 128))
    with Image.open(export_gif(tmp_path / "held.gif", frames, fps=25)) as gif:
        durations = []
        for index in range(gif.n_frames):
            gif.seek(index)
            durations.append(gif.info["duration"])
    assert sum(durations) == len(frames) * 40  # Pillow merges identical held frames into longer ones


def test_cancelled_export_leaves_no_file(coords, tmp_path):
    cancel = threading.Event()

    def progress(done, total):
        if done == 3:
            cancel.set()

    with pytest.raises(ExportCancelled, match="after 3 of"):
        export_gif(tmp_path / "x.gif", Frames(coords, size=(128, 128)), progress=progress, cancel=cancel)
    assert list(tmp_path.iterdir()) == []


def test_mp4_is_written_by_the_packaged_ffmpeg(coords, tmp_path):
    path = export_mp4(tmp_path / "anim.mp4", Frames(coords, steps=3, hold=0, size=(160, 128)), fps=10)
    head = path.read_bytes()[:64]
    assert b"ftyp" in head and path.stat().st_size > 1000
    with pytest.raises(ValueError, match="divisible by 16"):
        export_mp4(tmp_path / "bad.mp4", Frames(coords, size=(100, 100)))


def test_html_is_self_contained(coords, tmp_path):
    points = pd.DataFrame({"example_id": [f"e{i}" for i in range(200)], "text": ["</script><b>x"] * 200,
                           "label": np.where(np.arange(200) % 2, "pos", "neg")})
    path = export_html(tmp_path / "anim.html", coords, points, color="label", marks={3: "A"},
                       titles=[f"epoch {i}" for i in range(4)])
    page = path.read_text("utf-8")
    assert not re.search(r"<script[^>]+src\s*=", page, re.I)  # nothing is loaded from anywhere
    assert not re.search(r"<link[^>]+href\s*=", page, re.I)
    assert page.count("<script") == page.count("</script>") == 4  # vega, vega-lite, vega-embed, player
    assert "vegaEmbed" in page and '"epoch 3"' in page
    assert "</script><b>" not in page  # text from the data cannot close the script


def test_spec_scales_all_checkpoints_into_one_frame(coords):
    spec = animation_spec(coords, None)
    points = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "square")
    values = pd.DataFrame(spec["datasets"][points["data"]["name"]])
    xs = values[[f"x{t}" for t in range(4)]].to_numpy()
    ys = values[[f"y{t}" for t in range(4)]].to_numpy()
    assert min(xs.min(), ys.min()) == 0 and max(xs.max(), ys.max()) == 1000  # shared extent, not per frame
    assert {p["name"]: p for p in spec["params"]}["t"]["bind"]["max"] == 3
    single = animation_spec(coords[:1], None)  # one checkpoint still makes a valid (still) spec
    assert "x1" in next(iter(single["datasets"].values()))[0]
