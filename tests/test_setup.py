"""The two commands set themselves up: Debian packages installed when missing, CI = `make test`, offline config."""

from __future__ import annotations

import os
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "system-packages.sh"


def _fake_apt(tmp_path: Path) -> tuple[dict, Path]:
    """A PATH whose apt-get (and sudo) only record how they were called."""
    bin_dir, calls = tmp_path / "bin", tmp_path / "calls.txt"
    bin_dir.mkdir()
    (bin_dir / "apt-get").write_text(f'#!/bin/sh\necho "apt-get $*" >> {calls}\n')
    (bin_dir / "sudo").write_text('#!/bin/sh\nexec "$@"\n')
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    return env, calls


def _run(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), *args], env=env, capture_output=True, text=True, check=True)


def test_missing_packages_are_installed_with_apt(tmp_path):
    env, calls = _fake_apt(tmp_path)
    env.update(CHROMIUM=str(tmp_path / "no-chromium"), FASHION_MNIST_DIR=str(tmp_path / "no-fashion"))
    out = _run(env)
    assert "installing chromium dataset-fashion-mnist" in out.stdout
    lines = calls.read_text().splitlines()
    assert lines[0].startswith("apt-get update")
    assert "install -y -qq chromium dataset-fashion-mnist" in lines[1]


def test_present_packages_install_nothing(tmp_path):
    env, calls = _fake_apt(tmp_path)
    chromium = tmp_path / "chromium"
    chromium.write_text("#!/bin/sh\n")
    chromium.chmod(0o755)
    (tmp_path / "fashion").mkdir()
    env.update(CHROMIUM=str(chromium), FASHION_MNIST_DIR=str(tmp_path / "fashion"))
    assert "all present" in _run(env).stdout
    assert not calls.exists()


def test_dry_run_names_only_what_is_missing(tmp_path):
    env, calls = _fake_apt(tmp_path)
    (tmp_path / "fashion").mkdir()
    env.update(CHROMIUM=str(tmp_path / "no-chromium"), FASHION_MNIST_DIR=str(tmp_path / "fashion"))
    assert _run(env, "--dry-run").stdout.strip() == "system packages: would install chromium"
    assert not calls.exists()


def test_ci_runs_exactly_the_readme_test_command():
    commands = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
                if line.strip() and not line.startswith("#") and not line.startswith(("set ", "cd "))]
    assert commands == ["make test"]
    assert "make test" in (ROOT / "README.md").read_text()
    dry = subprocess.run(["make", "-n", "test"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "scripts/system-packages.sh" in dry and "pytest" in dry


def test_streamlit_config_is_offline_and_minimal():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["browser"]["gatherUsageStats"] is False
    assert config["client"]["toolbarMode"] == "minimal"  # no Deploy button
    assert config["server"]["showEmailPrompt"] is False
    assert config["server"]["address"] == "127.0.0.1"  # a wildcard address makes Streamlit look up its external IP
    assert config["runner"]["postScriptGC"] is False  # a full collection per rerun slowed a 100k click 0.1-2 s
