"""The dynamics, once: a pure numpy step over a batch of replications.

The arrays and their axes are described in :mod:`influence_sim.engine.state`; the
third stage of a step (requests, decisions, arrivals) is
:mod:`influence_sim.engine.requests`.

The kernel knows nothing of files, names, mesa or plots; :mod:`influence_sim.engine.compile`
turns a scenario into :class:`Params`, a :class:`~influence_sim.engine.schedule.Schedule` and
a first :class:`State`. The equations are written out in ``docs/ODD.md``.
"""

from __future__ import annotations

import numpy as np

from influence_sim.engine import economy, population
from influence_sim.engine.draws import StepNoise
from influence_sim.engine.requests import alliance_commitment_to, requests
from influence_sim.engine.schedule import EconomyShocks, StepShocks
from influence_sim.engine.state import (
    ECONOMY,
    RELIANCE_FLOOR,
    RESPONDS_ALWAYS,
    RESPONDS_AUTO,
    RESPONDS_NEVER,
    SECURITY,
    TROOPS,
    Array,
    BoolArray,
    Dyn,
    IntArray,
    Params,
    State,
    StepEvents,
    alignment_of,
    power,
)

__all__ = [
    "ECONOMY",
    "RELIANCE_FLOOR",
    "RESPONDS_ALWAYS",
    "RESPONDS_AUTO",
    "RESPONDS_NEVER",
    "SECURITY",
    "TROOPS",
    "Array",
    "BoolArray",
    "Dyn",
    "IntArray",
    "Params",
    "State",
    "StepEvents",
    "alignment_of",
    "apply_shocks",
    "choice",
    "dense",
    "noise_width",
    "posture_ceiling",
    "salience_of",
    "security_offer_of",
    "set_propensity",
    "step",
    "utilities",
]


def noise_width(n_states: int, n_powers: int, citizens: bool = False) -> int:
    """How many standard normal draws one replication needs per step (fixed, whatever happens).

    One per state (unrest), one per state and power (opinion), one per power (its host
    economy), two per state (a decision on its request: troops to spare, willingness),
    two per state (an exponential variate for troops going home) and two per state
    (another for freezing or leaving an alliance), in that order; with citizens, one more
    whose place gives the word that keys the citizens' draws of the step. The numbers
    are counter-based (``engine.draws``): a step draws only those it reads.
    """
    return n_states + n_states * n_powers + n_powers + 6 * n_states + int(citizens)


def salience_of(
    salience0: Array, dyn: Dyn, unrest: Array, threat: Array, distress: Array
) -> tuple[Array, Array, Array]:
    """The weight of security, ``(R, S)``, and the security and economic crises that moved it.

    Security's weight rises from its baseline toward 1 with unrest and external threat,
    and falls toward 0 with economic distress (an economic crisis makes the economy
    matter more, not security).
    """
    security = np.minimum(
        1.0, dyn.salience_unrest[:, None] * unrest + dyn.salience_threat[:, None] * threat
    )
    economic = np.minimum(1.0, dyn.economic_salience[:, None] * distress)
    weight = salience0 + (1.0 - salience0) * security
    weight -= salience0 * (1.0 - security) * economic
    return weight, security, economic


def posture_ceiling(params: Params) -> Array:
    """The highest posture each power's tools allow, ``(B, P)``."""
    return params.tools.max(axis=2)


def security_offer_of(state: State, params: Params) -> Array:
    """What each power offers each state for its security, ``(R, P, S)``.

    A promise to come (commitment, reach) is worth what the power's credibility and free
    capacity make it; assistance in place (posture) and troops on the ground count as
    they are; and a power guards its assets (security follows investment, a coupling).
    """
    promise = alliance_commitment_to(params, state.membership) + params.reach
    offer = state.credibility * state.capacity[:, :, None]
    offer *= promise
    offer += state.posture
    offer += state.deployed
    offer += params.dyn.asset_protection[:, None, None] * state.investment / params.gdp[:, None, :]
    return offer


