"""The deterministic tokenizer and the vocabulary the text models use (numpy only, no torch)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

PAD, UNK = "<pad>", "<unk>"
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")


def tokenize(text: str) -> list[str]:
    """Lower-cased words (with English contractions kept whole) and single punctuation marks."""
    return _TOKEN.findall(text.lower())


@dataclass
class Vocabulary:
    """Token ↔ id map built from the training split only; id 0 pads, id 1 is unknown."""

    tokens: list[str]

    @classmethod
    def build(cls, texts: list[str], *, min_count: int = 2, max_size: int = 20000) -> "Vocabulary":
        counts = Counter(token for text in texts for token in tokenize(text))
        kept = sorted((t for t, c in counts.items() if c >= min_count), key=lambda t: (-counts[t], t))
        return cls([PAD, UNK] + kept[: max_size - 2])

    def __post_init__(self) -> None:
        self.index = {token: i for i, token in enumerate(self.tokens)}

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, texts: list[str], max_len: int) -> np.ndarray:
        """(n, max_len) int64 ids, truncated and right-padded with 0."""
        out = np.zeros((len(texts), max_len), dtype=np.int64)
        for row, text in enumerate(texts):
            ids = [self.index.get(t, 1) for t in tokenize(text)[:max_len]]
            out[row, : len(ids)] = ids
        return out
