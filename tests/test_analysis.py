"""Neighbours and label issues: hand-made vectors with known neighbours, synthetic flipped labels."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from hiddenrep.analysis import (label_issues, nearest_neighbors, neighbor_table, neighborhood_change,
                                training_dynamics)
from hiddenrep.cli import main
from hiddenrep.data import synthetic
from hiddenrep.store import RunStore


# --- nearest_neighbors on hand-made vectors --------------------------------------------------------

def test_euclidean_neighbours_on_a_line_are_known():
    points = np.array([[0.0], [1.0], [3.0], [7.0], [15.0]])
    indices, distances = nearest_neighbors(points, k=2, metric="euclidean")
    assert indices.tolist() == [[1, 2], [0, 2], [1, 0], [2, 1], [3, 2]]
    np.testing.assert_allclose(distances, [[1, 3], [1, 2], [2, 3], [4, 6], [8, 12]])


def test_cosine_ignores_length_and_measures_angle():
    vectors = np.array([[1.0, 0.0], [2.0, 2.0], [0.0, 3.0], [-5.0, 0.0]])
    indices, distances = nearest_neighbors(vectors, k=3, metric="cosine")
    assert indices[0].tolist() == [1, 2, 3]
    np.testing.assert_allclose(distances[0], [1 - np.sqrt(0.5), 1.0, 2.0], atol=1e-12)


def test_a_point_is_never_its_own_neighbour_but_its_duplicate_is():
    vectors = np.array([[1.0, 1.0], [1.0, 1.0], [5.0, 0.0], [0.0, 5.0]])
    indices, distances = nearest_neighbors(vectors, k=3, metric="euclidean")
    assert not (indices == np.arange(4)[:, None]).any()
    assert indices[0, 0] == 1 and indices[1, 0] == 0
    assert distances[0, 0] == 0.0


def test_ties_are_broken_by_index_so_results_are_deterministic():
    points = np.array([[0.0], [-1.0], [1.0], [2.0]])
    indices, _ = nearest_neighbors(points, k=2, metric="euclidean")
    assert indices[0].tolist() == [1, 2]


def test_approximate_path_drops_self_even_when_a_duplicate_displaced_it(monkeypatch):
    """pynndescent's own accuracy is measured in bench/neighbors.py (its numba warm-up takes ~40 s)."""
    calls = []

    class FakeIndex:
        def __init__(self, data, **options):
            calls.append(options)
            self.neighbor_graph = (np.array([[1, 0, 2], [0, 2, 3], [2, 1, 0], [3, 2, 0]]), None)

    monkeypatch.setitem(sys.modules, "pynndescent", type(sys)("pynndescent"))
    monkeypatch.setattr(sys.modules["pynndescent"], "NNDescent", FakeIndex, raising=False)
    points = np.array([[0.0], [0.0], [1.0], [3.0]])
    indices, distances = nearest_neighbors(points, k=2, metric="euclidean", approximate=True, seed=7)
    assert indices.tolist() == [[1, 2], [0, 2], [0, 1], [2, 0]]
    np.testing.assert_allclose(distances, [[0, 1], [0, 1], [1, 1], [2, 3]])
    assert calls == [{"metric": "euclidean", "n_neighbors": 3, "random_state": 7, "n_jobs": 1}]


@pytest.mark.parametrize("vectors, k, metric, message", [
    (np.zeros(5), 2, "cosine", "2-D"),
    (np.zeros((3, 2)), 3, "cosine", "k must be between 1 and n_points - 1 = 2"),
    (np.zeros((3, 2)), 1, "manhattan", "metric must be one of"),
    (np.array([[0.0, np.nan], [1.0, 1.0]]), 1, "cosine", "NaN"),
])
def test_bad_input_says_what_is_wrong(vectors, k, metric, message):
    with pytest.raises(ValueError, match=message):
        nearest_neighbors(vectors, k=k, metric=metric)


# --- neighbor_table on a hand-made run -------------------------------------------------------------

@pytest.fixture(scope="module")
def line_run(tmp_path_factory):
    """Five points on a line at two checkpoints; between them point 'e' moves next to 'a'."""
    store = RunStore(tmp_path_factory.mktemp("line"))
    ids = ["a", "b", "c", "d", "e"]
    labels = np.array([0, 0, 1, 1, 1])
    examples = pd.DataFrame({"example_id": ids, "split": "train", "text": [f"text {i}" for i in ids],
                             "label": labels, "label_name": [["neg", "pos"][i] for i in labels]})
    writer = store.create("line", examples=examples, dataset={"name": "line", "class_names": ["neg", "pos"]},
                          model={}, config={}, seed=0)
    for epoch, positions in enumerate(([0.0, 1.0, 2.0, 3.0, 9.0], [0.0, 1.0, 2.0, 3.0, -0.5])):
        with writer.checkpoint(epoch=epoch, step=epoch * 10) as checkpoint:
            checkpoint.write("hidden", np.array(positions)[:, None])
            checkpoint.write("pred", np.array([0, 1, 1, 1, 0]))
    return writer.finish()


