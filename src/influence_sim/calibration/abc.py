"""Approximate Bayesian computation by sequential Monte Carlo, over a batched simulator.

:func:`abc_smc` is sequential importance sampling ABC (population Monte Carlo, Beaumont,
Cornuet, Marin and Robert 2009, with kernel weights instead of rejection, as in Del
Moral, Doucet and Jasra 2012) with a Gaussian kernel (Wilkinson 2013): a simulated point
is weighted by exp(-1/2 sum(((observed - simulated) / (h s))^2)) times prior over
proposal, where s is each datum's scale (its observation sd and model discrepancy) and h
a width that shrinks generation by generation to 1. At h = 1 the weighted particles are
a sample of the exact posterior of the model "observed = simulated + N(0, s^2)"
(Wilkinson's result), so the observation error and the discrepancy stated in the target
file are what the posterior's width answers to, not an arbitrary tolerance. Each
generation simulates one batch (a sweep of points), never one particle at a time, and
costs the same whatever the data: where the model cannot come near them the weights
collapse onto few particles, which the effective sample size reports. The proposal is a
Gaussian mixture around the last generation's particles with twice their weighted
covariance (Beaumont et al.).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from influence_sim.errors import CalibrationFailed
from influence_sim.results.metrics import weighted_quantile

Array = NDArray[np.float64]
Simulator = Callable[[Array, int], Array]
"""Takes points ``(M, D)`` and a batch number; returns each point's statistics ``(M, T)``."""

ABC_KEY = 7_340_033
"""The spawn key of the draws ABC makes (its proposals): no run uses it."""


@dataclass
class Generation:
    """What one generation did."""

    width: float  # h: the kernel's width in units of each datum's scale
    simulated: int
    ess: float  # effective sample size of the weights, (sum w)^2 / sum w^2


@dataclass
class Posterior:
    """Weighted particles and how they were reached."""

    particles: Array  # (N, D)
    weights: Array  # (N,), summing to 1
    statistics: Array  # (N, T): each particle's simulated statistics
    generations: list[Generation] = field(default_factory=list)

    def mean(self) -> Array:
        """The weighted mean of each parameter."""
        return np.asarray(self.weights @ self.particles)

    def quantiles(self, q: float) -> Array:
        """Each parameter's weighted quantile ``q``."""
        return np.array([weighted_quantile(c, self.weights, q) for c in self.particles.T])

    @property
    def ess(self) -> float:
        """The effective sample size of the final weights."""
        return float(1.0 / np.sum(self.weights**2))


def abc_smc(
    simulate: Simulator,
    low: Array,
    high: Array,
    observed: Array,
    scale: Array,
    *,
    particles: int,
    generations: int,
    seed: int,
) -> Posterior:
    """ABC-SMC over a uniform prior on the box [low, high].

    Args:
        simulate: The batched simulator (called once per generation).
        low: Each parameter's lower bound, ``(D,)``.
        high: Each parameter's upper bound.
        observed: The data, ``(T,)``.
        scale: Each datum's scale: sqrt(observation sd^2 + discrepancy^2), ``(T,)``.
        particles: Points simulated and kept per generation.
        generations: Generations; the kernel's width falls geometrically to 1 at the last
            (its first width is the median standardised distance of the prior's points).
        seed: Seeds every draw ABC makes (the simulator seeds its own runs).

    Raises:
        InfluenceSimError: If no particle has any weight (every simulation failed).
    """
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    observed, scale = np.asarray(observed, dtype=float), np.asarray(scale, dtype=float)
    posterior: Posterior | None = None
    history = []
    widths: list[float] = []
    for g in range(generations):
        rng = _rng(seed, g)
        points = _propose(posterior, low, high, particles, rng)
        stats = simulate(points, g)
        distance = _distance(stats, observed, scale)
        if not widths:
            finite = distance[np.isfinite(distance)]
            first = max(1.0, float(np.median(finite))) if finite.size else 1.0
            steps = max(1, generations - 1)
            widths = [first ** ((generations - 1 - k) / steps) for k in range(generations)]
        log_weights = -0.5 * (distance / widths[g]) ** 2 - _log_proposal(points, posterior)
        if not np.isfinite(log_weights).any():
            raise CalibrationFailed(
                f"ABC generation {g + 1}: no simulated point has any weight (every run failed)"
            )
        weights = np.exp(log_weights - np.max(log_weights[np.isfinite(log_weights)]))
        weights = np.where(np.isfinite(weights), weights, 0.0)
        weights /= weights.sum()
        posterior = Posterior(points, weights, stats)
        _refuse_collapse(posterior, g, scale)
        history.append(Generation(widths[g], len(points), posterior.ess))
    assert posterior is not None
    posterior.generations = history
    return posterior


