"""Approximate Bayesian computation by sequential Monte Carlo, over a batched simulator.

:func:`abc_smc` is population Monte Carlo ABC (Beaumont, Cornuet, Marin and Robert
2009) with a Gaussian acceptance kernel (Wilkinson 2013): a proposed point is kept with
probability exp(-1/2 sum(((observed - simulated) / (h s))^2)), where s is each datum's
scale (its observation sd and model discrepancy) and h a width that shrinks generation by
generation to 1. At h = 1 the weighted particles are a sample of the exact posterior of
the model "observed = simulated + N(0, s^2)" (Wilkinson's result), so the observation
error and the discrepancy stated in the target file are what the posterior's width
answers to, not an arbitrary tolerance. Each generation proposes whole batches (a
sweep of points), so the simulator is called a few times per generation, never once per
particle. Weights are prior / proposal, the proposal a Gaussian mixture around the last
generation's particles with twice their weighted covariance (Beaumont et al.).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from influence_sim.errors import InfluenceSimError

Array = NDArray[np.float64]
Simulator = Callable[[Array, int], Array]
"""Takes points ``(M, D)`` and a batch number; returns each point's statistics ``(M, T)``."""

ABC_KEY = 7_340_033
"""The spawn key of the draws ABC makes (proposals, acceptances): no run uses it."""


@dataclass
class Generation:
    """What one generation did."""

    width: float  # h: the kernel's width in units of each datum's scale
    proposed: int
    accepted: int
    ess: float  # effective sample size of the weights, (sum w)^2 / sum w^2

    @property
    def acceptance(self) -> float:
        """Accepted over proposed."""
        return self.accepted / self.proposed if self.proposed else math.nan


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
        out = []
        for column in self.particles.T:
            order = np.argsort(column)
            cumulative = np.cumsum(self.weights[order])
            out.append(column[order][np.searchsorted(cumulative, q * cumulative[-1])])
        return np.array(out)

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
    max_batches: int = 50,
) -> Posterior:
    """ABC-SMC over a uniform prior on the box [low, high].

    Args:
        simulate: The batched simulator.
        low: Each parameter's lower bound, ``(D,)``.
        high: Each parameter's upper bound.
        observed: The data, ``(T,)``.
        scale: Each datum's scale: sqrt(observation sd^2 + discrepancy^2), ``(T,)``.
        particles: Particles kept per generation.
        generations: Generations; the kernel's width falls geometrically to 1 at the last.
        seed: Seeds every draw ABC makes (the simulator seeds its own runs).
        max_batches: Batches a generation may run before it gives up.

    Raises:
        InfluenceSimError: If a generation keeps fewer than ``particles`` after
            ``max_batches`` batches (the data are too far from what the prior can give).
    """
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    observed, scale = np.asarray(observed, dtype=float), np.asarray(scale, dtype=float)
    d = len(low)
    # The first batch comes from the prior; its distances set the widths' schedule, and
    # it is the first generation's first batch.
    points = low + (high - low) * _rng(seed, 0).random((2 * particles, d))
    stats = simulate(points, 0)
    batch = 1
    pending: tuple[Array, Array] | None = (points, stats)
    first = max(1.0, float(np.median(_distance(stats, observed, scale))))
    steps = max(1, generations - 1)
    widths = [first ** ((generations - 1 - g) / steps) for g in range(generations)]
    posterior: Posterior | None = None
    history = []
    for g, width in enumerate(widths):
        rng = _rng(seed, g + 1)
        kept: list[tuple[Array, Array]] = []
        proposed = runs = 0
        while sum(len(k[0]) for k in kept) < particles:
            if pending is None:
                if runs >= max_batches:
                    raise InfluenceSimError(
                        f"ABC generation {g + 1} kept {sum(len(k[0]) for k in kept)} of "
                        f"{particles} particles in {max_batches} batches: the data are too "
                        "far from what the prior's region gives (check it, or widen the prior)"
                    )
                points = _propose(posterior, low, high, 2 * particles, rng)
                pending = (points, simulate(points, batch))
                batch += 1
                runs += 1
            points, stats = pending
            pending = None
            proposed += len(points)
            distance = _distance(stats, observed, scale)
            keep = rng.random(len(points)) < np.exp(-0.5 * (distance / width) ** 2)
            kept.append((points[keep], stats[keep]))
        chosen = np.concatenate([k[0] for k in kept])[:particles]
        chosen_stats = np.concatenate([k[1] for k in kept])[:particles]
        weights = _weights(chosen, posterior)
        posterior = Posterior(chosen, weights, chosen_stats)
        history.append(Generation(width, proposed, len(chosen), posterior.ess))
    assert posterior is not None
    posterior.generations = history
    return posterior


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


def _weights(points: Array, previous: Posterior | None) -> Array:
    """Prior over proposal density, normalised.

    The prior is uniform on the box, and the proposal is the mixture redrawn whole until
    it falls in the box, so its density there is the mixture's over one constant: the
    weight is 1 over the mixture's density, normalised.
    """
    if previous is None:
        return np.full(len(points), 1.0 / len(points))
    d = points.shape[1]
    covariance = 2.0 * np.atleast_2d(np.cov(previous.particles.T, aweights=previous.weights))
    inverse = np.linalg.inv(covariance)
    gaps = points[:, None, :] - previous.particles[None, :, :]  # (N, N_prev, D)
    exponent = -0.5 * np.einsum("ijk,kl,ijl->ij", gaps, inverse, gaps)
    norm = 1.0 / math.sqrt((2 * math.pi) ** d * np.linalg.det(covariance))
    proposal = norm * (np.exp(exponent) @ previous.weights)
    raw = 1.0 / proposal
    return np.asarray(raw / raw.sum())
