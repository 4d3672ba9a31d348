"""Record word embeddings at every checkpoint as a companion run whose examples are words.

The companion of run ``R`` is the ordinary run ``R.words``: example_id = text = the word, label =
its word class (profane / food / negative / positive / other), ``hidden`` = the word's embedding
row at that checkpoint. So every page, projection and neighbour table works on it unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..data import TRAIN, LabeledData
from ..data.fetch import Progress
from ..store import COMPLETE, Run, RunStore, RunWriter
from .glove import load_glove
from .lexicons import FOOD_WORDS, WORD_CLASSES, afinn_lexicon, profanity_words, vader_lexicon, word_table

SUFFIX = ".words"
DEFAULT_MAX_WORDS = 2000
# The blog post's story: "food" starts far from "ramen" and "pork" and comes closer; "table" nears "restaurant".
SEED_WORDS = ("food", "ramen", "pork", "restaurant", "table")


def words_run_id(run_id: str) -> str:
    return f"{run_id}{SUFFIX}"


def words_run(run: Run) -> Run:
    """The companion words run of ``run`` (``run`` itself when it already is one)."""
    if run.manifest.get("words_of"):
        return run
    path = run.path.with_name(words_run_id(run.id))
    if not (path / "manifest.json").exists():
        raise LookupError(f"Run {run.id} recorded no word embeddings; train it with record_words=True "
                          "(or `hiddenrep train --words`) to get the companion run "
                          f"{words_run_id(run.id)}.")
    return Run(path)


def default_words(tokens: Sequence[str], *, also: Sequence[str] = (), max_words: int = DEFAULT_MAX_WORDS,
                  progress: Progress | None = None) -> list[str]:
    """Which vocabulary words to follow: ``also`` and the seed's words (:data:`SEED_WORDS`) whenever
    the vocabulary has them, every lexicon word (sentiment, profane, food), then the most frequent
    others, up to ``max_words``. ``tokens`` is in frequency order (as ``Vocabulary.tokens``)."""
    listed = set(vader_lexicon(progress)) | set(afinn_lexicon(progress)) | profanity_words(progress) | FOOD_WORDS
    words = [t for t in tokens[2:] if any(c.isalpha() for c in t)]  # no padding/unknown, numbers, punctuation
    in_vocabulary = set(tokens[2:])
    chosen = list(dict.fromkeys(w for w in (*also, *SEED_WORDS) if w in in_vocabulary))
    taken = set(chosen)
    chosen += [w for w in words if w in listed and w not in taken][: max(0, max_words - len(chosen))]
    taken = set(chosen)
    chosen += [w for w in words if w not in taken][: max(0, max_words - len(chosen))]
    return sorted(chosen, key={t: i for i, t in enumerate(tokens)}.__getitem__)


def words_data(words: Sequence[str], *, name: str, glove: bool = False,
               progress: Progress | None = None) -> LabeledData:
    """Words as a dataset: one example per word, labelled by its word class, lexicon scores as metadata.

    ``glove``: add an ``in_glove`` column (the word started from its GloVe vector, not at random).
    """
    table = word_table(list(words), progress=progress)
    metadata = table.drop(columns=["word", "word_class"])
    if glove:
        metadata["in_glove"] = [w in load_glove().index for w in words]
    ids = np.array(list(words), dtype=str)
    return LabeledData(
        name=name, ids=ids, inputs=list(words), texts=list(words),
        labels=np.array([WORD_CLASSES.index(c) for c in table["word_class"]], dtype=np.int64),
        class_names=list(WORD_CLASSES), split=np.full(len(words), TRAIN), metadata=metadata,
        description="Embedding rows of vocabulary words, coloured by VADER/AFINN sentiment, profanity and food.",
    )


class WordRecorder:
    """Writes the embedding rows of chosen words to the companion run at each checkpoint.

    ``weights`` returns the current (vocab_size, dim) embedding matrix as numpy (e.g.
    ``lambda: model.embedding.weight.detach().cpu().numpy()``), so this module needs no torch.
    """

    def __init__(self, writer: RunWriter, rows: np.ndarray, weights: Callable[[], np.ndarray]):
        self.writer = writer
        self.rows = rows
        self.weights = weights

    @classmethod
    def start(cls, store: RunStore, run_id: str, tokens: Sequence[str], weights: Callable[[], np.ndarray], *,
              words: Sequence[str] | None = None, also: Sequence[str] = (), dataset: str = "", model: str = "",
              config: dict | None = None, seed: int | None = None, glove: bool = False,
              progress: Progress | None = None) -> "WordRecorder":
        """Create run ``<run_id>.words`` for exactly ``words``, or by default :func:`default_words` with
        ``also`` (words a user asked for) first. Asked-for words the vocabulary lacks are listed in the
        manifest's ``not_in_vocabulary``, so a page can say why they cannot be followed."""
        index = {t: i for i, t in enumerate(tokens)}
        chosen = (default_words(tokens, also=also, progress=progress) if words is None
                  else list(dict.fromkeys(words)))
        kept = [w for w in chosen if w in index and index[w] > 1]  # rows 0/1 are padding and unknown
        asked = list(dict.fromkeys([*(words or ()), *also, *SEED_WORDS]))
        not_in_vocabulary = [w for w in asked if w not in index or index[w] <= 1]
        if len(kept) < 3:
            raise ValueError(f"Only {len(kept)} of the {len(chosen)} requested words are in the vocabulary "
                             f"of {len(tokens)} tokens; record at least 3 words that occur in the training texts.")
        rows = np.array([index[w] for w in kept], dtype=np.int64)
        data = words_data(kept, name=f"{dataset} words", glove=glove, progress=progress)
        writer = store.create_from_data(
            words_run_id(run_id), data, modality="words",
            model={"name": model, "hidden_layer": "embedding", "capture": "weights"},
            config=config or {}, seed=seed, overwrite=True, words_of=run_id, not_in_vocabulary=not_in_vocabulary,
        )
        return cls(writer, rows, weights)

    def record(self, *, epoch: float, step: int) -> None:
        matrix = self.weights()
        with self.writer.checkpoint(epoch=epoch, step=step) as checkpoint:
            checkpoint.write("hidden", np.asarray(matrix[self.rows], dtype=np.float32))
            checkpoint.metrics["mean_norm"] = float(np.linalg.norm(matrix[self.rows], axis=1).mean())

    def finish(self, status: str = COMPLETE, *, error: str | None = None) -> Run:
        return self.writer.finish(status, error=error)
