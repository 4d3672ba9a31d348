import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from hiddenrep.store import COMPLETE, INTERRUPTED, RUNNING, RunNotFoundError, RunStore, validate_run_id


def make_run(store, run_id="r1", n=5):
    examples = pd.DataFrame({"example_id": [f"e{i}" for i in range(n)], "split": ["train"] * n,
                             "text": ["t"] * n, "label": [0] * n})
    return store.create(run_id, examples=examples, dataset={"name": "d", "class_names": ["a", "b"]},
                        model={"name": "m"}, config={}, seed=0)


@pytest.mark.parametrize("bad", ["../x", "a/b", "..", "", ".hidden", "a..b", "x" * 200, "a b"])
def test_run_ids_cannot_escape_the_store(bad, tmp_path):
    with pytest.raises(ValueError, match="Invalid run id"):
        validate_run_id(bad)
    with pytest.raises(ValueError):
        RunStore(tmp_path).path_for(bad)


def test_checkpoints_roundtrip_and_chunked_writes(tmp_path):
    writer = make_run(RunStore(tmp_path))
    with writer.checkpoint(epoch=0, step=0) as checkpoint:
        checkpoint.write("hidden", np.ones((2, 3), np.float32), start=0)
        checkpoint.write("hidden", np.full((3, 3), 2, np.float32), start=2)
        checkpoint.metrics["validation_acc"] = 0.5
    run = writer.finish()
    assert run.status == COMPLETE and run.checkpoints[0].metrics == {"validation_acc": 0.5}
    assert run.load(0, "hidden").tolist() == [[1] * 3] * 2 + [[2] * 3] * 3
    assert run.metrics()["validation_acc"].tolist() == [0.5]
    with pytest.raises(LookupError, match="no array 'logits'"):
        run.load(0, "logits")


def test_failed_checkpoint_leaves_nothing(tmp_path):
    writer = make_run(RunStore(tmp_path))
    with pytest.raises(ValueError, match="outside"):
        with writer.checkpoint(epoch=1, step=3) as checkpoint:
            checkpoint.write("hidden", np.ones((9, 3)), start=0)
    assert writer.run.refresh().checkpoints == []
    assert list((writer.path / "checkpoints").iterdir()) == []


def test_object_arrays_are_refused(tmp_path):
    writer = make_run(RunStore(tmp_path))
    with pytest.raises(TypeError, match="object"), writer.checkpoint(epoch=0, step=0) as checkpoint:
        checkpoint.write("hidden", np.array([{"a": 1}] * 5, dtype=object))


def test_dead_writer_reads_as_interrupted(tmp_path):
    store = RunStore(tmp_path)
    code = ("import pandas as pd, sys; from hiddenrep.store import RunStore; "
            "RunStore(sys.argv[1]).create('r1', examples=pd.DataFrame({'example_id': ['a'], 'split': ['train'], "
            "'text': ['t'], 'label': [0]}), dataset={'name': 'd', 'class_names': ['a']}, model={}, config={}, seed=0)")
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True)  # exits without finishing
    assert store.open("r1").status == INTERRUPTED


def test_a_live_reused_pid_does_not_keep_a_run_running(tmp_path):
    """The writer's lock decides, not its pid: a manifest naming a live process (pid reuse) is interrupted."""
    store = RunStore(tmp_path)
    writer = make_run(store)
    assert store.open("r1").status == RUNNING  # this process holds the lock
    writer.lock.release()  # as if the writer died and its pid went to another process (this one)
    assert store.open("r1").manifest["pid"] == os.getpid() and store.open("r1").status == INTERRUPTED
    (tmp_path / ".locks" / "r1.lock").unlink()  # no lock file (older runs): pid + process start time decide
    manifest = json.loads((writer.path / "manifest.json").read_text())
    manifest["process_start"] = (manifest["process_start"] or 0) + 12345
    (writer.path / "manifest.json").write_text(json.dumps(manifest))
    assert store.open("r1").status == INTERRUPTED


def test_listing_skips_damaged_runs_and_delete_works(tmp_path):
    store = RunStore(tmp_path)
    make_run(store, "good").finish()
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "manifest.json").write_text("{not json")
    assert [r.id for r in store.list()] == ["good"]
    store.delete("good")
    assert store.list() == []
    with pytest.raises(RunNotFoundError, match="hiddenrep runs"):
        store.open("good")


def test_existing_run_is_not_overwritten_silently(tmp_path):
    store = RunStore(tmp_path)
    make_run(store, "same").finish()
    with pytest.raises(FileExistsError):
        make_run(store, "same")


def test_arrays_are_loaded_without_pickle(tmp_path):
    writer = make_run(RunStore(tmp_path))
    with writer.checkpoint(epoch=0, step=0) as checkpoint:
        checkpoint.write("hidden", np.zeros((5, 2), np.float32))
    run = writer.finish()
    np.save(run.path / "checkpoints" / "0000" / "hidden.npy", np.array([object()] * 5), allow_pickle=True)
    with pytest.raises(ValueError, match="Python objects"):
        run.load(0, "hidden")
    with pytest.raises(ValueError, match="allow_pickle"):
        run.load(0, "hidden", mmap=False)
    assert os.path.exists(run.path / "examples.parquet")


def test_package_version_survives_sys_path_edits_from_another_thread():
    """Streamlit's script thread inserts and removes a sys.path entry at every rerun; a version lookup
    (a projection's cache key) running meanwhile in another thread once reported numpy as missing."""
    import sys
    import threading

    from hiddenrep.store import package_version

    stop = threading.Event()

    def edit_sys_path():
        while not stop.is_set():
            sys.path.insert(0, "/nonexistent-hiddenrep-test")
            sys.path.remove("/nonexistent-hiddenrep-test")

    editor = threading.Thread(target=edit_sys_path)
    editor.start()
    try:
        found = [package_version.__wrapped__("numpy") for _ in range(300)]  # uncached: every call searches
    finally:
        stop.set()
        editor.join()
    assert set(found) == {np.__version__}
