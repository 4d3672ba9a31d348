"""Kill train / project / import at random moments and race identical trainings; count what survives.

    python bench/faults.py [--kills N] [--races M] [--seed S]

Each kill trial starts one `hiddenrep` command in a subprocess, SIGKILLs it at a random moment of its
(measured) run time, checks the runs directory (every run readable, no complete run lost), then runs
the same command again and checks that it succeeds and gives exactly the result of an uninterrupted
run (bit-identical arrays; the same projection). Train trials alternate between a fresh run and a
`--retrain` of a complete one (which must survive the kill). Each race trial starts two identical
`hiddenrep train` at once into an empty runs directory. Printed: trials, runs readable, runs lost,
tracebacks, and the failures, if any.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hiddenrep.store import COMPLETE, INTERRUPTED, RunStore  # noqa: E402

TRAIN = ["train", "--dataset", "synthetic", "--epochs", "3", "--hidden", "8"]
ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}


def hiddenrep(args: list[str], runs: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "hiddenrep.cli", *args, "--runs-dir", str(runs)], env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen) -> tuple[int, str]:
    out, err = process.communicate(timeout=600)
    return process.returncode, out + err


def timed(args: list[str], runs: Path) -> tuple[float, str]:
    started = time.perf_counter()
    code, output = finish(hiddenrep(args, runs))
    if code != 0:
        raise SystemExit(f"reference `hiddenrep {' '.join(args)}` failed:\n{output}")
    return time.perf_counter() - started, output


def arrays(run) -> list[np.ndarray]:
    return [np.asarray(run.load(c, "hidden")) for c in run.checkpoints]


class Tally:
    def __init__(self):
        self.trials = self.readable = self.lost = self.tracebacks = 0
        self.problems: list[str] = []

    def check_store(self, runs: Path, trial: str, must_stay_complete: str | None = None) -> None:
        """Every run readable (status complete/interrupted, arrays intact); a protected complete run kept."""
        found, damaged = RunStore(runs).scan()
        junk = [p.name for p in runs.iterdir() if p.name.startswith(".new-")] if runs.exists() else []
        for bad in damaged:
            self.problems.append(f"{trial}: damaged run {bad.id}: {bad.reason}")
        for run in found:
            try:
                run.check()
                if run.status not in (COMPLETE, INTERRUPTED):
                    raise ValueError(f"status {run.status}")
                self.readable += 1
            except (ValueError, LookupError) as error:
                self.problems.append(f"{trial}: run {run.id} unreadable: {error}")
        if must_stay_complete is not None and not any(r.id == must_stay_complete and r.status == COMPLETE
                                                      for r in found):
            self.lost += 1
            self.problems.append(f"{trial}: the complete run {must_stay_complete} was lost")
        if junk and must_stay_complete is None and not found:
            self.problems.append(f"{trial}: left {junk} but no run")

    def output(self, trial: str, output: str, code: int) -> None:
        if "Traceback" in output:
            self.tracebacks += 1
            self.problems.append(f"{trial}: traceback:\n{output[-1500:]}")
        if code != 0:
            self.problems.append(f"{trial}: exit code {code}:\n{output[-800:]}")


def kill_at_random(args: list[str], runs: Path, duration: float, rng: random.Random, tally: Tally, trial: str):
    process = hiddenrep(args, runs)
    time.sleep(rng.uniform(0.3, max(0.6, duration)))
    process.send_signal(signal.SIGKILL)
    _code, output = finish(process)
    if "Traceback" in output:
        tally.tracebacks += 1
        tally.problems.append(f"{trial}: traceback before the kill:\n{output[-1500:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=9, help="kill trials (train, project, import in turn)")
    parser.add_argument("--races", type=int, default=3, help="race trials (two identical trainings at once)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="hiddenrep-faults-"))
    tally = Tally()
    try:
        ref_runs = work / "reference"
        train_seconds, _ = timed(TRAIN, ref_runs)
        (reference,) = RunStore(ref_runs).list()
        expected = arrays(reference)
        project_args = ["project", reference.id, "--method", "tsne", "--examples", "validation"]
        project_seconds, _ = timed(project_args, ref_runs)
        from hiddenrep.reduce import project_run

        expected_coords = project_run(reference, method="tsne", examples="validation").coords
        exported = work / "exported"
        subprocess.run([sys.executable, "-m", "hiddenrep.cli", "export", reference.id, str(exported),
                        "--runs-dir", str(ref_runs)], env=ENV, check=True, capture_output=True)
        import_args = ["import", str(exported), "--run-id", "imported"]
        import_seconds, _ = timed(import_args, work / "import-reference")
        print(f"reference times: train {train_seconds:.1f} s, project (t-SNE) {project_seconds:.1f} s, "
              f"import {import_seconds:.1f} s", flush=True)

        for index in range(args.kills):
            kind = ("train", "project", "import")[index % 3]
            trial = f"kill {index + 1} ({kind})"
            runs = work / f"kill-{index}"
            tally.trials += 1
            if kind == "train":
                retrain = (index // 3) % 2 == 1
                if retrain:
                    shutil.copytree(reference.path, runs / reference.id)
                kill_at_random(TRAIN + (["--retrain"] if retrain else []), runs, train_seconds, rng, tally, trial)
                tally.check_store(runs, trial, must_stay_complete=reference.id if retrain else None)
                code, output = finish(hiddenrep(TRAIN, runs))
                tally.output(trial + " rerun", output, code)
                run = RunStore(runs).open(reference.id)
                same = run.status == COMPLETE and all(np.array_equal(a, b) for a, b in zip(arrays(run), expected)) \
                    and len(run.checkpoints) == len(expected)
            elif kind == "project":
                shutil.copytree(reference.path, runs / reference.id, ignore=shutil.ignore_patterns("projections"))
                kill_at_random(project_args, runs, project_seconds, rng, tally, trial)
                tally.check_store(runs, trial, must_stay_complete=reference.id)
                code, output = finish(hiddenrep(project_args, runs))
                tally.output(trial + " rerun", output, code)
                coords = project_run(RunStore(runs).open(reference.id), method="tsne", examples="validation").coords
                same = coords.shape == expected_coords.shape and np.allclose(coords, expected_coords, atol=1e-4)
            else:
                kill_at_random(import_args, runs, import_seconds, rng, tally, trial)
                tally.check_store(runs, trial)
                done = any(r.status == COMPLETE for r in RunStore(runs).list())  # killed after it finished
                code, output = finish(hiddenrep(import_args + (["--overwrite"] if done else []), runs))
                tally.output(trial + " rerun", output, code)
                run = RunStore(runs).open("imported")
                same = run.status == COMPLETE and all(np.array_equal(a, b) for a, b in zip(arrays(run), expected))
            if not same:
                tally.problems.append(f"{trial}: the rerun differs from an uninterrupted {kind}")
            tally.check_store(runs, trial + " after rerun")

        for index in range(args.races):
            trial = f"race {index + 1}"
            runs = work / f"race-{index}"
            tally.trials += 1
            processes = [hiddenrep(TRAIN, runs) for _ in range(2)]
            results = [finish(p) for p in processes]
            for number, (code, output) in enumerate(results):
                tally.output(f"{trial} process {number + 1}", output, code)
            found, damaged = RunStore(runs).scan()
            junk = [p.name for p in runs.iterdir() if p.name.startswith(".") and p.name != ".locks"]
            if len(found) != 1 or damaged or junk:
                tally.problems.append(f"{trial}: runs {[r.id for r in found]}, damaged {damaged}, junk {junk}")
            elif not all(np.array_equal(a, b) for a, b in zip(arrays(found[0]), expected)):
                tally.problems.append(f"{trial}: the run differs from an uninterrupted one")
            tally.check_store(runs, trial)
            said = " | ".join(line for _, output in results for line in output.splitlines() if "waiting" in line
                              or "reused" in line)
            print(f"{trial}: exit codes {[c for c, _ in results]}; {said or 'no process waited (one finished first)'}",
                  flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"trials: {tally.trials} ({args.kills} kills of train/project/import at random moments, "
          f"{args.races} races of two identical trainings)")
    print(f"runs readable: {tally.readable} (checked after every kill and every rerun)")
    print(f"runs lost: {tally.lost}")
    print(f"tracebacks: {tally.tracebacks}")
    print(f"problems: {len(tally.problems)}")
    for problem in tally.problems:
        print(" -", problem)


if __name__ == "__main__":
    main()
