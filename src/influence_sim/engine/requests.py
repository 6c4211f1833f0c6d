"""Requests for troops, decisions, arrivals, reassessment and order restored.

The third stage of a step (``docs/ODD.md``), in named parts: withdrawals, who asks,
what the lead power answers, forced interventions, arrivals, other powers'
reassessment, and the credibility and gratitude that order restored brings.
"""

from __future__ import annotations

import math

import numpy as np

from influence_sim.engine.schedule import StepShocks
from influence_sim.engine.state import (
    AGAINST,
    REASONS,
    RESPONDS_ALWAYS,
    RESPONDS_AUTO,
    SECURITY,
    TROOPS,
    Array,
    BoolArray,
    IntArray,
    Params,
    State,
    StepEvents,
)

Forced = tuple[list[tuple[int, int, float]], list[tuple[int, int]]]


def alliance_commitment_to(params: Params) -> Array:
    """Each power's strongest collective-defence commitment to each state, ``(B, P, S)``."""
    _, p, s = params.reach.shape
    b = max(params.reach.shape[0], params.alliance_commitment.shape[0])
    out = np.zeros((b, p, s))
    for a, lead in enumerate(params.alliance_lead):
        if params.alliance_deploys[a]:
            members = params.alliance_members[a][None, :]
            commit = params.alliance_commitment[:, a, None] * members
            out[:, lead, :] = np.maximum(out[:, lead, :], commit)
    return out


def allies(params: Params) -> BoolArray:
    """Whether each state belongs to an alliance each power leads, ``(P, S)``."""
    out = np.zeros((params.n_powers, params.n_states), dtype=bool)
    for a, lead in enumerate(params.alliance_lead):
        out[lead] |= params.alliance_members[a]
    return out


def requests(
    state: State, params: Params, shocks: StepShocks, forced: Forced, draws: Array
) -> StepEvents:
    """Withdrawals, requests and answers, deployments, arrivals, reassessment, order restored.

    Changes ``state`` in place and returns what happened.

    Args:
        state: Changed in place.
        params: The parameters.
        shocks: This step's shocks (scripted requests, whether trouble is internal).
        forced: The forced interventions and withdrawals ``apply_shocks`` returned.
        draws: Standard normal draws for the decisions, ``(R, 2 S)``: per state, whether
            the power can spare troops, then whether it is willing (a fixed shape, drawn
            whether anyone asks or not, so that paired runs stay paired).
    """
    interventions, withdrawals = forced
    withdrawn = withdraw(state, withdrawals)
    ask = who_asks(state, params, shocks)
    requested, accepted, declined, reasons = answer(state, params, ask, shocks.internal, draws)
    intervene(state, params, interventions)
    arrived = arrive(state)
    newly = reassess(state, arrived)
    restored = restore_order(state, params)
    return StepEvents(
        ask, requested, accepted, declined, arrived, restored, withdrawn, newly, shocks, reasons
    )


def withdraw(state: State, withdrawals: list[tuple[int, int]]) -> BoolArray:
    """Withdraw deployed and pending troops; returns where there were any, ``(R, P, S)``."""
    withdrawn = np.zeros(state.deployed.shape, dtype=bool)
    for p, s in withdrawals:
        withdrawn[:, p, s] = (state.deployed[:, p, s] > 0) | (state.pending[:, p, s] >= 0)
        state.deployed[:, p, s] = 0.0
        state.pending[:, p, s] = -1
        state.mission[:, p, s] = False
    return withdrawn


