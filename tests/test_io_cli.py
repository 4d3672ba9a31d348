"""`hiddenrep import`, `export` and `app` from the command line."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hiddenrep.cli import main
from hiddenrep.store import RunStore


def test_export_then_import_from_the_command_line(tiny_run, tmp_path, capsys):
    runs = tmp_path / "runs"
    assert main(["export", tiny_run.id, str(tmp_path / "tb"), "--format", "tensorboard",
                 "--runs-dir", str(tiny_run.path.parent)]) == 0
    assert "tensorboard --logdir" in capsys.readouterr().out
    assert main(["import", str(tmp_path / "tb"), "--runs-dir", str(runs), "--no-probe"]) == 0
    run = RunStore(runs).open("import-tb")
    np.testing.assert_array_equal(run.load(-1, "hidden"), tiny_run.load(-1, "hidden"))
    assert "run import-tb: 4 checkpoints of 16-dim vectors, 300 examples" in capsys.readouterr().out


def test_import_errors_are_one_clear_line(tmp_path, capsys):
    bad = tmp_path / "e.csv"
    bad.write_text("id,d0\na,1\nb,oops\n")
    assert main(["import", str(bad), "--runs-dir", str(tmp_path / "runs")]) == 2
    assert capsys.readouterr().err.strip() == (
        "hiddenrep: error: e.csv: column 'd0', row 2: 'oops' is not a number. Vector columns must be numeric; "
        "name text columns 'id', 'text', 'label', 'labels' or 'split', or move other fields to the metadata table.")
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_app_points_streamlit_at_the_runs_folder(tmp_path, monkeypatch):
    import subprocess

    seen = {}

    class Done:
        returncode = 0

    def fake_run(command, env, cwd):
        seen.update(command=command, env=env, cwd=cwd)
        return Done()

    monkeypatch.setattr(subprocess, "run", fake_run)
    assert main(["app", str(tmp_path), "--headless", "--port", "8600"]) == 0
    assert seen["env"]["HIDDENREP_RUNS"] == str(tmp_path.resolve())
    assert seen["command"][1:4] == ["-m", "streamlit", "run"] and seen["command"][4].endswith("streamlit_app.py")
    assert "8600" in seen["command"]
    assert (Path(seen["cwd"]) / ".streamlit" / "config.toml").is_file()  # the app's own settings apply
    assert main(["app", str(tmp_path / "missing")]) == 2


def test_import_npy_with_epochs_and_class_names(tmp_path, capsys):
    for i in (1, 2):
        np.save(tmp_path / f"v{i}.npy", np.eye(4, dtype=np.float32) * i)
    (tmp_path / "meta.csv").write_text("label\n0\n1\n1\n0\n")
    assert main(["import", str(tmp_path / "v1.npy"), str(tmp_path / "v2.npy"), "--metadata", str(tmp_path / "meta.csv"),
                 "--epochs", "0.5,3", "--class-names", "no,yes", "--run-id", "mine", "--no-probe",
                 "--runs-dir", str(tmp_path / "runs")]) == 0
    run = RunStore(tmp_path / "runs").open("mine")
    assert [c.epoch for c in run.checkpoints] == [0.5, 3.0] and run.class_names == ["no", "yes"]
    assert run.examples()["label_name"].tolist() == ["no", "yes", "yes", "no"]
