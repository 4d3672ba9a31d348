"""The scatter component's payload (binary columns, not JSON rows) and the fast exact neighbour query."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from hiddenrep.analysis import neighbors as nb
from hiddenrep.ui.scatter import POINTS_ABOVE, renderer_choice, spec_json
from hiddenrep.viz import epoch_scatter, scatter_table
from hiddenrep.viz.tween import tween_scatter

from conftest import decode_tables


def _table(n=40, frames=3, seed=0):
    rng = np.random.default_rng(seed)
    points = pd.DataFrame({"example_id": [f"e{i}" for i in range(n)], "text": [f"text {i % 7}" for i in range(n)]})
    return scatter_table(rng.normal(size=(frames, n, 2)), points, color=rng.choice(["a", "b", "c"], n),
                         correct=rng.random((frames, n)) > 0.5)


def test_every_table_travels_as_columns_and_comes_back_equal():
    table = _table()
    payload, key = spec_json(epoch_scatter(table, frame_titles=["a", "b", "c"], focus="e3", wrong_only=True))
    spec = json.loads(payload.spec)
    assert "datasets" not in spec and '"values"' not in json.dumps(spec["layer"][0])  # no rows in the JSON
    names = {layer["data"]["name"] for layer in spec["layer"] if "name" in layer.get("data", {})}
    assert names == {"table0"}  # points and ring share one table
    (back,) = decode_tables(payload.tables, payload.blob).values()
    assert list(back.columns) == list(table.columns) and payload.n_points == len(table)
    assert back["example_id"].tolist() == table["example_id"].tolist()
    assert back["color"].tolist() == table["color"].tolist()
    np.testing.assert_allclose(back["x2"], table["x2"], rtol=1e-6)
    assert back["ok1"].tolist() == table["ok1"].tolist()
    columns = json.loads(payload.tables)["table0"]["columns"]
    assert columns["text"]["values"] == [f"text {i}" for i in range(7)]  # each distinct string once
    assert all(c["offset"] % 4 == 0 for c in columns.values())
    again, same_key = spec_json(epoch_scatter(table, frame_titles=["a", "b", "c"], focus="e3", wrong_only=True))
    assert same_key == key
    assert spec_json(epoch_scatter(_table(seed=1), frame_titles=["a", "b", "c"]))[1] != key


def test_tween_tables_keep_their_own_names_and_nan_survives():
    table = _table()
    table.loc[0, "text"] = None
    payload, _ = spec_json(tween_scatter(table, frame_titles=["a", "b", "c"], tracked=["e1", "e2"], trails=True))
    tables = decode_tables(payload.tables, payload.blob)
    assert len(tables) >= 3  # points, the tracked few, their trails
    assert max(len(t) for t in tables.values()) == len(table) == payload.n_points
    points = next(t for t in tables.values() if len(t) == len(table))
    assert pd.isna(points["text"].iloc[0]) and points["text"].iloc[1] == "text 1"  # a null, not "nan"


def test_renderer_follows_the_point_count():
    assert renderer_choice(POINTS_ABOVE) == "vega" and renderer_choice(POINTS_ABOVE + 1) == "pixels"


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_blocked_query_is_identical_to_the_whole_array_computation(metric, monkeypatch):
    rng = np.random.default_rng(0)
    hidden = rng.normal(size=(1000, 6)).astype(np.float32)
    hidden[10] = hidden[11]  # a duplicate: a tie that the index must break
    monkeypatch.setattr(nb, "_QUERY_BLOCK", 128)
    x = nb._prepare(hidden, metric)
    for row in (0, 11, 999):
        whole = nb._pair_distances(x, np.array([row]), np.arange(len(x))[None, :], metric)[0]
        whole[row] = np.inf
        blocked = nb._query(hidden, row, metric)
        assert np.array_equal(whole, blocked)
        assert np.array_equal(nb._top(blocked, 10), np.lexsort((np.arange(len(whole)), whole))[:10])
