"""Training and recording: :func:`train` for the built-in models, :class:`Recorder` for any loop."""

from .loop import Callback, Cancelled, TrainConfig, TrainEvent, train
from .recorder import Recorder

__all__ = ["Callback", "Cancelled", "Recorder", "TrainConfig", "TrainEvent", "train"]
