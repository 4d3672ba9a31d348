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


def _write_run(root, n: int = N, frames: int = FRAMES, seed: int = 0, frozen: int = 0):
    """Blobs drifting from noise to three classes. With ``frozen``, the last step moves only the rows from
    ``frozen`` on, by swapping their vectors among themselves (so the checkpoint's RMS radius, which motion is
    measured in, stays the same): the first ``frozen`` rows do not move at all."""
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
            hidden = ((1 - w) * start + w * centres[labels] + rng.normal(scale=0.3, size=(n, DIM))).astype(np.float32)
            if frozen and t == frames - 1:
                hidden = before.copy()
                hidden[frozen:] = before[frozen + rng.permutation(n - frozen)]
            checkpoint.write("hidden", hidden)
            before = hidden
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
    assert again["key"] == built["key"]
    assert (again["spec"].spec, again["spec"].tables) == (built["spec"].spec, built["spec"].tables)
    assert again["spec"].packed and again["spec"].unpacked() == built["spec"].blob  # kept as sent: no gzip per server
    pd.testing.assert_frame_equal(again["metrics"], built["metrics"], check_dtype=False)

    stored.write_bytes(stored.read_bytes()[:-16])  # truncated: rebuilt, never half-drawn
    rebuilt = []
    monkeypatch.setattr(data, "_build_view", lambda *a, **k: rebuilt.append(1) or built)
    view(measured=True)
    assert rebuilt == [1]


def test_neighbour_index_is_built_once_reused_and_agrees_with_the_direct_query(run, monkeypatch):
    from hiddenrep.analysis import neighbor_table
    from hiddenrep.analysis import neighbors as neighbor_index

    direct = [neighbor_table(run, c.name, "e7", k=10, include_self=True) for c in run.checkpoints]
    neighbor_index.build_neighbor_index(run)
    built = {c.name: neighbor_index.stored_neighbors(run, c) for c in run.checkpoints}
    assert all(b is not None for b in built.values())
    indices, distances = built["0002"]
    assert indices.shape == (N, neighbor_index.INDEX_K) and (indices != np.arange(N)[:, None]).all()  # never itself
    assert (np.diff(distances, axis=1) >= 0).all()  # nearest first

    def no_scan(*args, **kwargs):
        raise AssertionError("a click computed every distance although the index was built")

    monkeypatch.setattr(neighbor_index, "_query", no_scan)
    for checkpoint, expected in zip(run.checkpoints, direct):
        pd.testing.assert_frame_equal(neighbor_table(run, checkpoint.name, "e7", k=10, include_self=True), expected)
    monkeypatch.setattr(neighbor_index, "exact_neighbors", lambda *a, **k: pytest.fail("a built index was rebuilt"))
    neighbor_index.build_neighbor_index(run)


def test_a_stale_or_damaged_neighbour_index_is_rebuilt(tmp_path):
    from hiddenrep.analysis import neighbors as neighbor_index

    run = _write_run(tmp_path / "a")
    neighbor_index.build_neighbor_index(run)
    first = run.checkpoints[0]
    key, indices_path, _ = neighbor_index._paths(run, first, "cosine")
    before = np.array(neighbor_index.stored_neighbors(run, first)[0])
    hidden = run.path / "checkpoints" / first.name / "hidden.npy"
    np.save(hidden, np.load(hidden)[::-1].copy())  # the checkpoint rewritten (rows reversed): its stamp changes
    assert neighbor_index.stored_neighbors(run, first) is None
    rebuilt, _ = neighbor_index.build_checkpoint_index(run, first)
    np.testing.assert_array_equal(rebuilt, (N - 1 - before)[::-1])  # the neighbours of the reversed rows
    assert neighbor_index.stored_neighbors(run, first) is not None
    indices_path.write_bytes(b"garbage")  # damaged: not read, rebuilt on request
    assert neighbor_index.stored_neighbors(run, first) is None
    assert neighbor_index.build_checkpoint_index(run, first)[0].shape == (N, neighbor_index.INDEX_K)

    other = _write_run(tmp_path / "b", seed=1)  # another run under the same id: not its index
    (other.path / "neighbors").mkdir()
    for path in neighbor_index._paths(run, first, "cosine"):
        (other.path / "neighbors" / path.name).write_bytes(path.read_bytes())
    assert neighbor_index.stored_neighbors(other, first.name) is None


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_index_search_matches_every_distance_computed(metric):
    """Enough points (5,000) that the index searches chunks of columns rather than sorting whole rows."""
    from hiddenrep.analysis.neighbors import INDEX_K, exact_neighbors
    from hiddenrep.analysis.neighbors import _query, _top

    vectors = np.random.default_rng(3).normal(size=(5000, 5)).astype(np.float32)
    indices, distances = exact_neighbors(vectors, INDEX_K, metric)
    for row in (0, 17, 2500, 4999):
        everything = _query(vectors, row, metric)
        np.testing.assert_array_equal(indices[row], _top(everything, INDEX_K))
        np.testing.assert_allclose(distances[row], everything[indices[row]], rtol=1e-6)


