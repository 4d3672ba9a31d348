"""Our training loop for the built-in models: seeded, recorded, cancellable."""

from __future__ import annotations

import os
import threading
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn

from ..data import TRAIN, LabeledData, load_dataset
from ..models import HIDDEN_LAYER, build_model
from ..store import CANCELLED, COMPLETE, FAILED, RUNNING, DamagedRunError, Run, RunBusyError, RunStore, \
    atomic_write_json
from .config import TrainConfig
from .recorder import Recorder


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
    begun = _begin(store, config, data, callbacks, cancel, retrain, record_words)
    if isinstance(begun, Run):
        return begun  # reused: this exact run is complete
    loop = _Loop(config, data, *begun, callbacks, cancel)
    status, error, raised = COMPLETE, None, None
    try:
        loop.run(store, record_words)
    except (Cancelled, KeyboardInterrupt) as stop:
        status, error = CANCELLED, f"cancelled at step {loop.step} of {loop.total}"
        raised = None if cancel is not None and cancel.is_set() else stop  # Ctrl-C goes on to the CLI
    except Exception as failure:
        status, error, raised = FAILED, "".join(traceback.format_exception_only(failure)).strip(), failure
    # The one finish path: the run (and its words companion) end with the same status and error.
    run = loop.recorder.finish(status, error=error)
    if loop.words is not None:
        loop.words.finish(status, error=error)
    if status == COMPLETE:
        loop.emit("end", config.epochs, loop.step, metrics=run.checkpoints[-1].metrics)
    elif status == CANCELLED:
        loop.emit("end", loop.step / loop.steps_per_epoch, loop.step)
    if raised is not None:
        raise raised
    return run


def _begin(store: RunStore, config: TrainConfig, data: LabeledData, callbacks: Sequence[Callback], cancel,
           retrain: bool, record_words) -> Run | tuple:
    """The complete run to reuse, or (recorder of a new run, prepared model, seeded generator).

    Exactly one process writes a run: whoever loses the race waits, then reuses the result or takes over.
    """
    run_id = config.run_id(data)
    waited = False
    while True:
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
            # The run exists from here on; train() starts its try at once so a Ctrl-C marks it cancelled.
            recorder = Recorder.start(store, run_id, prepared.model, data, prepared.inputs, layer=HIDDEN_LAYER,
                                      config=asdict(config), model_name=config.model, seed=config.seed,
                                      overwrite=True)
        except RunBusyError:
            waited = _wait_for_writer(store, run_id, callbacks, cancel)
            continue
        return recorder, prepared, generator


class _Loop:
    """The optimisation of one prepared model, recorded at every checkpoint; ``step`` says how far it got."""

    def __init__(self, config: TrainConfig, data: LabeledData, recorder: Recorder, prepared, generator,
                 callbacks: Sequence[Callback], cancel) -> None:
        self.config, self.data, self.recorder, self.prepared = config, data, recorder, prepared
        self.generator, self.callbacks, self.cancel = generator, callbacks, cancel
        self.train_index = torch.from_numpy((data.split == TRAIN).nonzero()[0])
        self.steps_per_epoch = -(-len(self.train_index) // config.batch_size)
        self.total = self.steps_per_epoch * config.epochs
        self.step = 0
        self.words = None  # the words companion's recorder, once started

    def emit(self, kind: str, epoch: float, step: int, loss: float | None = None, metrics: dict | None = None):
        event = TrainEvent(kind, self.recorder.writer.manifest["run_id"], epoch, step, self.total, loss, metrics)
        for callback in self.callbacks:
            callback(event)

    def checkpoint(self, epoch: float) -> None:
        self.recorder.record(epoch=epoch, step=self.step)
        if self.words is not None:
            self.words.record(epoch=epoch, step=self.step)
        self.emit("checkpoint", epoch, self.step, metrics=self.recorder.writer.manifest["checkpoints"][-1]["metrics"])

    def run(self, store: RunStore, record_words) -> None:
        config, data, prepared, writer = self.config, self.data, self.prepared, self.recorder.writer
        model = prepared.model
        labels = torch.from_numpy(np.asarray(data.labels, dtype=np.int64))
        loss_fn: nn.Module = nn.BCEWithLogitsLoss() if data.multilabel else nn.CrossEntropyLoss()
        optimiser = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        if prepared.vocabulary is not None:
            atomic_write_json(writer.path / "vocabulary.json", {"tokens": prepared.vocabulary.tokens})
        if record_words:
            self.words = _word_recorder(store, writer.manifest["run_id"], config, data, prepared, record_words)
        self.emit("start", 0, 0)
        writer.progress(0, self.total)
        self.checkpoint(0)
        for epoch in range(config.epochs):
            model.train()
            order = self.train_index[torch.randperm(len(self.train_index), generator=self.generator)]
            for batch in order.split(config.batch_size):
                if self.cancel is not None and self.cancel.is_set():
                    raise Cancelled()
                target = labels[batch].float() if data.multilabel else labels[batch]
                loss = loss_fn(model(prepared.inputs[batch]), target)
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                self.step += 1
                writer.progress(self.step, self.total)
                self.emit("step", self.step / self.steps_per_epoch, self.step, loss=loss.item())
                at_epoch_end = self.step % self.steps_per_epoch == 0
                if config.every_steps and self.step % config.every_steps == 0 and not at_epoch_end:
                    self.checkpoint(self.step / self.steps_per_epoch)
            self.checkpoint(epoch + 1)
        _save_weights(model, writer.path)


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
