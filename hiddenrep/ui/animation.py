"""Loaders and widgets for the Animate, Compare and Words pages: tweened specs, tracked points, exports.

Everything heavy is cached by small keys (the run's identity, checkpoint names, method, tracked ids) or
runs on the app's worker threads (:mod:`hiddenrep.ui.jobs`) with progress; pages call one function per
step. Keys carry the run's identity (id + creation time), not only its id, so a run replaced under the
same id (retrained, re-imported) never shows the old run's frames, scores or exports.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from . import jobs
from .data import chart_points, open_run, point_colors, still_points, store
from .scatter import Payload, _component, component_args, spec_json

EXPORT_KINDS = {"GIF": "gif", "MP4": "mp4", "HTML": "html"}
MIME = {"gif": "image/gif", "mp4": "video/mp4", "html": "text/html"}


def tween_view(spec: Payload, spec_key: str, *, focus: str | None = None, key: str, speed: float = 1.0,
               loop: bool = True, autoplay: bool = False, hint: str = "click a point to track it") -> dict | None:
    """Draw a tweened spec (:func:`hiddenrep.viz.tween_scatter`) in the app's scatter component: the browser
    plays it (play/pause, speed in checkpoints per second, loop, a scrubber between checkpoints).
    Returns ``{"example_id", "frame", "clicked_at"}`` of the last clicked point, or None."""
    return _component(**component_args(spec), spec_key=spec_key, focus=focus or "", interval_ms=600, speed=speed, loop=loop,
                      autoplay=autoplay, hint=hint, key=key, default=None)


# --- one run's projected frames -----------------------------------------------------------------------------------

def _frames(run_id: str, checkpoints: tuple[str, ...], method: str, mode: str):
    from ..reduce import cached_frames

    return cached_frames(open_run(run_id), method=method, mode=mode, checkpoints=list(checkpoints))


def _identity(*run_ids: str) -> tuple[str, ...]:
    """What a cache key holds for runs: their identities (id + creation time)."""
    return tuple(open_run(run_id).identity for run_id in run_ids)


def tween_spec(run_id: str, checkpoints: tuple[str, ...], method: str, mode: str, n_ready: int, **options) -> dict:
    """:func:`_tween_spec`, cached per run identity."""
    return _tween_spec(_identity(run_id), run_id, checkpoints, method, mode, n_ready, **options)


@st.cache_data(show_spinner=False, max_entries=8)
def _tween_spec(identity: tuple[str, ...], run_id: str, checkpoints: tuple[str, ...], method: str, mode: str,
                n_ready: int, *, color_by: str, tracked: tuple[str, ...] = (), trails: bool = False,
                easing: str = "cubic", fade_still: bool = False) -> dict:
    """The tweened scatter of the ``n_ready`` frames projected so far (JSON + key) and what the page shows
    beside it. ``tracked`` example ids are lettered A, B, C…; ``trails`` draws their paths; ``fade_still``
    draws the points the model did not move into the checkpoint nearest on screen faint."""
    from ..viz import scatter_table, tween_scatter

    run = open_run(run_id)
    proj = _frames(run_id, checkpoints, method, mode)
    rows = np.asarray(proj.rows)
    points, tooltip = chart_points(run, run.examples().iloc[rows].reset_index(drop=True))
    class_name = run.class_names[0] if run.multilabel else None
    color = point_colors(run, checkpoints, proj, color_by, class_name)
    faded = still_points(run, checkpoints, proj) if fade_still else None
    table = scatter_table(proj.coords, points, color=color.values, faded=faded)
    by_name = {c.name: c for c in run.checkpoints}
    titles = [by_name[name].label for name in proj.checkpoints]
    known = set(points["example_id"])
    tracked = tuple(i for i in tracked if i in known)
    chart = tween_scatter(table, frame_titles=titles, tooltip=tooltip, tracked=tracked, trails=trails, easing=easing,
                          **color.chart_options())
    spec, key = spec_json(chart)
    return {"spec": spec, "key": key, "n_points": len(points), "checkpoints": list(proj.checkpoints),
            "titles": titles, "tracked": list(tracked)}


def tracked_table(run_id: str, tracked: list[str]) -> pd.DataFrame:
    """The tracked examples with their letters, in order (for the table beside the animation)."""
    from ..viz import track_letters

    examples = open_run(run_id).examples().set_index("example_id")
    tracked = [i for i in tracked if i in examples.index]
    table = examples.loc[tracked, ["text", "label_name"]].rename(columns={"label_name": "label"}).reset_index()
    table.insert(0, "letter", track_letters(len(tracked)))
    return table


def search_examples(run_id: str, text: str, limit: int = 10) -> list[str]:
    """Ids of the first ``limit`` examples whose text contains ``text`` (case-insensitive)."""
    if not text.strip():
        return []
    examples = open_run(run_id).examples()
    hit = examples["text"].str.contains(text.strip(), case=False, regex=False)
    return examples.loc[hit, "example_id"].head(limit).tolist()


def suspects(issues: pd.DataFrame, n: int = 10) -> list[str]:
    """The ``n`` most suspected mislabels (lowest label-issue score first) of a ``label_issues`` table."""
    return issues.sort_values("label_issue_score").head(n)["example_id"].tolist()


# --- exports ------------------------------------------------------------------------------------------------------

def export_path(run_id: str, kind: str, tag: str) -> Path:
    return Path(store().root) / ".exports" / f"{run_id}-{tag}.{kind}"


def export_task(run_id: str, checkpoints: tuple[str, ...], method: str, mode: str, kind: str, *,
                tracked: tuple[str, ...] = (), coords: np.ndarray | None = None,
                titles: tuple[str, ...] | None = None, tag: str = "") -> jobs.Task:
    """GIF / MP4 / self-contained HTML of the run's frames (or of ``coords``) on the worker threads, with
    progress (done, total frames). The result is the written file's path."""
    from ..animate import Frames, export_gif, export_html, export_mp4

    if kind not in MIME:
        raise ValueError(f"kind must be one of {sorted(MIME)}, got {kind!r}.")
    key = ("export", str(store().root), *_identity(run_id), checkpoints, method, mode, kind, tracked, tag)

    def work(report):
        run = open_run(run_id)
        if coords is None:
            proj = _frames(run_id, checkpoints, method, mode)
            xy, rows = proj.coords, np.asarray(proj.rows)
            by_name = {c.name: c for c in run.checkpoints}
            names = [by_name[n].label for n in proj.checkpoints]
        else:
            xy, rows, names = coords, np.arange(coords.shape[1]), list(titles or [])
        examples = run.examples().iloc[rows].reset_index(drop=True)
        position = {example_id: row for row, example_id in enumerate(examples["example_id"])}
        from ..viz import track_letters

        marks = {position[i]: letter for i, letter in zip(tracked, track_letters(len(tracked))) if i in position}
        path = export_path(run_id, kind, tag or f"{method}-{mode}-{len(checkpoints)}-{len(tracked)}")
        if kind == "html":
            points = examples[["example_id", "text", "label_name"]].rename(columns={"label_name": "label"})
            report(0, 1)
            export_html(path, xy, points, titles=names, color="label", marks=marks, title=f"{run_id} ({method})",
                        color_domain=None if run.multilabel else run.class_names)
            report(1, 1)
            return path
        colors = None if run.multilabel else examples["label"].to_numpy().astype(np.int64)
        frames = Frames(xy, colors=colors, color_names=None if run.multilabel else run.class_names, marks=marks,
                        titles=names)
        write = export_gif if kind == "gif" else export_mp4
        return write(path, frames, progress=report)

    return jobs.shared_task(key, work)


