"""Chart builders: pure functions returning Altair charts (Vega-Lite specs). No streamlit, no torch.

Every scatter (Explore, Animate, Compare, Words, the HTML export) comes from :func:`scatter_chart`. What the
colours mean (values read from a run) is analysis: :func:`hiddenrep.analysis.coloring`.

Layer: tables in, charts out; no run is opened here. May import: checks. Never torch or streamlit (a test
checks).
"""

from .curves import frame_quality, training_curves, word_distance_chart
from .scatter import (EXTENT, epoch_scatter, n_frames_of, place_labels, scatter_chart, scatter_table, track_letters,
                      tween_scatter)

__all__ = ["EXTENT", "epoch_scatter", "frame_quality", "n_frames_of", "place_labels", "scatter_chart", "scatter_table",
           "track_letters", "training_curves", "tween_scatter", "word_distance_chart"]
