"""Import every supported format, export → import round trips, and a corpus of malformed uploads."""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hiddenrep.io import FORMATS, InvalidImportError, export_projection, export_run, export_zip, import_run, table_csv
from hiddenrep.store import RunStore

RNG = np.random.default_rng(0)
N, D = 40, 6
IDS = [f"ex{i:02d}" for i in range(N)]
LABELS = ["cat" if i % 3 else "dog" for i in range(N)]
VECS = [RNG.normal(size=(N, D)).astype(np.float32) for _ in range(3)]


def csv_bytes(vectors, ids=IDS, labels=None, header=True) -> bytes:
    frame = pd.DataFrame(vectors, columns=[f"d{j}" for j in range(vectors.shape[1])])
    if ids is not None:
        frame.insert(0, "id", ids)
    if labels is not None:
        frame["label"] = labels
    return frame.to_csv(index=False, header=header, float_format="%.9g").encode()


def npy_bytes(array, allow_pickle=False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), buffer)
    return buffer.getvalue()


def nothing_left(store: RunStore) -> bool:
    """No run and no temp folder; the store's lock files (``.locks``, see hiddenrep.store) may stay."""
    return not store.root.exists() or not any(p.name != ".locks" for p in store.root.iterdir())


@pytest.fixture
def store(tmp_path):
    return RunStore(tmp_path / "runs")


# --- every format -----------------------------------------------------------------------------------


def test_csv_per_epoch_with_ids_labels_and_shuffled_rows(store):
    order = RNG.permutation(N)  # the second file lists the same examples in another order: joined by id
    files = [("epoch_1.csv", csv_bytes(VECS[0], labels=LABELS)),
             ("epoch_2.csv", csv_bytes(VECS[1][order], ids=np.array(IDS)[order], labels=np.array(LABELS)[order]))]
    run = import_run(files, store=store, run_id="csv")
    assert run.is_complete and [c.epoch for c in run.checkpoints] == [1.0, 2.0]
    assert run.examples()["example_id"].tolist() == IDS
    assert run.class_names == ["cat", "dog"]
    np.testing.assert_array_equal(run.load(1, "hidden"), VECS[1])
    assert set(run.array_names()) == {"hidden", "logits", "probs", "loss", "pred"}
    assert "linear probe" in run.manifest["predictions"]


def test_headerless_csv_and_points(store):
    files = [("a_10.csv", csv_bytes(VECS[0], ids=None, header=False)),
             ("a_9.csv", csv_bytes(VECS[1], ids=None, header=False))]
    run = import_run(files, store=store, run_id="plain", probe=False)
    assert [c.epoch for c in run.checkpoints] == [9.0, 10.0]  # numbers in names order the checkpoints
    np.testing.assert_array_equal(run.load(0, "hidden"), VECS[1])
    assert run.class_names == ["unlabeled"] and run.array_names() == ["hidden"]
    points = pd.DataFrame({"x": VECS[0][:, 0], "y": VECS[0][:, 1], "text": IDS}).to_csv(index=False).encode()
    run2 = import_run([("points.csv", points)], store=store, run_id="points")
    assert run2.load(0, "hidden").shape == (N, 2) and run2.examples()["text"].tolist() == IDS


def test_npy_with_metadata_table_and_explicit_epochs(store):
    meta = pd.DataFrame({"example_id": IDS, "label": LABELS, "split": ["train"] * 30 + ["test"] * 10,
                         "source": ["web"] * N, "score": np.arange(N) / 10})
    files = [("first.npy", npy_bytes(VECS[0])), ("second.npy", npy_bytes(VECS[1].astype(np.float64)))]
    run = import_run(files, metadata=("meta.csv", meta.to_csv(index=False).encode()), epochs=[0.5, 1],
                     store=store, run_id="npy")
    examples = run.examples()
    assert [c.epoch for c in run.checkpoints] == [0.5, 1.0]
    assert (examples["split"] == "validation").sum() == 10
    assert examples["meta:score"].dtype.kind == "f" and examples["meta:source"].iloc[0] == "web"
    np.testing.assert_allclose(run.load(1, "hidden"), VECS[1])


def test_parquet_with_a_list_column_and_multilabel(store):
    labels = ["a|b" if i % 2 else "b" for i in range(N)]
    frame = pd.DataFrame({"example_id": IDS, "embedding": list(VECS[0].astype(np.float64)), "labels": labels})
    run = import_run([("e1.parquet", parquet_bytes(frame))], store=store, run_id="pq")
    assert run.multilabel and run.class_names == ["a", "b"]
    assert run.examples()["label:a"].sum() == N // 2
    np.testing.assert_array_equal(run.load(0, "hidden"), VECS[0])
    assert run.load(0, "probs").shape == (N, 2)


