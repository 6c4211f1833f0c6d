"""The economy: trade, investment, debt, remittances, routes and coercion, per step.

Every channel is a share of the state's GDP. What the ties give a state (``benefit``)
is the economic offer of each power, and what it would lose (``vulnerability``) a cost
(:func:`influence_sim.engine.kernel.utilities`); this module moves the ties themselves.
A power's economic capacity acts only through the flows it drives (trade, new
investment, loans), and new flows follow the state's political ties with the power
(``ties``). Coercion (a route or trade cut by a power, a door closed to migrants)
brings compliance through vulnerability at first, then resentment and diversification
that fade slowly. The equations are in ``docs/ODD.md`` (Economy).
"""

from __future__ import annotations

import numpy as np

from influence_sim.engine.schedule import EconomyShocks
from influence_sim.engine.state import ECONOMY, SECURITY, Array, Params, State, power

HOST_FLOOR = 0.05
"""A host-economy index never falls below this (noise cannot make it negative)."""
MAX_WELCOME = 2.0
"""A public warmer than in the calibrated world at most doubles a power's new investment."""
TIES_FLOOR = 0.01
"""Added to the ties and their reference, so a power with no reliance at all has ties of
1 at the start and their ratio stays finite."""
TINY = 1e-12
"""Guards a division when every partner's trade weight is zero."""
DAYS_PER_YEAR = 365.25


def capacity_ratio(state: State, params: Params) -> Array:
    """Each power's economic capacity relative to the calibrated world's, ``(R, P)``."""
    ref = params.econ_ref
    safe = np.where(ref > 0, ref, 1.0)
    return np.where(ref > 0, state.econ / safe, 1.0)


def trade_in_value(volume: Array, host: Array, elasticity: Array) -> Array:
    """Trade shares in dollars: volumes revalued at each host economy, ``(R, P, S)``.

    Trade is counted in dollars, so a partner whose currency falls loses share at once
    (the rest of the world's trade keeps its value), as remittances do.

    Args:
        volume: Each power's share of a state's trade at host-economy index 1.
        host: The host-economy indices, ``(R, P, 1)``.
        elasticity: ``(B,)``.
    """
    valued = volume * power(host, elasticity[:, None, None])
    rest = np.maximum(0.0, 1.0 - volume.sum(axis=1, keepdims=True))
    return valued / np.maximum(valued.sum(axis=1, keepdims=True) + rest, TINY)


def volume_of(shares: Array, host: Array, elasticity: Array) -> Array:
    """The volumes whose value at ``host`` is ``shares``: the inverse of :func:`trade_in_value`."""
    deflated = shares / power(host, elasticity[:, None, None])
    scale = 1.0 - shares.sum(axis=1, keepdims=True) + deflated.sum(axis=1, keepdims=True)
    return deflated / scale


def openness(params: Params) -> Array:
    """Each state's exports and imports as a share of its GDP, ``(B, 1, S)``.

    A share of its trade times this is a share of its GDP, the economy's one unit.
    """
    return (params.exports + params.imports)[:, None, :]


def ties(state: State, params: Params) -> Array:
    """Each state's political ties with each power against the calibrated world's, ``(R, P, S)``.

    The ties are its reliance on the power in both domains, equally weighted (the
    reported index's weight, ``observation.security_weight``, moves nothing); new trade,
    investment and loans follow them (``*_alignment_elasticity``). 1 at the start.
    """
    return (tie_level(state.reliance) + TIES_FLOOR) / (params.ties_ref + TIES_FLOOR)


def tie_level(reliance: Array) -> Array:
    """The mean of the reliance on each power in the two domains, ``(R, P, S)``."""
    p = reliance.shape[-1] - 1
    both = reliance[:, SECURITY, :, :p] + reliance[:, ECONOMY, :, :p]
    both *= 0.5
    return both.transpose(0, 2, 1)


