"""Record under ``torch.distributed`` (DDP): each rank evaluates its share, rank 0 writes one checkpoint.

Every rank calls the same methods in the same order (they are collective). The examples are cut
into batches; in each round rank k evaluates batch ``round * world + k`` and rank 0 gathers the
round and writes it in place, so rank 0 holds one round of rows (``world × batch_size``), never a
whole checkpoint. The checkpoint appears only after all rows arrived and every rank reported
success; otherwise it is discarded and every rank raises, so there is never a torn checkpoint.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
from torch import nn

from ..data import LabeledData
from ..store import COMPLETE, Run, RunStore
from .recorder import Batch, ForwardFn, Recorder, _batches, _default_forward, capturing


def _unwrap(model: nn.Module) -> nn.Module:
    """The module inside DistributedDataParallel, so layer names are the model's own."""
    return model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model


def _rows(batch: Batch) -> int:
    return len(next(iter(batch.values())) if isinstance(batch, dict) else batch)


class DistributedRecorder:
    """The :class:`Recorder` for DDP: same ``start`` / ``record`` / ``finish``, called on every rank."""

    def __init__(self, recorder: Recorder | None, model: nn.Module, inputs, *, layer: str, capture: str,
                 batch_size: int, forward: ForwardFn):
        self.recorder = recorder  # rank 0 only: it owns the run
        self.model = _unwrap(model)
        self.batches = list(_batches(inputs, batch_size))
        self.starts = [0]
        for batch in self.batches:
            self.starts.append(self.starts[-1] + _rows(batch))
        self.layer, self.capture, self.forward = layer, capture, forward
        self.rank, self.world = dist.get_rank(), dist.get_world_size()

    @classmethod
    def start(cls, store: RunStore, run_id: str, model: nn.Module, data: LabeledData, inputs, *,
              layer: str = "hidden", capture: str = "output", batch_size: int = 1024,
              forward: ForwardFn = _default_forward, config: dict | None = None, model_name: str | None = None,
              seed: int | None = None, overwrite: bool = False) -> "DistributedRecorder":
        """Rank 0 creates run ``run_id``; every rank gets a recorder. ``inputs``: every example, on every rank."""
        if not dist.is_initialized():
            raise RuntimeError("torch.distributed is not initialised: call dist.init_process_group first, or use "
                               "Recorder in a single process.")
        total = sum(_rows(batch) for batch in _batches(inputs, batch_size))
        if total != len(data):
            raise ValueError(f"The inputs give {total} examples; {data.name} has {len(data)}.")
        recorder = None
        if dist.get_rank() == 0:
            recorder = Recorder.start(store, run_id, _unwrap(model), data, inputs, layer=layer, capture=capture,
                                      batch_size=batch_size, forward=forward,
                                      config={**(config or {}), "world_size": dist.get_world_size()},
                                      model_name=model_name, seed=seed, overwrite=overwrite)
        dist.barrier()
        return cls(recorder, model, inputs, layer=layer, capture=capture, batch_size=batch_size, forward=forward)

    @torch.no_grad()
    def record(self, *, epoch: float, step: int) -> None:
        """Collective: every rank evaluates its batches; rank 0 writes the checkpoint atomically."""
        if self.recorder is None:
            self._rounds(None)
            return
        n = len(self.recorder.labels)
        correct, losses = torch.zeros(n), torch.zeros(n)
        with self.recorder.writer.checkpoint(epoch=epoch, step=step) as checkpoint:
            def write(index: int, hidden: torch.Tensor, logits: torch.Tensor) -> None:
                self.recorder.write_rows(checkpoint, self.starts[index], hidden, logits, correct, losses)

            self._rounds(write)
            checkpoint.split_metrics(self.recorder.split, losses.numpy(), correct.numpy())

    def _rounds(self, write) -> None:
        """Every rank runs the same number of rounds whatever fails, then all raise if any rank failed."""
        error = None
        with capturing(self.model, self.layer, self.capture, self.forward) as run_batch:
            for first in range(0, len(self.batches), self.world):
                index = first + self.rank
                mine = None
                if error is None and index < len(self.batches):
                    try:
                        mine = (index, *run_batch(self.batches[index]))
                    except Exception as caught:
                        error = caught
                gathered = [None] * self.world if self.rank == 0 else None
                dist.gather_object(mine, gathered, dst=0)
                for item in gathered if write is not None and error is None else ():
                    try:
                        if item is not None:
                            write(*item)
                    except Exception as caught:
                        error = caught
        failed = torch.tensor([0 if error is None else 1])
        dist.all_reduce(failed)
        if error is not None:
            raise error
        if failed.item():
            raise RuntimeError("Another rank failed while recording; this checkpoint was discarded.")

    def finish(self, status: str = COMPLETE, *, error: str | None = None) -> Run | None:
        """Collective: rank 0 marks the run finished; returns the run there, ``None`` elsewhere."""
        run = self.recorder.finish(status, error=error) if self.recorder is not None else None
        dist.barrier()
        return run
