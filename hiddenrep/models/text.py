"""Text models on token embeddings (their tokens come from :mod:`hiddenrep.models.vocab`)."""

from __future__ import annotations

import torch
from torch import nn


def masked_mean(vectors: torch.Tensor, token_ids: torch.Tensor) -> torch.Tensor:
    """Mean over the non-padding positions of (batch, length, dim) vectors."""
    mask = (token_ids != 0).unsqueeze(-1).to(vectors.dtype)
    return (vectors * mask).sum(1) / mask.sum(1).clamp(min=1.0)


class FeedForwardText(nn.Module):
    """Token embeddings → mean (or flatten) → dense hidden layer → output (the seed's simple model)."""

    def __init__(self, vocab_size: int, n_outputs: int, *, hidden: int = 64, embedding_dim: int = 50,
                 max_len: int = 64, pool: str = "mean", dropout: float = 0.2):
        super().__init__()
        if pool not in ("mean", "flatten"):
            raise ValueError(f"pool must be 'mean' or 'flatten', got {pool!r}.")
        self.pool = pool
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
        pooled = embedding_dim if pool == "mean" else embedding_dim * max_len
        self.hidden = nn.Sequential(nn.Dropout(dropout), nn.Linear(pooled, hidden), nn.ReLU())
        self.head = nn.Linear(hidden, n_outputs)

    def forward(self, token_ids: torch.Tensor) -> torch.Tensor:
        vectors = self.embedding(token_ids)
        pooled = masked_mean(vectors, token_ids) if self.pool == "mean" else vectors.flatten(1)
        return self.head(self.hidden(pooled))


class BiLSTMText(nn.Module):
    """Token embeddings → bidirectional LSTM → mean over tokens → dense hidden layer → output."""

    def __init__(self, vocab_size: int, n_outputs: int, *, hidden: int = 64, embedding_dim: int = 50,
                 lstm_size: int = 64, dropout: float = 0.2):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
        self.lstm = nn.LSTM(embedding_dim, lstm_size, batch_first=True, bidirectional=True)
        self.hidden = nn.Sequential(nn.Dropout(dropout), nn.Linear(2 * lstm_size, hidden), nn.ReLU())
        self.head = nn.Linear(hidden, n_outputs)

    def forward(self, token_ids: torch.Tensor) -> torch.Tensor:
        lengths = (token_ids != 0).sum(1).clamp(min=1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(
            self.embedding(token_ids), lengths, batch_first=True, enforce_sorted=False
        )
        outputs, _ = self.lstm(packed)
        outputs, _ = nn.utils.rnn.pad_packed_sequence(outputs, batch_first=True, total_length=token_ids.shape[1])
        return self.head(self.hidden(masked_mean(outputs, token_ids)))
