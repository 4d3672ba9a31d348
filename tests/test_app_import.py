"""The Import / export page and Explore's downloads through Streamlit's AppTest."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from conftest import texts

from hiddenrep.io import InvalidImportError, import_run
from hiddenrep.store import RunStore
from hiddenrep.ui import state

APP = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")
PAGE = str(Path(__file__).resolve().parents[1] / "app_pages" / "import.py")
TIMEOUT = 60
RNG = np.random.default_rng(0)
N, D = 45, 5
IDS = [f"ex{i:02d}" for i in range(N)]
LABELS = ["cat" if i % 3 else "dog" for i in range(N)]
VECS = [RNG.normal(size=(N, D)).astype(np.float32) for _ in range(3)]


def csv_bytes(vectors: np.ndarray, *, labels=None) -> bytes:
    frame = pd.DataFrame(vectors, columns=[f"d{j}" for j in range(vectors.shape[1])])
    frame.insert(0, "id", IDS[: len(frame)])
    if labels is not None:
        frame["label"] = labels
    return frame.to_csv(index=False, float_format="%.9g").encode()


@pytest.fixture
def runs_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("HIDDENREP_RUNS", str(tmp_path / "runs"))
    return tmp_path / "runs"


@pytest.fixture
def import_page(runs_dir):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("app_pages/import.py").run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def downloads(monkeypatch):
    """What each download button would send, by file name: bytes, or the callable of a deferred one."""
    sent: dict[str, object] = {}
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def record(self, data, mimetype, coordinates, file_name=None, **kwargs):
        sent[file_name] = data
        return add(self, data, mimetype, coordinates, file_name=file_name, **kwargs)

    def record_deferred(self, data, mimetype, coordinates, file_name=None, **kwargs):
        sent[file_name] = data
        return add_deferred(self, data, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", record)
    monkeypatch.setattr(MediaFileManager, "add_deferred", record_deferred)
    return sent


def _upload(at: AppTest, files, **options) -> AppTest:
    at.file_uploader[0].set_value([(name, data, "application/octet-stream") for name, data in files])
    for label, value in options.items():
        next(t for t in at.text_input if t.label == label).set_value(value)
    next(b for b in at.button if b.label == "Import").click()
    return at.run()


def test_a_good_upload_becomes_the_selected_run_and_opens_in_explore(import_page, runs_dir):
    at = import_page
    assert "Accepted formats" in [e.label for e in at.expander] and "TensorBoard projector" in texts(at)
    files = [(f"epoch_{e}.csv", csv_bytes(VECS[e], labels=LABELS)) for e in (2, 0, 1)]  # order from the names
    at = _upload(at, files, **{"Run id": "my-vectors", "Dataset name": "pets"})
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    run = RunStore(runs_dir).open("my-vectors")
    assert run.status == "complete" and [c.epoch for c in run.checkpoints] == [0, 1, 2]
    np.testing.assert_array_equal(run.load(1, "hidden"), VECS[1])
    assert run.class_names == ["cat", "dog"] and "probs" in run.array_names(0)  # the linear probe is on
    assert "Imported **my-vectors**: 3 checkpoint(s) of 5-dimensional vectors for 45 examples" in texts(at)
    # After a page switch AppTest re-runs only the page, not the router with its picker: the page has
    # asked the picker to select the run; a session that runs the router shows it selected.
    # (Or AppTest did re-run the router, which then selected it already.)
    asked = at.session_state[state.NEXT_RUN_ID] if state.NEXT_RUN_ID in at.session_state else None
    assert asked == "my-vectors" or at.session_state[state.RUN_ID] == "my-vectors"
    fresh = AppTest.from_file(APP, default_timeout=TIMEOUT)
    fresh.session_state[state.NEXT_RUN_ID] = "my-vectors"
    fresh.run()
    assert fresh.sidebar.selectbox[0].value == "my-vectors" and state.NEXT_RUN_ID not in fresh.session_state
    next(b for b in at.button if b.label == "Open it in Explore").click().run()
    assert not at.exception, at.exception
    assert "Explore a run" in [t.value for t in at.title]


def test_a_malformed_upload_shows_the_library_message_and_leaves_no_run(import_page, runs_dir, tmp_path):
    bad = csv_bytes(VECS[1]).replace(b"\nex03,", b"\nex03,nope,", 1)  # a ragged row with text in it
    files = [("epoch_0.csv", csv_bytes(VECS[0])), ("epoch_1.csv", bad)]
    with pytest.raises(InvalidImportError) as expected:
        import_run(files, store=RunStore(tmp_path / "scratch"), run_id="scratch")
    at = _upload(import_page, files, **{"Run id": "broken"})
    assert not at.exception, at.exception
    (error,) = at.error
    assert "Nothing was imported" in error.value and str(expected.value) in error.value
    assert not RunStore(runs_dir).exists("broken") and RunStore(runs_dir).list() == []
    # no half-written run directory either (the store's .locks folder may stay)
    assert not runs_dir.exists() or not any(p.name != ".locks" for p in runs_dir.iterdir())
    assert state.IMPORTED not in at.session_state


def test_bad_options_and_the_size_limit_are_reported_before_anything_is_stored(import_page, runs_dir, monkeypatch):
    from hiddenrep.ui import transfer

    files = [(f"epoch_{e}.csv", csv_bytes(VECS[e])) for e in range(2)]
    at = _upload(import_page, files, **{"Epochs (optional)": "one, two"})
    assert "give numbers separated by commas" in at.error[0].value
    at = _upload(at, files, **{"Epochs (optional)": "0, 1, 2"})
    assert "3 epochs given for 2 checkpoint files" in at.error[0].value
    monkeypatch.setattr(transfer, "upload_limit_mb", lambda: 1)
    at.run()  # a new limit makes a new uploader widget
    big = csv_bytes(RNG.normal(size=(N, 3000)).astype(np.float32))  # about 2 MiB
    at = _upload(at, [("epoch_0.csv", big)], **{"Epochs (optional)": ""})
    assert "over the import limit of 1.0 MiB" in at.error[0].value
    assert RunStore(runs_dir).list() == []


def test_the_export_tab_zips_the_selected_run_in_every_format(tiny_run, monkeypatch, downloads):
    monkeypatch.setenv("HIDDENREP_RUNS", str(tiny_run.path.parent))
    # the page alone, as the router would leave it (AppTest drops the picker's state on a page switch)
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state[state.RUN_ID] = tiny_run.id
    at.run()
    assert not at.exception, at.exception
    assert [b.label for b in at.download_button] == ["Hidden vectors, 4 checkpoints (zip)"]
    at.radio[0].set_value("tensorboard").run()
    blob = downloads[f"{tiny_run.id}-tensorboard.zip"]()  # built only when clicked
    names = zipfile.ZipFile(io.BytesIO(blob)).namelist()
    assert f"{tiny_run.id}/projector_config.pbtxt" in names and f"{tiny_run.id}/metadata.tsv" in names


@pytest.fixture
def explore(downloads, explore):
    """conftest's Explore page, opened once the download buttons are captured."""
    return explore


