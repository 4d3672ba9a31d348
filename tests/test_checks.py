"""The one input check (hiddenrep.checks) as each layer's public functions use it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hiddenrep.analysis import nearest_neighbors
from hiddenrep.animate import tween
from hiddenrep.reduce import PCA
from hiddenrep.viz import scatter_table


@pytest.mark.parametrize("call, bad, message", [
    (lambda x: PCA().fit(x), np.zeros(5), r"X must be a 2-D array of shape \(n_points, n_features\), got shape \(5,\)"),
    (lambda x: PCA().fit(x), np.zeros((2, 4)), "X has 2 points; a projection needs at least 3"),
    (lambda x: PCA().fit(x), np.array([[0, 1], [np.nan, 1], [1, 1]]), "X contains NaN .* damaged or diverged"),
    (lambda x: nearest_neighbors(x, k=1), np.zeros((3, 2, 1)), r"vectors must be a 2-D array"),
    (lambda x: nearest_neighbors(x, k=1), np.array([[0, 1], [np.inf, 1], [1, 1]]), "vectors contains NaN"),
    (lambda x: tween(x), np.zeros((2, 3, 3)), r"coords must be a 3-D array of shape \(n_checkpoints, n_points, 2\)"),
    (lambda x: tween(x), np.zeros((2, 0, 2)), r"got shape \(2, 0, 2\)"),
    (lambda x: tween(x), np.full((2, 3, 2), np.nan), "coords contains NaN .* the projection failed"),
    (lambda x: scatter_table(x, pd.DataFrame({"a": [1]})), np.zeros((2, 1)), r"\(n_frames, n_points, 2\)"),
    (lambda x: scatter_table(x, pd.DataFrame({"a": []})), np.zeros((2, 0, 2)), r"got shape \(2, 0, 2\)"),
])
def test_bad_input_is_refused_with_what_is_wrong(call, bad, message):
    with pytest.raises(ValueError, match=message):
        call(bad)

