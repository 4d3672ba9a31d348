"""Chart builders: pure functions returning Altair charts (Vega-Lite specs). No streamlit, no torch."""

from .colors import COLOR_BY, Coloring, color_options, coloring
from .curves import frame_quality, training_curves, word_distance_chart
from .scatter import EXTENT, epoch_scatter, n_frames_of, scatter_table

__all__ = ["COLOR_BY", "EXTENT", "Coloring", "color_options", "coloring", "epoch_scatter", "frame_quality", "n_frames_of",
           "scatter_table", "training_curves", "word_distance_chart"]
