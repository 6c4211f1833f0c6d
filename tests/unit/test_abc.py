"""ABC-SMC with a Gaussian acceptance kernel recovers posteriors known exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest

from influence_sim.calibration.abc import abc_smc
from influence_sim.errors import InfluenceSimError


def _noisy_identity(noise: float, seed: int = 0):
    """x = theta + N(0, noise^2), drawn per batch from its own stream."""

    def simulate(points: np.ndarray, batch: int) -> np.ndarray:
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(batch,)))
        return points + noise * rng.standard_normal(points.shape)

    return simulate


def test_the_posterior_of_a_gaussian_model_is_recovered():
    """observed = theta + model noise (sd 0.5) + observation error (sd 0.5): with a flat
    prior on [-5, 5] the posterior is N(observed, 0.5^2 + 0.5^2) exactly (Wilkinson)."""
    result = abc_smc(
        _noisy_identity(0.5),
        np.array([-5.0]),
        np.array([5.0]),
        np.array([1.0]),
        np.array([0.5]),
        particles=2000,
        generations=4,
        seed=3,
    )
    sd = math.sqrt(0.5**2 + 0.5**2)
    mean = float(result.mean()[0])
    spread = math.sqrt(float(result.weights @ (result.particles[:, 0] - mean) ** 2))
    assert mean == pytest.approx(1.0, abs=0.06)
    assert spread == pytest.approx(sd, rel=0.08)
    low, high = result.quantiles(0.05)[0], result.quantiles(0.95)[0]
    assert low == pytest.approx(1.0 - 1.645 * sd, abs=0.12)
    assert high == pytest.approx(1.0 + 1.645 * sd, abs=0.12)
    widths = [g.width for g in result.generations]
    assert widths[-1] == 1.0
    assert widths == sorted(widths, reverse=True)
    assert all(g.simulated == 2000 for g in result.generations)
    assert result.ess > 500


def test_two_parameters_one_datum_leave_a_ridge():
    """x = a + b: only the sum is identified; the posterior of a + b is N(2, 0.3^2)."""

    def simulate(points: np.ndarray, batch: int) -> np.ndarray:
        return points.sum(axis=1, keepdims=True)

    result = abc_smc(
        simulate,
        np.array([0.0, 0.0]),
        np.array([2.0, 2.0]),
        np.array([2.0]),
        np.array([0.3]),
        particles=1500,
        generations=3,
        seed=5,
    )
    total = result.particles.sum(axis=1)
    mean = float(result.weights @ total)
    assert mean == pytest.approx(2.0, abs=0.05)
    assert math.sqrt(float(result.weights @ (total - mean) ** 2)) == pytest.approx(0.3, rel=0.12)
    covariance = np.cov(result.particles.T, aweights=result.weights)
    correlation = covariance[0, 1] / np.sqrt(covariance[0, 0] * covariance[1, 1])
    assert correlation < -0.5, "the ridge: a high a goes with a low b"


def test_the_same_seed_gives_the_same_posterior_and_far_data_show_in_the_ess():
    args = (_noisy_identity(0.2), np.array([0.0]), np.array([1.0]))
    one = abc_smc(*args, np.array([0.5]), np.array([0.1]), particles=200, generations=2, seed=1)
    two = abc_smc(*args, np.array([0.5]), np.array([0.1]), particles=200, generations=2, seed=1)
    np.testing.assert_array_equal(one.particles, two.particles)
    np.testing.assert_array_equal(one.weights, two.weights)
    assert one.ess > 20
    # Data the model cannot come near: the weights collapse, and that is refused (a
    # posterior of a particle or two was once returned, its ESS the only sign).
    with pytest.raises(InfluenceSimError, match="effective particles of 200"):
        abc_smc(*args, np.array([5.0]), np.array([0.05]), particles=200, generations=3, seed=1)

    def broken(points: np.ndarray, batch: int) -> np.ndarray:
        return np.full((len(points), 1), np.nan)

    with pytest.raises(InfluenceSimError, match="no simulated point has any weight"):
        abc_smc(broken, *args[1:], np.array([0.5]), np.array([0.1]), particles=20,
                generations=2, seed=1)  # fmt: skip


@pytest.mark.parametrize(
    ("low", "high", "observed", "scale"),
    [
        ([0.0], [1.0], [0.5], [1e-12]),  # case 12: then LinAlgError: SVD did not converge
        ([0.0, 0.0], [1.0, 1.0], [0.3, 0.6], [1e-4, 1e-4]),  # case 5: a "90% interval"
    ],  # of 0.01121 to 0.01121 from an ESS of 1.05, and no warning
)
def test_a_posterior_that_collapses_onto_a_few_particles_is_refused(low, high, observed, scale):
    with pytest.raises(InfluenceSimError, match=r"the weights fell on \d+\.\d+ effective"):
        abc_smc(
            _noisy_identity(0.01),
            np.array(low),
            np.array(high),
            np.array(observed),
            np.array(scale),
            particles=100,
            generations=3,
            seed=1,
        )
