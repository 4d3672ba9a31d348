"""Projection benchmark: is the stable default cheaper and steadier than independent layouts?

On the default run (movie-sentences, ffnn, 10 epochs: 11 checkpoints x 10,568 points; trained here
unless an identical run is already in --runs-dir) prints, side by side in one process, for t-SNE and
UMAP: projection seconds (metrics excluded), mean jitter and mean trustworthiness for ``independent``
and for the method's stable default, with ratios; then PCA seconds for all checkpoints, and the cost
of umap's first fit in a fresh process with an empty and with a filled numba cache.
Targets (2 cores): stable <= 0.4x time and <= 0.3x jitter of independent, trustworthiness within
0.02; PCA for all checkpoints < 1 s.

It also prints where independent layouts' jitter comes from, in the same run: *projection noise*
(jitter between two seeds on one and the same checkpoint: the model did not move, the picture did)
against the jitter between consecutive checkpoints, per transition; and what a lower jitter costs
(UMAP warm with a 5x smaller learning rate) and, with --aligned, what AlignedUMAP achieves.

    python bench/project.py [--runs-dir DIR] [--methods tsne umap] [--no-numba] [--aligned]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

from hiddenrep.reduce import DEFAULT_MODES, PARAMS, project_run
from hiddenrep.reduce.metrics import jitter
from hiddenrep.store import RunStore

FIRST_FIT = ("import time, numpy as np; t = time.perf_counter(); "
             "from hiddenrep.reduce import UMAP; "
             "UMAP(n_epochs=20).fit(np.random.default_rng(0).normal(size=(500, 16))); "
             "print(time.perf_counter() - t)")


def default_run(runs_dir: str):
    from hiddenrep.training import TrainConfig, train

    return train(TrainConfig(dataset="movie-sentences", model="ffnn", epochs=10), store=RunStore(runs_dir))


def measure(run, method: str, mode: str, params: dict | None = None) -> dict:
    began = time.perf_counter()
    proj = project_run(run, method=method, mode=mode, params=params, cache=False)
    m = proj.metrics
    return {"seconds": m.seconds.sum(), "wall": time.perf_counter() - began, "jitter": m.jitter.mean(),
            "trust": m.trustworthiness.mean(), "frames": len(m), "per_frame": m.jitter.to_numpy()[1:],
            "hidden_change": m.hidden_change.to_numpy()[1:]}


def noise_floor(run, method: str, checkpoint) -> float:
    """Jitter between seed 0 and seed 1 on one checkpoint: movement on screen with none in the model."""
    a, b = (project_run(run, method=method, mode="independent", checkpoints=[checkpoint], random_state=seed,
                        cache=False).coords[0] for seed in (0, 1))
    return jitter(a, b)


def first_fit_seconds(numba_dir: str) -> float:
    env = {**os.environ, "NUMBA_CACHE_DIR": numba_dir}
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", FIRST_FIT], env=env, capture_output=True,
                         text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs-dir", default=os.environ.get("HIDDENREP_RUNS") or "runs")
    parser.add_argument("--methods", nargs="+", default=["tsne", "umap"])
    parser.add_argument("--no-numba", action="store_true", help="skip the fresh-process umap timing")
    parser.add_argument("--aligned", action="store_true", help="also time AlignedUMAP (~7x independent's time)")
    args = parser.parse_args()

    run = default_run(args.runs_dir)
    n = run.manifest["dataset"]["n_examples"]
    print(f"run {run.id}: {len(run.checkpoints)} checkpoints x {n} points, {os.cpu_count()} CPUs")
    print("seconds = projection only (metrics excluded); jitter and trustworthiness = mean over frames")
    print(f"{'method':6} {'mode':12} {'seconds':>8} {'jitter':>7} {'trust':>7}   {'time x':>7} {'jitter x':>8} "
          f"{'trust diff':>10}")
    independent = {}
    for method in args.methods:
        base = independent[method] = measure(run, method, "independent")
        stable_mode = DEFAULT_MODES[method]
        stable = measure(run, method, stable_mode)
        rows = [("independent", base), (stable_mode, stable)]
        if method == "umap":
            slow = {"warm_learning_rate": PARAMS["umap"]["warm_learning_rate"] / 5}
            rows.append(("warm lr/5", measure(run, method, "warm", params=slow)))
            if args.aligned:
                rows.append(("aligned", measure(run, method, "aligned")))
        for mode, r in rows:
            ratios = "" if r is base else (f"   {r['seconds'] / base['seconds']:7.2f} "
                                           f"{r['jitter'] / base['jitter']:8.2f} {r['trust'] - base['trust']:+10.3f}")
            print(f"{method:6} {mode:12} {r['seconds']:8.1f} {r['jitter']:7.3f} {r['trust']:7.3f}{ratios}", flush=True)
    pca = {}
    for mode in ("joint-pca", "independent"):
        r = pca[mode] = measure(run, "pca", mode)
        print(f"pca    {mode:12} {r['seconds']:8.2f} {r['jitter']:7.3f} {r['trust']:7.3f}   "
              f"(all {r['frames']} checkpoints; with metrics {r['wall']:.1f} s)", flush=True)
    print("\nWhere independent layouts' jitter comes from, per transition between consecutive checkpoints:")
    names = [c.name for c in run.checkpoints]
    print(f"{'':28}" + "".join(f"{b[-3:]:>7}" for b in names[1:]))
    fixed = pca["joint-pca"]
    print(f"{'hidden_change (no layout)':28}" + "".join(f"{v:7.3f}" for v in fixed["hidden_change"]))
    print(f"{'joint-pca jitter (fixed map)':28}" + "".join(f"{v:7.3f}" for v in fixed["per_frame"]))
    for method, base in independent.items():
        print(f"{method + ' independent jitter':28}" + "".join(f"{v:7.3f}" for v in base["per_frame"]))
        floors = {names[i]: noise_floor(run, method, names[i]) for i in (1, len(names) // 2, len(names) - 1)}
        print(f"{method + ' projection noise':28}" + "".join(f"{floors[b]:7.3f}" if b in floors else f"{'':7}"
                                                             for b in names[1:]), flush=True)
        target = 0.3 * base["jitter"]
        print(f"  {method}: a 0.3x target is a mean jitter of {target:.3f}; the first transition alone adds "
              f"{base['per_frame'][0] / len(base['per_frame']):.3f} to independent's mean", flush=True)
    if not args.no_numba:
        from hiddenrep.reduce.reducers import numba_cache_dir

        with tempfile.TemporaryDirectory() as empty:
            cold = first_fit_seconds(empty)
        warm = first_fit_seconds(os.environ.get("NUMBA_CACHE_DIR") or str(numba_cache_dir()))
        print(f"umap import + first fit in a fresh process: empty numba cache {cold:.1f} s, "
              f"filled cache {warm:.1f} s")


if __name__ == "__main__":
    main()
