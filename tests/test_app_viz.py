"""Chart builders, tested through their Vega-Lite dicts (no browser)."""

from __future__ import annotations

import json

import altair as alt
import numpy as np
import pandas as pd
import pytest

from hiddenrep.viz import (COLOR_BY, EXTENT, coloring, epoch_scatter, frame_quality, n_frames_of, scatter_table,
                           training_curves)


def _points(n: int) -> pd.DataFrame:
    return pd.DataFrame({"example_id": [f"e{i}" for i in range(n)], "text": [f"text {i}" for i in range(n)]})


def _spec(chart) -> dict:
    with alt.data_transformers.disable_max_rows():
        return chart.to_dict()


def test_scatter_table_is_wide_and_shares_one_scale_across_frames():
    coords = np.stack([np.array([[0.0, 0.0], [1.0, 2.0]]), np.array([[4.0, 0.0], [2.0, 2.0]])])
    table = scatter_table(coords, _points(2), color=np.array([["a", "b"], ["b", "b"]]),
                          correct=np.array([[True, False], [True, True]]))
    assert n_frames_of(table) == 2
    assert {"x0", "y0", "x1", "y1", "c0", "c1", "ok0", "ok1"} <= set(table.columns)
    # one scale for x and y and every frame: the widest span (x, 0..4) maps to EXTENT
    assert table["x1"].max() == EXTENT and table["y0"].max() == EXTENT / 2
    assert table["ok0"].tolist() == [1, 0]


def test_scatter_table_names_both_sizes_when_they_disagree():
    with pytest.raises(ValueError, match="3 points per frame but points has 2 rows"):
        scatter_table(np.zeros((2, 3, 2)), _points(2))
    with pytest.raises(ValueError, match="NaN"):
        scatter_table(np.full((1, 2, 2), np.nan), _points(2))


def test_epoch_scatter_holds_every_frame_and_scrubs_with_a_bound_param():
    n, frames = 50, 4
    rng = np.random.default_rng(0)
    table = scatter_table(rng.normal(size=(frames, n, 2)), _points(n), color=rng.choice(["x", "y"], (frames, n)),
                          correct=rng.random((frames, n)) > 0.5)
    spec = _spec(epoch_scatter(table, frame_titles=[f"epoch {t}" for t in range(frames)], color_domain=["x", "y"],
                               focus="e3", wrong_only=True))
    params = {p["name"]: p for p in spec["params"]}
    assert params["frame"]["value"] == frames - 1 and params["frame"]["bind"]["max"] == frames - 1
    assert params["focus"]["value"] == "e3" and params["titles"]["value"][0] == "epoch 0"
    assert spec["usermeta"]["embedOptions"]["renderer"] == "canvas"
    (rows,) = spec["datasets"].values()
    assert len(rows) == n and {"x3", "y3", "c3"} <= set(rows[0])  # all frames in one data set
    points = spec["layer"][0]
    expressions = json.dumps(points["transform"])
    assert "datum['x' + frame]" in expressions and "datum['ok' + frame] == 0" in expressions
    assert points["encoding"]["tooltip"] == [{"field": "text", "type": "nominal"}]


def test_epoch_scatter_selection_carries_the_frame_for_st_altair_chart():
    table = scatter_table(np.zeros((2, 3, 2)) + np.arange(3)[None, :, None], _points(3))
    spec = _spec(epoch_scatter(table, frame_titles=["a", "b"]))
    pick = [p for p in spec["params"] if p["name"] == "pick"][0]
    assert pick["select"]["fields"] == ["example_id", "frame"] and pick["views"] == [spec["layer"][0]["name"]]
    assert {"calculate": "frame", "as": "frame"} in spec["layer"][0]["transform"]


def test_epoch_scatter_rejects_mismatched_titles_and_wrong_only_without_correctness():
    table = scatter_table(np.zeros((2, 3, 2)) + np.arange(3)[None, :, None], _points(3))
    with pytest.raises(ValueError, match="2 frames but frame_titles has 1"):
        epoch_scatter(table, frame_titles=["only one"])
    with pytest.raises(ValueError, match="pass correct="):
        epoch_scatter(table, frame_titles=["a", "b"], wrong_only=True)


def test_coloring_reads_per_checkpoint_values_from_a_run(tiny_run):
    names = [c.name for c in tiny_run.checkpoints]
    rows = np.arange(len(tiny_run.examples()))
    for color_by in COLOR_BY[:-1]:
        color = coloring(tiny_run, names, rows, color_by)
        assert color.correct.shape == (len(names), len(rows))
        assert color.values.shape[-1] == len(rows)
    prediction = coloring(tiny_run, names, rows, "prediction")
    assert set(np.unique(prediction.values)) <= set(tiny_run.class_names)
    last_pred = np.asarray(tiny_run.load(-1, "pred"))
    assert (prediction.values[-1] == np.asarray(tiny_run.class_names)[last_pred]).all()
    moved = coloring(tiny_run, names, rows, "neighbourhood change")
    assert moved.values.shape == (len(names), len(rows)) and not moved.values[0].any() and moved.values.max() <= 1
    with pytest.raises(ValueError, match="needs issue_scores"):
        coloring(tiny_run, names, rows, "label-issue score")


def test_training_curves_and_frame_quality(tiny_run):
    spec = training_curves(tiny_run.metrics()).to_dict()
    assert [panel["encoding"]["y"]["title"] for panel in spec["vconcat"]] == ["loss", "accuracy"]  # one wide
    assert {panel["width"] for panel in spec["vconcat"]} == {170}  # + axis: fits a job card
    x = spec["vconcat"][1]["encoding"]["x"]
    assert x["axis"]["format"] == "d" and x["axis"]["tickMinStep"] == 1  # "1", not "1.000000"
    assert spec["vconcat"][0]["encoding"]["color"]["legend"]["orient"] == "top"
    between = training_curves(tiny_run.metrics().assign(epoch=lambda m: m["epoch"] / 2)).to_dict()
    assert between["vconcat"][0]["encoding"]["x"]["axis"]["format"] == "~g"
    quality = pd.DataFrame({"checkpoint": ["0000", "0001"], "trustworthiness": [0.9, 0.95], "knn_kept": [0.5, 0.6],
                            "jitter": [0.0, 0.1], "hidden_change": [0.0, 0.2]})
    values = frame_quality(quality).to_dict()["datasets"]
    (rows,) = values.values()
    assert {r["measure"] for r in rows} == {"trustworthiness", "kNN kept", "jitter", "hidden change"}
    with pytest.raises(ValueError, match="No checkpoint metrics yet"):
        training_curves(pd.DataFrame())


def test_a_run_without_predictions_colours_by_its_label_only(tmp_path, tiny_text):
    from hiddenrep.store import RunStore
    from hiddenrep.viz import color_options

    writer = RunStore(tmp_path).create("vectors-only", examples=tiny_text.to_frame(), config={}, seed=None,
                                       dataset={"name": "x", "class_names": tiny_text.class_names}, model={})
    with writer.checkpoint(epoch=0, step=0) as checkpoint:
        checkpoint.write("hidden", np.ones((len(tiny_text), 4), np.float32))
    run = writer.finish()
    assert color_options(run) == ("true label", "neighbourhood change")
    color = coloring(run, ["0000"], np.arange(5), "true label")
    assert color.values.tolist() == [tiny_text.class_names[i] for i in tiny_text.labels[:5]]
    assert color.correct.all()
    with pytest.raises(LookupError, match="no predictions"):
        coloring(run, ["0000"], np.arange(5), "loss")
