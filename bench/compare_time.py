"""CPU cost of the seed's comparison runs, the old defaults against hiddenrep.compare.seed's.

    python bench/compare_time.py [--batches 8]

Times a few training batches and one recording pass of each model in CPU-seconds on one thread
(process time, so other work on the machine inflates it less; one thread, so no spinning worker
threads are counted), prints the cost per example (what ``CPU_SECONDS`` holds) and what it adds up
to for the whole comparison, ideally spread over 2 cores.
"""

from __future__ import annotations

import argparse
import time

import torch

from hiddenrep.compare.seed import COMPARISON, SEED_COMPARISON
from hiddenrep.data import TRAIN, load_dataset
from hiddenrep.models import build_model

OLD = {"epochs": 10, "batch_size": 64, "lr": 2e-3, "max_len": 64}  # the seed's comparison before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=8)
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = load_dataset(COMPARISON["dataset"])
    train_rows = torch.from_numpy((data.split == TRAIN).nonzero()[0])
    labels = torch.from_numpy(data.labels)
    print(f"{'settings':9} {'model':7} {'train cpu-s/example/epoch':>26} {'record cpu-s/example':>21} "
          f"{'whole run, cpu-min':>19}")
    for name, settings in (("old", OLD), ("new", COMPARISON)):
        total = 0.0
        for model_name in (o["model"] for o in SEED_COMPARISON):
            torch.manual_seed(0)
            prepared = build_model(model_name, data, max_len=settings["max_len"])
            model, inputs = prepared.model, prepared.inputs
            optimiser = torch.optim.Adam(model.parameters(), lr=settings["lr"])
            batches = train_rows[torch.randperm(len(train_rows))].split(settings["batch_size"])[:args.batches]
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
            run = (len(train_rows) * settings["epochs"] * train_cost + len(data) * (settings["epochs"] + 1) * record_cost)
            total += run
            print(f"{name:9} {model_name:7} {train_cost:26.5f} {record_cost:21.5f} {run / 60:19.1f}")
        print(f"{name:9} both runs: {total / 60:.1f} cpu-min, {total / 120:.1f} min on 2 free cores")


if __name__ == "__main__":
    main()