def utilities(state: State, params: Params, shocks: EconomyShocks | None = None) -> Array:
    """Utility of each option in each domain, before the propensities, ``(R, D, S, K)``.

    ``shocks`` are the economic shocks in force (cuts, coercion, credit); none at the start.
    """
    # In-place arithmetic, in the order the equations are written (docs/ODD.md): this runs
    # millions of times in a sweep, and the order keeps results bit-identical across changes.
    d = params.dyn
    ow = d.offer_weight[:, None, None]
    acceptance = state.opinion + 1.0  # (R, S, P): distrust discounts what is offered
    acceptance /= 2.0
    security_offer = security_offer_of(state, params)
    # What the ties give, in shares of GDP; a power's economic capacity acts only through
    # them. What the state would lose to it (routes, debt) is a cost, hedged against
    # whatever the public thinks of the power (so not discounted by acceptance), and a
    # lever only through coercion (``relation`` below).
    scale = d.economic_scale[:, None, None]  # GDP shares into the offer's units
    economic_offer = economy.benefit(state, params, shocks)
    economic_offer *= scale
    exposure = economy.vulnerability(state, params).transpose(0, 2, 1)  # (R, S, P)
    exposure *= ow * scale * d.exposure_cost[:, None, None]
    relation = d.opinion_weight[:, None, None] * state.opinion  # (R, S, P)
    relation += d.elite_weight[:, None, None] * params.elite
    relation += economy.pressure(state, params, shocks)
    relation += state.memory  # refusals and help remembered
    r, s, p = state.opinion.shape
    powers = np.empty((r, 2, s, p))  # contiguous: strided writes into u cost more than a copy
    for domain, offer in ((SECURITY, security_offer), (ECONOMY, economic_offer)):
        block = powers[:, domain]
        np.multiply(ow, offer.transpose(0, 2, 1), out=block)
        block *= acceptance
        block += relation
    powers[:, ECONOMY] -= exposure
    # A security patron's leverage over economic choices (coupling, docs/ODD.md).
    powers[:, ECONOMY] += d.patron_leverage[:, None, None] * state.reliance[:, SECURITY, :, :p]
    powers -= d.dependence_cost[:, None, None, None] * state.reliance[:, :, :, :p]
    own = np.zeros((r, 2, s, 1))
    # Fiscal distress weakens the state's own forces (coupling, docs/ODD.md).
    own[:, SECURITY, :, 0] = (
        d.offer_weight[:, None]
        * params.domestic_capacity
        * (1.0 - state.unrest)
        * (1.0 - d.fiscal_drain[:, None] * state.distress)
    )
    return np.concatenate([powers, own], axis=3)


def choice(state: State, params: Params, shocks: EconomyShocks | None = None) -> Array:
    """The reliance each government would choose now: a logit over utilities, ``(R, D, S, K)``."""
    z = utilities(state, params, shocks)
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


def apply_shocks(
    state: State, params: Params, shocks: StepShocks
) -> tuple[list[tuple[int, int, float]], list[tuple[int, int]]]:
    """Apply a step's shocks in place.

    Returns:
        The forced interventions and the withdrawals, which the request stage handles.
    """
    for s, level in shocks.threat_set:
        state.threat[:, s] = level
    for s, p, delta, permanent in shocks.opinion:
        state.opinion[:, s, p] = np.clip(state.opinion[:, s, p] + delta, -1.0, 1.0)
        if permanent:
            state.opinion_base[:, s, p] = np.clip(state.opinion_base[:, s, p] + delta, -1.0, 1.0)
    for p, s, amount in shocks.investment:
        state.investment[:, p, s] = np.maximum(0.0, state.investment[:, p, s] + amount)
    for p, domain, factor in shocks.capacity:
        held = state.capacity if domain == 0 else state.econ
        held[:, p] = np.clip(held[:, p] * factor, 0.0, 1.0)
    for p, level, permanent in shocks.host:
        state.host[:, p] = level
        if permanent:
            params.host_trend[:, p] = level
    for setters in shocks.sets:
        for setter in setters:
            holder = {"state": state, "params": params, "dyn": params.dyn}[setter.target]
            array = getattr(holder, setter.name)
            array[(slice(None), *setter.index)] = setter.value
    return shocks.interventions, shocks.withdrawals


