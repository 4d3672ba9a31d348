"""Record the hidden representation of every example at a checkpoint, from any PyTorch loop."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from typing import Any, Callable

import torch
from torch import nn

from ..data import LabeledData
from ..store import COMPLETE, RunStore, RunWriter

Batch = Any
ForwardFn = Callable[[nn.Module, Batch], torch.Tensor]


def _default_forward(model: nn.Module, batch: Batch) -> torch.Tensor:
    output = model(**batch) if isinstance(batch, dict) else model(batch)
    return getattr(output, "logits", output)


def _to_device(batch: Batch, device: torch.device) -> Batch:
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}
    return batch


def _batches(inputs: torch.Tensor | Iterable[Batch], batch_size: int) -> Iterable[Batch]:
    """A tensor is cut into batches; any other iterable (a DataLoader) yields inputs, or (inputs, ...) tuples."""
    if isinstance(inputs, torch.Tensor):
        yield from inputs.split(batch_size)
        return
    for batch in inputs:
        yield batch[0] if isinstance(batch, (tuple, list)) else batch


@contextmanager
def capturing(model: nn.Module, layer: str, capture: str = "output", forward: ForwardFn = _default_forward):
    """Yield ``run(batch) -> (hidden, logits)`` (float32, on the CPU) with ``model`` in eval mode.

    The layer's output (or input) is taken by a forward hook; the hook is removed and the model's
    train/eval mode restored on exit.
    """
    module = dict(model.named_modules())[layer]
    captured: list[torch.Tensor] = []

    def hook(_module, args, output):
        value = args[0] if capture == "input" else output
        value = value[0] if isinstance(value, (tuple, list)) else value
        captured.append(value.detach())

    def run(batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        captured.clear()
        logits = forward(model, _to_device(batch, device)).float().cpu()
        if len(captured) != 1:
            raise RuntimeError(f"Layer {layer!r} ran {len(captured)} times in one forward pass; "
                               "record a layer that runs exactly once.")
        hidden = captured[0].float().cpu()
        if hidden.dim() != 2:
            raise ValueError(f"Layer {layer!r} gives shape {tuple(hidden.shape)}; record a layer "
                             "with one vector per example (batch, features), e.g. a pooled output.")
        return hidden, logits

    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    handle = module.register_forward_hook(hook)
    try:
        yield run
    finally:
        handle.remove()
        model.train(was_training)


def check_layer(model: nn.Module, layer: str, capture: str = "output") -> None:
    """Fail before anything is written when ``layer`` or ``capture`` cannot work for ``model``."""
    if capture not in ("output", "input"):
        raise ValueError(f"capture must be 'output' or 'input', got {capture!r}.")
    modules = dict(model.named_modules())
    if layer not in modules:
        names = ", ".join(repr(n) for n in modules if n) or "(none)"
        raise KeyError(f"Model has no module named {layer!r}; pass layer= one of: {names} (the module whose "
                       "output is the representation to record, usually the last one before the output layer; "
                       "or the output layer itself with capture='input').")


class Recorder:
    """Captures a named module's output (or input) for every example and writes one checkpoint.

    Each :meth:`record` runs the model in eval mode over the examples in fixed order and stores,
    per example: ``hidden`` (the captured layer), ``logits``, ``probs`` (softmax, or sigmoid for
    multi-label), ``loss`` (cross-entropy, or mean binary cross-entropy) and ``pred`` (class index,
    or 0/1 per class). Rows are written batch by batch, so memory stays bounded by one batch.
    Checkpoint metrics: ``{split}_loss`` and ``{split}_acc`` (per-label accuracy for multi-label).
    """

    def __init__(self, writer: RunWriter, model: nn.Module, inputs: torch.Tensor | Iterable[Batch], *,
                 layer: str = "hidden", capture: str = "output", batch_size: int = 1024,
                 forward: ForwardFn = _default_forward):
        check_layer(model, layer, capture)
        self.writer = writer
        self.model = model
        self.inputs = inputs
        self.layer = layer
        self.capture = capture
        self.batch_size = batch_size
        self.forward = forward
        examples = writer.run.examples()
        dataset = writer.manifest["dataset"]
        self.multilabel = bool(dataset.get("multilabel"))
        self.labels = torch.from_numpy(writer.run.labels(examples))
        self.split = examples["split"].to_numpy()

    @classmethod
    def start(cls, store: RunStore, run_id: str, model: nn.Module, data: LabeledData,
              inputs: torch.Tensor | Iterable[Batch], *, layer: str = "hidden", capture: str = "output",
              batch_size: int = 1024, forward: ForwardFn = _default_forward, config: dict | None = None,
              model_name: str | None = None, seed: int | None = None, overwrite: bool = False) -> "Recorder":
        """Create run ``run_id`` for ``data`` (one row per example, same order as ``inputs``) and a recorder.

        ``inputs`` is what the model is fed to evaluate every example (a tensor, or batches), while
        ``data.inputs`` is only kept for display. The layer is checked first, so a wrong name creates no run.
        """
        check_layer(model, layer, capture)
        writer = store.create_from_data(
            run_id, data,
            model={"name": model_name or type(model).__name__, "hidden_layer": layer, "capture": capture,
                   "n_parameters": int(sum(p.numel() for p in model.parameters()))},
            config=config or {},
            seed=seed,
            overwrite=overwrite,
        )
        return cls(writer, model, inputs, layer=layer, capture=capture, batch_size=batch_size, forward=forward)

    def _losses(self, logits: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if self.multilabel:
            probs = torch.sigmoid(logits)
            loss = nn.functional.binary_cross_entropy_with_logits(logits, labels.float(), reduction="none").mean(1)
            pred = (probs >= 0.5).long()
        else:
            probs = torch.softmax(logits, dim=1)
            loss = nn.functional.cross_entropy(logits, labels, reduction="none")
            pred = logits.argmax(1)
        return probs, loss, pred

    @torch.no_grad()
    def record(self, *, epoch: float, step: int) -> None:
        """Write one checkpoint of every example (call at epoch 0, each epoch end, every K steps)."""
        correct = torch.zeros(len(self.labels))
        losses = torch.zeros(len(self.labels))
        with capturing(self.model, self.layer, self.capture, self.forward) as run_batch, \
                self.writer.checkpoint(epoch=epoch, step=step) as checkpoint:
            start = 0
            for batch in _batches(self.inputs, self.batch_size):
                hidden, logits = run_batch(batch)
                self.write_rows(checkpoint, start, hidden, logits, correct, losses)
                start += len(logits)
            if start != len(self.labels):
                raise ValueError(f"The inputs gave {start} examples; the run has {len(self.labels)}.")
            checkpoint.split_metrics(self.split, losses.numpy(), correct.numpy())

    def write_rows(self, checkpoint, start: int, hidden: torch.Tensor, logits: torch.Tensor,
                   correct: torch.Tensor, losses: torch.Tensor) -> None:
        """Rows ``start:start+len(logits)`` of every array; fills ``correct`` and ``losses`` for the metrics."""
        stop = start + len(logits)
        probs, loss, pred = self._losses(logits, self.labels[start:stop])
        for name, values in (("hidden", hidden), ("logits", logits), ("probs", probs), ("loss", loss), ("pred", pred)):
            checkpoint.write(name, values.numpy(), start=start)
        hit = (pred == self.labels[start:stop]).float()
        correct[start:stop] = hit.mean(1) if self.multilabel else hit
        losses[start:stop] = loss

    def finish(self, status: str = COMPLETE, *, error: str | None = None):
        """Mark the run complete (or failed/cancelled). Returns the :class:`~hiddenrep.store.Run`."""
        return self.writer.finish(status, error=error)
