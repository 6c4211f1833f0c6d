"""The dynamics, once: a pure numpy step over a batch of replications.

Every array carries a leading batch axis. State arrays have ``R`` rows, one per
replication; parameter arrays have ``B`` rows where ``B`` is 1 (shared by all
replications) or ``R`` (one set per replication, as in a sweep), so that numpy
broadcasting serves both. Axis names: ``S`` states, ``P`` powers, ``K = P + 1``
reliance options (the powers, then ``self``), ``D = 2`` domains (security,
economy), ``T`` security tools.

The kernel knows nothing of files, names, mesa or plots; :mod:`influence_sim.engine.compile`
turns a scenario into :class:`Params`, a :class:`~influence_sim.engine.schedule.Schedule` and
a first :class:`State`. The equations are written out in ``docs/ODD.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from influence_sim.engine.schedule import StepShocks, apply_shocks

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

SECURITY, ECONOMY = 0, 1
TROOPS = 0
"""Column of the ``troops`` tool in ``Params.tools``."""
RELIANCE_FLOOR = 0.01
"""Starting reliance below this is treated as this when the propensities are set."""

RESPONDS_AUTO, RESPONDS_ALWAYS, RESPONDS_NEVER = 0, 1, 2


@dataclass
class Dyn:
    """Behavioural parameters, each shaped ``(B,)``; rates already scaled to one step."""

    unrest_decay: Array
    grievance_gain: Array
    domestic_damping: Array
    foreign_damping: Array
    unrest_noise: Array
    threat_decay: Array
    acceptance_commitment: Array
    acceptance_capacity: Array
    deployment_share: Array
    credibility_gain: Array
    credibility_loss: Array
    nonmember_weight: Array
    credibility_recovery: Array
    offer_weight: Array
    opinion_weight: Array
    elite_weight: Array
    dependence_cost: Array
    temperature: Array
    salience_unrest: Array
    salience_threat: Array
    adjustment_rate: Array
    crisis_adjustment: Array
    posture_response: Array
    investment_growth: Array
    opinion_drift: Array
    intervention_gratitude: Array
    sovereignty_backlash: Array
    opinion_noise: Array
    step_weeks: Array


@dataclass
class Params:
    """Everything the step reads but does not change (except through ``set`` shocks).

    Shapes: ``(B, ...)`` unless noted; alliance structure is shared, without a batch axis.
    """

    weights: Array  # (B, S) regional weights, summing to 1
    gdp: Array  # (B, S)
    unrest_threshold: Array  # (B, S)
    domestic_capacity: Array  # (B, S)
    salience0: Array  # (B, S)
    elite: Array  # (B, S, P)
    deploy_delay: IntArray  # (B, P) steps
    tools: Array  # (B, P, T)
    credibility0: Array  # (B, P)
    reach: Array  # (B, P, S)
    trade: Array  # (B, P, S)
    remittances: Array  # (B, P, S)
    alliance_lead: IntArray  # (A,)
    alliance_members: BoolArray  # (A, S)
    alliance_deploys: BoolArray  # (A,)
    alliance_responds: IntArray  # (A,)
    alliance_commitment: Array  # (B, A)
    propensity: Array  # (B, D, S, K) fixed effects: the starting reliance is the choice at start
    dyn: Dyn

    @property
    def n_states(self) -> int:
        """Number of states."""
        return int(self.gdp.shape[1])

    @property
    def n_powers(self) -> int:
        """Number of powers."""
        return int(self.reach.shape[1])

    def copy(self) -> Params:
        """A deep copy, so ``set`` shocks in one run never leak into another."""
        return _copy(self)


@dataclass
class State:
    """Everything that changes, each array shaped ``(R, ...)``."""

    reliance: Array  # (R, D, S, K)
    unrest: Array  # (R, S)
    threat: Array  # (R, S)
    salience: Array  # (R, S) weight of security, derived each step
    opinion: Array  # (R, S, P)
    opinion_base: Array  # (R, S, P)
    credibility: Array  # (R, P, S) as each state perceives it
    capacity: Array  # (R, P) security capacity
    econ: Array  # (R, P) economic capacity
    posture: Array  # (R, P, S)
    investment: Array  # (R, P, S) USD billion
    deployed: Array  # (R, P, S)
    pending: IntArray  # (R, P, S) steps until arrival, -1 when none
    pending_size: Array  # (R, P, S)
    pending_requested: BoolArray  # (R, P, S) whether the deployment answers a request
    mission: BoolArray  # (R, P, S) requested troops on the ground, order not yet restored
    armed: BoolArray  # (R, S) whether the government will ask when unrest passes its threshold
    alarmed: BoolArray  # (R, P) whether the power has reassessed its investments' security

    @property
    def n_replications(self) -> int:
        """Number of replications."""
        return int(self.unrest.shape[0])

    def copy(self) -> State:
        """A deep copy."""
        return _copy(self)


@dataclass
class StepEvents:
    """What happened in a step, as masks over the batch (empty masks are cheap to test)."""

    asked: IntArray  # (R, S) alliance asked, or -(power + 2) for a power, or -1
    requested: IntArray  # (R, S) the power that decides (the alliance's lead), -1 if none
    accepted: BoolArray  # (R, S)
    declined: BoolArray  # (R, S)
    arrived: BoolArray  # (R, P, S)
    restored: BoolArray  # (R, P, S) order restored with a power's requested troops
    withdrawn: BoolArray  # (R, P, S)
    alarmed: BoolArray  # (R, P) newly alarmed this step
    shocks: StepShocks


def _copy(obj: Any) -> Any:
    values = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        values[f.name] = value.copy() if isinstance(value, np.ndarray) else _maybe_copy(value)
    return replace(obj, **values)


def _maybe_copy(value: Any) -> Any:
    if isinstance(value, Dyn):
        return _copy(value)
    return value


def noise_width(n_states: int, n_powers: int) -> int:
    """How many standard normal draws one replication needs per step (fixed, whatever happens)."""
    return n_states + n_states * n_powers


def alignment_of(reliance: Array, salience: Array) -> Array:
    """Overall alignment: reliance weighted by the salience of security (the one formula).

    Args:
        reliance: ``(..., D, S, K)``.
        salience: ``(..., S)``, the same leading axes.

    Returns:
        ``(..., S, K)``.
    """
    w = salience[..., None]
    return w * reliance[..., SECURITY, :, :] + (1 - w) * reliance[..., ECONOMY, :, :]


def salience_of(salience0: Array, dyn: Dyn, unrest: Array, threat: Array) -> tuple[Array, Array]:
    """The weight of security, ``(R, S)``, and the crisis excess that raised it.

    Security's weight rises from its baseline toward 1 with unrest and external threat.
    """
    excess = np.minimum(
        1.0, dyn.salience_unrest[:, None] * unrest + dyn.salience_threat[:, None] * threat
    )
    return salience0 + (1.0 - salience0) * excess, excess


def posture_ceiling(params: Params) -> Array:
    """The highest posture each power's tools allow, ``(B, P)``."""
    return params.tools.max(axis=2)


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


