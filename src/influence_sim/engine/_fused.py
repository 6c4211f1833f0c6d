"""The compiled half of the fast path (numba); imported only by :mod:`.fused`.

One loop over replications does everything a step does after the requests: memories,
credibility, the economy, salience, the government's choice and its move toward it,
posture and (without citizens) opinion. Every expression follows the numpy reference
(``kernel.dense``, ``economy.advance``, ``kernel.utilities``) operation for operation
and in the same order, but for divisions by the same number, made products by its
reciprocal (a division costs several products), so the two agree to rounding, not bit
for bit (``tests/unit/test_fused.py``). The
``_min``, ``_max`` and ``_clip`` helpers keep numpy's NaN propagation, so a run that
breaks down is still found broken.
"""

from __future__ import annotations

import math

import numba
import numpy as np

HOST_FLOOR = 0.05
MAX_WELCOME = 2.0
TINY = 1e-12
DAYS_PER_YEAR = 365.25

DYN = (
    "memory_decay",
    "credibility_recovery",
    "host_reversion",
    "host_noise",
    "resentment_gain",
    "resentment_decay",
    "diversification_rate",
    "diversification_decay",
    "trade_capacity_elasticity",
    "trade_adjustment",
    "trade_economy_elasticity",
    "migrant_elasticity",
    "migrant_adjustment",
    "investment_depreciation",
    "investment_growth",
    "debt_amortization",
    "distress_gain",
    "salience_unrest",
    "salience_threat",
    "economic_salience",
    "adjustment_rate",
    "crisis_adjustment",
    "step_weeks",
    "offer_weight",
    "vulnerability_weight",
    "opinion_weight",
    "elite_weight",
    "resentment_weight",
    "compliance",
    "dependence_cost",
    "temperature",
    "posture_response",
    "opinion_drift",
    "sovereignty_backlash",
    "opinion_noise",
)
"""The behavioural parameters the compiled loop reads, as the columns of one matrix."""

# Their columns, by name: the matrix is built from ``DYN``, so a column cannot be read
# for another parameter.
MEMORY_DECAY = DYN.index("memory_decay")
CREDIBILITY_RECOVERY = DYN.index("credibility_recovery")
HOST_REVERSION = DYN.index("host_reversion")
HOST_NOISE = DYN.index("host_noise")
RESENTMENT_GAIN = DYN.index("resentment_gain")
RESENTMENT_DECAY = DYN.index("resentment_decay")
DIVERSIFICATION_RATE = DYN.index("diversification_rate")
DIVERSIFICATION_DECAY = DYN.index("diversification_decay")
TRADE_CAPACITY_ELASTICITY = DYN.index("trade_capacity_elasticity")
TRADE_ADJUSTMENT = DYN.index("trade_adjustment")
TRADE_ECONOMY_ELASTICITY = DYN.index("trade_economy_elasticity")
MIGRANT_ELASTICITY = DYN.index("migrant_elasticity")
MIGRANT_ADJUSTMENT = DYN.index("migrant_adjustment")
INVESTMENT_DEPRECIATION = DYN.index("investment_depreciation")
INVESTMENT_GROWTH = DYN.index("investment_growth")
DEBT_AMORTIZATION = DYN.index("debt_amortization")
DISTRESS_GAIN = DYN.index("distress_gain")
SALIENCE_UNREST = DYN.index("salience_unrest")
SALIENCE_THREAT = DYN.index("salience_threat")
ECONOMIC_SALIENCE = DYN.index("economic_salience")
ADJUSTMENT_RATE = DYN.index("adjustment_rate")
CRISIS_ADJUSTMENT = DYN.index("crisis_adjustment")
STEP_WEEKS = DYN.index("step_weeks")
OFFER_WEIGHT = DYN.index("offer_weight")
VULNERABILITY_WEIGHT = DYN.index("vulnerability_weight")
OPINION_WEIGHT = DYN.index("opinion_weight")
ELITE_WEIGHT = DYN.index("elite_weight")
RESENTMENT_WEIGHT = DYN.index("resentment_weight")
COMPLIANCE = DYN.index("compliance")
DEPENDENCE_COST = DYN.index("dependence_cost")
TEMPERATURE = DYN.index("temperature")
POSTURE_RESPONSE = DYN.index("posture_response")
OPINION_DRIFT = DYN.index("opinion_drift")
SOVEREIGNTY_BACKLASH = DYN.index("sovereignty_backlash")
OPINION_NOISE = DYN.index("opinion_noise")

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")
_inline = numba.njit(inline="always", error_model="numpy")  # no function of its own to load


@_inline
def _min(a: float, b: float) -> float:
    """``np.minimum`` of two numbers: NaN if either is."""
    return a if a < b or a != a else b


