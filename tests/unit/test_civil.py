"""The citizens' kernel (engine.civil, lattice, draws): bookkeeping, randomness, Epstein's patterns.

The patterns are Epstein (2002), "Modeling civil violence: An agent-based computational
approach", PNAS 99 (suppl. 3), on the NetLogo Rebellion model's settings: a 40 x 40 torus,
citizen density 0.7, police density 0.04, vision 7, legitimacy 0.82, max jail term 30,
k = 2.3, threshold 0.1.
"""

from __future__ import annotations

import numpy as np
import pytest

from influence_sim.engine import civil, draws
from influence_sim.engine.civil import Law, Rebellion, rebel, rebellion_keys
from influence_sim.engine.lattice import Lattice

STANDARD = Rebellion()


def test_the_standard_settings_are_netlogos() -> None:
    assert (STANDARD.side, STANDARD.vision, STANDARD.max_jail) == (40, 7, 30)
    assert (STANDARD.citizens, STANDARD.officers) == (1120, 64)
    assert STANDARD.lattice.in_vision == 149  # NetLogo's in-radius 7


def test_disk_sum_and_max_match_a_brute_force_disk() -> None:
    disk = Lattice(16, 5)
    rng = np.random.default_rng(0)
    grid = rng.integers(0, 2, (16, 16, 3)).astype(np.uint16)
    values = rng.integers(0, 10_000, (16, 16, 3)).astype(np.uint32)
    total = np.zeros_like(grid)
    best = np.zeros_like(values)
    for dy, w in zip(range(-5, 6), disk.widths, strict=True):
        for dx in range(-w, w + 1):
            total += np.roll(grid, (-dy, -dx), axis=(0, 1))
            best = np.maximum(best, np.roll(values, (-dy, -dx), axis=(0, 1)))
        assert dy * dy + w * w <= 25 < dy * dy + (w + 1) ** 2
    assert (disk.disk_sum(grid) == total).all()
    assert (disk.disk_max(values) == best).all()


def _consistent(crowd: civil.Crowd) -> None:
    """Every free agent is where the occupancy grid says, and nobody else is anywhere."""
    local = crowd.local()
    for b in range(crowd.rows):
        occ = crowd.occ[:, b]
        placed = np.flatnonzero(occ >= 0)
        assert (local[b, occ[placed]] == placed).all()
        free = np.r_[~crowd.inside[b], crowd.duty[b]]
        assert (occ[local[b, free]] == np.flatnonzero(free)).all()
        assert not (crowd.active[b] & crowd.inside[b]).any()


def test_agents_never_share_a_cell_and_jail_terms_are_netlogos() -> None:
    settings = Rebellion(side=24, legitimacy=0.7)
    grid = settings.lattice
    keys = rebellion_keys(3, 6)
    crowd = civil.populate(grid, keys, settings.citizens, settings.officers)
    law = Law(settings.legitimacy)
    arrested = 0
    for t in range(80):
        before = crowd.inside.copy()
        civil.tick(grid, crowd, law, keys, t)
        _consistent(crowd)
        arrested += crowd.arrests.sum()
        assert (crowd.jail >= 0).all()
        assert (crowd.jail < settings.max_jail).all()
        assert (crowd.arrests <= settings.officers).all()
        assert (crowd.inside & ~before).sum() <= crowd.arrests.sum()
    assert arrested > 50  # the rule did run


def test_a_replication_does_not_depend_on_its_batch() -> None:
    keys = rebellion_keys(11, 6)
    whole = rebel(STANDARD, 60, keys)
    for part in (keys[:1], keys[2:5]):
        alone = rebel(STANDARD, 60, part)
        rows = [int(np.flatnonzero(keys == k)[0]) for k in part]
        for name, values in alone.items():
            assert (values == whole[name][rows]).all(), name


def test_counter_draws_are_uniform_and_independent_of_the_other_keys() -> None:
    keys = rebellion_keys(5, 4)
    values = draws.uniform(keys, 3, 200_000)
    assert (draws.uniform(keys[2:3], 3, 200_000) == values[2:3]).all()
    assert abs(values.mean() - 0.5) < 0.002
    counts = np.histogram(values, bins=20, range=(0, 1))[0]
    expected = values.size / 20
    assert ((counts - expected) ** 2 / expected).sum() < 60  # chi2, 19 dof: p ~ 1e-6
    assert abs(np.corrcoef(values[0, :-1], values[0, 1:])[0, 1]) < 0.01
    assert abs(np.corrcoef(values[0], values[1])[0, 1]) < 0.01


def test_a_side_that_is_not_a_multiple_of_eight_is_refused() -> None:
    with pytest.raises(ValueError, match="multiple of 8"):
        Lattice(30, 7)


def test_epstein_punctuated_bursts_on_the_standard_settings() -> None:
    """Long quiet spells broken by sudden outbursts (Epstein 2002, Fig. 3)."""
    active = rebel(STANDARD, 1000, rebellion_keys(7, 24))["active"][:, 1:]
    outbursts = ((active[:, 1:] >= 100) & (active[:, :-1] < 100)).sum(axis=1)
    quiet = (active < 20).mean(axis=1)
    assert (outbursts >= 3).mean() >= 0.9  # nearly every run has several
    assert np.median(outbursts) >= 5
    assert np.median(quiet) > 0.6  # quiet most of the time
    assert (active.max(axis=1) >= 150).all()  # and the bursts are large
    # Punctuated, not a steady simmer: the median tick is quieter than a tenth of the mean.
    assert np.median(active) <= 0.1 * active.mean()
    # The figures docs/ODD.md quotes for these 24 runs: median 8 outbursts, quiet 77%.
    assert np.median(outbursts) == pytest.approx(8, abs=1)
    assert np.median(quiet) == pytest.approx(0.77, abs=0.02)


def test_epstein_a_slow_decline_of_legitimacy_brings_smaller_outbursts() -> None:
    """Legitimacy falling from 0.82 to 0.62 slowly (over 200 ticks) against at once:
    the largest outburst is smaller when it falls slowly (Epstein 2002, Figs. 6 and 7)."""
    keys = rebellion_keys(7, 24)
    slow = np.r_[np.full(50, 0.82), np.linspace(0.82, 0.62, 200), np.full(50, 0.62)]
    sudden = np.r_[np.full(50, 0.82), np.full(250, 0.62)]
    slow_active = rebel(STANDARD, 300, keys, slow)["active"][:, 50:]
    sudden_active = rebel(STANDARD, 300, keys, sudden)["active"][:, 50:]
    peak_slow, peak_sudden = slow_active.max(axis=1), sudden_active.max(axis=1)
    assert (peak_sudden > peak_slow).mean() >= 0.9  # run by run, with the same keys
    assert peak_sudden.mean() >= 1.15 * peak_slow.mean()
    # docs/ODD.md: 23 of 24 paired runs, 541 against 674 protesters on average...
    assert (peak_sudden > peak_slow).sum() == 23
    assert peak_slow.mean() == pytest.approx(541, abs=10)
    assert peak_sudden.mean() == pytest.approx(674, abs=10)

    # ...and the count of outbursts is *not* fewer after the slow fall (0.92 against 0.83).
    def outbursts(active: np.ndarray) -> float:
        return float(((active[:, 1:] >= 100) & (active[:, :-1] < 100)).sum(axis=1).mean())

    assert outbursts(slow_active) == pytest.approx(0.92, abs=0.05)
    assert outbursts(sudden_active) == pytest.approx(0.83, abs=0.05)