def utilities(state: State, params: Params) -> Array:
    """Utility of each option in each domain, before the propensities, ``(R, D, S, K)``."""
    # In-place arithmetic, in the order the equations are written (docs/ODD.md): this runs
    # millions of times in a sweep, and the order keeps results bit-identical across changes.
    d = params.dyn
    ow = d.offer_weight[:, None, None]
    acceptance = state.opinion + 1.0  # (R, S, P): distrust discounts what is offered
    acceptance /= 2.0
    # A promise to come (commitment, reach) is worth what the power's credibility and free
    # capacity make it; assistance in place (posture) and troops on the ground count as they are.
    promise = alliance_commitment_to(params) + params.reach
    security_offer = state.credibility * state.capacity[:, :, None]
    security_offer *= promise
    security_offer += state.posture
    security_offer += state.deployed
    ties = (
        params.trade + params.remittances + np.minimum(1.0, state.investment / params.gdp[:, None])
    )
    economic_offer = 0.5 * state.econ[:, :, None]
    economic_offer += 0.5
    economic_offer = ties * economic_offer
    relation = d.opinion_weight[:, None, None] * state.opinion  # (R, S, P)
    relation += d.elite_weight[:, None, None] * params.elite
    r, s, p = state.opinion.shape
    powers = np.empty((r, 2, s, p))  # contiguous: strided writes into u cost more than a copy
    for domain, offer in ((SECURITY, security_offer), (ECONOMY, economic_offer)):
        block = powers[:, domain]
        np.multiply(ow, offer.transpose(0, 2, 1), out=block)
        block *= acceptance
        block += relation
    powers -= d.dependence_cost[:, None, None, None] * state.reliance[:, :, :, :p]
    own = np.zeros((r, 2, s, 1))
    own[:, SECURITY, :, 0] = (
        d.offer_weight[:, None] * params.domestic_capacity * (1.0 - state.unrest)
    )
    return np.concatenate([powers, own], axis=3)