def who_asks(state: State, params: Params, shocks: StepShocks) -> IntArray:
    """Which alliance each state asks, ``(R, S)``: an alliance, ``-(power + 2)``, or -1.

    Scripted requests, or unrest past the threshold (not by a state whose request is
    scripted for a later step: the script is its request). Asking disarms a state; it
    is re-armed when its unrest falls below half its threshold.
    """
    r, s_n = state.unrest.shape
    ask = np.full((r, s_n), -1, dtype=np.int64)
    over = state.armed & (state.unrest > params.unrest_threshold) & ~shocks.waiting[None, :]
    if over.any():  # most steps nobody is: the alliance choice is not worked out then
        auto_alliance = np.broadcast_to(default_alliance(params), (r, s_n))  # (R, S)
        over &= auto_alliance >= 0
        ask[over] = auto_alliance[over]
    for s, target in shocks.requests:
        ask[:, s] = target
    state.armed &= ask == -1
    state.armed |= state.unrest < params.unrest_threshold / 2
    return ask


def answer(
    state: State, params: Params, ask: IntArray, internal: BoolArray, draws: Array
) -> tuple[IntArray, BoolArray, BoolArray, IntArray]:
    """The lead power's answer to each request (``(R, S)`` each).

    Returns who decides, accepted, declined, and the reasons (bits of ``REASONS``).
    """
    requested = np.full(ask.shape, -1, dtype=np.int64)
    accepted = np.zeros(ask.shape, dtype=bool)
    declined = np.zeros(ask.shape, dtype=bool)
    reasons = np.zeros(ask.shape, dtype=np.int64)
    asking = ask != -1
    if not asking.any():
        return requested, accepted, declined, reasons
    d = params.dyn
    s_n = params.n_states
    free = state.capacity - state.deployed.sum(axis=2)  # (R, P)
    commit_to = alliance_commitment_to(params)  # once, not per replication that asks
    ally = allies(params)  # (P, S), likewise
    for ri, s in zip(*np.nonzero(asking), strict=True):
        b = ri if params.alliance_commitment.shape[0] > 1 else 0
        lead, commitment, responds, deploys = _terms(params, int(ask[ri, s]), b, s, commit_to)
        requested[ri, s] = lead
        if state.deployed[ri, lead, s] > 0 or state.pending[ri, lead, s] >= 0:
            # Troops already there or on the way answer the request: nothing new is sent,
            # and nothing is declined; from now on they are there at its request.
            accepted[ri, s] = True
            if state.pending[ri, lead, s] >= 0:
                state.pending_requested[ri, lead, s] = True
            else:
                state.mission[ri, lead, s] = True
            continue
        can = deploys and params.tools[b, lead, TROOPS] > 0 and free[ri, lead] > 0
        if responds == RESPONDS_AUTO:
            terms = weigh(state, params, b, ri, lead, s, commitment, bool(internal[s]))
            spare, will = decision_scores(float(free[ri, lead]), terms, params, b)
            spare_ok = bool(spare + draws[ri, s] > 0)
            willing = bool(will + draws[ri, s_n + s] > 0)
            yes = can and spare_ok and willing
            reasons[ri, s] = reason_bits(terms, spare_ok and can)
        else:
            yes = can and responds == RESPONDS_ALWAYS
        if yes:
            size = float(free[ri, lead] * d.deployment_share[b] * params.tools[b, lead, TROOPS])
            state.pending[ri, lead, s] = params.deploy_delay[b, lead]
            state.pending_size[ri, lead, s] = size
            state.pending_requested[ri, lead, s] = True
            free[ri, lead] -= size
            accepted[ri, s] = True
        else:
            declined[ri, s] = True
            _credibility_shift(state, params, ally, ri, b, lead, -float(d.credibility_loss[b]))
            remember(state, params, ally, ri, b, lead, s, -float(d.refusal_memory[b]))
    return requested, accepted, declined, reasons


def remember(
    state: State,
    params: Params,
    ally: BoolArray,
    ri: int,
    b: int,
    power: int,
    s: int,
    amount: float,
) -> None:
    """A refusal (``amount`` < 0) or help (> 0) remembered, as a lasting shift of utility.

    The requester ``s`` remembers it in full; every other state in proportion to how
    alike its situation is (1 less the gap between its security reliance on the power
    and the requester's), times ``bystander_weight`` for the power's allies and that
    times ``nonmember_weight`` for the rest.
    """
    reliance = state.reliance[ri, SECURITY, :, power]  # (S,)
    alike = 1.0 - np.abs(reliance - reliance[s])
    seen = alike * perceived(params, ally, power, b) * float(params.dyn.bystander_weight[b])
    seen[s] = 1.0
    state.memory[ri, :, power] += amount * seen


