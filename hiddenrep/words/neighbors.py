"""Nearest words in the embedding space, per checkpoint, and finding words by typing."""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd

from ..store import Run
from .record import words_run


def find_words(run: Run, query: str, *, limit: int = 20) -> list[str]:
    """Recorded words matching what was typed: the word itself first, then words starting with it
    ("table" → "tables"), else close spellings. Never words that merely contain it ("forgettable"),
    and never a word that was not recorded."""
    words = words_run(run).examples()["example_id"].tolist()
    query = query.strip().lower()
    if not query:
        return []
    exact = [w for w in words if w == query]
    prefix = sorted((w for w in words if w.startswith(query) and w != query), key=lambda w: (len(w), w))
    found = exact + prefix
    return (found or difflib.get_close_matches(query, words, n=limit, cutoff=0.75))[:limit]


def nearest_words(run: Run, checkpoint, word: str, k: int = 10) -> pd.DataFrame:
    """The ``k`` nearest recorded words to ``word`` at ``checkpoint`` by cosine distance.

    ``run`` is a training run recorded with words, or its ``.words`` companion. Columns: rank, word,
    word_class, distance, change ("stayed"/"joined" against the previous checkpoint; the words that
    "left" follow with no rank), as :func:`hiddenrep.analysis.neighbor_table` gives for examples.
    """
    from ..analysis import neighbor_table

    words = words_run(run)
    known = words.examples()["example_id"].tolist()
    if word not in known:
        close = find_words(words, word, limit=5)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise LookupError(f"{word!r} is not among the {len(known)} recorded words of run {words.id}.{hint}")
    table = neighbor_table(words, checkpoint, word, k=k, metric="cosine")
    return table.rename(columns={"example_id": "word", "label": "word_class"})[
        ["rank", "word", "word_class", "distance", "change"]]


def nearest_words_by_checkpoint(run: Run, word: str, k: int = 10) -> pd.DataFrame:
    """One row per checkpoint: epoch and the ``k`` nearest words, nearest first (the drift story in one table)."""
    words = words_run(run)
    rows = []
    for checkpoint in words.checkpoints:
        table = nearest_words(words, checkpoint, word, k=k)
        ranked = table[table["rank"].notna()]
        rows.append({"checkpoint": checkpoint.name, "epoch": checkpoint.epoch,
                     "nearest": ", ".join(ranked["word"]),
                     "joined": ", ".join(ranked.loc[ranked["change"] == "joined", "word"]),
                     "mean_distance": float(np.mean(ranked["distance"]))})
    return pd.DataFrame(rows)


def word_distances(run: Run, pairs: list[tuple[str, str]]) -> pd.DataFrame:
    """Cosine distance between each pair of recorded words at every checkpoint (long format:
    checkpoint, epoch, pair "a – b", word_a, word_b, distance). The seed's story in numbers: does
    "food" come closer to "pork" as training goes on?"""
    words = words_run(run)
    known = {w: i for i, w in enumerate(words.examples()["example_id"])}
    missing = sorted({w for pair in pairs for w in pair} - set(known))
    if missing:
        raise LookupError(f"{', '.join(map(repr, missing))} not among the {len(known)} recorded words of run "
                          f"{words.id}.")
    rows = []
    for checkpoint in words.checkpoints:
        vectors = np.asarray(words.load(checkpoint, "hidden"), dtype=np.float64)
        for a, b in pairs:
            va, vb = vectors[known[a]], vectors[known[b]]
            distance = 1.0 - float(va @ vb / max(np.linalg.norm(va) * np.linalg.norm(vb), 1e-12))
            rows.append({"checkpoint": checkpoint.name, "epoch": checkpoint.epoch, "pair": f"{a} – {b}",
                         "word_a": a, "word_b": b, "distance": distance})
    return pd.DataFrame(rows)
