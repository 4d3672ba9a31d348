import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import torch

from hiddenrep.data import synthetic
from hiddenrep.store import CANCELLED, COMPLETE, INTERRUPTED, RunStore
from hiddenrep.training import Recorder, TrainConfig, train

def test_run_records_every_example_at_every_checkpoint(tiny_run, tiny_text):
    assert tiny_run.status == COMPLETE
    assert [c.epoch for c in tiny_run.checkpoints] == [0, 1, 2, 3]
    hidden = tiny_run.stack("hidden")
    assert hidden.shape == (4, len(tiny_text), 16) and np.isfinite(hidden).all()
    probs = tiny_run.load(-1, "probs")
    assert np.allclose(probs.sum(1), 1, atol=1e-5)
    assert np.array_equal(tiny_run.load(-1, "pred"), probs.argmax(1))
    examples = tiny_run.examples()
    assert examples["example_id"].tolist() == tiny_text.ids.tolist()
    assert set(examples["split"]) == {"train", "validation"}
    assert (tiny_run.path / "model.safetensors").exists() and (tiny_run.path / "vocabulary.json").exists()


def test_training_learns(tiny_run):
    first, last = tiny_run.checkpoints[0].metrics, tiny_run.checkpoints[-1].metrics
    assert last["train_loss"] < first["train_loss"]
    assert last["validation_acc"] > 0.6  # 3 classes, 10% flipped labels


def test_same_seed_same_run_different_seed_different_run(tmp_path, tiny_text, tiny_config):
    runs = [train(tiny_config, tiny_text, store=RunStore(tmp_path / str(i))) for i in range(2)]
    for name in ("hidden", "logits", "loss"):
        assert np.array_equal(runs[0].stack(name), runs[1].stack(name))
    assert (runs[0].path / "model.safetensors").read_bytes() == (runs[1].path / "model.safetensors").read_bytes()
    other = train(tiny_config, tiny_text, store=RunStore(tmp_path / "2"), seed=1)
    assert other.id != runs[0].id and not np.array_equal(other.load(-1, "hidden"), runs[0].load(-1, "hidden"))


def test_identical_config_is_reused_not_retrained(tiny_run, tiny_text, tiny_config):
    store = RunStore(tiny_run.path.parent)
    before = (tiny_run.path / "manifest.json").stat().st_mtime_ns
    again = train(tiny_config, tiny_text, store=store)
    assert again.id == tiny_run.id and (tiny_run.path / "manifest.json").stat().st_mtime_ns == before


def test_every_steps_adds_checkpoints_with_fractional_epochs(tmp_path, tiny_text):
    run = train(TrainConfig(dataset="synthetic", model="mlp", epochs=2, every_steps=2, batch_size=64),
                synthetic(n=300, kind="vector"), store=RunStore(tmp_path))
    steps = [c.step for c in run.checkpoints]
    assert steps == sorted(steps) and len(steps) == len(set(steps))
    assert steps[:3] == [0, 2, 4] and any(c.epoch != int(c.epoch) for c in run.checkpoints)


def test_multilabel_uses_sigmoid_outputs(tmp_path):
    data = synthetic(n=200, n_classes=3, multilabel=True)
    run = train(TrainConfig(dataset="synthetic", model="ffnn", epochs=2, hidden=8), data, store=RunStore(tmp_path))
    probs = run.load(-1, "probs")
    assert probs.shape == (200, 3) and not np.allclose(probs.sum(1), 1)
    assert run.load(-1, "pred").shape == (200, 3) and run.multilabel


def test_cancel_marks_the_run_cancelled(tmp_path, tiny_text, tiny_config):
    cancel = threading.Event()

    def stop_after_first_checkpoint(event):
        if event.kind == "checkpoint":
            cancel.set()

    run = train(tiny_config, tiny_text, store=RunStore(tmp_path), callbacks=[stop_after_first_checkpoint], cancel=cancel)
    assert run.status == CANCELLED and len(run.checkpoints) == 1
    resumed = train(tiny_config, tiny_text, store=RunStore(tmp_path))  # a cancelled run is replaced, not reused
    assert resumed.status == COMPLETE and len(resumed.checkpoints) == 4


def test_recorder_in_a_plain_torch_loop(tmp_path):
    """The README's snippet: record any model from your own loop via a named layer."""
    data = synthetic(n=120, kind="vector")
    x = torch.from_numpy(data.inputs)
    y = torch.from_numpy(data.labels)
    model = torch.nn.Sequential(torch.nn.Linear(16, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    recorder = Recorder.start(RunStore(tmp_path), "my-run", model, data, x, layer="1")
    optimiser = torch.optim.SGD(model.parameters(), lr=0.1)
    recorder.record(epoch=0, step=0)
    for epoch in range(2):
        loss = torch.nn.functional.cross_entropy(model(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        recorder.record(epoch=epoch + 1, step=epoch + 1)
    run = recorder.finish()
    assert run.load(-1, "hidden").shape == (120, 8) and len(run.checkpoints) == 3


def test_recorder_names_the_layers_when_one_is_missing(tmp_path):
    model = torch.nn.Sequential(torch.nn.Linear(16, 3))
    with pytest.raises(KeyError, match="pass layer= one of: '0'"):
        Recorder.start(RunStore(tmp_path), "x", model, synthetic(n=10, kind="vector"), torch.zeros(10, 16),
                       layer="hidden")
    assert RunStore(tmp_path).list() == []  # checked before the run is created


def test_sigkill_never_leaves_a_complete_run(tmp_path):
    """Kill a training process mid-run: the run reads as interrupted and the store still loads."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "hiddenrep.cli", "train", "--dataset", "synthetic", "--model", "ffnn",
         "--epochs", "500", "--runs-dir", str(tmp_path)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 60
        while time.time() < deadline and len(list(tmp_path.glob("*/checkpoints/0001"))) == 0:
            time.sleep(0.1)
        assert list(tmp_path.glob("*/checkpoints/0001")), "training never wrote a checkpoint"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    runs = RunStore(tmp_path).list()
    assert len(runs) == 1 and runs[0].status == INTERRUPTED
    assert runs[0].load(-1, "hidden").shape[0] == 600
