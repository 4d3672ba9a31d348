"""Memory while recording a large evaluation set: 100k examples × 768 dims, three checkpoints.

The Recorder writes each batch into memory-mapped .npy files, so the process's own (anonymous)
memory should stay near one batch, far below one checkpoint (100k × 768 × 4 B = 307 MB of hidden).
Prints the checkpoint size next to the peak anonymous RSS growth (sampled every 5 ms) and the
tracemalloc peak (NumPy buffers) during recording.

    python bench/record_memory.py [--n 100000] [--dim 768] [--checkpoints 3]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
import tracemalloc

import numpy as np
import pandas as pd
import torch
from torch import nn

from hiddenrep.data import LabeledData, split_for
from hiddenrep.store import RunStore
from hiddenrep.training import Recorder


def anon_rss() -> int:
    """Anonymous resident memory in bytes: the heap, not the page cache of written files."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no RssAnon in /proc/self/status (Linux only)")


class PeakSampler(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.base, self.peak, self.running = anon_rss(), 0, True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, anon_rss() - self.base)
            time.sleep(0.005)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=768)
    parser.add_argument("--checkpoints", type=int, default=3)
    args = parser.parse_args()

    torch.manual_seed(0)
    ids = np.array([f"ex-{i:06d}" for i in range(args.n)])
    labels = np.arange(args.n) % 10
    data = LabeledData(name="bench", ids=ids, inputs=[""] * args.n, texts=[""] * args.n, labels=labels,
                       class_names=[str(c) for c in range(10)], split=np.array([split_for(i) for i in ids]),
                       modality="vector", metadata=pd.DataFrame(index=range(args.n)))
    inputs = torch.randn(args.n, 16)
    model = nn.Sequential()
    model.add_module("hidden", nn.Linear(16, args.dim))
    model.add_module("head", nn.Linear(args.dim, 10))

    with tempfile.TemporaryDirectory() as root:
        recorder = Recorder.start(RunStore(root), "bench", model, data, inputs)
        recorder.record(epoch=0, step=0)  # warm-up: imports, allocator pools
        tracemalloc.start()
        sampler = PeakSampler()
        sampler.start()
        start = time.perf_counter()
        for epoch in range(1, args.checkpoints + 1):
            recorder.record(epoch=epoch, step=epoch)
        seconds = time.perf_counter() - start
        sampler.running = False
        sampler.join()
        _, traced_peak = tracemalloc.get_traced_memory()
        run = recorder.finish()
        per_checkpoint = sum(run.load(-1, name).nbytes for name in run.array_names())

    mb = 2**20
    hidden = args.n * args.dim * 4
    print(f"recorded {args.checkpoints} checkpoints of {args.n:,} examples × {args.dim} dims "
          f"in {seconds:.1f} s ({seconds / args.checkpoints:.1f} s each)")
    print(f"one checkpoint on disk:          {per_checkpoint / mb:8.1f} MiB (hidden alone {hidden / mb:.1f} MiB)")
    print(f"all checkpoints together:        {args.checkpoints * per_checkpoint / mb:8.1f} MiB")
    print(f"peak anonymous RSS growth:       {sampler.peak / mb:8.1f} MiB "
          f"({sampler.peak / per_checkpoint:.1%} of one checkpoint)")
    print(f"peak tracemalloc (NumPy/Python): {traced_peak / mb:8.1f} MiB")


if __name__ == "__main__":
    main()
