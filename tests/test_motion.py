"""Motion fidelity: the metric's properties, and the stable default on ground-truth controls."""

from __future__ import annotations

import numpy as np
import pytest

from hiddenrep.reduce import DEFAULT_MODES, cached_frames, project_run
from hiddenrep.reduce.metrics import hidden_motion, jitter, motion_summary, screen_motion, spearman
from hiddenrep.reduce.synthetic import ArrayRun, auroc, mover_auroc, movers_run, static_run

STABLE = "budget"  # the stable default of t-SNE and UMAP (README "Defaults and why")
FAST = {"tsne": {"n_iter": 250, "early_exaggeration_iter": 100, "warm_iter": 100, "budget_iter": 60,
                 "budget_exaggeration_iter": 40},
        "umap": {"n_epochs": 100}}


def test_hidden_motion_ignores_a_layer_that_grows_and_screen_motion_ignores_rotation_and_scale():
    rng = np.random.default_rng(0)
    before = rng.normal(size=(50, 8))
    after = before.copy()
    after[:5] += 3.0
    assert np.allclose(hidden_motion(before, after * 7.0), hidden_motion(before, after))
    assert hidden_motion(before, after)[:5].min() > hidden_motion(before, after)[5:].max()
    layout = rng.normal(size=(50, 2))
    turn = np.array([[0.0, -1.0], [1.0, 0.0]])
    assert np.allclose(screen_motion(layout, 3 * layout @ turn + 5), 0, atol=1e-9)


def test_spearman_and_motion_summary_rank_movement():
    a = np.arange(10.0)
    assert spearman(a, a**3) == pytest.approx(1.0) and spearman(a, -a) == pytest.approx(-1.0)
    assert np.isnan(spearman(a, np.ones(10)))
    rng = np.random.default_rng(1)
    hidden = [rng.normal(size=(40, 6))]
    step = np.zeros((40, 6))
    step[:, :2] = rng.normal(size=(40, 2)) * np.linspace(0, 0.3, 40)[:, None]
    hidden.append(hidden[0] + step)
    faithful = [h[:, :2] for h in hidden]  # a fixed map that sees all of the movement
    scrambled = [faithful[0], faithful[0] + rng.normal(size=(40, 2))]
    assert motion_summary(hidden, faithful)["median"] > 0.8
    assert abs(motion_summary(hidden, scrambled)["pooled"]) < 0.4


def test_spearman_ranks_as_scipy_does_with_and_without_ties():
    from scipy.stats import spearmanr

    rng = np.random.default_rng(0)
    plain, tied = rng.normal(size=300), rng.integers(0, 12, 300).astype(float)  # ties: averaged ranks
    other = plain + rng.normal(size=300)
    for a, b in ((plain, other), (tied, other), (plain, tied)):
        assert spearman(a, b) == pytest.approx(spearmanr(a, b).statistic, abs=1e-12)
    assert np.isnan(spearman(np.ones(5), np.arange(5.0)))  # a constant side ranks nothing


def test_auroc_known_answers():
    truth = np.array([False, False, True, True])
    assert auroc(np.array([0.1, 0.2, 0.8, 0.9]), truth) == 1.0
    assert auroc(np.array([0.9, 0.8, 0.2, 0.1]), truth) == 0.0
    assert auroc(np.ones(4), truth) == 0.5


@pytest.fixture(scope="module")
def control():
    return movers_run(n_points=300, n_features=16, n_clusters=5, n_checkpoints=3, seed=0)


@pytest.mark.parametrize("method", ["umap"])  # t-SNE: bench/motion.py (independent t-SNE also scores ~1 here)
def test_the_stable_mode_finds_the_points_the_model_moved(control, method):
    def found(mode):
        proj = project_run(control.run, method=method, mode=mode, params=FAST[method], cache=False)
        return mover_auroc(control, proj.coords)

    stable, independent = found(STABLE), found("independent")
    assert stable > 0.95 and stable > independent, (stable, independent)


@pytest.mark.parametrize("method", ["tsne", "umap"])
def test_budget_mode_moves_no_point_further_than_the_model_moved_it(control, method):
    from hiddenrep.reduce.budget import budgets

    params = {**FAST[method], "budget_scale": 0.5, "budget_power": 2.0, "budget_floor": None}  # a fixed scale
    coords = project_run(control.run, method=method, mode="budget", params=params, cache=False).coords
    hidden = control.run.hidden
    for t in range(len(coords) - 1):  # the chain runs backwards: frame t starts from frame t + 1
        moved = np.linalg.norm(coords[t].astype(np.float64) - coords[t + 1], axis=1)
        allowed = budgets(hidden[t + 1], hidden[t], coords[t + 1].astype(np.float64), 0.5, 2.0)
        assert (moved <= allowed * (1 + 1e-4) + 1e-4).all()
        assert np.median(moved[control.movers[t]]) > 5 * np.median(moved[~control.movers[t]])


