"""Big runs, Python side (issue #12): frames before metrics, joint PCA on a sample, the on-disk neighbour index.

Tiny seeded runs; what is checked is the scheduling and the caching, never timings (bench/scale.py times them).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hiddenrep.reduce import cached_frames, project_run
from hiddenrep.reduce import project as project_module
from hiddenrep.store import RunStore

N, FRAMES, DIM = 300, 4, 6


def _write_run(root, n: int = N, frames: int = FRAMES, seed: int = 0):
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 3
    examples = pd.DataFrame({"example_id": [f"e{i}" for i in range(n)], "split": "train", "text": "",
                             "label": labels, "label_name": [f"c{c}" for c in labels]})
    writer = RunStore(root).create("drift", examples=examples, dataset={"name": "drift", "class_names": ["c0", "c1", "c2"]},
                                   model={}, config={}, seed=seed)
    centres = rng.normal(scale=4.0, size=(3, DIM))
    start = rng.normal(size=(n, DIM))
    for t in range(frames):
        w = t / (frames - 1)
        with writer.checkpoint(epoch=t, step=t) as checkpoint:
            checkpoint.write("hidden", ((1 - w) * start + w * centres[labels] + rng.normal(scale=0.3, size=(n, DIM)))
                             .astype(np.float32))
    return writer.finish()


@pytest.fixture
def run(tmp_path):
    return _write_run(tmp_path / "runs")


def test_every_frame_is_on_disk_before_the_first_metric_is_measured(run, monkeypatch):
    seen = []
    measure = project_module.quality.frame_metrics

    def spy(*args, **kwargs):
        seen.append(cached_frames(run, method="pca"))
        return measure(*args, **kwargs)

    monkeypatch.setattr(project_module.quality, "frame_metrics", spy)
    proj = project_run(run, method="pca")
    first = seen[0]
    assert first.complete and not first.metrics_complete  # the picture can be drawn, the metrics are pending
    assert np.isnan(first.metrics["trustworthiness"]).all() and (first.metrics["seconds"] >= 0).all()
    assert proj.metrics_complete and np.isfinite(proj.metrics["trustworthiness"]).all()
    assert cached_frames(run, method="pca").metrics_complete


def test_an_interrupted_metrics_pass_is_finished_without_recomputing_frames(run, monkeypatch):
    calls = []
    measure = project_module.quality.frame_metrics

    def dies_on_the_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return measure(*args, **kwargs)

    monkeypatch.setattr(project_module.quality, "frame_metrics", dies_on_the_third)
    with pytest.raises(KeyboardInterrupt):
        project_run(run, method="pca", mode="procrustes")
    stopped = cached_frames(run, method="pca", mode="procrustes")
    assert stopped.complete and not stopped.metrics_complete
    assert np.isfinite(stopped.metrics["trustworthiness"][:2]).all()

    monkeypatch.setattr(project_module.quality, "frame_metrics", measure)
    monkeypatch.setattr(project_module, "_layouts", lambda *a, **k: pytest.fail("frames were recomputed"))
    done = project_run(run, method="pca", mode="procrustes")
    assert done.metrics_complete
    np.testing.assert_array_equal(done.coords, stopped.coords)


def test_metrics_false_leaves_them_pending(run):
    proj = project_run(run, method="pca", cache=False, metrics=False)
    assert proj.complete and not proj.metrics_complete


def test_joint_pca_on_a_sample_of_rows_keeps_the_full_fits_picture(run, monkeypatch):
    exact = project_run(run, method="pca", cache=False, metrics=False).coords
    monkeypatch.setattr(project_module, "PCA_FIT_ROWS", 400)  # 100 of 300 rows per checkpoint
    sampled = project_run(run, method="pca", cache=False, metrics=False).coords
    again = project_run(run, method="pca", cache=False, metrics=False).coords
    np.testing.assert_array_equal(sampled, again)  # the sample is seeded
    assert not np.array_equal(sampled, exact)
    for axis in range(2):  # same axes up to noise: each coordinate correlates almost perfectly with the exact one
        assert abs(np.corrcoef(sampled[..., axis].ravel(), exact[..., axis].ravel())[0, 1]) > 0.98
    keyed = cached_frames(run, method="pca").cache_path
    monkeypatch.setattr(project_module, "PCA_FIT_ROWS", 200_000)
    assert cached_frames(run, method="pca").cache_path != keyed  # the fit size is part of the cache key


def test_a_finished_view_is_kept_on_disk_and_a_damaged_one_rebuilt(run, monkeypatch):
    from hiddenrep.ui import data

    monkeypatch.setenv("HIDDENREP_RUNS", str(run.path.parent))
    names = tuple(c.name for c in run.checkpoints)
    options = dict(color_by="true label", class_name=None, validation_only=False, wrong_only=False, search="")

    def view(measured: bool):
        data._scatter_spec.clear()  # a restarted server: nothing in memory
        return data.scatter_spec(run.id, names, "pca", "joint-pca", FRAMES, measured=measured, **options)

    project_run(run, method="pca", metrics=False)
    view(measured=False)
    views = run.path / "projections"
    assert not list(views.rglob("view-*.bin"))  # metrics pending: not final, not kept
    project_run(run, method="pca")
    built = view(measured=True)
    (stored,) = views.rglob("view-*.bin")
    monkeypatch.setattr(data, "_build_view", lambda *a, **k: pytest.fail("a stored view was rebuilt"))
    again = view(measured=True)
    assert again["key"] == built["key"] and again["spec"] == built["spec"]
    pd.testing.assert_frame_equal(again["metrics"], built["metrics"], check_dtype=False)

    stored.write_bytes(stored.read_bytes()[:-16])  # truncated: rebuilt, never half-drawn
    rebuilt = []
    monkeypatch.setattr(data, "_build_view", lambda *a, **k: rebuilt.append(1) or built)
    view(measured=True)
    assert rebuilt == [1]
