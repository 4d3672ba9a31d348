"""Word embeddings that drift during training: GloVe initialisation, word lists, per-checkpoint recording.

Train with ``TrainConfig(embeddings="glove-50d")`` to start the embedding layer from the real
glove.6B.50d vectors, and ``train(..., record_words=True)`` to record the embedding rows of the
vocabulary's lexicon words (plus the most frequent others) at every checkpoint into the companion
run ``<run_id>.words``; :func:`nearest_words` then reads neighbours per checkpoint. No torch here.

Layer: word-embedding runs and word lists, beside training. May import: analysis, data, store. Never torch
(the training loop hands it the embedding table) or streamlit.
"""

from .glove import GLOVE_DIM, GloVe, load_glove
from .lexicons import FOOD_WORDS, WORD_CLASSES, afinn_lexicon, profanity_words, vader_lexicon, word_table
from .neighbors import find_words, nearest_words, nearest_words_by_checkpoint, word_distances
from .record import DEFAULT_MAX_WORDS, SEED_WORDS, WordRecorder, default_words, words_data, words_run, words_run_id

__all__ = [
    "DEFAULT_MAX_WORDS", "FOOD_WORDS", "SEED_WORDS", "GLOVE_DIM", "GloVe", "WORD_CLASSES", "WordRecorder", "afinn_lexicon",
    "default_words", "find_words", "load_glove", "nearest_words", "nearest_words_by_checkpoint",
    "profanity_words", "vader_lexicon", "word_distances", "word_table", "words_data", "words_run", "words_run_id",
]