def test_neighbour_table_lists_the_nearest_with_who_joined_and_who_left(line_run):
    table = neighbor_table(line_run, 1, "a", k=2, metric="euclidean")
    assert list(table.columns) == ["rank", "example_id", "text", "label", "prediction", "correct", "distance",
                                   "change"]
    assert table["example_id"].tolist() == ["e", "b", "c"]
    assert table["change"].tolist() == ["joined", "stayed", "left"]
    assert table["rank"].tolist()[:2] == [1, 2] and pd.isna(table["rank"].iloc[2])
    np.testing.assert_allclose(table["distance"], [0.5, 1.0, 2.0])
    assert table["label"].tolist() == ["pos", "neg", "pos"]
    assert table["correct"].tolist() == [False, False, True]


def test_neighbour_table_at_the_first_checkpoint_has_nothing_to_compare(line_run):
    table = neighbor_table(line_run, 0, "a", k=2, metric="euclidean")
    assert table["example_id"].tolist() == ["b", "c"] and set(table["change"]) == {"stayed"}


def test_neighbour_table_unknown_id_names_an_example_id(line_run):
    with pytest.raises(LookupError, match="no example 'zz'.*'a'"):
        neighbor_table(line_run, -1, "zz")


def test_neighbour_table_matches_nearest_neighbors_on_a_trained_run(tiny_run):
    example = tiny_run.examples()["example_id"].iloc[7]
    table = neighbor_table(tiny_run, -1, example, k=5)
    indices, _ = nearest_neighbors(tiny_run.load(-1, "hidden"), k=5)
    stayed_or_joined = table[table["change"] != "left"]
    assert stayed_or_joined["example_id"].tolist() == tiny_run.examples()["example_id"].iloc[indices[7]].tolist()
    assert (table["change"] == "joined").sum() == (table["change"] == "left").sum()


def test_neighbourhood_change_on_the_line_is_known(line_run):
    # 'e' jumps from the far end to beside 'a': with k=2, a {b,c}->{e,b}, b {a,c}->{a,c}, c {b,d}->{b,d},
    # d {c,b}->{c,b}, e {d,c}->{a,b}.
    change = neighborhood_change(line_run, ["0000", "0001"], k=2, metric="euclidean")
    np.testing.assert_allclose(change, [[0, 0, 0, 0, 0], [0.5, 0, 0, 0, 1]])
    # Among a, b, e only, with k=1: a b->e, b a->a, e b->a.
    only_abe = neighborhood_change(line_run, ["0000", "0001"], rows=[0, 1, 4], k=1, metric="euclidean")
    np.testing.assert_allclose(only_abe[1], [1, 0, 1])


def test_neighbourhood_change_agrees_with_the_neighbour_table(tiny_run):
    names = [c.name for c in tiny_run.checkpoints]
    change = neighborhood_change(tiny_run, names)
    assert change.shape == (len(names), len(tiny_run.examples())) and not change[0].any()
    assert ((change >= 0) & (change <= 1)).all() and change[1:].any()
    ids = tiny_run.examples()["example_id"]
    for row in (0, 7, 21):
        table = neighbor_table(tiny_run, names[-1], ids.iloc[row])
        assert change[-1, row] == pytest.approx((table["change"] == "joined").sum() / 10)


# --- training dynamics with known answers ---------------------------------------------------------