@_inline
def _max(a: float, b: float) -> float:
    """``np.maximum`` of two numbers: NaN if either is."""
    return a if a > b or a != a else b


@_inline
def _power(x: float, y: float) -> float:
    """``x ** y``, without the call where it is exact: ``x ** 1`` is ``x``, ``1 ** y`` is 1."""
    if y == 1.0:
        return x
    return 1.0 if x == 1.0 else x**y


@_jit
def after_requests(  # noqa: C901, PLR0912, PLR0915 - one compiled loop, as the reference's stages
    memory,
    credibility,
    capacity,
    econ,
    posture,
    investment,
    trade,
    trade_volume,
    remittances,
    migrants,
    host,
    debt,
    diversion,
    resentment,
    distress,
    reliance,
    salience,
    unrest,
    threat,
    opinion,
    opinion_base,
    deployed,
    alarmed,
    credibility0,
    econ_ref,
    trade_base,
    remittance_base,
    routes,
    gdp,
    opinion_ref,
    host_trend,
    reach,
    elite,
    domestic_capacity,
    salience0,
    propensity,
    tools,
    commit,
    dyn,
    route_cut,
    trade_cut,
    coercion,
    access,
    finance_cut,
    credit,
    host_noise,
    opinion_noise,
    scripted_opinion,
):
    r_n, p_n, s_n = credibility.shape
    k_n = p_n + 1
    varied = dyn.shape[0] > 1
    ratio = np.empty(p_n)
    grown = np.empty(p_n)
    valued_at = np.empty(p_n)
    drawn = np.empty(p_n)
    lost_total = np.empty(s_n)
    per_gdp = np.empty(s_n)
    weighted = np.empty((p_n, s_n))
    offer = np.empty((2, p_n, s_n))
    z = np.empty((2, s_n, k_n))
    rate = np.empty((2, s_n))
    for r in range(r_n):
        b = r if varied else 0
        d = dyn[b]
        # Reciprocals once a row: a product where the reference divides (within rounding).
        per_year = DAYS_PER_YEAR / (7.0 * d[STEP_WEEKS])
        cool = 1.0 / d[TEMPERATURE]
        for s in range(s_n):
            per_gdp[s] = 1.0 / gdp[b, s]
        # Memories fade; credibility drifts back.
        for s in range(s_n):
            for p in range(p_n):
                memory[r, s, p] -= d[MEMORY_DECAY] * memory[r, s, p]
        for p in range(p_n):
            for s in range(s_n):
                credibility[r, p, s] += d[CREDIBILITY_RECOVERY] * (
                    credibility0[b, p] - credibility[r, p, s]
                )
        # The economy (economy.advance): host economies, coercion's memory, trade.
        for p in range(p_n):
            h = host[r, p] + d[HOST_REVERSION] * (host_trend[b, p] - host[r, p])
            h += d[HOST_NOISE] * host_noise[r, p]
            host[r, p] = _max(h, HOST_FLOOR)
            for s in range(s_n):
                res = resentment[r, p, s]
                res += d[RESENTMENT_GAIN] * coercion[p, s] * (1 - res)
                res -= d[RESENTMENT_DECAY] * res
                resentment[r, p, s] = res
                div = diversion[r, p, s]
                div += d[DIVERSIFICATION_RATE] * res * (1 - div)
                div -= d[DIVERSIFICATION_DECAY] * div
                diversion[r, p, s] = div
            ref = econ_ref[b, p]
            ratio[p] = econ[r, p] / ref if ref > 0 else 1.0
            # Powers by power, not by state: the same numbers, a fifth of the calls.
            grown[p] = _power(ratio[p], d[TRADE_CAPACITY_ELASTICITY])
            valued_at[p] = _power(host[r, p], d[TRADE_ECONOMY_ELASTICITY])
            drawn[p] = _power(host[r, p], d[MIGRANT_ELASTICITY])
        for s in range(s_n):
            base = 0.0
            total = 0.0
            for p in range(p_n):
                mass = grown[p] * (1.0 - diversion[r, p, s])
                weighted[p, s] = trade_base[b, p, s] * mass
                base += trade_base[b, p, s]
                total += weighted[p, s]
            scale = 1.0 / _max(total + _max(0.0, 1.0 - base), TINY)
            volume = 0.0
            valued = 0.0
            for p in range(p_n):
                target = weighted[p, s] * scale
                trade_volume[r, p, s] += d[TRADE_ADJUSTMENT] * (target - trade_volume[r, p, s])
                volume += trade_volume[r, p, s]
                trade[r, p, s] = trade_volume[r, p, s] * valued_at[p]
                valued += trade[r, p, s]
            scale = 1.0 / _max(valued + _max(0.0, 1.0 - volume), TINY)
            for p in range(p_n):
                trade[r, p, s] = trade[r, p, s] * scale
        for p in range(p_n):
            for s in range(s_n):
                # Migrants and remittances.
                wanted = drawn[p] * access[p, s]
                migrants[r, p, s] += d[MIGRANT_ADJUSTMENT] * (wanted - migrants[r, p, s])
                remittances[r, p, s] = remittance_base[b, p, s] * migrants[r, p, s] * host[r, p]
                # Investment.
                depreciation = d[INVESTMENT_DEPRECIATION]
                flow = (depreciation + d[INVESTMENT_GROWTH]) * investment[r, p, s]
                flow *= ratio[p] * (1.0 - unrest[r, s])
                now = (1.0 + opinion[r, s, p]) / 2.0
                then = (1.0 + opinion_ref[b, s, p]) / 2.0
                flow *= _min(MAX_WELCOME, now / _max(then, TINY))
                flow *= (1.0 - finance_cut[p]) * (1.0 - diversion[r, p, s])
                investment[r, p, s] += flow - depreciation * investment[r, p, s]
                # Debt.
                lent = credit[p, s] * (1.0 - finance_cut[p])
                debt[r, p, s] += lent * per_gdp[s] - d[DEBT_AMORTIZATION] * debt[r, p, s]
                # Income lost.
                lost = routes[b, p, s] * route_cut[p, s] + trade[r, p, s] * trade_cut[p, s]
                lost += _max(0.0, remittance_base[b, p, s] - remittances[r, p, s])
                lost_total[s] = lost if p == 0 else lost_total[s] + lost
        for s in range(s_n):
            distress[r, s] = _min(1.0, d[DISTRESS_GAIN] * lost_total[s])
        # Salience of security, and each domain's rate of adjustment.
        for s in range(s_n):
            security = _min(
                1.0, d[SALIENCE_UNREST] * unrest[r, s] + d[SALIENCE_THREAT] * threat[r, s]
            )
            economic = _min(1.0, d[ECONOMIC_SALIENCE] * distress[r, s])
            s0 = salience0[b, s]
            weight = s0 + (1.0 - s0) * security
            weight -= s0 * (1.0 - security) * economic
            salience[r, s] = weight
            weekly = _min(1.0, d[ADJUSTMENT_RATE] + d[CRISIS_ADJUSTMENT] * security)
            rate[0, s] = 1.0 - _power(1.0 - weekly, d[STEP_WEEKS])
            weekly = _min(1.0, d[ADJUSTMENT_RATE] + d[CRISIS_ADJUSTMENT] * economic)
            rate[1, s] = 1.0 - _power(1.0 - weekly, d[STEP_WEEKS])
        # What each power offers (kernel.utilities).
        for p in range(p_n):
            for s in range(s_n):
                promise = commit[r, p, s] + reach[b, p, s]
                security_offer = credibility[r, p, s] * capacity[r, p]
                security_offer *= promise
                security_offer += posture[r, p, s]
                security_offer += deployed[r, p, s]
                offer[0, p, s] = security_offer
                ties = trade[r, p, s] * (1.0 - trade_cut[p, s])
                ties += remittances[r, p, s]
                ties += _min(1.0, investment[r, p, s] * per_gdp[s])
                ties += credit[p, s] * (1.0 - finance_cut[p]) * per_year * per_gdp[s]
                ties *= 0.5 * econ[r, p] + 0.5
                exposed = routes[b, p, s] * (1.0 - diversion[r, p, s])
                exposed += debt[r, p, s] * (1.0 + distress[r, s])
                ties += d[VULNERABILITY_WEIGHT] * exposed
                offer[1, p, s] = ties
        # Utilities, then the logit choice and the move toward it (kernel.choice).
        for s in range(s_n):
            for p in range(p_n):
                acceptance = opinion[r, s, p] + 1.0
                acceptance /= 2.0
                relation = d[OPINION_WEIGHT] * opinion[r, s, p]
                relation += d[ELITE_WEIGHT] * elite[b, s, p]
                exposed = routes[b, p, s] * (1.0 - diversion[r, p, s])
                exposed += debt[r, p, s] * (1.0 + distress[r, s])
                pressure = -d[RESENTMENT_WEIGHT] * resentment[r, p, s]
                pressure += d[COMPLIANCE] * coercion[p, s] * exposed
                relation += pressure
                relation += memory[r, s, p]
                for domain in range(2):
                    u = d[OFFER_WEIGHT] * offer[domain, p, s]
                    u *= acceptance
                    u += relation
                    u -= d[DEPENDENCE_COST] * reliance[r, domain, s, p]
                    z[domain, s, p] = u
            z[0, s, p_n] = d[OFFER_WEIGHT] * domestic_capacity[b, s] * (1.0 - unrest[r, s])
            z[1, s, p_n] = 0.0
        for domain in range(2):
            for s in range(s_n):
                for k in range(k_n):
                    z[domain, s, k] += propensity[b, domain, s, k]
                    z[domain, s, k] *= cool
                top = z[domain, s, 0]
                for k in range(1, k_n):
                    top = _max(top, z[domain, s, k])
                total = 0.0
                for k in range(k_n):  # exp(0) is 1 exactly: the top option needs no call
                    gap = z[domain, s, k] - top
                    z[domain, s, k] = 1.0 if gap == 0.0 else math.exp(gap)
                    total = z[domain, s, k] if k == 0 else total + z[domain, s, k]
                total = 1.0 / total
                for k in range(k_n):
                    toward = z[domain, s, k] * total
                    toward -= reliance[r, domain, s, k]
                    toward *= rate[domain, s]
                    reliance[r, domain, s, k] += toward
        # Alarmed powers raise their posture (with the opinion before this step's news).
        for p in range(p_n):
            if alarmed[r, p]:
                ceiling = tools[b, p, 0]  # the highest posture its tools allow
                for t in range(1, tools.shape[2]):
                    ceiling = _max(ceiling, tools[b, p, t])
                for s in range(s_n):
                    top = ceiling * (1.0 + opinion[r, s, p]) / 2
                    rise = d[POSTURE_RESPONSE] * _max(0.0, top - posture[r, p, s])
                    posture[r, p, s] += rise
        if not scripted_opinion:
            continue
        # Opinion drifts to its baseline, turns against troops on the ground, and is noisy.
        for s in range(s_n):
            for p in range(p_n):
                o = opinion[r, s, p]
                o += d[OPINION_DRIFT] * (opinion_base[r, s, p] - o)
                o -= d[SOVEREIGNTY_BACKLASH] * deployed[r, p, s]
                o += d[OPINION_NOISE] * opinion_noise[r, s, p]
                opinion[r, s, p] = _min(_max(o, -1.0), 1.0)


