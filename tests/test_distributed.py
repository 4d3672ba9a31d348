"""DistributedRecorder under DDP: two CPU processes (gloo) record what one process would, and a rank
that fails mid-checkpoint leaves no torn checkpoint behind."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn

from hiddenrep.data import synthetic
from hiddenrep.store import RunStore
from hiddenrep.training import Recorder
from hiddenrep.training.distributed import DistributedRecorder


def make_model(n_in: int, n_out: int) -> nn.Module:
    torch.manual_seed(0)
    model = nn.Sequential()
    model.add_module("body", nn.Linear(n_in, 32))
    model.add_module("hidden", nn.Sequential(nn.Linear(32, 8), nn.ReLU()))
    model.add_module("head", nn.Linear(8, n_out))
    return model


def worker(rank: int, world: int, root: str) -> None:
    dist.init_process_group("gloo", init_method=f"file://{root}/rendezvous", rank=rank, world_size=world)
    try:
        data = synthetic(n=300, n_classes=3, kind="vector", seed=0)  # 300 rows / 64 = 5 batches: uneven rounds
        inputs = torch.from_numpy(data.inputs)
        model = nn.parallel.DistributedDataParallel(make_model(16, 3))
        store = RunStore(os.path.join(root, "runs"))
        recorder = DistributedRecorder.start(store, "ddp", model, data, inputs, batch_size=64)
        recorder.record(epoch=0, step=0)

        original = model.module.head.forward
        if rank == 1:  # the second checkpoint fails on one rank only
            model.module.head.forward = lambda x: (_ for _ in ()).throw(RuntimeError("rank 1 broke"))
        with pytest.raises(RuntimeError, match="rank 1 broke" if rank == 1 else "Another rank failed"):
            recorder.record(epoch=1, step=5)
        model.module.head.forward = original

        recorder.record(epoch=2, step=10)
        run = recorder.finish()
        if rank == 0:
            assert [c.epoch for c in run.checkpoints] == [0.0, 2.0]  # the failed one never appeared
            leftovers = [p.name for p in (run.path / "checkpoints").iterdir() if p.name.startswith(".")]
            assert not leftovers, leftovers
            single = Recorder.start(RunStore(os.path.join(root, "single")), "one", model.module, data, inputs)
            single.record(epoch=2, step=10)
            reference = single.finish()
            for name in ("hidden", "logits", "probs", "loss", "pred"):
                np.testing.assert_allclose(run.load(-1, name), reference.load(-1, name), rtol=1e-6, atol=1e-6)
            assert run.checkpoints[-1].metrics == pytest.approx(reference.checkpoints[-1].metrics)
        else:
            assert run is None
    finally:
        dist.destroy_process_group()


def test_two_ranks_record_what_one_process_records_and_failures_leave_no_torn_checkpoint(tmp_path):
    mp.spawn(worker, args=(2, str(tmp_path)), nprocs=2)
    assert RunStore(tmp_path / "runs").open("ddp").is_complete


def test_needs_an_initialised_process_group(tmp_path):
    data = synthetic(n=10, kind="vector")
    with pytest.raises(RuntimeError, match="init_process_group"):
        DistributedRecorder.start(RunStore(tmp_path), "x", make_model(16, 3), data, torch.from_numpy(data.inputs))