def lending(
    state: State, params: Params, shocks: EconomyShocks | None, political: Array | None = None
) -> Array:
    """What each power lends each state this step, as a share of its GDP, ``(R, P, S)``.

    It rolls over the calibrated world's debt as it is repaid, more with more capacity and
    closer ties, and pays out any ``loan``; a finance cut stops both. ``political``: the
    ties, when the caller has them already.
    """
    d = params.dyn
    rolled = d.debt_amortization[:, None, None] * params.debt_ref
    if rolled.any():
        ratio = capacity_ratio(state, params)[:, :, None]
        rolled = rolled * power(ratio, d.credit_capacity_elasticity[:, None, None])
        political = ties(state, params) if political is None else political
        rolled *= power(political, d.credit_alignment_elasticity[:, None, None])
    else:
        rolled = np.zeros_like(state.debt)
    if shocks is None:
        return rolled
    lent = rolled + shocks.credit / params.gdp[:, None, :]
    return lent * (1.0 - shocks.finance_cut[:, None])


def benefit(state: State, params: Params, shocks: EconomyShocks | None) -> Array:
    """What the ties with each power give each state, ``(R, P, S)``, in shares of its GDP.

    Each channel at its own weight (``benefit_*``): trade with the power (less any cut this
    step) over GDP, remittances over GDP, the investment stock over GDP, and the credit
    paid out this step at its yearly rate over GDP.
    """
    d = params.dyn
    trade = state.trade
    if shocks is not None and shocks.trade_cut.any():
        trade = trade * (1.0 - shocks.trade_cut)
    total = trade * openness(params)
    total *= d.benefit_trade[:, None, None]
    total += d.benefit_remittances[:, None, None] * state.remittances
    total += d.benefit_investment[:, None, None] * state.investment / params.gdp[:, None, :]
    per_year = DAYS_PER_YEAR / (7.0 * d.step_weeks[:, None, None])
    total += d.benefit_credit[:, None, None] * per_year * lending(state, params, shocks)
    return total


def vulnerability(state: State, params: Params) -> Array:
    """What each state would lose if a power turned its ties against it, ``(R, P, S)``.

    Its exports crossing the power (less what it has diversified away) and the debt it
    owes the power, whose leverage rises with the state's economic distress; both as
    shares of its GDP.
    """
    exposed = params.routes * params.exports[:, None, :] * (1.0 - state.diversion)
    exposed += state.debt * (1.0 + state.distress[:, None, :])
    return exposed


def pressure(state: State, params: Params, shocks: EconomyShocks | None) -> Array:
    """Compliance less resentment: what coercion adds to a power's utility, ``(R, S, P)``."""
    d = params.dyn
    out = -d.resentment_weight[:, None, None] * state.resentment
    if shocks is not None and shocks.coercion.any():
        gain = d.compliance * d.economic_scale  # per unit of GDP at stake
        out += gain[:, None, None] * shocks.coercion * vulnerability(state, params)
    return out.transpose(0, 2, 1)


def room(state: State, params: Params) -> Array:
    """How much room a host has for more of a power's investment, ``(R, P, S)``.

    1 - stock/(ceiling·GDP) against the calibrated world's, so 1 at the start; it falls
    to 0 as the stock nears ``investment_ceiling`` times the host's GDP.
    """
    ceiling = params.dyn.investment_ceiling[:, None, None] * params.gdp[:, None, :]
    now = np.maximum(0.0, 1.0 - state.investment / ceiling)
    then = np.maximum(1.0 - params.investment_ref / ceiling, TIES_FLOOR)
    return now / then


def welcome(state: State, params: Params) -> Array:
    """How a host public receives each power's new investment, ``(R, P, S)``.

    The acceptance (1 + opinion) / 2 against the calibrated world's; 1 when opinion is
    where it started, lower when the public has turned against the investor (protests
    against Chinese projects), higher when it has warmed, at most :data:`MAX_WELCOME`.
    """
    now = (1.0 + state.opinion) / 2.0
    then = (1.0 + params.opinion_ref) / 2.0
    ratio = np.minimum(MAX_WELCOME, now / np.maximum(then, TINY))
    return ratio.transpose(0, 2, 1)


