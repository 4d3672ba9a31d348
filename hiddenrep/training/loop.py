"""Our training loop for the built-in models: seeded, recorded, cancellable."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import traceback
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn

from ..data import TRAIN, LabeledData, load_dataset
from ..models import EMBEDDINGS, HIDDEN_LAYER, build_model
from ..store import CANCELLED, COMPLETE, FAILED, RUNNING, DamagedRunError, Run, RunBusyError, RunStore, \
    atomic_write_json
from .recorder import Recorder


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a run. Two equal configs give identical runs (same seed)."""

    dataset: str = "movie-sentences"
    model: str = "ffnn"
    epochs: int = 10
    hidden: int = 64
    batch_size: int = 64
    lr: float = 2e-3
    weight_decay: float = 0.0
    every_steps: int = 0  # also record every K optimiser steps (0: epoch ends only)
    seed: int = 0
    embedding_dim: int = 50
    max_len: int = 64
    pool: str = "mean"
    dropout: float = 0.2
    embeddings: str = "random"  # or "glove-50d": text models start from the real GloVe vectors

    def __post_init__(self) -> None:
        for name in ("epochs", "hidden", "batch_size", "embedding_dim", "max_len"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}.")
        if self.embeddings not in EMBEDDINGS:
            raise ValueError(f"embeddings must be one of {EMBEDDINGS}, got {self.embeddings!r}.")
        if self.embeddings == "glove-50d" and self.embedding_dim != 50:
            raise ValueError(f"embeddings='glove-50d' needs embedding_dim=50 (GloVe's size), got {self.embedding_dim}.")
        if self.every_steps < 0:
            raise ValueError(f"every_steps must be 0 (off) or positive, got {self.every_steps}.")

    @classmethod
    def from_dict(cls, values: dict) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})

    def run_id(self, data: LabeledData) -> str:
        """Stable name from the config and the data's content: same config + same data = same run."""
        payload = json.dumps({"config": asdict(self), "data": data.fingerprint()}, sort_keys=True)
        return f"{self.dataset}-{self.model}-{hashlib.sha1(payload.encode()).hexdigest()[:10]}"


@dataclass(frozen=True)
class TrainEvent:
    """What a progress callback receives: ``kind`` is 'start', 'step', 'checkpoint', 'end', or 'wait'
    (another process is writing this very run; ``message`` says so)."""

    kind: str
    run_id: str
    epoch: float
    step: int
    total_steps: int
    loss: float | None = None
    metrics: dict | None = None
    message: str | None = None


Callback = Callable[[TrainEvent], None]


class Cancelled(Exception):
    """Raised inside :func:`train` when ``cancel`` is set; the run is marked cancelled."""


def _seed_everything(seed: int) -> torch.Generator:
    torch.manual_seed(seed)
    generator = torch.Generator()
    generator.manual_seed(seed)
    return generator


