"""Requests for troops, decisions, arrivals, reassessment, order restored and leaving.

The third stage of a step (``docs/ODD.md``), in named parts: scripted withdrawals, who
asks, what the lead power answers, forced interventions, arrivals, other powers'
reassessment, the credibility and gratitude that order restored brings, troops that go
home as the situation decides, and members that freeze or leave an alliance.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from influence_sim.engine.draws import StepNoise
from influence_sim.engine.leaving import go_home, reconsider
from influence_sim.engine.schedule import StepShocks
from influence_sim.engine.state import (
    AGAINST,
    MEMBER,
    REASONS,
    RESPONDS_ALWAYS,
    RESPONDS_AUTO,
    RESPONDS_NEVER,
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


def alliance_commitment_to(params: Params, membership: IntArray) -> Array:
    """Each power's strongest collective-defence commitment to each state, ``(R, P, S)``.

    Only to members in good standing (``membership``, ``(R, A, S)``): a frozen or former
    member is promised nothing. ``R`` is the larger of the memberships' and the
    commitments' batch.
    """
    _, p, s = params.reach.shape
    r = max(membership.shape[0], params.alliance_commitment.shape[0])
    out = np.zeros((r, p, s))
    for a, lead in enumerate(params.alliance_lead):
        if params.alliance_deploys[a]:
            commit = params.alliance_commitment[:, a, None] * (membership[:, a, :] == MEMBER)
            np.maximum(out[:, lead, :], commit, out=out[:, lead, :])
    return out


def allies(params: Params, membership: IntArray) -> BoolArray:
    """Whether each state is a member in good standing of an alliance each power leads.

    Shaped ``(R, P, S)``.
    """
    out = np.zeros((membership.shape[0], params.n_powers, params.n_states), dtype=bool)
    for a, lead in enumerate(params.alliance_lead):
        out[:, lead] |= membership[:, a] == MEMBER
    return out


def requests(
    state: State, params: Params, shocks: StepShocks, forced: Forced, draws: StepNoise
) -> StepEvents:
    """Withdrawals, requests and answers, deployments, arrivals, reassessment, order restored.

    Changes ``state`` in place and returns what happened.

    Args:
        state: Changed in place.
        params: The parameters.
        shocks: This step's shocks (scripted requests; what the trouble threatens, and
            the observers' probability of armed groups from abroad).
        forced: The forced interventions and withdrawals ``apply_shocks`` returned.
        draws: The stage's standard normal numbers, ``6 S`` per replication, each in a
            fixed place whether it is read or not, so that paired runs stay paired: per
            state, whether the power can spare troops, whether it is willing, then two
            pairs whose squares make an exponential variate each (troops going home, a
            member freezing or leaving). Only those a step reads are drawn.
    """
    s_n = params.n_states
    interventions, withdrawals = forced
    withdrawn = withdraw(state, withdrawals)
    ask = who_asks(state, params, shocks)
    requested, accepted, declined, reasons = answer(state, params, ask, shocks, draws)
    intervene(state, params, interventions)
    arrived = arrive(state)
    newly = reassess(state, arrived)
    restored = restore_order(state, params)
    left = go_home(state, params, draws.part(2 * s_n))
    frozen, exited = reconsider(state, params, draws.part(4 * s_n))
    return StepEvents(
        ask,
        requested,
        accepted,
        declined,
        arrived,
        restored,
        withdrawn | (left > 0),
        left,
        newly,
        shocks,
        reasons,
        frozen,
        exited,
    )


def withdraw(state: State, withdrawals: list[tuple[int, int]]) -> BoolArray:
    """Withdraw deployed and pending troops; returns where there were any, ``(R, P, S)``."""
    withdrawn = np.zeros(state.deployed.shape, dtype=bool)
    for p, s in withdrawals:
        withdrawn[:, p, s] = (state.deployed[:, p, s] > 0) | (state.pending[:, p, s] >= 0)
        state.deployed[:, p, s] = 0.0
        state.pending[:, p, s] = -1
        state.mission[:, p, s] = False
        state.invited[:, p, s] = False
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
        auto_alliance = np.broadcast_to(default_alliance(params, state.membership), (r, s_n))
        over &= auto_alliance >= 0
        ask[over] = auto_alliance[over]
    for s, target in shocks.requests:
        ask[:, s] = target
    state.armed &= ask == -1
    state.armed |= state.unrest < params.unrest_threshold / 2
    return ask


def answer(
    state: State, params: Params, ask: IntArray, shocks: StepShocks, draws: StepNoise
) -> tuple[IntArray, BoolArray, BoolArray, IntArray]:
    """The lead power's answer to each request (``(R, S)`` each).

    A replication's requests are answered in the order of its states, each seeing what
    the ones before it left (troops promised, a refusal's cost): the first request of
    every replication at once, then the second, and so on.

    Returns who decides, accepted, declined, and the reasons (bits of ``REASONS``).
    """
    requested = np.full(ask.shape, -1, dtype=np.int64)
    accepted = np.zeros(ask.shape, dtype=bool)
    declined = np.zeros(ask.shape, dtype=bool)
    reasons = np.zeros(ask.shape, dtype=np.int64)
    asking = ask != -1
    if not asking.any():
        return requested, accepted, declined, reasons
    s_n = params.n_states
    rows = np.nonzero(asking.any(axis=1))[0]
    drawn = np.zeros((ask.shape[0], 2 * s_n))  # per state: troops to spare, then willing
    drawn[rows] = draws.normal(0, 2 * s_n, rows)  # only where someone asks
    free = state.capacity - state.deployed.sum(axis=2)  # (R, P)
    commit_to = alliance_commitment_to(params, state.membership)  # once, not per asker
    ally = allies(params, state.membership)  # (R, P, S), likewise
    rank = np.cumsum(asking, axis=1) - 1  # the k-th request of its replication
    for k in range(int(rank[asking].max()) + 1):
        ri, s = np.nonzero(asking & (rank == k))
        b = ri if params.alliance_commitment.shape[0] > 1 else np.zeros_like(ri)
        lead, commitment, responds, deploys = _terms(params, state, ask[ri, s], b, ri, s, commit_to)
        requested[ri, s] = lead
        # Troops already there or on the way answer the request: nothing new is sent,
        # and nothing is declined; from now on they are there at its request.
        on_way = state.pending[ri, lead, s] >= 0
        there = (state.deployed[ri, lead, s] > 0) | on_way
        state.pending_requested[ri[on_way], lead[on_way], s[on_way]] = True
        here = there & ~on_way
        state.mission[ri[here], lead[here], s[here]] = True
        state.invited[ri[here], lead[here], s[here]] = True
        accepted[ri[there], s[there]] = True
        new = ~there
        ri, s, b, lead, responds = ri[new], s[new], b[new], lead[new], responds[new]
        commitment, deploys = commitment[new], deploys[new]
        can = deploys & (params.tools[b, lead, TROOPS] > 0) & (free[ri, lead] > 0)
        noise = (drawn[ri, s], drawn[ri, s_n + s])
        where = (ri, b, lead, s)
        yes, why = _decide(
            state, params, shocks, ally, where, (commitment, responds, can), free, noise
        )
        reasons[ri, s] = np.where(responds == RESPONDS_NEVER, reasons[ri, s], why)
        accepted[ri[yes], s[yes]] = True
        _send(state, params, free, (ri[yes], b[yes], lead[yes], s[yes]))
        no = ~yes
        declined[ri[no], s[no]] = True
        refused(state, params, ally, (ri[no], b[no], lead[no], s[no]))
    return requested, accepted, declined, reasons


Rows = tuple[IntArray, IntArray, IntArray, IntArray]
"""Replications, their parameter rows, powers and states: one answer per entry."""


def _decide(
    state: State,
    params: Params,
    shocks: StepShocks,
    ally: BoolArray,
    where: Rows,
    request: tuple[Array, IntArray, BoolArray],
    free: Array,
    noise: tuple[Array, Array],
) -> tuple[BoolArray, IntArray]:
    """Whether each request is accepted, and its reasons (bits of ``REASONS``).

    ``request``: the commitment at stake, the alliance's policy and whether troops can go
    at all. ``auto``: willing and troops to spare, each drawn; ``always``: willing by
    script (the answer history gave), troops to spare drawn; ``never``: no.
    """
    ri, b, lead, s = where
    commitment, responds, can = request
    auto = responds == RESPONDS_AUTO
    terms = np.zeros((ri.size, len(REASONS)))
    if auto.any():
        a_ri, a_s, a_b, a_lead = ri[auto], s[auto], b[auto], lead[auto]
        ties = tie(state, ally, a_ri, a_lead, shocks.source[a_s])
        trouble = (shocks.regime[a_s], shocks.abroad[a_s])
        terms[auto] = weigh(state, params, a_b, a_ri, a_lead, a_s, commitment[auto], trouble, ties)
    spare, will = decision_scores(free[ri, lead], terms, params, b)
    spare_ok = spare + noise[0] > 0
    willing = np.where(auto, will + noise[1] > 0, responds == RESPONDS_ALWAYS)
    return can & spare_ok & willing, reason_bits(terms, spare_ok & can)


def _send(state: State, params: Params, free: Array, where: Rows) -> None:
    """Troops promised (sized to the trouble) set off, after the power's delay."""
    ri, b, lead, s = where
    size = free[ri, lead] * params.dyn.deployment_share[b] * params.tools[b, lead, TROOPS]
    size *= need(state, params, b, ri, s)
    send = size > 0  # nothing to send where there is no trouble at all
    at = (ri[send], lead[send], s[send])
    state.pending[at] = params.deploy_delay[b[send], lead[send]]
    state.pending_size[at] = size[send]
    state.pending_requested[at] = True
    free[ri[send], lead[send]] -= size[send]


def refused(state: State, params: Params, ally: BoolArray, where: Rows) -> None:
    """What a refusal costs the power: credibility, the requester's opinion, memory."""
    d = params.dyn
    b = where[1]
    witnessed(
        state,
        params,
        ally,
        where,
        -d.credibility_loss[b],
        -d.refusal_opinion[b],
        -d.refusal_memory[b],
    )


def witnessed(
    state: State,
    params: Params,
    ally: BoolArray,
    where: Rows,
    credibility: Array,
    opinion: Array,
    memory: Array,
) -> None:
    """What a power's answer to state ``s`` leaves: a refusal (< 0) or order restored (> 0).

    ``where`` is (replications, parameter rows, powers, states), one entry per answer
    and no replication twice; ``ally`` is ``allies`` of the batch, ``(R, P, S)``; the
    changes are one per entry. **Credibility** moves in every state's eyes: allies fully,
    others in part (:func:`perceived`), the state answered ``requester_weight`` times as
    much as an ally (at most the whole way). The answered state's **opinion** of the
    power moves by ``opinion``. **Memory**, a lasting shift of utility: the answered
    state keeps ``memory`` in full; every other state in proportion to how alike its
    situation is (1 less the gap between its security reliance on the power and the
    requester's), times ``bystander_weight`` for the power's allies and that times
    ``nonmember_weight`` for the rest.
    """
    ri, b, power, s = where
    if ri.size == 0:
        return
    d = params.dyn
    n = np.arange(ri.size)
    seen = perceived(params, ally[ri, power], b)  # (n, S)
    seen[n, s] *= d.requester_weight[b]
    seen = np.minimum(1.0, np.abs(credibility)[:, None] * seen)
    cred = state.credibility[ri, power]  # (n, S)
    up = credibility >= 0
    cred[up] += seen[up] * (1.0 - cred[up])
    cred[~up] -= seen[~up] * cred[~up]
    state.credibility[ri, power] = cred
    state.opinion[ri, s, power] += opinion
    reliance = state.reliance[ri, SECURITY, :, power]  # (n, S)
    alike = 1.0 - np.abs(reliance - reliance[n, s][:, None])
    kept = alike * perceived(params, ally[ri, power], b) * d.bystander_weight[b][:, None]
    kept[n, s] = 1.0
    state.memory[ri, :, power] += memory[:, None] * kept


def need(state: State, params: Params, b: IntArray, ri: IntArray, s: IntArray) -> Array:
    """How much of the force a power would send each state ``s`` needs, in [0, 1].

    The trouble (unrest, or an external threat, whichever is greater) against the host's
    own forces: all of it when the trouble is as large as they are, less when they are
    stronger (``docs/ODD.md``, Requests).
    """
    trouble = np.maximum(state.unrest[ri, s], state.threat[ri, s])
    own = params.domestic_capacity[b, s]
    return np.divide(trouble, own, out=np.ones_like(trouble), where=trouble < own)


def weigh(
    state: State,
    params: Params,
    b: Any,
    ri: Any,
    lead: Any,
    s: Any,
    commitment: Any,
    trouble: tuple[Any, Any] = (False, 0.0),
    ties: Any = 0.0,
) -> Array:
    """What a lead power weighs in answering state ``s``: one term per entry of ``REASONS``.

    Positive terms are stakes, negative ones costs; whether troops can be spared is
    decided apart (the second entry is 0 here). The power is willing when
    ``willing_base`` plus the sum, plus noise of spread ``decision_spread``, is positive
    (``docs/ODD.md``, Requests). ``trouble``: whether the trouble threatens the regime,
    and the independent observers' probability that armed groups from abroad take part;
    ``ties``: how closely the power is tied to its source (:func:`tie`). Each argument
    after ``params`` is one value, or an array of them (one request each):
    ``(len(REASONS),)`` or ``(n, len(REASONS))``.
    """
    one = np.ndim(ri) == 0
    b, ri, lead, s = (np.atleast_1d(np.asarray(v, dtype=np.int64)) for v in (b, ri, lead, s))
    commitment, ties = np.atleast_1d(commitment), np.atleast_1d(ties)
    regime = np.atleast_1d(np.asarray(trouble[0], dtype=float))
    abroad = np.atleast_1d(np.asarray(trouble[1], dtype=float))
    d = params.dyn
    gdp = params.gdp[b, s]
    own = state.investment[ri, lead, s]
    rivals = state.investment[ri, :, s].sum(axis=1) - own
    terms = np.zeros((ri.size, len(REASONS)))
    terms[:, 0] = d.stake_commitment[b] * commitment
    terms[:, 2] = d.stake_investment[b] * np.minimum(1.0, own / gdp)
    terms[:, 3] = d.stake_rival[b] * np.minimum(1.0, rivals / gdp)
    terms[:, 4] = d.stake_elite[b] * params.elite[b, s, lead]
    terms[:, 5] = d.stake_regime[b] * regime
    terms[:, 6] = -d.cost_stuck[b] * state.unrest[ri, s] * (1.0 - params.reach[b, lead, s])
    terms[:, 7] = -d.cost_hostility[b] * np.maximum(0.0, -state.opinion[ri, s, lead])
    terms[:, 8] = -d.cost_ties[b] * ties
    terms[:, 9] = d.stake_audience[b] * audience(state, params, b, ri, lead, s)
    terms[:, 10] = d.stake_abroad[b] * abroad
    return terms[0] if one else terms


def audience(
    state: State, params: Params, b: IntArray, ri: IntArray, lead: IntArray, s: IntArray
) -> Array:
    """The power's other allies watching its answer to ``s``, in [0, 1], one per request.

    The regional weight of the other states that are members in good standing of an
    alliance it leads, as a share of all the other states' weight.
    """
    n = np.arange(ri.size)
    leads = params.alliance_lead[None, :] == lead[:, None]  # (n, A)
    watching = ((state.membership[ri] == MEMBER) & leads[:, :, None]).any(axis=1)  # (n, S)
    watching[n, s] = False
    weights = params.weights[b]  # (n, S)
    rest = 1.0 - weights[n, s]
    total = np.where(watching, weights, 0.0).sum(axis=1)
    return np.divide(total, rest, out=np.zeros_like(total), where=rest > 0)


def tie(state: State, ally: BoolArray, ri: IntArray, lead: IntArray, source: IntArray) -> Array:
    """How closely a power is tied to the source of a state's trouble, in [0, 1], per request.

    A state behind the trouble: 1 if it is the power's ally, else its security reliance
    on the power (a client). The power itself: 1. Another power, or no source named: 0.
    """
    state_source = np.maximum(source, 0)
    client = np.maximum(
        ally[ri, lead, state_source].astype(float),
        state.reliance[ri, SECURITY, state_source, lead],
    )
    return np.where(source >= 0, client, np.where(source == -(lead + 2), 1.0, 0.0))


def decision_scores(free: Any, terms: Array, params: Params, b: Any) -> tuple[Any, Any]:
    """The two probit scores of a decision: troops to spare, and willing.

    Each is compared with a standard normal draw (``answer``) or turned into a
    probability (:func:`acceptance_probability`): one formula for both. ``free`` and
    ``b`` are one value (``terms`` ``(len(REASONS),)``) or one per request.
    """
    d = params.dyn
    spare = (free - d.acceptance_capacity[b]) / d.capacity_spread[b]
    willing = (d.willing_base[b] + terms.sum(axis=-1)) / d.decision_spread[b]
    return spare, willing


def acceptance_probability(free: float, terms: Array, params: Params, b: int = 0) -> float:
    """The probability that a power answers yes: troops to spare, times willing.

    ``free`` is its free capacity, ``terms`` what :func:`weigh` returns; for figures and
    tests of what the draws in ``answer`` decide.
    """

    def normal_cdf(x: float) -> float:
        return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))

    spare, willing = decision_scores(free, terms, params, b)
    return normal_cdf(float(spare)) * normal_cdf(float(willing))


