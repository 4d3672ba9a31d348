"""The bad-input corpus for issue #15: nothing lost, nothing crashes.

Each test here failed before the fix it names (data loss, one bad run breaking the others, crashes
instead of messages, wrong input accepted, README promises) and must keep passing.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hiddenrep.cli import main
from hiddenrep.io import InvalidImportError, export_run, import_run
from hiddenrep.store import (COMPLETE, INTERRUPTED, DamagedRunError, RunBusyError, RunStore, RunStoreError)

RNG = np.random.default_rng(15)
N, D = 30, 4
IDS = [f"ex{i:02d}" for i in range(N)]
LABELS = ["a" if i % 2 else "b" for i in range(N)]
VECS = [RNG.normal(size=(N, D)).astype(np.float32) for _ in range(3)]
ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}


def csv_bytes(vectors, ids=IDS, labels=None) -> bytes:
    frame = pd.DataFrame(vectors, columns=[f"d{j}" for j in range(vectors.shape[1])])
    if ids is not None:
        frame.insert(0, "id", ids)
    if labels is not None:
        frame["label"] = labels
    return frame.to_csv(index=False, float_format="%.9g").encode()


def npy_bytes(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def patch_central(data: bytes, offset: int, fmt: str, value) -> bytes:
    """Rewrite one field of the first central-directory entry (flags +8, method +10, size +24)."""
    at = data.index(b"PK\x01\x02") + offset
    return data[:at] + struct.pack(fmt, value) + data[at + struct.calcsize(fmt):]


def no_junk(root: Path) -> list[str]:
    """Leftovers of a writer: hidden temp folders (the lock folder is the store's own)."""
    return [p.name for p in root.iterdir() if p.name.startswith(".") and p.name != ".locks"] if root.exists() else []


def make_run(store: RunStore, run_id="r1", n=5, finish=True):
    examples = pd.DataFrame({"example_id": [f"e{i}" for i in range(n)], "split": ["train"] * n,
                             "text": ["t"] * n, "label": [0] * n})
    writer = store.create(run_id, examples=examples, dataset={"name": "d", "class_names": ["a", "b"]},
                          model={"name": "m"}, config={}, seed=0, overwrite=True)
    with writer.checkpoint(epoch=0, step=0) as checkpoint:
        checkpoint.write("hidden", np.arange(n * 3, dtype=np.float32).reshape(n, 3))
    return writer.finish() if finish else writer


# --- data loss -------------------------------------------------------------------------------------------


def test_a_failed_overwrite_import_keeps_the_old_run(tmp_path):
    store = RunStore(tmp_path)
    old = import_run([(f"e{i}.csv", csv_bytes(v)) for i, v in enumerate(VECS)], store=store, run_id="r", probe=False)
    bad = [("e0.csv", csv_bytes(VECS[0])), ("e1.csv", csv_bytes(VECS[1][:, :2]))]
    with pytest.raises(InvalidImportError, match="2 dimensions"):
        import_run(bad, store=store, run_id="r", overwrite=True, probe=False)
    kept = store.open("r")
    assert kept.status == COMPLETE and kept.manifest["created_at"] == old.manifest["created_at"]
    np.testing.assert_array_equal(kept.load(2, "hidden"), VECS[2])
    assert no_junk(tmp_path) == []


def test_a_replacement_killed_midway_leaves_the_complete_run_and_no_listed_junk(tmp_path):
    store = RunStore(tmp_path)
    old = make_run(store)
    code = ("import sys, os, numpy as np, pandas as pd; from hiddenrep.store import RunStore; "
            "s = RunStore(sys.argv[1]); ex = s.open('r1').examples(); "
            "w = s.create('r1', examples=ex, dataset={'name': 'd', 'class_names': ['a', 'b']}, model={}, config={}, "
            "seed=0, overwrite=True)\n"
            "with w.checkpoint(epoch=0, step=0) as c: c.write('hidden', np.zeros((5, 3), np.float32))\n"
            "os.kill(os.getpid(), 9)")
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], env=ENV)
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".new-")], "the successor was written beside"
    runs, damaged = store.scan()
    assert [(r.id, r.status) for r in runs] == [("r1", COMPLETE)] and damaged == []
    np.testing.assert_array_equal(runs[0].load(0, "hidden"), old.load(0, "hidden"))
    make_run(store)  # the next writer of r1 sweeps the leftover
    assert no_junk(tmp_path) == []


