"""Train-and-record benchmark: wall time, accuracy and the cost of recording one checkpoint.

Prints, for the default run (movie-sentences, ffnn, 10 epochs, every example recorded) and for
bilstm: wall seconds, seconds per epoch, final validation accuracy, and the time to record one
checkpoint as a ratio to a bare evaluation forward pass over the same examples, measured side by
side. Targets (2 cores, data cached): ffnn run <= 20 s, recording <= 1.2x a bare forward pass.

    python bench/train.py [--epochs 10] [--models ffnn bilstm] [--repeats 15]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import torch
from safetensors.torch import load_file

from hiddenrep.data import load_dataset
from hiddenrep.models import HIDDEN_LAYER, build_model
from hiddenrep.store import RunStore
from hiddenrep.training import Recorder, TrainConfig, train


def bare_forward(model: torch.nn.Module, inputs: torch.Tensor, batch_size: int) -> None:
    model.eval()
    with torch.no_grad():
        for batch in inputs.split(batch_size):
            model(batch)


def recording_ratio(model, data, inputs, store: RunStore, repeats: int) -> tuple[float, float]:
    """Median seconds of one recorded checkpoint and of a bare forward pass, interleaved."""
    recorder = Recorder.start(store, "recording-cost", model, data, inputs, layer=HIDDEN_LAYER, overwrite=True)
    recorded, bare = [], []
    for i in range(repeats):
        start = time.perf_counter()
        bare_forward(model, inputs, recorder.batch_size)
        bare.append(time.perf_counter() - start)
        start = time.perf_counter()
        recorder.record(epoch=i, step=i)
        recorded.append(time.perf_counter() - start)
    recorder.finish()
    return statistics.median(recorded), statistics.median(bare)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--models", nargs="+", default=["ffnn", "bilstm"])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()

    data = load_dataset("movie-sentences")
    print(f"movie-sentences: {len(data)} examples recorded per checkpoint, torch threads {torch.get_num_threads()}")
    print(f"{'model':8} {'wall s':>8} {'s/epoch':>8} {'val acc':>8} {'record ms':>10} {'forward ms':>11} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as root:
        store = RunStore(root)
        for name in args.models:
            config = TrainConfig(dataset="movie-sentences", model=name, epochs=args.epochs)
            start = time.perf_counter()
            run = train(config, data, store=store, retrain=True)
            wall = time.perf_counter() - start
            accuracy = run.checkpoints[-1].metrics["validation_acc"]
            prepared = build_model(name, data, hidden=config.hidden)
            prepared.model.load_state_dict(load_file(str(run.path / "model.safetensors")))
            recorded, bare = recording_ratio(prepared.model, data, prepared.inputs, store, args.repeats)
            print(f"{name:8} {wall:8.2f} {wall / args.epochs:8.2f} {accuracy:8.3f} {recorded * 1e3:10.1f} "
                  f"{bare * 1e3:11.1f} {recorded / bare:6.2f}x")
    print("wall s includes building the vocabulary, 11 recorded checkpoints and saving weights.")


if __name__ == "__main__":
    main()
