"""Two runs on the same examples: which separates the classes better in its hidden space, how much their
neighbourhoods agree, and both layouts in one aligned coordinate frame."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..store import Run

K = 10
SAMPLE = 2000  # silhouette is O(n²): a seeded subsample of this many points


def _labels(run: Run, examples: pd.DataFrame) -> np.ndarray:
    if run.multilabel:
        raise ValueError(f"Run {run.id} is multi-label; kNN accuracy and silhouette need one class per example.")
    return run.labels(examples)


def knn_votes(neighbors: np.ndarray, labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Majority class among each point's neighbours (never itself); ties go to the class of the nearer ones.

    Vote j weighs ``1 + 2^-(j+1)``: the small parts add up to less than one whole vote, so they only
    decide between classes with equal counts, and then in favour of the nearest neighbour.
    """
    votes = np.zeros((len(neighbors), n_classes))
    rows = np.arange(len(neighbors))
    for j in range(neighbors.shape[1]):
        np.add.at(votes, (rows, labels[neighbors[:, j]]), 1.0 + 0.5 ** (j + 1))
    return votes.argmax(1)


def separation(hidden: np.ndarray, labels: np.ndarray, *, k: int = K, sample: int = SAMPLE, metric: str = "cosine",
               seed: int = 0, neighbors: np.ndarray | None = None) -> dict[str, float]:
    """How well classes separate in a hidden space: ``knn_accuracy`` (each point's label predicted by its
    ``k`` nearest other points) and ``silhouette`` (in [-1, 1], on a seeded subsample of ``sample``)."""
    from sklearn.metrics import silhouette_score

    from ..analysis import nearest_neighbors

    labels = np.asarray(labels)
    if len(labels) != len(hidden):
        raise ValueError(f"hidden has {len(hidden)} rows but labels has {len(labels)}.")
    if neighbors is None:
        neighbors, _ = nearest_neighbors(hidden, k=k, metric=metric, seed=seed)
    accuracy = float((knn_votes(neighbors, labels, int(labels.max()) + 1) == labels).mean())
    rows = np.arange(len(labels))
    if len(rows) > sample:
        rows = np.sort(np.random.default_rng(seed).choice(len(rows), size=sample, replace=False))
    present = len(np.unique(labels[rows]))
    silhouette = (float(silhouette_score(np.asarray(hidden, dtype=np.float64)[rows], labels[rows], metric=metric))
                  if 2 <= present < len(rows) else float("nan"))
    return {"knn_accuracy": accuracy, "silhouette": silhouette}


def neighbourhood_agreement(neighbors_a: np.ndarray, neighbors_b: np.ndarray) -> float:
    """Mean Jaccard index of each point's kNN set in two spaces: 1 = same neighbours, 0 = none shared."""
    if neighbors_a.shape != neighbors_b.shape:
        raise ValueError(f"Neighbour tables differ in shape: {neighbors_a.shape} vs {neighbors_b.shape}.")
    k = neighbors_a.shape[1]
    both = np.sort(np.concatenate([neighbors_a, neighbors_b], axis=1), axis=1)
    shared = (both[:, 1:] == both[:, :-1]).sum(1)  # each set holds a point once, so a repeat is a shared one
    return float((shared / (2 * k - shared)).mean())


def matched_rows(run_a: Run, run_b: Run) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """``(rows_a, rows_b, examples_a)``: row ``rows_b[i]`` of run B is the same example as ``rows_a[i]`` of A."""
    examples_a, examples_b = run_a.examples(), run_b.examples()
    ids_a, ids_b = examples_a["example_id"].to_numpy(), examples_b["example_id"].to_numpy()
    position_b = {example_id: row for row, example_id in enumerate(ids_b)}
    missing_b = [i for i in ids_a if i not in position_b]
    missing_a = set(ids_b) - set(ids_a)
    if missing_b or missing_a:
        raise ValueError(
            f"Runs {run_a.id} ({len(ids_a)} examples) and {run_b.id} ({len(ids_b)} examples) are not on the "
            f"same examples: {len(missing_b)} of A's are not in B (e.g. {missing_b[:3]}), {len(missing_a)} of "
            f"B's not in A. Compare two runs trained on the same dataset.")
    if run_a.class_names != run_b.class_names:
        raise ValueError(f"Runs {run_a.id} and {run_b.id} name their classes differently: "
                         f"{run_a.class_names} vs {run_b.class_names}.")
    return np.arange(len(ids_a)), np.array([position_b[i] for i in ids_a]), examples_a


