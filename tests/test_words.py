"""Word embeddings: real GloVe vectors, word lists, GloVe-initialised models, the recorded `.words` run."""

from __future__ import annotations

import dataclasses
import json
import threading

import numpy as np
import pytest
from safetensors.numpy import load_file

from hiddenrep.store import RunStore
from hiddenrep.training import TrainConfig, train
from hiddenrep.words import (find_words, load_glove, nearest_words, nearest_words_by_checkpoint, word_distances,
                             word_table, words_run)


def cosine_nearest(vectors, row, k):
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    similarity = unit @ unit[row]
    similarity[row] = -np.inf
    return np.argsort(-similarity, kind="stable")[:k]


@pytest.fixture(scope="module")
def glove_config(tiny_config):
    return dataclasses.replace(tiny_config, embeddings="glove-50d")


@pytest.fixture(scope="module")
def words_store(tmp_path_factory):
    return RunStore(tmp_path_factory.mktemp("word-runs"))


@pytest.fixture(scope="module")
def glove_run(glove_config, tiny_text, words_store):
    return train(glove_config, tiny_text, store=words_store, record_words=True)


def test_glove_is_the_real_memory_mapped_file():
    glove = load_glove()
    assert glove.vectors.shape == (400_000, 50) and isinstance(glove.vectors, np.memmap)
    assert not glove.vectors.flags.writeable
    found, vectors = glove.lookup(["food", "no-such-word-xyz", "ramen"])
    assert found.tolist() == [True, False, True] and vectors.shape == (2, 50)
    window = np.asarray(glove.vectors[:20_000])  # the 20k most frequent words
    near = [glove.words[i] for i in cosine_nearest(window, glove.index["food"], 10)]
    assert {"meat", "foods"} <= set(near)  # glove.6B.50d, not random numbers


def test_glove_config_is_checked(tiny_config):
    with pytest.raises(ValueError, match="needs embedding_dim=50"):
        TrainConfig(embeddings="glove-50d", embedding_dim=32)
    with pytest.raises(ValueError, match="embeddings must be one of"):
        TrainConfig(embeddings="word2vec")


def test_glove_initialises_known_tokens(tiny_text):
    import torch

    from hiddenrep.models import build_model

    torch.manual_seed(0)
    prepared = build_model("ffnn", tiny_text, embeddings="glove-50d")
    weights = prepared.model.embedding.weight.detach().numpy()
    tokens = prepared.vocabulary.tokens
    found, vectors = load_glove().lookup(tokens)
    assert found.sum() > 20 and (~found).sum() > 20  # filler words are in GloVe, "amber3" etc. are not
    np.testing.assert_array_equal(weights[found], vectors)
    assert (weights[0] == 0).all()  # padding
    assert 0.5 < weights[~found][1:].std() / vectors.std() < 1.5  # unknown words start at GloVe's spread
    with pytest.raises(ValueError, match="applies to the ffnn and bilstm"):
        build_model("mlp", tiny_text, embeddings="glove-50d")


@pytest.mark.network
def test_word_lists_classify_the_seed_words():
    table = word_table(["fuck", "ramen", "pork", "good", "bad", "table"]).set_index("word")
    assert table["word_class"].tolist() == ["profane", "food", "food", "positive", "negative", "other"]
    assert table.loc["good", "vader"] == pytest.approx(1.9) and table.loc["bad", "afinn"] == -3
    assert np.isnan(table.loc["table", "vader"]) and not table.loc["table", "profane"]
    assert word_table(["bad"], sentiment="afinn")["word_class"].tolist() == ["negative"]


@pytest.mark.network
def test_words_run_holds_the_embedding_rows(glove_run, words_store):
    words = words_run(glove_run)
    assert words.id == f"{glove_run.id}.words" and words.is_complete
    assert words.manifest["words_of"] == glove_run.id
    assert [c.epoch for c in words.checkpoints] == [c.epoch for c in glove_run.checkpoints]
    examples = words.examples()
    assert (examples["example_id"] == examples["text"]).all()
    assert set(examples["label_name"]) <= {"profane", "food", "negative", "positive", "other"}
    tokens = json.loads((glove_run.path / "vocabulary.json").read_text())["tokens"]
    rows = [tokens.index(w) for w in examples["example_id"]]
    final = load_file(glove_run.path / "model.safetensors")["embedding.weight"]
    np.testing.assert_array_equal(words.load(-1, "hidden"), final[rows])  # the last checkpoint = trained weights
    start = words.load(0, "hidden")
    in_glove = examples["meta:in_glove"].to_numpy()
    assert in_glove.any()
    np.testing.assert_array_equal(start[in_glove], load_glove().lookup(list(examples["example_id"][in_glove]))[1])
    assert not np.array_equal(start, words.load(-1, "hidden"))  # training moved them


