"""Analysis in the hidden space: nearest neighbours, per-example label-quality scores and colour values (no torch).

Layer: arrays in, arrays and tables out, read from runs. May import: reduce, data, store, checks. Never torch
or streamlit (a test checks).
"""

from .coloring import COLOR_BY, Coloring, color_options, coloring
from .label_quality import COMBINED, SIGNALS, explain_issues, label_issues, training_dynamics
from .neighbors import APPROXIMATE_ABOVE, nearest_neighbors, neighbor_table, neighborhood_change

__all__ = ["APPROXIMATE_ABOVE", "COLOR_BY", "COMBINED", "SIGNALS", "Coloring", "color_options", "coloring",
           "explain_issues", "label_issues", "nearest_neighbors", "neighbor_table", "neighborhood_change",
           "training_dynamics"]