def export_button(task: jobs.Task, kind: str, label: str) -> None:
    """The download button of a finished export (or its error, with Retry)."""
    from .widgets import task_failed

    if task_failed(task, f"The {label} export"):
        return
    path = task.result()
    st.download_button(f"Download {label} ({path.stat().st_size / 1e6:.1f} MB)", data=path.read_bytes(),
                       file_name=path.name, mime=MIME[kind], key=f"download-{kind}-{path.name}")


def track_click(key: str, tracked_key: str) -> None:
    """Add the newest click of the component under ``key`` to the tracked ids under ``tracked_key``
    (a second click on a tracked point stops tracking it)."""
    from . import state

    click = st.session_state.get(key)
    seen = st.session_state.setdefault(state.LAST_TRACK_CLICK, {})
    if click and click.get("clicked_at") != seen.get(key):
        seen[key] = click["clicked_at"]
        tracked = st.session_state.setdefault(tracked_key, [])
        if click["example_id"] in tracked:
            tracked.remove(click["example_id"])
        else:
            tracked.append(click["example_id"])


# --- Compare ------------------------------------------------------------------------------------------------------

def comparable_runs(run_id: str) -> list[str]:
    """Other complete runs on the same dataset as ``run_id`` (candidates for run B): those of another
    model first (ffnn → the BiLSTM, the seed's comparison), then newest first."""
    from ..store import COMPLETE

    runs = store().list()
    mine = next((r for r in runs if r.id == run_id), None)
    if mine is None:
        return []
    dataset, model = mine.manifest["dataset"]["name"], mine.manifest["model"].get("name")
    others = [r for r in runs if r.id != run_id and r.status == COMPLETE and not r.manifest.get("words_of")
              and r.manifest["dataset"]["name"] == dataset]
    return [r.id for r in sorted(others, key=lambda r: r.manifest["model"].get("name") == model)]