MIN_ESS = 5.0
"""The fewest effective particles a generation may keep (and at least 5% of them): fewer
is a posterior of a point or two, whose intervals say nothing and whose spread cannot
shape the next generation's proposals."""


def _refuse_collapse(posterior: Posterior, generation: int, scale: Array) -> None:
    """Refuse a generation whose weights fell on a few particles.

    Raises:
        InfluenceSimError: Saying how few, and why: data far more precise than the runs.
    """
    n = len(posterior.weights)
    floor = max(MIN_ESS, 0.05 * n)
    if posterior.ess >= floor:
        return
    raise CalibrationFailed(
        f"ABC generation {generation + 1}: the weights fell on {posterior.ess:.2f} effective "
        f"particles of {n} (at least {floor:g} are needed): the data's scale (their sd and "
        f"discrepancy; the smallest {float(np.min(scale)):.3g}) is far finer than what "
        "separates the runs, so no posterior can be drawn from them. Give the data a "
        "discrepancy (what the model leaves out) or more particles, or fit by history "
        "matching alone (no 'abc' section)"
    )


def _rng(seed: int, generation: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(ABC_KEY, generation)))


def _distance(stats: Array, observed: Array, scale: Array) -> Array:
    """The standardised distance of each point's statistics from the data, ``(M,)``."""
    gap = (stats - observed) / scale
    out = np.sqrt(np.sum(gap**2, axis=1))
    return np.where(np.isfinite(out), out, np.inf)


def _propose(
    posterior: Posterior | None, low: Array, high: Array, n: int, rng: np.random.Generator
) -> Array:
    """``n`` points: from the prior, or perturbed particles of the last generation in it."""
    d = len(low)
    if posterior is None:
        return low + (high - low) * rng.random((n, d))
    covariance = 2.0 * np.atleast_2d(np.cov(posterior.particles.T, aweights=posterior.weights))
    out = np.empty((0, d))
    while len(out) < n:
        picks = rng.choice(len(posterior.particles), size=n, p=posterior.weights)
        moved = posterior.particles[picks] + rng.multivariate_normal(np.zeros(d), covariance, n)
        inside = np.all((moved >= low) & (moved <= high), axis=1)
        out = np.concatenate([out, moved[inside]])
    return out[:n]


def _log_proposal(points: Array, previous: Posterior | None) -> Array:
    """The log density of the proposal at each point, up to a constant (the prior's is 0).

    The prior is uniform on the box and the proposal is the mixture redrawn whole until
    it falls in the box, so its density there is the mixture's over one constant.
    """
    if previous is None:
        return np.zeros(len(points))
    d = points.shape[1]
    covariance = 2.0 * np.atleast_2d(np.cov(previous.particles.T, aweights=previous.weights))
    inverse = np.linalg.inv(covariance)
    gaps = points[:, None, :] - previous.particles[None, :, :]  # (N, N_prev, D)
    exponent = -0.5 * np.einsum("ijk,kl,ijl->ij", gaps, inverse, gaps)
    norm = 1.0 / math.sqrt((2 * math.pi) ** d * np.linalg.det(covariance))
    with np.errstate(divide="ignore"):
        return np.asarray(np.log(norm * (np.exp(exponent) @ previous.weights)))
