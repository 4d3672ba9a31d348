"""The Compare page through AppTest: two runs side by side, the A → B transition, which separates better."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from conftest import PAGES, components, open_page, settle, texts

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
    at = AppTest.from_file(str(PAGES / "compare.py"), default_timeout=60)
    at.session_state[state.RUN_ID] = tiny_run.id
    at.run()
    assert not at.exception
    assert "two complete runs on the same dataset" in texts(at)
    assert any("ffnn vs bilstm" in b.label for b in at.button)


def test_compare_side_by_side_transition_and_figures(two_runs, monkeypatch):
    run_a, run_b = two_runs
    monkeypatch.setenv("HIDDENREP_RUNS", str(run_a.path.parent))
    at = open_page("compare.py", run_a.id)
    assert at.selectbox[0].value == run_b.id
    side, morph = (json.loads(json.loads(c.proto.json_args)["spec"]) for c in components(at))
    assert len(side["hconcat"]) == 2 and {p["name"] for p in side["params"]} >= {"frame", "focus"}
    assert {p["name"]: p for p in morph["params"]}["nframes"]["value"] == 2  # A's layout → B's
    example = run_a.examples()["example_id"].iloc[3]
    at.session_state[state.EXAMPLE_ID] = example  # what a click in either panel does
    at.run()
    args = json.loads(components(at)[0].proto.json_args)
    assert args["focus"] == example and f"Ringed in both: `{example}`" in texts(at)
    assert args["hint"] == "click a point to ring it in both runs"  # not Explore's "for its neighbours"
    at = settle(at, lambda a: "separates" in texts(a) or "favours" in texts(a), timeout=60)
    assert "At epoch 3:" in texts(at) and "kNN accuracy" in texts(at) and "neighbourhoods agree" in texts(at)
    figures = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert len(figures["hconcat"]) == 3  # kNN accuracy, silhouette, agreement


def test_the_seeds_comparison_is_short_and_its_estimate_is_shown(tiny_run, tmp_path, monkeypatch):
    from hiddenrep.compare.seed import SEED_COMPARISON, estimate_seconds

    assert [o["model"] for o in SEED_COMPARISON] == ["ffnn", "bilstm"]
    assert SEED_COMPARISON[0] | {"model": "bilstm"} == SEED_COMPARISON[1]  # the same settings for both
    assert all(o["epochs"] <= 3 for o in SEED_COMPARISON)
    assert 30 < estimate_seconds(8_450, 10_568) < 3 * 60  # a few minutes at most on 2 cores, default dataset
    shutil.copytree(tiny_run.path, tmp_path / tiny_run.id)
    monkeypatch.setenv("HIDDENREP_RUNS", str(tmp_path))
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(PAGES / "compare.py"), default_timeout=60)
    at.session_state[state.RUN_ID] = tiny_run.id
    at.run()
    button = next(b for b in at.button if "ffnn vs bilstm" in b.label)
    assert re.search(r"3 epochs, about \d+ minutes?\)", button.label)


def test_run_b_defaults_to_the_other_model_and_the_verdict_says_whose_number_is_whose(two_runs, tmp_path,
                                                                                      monkeypatch):
    import json as json_

    import pandas as pd

    from hiddenrep.ui.animation import comparable_runs, verdict

    run_a, run_b = two_runs
    root = tmp_path / "runs"
    shutil.copytree(run_a.path.parent, root)
    lstm_id = "synthetic-bilstm-copy"  # the same arrays under another model's name, older than run B
    shutil.copytree(root / run_a.id, root / lstm_id)
    manifest = json_.loads((root / lstm_id / "manifest.json").read_text())
    manifest.update(run_id=lstm_id, created_at=0.0, model={**manifest["model"], "name": "bilstm"})
    (root / lstm_id / "manifest.json").write_text(json_.dumps(manifest))
    monkeypatch.setenv("HIDDENREP_RUNS", str(root))
    assert comparable_runs(run_a.id) == [lstm_id, run_b.id]  # another model first, though older
    table = pd.DataFrame({"epoch": [3.0], "knn_accuracy_a": [0.812], "knn_accuracy_b": [0.845],
                          "silhouette_a": [0.101], "silhouette_b": [0.093], "agreement": [0.4]})
    sentence = verdict(table, ("A (ffnn)", "B (bilstm)"))
    assert "kNN accuracy 0.812 (A (ffnn)) vs 0.845 (B (bilstm))" in sentence
    assert "silhouette 0.101 (A (ffnn)) vs 0.093 (B (bilstm))" in sentence
    assert "kNN accuracy favours **B (bilstm)**, silhouette favours **A (ffnn)**" in sentence