@_jit
def summary_update(
    step,
    reliance,
    salience,
    unrest,
    threshold,
    tolerance,
    start,
    peak_alignment,
    final,
    unrest_peak,
    unrest_peak_step,
    unrest_found,
    gap_peak,
    gap_peak_step,
    gap_found,
):
    """``results.metrics.Summary.update``, compiled: alignment, its peak and its return, unrest."""
    r_n, _, s_n, k_n = reliance.shape
    varied = threshold.shape[0] > 1
    for r in range(r_n):
        b = r if varied else 0
        for s in range(s_n):
            w = salience[r, s]
            for k in range(k_n):
                a = w * reliance[r, 0, s, k] + (1 - w) * reliance[r, 1, s, k]
                final[r, s, k] = a
                peak_alignment[r, s, k] = _max(peak_alignment[r, s, k], a)
                gap = abs(a - start[r, s, k])
                if gap > gap_peak[r, s, k]:
                    gap_peak[r, s, k] = gap
                    gap_peak_step[r, s, k] = step
                    gap_found[r, s, k] = -1
                if gap_found[r, s, k] < 0 and gap <= tolerance and step > gap_peak_step[r, s, k]:
                    gap_found[r, s, k] = step
            u = unrest[r, s]
            if u > unrest_peak[r, s]:
                unrest_peak[r, s] = u
                unrest_peak_step[r, s] = step
                unrest_found[r, s] = -1
            calm = u < threshold[b, s] / 2
            if unrest_found[r, s] < 0 and calm and step > unrest_peak_step[r, s]:
                unrest_found[r, s] = step


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_LOW = np.uint64(0xFFFFFFFF)
_EVEN = np.uint64(0xFFFFFFFE)
_ONE = np.uint64(1)
_S30, _S27, _S31, _S32 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(32)
_PI_32 = np.pi * 2.0**-32


@_jit
def normals(keys, first, n):
    """``engine.draws.normals``, compiled: the same words, the same Box-Muller pairs."""
    lo = first // 2
    hi = (first + n + 1) // 2
    skip = first - 2 * lo
    out = np.empty((keys.size, n))
    for r in range(keys.size):
        for c in range(lo, hi):
            z = keys[r] + np.uint64(c) * _GOLDEN
            z ^= z >> _S30
            z *= _M1
            z ^= z >> _S27
            z *= _M2
            z ^= z >> _S31
            radius = (float(z >> _S32) + 1.0) * 2.0**-32
            radius = math.sqrt(math.log(radius) * -2.0)
            sign = float(z & _ONE) * -2.0 + 1.0
            sine = math.sin(float(z & _LOW & _EVEN) * _PI_32 - np.pi / 2)
            j = 2 * (c - lo) - skip
            if 0 <= j < n:
                out[r, j] = math.sqrt(1.0 - sine * sine) * sign * radius
            if 0 <= j + 1 < n:
                out[r, j + 1] = sine * radius
    return out
