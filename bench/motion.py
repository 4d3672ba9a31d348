"""Motion benchmark: when a point moves on screen, did the model move it? (issue #11)

For each run (validation rows only, every checkpoint), side by side in one process, method x mode:
median motion fidelity ρₜ over transitions (Spearman of hidden-space δH against on-screen δL), the
lowest ρₜ of any transition (a median can hide a transition whose motion says nothing), the pooled ρ over
all transitions, median ρ against the neighbourhood version of δH (share of 10 hidden
neighbours changed), mean trustworthiness, projection seconds (metrics excluded) and the static
ratio: how far the mode moves points between two copies of the run's last checkpoint, over the
projection-noise floor (independent layouts of that checkpoint with seeds 0 and 1; independent itself
with one seed moves nothing there, so it shows nan). The mover AUROC column comes from the
synthetic ground-truth control (10 % known movers, the rest fixed up to a random rotation + rescale of
the hidden basis per checkpoint; the same for every run): how well on-screen displacement finds the movers.
Finally a "target met / missed by" line per target for the motion-faithful mode (``budget``: backwards from
the last checkpoint's layout, each point moves on screen at most a budget that grows with how far the
model moved it, its scale steered per transition to keep that transition's ρₜ at a floor,
:mod:`hiddenrep.reduce.budget`) of t-SNE and UMAP,
their stable default since round 2, session 5. ``anchored`` is left out of the table (last session's rows:
README; on the default run its UMAP took ~5x warm's time), ask for it with --modes.

Runs (trained here unless an identical run is already in --runs-dir):
  default  movie-sentences, ffnn, 10 epochs (the app's default run)
  mnist    mnist-5k, mlp, 10 epochs
  bilstm   movie-sentences, bilstm, 5 epochs, hidden 32, embedding_dim 32, max_len 32 (small enough
           to train in minutes on 2 shared cores)

    python bench/motion.py [--runs-dir DIR] [--runs default mnist bilstm] [--methods tsne umap] [--modes ...]
                           [--rows N]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from hiddenrep.reduce import DEFAULT_MODES, project_run
from hiddenrep.reduce.metrics import jitter, motion_summary, sample_rows
from hiddenrep.reduce.synthetic import mover_auroc, movers_run, static_run
from hiddenrep.store import RunStore

RUNS = {
    "default": dict(dataset="movie-sentences", model="ffnn", epochs=10),
    "mnist": dict(dataset="mnist-5k", model="mlp", epochs=10),
    "bilstm": dict(dataset="movie-sentences", model="bilstm", epochs=5, hidden=32, embedding_dim=32, max_len=32),
}
CANDIDATE = "budget"
MODES = {"pca": ("joint-pca",), "tsne": ("budget", "warm", "independent"), "umap": ("budget", "warm", "independent")}


def trained(runs_dir: str, name: str):
    from hiddenrep.training import TrainConfig, train

    return train(TrainConfig(**RUNS[name]), store=RunStore(runs_dir))


ROWS: int | None = None  # --rows: a seeded sample of the validation rows (None: all of them)


def validation_rows(run) -> np.ndarray:
    rows = np.flatnonzero(run.examples()["split"].to_numpy() == "validation")
    if ROWS is None or len(rows) <= ROWS:
        return rows
    return np.sort(np.random.default_rng(0).choice(rows, ROWS, replace=False))


def measure(run, method: str, mode: str, floor: float) -> dict:
    proj = project_run(run, method=method, mode=mode, examples=validation_rows(run), cache=False)
    sample = sample_rows(len(proj.rows))
    hidden = [np.asarray(run.load(c, "hidden")[proj.rows[sample]], dtype=np.float64) for c in proj.checkpoints]
    summary = motion_summary(hidden, [frame[sample] for frame in proj.coords])
    m = proj.metrics
    return {"median": summary["median"], "min": float(np.nanmin(summary["per_transition"])),
            "pooled": summary["pooled"], "knn": m.motion_fidelity_knn.median(),
            "trust": m.trustworthiness.mean(), "seconds": m.seconds.sum(),
            "static": static_movement(run, method, mode) / floor if mode != "independent" and floor > 0 else np.nan}


def last_hidden(run) -> np.ndarray:
    return np.asarray(run.load(run.checkpoints[-1], "hidden")[validation_rows(run)])


def static_movement(run, method: str, mode: str) -> float:
    """Jitter between two copies of the last checkpoint in a row (independent with one seed: 0 by definition)."""
    twice = project_run(static_run(last_hidden(run)), method=method, mode=mode, cache=False).coords
    return jitter(twice[0], twice[1])


def noise_floor(run, method: str) -> float:
    """Jitter between independent layouts of the last checkpoint with seeds 0 and 1: the model did not move."""
    hidden = static_run(last_hidden(run))
    a, b = (project_run(hidden, method=method, mode="independent", checkpoints=["0000"], random_state=seed,
                        cache=False).coords[0] for seed in (0, 1))
    return jitter(a, b)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs-dir", default=os.environ.get("HIDDENREP_RUNS") or "runs")
    parser.add_argument("--runs", nargs="+", default=list(RUNS), choices=list(RUNS))
    parser.add_argument("--methods", nargs="+", default=list(MODES), choices=list(MODES))
    parser.add_argument("--modes", nargs="+", help="t-SNE/UMAP modes to compare (default: budget warm independent; "
                        "the candidate and independent are always measured)")
    parser.add_argument("--rows", type=int, help="project a seeded sample of this many validation rows per run "
                        "(default: all; the metrics look at 2,000 anyway)")
    args = parser.parse_args()
    global ROWS
    ROWS = args.rows
    if args.modes:
        chosen = (CANDIDATE, *[m for m in args.modes if m not in (CANDIDATE, "independent")], "independent")
        MODES.update(tsne=chosen, umap=chosen)
    began = time.perf_counter()
    control = movers_run()
    print(f"synthetic control: {control.run.hidden[0].shape[0]} points, {len(control.run.hidden)} checkpoints, "
          f"{control.movers.mean():.0%} movers per transition; {os.cpu_count()} CPUs", flush=True)
    aurocs = {}
    for method in args.methods:
        for mode in MODES[method]:
            proj = project_run(control.run, method=method, mode=mode, cache=False)
            aurocs[method, mode] = mover_auroc(control, proj.coords)
    results = {}
    for name in args.runs:
        run = trained(args.runs_dir, name)
        n, of = len(validation_rows(run)), int((run.examples()["split"] == "validation").sum())
        print(f"\n{name}: run {run.id}, {len(run.checkpoints)} checkpoints x {n} validation rows"
              f"{'' if n == of else f' (a seeded sample of {of})'}", flush=True)
        print(f"{'method':6} {'mode':11} {'median ρ':>8} {'min ρ':>6} {'pooled ρ':>8} {'knn ρ':>6} {'trust':>6} "
              f"{'seconds':>8} {'AUROC':>6} {'static x':>8}")
        for method in args.methods:
            floor = noise_floor(run, method) if method != "pca" else 0.0  # PCA has no seed: no noise floor
            for mode in MODES[method]:
                r = results[name, method, mode] = measure(run, method, mode, floor)
                print(f"{method:6} {mode:11} {r['median']:8.3f} {r['min']:6.3f} {r['pooled']:8.3f} {r['knn']:6.3f} "
                      f"{r['trust']:6.3f} {r['seconds']:8.1f} {aurocs[method, mode]:6.3f} {r['static']:8.3f}",
                      flush=True)
    print(f"\nTargets for {CANDIDATE} (defaults today: {DEFAULT_MODES}): median ρ >= 0.60; trust within 0.02 of "
          "independent; time <= 0.5x independent; mover AUROC >= 0.95; static <= 0.1x the noise floor")
    for method in (m for m in ("tsne", "umap") if m in args.methods):
        stable = CANDIDATE
        checks = [(f"{method} {stable} mover AUROC", aurocs[method, stable], 0.95, ">=")]
        for name in args.runs:
            r, base = results[name, method, stable], results[name, method, "independent"]
            checks += [(f"{name} {method} {stable} median ρ", r["median"], 0.60, ">="),
                       (f"{name} {method} {stable} trust - independent", r["trust"] - base["trust"], -0.02, ">="),
                       (f"{name} {method} {stable} time x independent", r["seconds"] / base["seconds"], 0.5, "<="),
                       (f"{name} {method} {stable} static x noise floor", r["static"], 0.1, "<=")]
        for label, value, bar, sense in checks:
            met = value >= bar if sense == ">=" else value <= bar
            verdict = "target met" if met else f"missed by {abs(value - bar):.3f}"
            print(f"  {label:48} {value:7.3f} ({sense} {bar:g}): {verdict}")
    print(f"\nbench wall time {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
