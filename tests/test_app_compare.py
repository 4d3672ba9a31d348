"""The Compare page through AppTest: two runs side by side, the A → B transition, which separates better."""

from __future__ import annotations

import json
import shutil

import pytest
from test_app_animate import _components, _texts, open_page, settle

from hiddenrep.store import RunStore
from hiddenrep.ui import state


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory, tiny_run, tiny_text, tiny_config):
    """The shared tiny run copied into a fresh store, plus the same model trained with another seed."""
    from hiddenrep.training import train

    root = tmp_path_factory.mktemp("compare")
    shutil.copytree(tiny_run.path, root / tiny_run.id)
    other = train(tiny_config, tiny_text, store=RunStore(root), seed=1)
    return RunStore(root).open(tiny_run.id), other


def test_one_run_offers_to_train_the_seeds_comparison(tiny_run, tmp_path, monkeypatch):
    shutil.copytree(tiny_run.path, tmp_path / tiny_run.id)
    monkeypatch.setenv("HIDDENREP_RUNS", str(tmp_path))
    from streamlit.testing.v1 import AppTest
    from test_app_animate import PAGES

    at = AppTest.from_file(str(PAGES / "compare.py"), default_timeout=60)
    at.session_state[state.RUN_ID] = tiny_run.id
    at.run()
    assert not at.exception
    assert "two complete runs on the same dataset" in _texts(at)
    assert any("ffnn vs bilstm" in b.label for b in at.button)


def test_compare_side_by_side_transition_and_figures(two_runs, monkeypatch):
    run_a, run_b = two_runs
    monkeypatch.setenv("HIDDENREP_RUNS", str(run_a.path.parent))
    at = open_page("compare.py", run_a.id)
    assert at.selectbox[0].value == run_b.id
    side, morph = (json.loads(json.loads(c.proto.json_args)["spec"]) for c in _components(at))
    assert len(side["hconcat"]) == 2 and {p["name"] for p in side["params"]} >= {"frame", "focus"}
    assert {p["name"]: p for p in morph["params"]}["nframes"]["value"] == 2  # A's layout → B's
    example = run_a.examples()["example_id"].iloc[3]
    at.session_state[state.EXAMPLE_ID] = example  # what a click in either panel does
    at.run()
    args = json.loads(_components(at)[0].proto.json_args)
    assert args["focus"] == example and f"Ringed in both: `{example}`" in _texts(at)
    at = settle(at, lambda a: "separates" in _texts(a) or "favours" in _texts(a), timeout=60)
    assert "At epoch 3:" in _texts(at) and "kNN accuracy" in _texts(at) and "neighbourhoods agree" in _texts(at)
    figures = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert len(figures["hconcat"]) == 3  # kNN accuracy, silhouette, agreement
