"""The kernel's data: parameters, state and a step's events, as arrays with a batch axis.

Every array carries a leading batch axis. State arrays have ``R`` rows, one per
replication; parameter arrays have ``B`` rows where ``B`` is 1 (shared by all
replications) or ``R`` (one set per replication, as in a sweep), so that numpy
broadcasting serves both. Axis names: ``S`` states, ``P`` powers, ``K = P + 1``
reliance options (the powers, then ``self``), ``D = 2`` domains (security,
economy), ``T`` security tools.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from influence_sim.engine.citizenry import PopParams
from influence_sim.engine.schedule import StepShocks

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

SECURITY, ECONOMY = 0, 1
TROOPS = 0
"""Column of the ``troops`` tool in ``Params.tools``."""
RELIANCE_FLOOR = 0.01
"""Starting reliance below this is treated as this when the propensities are set."""

RESPONDS_AUTO, RESPONDS_ALWAYS, RESPONDS_NEVER = 0, 1, 2
REASONS = (
    "commitment",
    "troops to spare",
    "its investment",
    "a rival's foothold",
    "elite ties",
    "a regime threatened",
    "risk of being stuck",
    "public hostility",
    "ties to the threat's source",
    "allies watching",
    "armed groups from abroad",
)
"""The terms a decision on a request weighs; bit i of a reason mask for, bit 16 + i against."""
AGAINST = 16

OUT, FROZEN, MEMBER = 0, 1, 2
"""A state's standing in an alliance (``State.membership``): not (or no longer) a member,
a member that has frozen its participation, a member."""


@dataclass
class Dyn:
    """Behavioural parameters, each shaped ``(B,)``; rates already scaled to one step."""

    unrest_decay: Array
    grievance_gain: Array
    domestic_damping: Array
    foreign_damping: Array
    unrest_noise: Array
    threat_decay: Array
    willing_base: Array
    stake_commitment: Array
    acceptance_capacity: Array
    capacity_spread: Array
    decision_spread: Array
    stake_investment: Array
    stake_rival: Array
    stake_elite: Array
    stake_audience: Array
    stake_regime: Array
    stake_abroad: Array
    cost_stuck: Array
    cost_hostility: Array
    cost_ties: Array
    deployment_share: Array
    withdrawal_rate: Array
    withdrawal_hostility: Array
    credibility_gain: Array
    credibility_loss: Array
    nonmember_weight: Array
    requester_weight: Array
    credibility_recovery: Array
    refusal_memory: Array
    help_memory: Array
    bystander_weight: Array
    memory_decay: Array
    exit_rate: Array
    exit_alternatives: Array
    refusal_opinion: Array
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
    investment_ceiling: Array
    investment_depreciation: Array
    trade_adjustment: Array
    trade_capacity_elasticity: Array
    trade_economy_elasticity: Array
    migrant_adjustment: Array
    migrant_elasticity: Array
    host_reversion: Array
    host_noise: Array
    debt_amortization: Array
    exposure_cost: Array
    compliance: Array
    resentment_gain: Array
    resentment_decay: Array
    resentment_weight: Array
    diversification_rate: Array
    diversification_decay: Array
    distress_gain: Array
    distress_adaptation: Array
    economic_scale: Array
    benefit_trade: Array
    benefit_remittances: Array
    benefit_investment: Array
    benefit_credit: Array
    investment_capacity_elasticity: Array
    credit_capacity_elasticity: Array
    trade_alignment_elasticity: Array
    investment_alignment_elasticity: Array
    credit_alignment_elasticity: Array
    patron_leverage: Array
    asset_protection: Array
    fiscal_drain: Array
    economic_salience: Array
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
    alignment_weight: Array  # (B, S) security's fixed weight in the overall alignment index
    gdp: Array  # (B, S)
    exports: Array  # (B, S) exports of goods and services / GDP
    imports: Array  # (B, S) imports / GDP: a share of trade times exports + imports is one of GDP
    unrest_threshold: Array  # (B, S)
    domestic_capacity: Array  # (B, S)
    salience0: Array  # (B, S)
    elite: Array  # (B, S, P)
    deploy_delay: IntArray  # (B, P) steps
    tools: Array  # (B, P, T)
    credibility0: Array  # (B, P)
    reach: Array  # (B, P, S)
    trade_base: Array  # (B, P, S) trade volumes at the calibrated capacity (shares at host 1)
    remittance_base: Array  # (B, P, S) remittances / GDP with the starting migrants, host 1
    routes: Array  # (B, P, S) share of the state's exports crossing the power
    econ_ref: Array  # (B, P) economic capacity of the calibrated world
    opinion_ref: Array  # (B, S, P) public opinion of the calibrated world at the start
    ties_ref: Array  # (B, P, S) political ties of the calibrated world at the start
    debt_ref: Array  # (B, P, S) debt / GDP of the calibrated world, rolled over at its capacity
    investment_ref: Array  # (B, P, S) the calibrated world's investment stocks, USD billion
    host_trend: Array  # (B, P) the level each host-economy index reverts to
    alliance_lead: IntArray  # (A,)
    alliance_members: BoolArray  # (A, S) at the start (State.membership changes)
    alliance_deploys: BoolArray  # (A,)
    alliance_responds: IntArray  # (A,)
    alliance_commitment: Array  # (B, A)
    propensity: Array  # (B, D, S, K) fixed effects: the starting reliance is the choice at start
    dyn: Dyn
    pop: PopParams | None = None  # the citizens' parameters, when they drive unrest

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
    trade: Array  # (R, P, S) share of the state's trade in value, before any cut this step
    trade_volume: Array  # (R, P, S) the same at host-economy index 1
    remittances: Array  # (R, P, S) share of the state's GDP
    migrants: Array  # (R, P, S) migrant stock relative to the start
    host: Array  # (R, P) host-economy index
    debt: Array  # (R, P, S) share of the state's GDP
    diversion: Array  # (R, P, S) in [0, 1]: diversified away from the power after coercion
    resentment: Array  # (R, P, S) in [0, 1]: the memory of the power's coercion
    distress: Array  # (R, S) economic distress, derived each step
    used_to: Array  # (R, P, S) the remittances households are used to (share of GDP)
    memory: Array  # (R, S, P) refusals (-) and help (+) the state remembers of each power
    membership: IntArray  # (R, A, S) MEMBER, FROZEN or OUT
    deployed: Array  # (R, P, S)
    pending: IntArray  # (R, P, S) steps until arrival, -1 when none
    pending_size: Array  # (R, P, S)
    pending_requested: BoolArray  # (R, P, S) whether the deployment answers a request
    mission: BoolArray  # (R, P, S) requested troops on the ground, order not yet restored
    invited: BoolArray  # (R, P, S) troops on the ground at the host's request
    armed: BoolArray  # (R, S) whether the government will ask when unrest passes its threshold
    alarmed: BoolArray  # (R, P) whether the power has reassessed its investments' security
    legitimacy: Array  # (R, S) the government's in its citizens' eyes (citizens only)
    jailed: Array  # (R, S) share of citizens in jail at the end of the step (citizens only)
    daily: Array  # (R, S, D) the worst region's active share each day of the step (citizens)
    # The citizens, G regions (none without citizens); see engine.population.
    cells: NDArray[np.int32]  # (R, G, N + M) each citizen's and officer's cell
    duty: BoolArray  # (R, G, M) officers on duty
    inside: BoolArray  # (R, G, N) in jail (or waiting for a cell)
    jail: NDArray[np.int16]  # (R, G, N) days of jail left
    active: BoolArray  # (R, G, N) in open protest
    hardship: Array  # (R, G, N) each citizen's own hardship
    risk: Array  # (R, G, N) risk aversion
    views: Array  # (R, G, N, P) favourability of each power
    views_base: Array  # (R, G, N, P) the level each view drifts back to
    tied: BoolArray  # (R, G, N, P) language or diaspora ties to the power

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
    left: IntArray  # (R, P, S) withdrawals the situation decided: ORDER_RESTORED, HOST_ASKS, or 0
    alarmed: BoolArray  # (R, P) newly alarmed this step
    shocks: StepShocks
    reasons: IntArray  # (R, S) bits of REASONS: what weighed for (low) and against (high)
    frozen: BoolArray  # (R, A, S) members that froze their participation this step
    exited: BoolArray  # (R, A, S) members that left this step


def _copy(obj: Any) -> Any:
    values = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        values[f.name] = value.copy() if isinstance(value, np.ndarray) else _maybe_copy(value)
    return replace(obj, **values)


def _maybe_copy(value: Any) -> Any:
    if isinstance(value, Dyn | PopParams):
        return _copy(value)
    return value


def alignment_of(reliance: Array, weight: Array) -> Array:
    """Overall alignment: reliance by domain at security's fixed weight (the one formula).

    The weight is the scenario's ``observation.security_weight``, the same all run: the
    salience of security moves the choice, never the index (``docs/ODD.md``).

    Args:
        reliance: ``(..., D, S, K)``.
        weight: ``(..., S)``, broadcastable to the same leading axes.

    Returns:
        ``(..., S, K)``.
    """
    # economy + w (security - economy): three passes and one temporary instead of seven
    # (this runs every step for the summary); equal to w s + (1 - w) e to rounding.
    out = np.subtract(reliance[..., SECURITY, :, :], reliance[..., ECONOMY, :, :])
    out *= weight[..., None]
    out += reliance[..., ECONOMY, :, :]
    return out


def power(base: Array, exponent: Array) -> Array:
    """``base ** exponent``, element by element, the same bits however the batch is cut.

    NumPy computes a power by one of two routines, a vectorised one for contiguous
    operands and another for broadcast ones, and they differ in the last bit: a
    parameter row shared by every run (``(1, 1, 1)``) and one per run (``(R, 1, 1)``)
    would give a run other bits alone than in a batch. Both operands are made
    contiguous at their common shape, so one routine computes every element.
    """
    shape = np.broadcast_shapes(base.shape, exponent.shape)
    if not np.any(exponent != 1.0):  # x ** 1 is x, exactly: no power to take (read only)
        return np.broadcast_to(base, shape)
    return np.power(
        np.ascontiguousarray(np.broadcast_to(base, shape)),
        np.ascontiguousarray(np.broadcast_to(exponent, shape)),
    )
