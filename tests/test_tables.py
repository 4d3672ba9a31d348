"""The neighbour and suspected-mislabel tables read at a glance: text first, words not scores."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from hiddenrep.analysis import explain_issues, label_issues, neighbor_table
from hiddenrep.ui.tables import neighbour_html, suspects_table


def _rows(markup: str) -> list[str]:
    return re.findall(r"<tr class=\"(\w*)\" title=\"[^\"]*\">(.*?)</tr>", markup)


def test_neighbour_table_starts_with_the_example_and_greys_those_that_left(tiny_run):
    example = tiny_run.examples()["example_id"].iloc[7]
    for checkpoint in tiny_run.checkpoints[1:]:
        table = neighbor_table(tiny_run, checkpoint.name, example, include_self=True)
        assert table.iloc[0]["example_id"] == example and table.iloc[0]["distance"] == 0
        assert table.iloc[0]["change"] == "itself" and (table["change"] == "itself").sum() == 1
        markup = neighbour_html(table)
        rows = _rows(markup)
        assert rows[0][0] == "itself" and f'title="{example}"' in markup.split("</tr>")[1]
        assert "None" not in markup and "&lt;NA&gt;" not in markup and "<NA>" not in markup
        left = [cells for kind, cells in rows if kind == "left"]
        assert len(left) == (table["change"] == "left").sum()
        assert all('<td class="num">left</td>' in cells for cells in left)
        assert markup.index("<th>text</th>") < markup.index("<th>label</th>") < markup.index("<th>rank</th>")
        if left:
            return
    raise AssertionError("no checkpoint of the tiny run has a neighbour that left; pick another example")


def test_neighbour_text_is_escaped_and_wraps():
    table = pd.DataFrame({"rank": pd.array([0, 1], dtype="Int64"), "example_id": ["a", "b"],
                          "text": ["<b>bold</b> & more", "plain"], "label": ["x", "y"], "prediction": ["y", "y"],
                          "correct": [False, True], "distance": [0.0, 0.25], "change": ["itself", "joined"]})
    markup = neighbour_html(table)
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in markup and "<b>bold" not in markup
    assert "white-space: normal" in markup and 'class="wrong"' in markup
    assert ">new</span> 1<" in markup  # a neighbour that joined says so beside its rank


def test_suspects_read_as_text_labels_and_reasons(tiny_run):
    issues = label_issues(tiny_run)
    table = suspects_table(issues, n=20)
    assert list(table.columns) == ["text", "given label", "predicted", "why suspect", "example_id"]
    assert "label_issue_score" not in table.columns  # a rank score is no progress bar
    expected = issues.sort_values("label_issue_score", kind="stable")["example_id"].head(20).tolist()
    assert table["example_id"].tolist() == expected
    assert table["why suspect"].str.len().gt(10).all()


def test_reasons_follow_the_signals():
    frame = pd.DataFrame({"label": ["pos", "neg"], "prediction": ["neg", "neg"], "knn_agreement": [0.2, 0.9],
                          "first_epoch_learned": [np.nan, 1.0], "confidence": [0.1, 0.8],
                          "prediction_flips": [3, 0], "cleanlab_issue": [True, False]})
    suspect, fine = explain_issues(frame)
    assert suspect.startswith("80% of its nearest neighbours carry another label")
    for words in ("predicts neg", "never learned", "10% probability", "flipped 3 times", "cleanlab flags it"):
        assert words in suspect
    assert "no single signal" in fine
