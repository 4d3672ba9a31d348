"""Regenerate the README's screenshots: every page of the app in headless Debian Chromium.

    python docs/screenshots.py [--runs-dir DIR] [--out docs] [--dataset NAME --epochs N]

``--runs-dir`` (default: a fresh temporary directory) should hold a complete default run
(movie-sentences, ffnn); what is missing is trained first with the CLI: the default run, the same
model with seed 1 (for Compare) and a run that records its word embeddings (for Words). On 2 busy
cores that takes minutes (``--dataset synthetic --epochs 3``: a 600-point stand-in, for a busy machine). Each page is opened by URL, waited for, and saved as ``<out>/<page>.png``;
then look at every one.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the browser harness lives with the tests

from hiddenrep.store import COMPLETE, RunStore  # noqa: E402
from browser_harness import app_server, chromium, click_point, scatter_frame  # noqa: E402

DEFAULT = {"dataset": "movie-sentences", "model": "ffnn", "epochs": "10"}
WIDTH, HEIGHT = 1400, 1000


def _train(runs_dir: Path, **extra: str) -> None:
    options = {**DEFAULT, **{k: v for k, v in extra.items() if v is not None}}
    command = [sys.executable, "-m", "hiddenrep.cli", "train", "--runs-dir", str(runs_dir)]
    for name, value in options.items():
        command += [f"--{name}"] + ([] if value == "" else [value])
    print("training", options, flush=True)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def _runs(runs_dir: Path) -> dict[str, str]:
    """The default run, a second seed and a words run, trained when missing: role → run id."""
    def find(**wanted):
        for run in RunStore(runs_dir).list():
            config = run.manifest.get("config", {})
            if (run.status == COMPLETE and not run.manifest.get("words_of")
                    and all(str(config.get(k)) == str(v) for k, v in wanted.items())):
                return run
        return None

    def ensure(extra: dict, **wanted):
        run = find(**wanted)
        if run is None:
            _train(runs_dir, **extra)
            run = find(**wanted)
        return run

    dataset, epochs = DEFAULT["dataset"], DEFAULT["epochs"]
    main = ensure({}, dataset=dataset, model="ffnn", seed=0, epochs=epochs)
    other = ensure({"seed": "1"}, dataset=dataset, model="ffnn", seed=1)
    words = next((r for r in RunStore(runs_dir).list() if r.manifest.get("words_of") and r.status == COMPLETE), None)
    if words is None:
        _train(runs_dir, words="", embeddings="glove-50d" if dataset == "movie-sentences" else None, seed="2")
        words = next(r for r in RunStore(runs_dir).list() if r.manifest.get("words_of"))
    return {"main": main.id, "other": other.id, "words": words.manifest["words_of"]}


def shoot(runs_dir: Path, out: Path) -> list[Path]:
    runs = _runs(runs_dir)
    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with app_server(runs_dir, timeout=120) as (url, _), chromium() as browser:
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})

        def save(name: str, full_page: bool = False) -> None:
            page.wait_for_timeout(1500)  # let the last rerun settle
            path = out / f"{name}.png"
            page.screenshot(path=str(path), full_page=full_page)
            saved.append(path)
            print("saved", path, flush=True)

        page.goto(f"{url}/?run={runs['main']}")
        try:
            scatter_frame(page, timeout=300)
            page.get_by_text("Projecting").wait_for(state="detached", timeout=300_000)  # every checkpoint drawn
            # and every frame's quality measured (the title's second line; the Frame quality tab's chart)
            frame = scatter_frame(page, timeout=600,
                                  until="JSON.stringify(window.hiddenrepView.signal('titles')).includes('trustworthiness')")
        except TimeoutError:
            save("explore-not-drawn")
            raise
        frame.locator("#slider input[type=range]").fill("2")
        click_point(page, frame)
        page.get_by_text("Neighbours of").wait_for(timeout=120_000)
        page.locator(".hr-neighbours").wait_for(timeout=120_000)  # the table itself, not its placeholder
        page.mouse.move(5, 5)  # no tooltip over the plot
        save("explore")
        page.get_by_role("tab", name="Suspected mislabels").click()
        page.get_by_text("Most suspect first").wait_for(timeout=300_000)
        page.locator("[data-testid=stDataFrame]:visible").first.wait_for(timeout=300_000)
        save("suspects")
        page.get_by_role("tab", name="Frame quality").click()
        save("frame-quality")

        page.goto(f"{url}/train?run={runs['main']}")
        page.get_by_text("Examples per class").wait_for(timeout=120_000)
        save("train", full_page=True)

        page.goto(f"{url}/import?run={runs['main']}")
        page.get_by_role("heading").first.wait_for(timeout=60_000)
        save("import")

        page.goto(f"{url}/animate?run={runs['main']}")
        scatter_frame(page, timeout=300)
        save("animate")

        page.goto(f"{url}/compare?run={runs['main']}")
        page.get_by_text("Which separates better").wait_for(timeout=300_000)
        scatter_frame(page, timeout=300)
        save("compare")

        page.goto(f"{url}/words?run={runs['words']}")
        scatter_frame(page, timeout=300)
        save("words")
        page.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument("--dataset", default=DEFAULT["dataset"])
    parser.add_argument("--epochs", default=DEFAULT["epochs"])
    args = parser.parse_args()
    DEFAULT.update(dataset=args.dataset, epochs=str(args.epochs))
    if args.runs_dir is None:
        with tempfile.TemporaryDirectory() as scratch:
            shoot(Path(scratch), args.out)
    else:
        shoot(args.runs_dir, args.out)


if __name__ == "__main__":
    main()
