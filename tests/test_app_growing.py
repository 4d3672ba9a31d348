"""Explore on a run that is still training: the chart stays on the page while each new checkpoint is projected."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from conftest import components, open_page, settle, texts

from hiddenrep.store import RunStore
from hiddenrep.ui import frames as frames_module


def _growing_run(root, n=60, dim=8):
    """A run with two checkpoints whose writer stays open (status running), and a way to add one more."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, n)
    examples = pd.DataFrame({"example_id": [f"ex-{i}" for i in range(n)], "split": "validation",
                             "text": [f"example {i}" for i in range(n)], "label": labels,
                             "label_name": np.array(["a", "b", "c"])[labels]})
    writer = RunStore(root).create("growing", examples=examples, config={}, seed=0,
                                   dataset={"name": "generated", "class_names": list("abc")},
                                   model={"name": "generated", "hidden_dim": dim})

    def add(epoch):
        with writer.checkpoint(epoch=epoch, step=epoch) as checkpoint:
            checkpoint.write("hidden", rng.normal(size=(n, dim)).astype(np.float32))

    add(0)
    add(1)
    return writer, add


def _chart(at):
    (component,) = components(at)
    return json.loads(component.proto.json_args)


def _opened(tmp_path, monkeypatch, page: str, drawn: str):
    """``page`` open on the growing run with its two checkpoints drawn (``drawn`` is on the page), then a third
    checkpoint recorded: (the page, its chart's arguments before, the run's writer)."""
    monkeypatch.setenv("HIDDENREP_RUNS", str(tmp_path))
    writer, add = _growing_run(tmp_path)
    at = open_page(page, "growing")
    settle(at, lambda a: drawn in texts(a))
    before = _chart(at)
    add(2)
    return at, before, writer


def test_a_new_checkpoint_keeps_the_chart_on_the_page_until_its_frames_are_ready(tmp_path, monkeypatch):
    # The run records a third checkpoint; joint PCA refits over all three and has no frame ready yet.
    at, before, writer = _opened(tmp_path, monkeypatch, "explore.py", "2 of 2 checkpoints")
    real_wait = frames_module.wait_for_frames
    monkeypatch.setattr(frames_module, "wait_for_frames", lambda task, total, seconds=0: 0)
    at.run()
    assert not at.exception, at.exception
    during = _chart(at)  # still drawn (a chart that leaves the page is remounted: blank, data fetched again)
    assert during["spec_key"] == before["spec_key"]  # the same two frames: the browser keeps its view
    assert "2 of 3 checkpoints" in texts(at)
    assert any("Projecting 3 checkpoints" in bar.proto.text for bar in at.get("progress"))

    monkeypatch.setattr(frames_module, "wait_for_frames", real_wait)
    settle(at, lambda a: "3 of 3 checkpoints" in texts(a))
    assert _chart(at)["spec_key"] != before["spec_key"]
    writer.finish()


def test_animate_keeps_its_chart_while_a_new_checkpoint_is_projected(tmp_path, monkeypatch):
    from concurrent.futures import Future

    from hiddenrep.ui.jobs import Task

    at, before, writer = _opened(tmp_path, monkeypatch, "animate.py", "2 checkpoints in one PCA")
    real_task = frames_module.projection_task
    monkeypatch.setattr(frames_module, "projection_task", lambda root, run_id, checkpoints, **options: (
        Task(("never done",), Future()) if len(checkpoints) == 3 else real_task(root, run_id, checkpoints, **options)))
    at.run()
    assert not at.exception, at.exception
    assert _chart(at)["spec_key"] == before["spec_key"]  # still drawn, the same two checkpoints
    assert any("Projecting 3 checkpoints" in bar.proto.text for bar in at.get("progress"))

    monkeypatch.setattr(frames_module, "projection_task", real_task)
    settle(at, lambda a: "3 checkpoints in one PCA" in texts(a))
    writer.finish()
