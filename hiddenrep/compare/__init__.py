"""Compare two runs on the same examples (no torch): class separation in each hidden space, neighbourhood
agreement, and a joint projection into one aligned frame for a model → model transition.

    table = compare_runs(run_a, run_b)          # per shared epoch: knn_accuracy_a/b, silhouette_a/b, agreement
    joint = joint_projection(run_a, run_b)      # joint.coords (2, n, 2): A's final layout, B's aligned onto it
    frames = hiddenrep.animate.tween(joint.coords, steps=30)

Layer: two runs in, tables and a joint projection out. May import: analysis, reduce, data, store. Never torch
or streamlit.
"""

from .runs import (JointProjection, compare_runs, joint_projection, knn_votes, matched_checkpoints, matched_rows,
                   neighbourhood_agreement, separation)

__all__ = ["JointProjection", "compare_runs", "joint_projection", "knn_votes", "matched_checkpoints",
           "matched_rows", "neighbourhood_agreement", "separation"]
