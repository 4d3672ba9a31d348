"""The transformers TrainerCallback records a named layer every epoch and every N steps."""

from __future__ import annotations

import numpy as np
import pytest
import torch

transformers = pytest.importorskip("transformers")

from hiddenrep.data import TRAIN, synthetic  # noqa: E402
from hiddenrep.store import RunStore  # noqa: E402
from hiddenrep.training.hf import RecorderCallback, batched  # noqa: E402


class Rows(torch.utils.data.Dataset):
    def __init__(self, ids, labels):
        self.ids, self.labels = ids, labels

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "attention_mask": torch.ones_like(self.ids[i]), "labels": self.labels[i]}


def tiny_bert(n_labels: int, vocab: int):
    config = transformers.BertConfig(vocab_size=vocab, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                     intermediate_size=32, num_labels=n_labels)
    torch.manual_seed(0)
    return transformers.BertForSequenceClassification(config)


def test_trainer_callback_records_epochs_and_steps(tmp_path):
    data = synthetic(n=96, n_classes=3, seed=0)
    words = sorted({w for t in data.texts for w in t.split()})
    ids = torch.tensor([[1 + words.index(w) for w in t.split()][:12] + [0] * (12 - len(t.split()[:12]))
                        for t in data.texts])
    encodings = {"input_ids": ids, "attention_mask": (ids != 0).long()}
    model = tiny_bert(3, len(words) + 1)
    train_rows = torch.from_numpy((data.split == TRAIN).nonzero()[0])
    callback = RecorderCallback(RunStore(tmp_path / "runs"), "hf", data, batched(encodings, 32), every_steps=2)
    args = transformers.TrainingArguments(output_dir=str(tmp_path / "out"), num_train_epochs=2,
                                          per_device_train_batch_size=32, save_strategy="no", report_to=[],
                                          logging_strategy="no", disable_tqdm=True, use_cpu=True)
    trainer = transformers.Trainer(model=model, args=args, train_dataset=Rows(ids[train_rows], torch.from_numpy(
        data.labels)[train_rows]), callbacks=[callback])
    trainer.train()

    run = RunStore(tmp_path / "runs").open("hf")
    steps_per_epoch = -(-len(train_rows) // 32)
    expected = sorted({0, *range(2, 2 * steps_per_epoch + 1, 2), steps_per_epoch, 2 * steps_per_epoch})
    assert run.is_complete and [c.step for c in run.checkpoints] == expected
    assert run.checkpoints[-1].epoch == pytest.approx(2.0)
    hidden = run.load(-1, "hidden")
    assert hidden.shape == (96, 16)
    model.eval()
    with torch.no_grad():
        pooled = model.bert(**encodings).pooler_output.numpy()
    np.testing.assert_allclose(hidden, pooled, atol=1e-5)  # what was recorded is the pooled output


def test_batched_keeps_every_row_in_order():
    encodings = {"input_ids": torch.arange(10).reshape(5, 2), "attention_mask": torch.ones(5, 2)}
    batches = batched(encodings, 2)
    assert [len(b["input_ids"]) for b in batches] == [2, 2, 1]
    assert torch.equal(torch.cat([b["input_ids"] for b in batches]), encodings["input_ids"])


def test_every_steps_must_not_be_negative(tmp_path):
    with pytest.raises(ValueError, match="every_steps"):
        RecorderCallback(RunStore(tmp_path), "x", synthetic(n=10), [], every_steps=-1)