def reason_bits(terms: Array, spare: BoolArray) -> IntArray:
    """The two largest stakes (for) and two largest costs (against), and the troops to spare.

    ``terms`` ``(n, len(REASONS))``, ``spare`` ``(n,)``: one mask of bits per request.
    """
    n = np.arange(len(terms))
    bits = np.where(spare, 1 << 1, 1 << (AGAINST + 1)).astype(np.int64)
    order = np.argsort(terms, axis=1, kind="stable")
    for i in (order[:, -1], order[:, -2]):
        bits |= np.where(terms[n, i] > 0, np.left_shift(1, i), 0)
    for i in (order[:, 0], order[:, 1]):
        bits |= np.where(terms[n, i] < 0, np.left_shift(1, AGAINST + i), 0)
    return bits


def _terms(
    params: Params,
    state: State,
    target: IntArray,
    b: IntArray,
    ri: IntArray,
    s: IntArray,
    commit_to: Array,
) -> tuple[IntArray, Array, IntArray, BoolArray]:
    """Who decides each request, the commitment at stake, the policy, whether troops can go.

    A request to an alliance (``target >= 0``) is decided by its lead, which owes
    nothing to a state that has frozen its membership or left; a request to a power
    directly (``-(power + 2)``) by that power, at its strongest commitment.
    """
    alliance = target >= 0
    a = np.where(alliance, target, 0)
    direct = -target - 2
    lead = np.where(alliance, params.alliance_lead[a], direct)
    standing = state.membership[ri, a, s] == MEMBER
    pledged = np.where(standing, params.alliance_commitment[b, a], 0.0)
    commitment = np.where(alliance, pledged, commit_to[ri, np.where(alliance, 0, direct), s])
    responds = np.where(alliance, params.alliance_responds[a], RESPONDS_AUTO)
    deploys = np.where(alliance, params.alliance_deploys[a], True)
    return lead, commitment, responds, deploys


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
        state.invited |= arrived & state.pending_requested
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
        ally = allies(params, state.membership)
        ri, p, s = np.nonzero(restored)
        rank = _rank_in_replication(ri)  # one at a time per replication, in order
        for k in range(int(rank.max()) + 1):
            mine = rank == k
            b = ri[mine] if params.credibility0.shape[0] > 1 else np.zeros_like(ri[mine])
            where = (ri[mine], b, p[mine], s[mine])
            gain, thanks = d.credibility_gain[b], d.intervention_gratitude[b]
            witnessed(state, params, ally, where, gain, thanks, d.help_memory[b])
        state.mission &= ~restored
    return restored


