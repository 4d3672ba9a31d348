"""Command line: ``hiddenrep train | runs | datasets``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from .store import RunStore, default_runs_dir

Command = Callable[[argparse.Namespace], int]


def _runs_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs-dir", default=None, help=f"where runs live (default: {default_runs_dir()})")


def cmd_train(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .data import load_dataset
    from .training import TrainConfig, TrainEvent, train

    config = TrainConfig(dataset=args.dataset, model=args.model, epochs=args.epochs, hidden=args.hidden,
                         every_steps=args.every_steps, seed=args.seed, batch_size=args.batch_size, lr=args.lr)
    data = load_dataset(args.dataset, progress=lambda message: print(message, file=sys.stderr))
    bar = tqdm(total=0, unit="step", desc=f"{args.model} on {args.dataset}", file=sys.stderr)

    def show(event: TrainEvent) -> None:
        bar.total = event.total_steps
        if event.kind == "step":
            bar.update(1)
            bar.set_postfix(loss=f"{event.loss:.3f}", refresh=False)
        elif event.kind == "checkpoint" and event.metrics:
            acc = event.metrics.get("validation_acc")
            bar.write(f"checkpoint epoch {event.epoch:g}: validation accuracy {acc:.3f}" if acc is not None
                      else f"checkpoint epoch {event.epoch:g}")

    store = RunStore(args.runs_dir)
    try:
        run = train(config, data, store=store, callbacks=[show], retrain=args.retrain)
    except KeyboardInterrupt:
        bar.close()
        print("Cancelled: the run is marked cancelled and will be replaced by the next identical train.",
              file=sys.stderr)
        return 130
    bar.close()
    final = run.checkpoints[-1].metrics.get("validation_acc") if run.checkpoints else None
    print(f"run {run.id}: {run.status}, {len(run.checkpoints)} checkpoints"
          + (f", validation accuracy {final:.3f}" if final is not None else ""))
    print(f"stored in {run.path}")
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    runs = RunStore(args.runs_dir).list()
    if not runs:
        print(f"No runs in {RunStore(args.runs_dir).root}. Make one with: hiddenrep train --dataset movie-sentences")
        return 0
    print(f"{'run':48} {'status':12} {'ckpts':>5} {'val acc':>8}")
    for run in runs:
        acc = run.checkpoints[-1].metrics.get("validation_acc") if run.checkpoints else None
        print(f"{run.id:48} {run.status:12} {len(run.checkpoints):>5} {'' if acc is None else f'{acc:.3f}':>8}")
    return 0


def cmd_datasets(args: argparse.Namespace) -> int:
    from .data import DATASETS

    print(f"{'dataset':18} {'kind':6} {'cached':6} source / description")
    for info in DATASETS.values():
        cached = "yes" if info.is_cached() else "no"
        print(f"{info.name:18} {info.modality:6} {cached:6} {info.source}: {info.description}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hiddenrep", description="Watch a neural network learn.")
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a built-in model and record every checkpoint")
    train.add_argument("--dataset", default="movie-sentences")
    train.add_argument("--model", default="ffnn", help="ffnn, bilstm (text); mlp, cnn (images)")
    train.add_argument("--epochs", type=int, default=10)
    train.add_argument("--hidden", type=int, default=64, help="size of the recorded hidden layer")
    train.add_argument("--every-steps", type=int, default=0, help="also record every K steps")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--batch-size", type=int, default=64)
    train.add_argument("--lr", type=float, default=2e-3)
    train.add_argument("--retrain", action="store_true", help="train again even if this exact run is complete")
    _runs_dir_option(train)
    train.set_defaults(func=cmd_train)

    runs = commands.add_parser("runs", help="list runs with status and final accuracy")
    _runs_dir_option(runs)
    runs.set_defaults(func=cmd_runs)

    datasets = commands.add_parser("datasets", help="list built-in datasets and whether each is cached")
    datasets.set_defaults(func=cmd_datasets)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, KeyError, LookupError, FileExistsError, RuntimeError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"hiddenrep: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