def choice(state: State, params: Params) -> Array:
    """The reliance each government would choose now: a logit over utilities, ``(R, D, S, K)``."""
    z = utilities(state, params)
    z += params.propensity
    z /= params.dyn.temperature[:, None, None, None]
    z -= reduce_last(np.maximum, z)[..., None]
    np.exp(z, out=z)
    z /= reduce_last(np.add, z)[..., None]
    return z


def reduce_last(ufunc: np.ufunc, values: Array) -> Array:
    """``ufunc.reduce`` over a short last axis, element by element in order.

    NumPy reduces a last axis of two or three elements an order of magnitude slower than
    it combines the slices, and combining them in order gives the same bits.
    """
    out = values[..., 0].copy()
    for k in range(1, values.shape[-1]):
        ufunc(out, values[..., k], out=out)
    return out


def sum_powers(values: Array) -> Array:
    """Sum over the power axis of ``(R, P, S)``, in order (see :func:`reduce_last`)."""
    out = values[:, 0].copy()
    for p in range(1, values.shape[1]):
        out += values[:, p]
    return out


def set_propensity(state: State, params: Params) -> None:
    """Fix each state's propensities so that its starting reliance is its choice at the start.

    Unmodelled history (institutions, habits, infrastructure) is held in these fixed
    effects; the model then explains *changes* in reliance. Starting shares below
    :data:`RELIANCE_FLOOR` are raised to it first, so no option is ruled out for ever.
    """
    params.propensity = np.zeros_like(params.propensity)
    u = utilities(state, params)[:1]
    floored = np.maximum(state.reliance[:1], RELIANCE_FLOOR)
    floored /= floored.sum(axis=3, keepdims=True)
    tau = params.dyn.temperature[:, None, None, None]
    params.propensity = tau * np.log(floored) - u