def weigh(
    state: State,
    params: Params,
    b: int,
    ri: int,
    lead: int,
    s: int,
    commitment: float,
    internal: bool,
) -> Array:
    """What a lead power weighs in answering state ``s``: one term per entry of ``REASONS``.

    Positive terms are stakes, negative ones costs; whether troops can be spared is
    decided apart (the second entry is 0 here). The power is willing when the sum plus
    noise of spread ``decision_spread`` is positive (``docs/ODD.md``, Requests).
    """
    d = params.dyn
    gdp = params.gdp[b, s]
    own = state.investment[ri, lead, s]
    rivals = state.investment[ri, :, s].sum() - own
    terms = np.zeros(len(REASONS))
    terms[0] = commitment - d.acceptance_commitment[b]
    terms[2] = d.stake_investment[b] * min(1.0, own / gdp)
    terms[3] = d.stake_rival[b] * min(1.0, rivals / gdp)
    terms[4] = d.stake_elite[b] * params.elite[b, s, lead]
    terms[5] = -d.cost_internal[b] * float(internal)
    terms[6] = -d.cost_stuck[b] * state.unrest[ri, s] * (1.0 - params.reach[b, lead, s])
    terms[7] = -d.cost_hostility[b] * max(0.0, -state.opinion[ri, s, lead])
    return terms


def decision_scores(free: float, terms: Array, params: Params, b: int) -> tuple[float, float]:
    """The two probit scores of a decision: troops to spare, and willing.

    Each is compared with a standard normal draw (``answer``) or turned into a
    probability (:func:`acceptance_probability`): one formula for both.
    """
    d = params.dyn
    spare = (free - float(d.acceptance_capacity[b])) / float(d.capacity_spread[b])
    willing = float(terms.sum()) / float(d.decision_spread[b])
    return spare, willing


def acceptance_probability(free: float, terms: Array, params: Params, b: int = 0) -> float:
    """The probability that a power answers yes: troops to spare, times willing.

    ``free`` is its free capacity, ``terms`` what :func:`weigh` returns; for figures and
    tests of what the draws in ``answer`` decide.
    """

    def normal_cdf(x: float) -> float:
        return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))

    spare, willing = decision_scores(free, terms, params, b)
    return normal_cdf(spare) * normal_cdf(willing)


def reason_bits(terms: Array, spare: bool) -> int:
    """The two largest stakes (for) and two largest costs (against), and the troops to spare."""
    bits = 1 << 1 if spare else 1 << (AGAINST + 1)
    order = np.argsort(terms, kind="stable")
    for i in order[::-1][:2]:
        if terms[i] > 0:
            bits |= 1 << int(i)
    for i in order[:2]:
        if terms[i] < 0:
            bits |= 1 << (AGAINST + int(i))
    return bits


def _terms(
    params: Params, target: int, b: int, s: int, commit_to: Array
) -> tuple[int, float, int, bool]:
    """Who decides a request, the commitment at stake, the policy, whether troops can go."""
    if target >= 0:
        return (
            int(params.alliance_lead[target]),
            float(params.alliance_commitment[b, target]),
            int(params.alliance_responds[target]),
            bool(params.alliance_deploys[target]),
        )
    lead = -target - 2  # a request to a power directly: its strongest commitment counts
    return lead, float(commit_to[b, lead, s]), RESPONDS_AUTO, True


