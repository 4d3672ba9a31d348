"""CPU cost of the seed's comparison runs (hiddenrep.compare.seed), per example, and the estimate it gives.

    python bench/compare_time.py [--batches 8]

Times a few training batches and one recording pass of each model at SEED_COMPARISON's settings
in CPU-seconds (process time, so other work on the machine does not inflate it), prints the cost
per example (what CPU_SECONDS holds) and the wall-clock estimate the Compare page shows.
"""

from __future__ import annotations

import argparse
import time

import torch

from hiddenrep.compare.seed import SEED_COMPARISON, estimate_seconds
from hiddenrep.data import TRAIN, load_dataset
from hiddenrep.models import build_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=8)
    args = parser.parse_args()
    data = load_dataset(SEED_COMPARISON[0]["dataset"])
    train_rows = torch.from_numpy((data.split == TRAIN).nonzero()[0])
    labels = torch.from_numpy(data.labels)
    print(f"{'model':8} {'train cpu-s/example/epoch':>26} {'record cpu-s/example':>21}   threads {torch.get_num_threads()}")
    for options in SEED_COMPARISON:
        torch.manual_seed(0)
        prepared = build_model(options["model"], data, max_len=options["max_len"])
        model, inputs = prepared.model, prepared.inputs
        optimiser = torch.optim.Adam(model.parameters(), lr=options["lr"])
        batches = train_rows[torch.randperm(len(train_rows))].split(options["batch_size"])[:args.batches]
        start = time.process_time()
        for batch in batches:
            loss = torch.nn.functional.cross_entropy(model(inputs[batch]), labels[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        train_cost = (time.process_time() - start) / sum(len(b) for b in batches)
        model.eval()
        start = time.process_time()
        with torch.no_grad():
            for batch in inputs[:2048].split(1024):
                model(batch)
        record_cost = (time.process_time() - start) / min(2048, len(inputs))
        print(f"{options['model']:8} {train_cost:26.5f} {record_cost:21.5f}")
    print(f"estimate shown for {len(data):,} examples ({len(train_rows):,} train): "
          f"{estimate_seconds(len(train_rows), len(data)) / 60:.1f} min on 2 cores")


if __name__ == "__main__":
    main()
