"""Command line: ``hiddenrep train | runs | delete | datasets | project | import | export | app | issues``."""

from __future__ import annotations

import argparse
import math
import signal
import sys
import time
from collections.abc import Callable

from .models import EMBEDDINGS, MODELS
from .reduce import DEFAULT_MODES, METHODS, MODES
from .store import RunStore, default_runs_dir
from .training import TrainConfig

Command = Callable[[argparse.Namespace], int]
DEFAULTS = TrainConfig()  # every training default is stated once, there


def _runs_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs-dir", default=None, help=f"where runs live (default: {default_runs_dir()})")


def cmd_train(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .data import load_dataset
    from .training import TrainEvent, train

    # Ctrl-C (and the app's Cancel, a SIGINT) marks the run cancelled. A process started in the background
    # by a shell (`nohup hiddenrep app &`) inherits SIGINT *ignored*, and Python then never raises
    # KeyboardInterrupt: put the handler back so Cancel always works.
    signal.signal(signal.SIGINT, signal.default_int_handler)

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)  # two trainings side by side: one thread each, not two spinning

    config = TrainConfig(dataset=args.dataset, model=args.model, epochs=args.epochs, hidden=args.hidden,
                         every_steps=args.every_steps, seed=args.seed, batch_size=args.batch_size, lr=args.lr,
                         embeddings=args.embeddings, max_len=args.max_len)
    data = load_dataset(args.dataset, progress=lambda message: print(message, file=sys.stderr))
    bar = tqdm(total=0, unit="step", desc=f"{args.model} on {args.dataset}", file=sys.stderr)

    def show(event: TrainEvent) -> None:
        bar.total = event.total_steps
        if event.kind == "step":
            bar.update(1)
            bar.set_postfix(loss=f"{event.loss:.3f}", refresh=False)
        elif event.kind == "wait":
            bar.write(event.message)
        elif event.kind == "checkpoint" and event.metrics:
            acc = event.metrics.get("validation_acc")
            bar.write(f"checkpoint epoch {event.epoch:g}: validation accuracy {acc:.3f}" if acc is not None
                      else f"checkpoint epoch {event.epoch:g}")

    store = RunStore(args.runs_dir)
    started = time.time()
    try:
        follow = [w.strip().lower() for w in (args.follow or "").split(",") if w.strip()]
        run = train(config, data, store=store, callbacks=[show], retrain=args.retrain,
                    record_words=follow or args.words)
    except KeyboardInterrupt:
        bar.close()
        print("Cancelled: the run is marked cancelled and will be replaced by the next identical train.",
              file=sys.stderr)
        return 130
    bar.close()
    final = run.checkpoints[-1].metrics.get("validation_acc") if run.checkpoints else None
    reused = run.manifest.get("created_at", 0) < started and not args.retrain
    print(f"run {run.id}: {run.status}, {len(run.checkpoints)} checkpoints"
          + (f", validation accuracy {final:.3f}" if final is not None else "")
          + (" (reused: this exact run was already recorded)" if reused else ""))
    print(f"stored in {run.path}")
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    store = RunStore(args.runs_dir)
    runs, damaged = store.scan()
    if not runs and not damaged:
        print(f"No runs in {store.root}. Make one with: hiddenrep train --dataset movie-sentences")
        return 0
    print(f"{'run':48} {'status':12} {'ckpts':>5} {'val acc':>8}")
    for run in runs:
        acc = run.checkpoints[-1].metrics.get("validation_acc") if run.checkpoints else None
        print(f"{run.id:48} {run.status:12} {len(run.checkpoints):>5} {'' if acc is None else f'{acc:.3f}':>8}")
    for bad in damaged:
        print(f"{bad.id:48} {'damaged':12} {'':>5} {'':>8}  {bad.reason}")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    store = RunStore(args.runs_dir)
    for run_id in args.run_ids:
        store.delete(run_id)
        print(f"deleted run {run_id} from {store.root}")
    return 0


