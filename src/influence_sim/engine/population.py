"""The population layer: citizens whose protest and opinions emerge (``docs/ODD.md``).

Each region of each state is one lattice of :mod:`influence_sim.engine.civil`. A step
runs as many ticks as it has days: citizens move, decide to protest or not (Epstein's
rule), police arrest, jail terms run. What the state sees:

- **hardship** added to every citizen of a region: a price shock's rise
  (``price_hardship`` per doubling), the state's economic distress
  (``distress_hardship``), a scripted uprising's intensity (``uprising_hardship``);
- **grievance** added by protest elsewhere in the state (``spread`` times the share of
  citizens active in its other regions the tick before);
- **legitimacy** per state, pulled toward its level (less an elite split) at
  ``legitimacy_recovery`` a week, and lowered by repression (``backlash`` times the share
  of citizens arrested that step);
- **police**: the state's own officers on the lattice, and foreign troops deployed there
  as more officers (``troop_police`` per cell for a power's whole force, times its reach:
  language and bases), who count in every citizen's ``C`` and make arrests, as the
  CSTO's troops freed Kazakhstan's own forces by guarding its sites in January 2022.

Unrest is the share of citizens active in the state's worst region on the step's worst
day (a government that loses a city is in crisis however calm the rest); the government
asks for help when it passes its threshold, as with scripted unrest.

Opinion: each citizen holds a favourability of each power in [-1, 1]. Each step the
events that moved the state's opinion (shocks, gratitude, refusals) move every citizen
(those with ties to the power take good news ``1 + tie_weight`` as strongly and bad news
``1 - tie_weight``), opinions drift toward each citizen's own baseline, troops on the
ground cost favourability (less to the tied), noise, and then ``meetings`` rounds of
bounded confidence (Deffuant): neighbours whose views differ by less than ``confidence``
move ``convergence`` of the way toward each other. The state's opinion is the mean.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from influence_sim.engine.citizenry import PopParams, Setup
from influence_sim.engine.civil import (
    OPINION_NOISE,
    OPINION_PAIR,
    SETUP,
    STAFF,
    STREAMS,
    Crowd,
    Law,
    partners,
    populate,
    staff,
    tick,
)
from influence_sim.engine.draws import bits, mix, uniform
from influence_sim.engine.lattice import workspace

if TYPE_CHECKING:
    from influence_sim.engine.state import Params, State

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]

_REGION = np.uint64(0xD1B54A32D192ED03)
"""Mixes a region's number into its replication's key."""


def region_keys(step_key: NDArray[np.uint64], n_regions: int) -> NDArray[np.uint64]:
    """One key per (replication, region), ``(R * G,)``, from the replication's key of the step."""
    regions = np.arange(n_regions, dtype=np.uint64) + np.uint64(1)
    regions *= _REGION
    return mix(step_key[:, None] + regions[None, :]).reshape(-1)


def _rows(values: Array, region_state: IntArray, r: int) -> Array:
    """A per-state array ``(B, S)`` as one value per lattice row ``(R * G,)``."""
    return np.broadcast_to(values[:, region_state], (r, len(region_state))).reshape(-1)


def place(state: State, params: Params, keys: NDArray[np.uint64]) -> None:
    """On the first day, place every region's citizens and police and give them views.

    Views centre on the state's opinion before the day's news (the news then reaches
    them as it reaches everyone). Does nothing once they are placed.
    """
    pop = params.pop
    if pop is None or state.cells.shape[1] == pop.setup.n_regions:
        return
    opinion = state.opinion
    setup = pop.setup
    r = opinion.shape[0]
    g, n, m = setup.n_regions, setup.citizens, setup.officers
    crowd = populate(setup.lattice, keys, n, m)
    police = _rows(pop.police, setup.region_state, r)
    on_duty = np.rint(police * setup.lattice.cells).astype(np.int64)
    duty = np.arange(m)[None, :] < on_duty[:, None]
    p_n = opinion.shape[2]
    draws = uniform(keys, SETUP + 2, 2 * n * p_n).reshape(r * g, 2, n, p_n)
    centre = opinion[:, setup.region_state, :].reshape(r * g, 1, p_n)
    width = np.minimum(_rows_scalar(pop.opinion_spread, r * g)[:, None, None], 1 - abs(centre))
    spread = (2.0 * draws[:, 0] - 1.0) * width
    spread -= spread.mean(axis=1, keepdims=True)
    views = np.clip(centre + spread, -1.0, 1.0)
    ties = np.broadcast_to(pop.ties[:, setup.region_state, :], (r, g, p_n)).reshape(r * g, 1, p_n)
    out = {
        "cells": crowd.local(),
        "duty": duty,
        "inside": crowd.inside,
        "jail": crowd.jail,
        "active": crowd.active,
        "hardship": crowd.hardship,
        "risk": crowd.risk,
        "views": views,
        "views_base": views.copy(),
        "tied": draws[:, 1] < ties,
    }
    for name, value in out.items():
        setattr(state, name, value.reshape(r, g, *value.shape[1:]))