def train(
    config: TrainConfig,
    data: LabeledData | None = None,
    *,
    store: RunStore | None = None,
    callbacks: Sequence[Callback] = (),
    seed: int | None = None,
    cancel: threading.Event | None = None,
    retrain: bool = False,
    record_words: bool | Sequence[str] = False,
) -> Run:
    """Train ``config.model`` on ``data`` and record every example at every checkpoint.

    Checkpoints: before training (epoch 0), each epoch end, and every ``config.every_steps``
    steps. A complete run with the same config is reused unless ``retrain``; a failed, cancelled
    or interrupted one is replaced. A retrain keeps the complete run until its successor is complete
    (cancelled or killed, the old run stays and a cancel returns it). Another process training the
    same run is waited for and its result reused (a 'wait' event says so). ``cancel`` (a
    threading.Event) stops at the next step and leaves the run marked cancelled. ``record_words``
    (True, or a list of words to follow first) also records the embedding rows of those words, the
    seed's and the lexicons' at every checkpoint into the companion run ``<run_id>.words`` (see
    :mod:`hiddenrep.words`). Returns the finished :class:`Run`.
    """
    if seed is not None and seed != config.seed:
        config = TrainConfig.from_dict({**asdict(config), "seed": seed})
    store = store or RunStore()
    if data is None:
        data = load_dataset(config.dataset)
    run_id = config.run_id(data)
    waited = False
    while True:  # exactly one process writes a run: whoever loses the race waits, then reuses or takes over
        existing = _existing(store, run_id)
        if existing is not None and existing.status == COMPLETE and (waited or not retrain) \
                and not _words_missing(store, run_id, record_words):
            return existing
        if existing is not None and existing.status == RUNNING:
            waited = _wait_for_writer(store, run_id, callbacks, cancel)
            continue
        generator = _seed_everything(config.seed)
        prepared = build_model(config.model, data, hidden=config.hidden, embedding_dim=config.embedding_dim,
                               max_len=config.max_len, pool=config.pool, dropout=config.dropout,
                               embeddings=config.embeddings)
        try:
            # The run exists from here on; the try below starts at once so a Ctrl-C marks it cancelled.
            recorder = Recorder.start(store, run_id, prepared.model, data, prepared.inputs, layer=HIDDEN_LAYER,
                                      config=asdict(config), model_name=config.model, seed=config.seed,
                                      overwrite=True)
        except RunBusyError:
            waited = _wait_for_writer(store, run_id, callbacks, cancel)
            continue
        break
    model = prepared.model
    train_index = torch.from_numpy((data.split == TRAIN).nonzero()[0])
    labels = torch.from_numpy(np.asarray(data.labels, dtype=np.int64))
    loss_fn: nn.Module = nn.BCEWithLogitsLoss() if data.multilabel else nn.CrossEntropyLoss()
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    steps_per_epoch = -(-len(train_index) // config.batch_size)
    total = steps_per_epoch * config.epochs

    def emit(kind: str, epoch: float, step: int, loss: float | None = None, metrics: dict | None = None) -> None:
        event = TrainEvent(kind, run_id, epoch, step, total, loss, metrics)
        for callback in callbacks:
            callback(event)

    words = None

    def checkpoint(epoch: float, step: int) -> None:
        recorder.record(epoch=epoch, step=step)
        if words is not None:
            words.record(epoch=epoch, step=step)
        emit("checkpoint", epoch, step, metrics=writer.manifest["checkpoints"][-1]["metrics"])

    writer = recorder.writer
    step = 0
    try:
        if prepared.vocabulary is not None:
            atomic_write_json(writer.path / "vocabulary.json", {"tokens": prepared.vocabulary.tokens})
        if record_words:
            words = _word_recorder(store, run_id, config, data, prepared, record_words)
        emit("start", 0, 0)
        checkpoint(0, 0)
        for epoch in range(config.epochs):
            model.train()
            order = train_index[torch.randperm(len(train_index), generator=generator)]
            for batch in order.split(config.batch_size):
                if cancel is not None and cancel.is_set():
                    raise Cancelled()
                target = labels[batch].float() if data.multilabel else labels[batch]
                loss = loss_fn(model(prepared.inputs[batch]), target)
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                step += 1
                emit("step", step / steps_per_epoch, step, loss=loss.item())
                at_epoch_end = step % steps_per_epoch == 0
                if config.every_steps and step % config.every_steps == 0 and not at_epoch_end:
                    checkpoint(step / steps_per_epoch, step)
            checkpoint(epoch + 1, step)
        _save_weights(model, writer.path)
        run = writer.finish(COMPLETE)
        if words is not None:
            words.finish(COMPLETE)
    except (Cancelled, KeyboardInterrupt):
        run = writer.finish(CANCELLED, error=f"cancelled at step {step} of {total}")
        if words is not None:
            words.finish(CANCELLED, error=writer.manifest["error"])
        emit("end", step / steps_per_epoch, step)
        if cancel is None or not cancel.is_set():
            raise
        return run
    except Exception as error:
        writer.finish(FAILED, error="".join(traceback.format_exception_only(error)).strip())
        if words is not None:
            words.finish(FAILED, error=writer.manifest["error"])
        raise
    emit("end", config.epochs, step, metrics=run.checkpoints[-1].metrics)
    return run


def _words_missing(store: RunStore, run_id: str, record_words: bool | Sequence[str]) -> bool:
    """True when ``record_words`` asks for a words run, or for words, that the stored run lacks."""
    if not record_words:
        return False
    if not store.exists(f"{run_id}.words"):
        return True
    words = store.open(f"{run_id}.words")
    known = set(words.examples()["example_id"]) | set(words.manifest.get("not_in_vocabulary", []))
    return record_words is not True and not set(record_words) <= known


def _existing(store: RunStore, run_id: str) -> Run | None:
    """The stored run with this id, or None (a damaged one is replaced like an interrupted one)."""
    if not store.exists(run_id):
        return None
    try:
        return store.open(run_id)
    except (DamagedRunError, LookupError):
        return None


def _wait_for_writer(store: RunStore, run_id: str, callbacks: Sequence[Callback], cancel) -> bool:
    """Block until the process writing ``run_id`` is done (or gone); says so through the callbacks."""
    lock = store.lock(run_id)
    message = (f"Run {run_id} is being trained by {lock.holder()} with this exact config; waiting for it, then "
               "reusing its result (or taking over if it stops).")
    for callback in callbacks:
        callback(TrainEvent("wait", run_id, 0, 0, 0, message=message))
    lock.wait(cancel)
    if cancel is not None and cancel.is_set():
        raise Cancelled()
    return True


def _word_recorder(store, run_id, config, data, prepared, record_words):
    """The companion run's recorder; rows are read from the live embedding table at each checkpoint."""
    from ..words import WordRecorder

    embedding = getattr(prepared.model, "embedding", None)
    if prepared.vocabulary is None or embedding is None:
        raise ValueError(f"record_words needs a text model with its own token embedding (ffnn, bilstm), "
                         f"not {config.model!r}.")
    return WordRecorder.start(store, run_id, prepared.vocabulary.tokens,
                              lambda: embedding.weight.detach().cpu().numpy(),
                              also=() if record_words is True else record_words, dataset=data.name,
                              model=config.model, config=asdict(config), seed=config.seed,
                              glove=config.embeddings == "glove-50d")


def _save_weights(model: nn.Module, directory) -> None:
    """Final weights as safetensors (no pickle); written via a temp name so it is never half there."""
    from safetensors.torch import save_file

    import tempfile

    handle, tmp = tempfile.mkstemp(dir=directory, prefix=".model.", suffix=".safetensors")
    os.close(handle)
    try:
        save_file({k: v.detach().contiguous() for k, v in model.state_dict().items()}, tmp)
        os.replace(tmp, directory / "model.safetensors")
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


__all__ = ["Callback", "Cancelled", "TrainConfig", "TrainEvent", "train"]
