"""Comparing two runs: class separation, neighbourhood agreement, joint projection (runs written by hand)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from hiddenrep.compare import (compare_runs, joint_projection, knn_votes, matched_rows, neighbourhood_agreement,
                               separation)
from hiddenrep.store import RunStore


def blobs(n=300, separated=True, seed=0):
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 3
    centres = rng.normal(size=(3, 16)) * (6.0 if separated else 0.0)
    return (centres[labels] + rng.normal(size=(n, 16))).astype(np.float32), labels


def make_run(store, run_id, hiddens, labels, order=None):
    """A run whose examples are e0..e{n-1} (rows in ``order``) with one checkpoint per hidden array."""
    order = np.arange(len(labels)) if order is None else order
    examples = pd.DataFrame({"example_id": [f"e{i}" for i in order], "split": "train",
                             "text": [f"text {i}" for i in order], "label": labels[order],
                             "label_name": [f"c{c}" for c in labels[order]]})
    writer = store.create(run_id, examples=examples, dataset={"name": "blobs", "class_names": ["c0", "c1", "c2"]},
                          model={"name": "hand"}, config={}, seed=0)
    for epoch, hidden in enumerate(hiddens):
        with writer.checkpoint(epoch=epoch, step=epoch) as checkpoint:
            checkpoint.write("hidden", hidden[order])
    return writer.finish()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return RunStore(tmp_path_factory.mktemp("runs"))


def test_separation_tells_blobs_from_noise():
    good, labels = blobs(separated=True)
    noise, _ = blobs(separated=False)
    separated = separation(good, labels, sample=200)
    mixed = separation(noise, labels, sample=200)
    assert separated["knn_accuracy"] > 0.95 and separated["silhouette"] > 0.4
    assert mixed["knn_accuracy"] < 0.5 and abs(mixed["silhouette"]) < 0.1


def test_votes_break_ties_towards_the_nearest_neighbour():
    labels = np.array([0, 0, 1, 1, 2])
    neighbors = np.array([[2, 0, 3, 1], [0, 2, 1, 3], [4, 4, 4, 0]])
    assert knn_votes(neighbors, labels, 3).tolist() == [1, 0, 2]


def test_agreement_is_the_mean_jaccard():
    a = np.array([[1, 2, 3, 4], [0, 2, 3, 4]])
    assert neighbourhood_agreement(a, a) == 1.0
    b = np.array([[5, 6, 7, 8], [4, 3, 9, 8]])  # row 0: none shared; row 1: 2 shared of 6 distinct
    assert neighbourhood_agreement(a, b) == pytest.approx((0 + 2 / 6) / 2)


def test_compare_aligns_rows_and_matches_epochs(store):
    early, labels = blobs(separated=False, seed=1)
    late, _ = blobs(separated=True, seed=2)
    a = make_run(store, "a", [early, late], labels)
    shuffled = make_run(store, "a-shuffled", [early, late], labels, order=np.random.default_rng(3).permutation(300))
    table = compare_runs(a, shuffled, sample=150)
    assert list(table["epoch"]) == [0.0, 1.0]
    np.testing.assert_allclose(table["agreement"], 1.0)  # same vectors in another row order
    np.testing.assert_allclose(table["knn_accuracy_a"], table["knn_accuracy_b"])
    assert table["knn_accuracy_a"].iloc[1] > table["knn_accuracy_a"].iloc[0] + 0.4
    assert table["silhouette_a"].iloc[1] > table["silhouette_a"].iloc[0]


def test_different_examples_are_refused(store):
    hidden, labels = blobs(n=30)
    fewer = make_run(store, "fewer", [hidden[:20]], labels[:20])
    full = make_run(store, "full", [hidden], labels)
    with pytest.raises(ValueError, match=r"not on the same examples: 0 of A's are not in B .* 10 of B's not in A"):
        matched_rows(fewer, full)


def test_joint_projection_undoes_rotation(store):
    hidden, labels = blobs(seed=4)
    rotation, _ = np.linalg.qr(np.random.default_rng(5).normal(size=(16, 16)))
    order = np.random.default_rng(6).permutation(300)
    a = make_run(store, "joint-a", [hidden], labels)
    b = make_run(store, "joint-b", [(hidden @ rotation).astype(np.float32) * 3], labels, order=order)
    joint = joint_projection(a, b, method="pca")
    assert joint.coords.shape == (2, 300, 2)
    assert joint.disparity < 1e-6
    np.testing.assert_allclose(joint.coords[1], joint.coords[0], atol=1e-3 * np.abs(joint.coords).max())
    assert (b.examples()["example_id"].to_numpy()[joint.rows_b] == a.examples()["example_id"].to_numpy()).all()
    other = make_run(store, "joint-c", [blobs(seed=7)[0]], labels)
    assert joint_projection(a, other, examples="train").disparity > 0.05


def test_compare_animate_and_words_import_no_torch():
    code = ("import sys, hiddenrep.compare, hiddenrep.animate, hiddenrep.words; "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