def _citizens(params: Params) -> PopParams:
    """The batch's citizens' parameters; an error if it has none."""
    if params.pop is None:
        raise ValueError("this batch has no citizens (population.unrest is 'scripted')")
    return params.pop


def _rows_scalar(values: Array, rows: int) -> Array:
    """A ``(B,)`` parameter as one value per lattice row (``B`` is 1 or the replications)."""
    if len(values) == 1:
        return np.full(rows, values[0])
    return np.repeat(values, rows // len(values))


def _crowd(state: State, setup: Setup) -> Crowd:
    r, g = state.unrest.shape[0], setup.n_regions

    def get(name: str) -> np.ndarray:
        value: np.ndarray = getattr(state, name)
        return value.reshape(r * g, *value.shape[2:])

    return Crowd.of(
        get("cells"),
        setup.lattice.cells,
        duty=get("duty"),
        inside=get("inside"),
        jail=get("jail"),
        active=get("active"),
        hardship=get("hardship"),
        risk=get("risk"),
        arrests=np.zeros(r * g, dtype=np.int64),
    )


def unrest(
    state: State,
    params: Params,
    grievance: Array,
    price: Array,
    keys: NDArray[np.uint64],
) -> None:
    """Run a step's ticks; set ``unrest``, ``jailed``, ``legitimacy`` and the citizens (in place).

    Args:
        state: The batch's state.
        params: The batch's parameters (``params.pop`` is set).
        grievance: The scripted uprisings' intensity in force, ``(S,)``.
        price: The price rises in force on each day of the step, per region, ``(D, G)``.
        keys: The lattices' keys of this step, ``(R * G,)`` (:func:`region_keys`).
    """
    pop = _citizens(params)
    setup = pop.setup
    r, s_n = state.unrest.shape
    g = setup.n_regions
    crowd = _crowd(state, setup)
    rs = setup.region_state
    lattice = setup.lattice
    # The state's police, and foreign troops as officers: a power's whole force, at reach
    # 1, puts troop_police officers on each cell's worth of the lattice.
    foreign = (state.deployed * params.reach).sum(axis=1)  # (R, S)
    density = pop.police + pop.troop_police[:, None] * foreign  # (R, S)
    wanted = np.rint(density[:, rs].reshape(-1) * lattice.cells).astype(np.int64)
    staff(crowd, np.minimum(wanted, setup.officers), keys, STAFF)
    other = (
        pop.distress_hardship[:, None] * state.distress
        + pop.uprising_hardship[:, None] * grievance[None, :]
    )[:, rs]  # (R, G)
    law = Law(
        legitimacy=_rows(state.legitimacy, rs, r).copy(),
        k=setup.k,
        threshold=setup.threshold,
        max_jail=setup.max_jail,
        rounding=setup.rounding,
    )
    spread = _rows_scalar(pop.spread, r).reshape(r, 1)
    same = rs[:, None] == rs[None, :]  # (G, G) regions of one state
    others = same & ~np.eye(g, dtype=bool)
    count = np.maximum(others.sum(axis=1), 1)
    n = setup.citizens
    share = crowd.active.reshape(r, g, n).mean(axis=2)
    arrests = np.zeros((r, g))
    daily = np.zeros((r, s_n, setup.ticks))
    with workspace():  # the ticks reuse their work buffers
        for t in range(setup.ticks):
            law.grievance_shift = (spread * (share @ others.T) / count).reshape(-1)
            shift = other + price[t][None, :] * pop.price_hardship[:, None]
            law.hardship_shift = np.broadcast_to(shift, (r, g)).reshape(-1)
            tick(lattice, crowd, law, keys, t)
            share = crowd.active.reshape(r, g, n).mean(axis=2)
            arrests += crowd.arrests.reshape(r, g)
            np.maximum.at(daily[:, :, t].T, rs, share.T)
    state.daily = daily
    # A state's unrest is its worst region's on its worst day (a government that loses a
    # city is in crisis however calm the rest and however short the day); jailed and
    # arrested shares are over all its citizens.
    worst = daily.max(axis=2)
    jailed = np.zeros((r, s_n))
    arrested = np.zeros((r, s_n))
    np.add.at(jailed.T, rs, crowd.inside.reshape(r, g, n).mean(axis=2).T)
    np.add.at(arrested.T, rs, (arrests / n).T)
    regions = np.bincount(rs, minlength=s_n)[None, :]
    state.unrest = worst
    state.jailed = jailed / regions
    level = pop.legitimacy - pop.cohesion_weight[:, None] * (1.0 - pop.cohesion)
    state.legitimacy += pop.legitimacy_recovery[:, None] * (level - state.legitimacy)
    state.legitimacy -= pop.backlash[:, None] * arrested / regions
    np.clip(state.legitimacy, 0.0, 1.0, out=state.legitimacy)
    state.duty = crowd.duty.reshape(r, g, -1)
    for name in ("inside", "jail", "active"):
        setattr(state, name, getattr(crowd, name).reshape(r, g, n))
    state.cells = crowd.local().reshape(r, g, -1)


def opinion(
    state: State,
    params: Params,
    moved: Array,
    moved_base: Array,
    noise_weight: Array,
    keys: NDArray[np.uint64],
) -> None:
    """Citizens' views after the step's events, drift, troops, noise and meetings (in place).

    Args:
        state: The batch's state (``state.opinion`` is set to the citizens' mean).
        params: The batch's parameters.
        moved: How the step's events moved the state's opinion, ``(R, S, P)``.
        moved_base: How they moved its baseline (lasting shocks), ``(R, S, P)``.
        noise_weight: The standard deviation of a citizen's change in a step, ``(B,)``.
        keys: The lattices' keys of this step, ``(R * G,)``.
    """
    pop = _citizens(params)
    setup = pop.setup
    d = params.dyn
    rs = setup.region_state
    r, s_n, p_n = state.opinion.shape
    g, n = setup.n_regions, setup.citizens
    views = state.views  # (R, G, N, P)
    tied = state.tied
    w = pop.tie_weight[:, None, None, None]
    events = moved[:, rs, None, :]  # (R, G, 1, P)
    warmth = np.where(events > 0, 1.0 + w * tied, 1.0 - w * tied)
    views += events * warmth
    state.views_base += moved_base[:, rs, None, :]
    np.clip(state.views_base, -1.0, 1.0, out=state.views_base)
    views += d.opinion_drift[:, None, None, None] * (state.views_base - views)
    troops = state.deployed.transpose(0, 2, 1)[:, rs, None, :]
    views -= d.sovereignty_backlash[:, None, None, None] * troops * (1.0 - w * tied)
    base = setup.ticks * STREAMS
    jitter = uniform(keys, (base + OPINION_NOISE) % (1 << 23), n * p_n).reshape(r, g, n, p_n)
    jitter = (2.0 * jitter - 1.0) * np.sqrt(3.0)  # mean 0, standard deviation 1
    views += noise_weight[:, None, None, None] * jitter
    np.clip(views, -1.0, 1.0, out=views)
    if setup.meetings:
        _meet(state, pop, keys, views.reshape(r * g, n, p_n))
    total = np.zeros((r, s_n, p_n))
    np.add.at(total.transpose(1, 0, 2), rs, views.mean(axis=2).transpose(1, 0, 2))
    regions = np.bincount(rs, minlength=s_n)[None, :, None]
    state.opinion = total / regions


def _meet(state: State, pop: PopParams, keys: NDArray[np.uint64], views: Array) -> None:
    """Rounds of bounded confidence between neighbours (pairs of this round's pairing)."""
    setup = pop.setup
    rows, n = views.shape[0], setup.citizens
    crowd = _crowd(state, setup)
    occ = crowd.occ.reshape(-1)
    eps = _rows_scalar(pop.confidence, rows)[:, None, None]
    mu = _rows_scalar(pop.convergence, rows)[:, None, None]
    for m in range(setup.meetings):
        stream = ((setup.ticks + 1 + m) * STREAMS + OPINION_PAIR) % (1 << 23)
        other = occ[partners(setup.lattice, bits(keys, stream, 2))[crowd.pos[:, :n]]]
        meets = (other >= 0) & (other < n) & ~crowd.inside
        partner = np.where(meets, other, np.arange(n)[None, :])
        theirs = np.take_along_axis(views, partner[:, :, None], axis=1)
        gap = theirs - views
        close = (np.abs(gap) < eps) & meets[:, :, None]
        views += np.where(close, mu * gap, 0.0)


EMPTY, QUIET, ACTIVE, POLICE = 0, 1, 2, 3
"""What a cell of :class:`RegionView`'s grid holds."""


@dataclass(frozen=True)
class RegionView:
    """One region's citizens now, for a figure or a dashboard."""

    state: int
    region: str
    grid: NDArray[np.uint8]  # (side, side): EMPTY, QUIET, ACTIVE or POLICE
    quiet: int
    active: int
    jailed: int
    police: int


def snapshot(state: State, params: Params, replication: int = 0) -> list[RegionView]:
    """Each region's lattice in one replication: empty before the citizens' first day."""
    pop = params.pop
    if pop is None or state.cells.shape[1] != pop.setup.n_regions:
        return []
    setup = pop.setup
    side, n = setup.lattice.side, setup.citizens
    out = []
    for g, region in enumerate(setup.regions):
        cells = state.cells[replication, g]
        inside = state.inside[replication, g]
        active = state.active[replication, g]
        duty = state.duty[replication, g]
        grid = np.zeros(setup.lattice.cells, dtype=np.uint8)
        grid[cells[:n][~inside]] = QUIET
        grid[cells[:n][active]] = ACTIVE
        grid[cells[n:][duty]] = POLICE
        out.append(
            RegionView(
                state=int(setup.region_state[g]),
                region=region,
                grid=grid.reshape(side, side),
                quiet=int((~inside & ~active).sum()),
                active=int(active.sum()),
                jailed=int(inside.sum()),
                police=int(duty.sum()),
            )
        )
    return out


__all__ = [
    "ACTIVE",
    "EMPTY",
    "POLICE",
    "QUIET",
    "RegionView",
    "opinion",
    "place",
    "region_keys",
    "snapshot",
    "unrest",
]
