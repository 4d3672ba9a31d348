"""Record hidden representations from your own PyTorch training loop with hiddenrep's Recorder.

    python examples/record_pytorch_loop.py --runs-dir runs      # MNIST digits, a small MLP
    hiddenrep app runs                                         # then look at it

Three calls are all it takes: ``Recorder.start`` (creates the run), ``recorder.record`` (after each
epoch, or every N steps) and ``recorder.finish``. The model needs a module whose output (or input)
is the representation to record; here it is ``model.hidden``.
"""

from __future__ import annotations

import argparse

import torch
from torch import nn

from hiddenrep.data import TRAIN, load_dataset
from hiddenrep.store import FAILED, RunStore
from hiddenrep.training import Recorder


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="mnist-5k", help="an image or vector dataset, e.g. mnist-5k")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--runs-dir", default="runs")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    data = load_dataset(args.dataset, **({"kind": "vector"} if args.dataset == "synthetic" else {}))
    inputs = torch.from_numpy(data.inputs).flatten(1)
    labels = torch.from_numpy(data.labels)
    model = nn.Sequential()  # any model: hiddenrep only needs the name of the layer to record
    model.add_module("body", nn.Sequential(nn.Linear(inputs.shape[1], 128), nn.ReLU()))
    model.add_module("hidden", nn.Sequential(nn.Linear(128, 32), nn.ReLU()))
    model.add_module("head", nn.Linear(32, data.n_classes))
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    train_rows = torch.from_numpy((data.split == TRAIN).nonzero()[0])

    run_id = f"loop-{args.dataset}-seed{args.seed}"
    recorder = Recorder.start(RunStore(args.runs_dir), run_id, model, data, inputs, layer="hidden",
                              model_name="my-mlp", seed=args.seed, overwrite=True)
    try:
        recorder.record(epoch=0, step=0)  # before training: the starting point of every animation
        step = 0
        for epoch in range(1, args.epochs + 1):
            model.train()
            for batch in train_rows[torch.randperm(len(train_rows))].split(64):
                loss = nn.functional.cross_entropy(model(inputs[batch]), labels[batch])
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                step += 1
            recorder.record(epoch=epoch, step=step)  # evaluates every example in eval mode, then restores
    except BaseException as error:
        recorder.finish(FAILED, error=repr(error))
        raise
    run = recorder.finish()
    print(f"run {run.id}: {run.status}, {len(run.checkpoints)} checkpoints, validation accuracy "
          f"{run.checkpoints[-1].metrics['validation_acc']:.3f}")
    print(f"open it with: hiddenrep app {args.runs_dir}")
    return run.id


if __name__ == "__main__":
    main()