def step(state: State, params: Params, shocks: StepShocks, noise: Array) -> StepEvents:
    """Advance every replication by one step, in place.

    Args:
        state: The state of every replication; changed in place.
        params: The parameters (``set`` shocks change them in place).
        shocks: What the schedule applies this step.
        noise: Standard normal draws, ``(R, noise_width)``; the same shape every step.

    Returns:
        What happened this step.
    """
    d = params.dyn
    r, s_n = state.unrest.shape
    p_n = state.capacity.shape[1]
    forced = apply_shocks(state, params, shocks)

    # Unrest and threat.
    damping = (
        d.unrest_decay[:, None]
        + d.domestic_damping[:, None] * params.domestic_capacity
        + d.foreign_damping[:, None] * sum_powers(state.deployed * params.reach)
    )
    grievance = d.grievance_gain[:, None] * shocks.grievance[None, :]
    state.unrest += grievance * (1.0 - state.unrest) - np.minimum(damping, 1.0) * state.unrest
    state.unrest += d.unrest_noise[:, None] * noise[:, :s_n]
    np.clip(state.unrest, 0.0, 1.0, out=state.unrest)
    fading = ~shocks.threat_hold[None, :]
    state.threat -= fading * d.threat_decay[:, None] * state.threat

    # Requests, decisions, arrivals.
    events = _requests(state, params, shocks, forced, r, s_n, p_n)

    # Credibility drifts back toward where it started.
    state.credibility += d.credibility_recovery[:, None, None] * (
        params.credibility0[:, :, None] - state.credibility
    )

    # Salience of security, then reliance toward the logit choice.
    state.salience, excess = salience_of(params.salience0, d, state.unrest, state.threat)
    weekly = np.minimum(1.0, d.adjustment_rate[:, None] + d.crisis_adjustment[:, None] * excess)
    rate = 1.0 - (1.0 - weekly) ** d.step_weeks[:, None]
    step_toward = choice(state, params)
    step_toward -= state.reliance
    step_toward *= rate[:, None, :, None]
    state.reliance += step_toward

    # Powers adapt: investment grows; alarmed powers raise posture within tools and opinion.
    state.investment *= 1.0 + d.investment_growth[:, None, None] * state.econ[:, :, None]
    if state.alarmed.any():  # adding zeros would leave posture exactly as it is
        opinion = state.opinion.transpose(0, 2, 1)
        ceiling = posture_ceiling(params)[:, :, None] * (1.0 + opinion) / 2
        rise = d.posture_response[:, None, None] * np.maximum(0.0, ceiling - state.posture)
        state.posture += state.alarmed[:, :, None] * rise

    # Opinion: drift to baseline, backlash against troops on the ground, noise.
    state.opinion += d.opinion_drift[:, None, None] * (state.opinion_base - state.opinion)
    state.opinion -= d.sovereignty_backlash[:, None, None] * state.deployed.transpose(0, 2, 1)
    state.opinion += d.opinion_noise[:, None, None] * noise[:, s_n:].reshape(r, s_n, p_n)
    np.clip(state.opinion, -1.0, 1.0, out=state.opinion)
    return events


