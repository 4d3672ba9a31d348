"""Record hidden representations while a Hugging Face ``transformers.Trainer`` trains.

Add :class:`RecorderCallback` to the Trainer's callbacks: it records every example before training,
at each epoch end and (optionally) every N steps, into an ordinary run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import torch
from transformers import TrainerCallback

from ..data import LabeledData
from ..store import FAILED, RunStore
from .recorder import Recorder


def batched(encodings: Mapping[str, torch.Tensor], batch_size: int = 64) -> list[dict[str, torch.Tensor]]:
    """Cut a tokenizer's output for every example (``return_tensors="pt"``) into model-ready batches."""
    keys = list(encodings)
    n = len(encodings[keys[0]])
    return [{k: encodings[k][i : i + batch_size] for k in keys} for i in range(0, n, batch_size)]


class RecorderCallback(TrainerCallback):
    """A ``TrainerCallback`` that writes one checkpoint of every example per epoch (and every N steps).

    ``inputs``: the examples of ``data`` in the same order, as batches of model keyword arguments
    (see :func:`batched`). The default records the pooled output: the *input* of the module named
    ``classifier``, which is what BERT-like sequence classifiers feed their head. Any named module's
    output works too (``layer="bert.pooler", capture="output"``). Only the main process records.
    """

    def __init__(self, store: RunStore, run_id: str, data: LabeledData, inputs: Iterable[dict], *,
                 layer: str = "classifier", capture: str = "input", every_steps: int = 0,
                 model_name: str | None = None, config: dict | None = None, seed: int | None = None,
                 overwrite: bool = False):
        if every_steps < 0:
            raise ValueError(f"every_steps must be 0 (epochs only) or positive, got {every_steps}.")
        self.store, self.run_id, self.data, self.inputs = store, run_id, data, list(inputs)
        self.layer, self.capture, self.every_steps = layer, capture, every_steps
        self.model_name, self.config, self.seed, self.overwrite = model_name, config, seed, overwrite
        self.recorder: Recorder | None = None
        self._last_step: int | None = None

    def _record(self, state) -> None:
        if self.recorder is not None and state.global_step != self._last_step:
            self.recorder.record(epoch=float(state.epoch or 0.0), step=int(state.global_step))
            self._last_step = state.global_step

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        if not state.is_world_process_zero:
            return
        self.recorder = Recorder.start(
            self.store, self.run_id, model, self.data, self.inputs, layer=self.layer, capture=self.capture,
            model_name=self.model_name or type(model).__name__, seed=self.seed if self.seed is not None else args.seed,
            config=self.config or {"trainer": {k: v for k, v in args.to_dict().items()
                                               if isinstance(v, (int, float, str, bool)) or v is None}},
            overwrite=self.overwrite,
        )
        try:
            self._record(state)
        except BaseException as error:
            self.recorder.finish(FAILED, error=str(error))
            raise

    def on_step_end(self, args, state, control, **kwargs):
        if self.every_steps and state.global_step % self.every_steps == 0:
            self._record(state)

    def on_epoch_end(self, args, state, control, **kwargs):
        self._record(state)

    def on_train_end(self, args, state, control, **kwargs):
        if self.recorder is not None:
            self.recorder.finish()