def test_tensorboard_projector_folder_with_bytes_tensor(tmp_path, store):
    folder = tmp_path / "logdir"
    folder.mkdir()
    (folder / "metadata.tsv").write_text("\n".join(LABELS) + "\n")  # one column: labels, no header
    np.savetxt(folder / "v1.tsv", VECS[0], delimiter="\t", fmt="%.9g")
    (folder / "v2.bytes").write_bytes(VECS[1].astype("<f4").tobytes())
    (folder / "projector_config.pbtxt").write_text(
        'embeddings {\n tensor_name: "epoch 1"\n tensor_path: "v1.tsv"\n metadata_path: "metadata.tsv"\n}\n'
        f'embeddings {{\n tensor_name: "epoch 2"\n tensor_path: "v2.bytes"\n'
        f' tensor_shape: {N}\n tensor_shape: {D}\n}}\n'
    )
    (folder / "events.out.tfevents.1").write_bytes(b"\0" * 200_000)  # a logdir holds other files: not read
    run = import_run(folder, store=store, max_bytes=100_000)
    assert run.id == "import-logdir"
    assert run.class_names == ["cat", "dog"] and len(run.checkpoints) == 2
    np.testing.assert_array_equal(run.load(1, "hidden"), VECS[1])


def test_streamlit_like_upload_objects(store):
    class Upload(io.BytesIO):
        def __init__(self, name, data):
            super().__init__(data)
            self.name = name

    run = import_run([Upload("e0.csv", csv_bytes(VECS[0])), Upload("e1.csv", csv_bytes(VECS[1]))],
                     store=store, run_id="uploads")
    assert len(run.checkpoints) == 2


def test_existing_run_is_not_replaced_without_overwrite(store):
    import_run([("e.csv", csv_bytes(VECS[0]))], store=store, run_id="same")
    with pytest.raises(FileExistsError, match="already exists"):
        import_run([("e.csv", csv_bytes(VECS[1]))], store=store, run_id="same")
    run = import_run([("e.csv", csv_bytes(VECS[1]))], store=store, run_id="same", overwrite=True)
    np.testing.assert_array_equal(run.load(0, "hidden"), VECS[1])


# --- round trips ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_then_import_gives_the_same_run(tiny_run, tmp_path, fmt):
    folder = export_run(tiny_run, tmp_path / fmt, format=fmt)
    again = import_run(folder, store=RunStore(tmp_path / "runs"), run_id="again", probe=False)
    assert [(c.epoch, c.step) for c in again.checkpoints] == [(c.epoch, c.step) for c in tiny_run.checkpoints]
    for before, after in zip(tiny_run.checkpoints, again.checkpoints):
        np.testing.assert_array_equal(tiny_run.load(before, "hidden"), again.load(after, "hidden"))
    old, new = tiny_run.examples(), again.examples()
    for column in ("example_id", "split", "text", "label_name"):
        assert old[column].tolist() == new[column].tolist()


def test_projection_and_multilabel_round_trip(tmp_path):
    from hiddenrep.data import synthetic
    from hiddenrep.training import TrainConfig, train

    store = RunStore(tmp_path / "runs")
    data = synthetic(n=120, n_classes=3, multilabel=True, seed=1)
    run = train(TrainConfig(dataset="synthetic", model="ffnn", epochs=1, hidden=8), data, store=store)
    coords = [run.load(c, "hidden")[:, :2] * 2 for c in run.checkpoints]
    folder = export_projection(run, coords, tmp_path / "xy", format="csv")
    again = import_run(folder, store=store, run_id="xy")
    assert again.multilabel and again.class_names == run.class_names
    np.testing.assert_array_equal(again.load(-1, "hidden"), coords[-1])
    labels = [f"label:{c}" for c in run.class_names]
    np.testing.assert_array_equal(again.examples()[labels].to_numpy(), run.examples()[labels].to_numpy())


def test_zip_and_table_downloads(tiny_run):
    import zipfile

    blob = export_zip(tiny_run, format="tensorboard")
    names = zipfile.ZipFile(io.BytesIO(blob)).namelist()
    assert f"{tiny_run.id}/projector_config.pbtxt" in names and f"{tiny_run.id}/metadata.tsv" in names
    assert table_csv(pd.DataFrame({"a": [1]})) == b"a\n1\n"


def test_a_zip_from_the_download_button_imports_back(tiny_run, tmp_path):
    blob = export_zip(tiny_run, format="parquet")
    again = import_run([("export.zip", blob)], store=RunStore(tmp_path / "runs"), run_id="zipped", probe=False)
    np.testing.assert_array_equal(again.load(-1, "hidden"), tiny_run.load(-1, "hidden"))
    with pytest.raises(InvalidImportError, match="not a valid zip"):
        import_run([("x.zip", b"PK junk")], store=RunStore(tmp_path / "runs"))