def _requests(
    state: State,
    params: Params,
    shocks: StepShocks,
    forced: tuple[list[tuple[int, int, float]], list[tuple[int, int]]],
    r: int,
    s_n: int,
    p_n: int,
) -> StepEvents:
    d = params.dyn
    ally = allies(params)  # (P, S), once per step, not once per replication
    interventions, withdrawals = forced
    withdrawn = np.zeros((r, p_n, s_n), dtype=bool)
    for p, s in withdrawals:
        withdrawn[:, p, s] = (state.deployed[:, p, s] > 0) | (state.pending[:, p, s] >= 0)
        state.deployed[:, p, s] = 0.0
        state.pending[:, p, s] = -1
        state.mission[:, p, s] = False

    # Which alliance each state asks: scripted requests, or unrest past the threshold (not
    # by a state whose request is scripted for a later step: the script is its request).
    ask = np.full((r, s_n), -1, dtype=np.int64)  # alliance index, or -(power + 2) for a power
    auto_alliance = np.broadcast_to(_default_alliance(params), (r, s_n))  # (R, S)
    over = state.armed & (state.unrest > params.unrest_threshold) & ~shocks.waiting[None, :]
    over &= auto_alliance >= 0
    ask[over] = auto_alliance[over]
    for s, target in shocks.requests:
        ask[:, s] = target
    asking = ask != -1
    state.armed &= ~asking
    state.armed |= state.unrest < params.unrest_threshold / 2

    requested = np.full((r, s_n), -1, dtype=np.int64)
    accepted = np.zeros((r, s_n), dtype=bool)
    declined = np.zeros((r, s_n), dtype=bool)
    if asking.any():
        free = state.capacity - state.deployed.sum(axis=2)  # (R, P)
        commit_to = alliance_commitment_to(params)  # once, not per replication that asks
        for ri, s in zip(*np.nonzero(asking), strict=True):
            target = int(ask[ri, s])
            b = ri if params.alliance_commitment.shape[0] > 1 else 0
            if target >= 0:
                lead = int(params.alliance_lead[target])
                commitment = float(params.alliance_commitment[b, target])
                responds = int(params.alliance_responds[target])
                deploys = bool(params.alliance_deploys[target])
            else:
                lead = -target - 2
                commitment = float(commit_to[b, lead, s])
                responds, deploys = RESPONDS_AUTO, True
            requested[ri, s] = lead
            if state.deployed[ri, lead, s] > 0 or state.pending[ri, lead, s] >= 0:
                # Troops already there or on the way answer the request: nothing new is
                # sent, and nothing is declined; from now on they are there at its request.
                accepted[ri, s] = True
                if state.pending[ri, lead, s] >= 0:
                    state.pending_requested[ri, lead, s] = True
                else:
                    state.mission[ri, lead, s] = True
                continue
            can = deploys and params.tools[b, lead, TROOPS] > 0 and free[ri, lead] > 0
            if responds == RESPONDS_AUTO:
                yes = (
                    can
                    and commitment >= d.acceptance_commitment[b]
                    and free[ri, lead] >= d.acceptance_capacity[b]
                )
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

    for p, s, size in interventions:
        free = np.maximum(0.0, state.capacity[:, p] - state.deployed[:, p, :].sum(axis=1))
        idle = (state.pending[:, p, s] < 0) & (state.deployed[:, p, s] == 0)
        state.pending[:, p, s] = np.where(idle, params.deploy_delay[:, p], state.pending[:, p, s])
        state.pending_size[:, p, s] = np.where(idle, free * size, state.pending_size[:, p, s])
        state.pending_requested[:, p, s] &= ~idle

    arrived = state.pending == 0
    if arrived.any():
        state.deployed += np.where(arrived, state.pending_size, 0.0)
        state.mission |= arrived & state.pending_requested
        state.pending_requested &= ~arrived
    state.pending = np.where(
        state.pending > 0, state.pending - 1, np.where(arrived, -1, state.pending)
    )

    # Another power's troops where a power has investment: it reassesses, region-wide.
    newly = np.zeros_like(state.alarmed)
    if arrived.any():
        for p in range(p_n):
            others = np.delete(arrived, p, axis=1).any(axis=1)  # (R, S)
            at_risk = (others & (state.investment[:, p, :] > 0)).any(axis=1)
            newly[:, p] = at_risk & ~state.alarmed[:, p]
        state.alarmed |= newly

    # Order restored with requested troops on the ground: credibility and gratitude.
    restored = state.mission & (state.unrest < params.unrest_threshold)[:, None, :]
    if restored.any():
        for ri, p, s in zip(*np.nonzero(restored), strict=True):
            b = ri if params.credibility0.shape[0] > 1 else 0
            _credibility_shift(state, params, ally, ri, b, p, float(d.credibility_gain[b]))
            state.opinion[ri, s, p] += d.intervention_gratitude[b]
        state.mission &= ~restored
    return StepEvents(
        ask, requested, accepted, declined, arrived, restored, withdrawn, newly, shocks
    )


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
    seen = np.where(ally[power], 1.0, float(params.dyn.nonmember_weight[b]))
    cred = state.credibility[ri, power]
    if amount >= 0:
        cred += amount * seen * (1.0 - cred)
    else:
        cred += amount * seen * cred


def _default_alliance(params: Params) -> IntArray:
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