def test_retrain_killed_keeps_the_complete_run(tmp_path):
    from hiddenrep.training import TrainConfig, train

    complete = train(TrainConfig(dataset="synthetic", epochs=6, hidden=8), store=RunStore(tmp_path))
    command = [sys.executable, "-m", "hiddenrep.cli", "train", "--dataset", "synthetic", "--epochs", "6",
               "--hidden", "8", "--runs-dir", str(tmp_path), "--retrain"]
    launched = time.time()
    process = subprocess.Popen(command, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def retrained_two_checkpoints() -> bool:  # wherever the retrain writes (beside the run, or in it)
        for path in [*tmp_path.glob("*/checkpoints/0002"), *tmp_path.glob(".new-*/checkpoints/0002")]:
            try:
                if path.stat().st_mtime > launched:
                    return True
            except FileNotFoundError:
                continue
        return False

    try:
        deadline = time.time() + 120
        while time.time() < deadline and not retrained_two_checkpoints():
            time.sleep(0.05)
        assert retrained_two_checkpoints(), "the retrain never recorded a checkpoint"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    runs = RunStore(tmp_path).list()
    assert [(r.id, r.status, len(r.checkpoints)) for r in runs] == [(complete.id, COMPLETE, 7)]
    assert runs[0].manifest["created_at"] == complete.manifest["created_at"]


def test_hidden_temp_folders_are_never_listed_as_runs(tmp_path):
    store = RunStore(tmp_path)
    run = make_run(store)
    for name in (".new-r1.abc", ".deleting-r1.1.2"):
        shutil.copytree(run.path, tmp_path / name)
    runs, damaged = store.scan()
    assert [r.id for r in runs] == ["r1"] and damaged == []


def test_two_identical_trainings_at_once_make_one_run_and_no_traceback(tmp_path):
    command = [sys.executable, "-m", "hiddenrep.cli", "train", "--dataset", "synthetic", "--epochs", "2",
               "--hidden", "8", "--runs-dir", str(tmp_path)]
    processes = [subprocess.Popen(command, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    assert not any("Traceback" in out + err for out, err in outputs), outputs
    runs, damaged = RunStore(tmp_path).scan()
    assert len(runs) == 1 and runs[0].status == COMPLETE and damaged == [] and no_junk(tmp_path) == []
    said = "".join(out + err for out, err in outputs)
    assert "waiting for it" in said or "reused" in said  # the loser says what it did


def test_a_second_writer_is_refused_while_the_first_lives(tmp_path):
    store = RunStore(tmp_path)
    writer = make_run(store, finish=False)
    with pytest.raises(RunBusyError, match="being written by this process"):
        make_run(store)
    with pytest.raises(RunBusyError):
        store.delete("r1")
    writer.finish()
    assert main(["delete", "r1", "--runs-dir", str(tmp_path)]) == 0 and store.list() == []


def test_delete_removes_a_damaged_run(tmp_path, capsys):
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "manifest.json").write_text("[1, 2, 3]")
    assert main(["delete", "junk", "--runs-dir", str(tmp_path)]) == 0
    assert not (tmp_path / "junk").exists()
    assert main(["delete", "junk", "--runs-dir", str(tmp_path)]) == 2
    assert "No run 'junk'" in capsys.readouterr().err


# --- one bad run must not break the others -----------------------------------------------------------------


MANIFEST_FAULTS = {
    "checkpoints_string": (lambda m: m.update(checkpoints="oops"), "checkpoints is not a list"),
    "a_list": ([1, 2, 3], "not a JSON object"),
    "null": (None, "not a JSON object"),
    "status_missing": (lambda m: m.pop("status"), "status None"),
    "epoch_missing": (lambda m: m["checkpoints"][0].pop("epoch"), "no finite epoch"),
    "metrics_string": (lambda m: m["checkpoints"][0].update(metrics="high"), "metrics"),
    "dataset_null": (lambda m: m.update(dataset=None), "dataset is missing"),
    "n_examples_1e9": (lambda m: m["dataset"].update(n_examples=1e9), "n_examples"),
    "n_examples_int_lie": (lambda m: m["dataset"].update(n_examples=10**9), "has 5 rows"),
    "checkpoint_name_escapes": (lambda m: m["checkpoints"][0].update(name="../../outside"), "no '..'"),
    "run_id_mismatch": (lambda m: m.update(run_id="other"), "differs from its folder"),
}


@pytest.mark.parametrize("fault", MANIFEST_FAULTS)
def test_a_damaged_manifest_is_listed_as_damaged_and_the_others_work(tmp_path, fault, capsys):
    store = RunStore(tmp_path)
    make_run(store, "good")
    bad = make_run(store, "bad")
    change, reason = MANIFEST_FAULTS[fault]
    manifest = json.loads((bad.path / "manifest.json").read_text())
    if callable(change):
        change(manifest)  # edits in place
    else:
        manifest = change  # the whole manifest replaced
    (bad.path / "manifest.json").write_text(json.dumps(manifest))
    runs, damaged = store.scan()
    assert [r.id for r in runs] == ["good"]
    assert [d.id for d in damaged] == ["bad"] and reason in damaged[0].reason
    assert "manifest.json" in damaged[0].reason or "examples.parquet" in damaged[0].reason
    with pytest.raises(DamagedRunError):
        store.open("bad")
    assert main(["runs", "--runs-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "good" in out and "damaged" in out


def test_absurd_n_examples_is_refused_before_projecting(tmp_path, capsys):
    run = make_run(RunStore(tmp_path), "big")
    manifest = json.loads((run.path / "manifest.json").read_text())
    manifest["dataset"]["n_examples"] = 10**9
    (run.path / "manifest.json").write_text(json.dumps(manifest))
    assert main(["project", "big", "--runs-dir", str(tmp_path)]) == 2
    assert "n_examples" in capsys.readouterr().err


def test_the_projection_cache_notices_a_changed_hidden_array(tiny_run, tmp_path):
    from hiddenrep.reduce import project_run

    root = tmp_path / "runs"
    shutil.copytree(tiny_run.path, root / tiny_run.id)
    run = RunStore(root).open(tiny_run.id)
    first = project_run(run, method="pca")
    path = run.path / "checkpoints" / run.checkpoints[-1].name / "hidden.npy"
    hidden = np.load(path)
    np.save(path, hidden[::-1].copy())  # same size, new content (and mtime)
    os.utime(path, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    again = project_run(run, method="pca")
    assert not np.allclose(again.coords[-1], first.coords[-1])
    np.save(path, hidden[:-3])  # fewer rows: a clear error, not the old frames
    with pytest.raises(DamagedRunError, match=f"checkpoint {run.checkpoints[-1].name}"):
        project_run(run, method="pca")


@pytest.mark.parametrize("damage", ["truncated", "garbage", "missing", "wrong_shape"])
def test_a_damaged_frame_file_is_recomputed(tiny_run, tmp_path, damage):
    from hiddenrep.reduce import project_run

    root = tmp_path / "runs"
    shutil.copytree(tiny_run.path, root / tiny_run.id)
    run = RunStore(root).open(tiny_run.id)
    first = project_run(run, method="pca", mode="procrustes")
    frame = sorted(Path(first.cache_path).glob("frame-*.npz"))[1]
    if damage == "truncated":
        frame.write_bytes(frame.read_bytes()[:50])
    elif damage == "garbage":
        frame.write_bytes(os.urandom(300))
    elif damage == "missing":
        frame.unlink()
    else:
        buffer = io.BytesIO()
        np.savez(buffer, coords=np.zeros((3, 2), np.float32), metrics=np.zeros(5))
        frame.write_bytes(buffer.getvalue())
    again = project_run(run, method="pca", mode="procrustes")
    np.testing.assert_allclose(again.coords, first.coords, atol=1e-5)


# --- crashes where a clear message is due ------------------------------------------------------------------


def _damage_array(path: Path, how: str) -> None:
    array = np.load(path)
    if how == "missing":
        path.unlink()
    elif how == "truncated":
        path.write_bytes(path.read_bytes()[:-7])
    elif how == "fewer_rows":
        np.save(path, array[:-2])
    else:
        np.save(path, np.array([object()] * len(array)), allow_pickle=True)


@pytest.mark.parametrize("how", ["missing", "truncated", "fewer_rows", "object_array"])
def test_a_damaged_checkpoint_array_names_run_and_checkpoint(tmp_path, how):
    run = make_run(RunStore(tmp_path))
    _damage_array(run.path / "checkpoints" / "0000" / "hidden.npy", how)
    with pytest.raises((DamagedRunError, LookupError)) as caught:
        run.check()
    assert "r1" in str(caught.value) and "0000" in str(caught.value)
    if how != "missing":
        with pytest.raises(DamagedRunError, match="hiddenrep delete r1"):
            run.load(0, "hidden")


def test_the_app_names_a_damaged_run_and_keeps_the_others_working(tiny_run, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    root = tmp_path / "runs"
    shutil.copytree(tiny_run.path, root / tiny_run.id)
    broken = root / "broken-arrays"
    shutil.copytree(tiny_run.path, broken)
    manifest = json.loads((broken / "manifest.json").read_text())
    manifest.update(run_id="broken-arrays", created_at=manifest["created_at"] + 1)  # the newest: picked first
    (broken / "manifest.json").write_text(json.dumps(manifest))
    _damage_array(broken / "checkpoints" / "0002" / "hidden.npy", "truncated")
    (root / "no-manifest").mkdir()
    monkeypatch.setenv("HIDDENREP_RUNS", str(root))
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "streamlit_app.py"), default_timeout=120).run()
    assert not at.exception, at.exception
    errors = " ".join(e.value for e in at.error)
    assert "broken-arrays" in errors and "0002" in errors and "truncated" in errors
    assert "no-manifest" in " ".join(str(c.value) for c in at.sidebar.caption)
    at.sidebar.selectbox[0].set_value(tiny_run.id).run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])


@pytest.mark.parametrize("vectors, message", [(VECS[0][:1], "at least 3"), (VECS[0][:, :1], "1-dimensional")])
def test_one_row_or_one_dimension_is_refused_at_import(tmp_path, vectors, message):
    with pytest.raises(InvalidImportError, match=message):
        import_run([("e.npy", npy_bytes(vectors))], store=RunStore(tmp_path), run_id="tiny")


def _zip_cases() -> dict:
    good = zip_bytes({"e0.csv": csv_bytes(VECS[0]), "e1.csv": csv_bytes(VECS[1])})
    corrupt = bytearray(zip_bytes({"e0.csv": csv_bytes(VECS[0]) * 3}))
    start = corrupt.index(b"e0.csv") + 20
    corrupt[start:start + 40] = bytes(40)
    return {
        "encrypted": (patch_central(good, 8, "<H", 0x1), "encrypted"),
        "unsupported_compression": (patch_central(good, 10, "<H", 99), "compression method 99"),
        "corrupt_deflate": (bytes(corrupt), "cannot be unpacked"),
        "bomb_declares_huge": (patch_central(good, 24, "<I", 2**32 - 1), "over the import limit"),
        "bomb_declares_small": (patch_central(zip_bytes({"e0.csv": csv_bytes(VECS[0]) * 20}), 24, "<I", 500),
                                "the zip is damaged"),
        "not_a_zip": (b"PK\x03\x04" + bytes(60), "not a valid zip"),
    }


@pytest.mark.parametrize("case", _zip_cases())
def test_bad_zip_uploads_give_a_clear_error(tmp_path, case):
    data, message = _zip_cases()[case]
    store = RunStore(tmp_path)
    with pytest.raises(InvalidImportError, match=message):
        import_run([("upload.zip", data)], store=store, run_id="z", max_bytes=200_000)
    assert store.list() == [] and no_junk(tmp_path) == []


def test_a_npy_header_claiming_terabytes_is_refused_without_allocating(tmp_path):
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": "<f4", "fortran_order": False, "shape": (10**12, 1)})
    with pytest.raises(InvalidImportError, match="truncated or damaged"):
        import_run([("e.npy", buffer.getvalue() + bytes(16))], store=RunStore(tmp_path), run_id="huge")


def test_a_tiny_parquet_of_many_rows_is_refused_before_reading(tmp_path):
    buffer = io.BytesIO()
    pq.write_table(pa.table({"a": np.zeros(200_000, np.float32), "b": np.zeros(200_000, np.float32)}), buffer)
    assert len(buffer.getvalue()) < 50_000
    with pytest.raises(InvalidImportError, match="200,000 rows"):
        import_run([("e.parquet", buffer.getvalue())], store=RunStore(tmp_path), run_id="rows", max_bytes=50_000)


def test_an_unusable_runs_directory_gets_a_sentence_not_a_traceback(tmp_path, capsys, monkeypatch):
    csv = tmp_path / "e.csv"
    csv.write_bytes(csv_bytes(VECS[0]))
    afile = tmp_path / "runs-file"
    afile.write_text("not a folder")
    assert main(["import", str(csv), "--runs-dir", str(afile), "--no-probe"]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: False if Path(path) == readonly else real_access(path, mode))
    assert main(["import", str(csv), "--runs-dir", str(readonly), "--no-probe"]) == 2
    assert "not writable" in capsys.readouterr().err
    with pytest.raises(RunStoreError, match="not writable"):
        make_run(RunStore(readonly))
    assert main(["train", "--dataset", "synthetic", "--epochs", "1", "--hidden", "4", "--runs-dir", str(afile)]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


# --- wrongly accepted ----------------------------------------------------------------------------------------


def test_pandas_numeric_header_and_index_column_are_recognised(tmp_path):
    store = RunStore(tmp_path)
    no_index = pd.DataFrame(VECS[0]).to_csv(index=False, float_format="%.9g").encode()  # header 0,1,2,3
    with_index = pd.DataFrame(VECS[0]).to_csv(float_format="%.9g").encode()  # header ,0,1,2,3 + index column
    for run_id, data in (("no-index", no_index), ("with-index", with_index)):
        run = import_run([("e.csv", data)], store=store, run_id=run_id, probe=False)
        assert run.manifest["dataset"]["n_examples"] == N
        np.testing.assert_array_equal(run.load(0, "hidden"), VECS[0])
    odd_index = pd.DataFrame(VECS[0], index=range(5, 5 + N)).to_csv(float_format="%.9g").encode()
    with pytest.raises(InvalidImportError, match="looks like a table index"):
        import_run([("e.csv", odd_index)], store=store, run_id="odd", probe=False)


def test_the_size_limit_covers_all_members_together(tmp_path):
    members = {f"e{i:02d}.csv": csv_bytes(VECS[0]) for i in range(40)}
    data = zip_bytes(members)
    total = sum(len(v) for v in members.values())
    with pytest.raises(InvalidImportError, match="together, over the limit"):
        import_run([("many.zip", data)], store=RunStore(tmp_path), run_id="many", max_total_bytes=total // 2)


def test_labels_that_contradict_each_other_are_refused(tmp_path):
    store = RunStore(tmp_path)
    meta = pd.DataFrame({"id": IDS, "label": LABELS}).to_csv(index=False).encode()
    flipped = ["a" if v == "b" else "b" for v in LABELS]
    with pytest.raises(InvalidImportError, match="contradicts metadata.csv"):
        import_run([("e0.csv", csv_bytes(VECS[0], labels=flipped)), ("metadata.csv", meta)], store=store, run_id="c")
    with pytest.raises(InvalidImportError, match="has column"):
        import_run([("e0.csv", csv_bytes(VECS[0])), ("e1.csv", csv_bytes(VECS[1], labels=LABELS))],
                   store=store, run_id="c")
    assert store.list() == []


def test_non_finite_epochs_are_refused(tmp_path, capsys):
    csvs = []
    for i in range(2):
        csvs.append(tmp_path / f"e{i}.csv")
        csvs[-1].write_bytes(csv_bytes(VECS[i]))
    assert main(["import", *map(str, csvs), "--epochs", "nan,inf", "--runs-dir", str(tmp_path / "runs")]) == 2
    assert "finite" in capsys.readouterr().err
    with pytest.raises(InvalidImportError, match="finite"):
        import_run([("e.csv", csv_bytes(VECS[0]))], epochs=[float("nan")], store=RunStore(tmp_path), run_id="x")
    with pytest.raises(ValueError, match="finite"):
        make_run(RunStore(tmp_path / "store"), finish=False).checkpoint(epoch=float("inf"), step=0).__enter__()


def test_a_projector_tensor_shape_that_disagrees_with_the_tsv_is_refused(tmp_path):
    tsv = "\n".join("\t".join(f"{v:.6g}" for v in row) for row in VECS[0]).encode()
    config = f'embeddings {{ tensor_path: "v.tsv" tensor_shape: {N + 5} tensor_shape: {D} }}'.encode()
    with pytest.raises(InvalidImportError, match="tensor_shape"):
        import_run([("projector_config.pbtxt", config), ("v.tsv", tsv)], store=RunStore(tmp_path), run_id="p")


def test_an_empty_run_id_is_refused(tmp_path, capsys):
    csv = tmp_path / "e.csv"
    csv.write_bytes(csv_bytes(VECS[0]))
    assert main(["import", str(csv), "--run-id", "", "--runs-dir", str(tmp_path / "runs")]) == 2
    assert "Invalid run id ''" in capsys.readouterr().err


def test_checkpoint_names_from_a_manifest_cannot_escape(tmp_path):
    store = RunStore(tmp_path / "runs")
    run = make_run(store)
    manifest = json.loads((run.path / "manifest.json").read_text())
    manifest["checkpoints"][0]["name"] = "../../../escaped"
    (run.path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DamagedRunError, match="no '..'"):
        export_run(store.open("r1"), tmp_path / "out")
    assert not (tmp_path / "escaped").exists() and not (tmp_path / "out").exists()


# --- promises the README makes --------------------------------------------------------------------------------


def test_ids_like_00001_and_NA_round_trip(tmp_path):
    store = RunStore(tmp_path / "runs")
    ids = ["00001", "NA", "0x1", "1e3", "nan", *[f"{i:05d}" for i in range(2, N - 3)]]
    run = import_run([("e0.csv", csv_bytes(VECS[0], ids=ids, labels=LABELS)),
                      ("e1.csv", csv_bytes(VECS[1], ids=ids, labels=LABELS))], store=store, run_id="ids")
    assert run.examples()["example_id"].tolist() == ids
    for fmt in ("csv", "tensorboard", "parquet"):
        folder = export_run(run, tmp_path / f"out-{fmt}", format=fmt)
        back = import_run(folder, store=store, run_id=f"back-{fmt}")
        assert back.examples()["example_id"].tolist() == ids
        np.testing.assert_array_equal(back.load(1, "hidden"), VECS[1])


def test_a_killed_import_is_replaced_by_the_same_command(tmp_path):
    files = []
    for i, vectors in enumerate(VECS):
        files.append(tmp_path / f"e{i}.csv")
        files[-1].write_bytes(csv_bytes(vectors, labels=LABELS))
    runs = tmp_path / "runs"
    code = ("import os, sys; from hiddenrep.io import importer; original = importer._write_probe; calls = []\n"
            "def probe(*a, **k):\n    calls.append(1)\n    if len(calls) == 2: os.kill(os.getpid(), 9)\n"
            "    return original(*a, **k)\n"
            "importer._write_probe = probe; from hiddenrep.cli import main; main(sys.argv[1:])")
    subprocess.run([sys.executable, "-c", code, "import", *map(str, files), "--runs-dir", str(runs)], env=ENV)
    assert RunStore(runs).open("import-e0").status == INTERRUPTED
    assert main(["import", *map(str, files), "--runs-dir", str(runs)]) == 0
    run = RunStore(runs).open("import-e0")
    assert run.status == COMPLETE and len(run.checkpoints) == 3


def write_summary_writer_log(logdir: Path, steps=(0, 10, 20), tag="default", header=True) -> None:
    """The files ``torch.utils.tensorboard.SummaryWriter.add_embedding`` writes (see its writer.py and
    _embedding.py): ``<step:05d>/<tag>/tensors.tsv`` (no header), ``metadata.tsv`` (a header row only
    with several columns), and one ``projector_config.pbtxt`` listing every step, plus an events file."""
    logdir.mkdir(parents=True)
    (logdir / "events.out.tfevents.1700000000.host.1.0").write_bytes(b"\x00binary events")
    blocks = []
    for index, step in enumerate(steps):
        subdir = f"{str(step).zfill(5)}/{tag}"
        (logdir / subdir).mkdir(parents=True)
        rows = ["\t".join(str(float(v)) for v in row) for row in VECS[index % len(VECS)]]
        (logdir / subdir / "tensors.tsv").write_text("\n".join(rows) + "\n")
        if header:
            meta = ["label\tid"] + [f"{label}\t{i}" for i, label in zip(IDS, LABELS)]
        else:
            meta = list(LABELS)
        (logdir / subdir / "metadata.tsv").write_text("\n".join(meta) + "\n")
        blocks.append(f'embeddings {{\n  tensor_name: "{tag}:{str(step).zfill(5)}"\n  tensor_path: '
                      f'"{subdir}/tensors.tsv"\n  metadata_path: "{subdir}/metadata.tsv"\n}}\n')
    (logdir / "projector_config.pbtxt").write_text("".join(reversed(blocks)))  # order must come from the steps


@pytest.mark.parametrize("header", [True, False])
def test_a_summary_writer_log_imports_from_a_folder_and_a_zip(tmp_path, header):
    logdir = tmp_path / "runs" / "exp1"
    write_summary_writer_log(logdir, header=header)
    store = RunStore(tmp_path / "store")
    run = import_run(logdir, store=store, run_id="tb")
    assert [(c.epoch, c.step) for c in run.checkpoints] == [(0, 0), (10, 10), (20, 20)]
    for index in range(3):
        np.testing.assert_allclose(run.load(index, "hidden"), VECS[index], rtol=1e-6)
    assert run.class_names == ["a", "b"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:  # the app's upload: a zip of the log folder
        for path in sorted(logdir.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(logdir.parent).as_posix())
    zipped = import_run([("exp1.zip", buffer.getvalue())], store=store, run_id="tb-zip")
    for index in range(3):
        np.testing.assert_array_equal(zipped.load(index, "hidden"), run.load(index, "hidden"))
