"""Shared fixtures: tiny seeded data and one small trained run per test session."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

import pytest

from hiddenrep.data import synthetic
from hiddenrep.store import RunStore

ROOT = Path(__file__).resolve().parents[1]


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
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120).run()
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
