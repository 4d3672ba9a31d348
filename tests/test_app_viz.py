"""Chart builders, tested through their Vega-Lite dicts (no browser)."""

from __future__ import annotations

import json

import altair as alt
import numpy as np
import pandas as pd
import pytest

from hiddenrep.viz import (COLOR_BY, EXTENT, coloring, epoch_scatter, frame_quality, n_frames_of, place_labels,
                           scatter_chart, scatter_table, training_curves, tween_scatter)
from hiddenrep.viz.compare import compare_scatter


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
    # one scale for x and y and every frame: the widest span (x, 0..4) maps to EXTENT, the narrower one is centred
    assert table["x0"].min() == 0 and table["x1"].max() == EXTENT
    assert table["y0"].max() - table["y0"].min() == EXTENT / 2 and table["y0"].min() == EXTENT / 4
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
    assert points["mark"] == {"type": "square", "size": 14}


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


# --- the one scatter builder: legend, chosen class, zoom, tracked labels, trails --------------------------------------

def _table(n: int = 40, frames: int = 3, seed: int = 0, **columns) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return scatter_table(rng.normal(size=(frames, n, 2)), _points(n), **columns)


def _params(spec: dict) -> dict:
    return {p["name"]: p for p in spec["params"]}


def _points_layer(spec: dict) -> dict:
    (layer,) = [layer for layer in spec["layer"] if layer["mark"]["type"] == "square"]
    return layer


@pytest.mark.parametrize("tween", [False, True])
def test_every_scatter_has_a_legend_that_filters_classes_on_click(tween):
    table = _table(color=np.array(list("abc"))[np.arange(40) % 3])
    spec = _spec(scatter_chart(table, frame_titles=["a", "b", "c"], color_domain=["a", "b", "c"], tween=tween))
    legend = _params(spec)["legend"]
    assert legend["bind"] == "legend" and legend["select"]["fields"] == ["color"]
    points = _points_layer(spec)
    assert legend["views"] == [points["name"]]
    color = points["encoding"]["color"]
    assert color["field"] == "color" and color["legend"]["labelLimit"] == 0 and color["legend"]["orient"] == "bottom"
    # unselected classes fade out; the rest keep their opacity
    assert points["encoding"]["opacity"]["condition"]["param"] == "legend"
    assert points["encoding"]["opacity"]["value"] < 0.1 < points["encoding"]["opacity"]["condition"]["value"]


def test_legend_never_truncates_long_class_names_and_wraps_into_columns():
    names = ["not profane", "profane"]
    table = _table(color=np.array(names)[np.arange(40) % 2])
    legend = _points_layer(_spec(scatter_chart(table, frame_titles=["a", "b", "c"], color_domain=names,
                                               width=300)))["encoding"]["color"]["legend"]
    assert legend["labelLimit"] == 0 and legend["titleLimit"] == 0  # no "not profa…"
    many = [f"a rather long class name {k}" for k in range(10)]
    table = _table(color=np.array(many)[np.arange(40) % 10])
    legend = _points_layer(_spec(scatter_chart(table, frame_titles=["a", "b", "c"], color_domain=many,
                                               width=600)))["encoding"]["color"]["legend"]
    assert 1 < legend["columns"] < 10  # wraps instead of running off the chart


def test_a_quantitative_colour_keeps_a_gradient_legend_without_a_class_filter():
    table = _table(color=np.linspace(0, 1, 40))
    spec = _spec(scatter_chart(table, frame_titles=["a", "b", "c"], color_type="quantitative"))
    assert "legend" not in _params(spec)
    assert _points_layer(spec)["encoding"]["color"]["legend"]["titleLimit"] == 0


def test_the_chosen_class_is_red_and_drawn_last():
    flags = np.arange(40) % 4 == 0
    table = _table(color=np.where(flags, "profanity", "other"))
    spec = _spec(scatter_chart(table, frame_titles=["a", "b", "c"], color_domain=["profanity", "other"],
                               highlight="profanity"))
    assert _params(spec)["highlight"]["value"] == "profanity"
    points = _points_layer(spec)
    scale = points["encoding"]["color"]["scale"]
    assert dict(zip(scale["domain"], scale["range"]))["profanity"] == "#e63946"
    assert dict(zip(scale["domain"], scale["range"]))["other"] != "#e63946"
    assert points["encoding"]["order"] == {"field": "on_top", "type": "quantitative"}  # ascending: 1 drawn last
    assert {"calculate": "datum.color === highlight ? 1 : 0", "as": "on_top"} in points["transform"]
    with pytest.raises(ValueError, match="not one of the colours"):
        scatter_chart(table, frame_titles=["a", "b", "c"], color_domain=["profanity", "other"], highlight="food")


def test_a_multilabel_run_colours_its_one_class_as_the_chosen_one(tmp_path, tiny_text):
    from hiddenrep.store import RunStore

    examples = tiny_text.to_frame()
    examples["label:toxic"] = np.arange(len(examples)) % 3 == 0
    writer = RunStore(tmp_path).create("multi", examples=examples, config={}, seed=None, model={},
                                       dataset={"name": "x", "class_names": ["toxic"], "multilabel": True})
    with writer.checkpoint(epoch=0, step=0) as checkpoint:
        checkpoint.write("hidden", np.ones((len(examples), 4), np.float32))
    color = coloring(writer.finish(), ["0000"], np.arange(10), "true label", class_name="toxic")
    assert color.highlight == "toxic" and color.domain == ("not toxic", "toxic")
    assert color.chart_options()["highlight"] == "toxic"


