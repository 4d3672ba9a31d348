"""Shared fixtures: tiny seeded data and one small trained run per test session."""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import pytest

from hiddenrep.data import synthetic
from hiddenrep.store import RunStore

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "streamlit_app.py")
PAGES = ROOT / "app_pages"
TIMEOUT = 120


@pytest.fixture(autouse=True)
def _restore_main_module():
    """AppTest runs page scripts as ``__main__`` and leaves them there; a process spawned later
    (torch.distributed tests) would re-run that page on start-up. Put the real one back."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture(autouse=True)
def _no_first_run(monkeypatch):
    """The app trains the default run on first start in an empty runs directory; tests that open the app
    on one train only what they ask for (tests of the first start set ``HIDDENREP_FIRST_RUN`` themselves)."""
    monkeypatch.setenv("HIDDENREP_FIRST_RUN", "off")


@pytest.fixture(scope="session")
def tiny_text():
    return synthetic(n=300, n_classes=3, flip_fraction=0.1, kind="text", seed=0)


@pytest.fixture(scope="session")
def tiny_config():
    from hiddenrep.training import TrainConfig

    return TrainConfig(dataset="synthetic", model="ffnn", epochs=3, hidden=16, batch_size=16, lr=5e-3)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory, tiny_text, tiny_config):
    """A complete 3-epoch ffnn run on synthetic text (4 checkpoints), shared read-only by tests."""
    from hiddenrep.training import train

    return train(tiny_config, tiny_text, store=RunStore(tmp_path_factory.mktemp("runs")))


@pytest.fixture
def explore(tiny_run, monkeypatch):
    """The app's Explore page (AppTest) on the shared tiny run, its PCA projection and label issues computed."""
    from streamlit.testing.v1 import AppTest

    from hiddenrep.ui.jobs import label_issues_task, projection_task
    from hiddenrep.reduce import DEFAULT_MODES

    monkeypatch.setenv("HIDDENREP_RUNS", str(tiny_run.path.parent))
    names = tuple(c.name for c in tiny_run.checkpoints)
    projection_task(tiny_run.path.parent, tiny_run.id, names, method="pca", mode=DEFAULT_MODES["pca"]).result()
    label_issues_task(tiny_run.path.parent, tiny_run.id, len(names)).result()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def browser():
    """Headless Debian Chromium for the browser tests; a missing browser fails, never passes silently."""
    from browser_harness import ChromiumMissing, chromium

    try:
        with chromium() as instance:
            yield instance
    except ChromiumMissing as error:
        pytest.fail(str(error))


_COLUMN_TYPES = {"float32": np.float32, "int32": np.int32, "uint8": np.uint8}


def decode_tables(layout: str, blob: bytes) -> dict[str, pd.DataFrame]:
    """What the scatter component's decodeTables does, in Python: the tables back from their layout and bytes."""
    out = {}
    for name, table in json.loads(layout).items():
        columns = {}
        for column, c in table["columns"].items():
            dtype = _COLUMN_TYPES[c["codes"] if c["type"] == "dict" else c["type"]]
            array = np.frombuffer(blob, dtype=dtype, count=c["length"], offset=c["offset"])
            columns[column] = ([None if code < 0 else c["values"][code] for code in array] if c["type"] == "dict"
                               else array)
        out[name] = pd.DataFrame(columns)
    return out


# --- AppTest helpers shared by the app tests (import them: ``from conftest import texts``) -------------------------

def texts(at) -> str:
    """Every piece of prose an AppTest run shows (markdown, notices, captions, titles), one per line."""
    parts = [e.value for kind in ("markdown", "info", "success", "warning", "error", "caption", "title", "subheader")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def components(at) -> list:
    """The custom components (the epoch scatter) on the page's main area."""
    return [e for e in at.main.get("component_instance")]


def settle(at, until, timeout: float = 60):
    """Rerun until ``until(at)`` (background projections, exports) or fail."""
    deadline = time.time() + timeout
    while not until(at):
        assert not at.exception, at.exception
        assert time.time() < deadline, texts(at)
        time.sleep(0.3)
        at.run()
    return at


def open_page(name: str, run_id: str | None):
    """One page on its own with the sidebar's run already picked (the router's run picker is tested elsewhere)."""
    from streamlit.testing.v1 import AppTest

    from hiddenrep.ui import state

    at = AppTest.from_file(str(PAGES / name), default_timeout=TIMEOUT)
    if run_id is not None:
        at.session_state[state.RUN_ID] = run_id
    return settle(at.run(), lambda a: components(a))


def spec_of(component) -> dict:
    """A scatter component's Vega-Lite spec (without its data, which travels as bytes)."""
    return json.loads(component.proto.json_args and json.loads(component.proto.json_args)["spec"])


def scatter_spec(at) -> dict:
    """The page's first scatter: its Vega-Lite spec, its points table put back as ``rows`` (from the bytes)."""
    component = components(at)[0]
    args = json.loads(component.proto.json_args)
    blob = next(a.bytes for a in component.proto.special_args if a.key == "blob")
    spec = json.loads(args["spec"])
    spec["rows"] = next(iter(decode_tables(args["tables"], blob).values())).to_dict("records")
    return spec


WORDS = ["food", "ramen", "pork", "sushi", "pizza", "good", "great", "bad", "awful", "damn", "crap", "movie", "plot"]
CLASSES = ["food"] * 5 + ["positive"] * 2 + ["negative"] * 2 + ["profane"] * 2 + ["other"] * 2
WORD_CLASSES = ["profane", "food", "negative", "positive", "other"]


@pytest.fixture
def words_store(tiny_run, tmp_path, monkeypatch):
    """The tiny run plus a companion words run (what `train(..., record_words=True)` writes), no downloads."""
    shutil.copytree(tiny_run.path, tmp_path / tiny_run.id)
    examples = pd.DataFrame({"example_id": WORDS, "split": "train", "text": WORDS,
                             "label": [WORD_CLASSES.index(c) for c in CLASSES], "label_name": CLASSES,
                             "meta:vader": np.linspace(-3, 3, len(WORDS)),
                             "meta:profane": [c == "profane" for c in CLASSES],
                             "meta:food": [c == "food" for c in CLASSES]})
    writer = RunStore(tmp_path).create(
        f"{tiny_run.id}.words", examples=examples, words_of=tiny_run.id, config={}, seed=0,
        dataset={"name": "words", "class_names": WORD_CLASSES, "multilabel": False, "modality": "words",
                 "n_train": len(WORDS), "n_validation": 0},
        model={"name": "ffnn", "hidden_layer": "embedding", "capture": "weights"})
    hidden = np.random.default_rng(0).normal(size=(len(WORDS), 8))
    for epoch in range(3):
        with writer.checkpoint(epoch=epoch, step=10 * epoch) as checkpoint:
            checkpoint.write("hidden", hidden.astype(np.float32))
        hidden[1] = 0.5 * hidden[1] + 0.5 * hidden[0]  # "ramen" drifts toward "food"
    writer.finish()
    monkeypatch.setenv("HIDDENREP_RUNS", str(tmp_path))
    return tiny_run.id
