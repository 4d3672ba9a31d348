import numpy as np
import pytest
from hiddenrep.data import synthetic
from hiddenrep.models import HIDDEN_LAYER, Vocabulary, build_model, tokenize


def test_tokenizer_keeps_contractions_and_punctuation():
    assert tokenize("It's NOT good, really!") == ["it's", "not", "good", ",", "really", "!"]


def test_vocabulary_is_deterministic_and_built_from_given_texts():
    texts = ["b a a", "c b a", "a d"]
    vocab = Vocabulary.build(texts, min_count=2)
    assert vocab.tokens == ["<pad>", "<unk>", "a", "b"]
    assert vocab.encode(["a z b"], max_len=5).tolist() == [[2, 1, 3, 0, 0]]


@pytest.mark.parametrize("name,kind", [("ffnn", "text"), ("bilstm", "text"), ("mlp", "vector")])
def test_models_expose_the_hidden_layer(name, kind):
    data = synthetic(n=40, kind=kind)
    prepared = build_model(name, data, hidden=12)
    seen = []
    layer = dict(prepared.model.named_modules())[HIDDEN_LAYER]
    layer.register_forward_hook(lambda m, a, out: seen.append(out))
    logits = prepared.model(prepared.inputs[:5])
    assert logits.shape == (5, 3) and seen[0].shape == (5, 12)


def test_cnn_on_images():
    data = synthetic(n=10, kind="vector")
    data.inputs = np.random.default_rng(0).random((10, 28, 28), dtype=np.float32)
    data.modality = "image"
    prepared = build_model("cnn", data, hidden=8)
    assert prepared.model(prepared.inputs).shape == (10, 3)


def test_vocabulary_ignores_validation_texts():
    data = synthetic(n=200)
    prepared = build_model("ffnn", data)
    train_tokens = {t for text, s in zip(data.inputs, data.split) if s == "train" for t in tokenize(text)}
    assert set(prepared.vocabulary.tokens[2:]) <= train_tokens


def test_wrong_modality_suggests_models():
    with pytest.raises(ValueError, match="ffnn, bilstm"):
        build_model("cnn", synthetic(n=20))


def test_flatten_pool():
    data = synthetic(n=20)
    prepared = build_model("ffnn", data, pool="flatten", max_len=16)
    assert prepared.model(prepared.inputs).shape == (20, 3)
    with pytest.raises(ValueError, match="pool"):
        build_model("ffnn", data, pool="max")