def advance(state: State, params: Params, shocks: EconomyShocks, noise: Array) -> None:
    """Move the economy one step, in place: host economies, coercion's memory, the ties.

    Args:
        state: Changed in place.
        params: Read only.
        shocks: The economic shocks in force this step.
        noise: Standard normal draws for the host economies, ``(R, P)``.
    """
    d = params.dyn
    state.host += d.host_reversion[:, None] * (params.host_trend - state.host)
    state.host += d.host_noise[:, None] * noise
    np.maximum(state.host, HOST_FLOOR, out=state.host)

    # Coercion is remembered: resentment builds while it lasts and fades after; states
    # diversify away from a power they resent (other routes, other partners).
    state.resentment += d.resentment_gain[:, None, None] * shocks.coercion * (1 - state.resentment)
    state.resentment -= d.resentment_decay[:, None, None] * state.resentment
    state.diversion += (
        d.diversification_rate[:, None, None] * state.resentment * (1 - state.diversion)
    )
    state.diversion -= d.diversification_decay[:, None, None] * state.diversion

    # Trade volumes move toward targets that are shares of one whole, as in a gravity
    # model: each power's base share weighted by its economic capacity (against the
    # calibrated world's) less what the state diversified away, against the rest of the
    # world at weight 1. A stronger China takes share from Russia and the rest, a weaker
    # one gives it back; slowly, as trade is rebuilt.
    ratio = capacity_ratio(state, params)[:, :, None]
    political = ties(state, params)
    mass = power(ratio, d.trade_capacity_elasticity[:, None, None]) * (1.0 - state.diversion)
    mass *= power(political, d.trade_alignment_elasticity[:, None, None])
    weighted = params.trade_base * mass
    rest = np.maximum(0.0, 1.0 - params.trade_base.sum(axis=1, keepdims=True))
    target = weighted / np.maximum(weighted.sum(axis=1, keepdims=True) + rest, TINY)
    state.trade_volume += d.trade_adjustment[:, None, None] * (target - state.trade_volume)
    host = state.host[:, :, None]
    state.trade = trade_in_value(state.trade_volume, host, d.trade_economy_elasticity)

    # Migrants follow the host economy and its door slowly; what they send moves at once.
    wanted = power(host, d.migrant_elasticity[:, None, None]) * shocks.access
    state.migrants += d.migrant_adjustment[:, None, None] * (wanted - state.migrants)
    state.remittances = params.remittance_base * state.migrants * host

    # Investment: new flows by capacity and the host's attractiveness (calm, and a public
    # no more hostile to the investor than in the calibrated world), less write-offs.
    depreciation = d.investment_depreciation[:, None, None]
    flow = (depreciation + d.investment_growth[:, None, None]) * state.investment
    flow *= power(ratio, d.investment_capacity_elasticity[:, None, None])
    flow *= power(political, d.investment_alignment_elasticity[:, None, None])
    flow *= 1.0 - state.unrest[:, None, :]
    flow *= room(state, params)
    flow *= welcome(state, params)
    flow *= (1.0 - shocks.finance_cut)[None, :, None] * (1.0 - state.diversion)
    state.investment += flow - depreciation * state.investment

    # Debt: what is lent this step (rolled over and new loans), less repayment.
    lent = lending(state, params, shocks, political)
    state.debt += lent - d.debt_amortization[:, None, None] * state.debt

    # Distress: income lost this step (routes and trade cut, remittances below what
    # households are used to); they get used to a new level, so a permanent fall fades as
    # a crisis (the adaptive reference moves toward what they now receive).
    lost = state.trade * openness(params) * shocks.trade_cut
    lost += params.routes * params.exports[:, None, :] * shocks.route_cut
    lost += np.maximum(0.0, state.used_to - state.remittances)
    state.distress = np.minimum(1.0, d.distress_gain[:, None] * lost.sum(axis=1))
    state.used_to += d.distress_adaptation[:, None, None] * (state.remittances - state.used_to)
