"""Does "food" come closer to "pork" (and "table" to "restaurant") as a GloVe-initialised model trains?

    python bench/word_drift.py [--epochs 10] [--datasets food-mentions,movie-sentences]

Trains the seed's ffnn (GloVe 50-d start, the app's Words defaults) on each dataset, records the
words, and prints the cosine distance of each seed pair at the first, middle and last checkpoint,
plus how often each word occurs in the training texts (a word seen rarely barely moves).
"""

from __future__ import annotations

import argparse
import collections
import tempfile

from hiddenrep.data import TRAIN, load_dataset
from hiddenrep.models.vocab import tokenize
from hiddenrep.store import RunStore
from hiddenrep.training import TrainConfig, train
from hiddenrep.words import word_distances, words_run

PAIRS = [("food", "pork"), ("food", "ramen"), ("food", "chicken"), ("food", "pizza"), ("food", "meal"),
         ("table", "restaurant"), ("food", "movie")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--datasets", default="food-mentions,movie-sentences")
    args = parser.parse_args()
    for name in args.datasets.split(","):
        data = load_dataset(name)
        counts = collections.Counter(t for text, s in zip(data.texts, data.split) if s == TRAIN
                                     for t in tokenize(text))
        with tempfile.TemporaryDirectory() as root:
            config = TrainConfig(dataset=name, model="ffnn", epochs=args.epochs, embeddings="glove-50d")
            run = train(config, data, store=RunStore(root), record_words=True)
            words = words_run(run)
            recorded = set(words.examples()["example_id"])
            pairs = [p for p in PAIRS if set(p) <= recorded]
            table = word_distances(words, pairs)
            epochs = sorted(table["epoch"].unique())
            shown = [epochs[0], epochs[len(epochs) // 2], epochs[-1]]
            print(f"\n{name}: {len(data):,} examples, validation accuracy "
                  f"{run.checkpoints[-1].metrics['validation_acc']:.3f}, {len(recorded):,} words recorded")
            print(f"{'pair':22} {'count a':>8} {'count b':>8} " + " ".join(f"{'epoch ' + format(e, 'g'):>9}" for e in shown)
                  + f" {'change':>8}")
            for pair in pairs:
                rows = table[table["pair"] == f"{pair[0]} – {pair[1]}"].set_index("epoch")["distance"]
                print(f"{pair[0] + ' – ' + pair[1]:22} {counts[pair[0]]:8d} {counts[pair[1]]:8d} "
                      + " ".join(f"{rows[e]:9.3f}" for e in shown) + f" {rows[shown[-1]] - rows[shown[0]]:+8.3f}")
            missing = [w for p in PAIRS for w in p if w not in recorded]
            if missing:
                print(f"not recorded (not in the vocabulary): {', '.join(sorted(set(missing)))}")


if __name__ == "__main__":
    main()
