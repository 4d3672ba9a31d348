"""UI figures: first render and per-step cost of scrubbing checkpoints, in Debian's Chromium.

For 2k, 10k and 20k points × 11 checkpoints it prints the time to first render and the median
milliseconds per slider step two ways — in the browser (the app's epoch scatter, one spec holding
every checkpoint) and one Streamlit rerun per step (st.slider → Python redraws that checkpoint) —
and their ratio. Then the app's first page: seconds from `streamlit run` to the page on screen.
Run: .venv/bin/python bench/ui.py   (CPU is shared: compare the ratio, not absolute times)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the browser harness lives with the tests

from browser_harness import STEP_JS, app_server, chromium, scatter_frame  # noqa: E402

SIZES = (2000, 10_000, 20_000)
STEPS = 40
WARMUP = 11  # one pass over the checkpoints first: JIT and the first draw of each frame are not "a step"
RERUN_STEPS = 8


def browser_steps(page, url: str, n: int) -> tuple[float, float]:
    start = time.perf_counter()
    page.goto(f"{url}/?mode=browser&n={n}")
    frame = scatter_frame(page)
    first = time.perf_counter() - start
    frame.evaluate(STEP_JS, WARMUP)
    # the median of three passes' medians: the 2 shared cores make single passes swing 2-3x
    return first, statistics.median(statistics.median(frame.evaluate(STEP_JS, STEPS)) for _ in range(3))


def rerun_steps(page, url: str, n: int) -> float:
    page.goto(f"{url}/?mode=rerun&n={n}")
    page.get_by_text(f"frame {10}").wait_for(timeout=120_000)
    slider = page.get_by_test_id("stSlider").get_by_role("slider")
    times = []
    for k in range(RERUN_STEPS):
        key, target = ("ArrowLeft", 9 - k) if k < 5 else ("ArrowRight", 9 - 4 + (k - 4))
        slider.focus()
        start = time.perf_counter()
        page.keyboard.press(key)
        page.get_by_text(f"frame {target}", exact=True).wait_for(timeout=120_000)
        page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')", timeout=120_000)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def first_page_seconds(browser) -> float:
    """From `streamlit run` to the Explore page's title in the browser (empty runs directory)."""
    with tempfile.TemporaryDirectory() as runs:
        start = time.perf_counter()
        with app_server(runs) as (url, _):
            page = browser.new_page()
            page.goto(url)
            page.get_by_text("Explore a run").wait_for(timeout=60_000)
            seconds = time.perf_counter() - start
            page.close()
    return seconds


def main() -> None:
    with chromium() as browser, app_server(ROOT / "runs", script=ROOT / "bench" / "ui_app.py") as (url, _):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        print(f"{'points':>7} {'ckpts':>5} {'first render s':>14} {'browser ms/step':>15} "
              f"{'rerun ms/step':>13} {'ratio':>6}")
        for n in SIZES:
            first, step = browser_steps(page, url, n)
            rerun = rerun_steps(page, url, n)
            print(f"{n:>7} {11:>5} {first:>14.2f} {step:>15.1f} {rerun:>13.0f} {rerun / step:>5.0f}x", flush=True)
        page.close()
        print(f"app first page from `streamlit run`: {first_page_seconds(browser):.2f} s")


if __name__ == "__main__":
    main()