def test_big_image_runs_leave_images_out_of_the_chart_but_not_out_of_the_table(monkeypatch):
    from hiddenrep.ui import data

    fake = {"i0": 0, "i1": 1, "i2": 2}, np.random.default_rng(0).random((3, 28, 28))
    monkeypatch.setattr(data, "_image_inputs", lambda dataset: fake)
    data.example_images.clear()

    class Run:
        manifest = {"dataset": {"name": "some-images"}}

    examples = pd.DataFrame({"example_id": ["i0", "i1", "i2"], "text": "", "label_name": "a", "split": "train"})
    points, tooltip = data.chart_points(Run(), examples)
    assert tooltip[0] == "image" and points["image"].str.startswith("data:image/png").all()
    monkeypatch.setattr(data, "TOOLTIP_IMAGES_UP_TO", 2)
    points, tooltip = data.chart_points(Run(), examples)
    assert "image" not in tooltip and "image" not in points
    assert set(data.images_of("some-images", ["i2", "i0", "unknown"])) == {"i2", "i0"}
    data.example_images.clear()


def test_the_background_index_build_waits_while_a_page_runs(run, monkeypatch):
    """A click's rerun must not share the cores with the index build: the build stops between blocks of rows
    while any page runs and for BROWSER_GRACE seconds after (the browser draws meanwhile), then goes on."""
    import threading

    from hiddenrep.analysis import neighbors as neighbor_index
    from hiddenrep.ui import jobs

    monkeypatch.setattr(neighbor_index, "_BLOCK_BYTES", 4 * N * 50)  # 50 rows per block: 6 blocks
    monkeypatch.setattr(jobs, "GIVE_WAY_AT_MOST", 60.0)
    monkeypatch.setattr(jobs, "BROWSER_GRACE", 1.0)
    blocks = []
    done = threading.Event()

    def pause():
        jobs.give_way()
        blocks.append(1)

    def build():
        neighbor_index.build_checkpoint_index(run, run.checkpoints[0], pause=pause)
        done.set()

    with jobs.page_running():
        worker = threading.Thread(target=build, daemon=True)
        worker.start()
        assert not done.wait(0.5) and blocks == []  # waiting at its first block
    assert not done.wait(0.6) and blocks == []  # the page has ended: the browser's turn
    assert done.wait(30) and len(blocks) == 6
    assert neighbor_index.stored_neighbors(run, run.checkpoints[0]) is not None


QUICK = {"tsne": {"early_exaggeration_iter": 50, "n_iter": 100, "warm_iter": 50, "budget_iter": 60,
                  "budget_exaggeration_iter": 40}, "umap": {"budget_epochs": 50}}