def test_explore_downloads_the_tables_as_csv(explore, tiny_run, downloads):
    from hiddenrep.analysis import label_issues, neighbor_table

    at = explore
    labels = [b.label for b in at.download_button]
    assert "All scores (CSV)" in labels and "Neighbours (CSV)" not in labels  # no example picked yet
    scores = pd.read_csv(io.BytesIO(downloads[f"{tiny_run.id}-label-issues.csv"]))
    expected = label_issues(tiny_run, checkpoint=len(tiny_run.checkpoints) - 1).sort_values("label_issue_score")
    assert len(scores) == len(tiny_run.examples()) and list(scores.columns) == list(expected.columns)
    assert scores["example_id"].tolist() == expected["example_id"].tolist()
    np.testing.assert_allclose(scores["label_issue_score"], expected["label_issue_score"])

    example = tiny_run.examples()["example_id"].iloc[7]
    at.session_state[state.EXAMPLE_ID] = example
    at.session_state[state.FRAME] = 1
    at.run()
    assert "Neighbours (CSV)" in [b.label for b in at.download_button]
    table = pd.read_csv(io.BytesIO(downloads[f"{tiny_run.id}-{tiny_run.checkpoints[1].name}-neighbours-of-{example}.csv"]))
    expected = neighbor_table(tiny_run, tiny_run.checkpoints[1].name, example, k=10)
    assert table["example_id"].tolist() == expected["example_id"].tolist() and "image" not in table.columns


def test_explore_downloads_the_run_and_the_projection_that_import_back(explore, tiny_run, downloads, tmp_path):
    from hiddenrep.reduce import DEFAULT_MODES, cached_frames

    at = explore
    mode = DEFAULT_MODES["pca"]
    labels = [b.label for b in at.download_button]
    assert "Hidden vectors, 4 checkpoints (zip)" in labels and f"PCA projection ({mode}), x/y per checkpoint (zip)" in labels
    store = RunStore(tmp_path / "back")
    run = import_run(("run.zip", downloads[f"{tiny_run.id}-csv.zip"]()), store=store, run_id="run", probe=False)
    np.testing.assert_array_equal(run.load(3, "hidden"), tiny_run.load(3, "hidden"))
    points = import_run(("xy.zip", downloads[f"{tiny_run.id}-pca-{mode}-csv.zip"]()), store=store, run_id="xy",
                        probe=False)
    frames = cached_frames(tiny_run, method="pca", mode=mode)
    np.testing.assert_array_equal(points.load(2, "hidden"), frames.coords[2])