def step(state: State, params: Params, shocks: StepShocks, noise: StepNoise) -> StepEvents:
    """Advance every replication by one step, in place.

    Args:
        state: The state of every replication; changed in place.
        params: The parameters, all with one row or all with one per replication
            (``ensemble.batch_rows``); ``set`` shocks change them in place.
        shocks: What the schedule applies this step.
        noise: The step's standard normal numbers, ``noise_width`` per replication.

    Returns:
        What happened this step.
    """
    d = params.dyn
    r, s_n = state.unrest.shape
    p_n = state.capacity.shape[1]
    pop = params.pop
    if pop is not None:
        width = noise_width(s_n, p_n, citizens=True)
        keys = population.region_keys(noise.word(width - 1), pop.setup.n_regions)
        population.place(state, params, keys)  # on the first day, before any of its news
        opinion_before, base_before = state.opinion.copy(), state.opinion_base.copy()
    forced = apply_shocks(state, params, shocks)

    # Unrest (from citizens, or scripted) and threat.
    if pop is not None:
        population.unrest(state, params, shocks.grievance, shocks.price, keys)
    else:
        damping = (
            d.unrest_decay[:, None]
            + d.domestic_damping[:, None] * params.domestic_capacity
            + d.foreign_damping[:, None] * sum_powers(state.deployed * params.reach)
        )
        grievance = d.grievance_gain[:, None] * shocks.grievance[None, :]
        state.unrest += grievance * (1.0 - state.unrest) - np.minimum(damping, 1.0) * state.unrest
        state.unrest += d.unrest_noise[:, None] * noise.normal(0, s_n)
        np.clip(state.unrest, 0.0, 1.0, out=state.unrest)
    fading = ~shocks.threat_hold[None, :]
    state.threat -= fading * d.threat_decay[:, None] * state.threat

    # Requests, decisions, arrivals.
    decisions = s_n + s_n * p_n + p_n
    events = requests(state, params, shocks, forced, noise.part(decisions))

    host_noise = noise.normal(s_n + s_n * p_n, decisions)
    opinion_noise = (
        None if pop is not None else noise.normal(s_n, decisions - p_n).reshape(r, s_n, p_n)
    )
    dense(state, params, shocks.economy, host_noise, opinion_noise)

    # With citizens, opinion is theirs, and the state's is their mean.
    if pop is not None:
        moved = state.opinion - opinion_before
        population.opinion(
            state, params, moved, state.opinion_base - base_before, d.opinion_noise, keys
        )
    return events


def dense(
    state: State,
    params: Params,
    shocks: EconomyShocks,
    host_noise: Array,
    opinion_noise: Array | None,
) -> None:
    """Everything a step does after the requests, in place: the numpy reference.

    Memories and credibility, the economy, salience, the choice and the move toward it,
    posture, and opinion (``opinion_noise``, ``(R, S, P)``; None with citizens, whose
    opinion is theirs).
    """
    d = params.dyn

    # Memories of refusals and help fade slowly.
    state.memory -= d.memory_decay[:, None, None] * state.memory

    # Credibility drifts back toward where it started.
    state.credibility += d.credibility_recovery[:, None, None] * (
        params.credibility0[:, :, None] - state.credibility
    )

    # The economy: host economies, coercion's memory, trade, migrants, investment, debt.
    economy.advance(state, params, shocks, host_noise)

    # Salience of security, then reliance toward the logit choice, each domain at the
    # speed its own crisis sets.
    state.salience, security, economic = salience_of(
        params.salience0, d, state.unrest, state.threat, state.distress
    )
    adjustment = d.adjustment_rate[:, None, None]
    crisis = d.crisis_adjustment[:, None, None] * np.stack([security, economic], axis=1)
    weekly = np.minimum(1.0, adjustment + crisis)  # (R, D, S)
    rate = 1.0 - power(1.0 - weekly, d.step_weeks[:, None, None])
    step_toward = choice(state, params, shocks)
    step_toward -= state.reliance
    step_toward *= rate[..., None]
    state.reliance += step_toward

    # Powers adapt: alarmed powers raise posture within their tools and the public's opinion.
    if state.alarmed.any():  # adding zeros would leave posture exactly as it is
        opinion = state.opinion.transpose(0, 2, 1)
        ceiling = posture_ceiling(params)[:, :, None] * (1.0 + opinion) / 2
        rise = d.posture_response[:, None, None] * np.maximum(0.0, ceiling - state.posture)
        state.posture += state.alarmed[:, :, None] * rise

    # Opinion: drift to baseline, backlash against troops on the ground, noise.
    if opinion_noise is None:
        return
    state.opinion += d.opinion_drift[:, None, None] * (state.opinion_base - state.opinion)
    state.opinion -= d.sovereignty_backlash[:, None, None] * state.deployed.transpose(0, 2, 1)
    state.opinion += d.opinion_noise[:, None, None] * opinion_noise
    np.clip(state.opinion, -1.0, 1.0, out=state.opinion)