def test_export_refuses_a_non_empty_folder(tiny_run, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("x")
    with pytest.raises(FileExistsError, match="not empty"):
        export_run(tiny_run, tmp_path / "out")
    with pytest.raises(ValueError, match="use one of csv, parquet, tensorboard"):
        export_run(tiny_run, tmp_path / "new", format="xlsx")


# --- the bad-input corpus ----------------------------------------------------------------------------


class Boom:
    """Unpickling this would create a file; the importer must never do it."""

    marker: Path

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def _bad_cases(tmp_path) -> dict:
    good = csv_bytes(VECS[0])
    text = good.decode().splitlines()
    Boom.marker = tmp_path / "UNPICKLED"

    def with_text(order):
        return pd.DataFrame({"text": np.array(IDS)[order], "d0": VECS[0][order, 0],
                             "d1": VECS[0][order, 1]}).to_csv(index=False).encode()

    def projector(config, extra=()):
        return [("projector_config.pbtxt", config.encode()), *extra]

    return {
        "ragged_long_row": ([("e.csv", "\n".join(text[:3] + [text[3] + ",1.0"] + text[4:]).encode())], "ragged rows"),
        "ragged_short_row": ([("e.csv", "\n".join(text[:3] + [text[3].rsplit(",", 1)[0]] + text[4:]).encode())],
                             "ragged rows: line 4"),
        "nan_cell": ([("e.csv", good.replace(text[2].split(",")[1].encode(), b"nan", 1))], "missing"),
        "inf_cell": ([("e.csv", good.replace(text[2].split(",")[1].encode(), b"inf", 1))], "infinite"),
        "empty_cell": ([("e.csv", good.replace(text[2].split(",")[1].encode(), b"", 1))], "missing"),
        "non_numeric": ([("e.csv", good.replace(text[5].split(",")[2].encode(), b"abc", 1))], "'abc' is not a number"),
        "count_mismatch": ([("e1.npy", npy_bytes(VECS[0])), ("e2.npy", npy_bytes(VECS[1][:-1]))], "39 rows, but"),
        "id_mismatch": ([("e1.csv", good), ("e2.csv", csv_bytes(VECS[1], ids=[f"zz{i}" for i in range(N)]))],
                        "ids differ"),
        "order_mismatch": ([("e1.csv", with_text(np.arange(N))), ("e2.csv", with_text(np.arange(N)[::-1]))],
                           "another order"),
        "label_changes": ([("e1.csv", csv_bytes(VECS[0], labels=LABELS)),
                           ("e2.csv", csv_bytes(VECS[1], labels=LABELS[:-1] + ["cat"]))],
                          "another label than in e1.csv at row 40"),
        "dims_mismatch": ([("e1.npy", npy_bytes(VECS[0])), ("e2.npy", npy_bytes(VECS[1])),
                           ("e3.npy", npy_bytes(VECS[2][:, :4]))], "4 dimensions, but"),
        "duplicate_ids": ([("e.csv", csv_bytes(VECS[0], ids=IDS[:-1] + [IDS[0]]))], "duplicate id 'ex00'"),
        "empty_file": ([("e.csv", b"")], "empty"),
        "whitespace_only": ([("e.csv", b"  \n\n ")], "empty"),
        "header_only": ([("e.csv", b"id,d0,d1\n")], "no rows"),
        "too_large": ([("e.csv", good * 50)], "over the import limit"),
        "binary_junk_csv": ([("e.csv", bytes(range(256)) * 8)], "binary data"),
        "latin1_csv": ([("e.csv", "id,d0\ncaf\xe9,1\n".encode("latin-1"))], "not valid UTF-8"),
        "pickle_in_npy": ([("e.npy", npy_bytes(np.array([Boom()] * 3, dtype=object), allow_pickle=True))],
                          "never unpickled"),
        "raw_pickle_as_npy": ([("e.npy", pickle.dumps(Boom()))], "not a .npy file"),
        "npy_3d": ([("e.npy", npy_bytes(np.zeros((4, 2, 2))))], "shape"),
        "npy_strings": ([("e.npy", npy_bytes(np.array(["a", "b"])))], "not numeric"),
        "npy_empty": ([("e.npy", npy_bytes(np.zeros((0, 3))))], "no vectors"),
        "float32_overflow": ([("e.npy", npy_bytes(np.full((3, 2), 1e39)))], "too large for float32"),
        "parquet_junk": ([("e.parquet", b"PAR2" + bytes(100))], "not a Parquet file"),
        "parquet_ragged_lists": ([("e.parquet", parquet_bytes(pd.DataFrame({"v": [[1.0, 2.0], [1.0]]})))],
                                 "ragged vectors"),
        "unsupported_type": ([("e.json", b"[1, 2]")], "Unsupported file"),
        "no_checkpoints": ([("metadata.csv", b"id,label\na,x\n")], "No checkpoint files"),
        "metadata_count": ([("e.npy", npy_bytes(VECS[0])), ("metadata.csv", b"label\nx\ny\n")], "2 rows, but"),
        "metadata_dup_ids": ([("e.csv", good), ("metadata.csv", b"id,label\na,x\na,y\n")], "duplicate id 'a'"),
        "missing_label": ([("e.npy", npy_bytes(VECS[0][:2])), ("metadata.csv", b"id,label\na,x\nb,\n")],
                          "row 2 has no label"),
        "bad_split": ([("e.npy", npy_bytes(VECS[0][:2])), ("metadata.csv", b"id,split\na,train\nb,holdout\n")],
                      "split 'holdout'"),
        "label_and_labels": ([("e.npy", npy_bytes(VECS[0][:1])), ("metadata.csv", b"label,labels\nx,y\n")],
                             "both 'label' and 'labels'"),
        "projector_missing_tensor": (projector('embeddings { tensor_path: "gone.tsv" }'), "not among the files"),
        "projector_bad_bytes": (projector(f'embeddings {{ tensor_path: "v.bytes" tensor_shape: {N} '
                                          f'tensor_shape: {D} }}', [("v.bytes", b"\0" * 10)]), "10 bytes"),
        "projector_garbage": (projector('embeddings { tensor_path "x" '), "cannot parse"),
        "projector_unclosed": (projector('embeddings { tensor_path: "v.tsv"', [("v.tsv", b"1\t2\n")]),
                               "never closed"),
    }


BAD_CASES = list(_bad_cases(Path("/nonexistent")))


def test_each_kind_of_bad_input_gets_its_own_message(tmp_path):
    """The corpus is large and the importer tells its cases apart: a generic "invalid file" would fail this.
    The one pair that reads alike is alike to the importer too: an empty cell and one reading "nan" (missing)."""
    messages = {}
    for name, (files, _) in _bad_cases(tmp_path).items():
        with pytest.raises(InvalidImportError) as caught:
            import_run(files, store=RunStore(tmp_path / "runs"), run_id=f"bad-{name}", max_bytes=50_000)
        messages[name] = str(caught.value)
    assert len(messages) >= 20
    alike = {frozenset(n for n in messages if messages[n] == m) for m in messages.values()}
    assert {group for group in alike if len(group) > 1} == {frozenset({"empty_cell", "nan_cell"})}


@pytest.mark.parametrize("name", BAD_CASES)
def test_bad_input_gives_a_clear_error_and_leaves_no_run(tmp_path, name):
    files, message = _bad_cases(tmp_path)[name]
    store = RunStore(tmp_path / "runs")
    with pytest.raises(InvalidImportError) as caught:
        import_run(files, store=store, run_id=f"bad-{name}", max_bytes=50_000)
    assert message in str(caught.value)
    assert nothing_left(store), f"{name} left {list(store.root.iterdir())}"
    assert not Boom.marker.exists(), "an upload was unpickled"


def test_epochs_must_match_the_files(store):
    with pytest.raises(InvalidImportError, match="3 epochs given for 1 checkpoint"):
        import_run([("e.csv", csv_bytes(VECS[0]))], epochs=[1, 2, 3], store=store, run_id="x")
    assert nothing_left(store)


def test_a_failure_midway_deletes_the_partial_run(store, monkeypatch):
    from hiddenrep.io import importer

    calls = []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    original = importer._write_probe
    monkeypatch.setattr(importer, "_write_probe", interrupted)
    files = [(f"e{i}.csv", csv_bytes(v, labels=LABELS)) for i, v in enumerate(VECS)]
    with pytest.raises(KeyboardInterrupt):
        import_run(files, store=store, run_id="half")
    assert len(calls) == 2 and nothing_left(store)


def test_the_probe_is_out_of_fold_so_a_wrong_label_stands_out(store):
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(200, 4)).astype(np.float32)
    labels = np.where(vectors[:, 0] > 0, "pos", "neg")
    wrong = int(np.argmax(vectors[:, 0]))  # the clearest positive, labelled negative
    labels[wrong] = "neg"
    meta = pd.DataFrame({"id": [f"r{i}" for i in range(200)], "label": labels})
    run = import_run([("e.npy", npy_bytes(vectors)), ("metadata.csv", meta.to_csv(index=False).encode())],
                     store=store, run_id="probe")
    probs = run.load(0, "probs")
    given = probs[np.arange(200), run.examples()["label"].to_numpy()]
    assert run.checkpoints[0].metrics["validation_acc"] > 0.9
    assert given[wrong] < 0.05 and np.argsort(given)[0] == wrong  # the lowest self-confidence of all
