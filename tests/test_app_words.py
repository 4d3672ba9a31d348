"""The Words page through AppTest: a words run animated, lexicon colours, typed words tracked, nearest words."""

from __future__ import annotations

import json
import shutil

from conftest import PAGES, components, open_page, texts

from hiddenrep.ui import state



def test_words_page_animates_words_and_tracks_the_seeds_examples(words_store):
    at = open_page("words.py", words_store)  # the training run: its .words companion is found
    spec = json.loads(json.loads(components(at)[0].proto.json_args)["spec"])
    params = {p["name"]: p for p in spec["params"]}
    assert params["tracked"]["value"] == ["food", "ramen", "pork"]  # the seed's story, followed from the start
    assert params["nframes"]["value"] == 3 and "13 words × 3 checkpoints" in texts(at)
    drift = at.dataframe[0].value
    assert list(drift["epoch"]) == [0, 1, 2] and drift["nearest"].str.len().gt(0).all()
    find = next(t for t in at.text_input if t.label == "Find words")
    assert "food, ramen, pork" in find.placeholder  # examples taken from the recorded words
    find.set_value("piz").run()
    next(b for b in at.button if b.label.startswith("Track pizza")).click().run()
    assert at.session_state[state.WORDS_TRACKED][-1] == "pizza"
    next(t for t in at.text_input if t.label == "Find words").set_value("table").run()
    assert "'table' is not among the 13 recorded words" in texts(at)
    assert next(b for b in at.button if b.label == "Track").disabled
    # the distance over checkpoints of the seed's pair, ramen drifting toward food (see the fixture)
    picks = [s for s in at.selectbox if s.label in ("Word", "and")]
    assert [p.value for p in picks] == ["food", "pork"]
    picks[1].set_value("ramen").run()
    caption = next(c.value for c in at.caption if c.value.startswith("Cosine distance food – ramen"))
    assert "closer" in caption
    assert {s.label for s in at.selectbox} >= {"Projection", "Stability"}
    colour = next(s for s in at.selectbox if s.label == "Colour by")
    colour.set_value("VADER sentiment").run()
    spec = json.loads(json.loads(components(at)[0].proto.json_args)["spec"])
    assert "VADER" in json.dumps(spec)


def test_words_page_without_words_explains_and_offers_training(tiny_run, tmp_path, monkeypatch):
    shutil.copytree(tiny_run.path, tmp_path / tiny_run.id)
    monkeypatch.setenv("HIDDENREP_RUNS", str(tmp_path))
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PAGES / "words.py"), default_timeout=60)
    at.session_state[state.RUN_ID] = tiny_run.id
    at.run()
    assert not at.exception
    assert "recorded no word embeddings" in texts(at) and "--embeddings glove-50d --words" in texts(at)
    assert {r.label for r in at.radio} == {"Embeddings start"}
    assert next(s for s in at.selectbox if s.label == "Dataset").value == "food-mentions"
