"""The README's "Record your own training loop" block, run verbatim inside a plain PyTorch MLP loop on
sklearn's digits, with the argument types a user naturally has (lists, "val" as a split name)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from torch import nn

from hiddenrep.data import LabeledData
from hiddenrep.store import COMPLETE, RunStore
from hiddenrep.training import Recorder

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_snippet() -> str:
    """The first python block after the "Record your own training loop" heading, exactly as written."""
    text = README.read_text("utf-8")
    after = text[text.index("**Record your own training loop**"):]
    return re.search(r"```python\n(.*?)```", after, re.S).group(1)


def digits_script() -> dict:
    """What a user's script has before pasting the snippet: data as lists, a plain MLP, a DataLoader."""
    torch.manual_seed(0)
    digits = load_digits()
    x = torch.tensor(digits.data / 16.0, dtype=torch.float32)
    y = torch.tensor(digits.target)
    rng = np.random.default_rng(0)
    split = ["val" if rng.random() < 0.2 else "train" for _ in range(len(y))]  # the name many scripts use
    train_rows = [i for i, s in enumerate(split) if s == "train"]
    return {
        "ids": list(range(len(y))),                          # plain ints
        "texts": [f"digit {d}" for d in digits.target],
        "labels": digits.target.tolist(),                     # a list
        "class_names": [str(d) for d in range(10)],
        "split": split,                                       # a list with "val"
        "model": nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)),
        "eval_inputs": x,
        "train_loader": torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(x[train_rows], y[train_rows]), batch_size=64, shuffle=True),
        "epochs": 3,
        "loss_fn": nn.CrossEntropyLoss(),
    }


@pytest.fixture
def digits_loop() -> dict:
    return digits_script()


def test_the_readme_snippet_records_a_plain_mlp_on_digits_as_pasted(digits_loop, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    scope = dict(digits_loop)
    scope["optimizer"] = torch.optim.Adam(scope["model"].parameters(), lr=1e-2)
    exec(compile(readme_snippet(), "README.md", "exec"), scope)

    run = RunStore("runs").open("my-run")
    assert run.status == COMPLETE and [c.step for c in run.checkpoints] == [0, 23, 46, 69]
    n_validation = digits_loop["split"].count("val")
    assert run.manifest["dataset"]["n_validation"] == n_validation > 300
    assert run.load(-1, "hidden").shape == (1797, 64)
    first, last = run.checkpoints[0].metrics, run.checkpoints[-1].metrics
    assert first["validation_acc"] < 0.3 < 0.9 < last["validation_acc"]  # it trained, and validation is scored
    assert set(run.examples()["example_id"]) == {str(i) for i in range(1797)}


def test_a_wrong_layer_name_says_which_exist_and_leaves_no_run(digits_loop, tmp_path):
    store = RunStore(tmp_path)
    data = LabeledData(name="digits", ids=digits_loop["ids"], inputs=digits_loop["texts"],
                       texts=digits_loop["texts"], labels=digits_loop["labels"],
                       class_names=digits_loop["class_names"], split=digits_loop["split"])
    model, inputs = digits_loop["model"], digits_loop["eval_inputs"]
    with pytest.raises(KeyError, match=r"no module named 'classifier.dense'.*'0', '1', '2'"):
        Recorder.start(store, "mine", model, data, inputs, layer="classifier.dense")
    assert store.list() == [] and not store.exists("mine")
    recorder = Recorder.start(store, "mine", model, data, inputs, layer="1")  # the same call, corrected
    recorder.record(epoch=0, step=0)
    assert recorder.finish().status == COMPLETE


def test_labeled_data_accepts_what_users_pass_and_refuses_a_mask_clearly():
    common = {"name": "d", "inputs": ["a", "b", "c", "d"], "texts": ["a", "b", "c", "d"], "class_names": ["no", "yes"]}
    data = LabeledData(ids=torch.arange(4), labels=["yes", "no", "no", "yes"],
                       split=["train", "dev", "Test", "validation"], **common)
    assert data.ids.tolist() == ["0", "1", "2", "3"] and data.labels.tolist() == [1, 0, 0, 1]
    assert data.split.tolist() == ["train", "validation", "validation", "validation"]
    data = LabeledData(ids=np.arange(4), labels=torch.tensor([1, 0, 1, 1]), split=np.array(["train"] * 4), **common)
    assert data.labels.dtype == np.int64 and (data.split == "train").sum() == 4
    with pytest.raises(ValueError, match="boolean mask.*np.where"):
        LabeledData(ids=list("wxyz"), labels=[0, 1, 0, 1], split=[True, False, False, True], **common)
    with pytest.raises(ValueError, match=r"split values \['holdout'\]"):
        LabeledData(ids=list("wxyz"), labels=[0, 1, 0, 1], split=["train", "holdout", "train", "train"], **common)
    with pytest.raises(ValueError, match=r"labels \['maybe'\] are not among class_names"):
        LabeledData(ids=list("wxyz"), labels=["yes", "maybe", "no", "no"], split=["train"] * 4, **common)
    with pytest.raises(ValueError, match="labels run from 0 to 2"):
        LabeledData(ids=list("wxyz"), labels=[0, 2, 1, 1], split=["train"] * 4, **common)