@st.cache_data(show_spinner=False)
def dataset_size(name: str) -> dict:
    """Examples and training examples of a built-in dataset (for the comparison's time estimate)."""
    from ..data import TRAIN, load_dataset

    data = load_dataset(name)
    return {"n_examples": len(data), "n_train": int((data.split == TRAIN).sum())}


def paired_checkpoints(run_a: str, run_b: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(A's checkpoint names, B's, titles) at the epochs both runs recorded. Raises ValueError when none."""
    from ..compare import matched_checkpoints

    pairs = matched_checkpoints(open_run(run_a), open_run(run_b))
    return (tuple(a.name for a, _ in pairs), tuple(b.name for _, b in pairs), tuple(a.label for a, _ in pairs))


def compare_spec(run_a: str, run_b: str, method: str, mode: str) -> dict:
    """:func:`_compare_spec`, cached per run identity."""
    return _compare_spec(_identity(run_a, run_b), run_a, run_b, method, mode)


@st.cache_data(show_spinner=False, max_entries=8)
def _compare_spec(identity: tuple[str, ...], run_a: str, run_b: str, method: str, mode: str) -> dict:
    """Side-by-side scatter of both runs at their shared epochs (projections computed by the page's tasks)."""
    from ..compare import matched_rows
    from ..viz import scatter_table
    from ..viz.compare import compare_scatter

    a, b = open_run(run_a), open_run(run_b)
    names_a, names_b, titles = paired_checkpoints(run_a, run_b)
    rows_a, rows_b, _ = matched_rows(a, b)
    tables = []
    for run, names, rows in ((a, names_a, rows_a), (b, names_b, rows_b)):
        proj = _frames(run.id, names, method, mode)
        where = {row: i for i, row in enumerate(np.asarray(proj.rows))}
        order = np.array([where[r] for r in rows])  # A's example order in both panels
        examples = run.examples().iloc[rows].reset_index(drop=True)
        points = examples[["example_id", "text", "label_name"]].rename(columns={"label_name": "label"})
        tables.append(scatter_table(proj.coords[:, order], points, color=points["label"].to_numpy()))
    chart = compare_scatter(*tables, frame_titles=titles, names=(f"A: {a.manifest['model']['name']}",
                                                                 f"B: {b.manifest['model']['name']}"),
                            color_domain=a.class_names)
    spec, key = spec_json(chart)
    return {"spec": spec, "key": key, "n_points": len(rows_a), "titles": titles}


def transition_spec(run_a: str, run_b: str, method: str, easing: str = "cubic") -> dict:
    """:func:`_transition_spec`, cached per run identity."""
    return _transition_spec(_identity(run_a, run_b), run_a, run_b, method, easing)


@st.cache_data(show_spinner=False, max_entries=8)
def _transition_spec(identity: tuple[str, ...], run_a: str, run_b: str, method: str, easing: str) -> dict:
    """A's final layout → B's final layout, B aligned onto A (Procrustes), as a tweened scatter."""
    from ..compare import joint_projection
    from ..viz import scatter_table, tween_scatter

    a, b = open_run(run_a), open_run(run_b)
    joint = joint_projection(a, b, method=method)
    points = a.examples().iloc[joint.rows_a].reset_index(drop=True)[["example_id", "text", "label_name"]]
    points = points.rename(columns={"label_name": "label"})
    table = scatter_table(joint.coords.astype(np.float64), points, color=points["label"].to_numpy())
    titles = [f"A: {a.manifest['model']['name']} ({a.checkpoint(joint.checkpoints[0]).label})",
              f"B: {b.manifest['model']['name']} ({b.checkpoint(joint.checkpoints[1]).label})"]
    chart = tween_scatter(table, frame_titles=titles, color_domain=a.class_names, tooltip=("text", "label"),
                          easing=easing, height=480, width=560)
    spec, key = spec_json(chart)
    return {"spec": spec, "key": key, "disparity": joint.disparity, "titles": titles}


def compare_task(run_a: str, run_b: str) -> jobs.Task:
    """:func:`hiddenrep.compare.compare_runs` on the worker threads, with progress per epoch."""
    def work(report):
        from ..compare import compare_runs

        return compare_runs(open_run(run_a), open_run(run_b), progress=report)

    return jobs.shared_task(("compare", str(store().root), *_identity(run_a, run_b)), work)


def verdict(table: pd.DataFrame, names: tuple[str, str]) -> str:
    """One sentence: which run separates the classes better in its hidden space at the last shared epoch;
    every number is followed by whose it is."""
    last = table.iloc[-1]
    knn = {name: last[f"knn_accuracy_{s}"] for name, s in zip(names, "ab")}
    sil = {name: last[f"silhouette_{s}"] for name, s in zip(names, "ab")}
    better_knn = max(knn, key=knn.get)
    better_sil = max(sil, key=lambda n: -np.inf if np.isnan(sil[n]) else sil[n])
    head = (f"**{better_knn}** separates the classes better in its hidden space" if better_knn == better_sil
            else f"kNN accuracy favours **{better_knn}**, silhouette favours **{better_sil}**")
    a, b = names
    return (f"At epoch {last['epoch']:g}: {head} — kNN accuracy {knn[a]:.3f} ({a}) vs {knn[b]:.3f} ({b}), "
            f"silhouette {sil[a]:.3f} ({a}) vs {sil[b]:.3f} ({b}); their neighbourhoods agree "
            f"{last['agreement']:.0%} (mean Jaccard of the 10 nearest).")


# --- Words --------------------------------------------------------------------------------------------------------

WORD_COLORS = ("word class", "VADER sentiment", "profanity", "food")


def words_run_id(run_id: str) -> str | None:
    """The id of the words companion of ``run_id`` (or ``run_id`` itself when it is one); None when absent."""
    from ..words import words_run

    try:
        return words_run(open_run(run_id)).id
    except LookupError:
        return None


def _word_color(examples: pd.DataFrame, by: str) -> dict:
    from ..words import WORD_CLASSES

    if by == "VADER sentiment" and "meta:vader" in examples.columns:
        return {"color": examples["meta:vader"].fillna(0.0).to_numpy(dtype=float), "color_type": "quantitative",
                "color_title": "VADER", "color_domain": (-3.0, 3.0), "color_scheme": "redblue"}
    for name, column in (("profanity", "meta:profane"), ("food", "meta:food")):
        if by == name and column in examples.columns:
            flags = examples[column].astype(bool).to_numpy()
            return {"color": np.where(flags, name, "other"), "color_type": "nominal", "color_title": name,
                    "color_domain": (name, "other"), "highlight": name}
    return {"color": examples["label_name"].to_numpy(), "color_type": "nominal", "color_title": "word class",
            "color_domain": tuple(WORD_CLASSES), "highlight": "profane" if "profane" in WORD_CLASSES else None}


def words_spec(words_id: str, checkpoints: tuple[str, ...], method: str, mode: str, **options) -> dict:
    """:func:`_words_spec`, cached per run identity."""
    return _words_spec(_identity(words_id), words_id, checkpoints, method, mode, **options)


@st.cache_data(show_spinner=False, max_entries=8)
def _words_spec(identity: tuple[str, ...], words_id: str, checkpoints: tuple[str, ...], method: str, mode: str, *,
                color_by: str = "word class", tracked: tuple[str, ...] = (), trails: bool = True) -> dict:
    """The tweened scatter of a words run (one point per word), coloured by lexicon, ``tracked`` words lettered."""
    from ..viz import scatter_table, tween_scatter

    run = open_run(words_id)
    proj = _frames(words_id, checkpoints, method, mode)
    examples = run.examples().iloc[np.asarray(proj.rows)].reset_index(drop=True)
    colors = _word_color(examples, color_by)
    points = examples[["example_id", "label_name"]].rename(columns={"label_name": "word class"})
    points.insert(1, "text", examples["text"])
    table = scatter_table(proj.coords, points, color=colors.pop("color"))
    titles = [run.checkpoint(name).label for name in proj.checkpoints]
    tracked = tuple(w for w in tracked if w in set(points["example_id"]))
    chart = tween_scatter(table, frame_titles=titles, tooltip=("text", "word class"), tracked=tracked,
                          track_labels=tracked, trails=trails, point_size=18, **colors)
    spec, key = spec_json(chart)
    return {"spec": spec, "key": key, "n_points": len(points), "tracked": list(tracked), "titles": titles}


def word_matches(words_id: str, query: str) -> list[str]:
    """:func:`_word_matches`, cached per run identity."""
    return _word_matches(_identity(words_id), words_id, query)


@st.cache_data(show_spinner=False, max_entries=32)
def _word_matches(identity: tuple[str, ...], words_id: str, query: str) -> list[str]:
    """Recorded words matching what was typed (the word, then words starting with it, else close spellings)."""
    from ..words import find_words

    return find_words(open_run(words_id), query)


def word_drift(words_id: str, word: str, n_checkpoints: int, k: int = 8) -> pd.DataFrame:
    """:func:`_word_drift`, cached per run identity."""
    return _word_drift(_identity(words_id), words_id, word, n_checkpoints, k)


@st.cache_data(show_spinner=False, max_entries=32)
def _word_drift(identity: tuple[str, ...], words_id: str, word: str, n_checkpoints: int, k: int) -> pd.DataFrame:
    """Per checkpoint: the ``k`` nearest words to ``word`` and which joined (cached per number of checkpoints)."""
    from ..words import nearest_words_by_checkpoint

    return nearest_words_by_checkpoint(open_run(words_id), word, k=k)


def word_pair_distances(words_id: str, pairs: tuple[tuple[str, str], ...], n_checkpoints: int) -> pd.DataFrame:
    """:func:`_word_pair_distances`, cached per run identity."""
    return _word_pair_distances(_identity(words_id), words_id, pairs, n_checkpoints)


@st.cache_data(show_spinner=False, max_entries=32)
def _word_pair_distances(identity: tuple[str, ...], words_id: str, pairs: tuple[tuple[str, str], ...],
                         n_checkpoints: int) -> pd.DataFrame:
    """Cosine distance of each word pair at every checkpoint (cached per number of checkpoints)."""
    from ..words import word_distances

    return word_distances(open_run(words_id), list(pairs))