def _rank_in_replication(ri: IntArray) -> IntArray:
    """For sorted replication numbers, each entry's place among its replication's (0 first)."""
    first = np.searchsorted(ri, ri, side="left")
    return np.arange(ri.size) - first


def perceived(params: Params, ally: BoolArray, b: IntArray) -> Array:
    """How much of what a power does each state takes in, ``(n, S)``, one row per answer.

    Its allies fully, the others ``nonmember_weight`` of it (for credibility, and for the
    memories of refusal and help). ``ally`` is each answer's ``(n, S)`` row of ``allies``.
    """
    return np.where(ally, 1.0, params.dyn.nonmember_weight[b][:, None])


def default_alliance(params: Params, membership: IntArray) -> IntArray:
    """The collective-defence alliance each state would ask (highest commitment), or -1.

    Shaped ``(R, S)``: in a sweep the commitments, and in any run the memberships, may
    differ by row. Only alliances the state is a member in good standing of count; ties go
    to the alliance listed first.
    """
    r = max(membership.shape[0], params.alliance_commitment.shape[0])
    best = np.full((r, params.n_states), -1, dtype=np.int64)
    best_commit = np.full((r, params.n_states), -1.0)
    for a in range(len(params.alliance_lead)):
        if not params.alliance_deploys[a]:
            continue
        commit = params.alliance_commitment[:, a, None]  # (B, 1)
        better = (membership[:, a, :] == MEMBER) & (commit > best_commit)
        best[better] = a
        best_commit = np.where(better, commit, best_commit)
    return best
