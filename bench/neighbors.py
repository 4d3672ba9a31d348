"""Where does an approximate kNN index (pynndescent) start to beat the exact blocked search?

Clustered 64-d vectors (like a hidden layer), k=10, cosine. Prints seconds for the exact search,
for pynndescent's first call in this process (numba compiles then: paid once per process, which
is every app start) and for a warm call, and the approximate recall of the exact neighbours.
``hiddenrep.analysis.APPROXIMATE_ABOVE`` is set where exact stops being cheaper than a cold start.
Usage: python bench/neighbors.py [--sizes 5000 10000 20000 40000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from hiddenrep.analysis import APPROXIMATE_ABOVE, nearest_neighbors


def hidden_like(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, 3, size=(10, 12))
    latent = centers[rng.integers(0, 10, n)] + rng.normal(size=(n, 12))
    return np.maximum(latent @ rng.normal(size=(12, 64)), 0).astype(np.float32)


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 10000, 20000, 40000])
    args = parser.parse_args()
    cold, _ = timed(lambda: nearest_neighbors(hidden_like(2000, seed=1), k=10, approximate=True))
    print(f"pynndescent first call in a fresh process (import + numba compilation, n=2000): {cold:.1f} s")
    print(f"{'n':>7} {'exact s':>9} {'approx warm s':>14} {'approx recall':>14}")
    for n in args.sizes:
        vectors = hidden_like(n)
        exact_s, (exact, _) = timed(lambda: nearest_neighbors(vectors, k=10, approximate=False))
        approx_s, (approx, _) = timed(lambda: nearest_neighbors(vectors, k=10, approximate=True))
        recall = np.mean([len(np.intersect1d(a, b)) / 10 for a, b in zip(approx, exact)])
        print(f"{n:>7} {exact_s:>9.2f} {approx_s:>14.2f} {recall:>14.3f}")
    print(f"APPROXIMATE_ABOVE = {APPROXIMATE_ABOVE}: exact below it (our datasets: up to 10,568 points).")


if __name__ == "__main__":
    main()
