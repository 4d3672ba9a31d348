"""hiddenrep.reduce: properties of layouts on seeded drifting blobs, never exact coordinates."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from hiddenrep.reduce import (DEFAULT_MODES, MODES, PCA, TSNE, UMAP, cached_frames, hidden_change, jitter,
                              procrustes, project_run)
from hiddenrep.reduce.metrics import neighbor_sets, overlap
from hiddenrep.reduce.reducers import exact_neighbors
from hiddenrep.store import RunStore

N_POINTS, N_CHECKPOINTS = 240, 4
FAST = {"tsne": {"early_exaggeration_iter": 80, "n_iter": 150, "warm_iter": 50}, "umap": {"n_epochs": 100},
        "pca": {}}


def blobs(n: int = N_POINTS, dim: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 4
    centres = rng.normal(scale=6.0, size=(4, dim))
    return (centres[labels] + rng.normal(size=(n, dim))).astype(np.float32), labels


@pytest.fixture(scope="module")
def blob_run(tmp_path_factory):
    """A run whose 4 blobs separate a little more at each checkpoint while the points drift."""
    x, labels = blobs()
    rng = np.random.default_rng(1)
    examples = pd.DataFrame({"example_id": [f"p{i}" for i in range(N_POINTS)],
                             "split": np.where(np.arange(N_POINTS) % 3 == 0, "validation", "train"),
                             "text": "", "label": labels, "label_name": [f"c{c}" for c in labels]})
    writer = RunStore(tmp_path_factory.mktemp("runs")).create(
        "blobs", examples=examples, dataset={"name": "blobs", "class_names": ["c0", "c1", "c2", "c3"]},
        model={}, config={}, seed=0)
    for step in range(N_CHECKPOINTS):
        with writer.checkpoint(epoch=step, step=step) as checkpoint:
            checkpoint.write("hidden", x * (1 + 0.2 * step) + rng.normal(scale=0.05, size=x.shape).astype(np.float32))
    return writer.finish()


@pytest.fixture(scope="module")
def projected(blob_run):
    """projected(method, mode): each uncached projection of the blob run computed once per module."""
    done = {}

    def get(method: str, mode: str):
        if (method, mode) not in done:
            done[method, mode] = project_run(blob_run, method=method, mode=mode, params=FAST[method], cache=False)
        return done[method, mode]

    return get


def knn_kept(hidden: np.ndarray, layout: np.ndarray) -> float:
    rows = np.arange(len(hidden))
    return float(overlap(neighbor_sets(hidden, rows), neighbor_sets(layout, rows)).mean())


@pytest.mark.parametrize("reducer", [PCA(), TSNE(early_exaggeration_iter=80, n_iter=150), UMAP(n_epochs=100)],
                         ids=["pca", "tsne", "umap"])
def test_reducers_keep_neighbours_and_repeat_with_the_same_seed(reducer):
    x, _ = blobs()
    first, second = reducer.fit_transform(x), reducer.fit_transform(x)
    assert first.shape == (N_POINTS, 2) and first.dtype == np.float32
    assert np.isfinite(first).all()
    np.testing.assert_array_equal(first, second)
    assert knn_kept(x, first) > (0.2 if isinstance(reducer, PCA) else 0.4)


def test_exact_neighbors_are_each_rows_nearest_rows_itself_first():
    x, _ = blobs(60)
    indices, distances = exact_neighbors(x, 5)
    d = np.linalg.norm(x[:, None] - x[None], axis=2)
    np.testing.assert_array_equal(indices[:, 0], np.arange(60))
    np.testing.assert_allclose(distances, np.sort(d, axis=1)[:, :5], atol=1e-4)
    np.testing.assert_allclose(np.take_along_axis(d, indices, axis=1), distances, atol=1e-4)


@pytest.mark.parametrize("method", ["tsne", "umap"])
def test_exact_knn_reducers_search_no_index_of_their_own(method, monkeypatch):
    """With ``exact_knn`` neither library's own neighbour search runs (UMAP's only runs from 4,096 rows on)."""
    import openTSNE.affinity
    import umap.umap_
    from sklearn.neighbors import NearestNeighbors

    def no_search(*args, **kwargs):
        raise AssertionError("the library searched neighbours itself")

    monkeypatch.setattr(openTSNE.affinity, "get_knn_index", no_search)
    monkeypatch.setattr(umap.umap_, "nearest_neighbors", no_search)
    x, labels = blobs(300 if method == "tsne" else 4200)
    make = {"tsne": lambda: TSNE(early_exaggeration_iter=80, n_iter=150, exact_knn=True),
            "umap": lambda: UMAP(n_epochs=30, exact_knn=True)}[method]
    first = make().fit_transform(x)
    np.testing.assert_array_equal(make().fit_transform(x), first)
    _, nearest = NearestNeighbors(n_neighbors=2).fit(first).kneighbors(first)
    assert (labels[nearest[:, 1]] == labels).mean() > 0.95  # the blobs stay apart on screen
    searching = {"tsne": TSNE(early_exaggeration_iter=0, n_iter=1), "umap": UMAP(n_epochs=1)}[method]
    with pytest.raises(AssertionError, match="searched"):  # without exact_knn the spy does catch the search
        searching.fit(x)


def test_pca_signs_do_not_depend_on_row_order_or_sign_of_data():
    x, _ = blobs()
    a = PCA().fit(x).components_
    np.testing.assert_allclose(PCA().fit(x[::-1]).components_, a, atol=1e-6)
    np.testing.assert_allclose(PCA().fit(-x).components_, a, atol=1e-6)  # flipped data, same axes


def test_three_components():
    x, _ = blobs()
    assert UMAP(3, n_epochs=50).fit_transform(x).shape == (N_POINTS, 3)


def test_reducers_reject_bad_input_with_a_reason():
    with pytest.raises(ValueError, match="NaN"):
        PCA().fit(np.full((5, 3), np.nan))
    with pytest.raises(ValueError, match="shape"):
        UMAP(init=np.zeros((3, 2))).fit(blobs()[0])


def test_metric_helpers_read_as_documented():
    x, _ = blobs()
    layout = PCA().fit_transform(x)
    rotation = np.array([[0.0, -1.0], [1.0, 0.0]])
    assert jitter(layout, 3 * layout @ rotation + 5) < 1e-6
    assert jitter(layout, np.random.default_rng(0).normal(size=layout.shape)) > 0.8
    np.testing.assert_allclose(procrustes(2 * layout @ rotation, layout), layout, atol=1e-4)
    assert hidden_change(x, x).max() == 0
    assert hidden_change(x, np.random.default_rng(0).permutation(x)).mean() > 0.8


@pytest.mark.parametrize("method,mode", [(m, mode) for m, modes in MODES.items() for mode in modes])
def test_every_mode_gives_finite_trustworthy_frames(blob_run, projected, method, mode):
    proj = projected(method, mode)
    assert proj.coords.shape == (N_CHECKPOINTS, N_POINTS, 2) and proj.coords.dtype == np.float32
    assert np.isfinite(proj.coords).all()
    assert proj.checkpoints == [c.name for c in blob_run.checkpoints] and proj.complete
    m = proj.metrics
    assert list(m.columns[:2]) == ["checkpoint", "epoch"] and len(m) == N_CHECKPOINTS
    assert (m.trustworthiness > 0.85).all() and (m.knn_kept > 0.2).all()
    assert m.jitter.isna().iloc[0] and m.jitter.iloc[1:].notna().all()
    assert ((m.hidden_change.iloc[1:] > 0) & (m.hidden_change.iloc[1:] < 1)).all()


@pytest.mark.parametrize("method,stable", [("tsne", "warm"), ("umap", "warm"), ("umap", "aligned")])
def test_stable_modes_jitter_less_than_independent(projected, method, stable):
    mean_jitter = {mode: projected(method, mode).metrics.jitter.mean() for mode in ("independent", stable)}
    assert mean_jitter[stable] < 0.8 * mean_jitter["independent"], mean_jitter


def test_same_seed_same_layout_and_other_seed_other_layout(blob_run):
    first = project_run(blob_run, method="umap", mode="warm", cache=False)
    again = project_run(blob_run, method="umap", mode="warm", cache=False)
    other = project_run(blob_run, method="umap", mode="warm", random_state=1, cache=False)
    np.testing.assert_array_equal(first.coords, again.coords)
    pd.testing.assert_frame_equal(first.metrics.drop(columns="seconds"), again.metrics.drop(columns="seconds"))
    assert not np.array_equal(first.coords, other.coords)


def test_subsets_of_checkpoints_and_examples(blob_run):
    proj = project_run(blob_run, method="pca", checkpoints=[0, "0003"], examples="validation", cache=False)
    validation = np.flatnonzero(blob_run.examples().split == "validation")
    np.testing.assert_array_equal(proj.rows, validation)
    assert proj.checkpoints == ["0000", "0003"] and proj.coords.shape == (2, len(validation), 2)
    mask = np.zeros(N_POINTS, bool)
    mask[:50] = True
    assert project_run(blob_run, method="pca", examples=mask, cache=False).coords.shape == (N_CHECKPOINTS, 50, 2)


@pytest.mark.parametrize("mode", ["budget", "warm"])
def test_cache_reuses_resumes_and_recovers_from_damage(blob_run, tmp_path, monkeypatch, mode):
    """A warm chain is cached from the first checkpoint on, a budget chain from the last one back: an interrupted
    or damaged entry keeps the valid frames on that side, and the chain resumes from them drawing exactly what
    an uninterrupted one draws."""
    from hiddenrep.reduce import project as project_module

    done = []
    full = project_run(blob_run, method="umap", mode=mode, cache=tmp_path, progress=lambda d, t: done.append((d, t)))
    assert done == [(i, N_CHECKPOINTS) for i in range(1, N_CHECKPOINTS + 1)]
    frames = sorted(full.cache_path.glob("frame-*.npz"))
    assert len(frames) == N_CHECKPOINTS
    names = [c.name for c in blob_run.checkpoints]
    backwards = mode == "budget"  # the default: it streams too
    assert DEFAULT_MODES["umap"] == "budget"

    frames[0 if backwards else -1].unlink()  # a run killed before its last frame
    frames[2 if backwards else 1].write_bytes(b"not an npz")  # a damaged file
    partial = cached_frames(blob_run, method="umap", mode=mode, cache=tmp_path)
    assert partial.checkpoints == (names[-1:] if backwards else names[:1]) and not partial.complete
    assert partial.first == (N_CHECKPOINTS - 1 if backwards else 0)

    shown = []
    again = project_run(blob_run, method="umap", mode=mode, cache=tmp_path,
                        on_frame=lambda p: shown.append(p.checkpoints))
    arriving = [names[-n:] if backwards else names[:n] for n in range(1, N_CHECKPOINTS + 1)]
    assert shown == [*arriving, names]  # each frame as it lands, then once more when the metrics are in
    np.testing.assert_array_equal(again.coords, full.coords)
    assert again.metrics_complete

    def no_compute(*args, **kwargs):
        raise AssertionError("a complete cache entry was recomputed")

    monkeypatch.setattr(project_module, "_layouts", no_compute)
    np.testing.assert_array_equal(project_run(blob_run, method="umap", mode=mode, cache=tmp_path).coords, full.coords)
    (full.cache_path / "key.json").write_text("{broken")
    assert cached_frames(blob_run, method="umap", mode=mode, cache=tmp_path).checkpoints == []


def test_default_cache_lives_beside_the_run(blob_run):
    proj = project_run(blob_run, method="pca", checkpoints=[0, 1])
    assert proj.cache_path.parent == blob_run.path / "projections"
    assert cached_frames(blob_run, method="pca", checkpoints=[0, 1]).complete


@pytest.mark.parametrize("kwargs,message", [
    ({"method": "pca", "mode": "warm"}, "supports"),
    ({"method": "lda"}, "method must be"),
    ({"method": "umap", "params": {"perplexity": 5}}, "Unknown umap parameter"),
    ({"method": "pca", "examples": np.ones(5, bool)}, "one entry per example"),
    ({"method": "pca", "examples": "test"}, "no 'test' examples"),
    ({"method": "pca", "checkpoints": ["9999"]}, "no checkpoint named"),
])
def test_bad_arguments_say_what_is_wrong(blob_run, kwargs, message):
    with pytest.raises((ValueError, LookupError), match=message):
        project_run(blob_run, cache=False, **kwargs)


def test_import_loads_neither_torch_nor_projection_libraries():
    code = ("import sys, hiddenrep.reduce; "
            "print([m for m in ('torch', 'umap', 'openTSNE', 'numba') if m in sys.modules])")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_cli_prints_per_frame_metrics(blob_run, capsys):
    from hiddenrep.cli import main

    assert main(["project", "blobs", "--runs-dir", str(blob_run.path.parent), "--method", "pca",
                 "--examples", "train"]) == 0
    out = capsys.readouterr().out
    assert "pca joint-pca" in out and "trustworthiness" in out and "hidden_change" in out
    assert len([line for line in out.splitlines() if line.strip().startswith("000")]) == N_CHECKPOINTS


def test_joint_pca_does_not_show_growing_activations_as_motion(projected):
    # The blob run's vectors grow 1.6x from the first checkpoint to the last while the points barely move
    # relative to each other: on screen the picture must keep its size (each checkpoint is divided by its
    # RMS radius, as motion fidelity measures hidden motion), not swell from a dot in the middle.
    coords = projected("pca", "joint-pca").coords
    spread = np.sqrt(((coords - coords.mean(axis=1, keepdims=True)) ** 2).sum(axis=2).mean(axis=1))
    assert spread.max() / spread.min() < 1.05, spread
