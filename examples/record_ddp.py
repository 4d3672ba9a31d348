"""Record hidden representations while training with DistributedDataParallel (two CPU processes, gloo).

    python examples/record_ddp.py --runs-dir runs --world-size 2
    hiddenrep app runs

Each rank trains on its shard and evaluates its share of the examples at every checkpoint;
rank 0 assembles them into one checkpoint (written atomically, so never a torn one).
"""

from __future__ import annotations

import argparse
import os
import tempfile

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn

from hiddenrep.data import TRAIN, synthetic
from hiddenrep.store import FAILED, RunStore
from hiddenrep.training.distributed import DistributedRecorder


def worker(rank: int, world: int, init_file: str, args: argparse.Namespace) -> None:
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    try:
        torch.manual_seed(args.seed)  # same initial weights on every rank
        data = synthetic(n=args.n, n_classes=3, kind="vector", seed=args.seed)
        inputs, labels = torch.from_numpy(data.inputs), torch.from_numpy(data.labels)
        net = nn.Sequential()
        net.add_module("body", nn.Sequential(nn.Linear(inputs.shape[1], 64), nn.ReLU()))
        net.add_module("hidden", nn.Sequential(nn.Linear(64, 16), nn.ReLU()))
        net.add_module("head", nn.Linear(16, data.n_classes))
        model = nn.parallel.DistributedDataParallel(net)
        optimiser = torch.optim.Adam(model.parameters(), lr=5e-3)
        train_rows = torch.from_numpy((data.split == TRAIN).nonzero()[0])
        shard = train_rows[rank::world]  # each rank trains on its own shard

        recorder = DistributedRecorder.start(RunStore(args.runs_dir), args.run_id, model, data, inputs,
                                             batch_size=128, model_name="ddp-mlp", seed=args.seed, overwrite=True)
        try:
            recorder.record(epoch=0, step=0)
            step = 0
            for epoch in range(1, args.epochs + 1):
                model.train()
                generator = torch.Generator().manual_seed(args.seed + epoch)
                for batch in shard[torch.randperm(len(shard), generator=generator)].split(32):
                    loss = nn.functional.cross_entropy(model(inputs[batch]), labels[batch])
                    optimiser.zero_grad()
                    loss.backward()
                    optimiser.step()
                    step += 1
                recorder.record(epoch=epoch, step=step)
        except BaseException as error:
            recorder.finish(FAILED, error=repr(error))
            raise
        run = recorder.finish()
        if run is not None:
            print(f"run {run.id}: {run.status}, {len(run.checkpoints)} checkpoints from {world} processes, "
                  f"validation accuracy {run.checkpoints[-1].metrics['validation_acc']:.3f}")
    finally:
        dist.destroy_process_group()


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--world-size", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--n", type=int, default=1000, help="number of examples")
    parser.add_argument("--runs-dir", default="runs")
    parser.add_argument("--run-id", default="ddp-synthetic")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        mp.spawn(worker, args=(args.world_size, os.path.join(tmp, "rendezvous"), args), nprocs=args.world_size)
    return args.run_id


if __name__ == "__main__":
    main()