@pytest.mark.parametrize("tween", [False, True])
def test_every_scatter_zooms_and_pans_its_scales(tween):
    spec = _spec(scatter_chart(_table(), frame_titles=["a", "b", "c"], tween=tween))
    zoom = _params(spec)["zoom"]
    assert zoom["bind"] == "scales" and zoom["select"]["type"] == "interval"  # wheel, drag; double-click resets
    assert zoom["views"] == [_points_layer(spec)["name"]]


def test_compare_panels_share_the_slider_pick_and_legend_but_zoom_on_their_own():
    table = _table(color=np.array(list("ab"))[np.arange(40) % 2])
    spec = _spec(compare_scatter(table, table, frame_titles=["a", "b", "c"], color_domain=["a", "b"]))
    params = _params(spec)
    assert params["frame"]["bind"]["max"] == 2 and len(params["pick"]["views"]) == 2
    assert len(params["legend"]["views"]) == 2 and params["zoom_a"]["views"] != params["zoom_b"]["views"]
    marks = [layer["mark"]["type"] for panel in spec["hconcat"] for layer in panel["layer"]]
    assert marks.count("square") == 2


def test_html_export_and_app_draw_the_same_marks():
    from hiddenrep.animate import animation_spec

    rng = np.random.default_rng(0)
    exported = animation_spec(rng.normal(size=(3, 20, 2)), pd.DataFrame({"label": list("ab") * 10}), color="label",
                              marks={2: "A"})
    app = _spec(tween_scatter(_table(20, color=np.array(list("ab") * 10)), frame_titles=["a", "b", "c"],
                              tracked=["e2"]))
    assert _points_layer(exported)["mark"] == _points_layer(app)["mark"]
    assert [layer["mark"]["type"] for layer in exported["layer"]] == [layer["mark"]["type"] for layer in app["layer"]]
    assert {"legend", "zoom", "pick", "t"} <= set(_params(exported))


def _boxes(spec: dict, frame: int, width: int, height: int) -> list[tuple[float, float, float, float]]:
    """Pixel boxes of the tracked labels at ``frame``, read back from the spec's data and scales."""
    text = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "text" and "text" in layer["encoding"])
    rows = spec["datasets"][text["data"]["name"]]
    (x0, x1), (y0, y1) = text["encoding"]["x"]["scale"]["domain"], text["encoding"]["y"]["scale"]["domain"]
    boxes = []
    for row in rows:
        cx, cy = (row[f"lx{frame}"] - x0) / (x1 - x0) * width, (y1 - row[f"ly{frame}"]) / (y1 - y0) * height
        w, h = 0.6 * 14 * len(row["letter"]), 14
        boxes.append((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
    return boxes


def _overlaps(a, b) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


@pytest.mark.parametrize("labels", [None, ["food", "ramen", "pork", "restaurant", "pizza", "table", "wine", "tea"]])
def test_tracked_labels_in_a_knot_do_not_collide(labels):
    # eight tracked points within a few pixels of each other: the knot of issue 13 (A, E, F, G, H on top of each other)
    rng = np.random.default_rng(3)
    coords = rng.normal(size=(3, 60, 2)) * 10
    coords[:, :8] = rng.normal(size=(3, 8, 2)) * 0.05
    table = scatter_table(coords, _points(60))
    tracked = [f"e{i}" for i in range(8)]
    spec = _spec(tween_scatter(table, frame_titles=["a", "b", "c"], tracked=tracked, track_labels=labels,
                               width=520, height=480))
    for frame in range(3):
        boxes = _boxes(spec, frame, 520, 480)
        assert len(boxes) == 8
        assert not any(_overlaps(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]), frame


def test_place_labels_keeps_a_lone_label_next_to_its_point_and_on_the_same_side():
    pixels = np.array([[[100.0, 100.0]], [[120.0, 110.0]]])
    centres, away = place_labels(pixels, ["A"], 400, 400)
    offsets = centres - pixels
    assert not away.any()
    assert (np.linalg.norm(offsets, axis=-1) < 30).all()  # right beside the ring
    assert np.allclose(offsets[0], offsets[1])  # the label does not jump around its point


@pytest.mark.parametrize("tween", [False, True])
def test_trails_draw_above_the_points_from_the_first_checkpoint(tween):
    spec = _spec(scatter_chart(_table(), frame_titles=["a", "b", "c"], tween=tween, tracked=["e1", "e2"],
                               trails=True, start=0))
    types = [layer["mark"]["type"] for layer in spec["layer"]]
    assert types[0] == "square" and types.count("line") == 3  # after the points: dense runs cannot hide them
    whole = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "line")
    rows = spec["datasets"][whole["data"]["name"]]
    assert len(rows) == 2 * 3 and "filter" not in json.dumps(whole.get("transform", []))  # the whole path, even at t=0


def test_a_faded_column_turns_into_opacity():
    table = _table(faded=np.arange(40) % 2 == 0)
    points = _points_layer(_spec(scatter_chart(table, frame_titles=["a", "b", "c"])))
    assert points["encoding"]["opacity"] == {"field": "opacity", "scale": None, "type": "quantitative"}
    per_frame = _table(faded=np.zeros((3, 40), bool))
    transforms = json.dumps(_points_layer(_spec(scatter_chart(per_frame, frame_titles=["a", "b", "c"],
                                                              tween=True)))["transform"])
    assert "faded" in transforms and "ease" in transforms


def test_a_chosen_class_among_many_is_red_and_the_others_keep_distinct_colours():
    classes = ["profane", "food", "negative", "positive", "other"]
    table = _table(color=np.array(classes)[np.arange(40) % 5])
    scale = _points_layer(_spec(scatter_chart(table, frame_titles=["a", "b", "c"], color_domain=classes,
                                              highlight="profane")))["encoding"]["color"]["scale"]
    colors = dict(zip(scale["domain"], scale["range"]))
    assert colors["profane"] == "#e63946" and len(set(colors.values())) == 5