def test_training_dynamics_known_values():
    # Two examples, two classes, three checkpoints. Example 0 is learned from epoch 2 on;
    # example 1 is right, then wrong, then right (learned from epoch 3, two flips).
    probs = np.array([[[0.6, 0.4], [0.3, 0.7]],
                      [[0.2, 0.8], [0.8, 0.2]],
                      [[0.1, 0.9], [0.4, 0.6]]])
    logits = np.log(probs)
    preds = probs.argmax(-1)
    dynamics = training_dynamics(probs, logits, preds, np.array([1, 1]), np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(dynamics["confidence"], [(0.4 + 0.8 + 0.9) / 3, (0.7 + 0.2 + 0.6) / 3])
    np.testing.assert_allclose(dynamics["variability"], [np.std([0.4, 0.8, 0.9]), np.std([0.7, 0.2, 0.6])])
    np.testing.assert_allclose(dynamics["aum"], np.log(probs[..., 1] / probs[..., 0]).mean(0))
    assert dynamics["first_epoch_learned"].tolist() == [2.0, 3.0]
    assert dynamics["prediction_flips"].tolist() == [1, 2]


# --- label issues on synthetic data with known flipped labels -------------------------------------

@pytest.fixture(scope="module")
def flipped_run(tmp_path_factory):
    from hiddenrep.training import TrainConfig, train

    data = synthetic(n=600, n_classes=3, flip_fraction=0.1, kind="text", seed=1)
    config = TrainConfig(dataset="synthetic", model="ffnn", epochs=6, hidden=16, batch_size=16, lr=5e-3)
    return train(config, data, store=RunStore(tmp_path_factory.mktemp("flipped"))), data


@pytest.fixture(scope="module")
def issues(flipped_run):
    return label_issues(flipped_run[0])


def test_flipped_labels_are_found_at_the_top(flipped_run, issues):
    flipped = flipped_run[1].metadata["flipped"].to_numpy()
    k = int(flipped.sum())
    top = issues["label_issue_score"].to_numpy().argsort(kind="stable")[:k]
    assert flipped[top].mean() >= 0.8
    assert roc_auc_score(flipped, -issues["label_issue_score"]) >= 0.95
    flagged = issues["is_label_issue"].to_numpy()
    assert flipped[flagged].mean() >= 0.8 and flagged[flipped].mean() >= 0.6


def test_label_issues_follow_the_per_example_contract(flipped_run, issues):
    run = flipped_run[0]
    assert issues["example_id"].tolist() == run.examples()["example_id"].tolist()
    assert issues["label_issue_score"].between(0, 1).all()
    assert issues["is_label_issue"].dtype == bool and issues["cleanlab_issue"].dtype == bool
    for column in ("text", "label", "prediction", "knn_agreement", "cleanlab_quality", "confidence", "variability",
                   "region", "aum", "first_epoch_learned", "prediction_flips"):
        assert column in issues.columns
    assert set(issues["region"]) <= {"easy-to-learn", "ambiguous", "hard-to-learn"}
    assert not issues.drop(columns="first_epoch_learned").isna().any().any()


def test_label_issues_are_deterministic(flipped_run, issues):
    pd.testing.assert_frame_equal(label_issues(flipped_run[0]), issues)


def test_an_earlier_checkpoint_uses_only_the_history_up_to_it(flipped_run, issues):
    early = label_issues(flipped_run[0], checkpoint=2)
    assert early["first_epoch_learned"].max() <= 2
    assert not np.allclose(early["confidence"], issues["confidence"])


def test_multilabel_runs_are_scored_by_their_most_suspicious_class(tmp_path):
    from hiddenrep.training import TrainConfig, train

    data = synthetic(n=300, n_classes=3, flip_fraction=0.1, kind="vector", multilabel=True, seed=0)
    run = train(TrainConfig(dataset="synthetic", model="mlp", epochs=8, hidden=16, batch_size=16, lr=5e-3), data,
                store=RunStore(tmp_path))
    issues = label_issues(run)
    assert issues["label_issue_score"].between(0, 1).all()
    assert issues["label"].str.contains(r"\+").any()
    flipped = data.metadata["flipped"].to_numpy()
    assert roc_auc_score(flipped, -issues["label_issue_score"]) > 0.9
    assert flipped[issues["is_label_issue"].to_numpy()].mean() >= 0.8


def test_a_run_without_predictions_says_what_it_needs(line_run):
    with pytest.raises(LookupError, match="no logits, probs arrays"):
        label_issues(line_run)


# --- CLI and imports -------------------------------------------------------------------------------

def test_cli_issues_prints_the_ranked_table(flipped_run, issues, capsys):
    run = flipped_run[0]
    assert main(["issues", run.id, "--top", "5", "--runs-dir", str(run.path.parent)]) == 0
    out = capsys.readouterr().out
    worst = issues.sort_values("label_issue_score", kind="stable")["example_id"].head(5)
    assert all(example in out for example in worst)
    assert issues.sort_values("label_issue_score", kind="stable")["example_id"].iloc[5] not in out


def test_cli_issues_unknown_run_is_a_message(tmp_path, capsys):
    assert main(["issues", "nope", "--runs-dir", str(tmp_path)]) == 2
    assert "hiddenrep runs" in capsys.readouterr().err


def test_analysis_does_not_import_torch():
    code = "import sys, hiddenrep.analysis; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