def cmd_datasets(args: argparse.Namespace) -> int:
    from .data import DATASETS

    print(f"{'dataset':18} {'kind':6} {'cached':6} source / description")
    for info in DATASETS.values():
        cached = "yes" if info.is_cached() else "no"
        print(f"{info.name:18} {info.modality:6} {cached:6} {info.source}: {info.description}")
    return 0


def cmd_project(args: argparse.Namespace) -> int:
    from .reduce import project_run

    run = RunStore(args.runs_dir).open(args.run_id)
    checkpoints = None if not args.checkpoints else [int(c) if c.lstrip("-").isdigit() else c
                                                     for c in args.checkpoints.split(",")]
    started = time.perf_counter()
    proj = project_run(run, method=args.method, mode=args.mode, checkpoints=checkpoints,
                       examples=None if args.examples == "all" else args.examples, n_components=args.components,
                       random_state=args.seed, cache=not args.no_cache,
                       progress=lambda done, total: print(f"frame {done}/{total}", file=sys.stderr))
    print(f"{run.id}: {proj.method} {proj.mode}, {proj.coords.shape[1]} points, {len(proj.checkpoints)} frames, "
          f"{time.perf_counter() - started:.1f} s" + (f" (cache {proj.cache_path})" if proj.cache_path else ""))
    print(proj.metrics.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    return 0


def _epochs(text: str) -> list[float]:
    try:
        epochs = [float(e) for e in text.split(",")]
    except ValueError:
        raise ValueError(f"--epochs {text!r}: give comma-separated numbers, one per file (e.g. 0,1,2).") from None
    if not all(math.isfinite(e) for e in epochs):
        raise ValueError(f"--epochs {text!r}: every epoch must be a finite number (not nan or inf).")
    return epochs


def cmd_import(args: argparse.Namespace) -> int:
    from .io import import_run

    run = import_run(
        args.files[0] if len(args.files) == 1 else args.files, store=RunStore(args.runs_dir), run_id=args.run_id,
        metadata=args.metadata,
        epochs=_epochs(args.epochs) if args.epochs else None,
        class_names=args.class_names.split(",") if args.class_names else None, name=args.name,
        max_bytes=int(args.max_mb * 2**20), max_total_bytes=int(args.max_total_mb * 2**20), probe=not args.no_probe, overwrite=args.overwrite,
        progress=lambda message: print(message, file=sys.stderr),
    )
    print(f"run {run.id}: {len(run.checkpoints)} checkpoints of {run.load(0, 'hidden').shape[1]}-dim vectors, "
          f"{run.manifest['dataset']['n_examples']} examples")
    print(f"stored in {run.path}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from .io import export_run

    run = RunStore(args.runs_dir).open(args.run_id)
    checkpoints = [int(c) if c.lstrip("-").isdigit() else c for c in args.checkpoints.split(",")] \
        if args.checkpoints else None
    folder = export_run(run, args.out, format=args.format, array=args.array, checkpoints=checkpoints)
    print(f"exported {run.id} ({args.format}) to {folder}")
    if args.format == "tensorboard":
        print(f"open it with: tensorboard --logdir {folder}  (Projector tab)")
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    import os
    import subprocess
    from pathlib import Path

    runs_dir = Path(args.runs_dir)
    if not runs_dir.is_dir():
        raise ValueError(f"{runs_dir} is not a folder of runs; give the folder that holds the run directories "
                         "(the --runs-dir of `hiddenrep train`, or the folder your Recorder wrote to).")
    app = Path(__file__).resolve().parent.parent / "streamlit_app.py"
    if not app.exists():
        raise RuntimeError(f"{app} not found: `hiddenrep app` runs from a checkout of hiddenrep "
                           "(pip install -e .), where streamlit_app.py sits beside the package.")
    command = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(args.port)]
    if args.headless:
        command += ["--server.headless", "true"]
    print(f"hiddenrep app on {runs_dir.resolve()} at http://localhost:{args.port}", file=sys.stderr)
    # cwd: Streamlit reads the checkout's .streamlit/config.toml (offline: no usage statistics) from there.
    return subprocess.run(command, cwd=app.parent,
                          env={**os.environ, "HIDDENREP_RUNS": str(runs_dir.resolve())}).returncode


def cmd_issues(args: argparse.Namespace) -> int:
    import shutil

    from .analysis import label_issues

    run = RunStore(args.runs_dir).open(args.run)
    table = label_issues(run).sort_values("label_issue_score", kind="stable")
    checkpoint = run.checkpoint(-1)
    print(f"run {run.id}, {checkpoint.label}: {int(table['is_label_issue'].sum())} of {len(table)} examples "
          f"flagged as label issues; the {min(args.top, len(table))} most suspect (score: lower = more suspect):")
    top = table.head(args.top)
    w = {c: max(len(c), *top[c].astype(str).str.len()) for c in ("example_id", "split", "label", "prediction")}
    print(f"{'score':>6} flag {'example_id':{w['example_id']}} {'split':{w['split']}} {'label':>{w['label']}} "
          f"{'prediction':>{w['prediction']}}  text")
    width = max(20, shutil.get_terminal_size((120, 20)).columns - 16 - sum(w.values()))
    for row in top.itertuples():
        text = " ".join(str(row.text).split())
        text = text if len(text) <= width else text[: width - 1] + "…"
        print(f"{row.label_issue_score:6.3f} {'*' if row.is_label_issue else '':4} {row.example_id:{w['example_id']}} "
              f"{row.split:{w['split']}} {row.label:>{w['label']}} {row.prediction:>{w['prediction']}}  {text}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hiddenrep", description="Watch a neural network learn.")
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a built-in model and record every checkpoint")
    by_modality: dict[str, list[str]] = {}
    for model, modalities in MODELS.items():
        for modality in modalities:
            by_modality.setdefault(modality, []).append(model)
    train.add_argument("--dataset", default=DEFAULTS.dataset, help="see `hiddenrep datasets` (default: %(default)s)")
    train.add_argument("--model", default=DEFAULTS.model, metavar="MODEL",
                       help="; ".join(f"{', '.join(names)} ({modality})" for modality, names in by_modality.items())
                       + " (default: %(default)s)")
    train.add_argument("--epochs", type=int, default=DEFAULTS.epochs)
    train.add_argument("--hidden", type=int, default=DEFAULTS.hidden, help="size of the recorded hidden layer")
    train.add_argument("--every-steps", type=int, default=DEFAULTS.every_steps, help="also record every K steps")
    train.add_argument("--seed", type=int, default=DEFAULTS.seed)
    train.add_argument("--max-len", type=int, default=DEFAULTS.max_len, help="text models: tokens kept per example")
    train.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default, one per core)")
    train.add_argument("--batch-size", type=int, default=DEFAULTS.batch_size)
    train.add_argument("--lr", type=float, default=DEFAULTS.lr)
    train.add_argument("--retrain", action="store_true", help="train again even if this exact run is complete")
    train.add_argument("--embeddings", choices=EMBEDDINGS, default=DEFAULTS.embeddings,
                       help="text models: start the token embeddings from GloVe 50-d (glove-50d) or at random")
    train.add_argument("--words", action="store_true",
                       help="text models: also record lexicon words' embedding rows per checkpoint (<run id>.words)")
    train.add_argument("--follow", default="", metavar="WORD,WORD",
                       help="with --words (implied): also record these words (the seed's food, ramen, pork, "
                            "restaurant and table always are, when the vocabulary has them)")
    _runs_dir_option(train)
    train.set_defaults(func=cmd_train)

    runs = commands.add_parser("runs", help="list runs with status and final accuracy")
    _runs_dir_option(runs)
    runs.set_defaults(func=cmd_runs)

    delete = commands.add_parser("delete", help="delete runs (damaged ones too; not one a live process writes)")
    delete.add_argument("run_ids", nargs="+", metavar="RUN")
    _runs_dir_option(delete)
    delete.set_defaults(func=cmd_delete)

    datasets = commands.add_parser("datasets", help="list built-in datasets and whether each is cached")
    datasets.set_defaults(func=cmd_datasets)

    project = commands.add_parser("project", help="project a run's checkpoints to 2-D and print per-frame metrics")
    project.add_argument("run_id")
    project.add_argument("--method", choices=METHODS, default=METHODS[0])
    project.add_argument("--mode", choices=sorted({mode for modes in MODES.values() for mode in modes}),
                         help="default: the method's stable mode ("
                              + ", ".join(f"{method} {mode}" for method, mode in DEFAULT_MODES.items()) + ")")
    project.add_argument("--examples", choices=["all", "train", "validation"], default="all")
    project.add_argument("--checkpoints", help="comma-separated positions or names (default: all)")
    project.add_argument("--components", type=int, choices=[2, 3], default=2)
    project.add_argument("--seed", type=int, default=0)
    project.add_argument("--no-cache", action="store_true", help="neither read nor write the projection cache")
    _runs_dir_option(project)
    project.set_defaults(func=cmd_project)

    imports = commands.add_parser("import", help="import vectors recorded elsewhere (CSV, TSV, NPY, Parquet, "
                                                 "TensorBoard projector) as a run")
    imports.add_argument("files", nargs="+", help="one file per checkpoint, or a folder (a metadata.* file in it "
                                                  "is the per-example table)")
    imports.add_argument("--metadata", help="per-example table: id, text, label or labels, split, other columns")
    imports.add_argument("--run-id", help="default: import-<folder or first file name>")
    imports.add_argument("--epochs", help="comma-separated epoch of each file (default: from the file names)")
    imports.add_argument("--class-names", help="comma-separated class names (integer labels index into them)")
    imports.add_argument("--name", default="imported", help="dataset name shown in the app")
    imports.add_argument("--max-mb", type=float, default=512, help="largest file accepted, in MiB")
    imports.add_argument("--max-total-mb", type=float, default=4096,
                         help="largest import accepted (all files, zip members unpacked), in MiB")
    imports.add_argument("--no-probe", action="store_true", help="skip the linear-probe predictions")
    imports.add_argument("--overwrite", action="store_true",
                         help="replace a run with the same id (the old one stays until the new one is complete)")
    _runs_dir_option(imports)
    imports.set_defaults(func=cmd_import)

    export = commands.add_parser("export", help="export a run as CSV, Parquet or a TensorBoard projector folder")
    export.add_argument("run_id")
    export.add_argument("out", help="a new (or empty) folder")
    export.add_argument("--format", choices=["csv", "parquet", "tensorboard"], default="csv")
    export.add_argument("--array", default="hidden", help="which array per checkpoint (hidden, probs, logits)")
    export.add_argument("--checkpoints", help="comma-separated positions or names (default: all)")
    _runs_dir_option(export)
    export.set_defaults(func=cmd_export)

    app = commands.add_parser("app", help="open the app on a folder of runs (e.g. recorded by your own loop)")
    app.add_argument("runs_dir", nargs="?", default=str(default_runs_dir()))
    app.add_argument("--port", type=int, default=8501)
    app.add_argument("--headless", action="store_true", help="do not open a browser")
    app.set_defaults(func=cmd_app)

    issues = commands.add_parser("issues", help="rank a run's examples by how likely their label is wrong")
    issues.add_argument("run", help="run id (see `hiddenrep runs`)")
    issues.add_argument("--top", type=int, default=20, help="how many examples to print")
    _runs_dir_option(issues)
    issues.set_defaults(func=cmd_issues)
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
