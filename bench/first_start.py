"""What a newcomer waits for on first start: the default run trained from a cold data cache.

Runs ``hiddenrep train`` on the default configuration (the one the app starts on an empty runs
directory) with an empty $HIDDENREP_CACHE, so the package-index fetch is included, and prints when
the data was ready, when the first checkpoint (the first picture in Explore) was recorded and when
the run was complete, with the machine's load average (timings on a shared machine depend on it).

    python bench/first_start.py [--warm]   # --warm: keep the user's data cache (no fetch)
    python bench/first_start.py --app      # what the person sees: the app in Chromium on an empty runs dir

``--app`` starts the app (which trains the default run by itself on an empty runs directory) and opens
Explore in headless Debian Chromium with no click, printing when the page answered, when the first
scatter was drawn and when every checkpoint was on screen.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from hiddenrep.ui.widgets import DEFAULT_RUN  # noqa: E402


def in_the_app(warm: bool) -> dict[str, float]:
    """Seconds from starting the server on an empty runs directory to each thing the person sees."""
    from browser_harness import app_server, chromium, scatter_frame

    n_checkpoints = DEFAULT_RUN["epochs"] + 1
    marks: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as scratch:
        env = {"HIDDENREP_FIRST_RUN": ""} if warm else {"HIDDENREP_FIRST_RUN": "", "HIDDENREP_CACHE": scratch + "/cache"}
        started = time.perf_counter()
        with app_server(Path(scratch) / "runs", env=env, timeout=120) as (url, _), chromium() as browser:
            marks["server answered"] = time.perf_counter() - started
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            scatter_frame(page, timeout=600)
            marks["first scatter drawn (first picture)"] = time.perf_counter() - started
            page.get_by_text(f"× {n_checkpoints} of {n_checkpoints} checkpoints").wait_for(timeout=900_000)
            marks[f"all {n_checkpoints} checkpoints on screen"] = time.perf_counter() - started
    return marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", action="store_true", help="keep the data cache (no package-index fetch)")
    parser.add_argument("--app", action="store_true", help="time what the person sees in the app (Chromium)")
    args = parser.parse_args()
    if args.app:
        load_before = os.getloadavg()[0]
        marks = in_the_app(args.warm)
        print(f"app on an empty runs directory, default run {DEFAULT_RUN}, {'warm' if args.warm else 'cold'} data "
              f"cache, {os.cpu_count()} CPUs, load average {load_before:.1f} → {os.getloadavg()[0]:.1f}")
        for name, seconds in marks.items():
            print(f"  {name:38} {seconds:7.1f} s")
        return
    with tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        if not args.warm:
            env["HIDDENREP_CACHE"] = str(Path(scratch) / "cache")
        command = [sys.executable, "-m", "hiddenrep.cli", "train", "--runs-dir", str(Path(scratch) / "runs")]
        for name, value in DEFAULT_RUN.items():
            command += [f"--{name}", str(value)]
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        marks: dict[str, float] = {}
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        buffer = ""
        while chunk := process.stdout.read1(4096).decode(errors="replace"):
            buffer += chunk
            now = time.perf_counter() - started
            if "checkpoint epoch 0" in buffer:
                marks.setdefault("first checkpoint (first picture)", now)
            if re.search(r"\d+/\d+ \[", buffer):
                marks.setdefault("data ready, training started", now)
        process.wait()
        marks["run complete"] = time.perf_counter() - started
        if process.returncode:
            sys.exit(f"training failed:\n{buffer[-2000:]}")
    print(f"default run {DEFAULT_RUN}, {'warm' if args.warm else 'cold'} data cache, "
          f"{os.cpu_count()} CPUs, load average {load_before:.1f} → {os.getloadavg()[0]:.1f}")
    for name, seconds in sorted(marks.items(), key=lambda item: item[1]):
        print(f"  {name:34} {seconds:7.1f} s")


if __name__ == "__main__":
    main()