def test_a_convex_budget_ranks_like_the_linear_one_and_gives_the_movers_more_room():
    from hiddenrep.reduce.budget import budgets

    rng = np.random.default_rng(0)
    before = rng.normal(size=(201, 8))  # odd: the median is one point's budget
    after = before + rng.normal(size=(201, 8)) * rng.uniform(0.0, 0.5, size=(201, 1))
    layout = rng.normal(size=(201, 2))
    linear, convex = (budgets(before, after, layout, 0.5, power) for power in (1.0, 3.0))
    assert spearman(linear, convex) == pytest.approx(1.0)
    assert np.median(convex) == pytest.approx(np.median(linear))
    top, low = linear > np.quantile(linear, 0.9), linear < np.median(linear)
    assert (convex[top] > linear[top]).all() and (convex[low] < linear[low]).all()
    turned = 2.0 * before @ np.linalg.qr(rng.normal(size=(8, 8)))[0]  # a rotated, rescaled basis: nobody moved
    assert np.allclose(budgets(before, turned, layout, 0.5, 3.0), 0, atol=1e-9)


def test_hidden_steps_ignore_a_rotated_and_rescaled_basis_and_otherwise_are_the_metrics_own():
    from hiddenrep.reduce.budget import hidden_steps

    rng = np.random.default_rng(0)
    before = rng.normal(size=(60, 8))
    rotation, _ = np.linalg.qr(rng.normal(size=(8, 8)))
    assert np.allclose(hidden_steps(before, 3.0 * before @ rotation), 0, atol=1e-9)
    after = before.copy()
    after[:6] += 2.0
    steps = hidden_steps(before, after @ rotation)
    assert steps[:6].min() > steps[6:].max()
    moved = before + rng.normal(size=(60, 8)) * rng.uniform(0.1, 1.0, size=(60, 1))  # every point moved its own way
    np.testing.assert_allclose(hidden_steps(before, moved), hidden_motion(before, moved))


@pytest.mark.parametrize("method", ["tsne", "umap"])
def test_budget_mode_keeps_every_transitions_motion_fidelity_at_its_floor(drifting, method):
    for floor in (0.62, 0.9):
        proj = project_run(drifting, method=method, mode="budget", params={**FAST[method], "budget_floor": floor},
                           cache=False)
        fidelity = proj.metrics["motion_fidelity"].iloc[1:]
        assert (fidelity >= floor - 1e-9).all(), (floor, fidelity.tolist())


@pytest.mark.parametrize("method", ["tsne", "umap"])
def test_the_stable_mode_holds_still_when_nothing_moved(control, method):
    assert DEFAULT_MODES[method] == STABLE  # these tests test the default
    hidden = control.run.hidden[0]
    still = project_run(static_run(hidden), method=method, mode=STABLE, params=FAST[method], cache=False).coords
    noise = [project_run(static_run(hidden), method=method, mode="independent", checkpoints=["0000"],
                         random_state=seed, params=FAST[method], cache=False).coords[0] for seed in (0, 1)]
    floor = jitter(*noise)
    assert floor > 0.01 and jitter(still[0], still[1]) < 0.1 * floor, (jitter(still[0], still[1]), floor)


def test_project_run_reports_motion_fidelity_per_transition(control):
    proj = project_run(control.run, method="pca", mode="joint-pca", cache=False)
    first, rest = proj.metrics["motion_fidelity"].iloc[0], proj.metrics["motion_fidelity"].iloc[1:]
    assert np.isnan(first) and rest.between(-1, 1).all()
    assert proj.metrics["motion_fidelity_knn"].iloc[1:].notna().all()


@pytest.fixture(scope="module")
def drifting():
    """One Gaussian cloud drifting over 3 checkpoints. Its kNN graph is connected: on the clustered control's
    disconnected graph umap-learn's own spectral start differs from one call to the next (README)."""
    rng = np.random.default_rng(0)
    base = rng.normal(size=(300, 16))
    return ArrayRun([base + 0.3 * t * rng.normal(size=(300, 16)) for t in range(3)], "drifting")


@pytest.mark.parametrize(("method", "mode", "changed"), [
    ("umap", "anchored", {"anchor_power": 2.0}), ("umap", "budget", {"budget_scale": 2.0}),
    ("umap", "budget", {"budget_power": 1.0}), ("tsne", "budget", {"budget_power": 1.0}),
    ("tsne", "budget", {"budget_floor": 0.8})])
def test_motion_modes_are_deterministic_and_their_parameters_key_the_cache(drifting, tmp_path, method, mode, changed):
    first, again = (project_run(drifting, method=method, mode=mode, params=FAST[method], cache=False).coords
                    for _ in range(2))
    np.testing.assert_array_equal(first, again)
    default = cached_frames(drifting, method=method, mode=mode, cache=tmp_path).cache_path
    other = cached_frames(drifting, method=method, mode=mode, params=changed, cache=tmp_path).cache_path
    assert default != other
