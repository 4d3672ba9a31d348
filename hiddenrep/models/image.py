"""Image and vector models; like the text models, each names its classifier input ``hidden``."""

from __future__ import annotations

import torch
from torch import nn


class MLP(nn.Module):
    """Flattened input → dense → dense hidden layer → output. Works for images and plain vectors."""

    def __init__(self, n_inputs: int, n_outputs: int, *, hidden: int = 64, width: int = 256, dropout: float = 0.2):
        super().__init__()
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(n_inputs, width), nn.ReLU(), nn.Dropout(dropout))
        self.hidden = nn.Sequential(nn.Linear(width, hidden), nn.ReLU())
        self.head = nn.Linear(hidden, n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.hidden(self.body(x)))


class SmallCNN(nn.Module):
    """Two conv/pool blocks on a 28×28 image → dense hidden layer → output."""

    def __init__(self, n_outputs: int, *, hidden: int = 64, dropout: float = 0.2):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(dropout),
        )
        self.hidden = nn.Sequential(nn.Linear(32 * 7 * 7, hidden), nn.ReLU())
        self.head = nn.Linear(hidden, n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 3:
            x = x.unsqueeze(1)
        return self.head(self.hidden(self.body(x)))
