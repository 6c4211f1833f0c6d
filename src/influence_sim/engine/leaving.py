"""The aftermath of a request: troops that go home, members that freeze or leave.

Both are hazards per week decided by one exponential variate per state and step (the
last ``4 S`` numbers of the request stage's draws), part of the third stage of a step
(:mod:`influence_sim.engine.requests`; ``docs/ODD.md``).
"""

from __future__ import annotations

import numpy as np

from influence_sim.engine.draws import StepNoise
from influence_sim.engine.state import (
    FROZEN,
    MEMBER,
    OUT,
    SECURITY,
    Array,
    BoolArray,
    IntArray,
    Params,
    State,
)

ORDER_RESTORED, HOST_ASKS = 1, 2
"""Why troops went home without a script (``StepEvents.left``)."""


def exponential(draws: Array) -> Array:
    """Standard exponential variates from pairs of standard normals, ``(R, S)``.

    ``draws`` is ``(R, 2 S)``; (z1^2 + z2^2)/2 is exactly exponential with mean 1, so an
    event of cumulative hazard H in a step happens when the variate is below H (with
    probability 1 - exp(-H)).
    """
    s = draws.shape[1] // 2
    out = draws[:, :s] ** 2
    out += draws[:, s:] ** 2
    out /= 2.0
    return out


def go_home(state: State, params: Params, draws: StepNoise) -> IntArray:
    """Troops the host invited go home as the situation decides; returns why, ``(R, P, S)``.

    A hazard per week of ``withdrawal_rate`` once order is restored, plus
    ``withdrawal_hostility`` times the host public's hostility to the power (the host
    asks them to leave); they leave when the state's exponential variate (one per state
    and step, from ``draws``' first ``2 S`` numbers) is below the step's cumulative hazard.
    Troops that came uninvited stay until a scripted withdrawal.
    """
    left = np.zeros(state.deployed.shape, dtype=np.int64)
    here = state.invited & (state.deployed > 0)
    if not here.any():
        return left
    d, s_n = params.dyn, params.n_states
    hostility = np.maximum(0.0, -state.opinion.transpose(0, 2, 1))  # (R, P, S)
    hazard = d.withdrawal_hostility[:, None, None] * hostility
    hazard += d.withdrawal_rate[:, None, None] * ~state.mission
    rows = np.nonzero(here.any(axis=(1, 2)))[0]
    go = np.zeros_like(here)
    go[rows] = here[rows] & (exponential(draws.normal(0, 2 * s_n, rows))[:, None, :] < hazard[rows])
    if go.any():
        left[go] = np.where(state.mission[go], HOST_ASKS, ORDER_RESTORED)
        state.deployed[go] = 0.0
        state.invited[go] = False
        state.mission[go] = False
    return left


def reconsider(state: State, params: Params, draws: StepNoise) -> tuple[BoolArray, BoolArray]:
    """Members that freeze their participation in an alliance, and frozen ones that leave.

    Each alliance's members in good standing freeze, and its frozen members leave, at a
    hazard per week of ``exit_rate`` times the grievance the state holds against the
    alliance's lead (its remembered refusals beyond the help it remembers) times
    1 + ``exit_alternatives`` times its security reliance on other powers (alternatives on
    offer). One exponential variate per state and step decides (from ``draws``' first
    ``2 S`` numbers); only the replications where someone holds a grievance are worked out.

    Returns:
        Newly frozen and newly left, ``(R, A, S)`` each.
    """
    frozen = np.zeros(state.membership.shape, dtype=bool)
    exited = np.zeros(state.membership.shape, dtype=bool)
    p_n, s_n = params.n_powers, params.n_states
    for a, lead in enumerate(params.alliance_lead):
        standing = state.membership[:, a]  # (R, S)
        rows = np.nonzero(((standing > OUT) & (state.memory[:, :, lead] < 0)).any(axis=1))[0]
        if rows.size == 0:
            continue
        b = rows if params.dyn.exit_rate.shape[0] > 1 else np.zeros_like(rows)
        grievance = np.maximum(0.0, -state.memory[rows, :, lead])  # (rows, S)
        security = state.reliance[rows, SECURITY, :, :p_n]  # (rows, S, P)
        alternatives = security.sum(axis=2) - security[:, :, lead]
        hazard = params.dyn.exit_rate[b, None] * grievance
        hazard *= 1.0 + params.dyn.exit_alternatives[b, None] * alternatives
        here = standing[rows]
        go = (here > OUT) & (exponential(draws.normal(0, 2 * s_n, rows)) < hazard)
        frozen[rows, a] = go & (here == MEMBER)
        exited[rows, a] = go & (here == FROZEN)
        state.membership[rows, a] = here - go
    return frozen, exited