@pytest.mark.network
def test_nearest_words_per_checkpoint(glove_run):
    words = words_run(glove_run)
    vocabulary = words.examples()["example_id"].tolist()
    target = "amber0"
    table = nearest_words(glove_run, -1, target, k=5)
    assert table["rank"].dropna().tolist() == [1, 2, 3, 4, 5]
    ranked = table[table["rank"].notna()]
    assert target not in ranked["word"].tolist() and ranked["distance"].is_monotonic_increasing
    expected = cosine_nearest(np.asarray(words.load(-1, "hidden"), dtype=np.float64), vocabulary.index(target), 5)
    assert ranked["word"].tolist() == [vocabulary[i] for i in expected]
    drift = nearest_words_by_checkpoint(glove_run, target, k=5)
    assert len(drift) == len(words.checkpoints) and drift["nearest"].iloc[-1] == ", ".join(ranked["word"])
    assert find_words(glove_run, "amber0")[0] == "amber0"  # exact match first
    assert sorted(find_words(glove_run, " AMB")) == [f"amber{i}" for i in range(8)]
    assert find_words(glove_run, "r0") == []  # whole words: nothing matched inside a word ("table" → "forgettable")
    assert find_words(glove_run, "ramen") == []  # never a word that was not recorded
    distances = word_distances(glove_run, [("amber0", "amber1"), ("amber0", "amber0")])
    assert len(distances) == 2 * len(words.checkpoints) and distances["pair"].iloc[0] == "amber0 – amber1"
    vectors = np.asarray(words.load(-1, "hidden"), dtype=np.float64)
    a, b = vectors[vocabulary.index("amber0")], vectors[vocabulary.index("amber1")]
    final = distances[distances["pair"] == "amber0 – amber1"]["distance"].iloc[-1]
    assert final == pytest.approx(1 - a @ b / np.linalg.norm(a) / np.linalg.norm(b))
    assert distances[distances["pair"] == "amber0 – amber0"]["distance"].abs().max() < 1e-9
    with pytest.raises(LookupError, match="'ramen' not among"):
        word_distances(glove_run, [("amber0", "ramen")])
    with pytest.raises(LookupError, match="Did you mean: amber"):
        nearest_words(glove_run, -1, "ambr0")


@pytest.mark.network
def test_words_run_is_reused_made_and_cancelled_with_its_run(glove_config, tiny_text, tmp_path):
    store = RunStore(tmp_path)
    plain = train(glove_config, tiny_text, store=store)  # no words yet
    with pytest.raises(LookupError, match="record_words=True"):
        words_run(plain)
    created = plain.manifest["created_at"]
    run = train(glove_config, tiny_text, store=store, record_words=["the", "and", "amber1", "nope"])
    assert run.manifest["created_at"] != created  # retrained to record the words
    recorded = words_run(run).examples()["example_id"].tolist()
    assert {"the", "and", "amber1"} <= set(recorded) and "nope" not in recorded
    assert words_run(run).manifest["not_in_vocabulary"] == ["nope", "food", "ramen", "pork", "restaurant", "table"]
    again = train(glove_config, tiny_text, store=store, record_words=True)
    assert again.manifest["created_at"] == run.manifest["created_at"]  # reused: run and words exist
    again = train(glove_config, tiny_text, store=store, record_words=["amber1", "nope"])
    assert again.manifest["created_at"] == run.manifest["created_at"]  # reused: every asked word is accounted for

    cancel = threading.Event()

    def stop(event):
        if event.kind == "step" and event.step == 3:
            cancel.set()

    kept = train(glove_config, tiny_text, store=store, record_words=True, retrain=True, callbacks=[stop],
                 cancel=cancel)  # a cancelled retrain keeps the complete run and its words (issue #15)
    assert kept.status == "complete" and kept.manifest["created_at"] == run.manifest["created_at"]
    assert words_run(kept).status == "complete"
    store.delete(words_run(kept).id)
    store.delete(kept.id)
    cancel.clear()
    cancelled = train(glove_config, tiny_text, store=store, record_words=True, callbacks=[stop], cancel=cancel)
    assert cancelled.status == "cancelled" and words_run(cancelled).status == "cancelled"