def matched_checkpoints(run_a: Run, run_b: Run) -> list[tuple]:
    """Pairs ``(checkpoint_a, checkpoint_b)`` recorded at the same epoch in both runs, in training order."""
    by_epoch = {round(c.epoch, 6): c for c in run_b.checkpoints}
    pairs = [(c, by_epoch[round(c.epoch, 6)]) for c in run_a.checkpoints if round(c.epoch, 6) in by_epoch]
    if not pairs:
        raise ValueError(f"Runs {run_a.id} and {run_b.id} share no checkpoint epoch "
                         f"({[c.epoch for c in run_a.checkpoints]} vs {[c.epoch for c in run_b.checkpoints]}).")
    return pairs


def compare_runs(run_a: Run, run_b: Run, *, k: int = K, sample: int = SAMPLE, metric: str = "cosine",
                 seed: int = 0, progress=None) -> pd.DataFrame:
    """One row per epoch both runs recorded: kNN accuracy and silhouette of each hidden space, and their
    neighbourhood agreement (mean Jaccard of the two kNN sets of every example).

    Columns: epoch, checkpoint_a, checkpoint_b, knn_accuracy_a, knn_accuracy_b, silhouette_a,
    silhouette_b, agreement. ``progress(done, total)`` is called after each epoch.
    """
    from ..analysis import nearest_neighbors

    rows_a, rows_b, examples = matched_rows(run_a, run_b)
    labels = _labels(run_a, examples)
    pairs = matched_checkpoints(run_a, run_b)
    table = []
    for done, (a, b) in enumerate(pairs, start=1):
        row = {"epoch": a.epoch, "checkpoint_a": a.name, "checkpoint_b": b.name}
        neighbors = {}
        for side, run, checkpoint, rows in (("a", run_a, a, rows_a), ("b", run_b, b, rows_b)):
            hidden = np.asarray(run.load(checkpoint, "hidden"))[rows]
            neighbors[side], _ = nearest_neighbors(hidden, k=k, metric=metric, seed=seed)
            figures = separation(hidden, labels, k=k, sample=sample, metric=metric, seed=seed,
                                 neighbors=neighbors[side])
            row.update({f"{name}_{side}": value for name, value in figures.items()})
        row["agreement"] = neighbourhood_agreement(neighbors["a"], neighbors["b"])
        table.append(row)
        if progress is not None:
            progress(done, len(pairs))
    columns = ["epoch", "checkpoint_a", "checkpoint_b", "knn_accuracy_a", "knn_accuracy_b", "silhouette_a",
               "silhouette_b", "agreement"]
    return pd.DataFrame(table)[columns]


@dataclass
class JointProjection:
    """Run A's and run B's layouts in one frame: ``coords[0]`` is A, ``coords[1]`` is B aligned onto A."""

    coords: np.ndarray  # float32 (2, n_points, 2)
    rows_a: np.ndarray  # row of run A's examples for each point
    rows_b: np.ndarray  # row of run B's examples for each point (same example)
    checkpoints: tuple[str, str]
    disparity: float  # mean squared distance left after alignment, both layouts scaled to unit spread


def joint_projection(run_a: Run, run_b: Run, *, checkpoint_a=-1, checkpoint_b=-1, method: str = "pca",
                     examples=None, random_state: int = 0) -> JointProjection:
    """Both runs' chosen checkpoints (the final ones by default) projected into one aligned frame.

    Each run is projected on its own with :func:`hiddenrep.reduce.project_run` (cached); B's layout
    is then rotated, reflected, scaled and shifted onto A's (Procrustes over the shared examples),
    so tweening ``coords[0]`` → ``coords[1]`` shows only how the neighbourhoods differ. The two
    models' hidden units have no correspondence, so one PCA fitted on both stacked would be
    meaningless. ``examples``: None, "train"/"validation", a mask or row indices of run A.
    """
    from ..reduce import procrustes, project_run

    rows_a, rows_b, examples_a = matched_rows(run_a, run_b)
    if isinstance(examples, str):
        chosen = np.flatnonzero(examples_a["split"].to_numpy() == examples)
    elif examples is not None:
        chosen = np.asarray(examples)
        chosen = np.flatnonzero(chosen) if chosen.dtype == bool else chosen
    if examples is not None:
        rows_a, rows_b = rows_a[chosen], rows_b[chosen]
    a = project_run(run_a, method=method, checkpoints=[checkpoint_a], examples=rows_a, random_state=random_state)
    b = project_run(run_b, method=method, checkpoints=[checkpoint_b], examples=rows_b, random_state=random_state)
    layout_a = a.coords[0].astype(np.float64)
    layout_b = procrustes(b.coords[0], layout_a)
    spread = np.sqrt(((layout_a - layout_a.mean(0)) ** 2).sum(1).mean()) or 1.0
    disparity = float((((layout_b - layout_a) / spread) ** 2).sum(1).mean())
    return JointProjection(np.stack([layout_a, layout_b]).astype(np.float32), rows_a, rows_b,
                           (a.checkpoints[0], b.checkpoints[0]), disparity)