@pytest.mark.parametrize("mode", ["budget", "warm"])
@pytest.mark.parametrize("method", ["tsne", "umap"])
def test_big_runs_fit_a_sample_and_place_the_rest_next_to_their_neighbours(run, monkeypatch, method, mode):
    """Above PLACE_ABOVE rows a frame is fitted on a seeded sample; every other point is placed among the
    fitted points of its own class (the clusters of the last checkpoint). Budget frames too: their chain runs
    on the sample."""
    from sklearn.neighbors import NearestNeighbors

    from hiddenrep.reduce import metrics as quality

    monkeypatch.setattr(project_module, "PLACE_ABOVE", 200)
    monkeypatch.setattr(project_module, "FIT_SAMPLE", 120)
    fitted = []
    original, budgeted = project_module._reducer, project_module._budgeted

    def spy(request, **kwargs):
        reducer = original(request, **kwargs)
        fit = reducer.fit_transform
        reducer.fit_transform = lambda X: fitted.append(len(X)) or fit(X)
        return reducer

    monkeypatch.setattr(project_module, "_reducer", spy)
    monkeypatch.setattr(project_module, "_budgeted", lambda request, before, after, previous:
                        fitted.append(len(after)) or budgeted(request, before, after, previous))
    proj = project_run(run, method=method, mode=mode, checkpoints=["0002", "0003"], params=QUICK[method],
                       cache=False, metrics=False)
    assert fitted == [120, 120]  # both frames (the warm or budget one too) fitted on the sample alone
    coords, labels = proj.coords[-1], np.arange(N) % 3
    sample = quality.sample_rows(N, seed=0, size=120)
    placed = np.setdiff1d(np.arange(N), sample)
    _, nearest = NearestNeighbors(n_neighbors=1).fit(coords[sample]).kneighbors(coords[placed])
    assert (labels[sample][nearest[:, 0]] == labels[placed]).mean() > 0.9
    again = project_run(run, method=method, mode=mode, checkpoints=["0002", "0003"], params=QUICK[method],
                        cache=False, metrics=False)
    np.testing.assert_array_equal(again.coords, proj.coords)  # seeded: the same sample, the same frames
    if mode == "budget":  # a placed row moves as far as the model moved it, not as far as its neighbours did
        still = _write_run(run.path.parent / "frozen", frozen=N // 2)  # half the rows did not move at the last step
        frames = project_run(still, method=method, mode=mode, checkpoints=["0002", "0003"], params=QUICK[method],
                             cache=False, metrics=False).coords
        moved = np.linalg.norm(frames[0] - frames[1], axis=1)  # a budget frame is drawn in the next one's axes
        still_moved, others_moved = np.median(moved[placed[placed < N // 2]]), np.median(moved[placed[placed >= N // 2]])
        assert still_moved < 0.2 * others_moved, (still_moved, others_moved)

    placed_entry = cached_frames(run, method=method, mode=mode).cache_path
    monkeypatch.setattr(project_module, "PLACE_NEIGHBORS", 5)  # placed another way: another entry
    assert cached_frames(run, method=method, mode=mode).cache_path != placed_entry
    monkeypatch.setattr(project_module, "PLACE_ABOVE", 10_000)  # every row fitted: never the placed frames' entry
    assert cached_frames(run, method=method, mode=mode).cache_path != placed_entry


@pytest.mark.parametrize("method", ["tsne", "umap"])
def test_placed_frames_are_nearly_as_trustworthy_as_frames_fitted_on_every_row(run, monkeypatch, method):
    # warm frames; budget frames' placed rows are also held to their budgets, which at this toy size (120 of 300
    # rows fitted, every point moving) costs 0.07-0.08: bench/scale.py measures them at 100k (0.959-0.960)
    from sklearn.manifold import trustworthiness

    hidden = np.asarray(run.load(run.checkpoints[-1], "hidden"))

    def trust_of_last_frame() -> float:
        proj = project_run(run, method=method, mode="warm", checkpoints=["0002", "0003"], params=QUICK[method],
                           cache=False, metrics=False)
        return trustworthiness(hidden, proj.coords[-1], n_neighbors=10)

    every_row = trust_of_last_frame()
    monkeypatch.setattr(project_module, "PLACE_ABOVE", 200)
    monkeypatch.setattr(project_module, "FIT_SAMPLE", 120)
    placed = trust_of_last_frame()
    assert placed > 0.9 and placed > every_row - 0.05, (placed, every_row)
