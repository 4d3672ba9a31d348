"""Analysis in the hidden space: nearest neighbours and per-example label-quality scores (no torch)."""

from .label_quality import COMBINED, SIGNALS, explain_issues, label_issues, training_dynamics
from .neighbors import APPROXIMATE_ABOVE, nearest_neighbors, neighbor_table, neighborhood_change

__all__ = ["APPROXIMATE_ABOVE", "COMBINED", "SIGNALS", "explain_issues", "label_issues", "nearest_neighbors",
           "neighbor_table", "neighborhood_change", "training_dynamics"]