def intervene(state: State, params: Params, interventions: list[tuple[int, int, float]]) -> None:
    """Forced interventions: a deployment after the power's delay, without a decision."""
    for p, s, size in interventions:
        free = np.maximum(0.0, state.capacity[:, p] - state.deployed[:, p, :].sum(axis=1))
        idle = (state.pending[:, p, s] < 0) & (state.deployed[:, p, s] == 0)
        state.pending[:, p, s] = np.where(idle, params.deploy_delay[:, p], state.pending[:, p, s])
        state.pending_size[:, p, s] = np.where(idle, free * size, state.pending_size[:, p, s])
        state.pending_requested[:, p, s] &= ~idle


def arrive(state: State) -> BoolArray:
    """Deployments whose delay is over arrive; returns where, ``(R, P, S)``."""
    arrived = state.pending == 0
    if arrived.any():
        state.deployed += np.where(arrived, state.pending_size, 0.0)
        state.mission |= arrived & state.pending_requested
        state.pending_requested &= ~arrived
    state.pending = np.where(
        state.pending > 0, state.pending - 1, np.where(arrived, -1, state.pending)
    )
    return arrived


def reassess(state: State, arrived: BoolArray) -> BoolArray:
    """Another power's troops where a power has investment: it is alarmed, region-wide.

    Returns the powers newly alarmed this step, ``(R, P)``.
    """
    newly = np.zeros_like(state.alarmed)
    if arrived.any():
        for p in range(state.alarmed.shape[1]):
            others = np.delete(arrived, p, axis=1).any(axis=1)  # (R, S)
            at_risk = (others & (state.investment[:, p, :] > 0)).any(axis=1)
            newly[:, p] = at_risk & ~state.alarmed[:, p]
        state.alarmed |= newly
    return newly


def restore_order(state: State, params: Params) -> BoolArray:
    """Order restored with requested troops on the ground: credibility and gratitude.

    Returns where, ``(R, P, S)``.
    """
    d = params.dyn
    restored = state.mission & (state.unrest < params.unrest_threshold)[:, None, :]
    if restored.any():
        ally = allies(params)
        for ri, p, s in zip(*np.nonzero(restored), strict=True):
            b = ri if params.credibility0.shape[0] > 1 else 0
            _credibility_shift(state, params, ally, ri, b, p, float(d.credibility_gain[b]))
            state.opinion[ri, s, p] += d.intervention_gratitude[b]
            remember(state, params, ally, ri, b, p, s, float(d.help_memory[b]))
        state.mission &= ~restored
    return restored


def perceived(params: Params, ally: BoolArray, power: int, b: int) -> Array:
    """How much of what a power does each state takes in, ``(S,)``.

    Its allies fully, the others ``nonmember_weight`` of it (for credibility, and for the
    memories of refusal and help).
    """
    return np.where(ally[power], 1.0, float(params.dyn.nonmember_weight[b]))


def _credibility_shift(
    state: State,
    params: Params,
    ally: BoolArray,
    ri: int,
    b: int,
    power: int,
    amount: float,
) -> None:
    """Move a power's credibility in every state's eyes: allies fully, others in part."""
    seen = perceived(params, ally, power, b)
    cred = state.credibility[ri, power]
    if amount >= 0:
        cred += amount * seen * (1.0 - cred)
    else:
        cred += amount * seen * cred


def default_alliance(params: Params) -> IntArray:
    """The collective-defence alliance each state would ask (highest commitment), or -1.

    Shaped ``(B, S)``: in a sweep the commitments, and so the choice, may differ by row.
    Ties go to the alliance listed first.
    """
    b_n, s_n = params.alliance_commitment.shape[0], params.n_states
    best = np.full((b_n, s_n), -1, dtype=np.int64)
    best_commit = np.full((b_n, s_n), -1.0)
    for a in range(len(params.alliance_lead)):
        if not params.alliance_deploys[a]:
            continue
        commit = params.alliance_commitment[:, a, None]  # (B, 1)
        better = params.alliance_members[a][None, :] & (commit > best_commit)
        best[better] = a
        best_commit = np.where(better, commit, best_commit)
    return best
