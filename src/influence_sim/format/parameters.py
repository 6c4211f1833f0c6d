"""The model's behavioural parameters, shared by every state and power.

Rates are given **per week** whatever the calendar's step; the compiler scales
them to the step length (a weekly share ``r`` becomes ``1 - (1 - r) ** (days / 7)``),
so a daily calendar gives the same dynamics at a finer grain. Each field carries
its default's source (``json_schema_extra["source"]``): these numbers are not
measured anywhere, they are calibrated so that the model reproduces the patterns
of DESIGN.md section 8, and the source says which.
"""

from __future__ import annotations

from influence_sim.format.behaviour import CAL as _CAL
from influence_sim.format.behaviour import Behaviour
from influence_sim.format.fields import NonNegative, Positive, Scaling, Share, param


def scaling(name: str) -> Scaling | None:
    """How parameter ``name`` scales with the step (None: it does not)."""
    extra = Dynamics.model_fields[name].json_schema_extra
    value = extra.get("scaling") if isinstance(extra, dict) else None
    return value  # type: ignore[return-value]


class Dynamics(Behaviour):
    """Behavioural parameters: how fast unrest, reliance, credibility and opinion move."""

    # The economy (docs/ODD.md, Economy)
    investment_depreciation: Share = param(
        0.05,
        "Yearly share of an investment stock written off or repatriated.",
        "Estimate: assets of 20 to 25 years' life, as in the depreciation rates of the Penn "
        "World Table 10 (Feenstra, Inklaar and Timmer 2015, about 4-5% a year for structures).",
        per_step="yearly",
    )
    trade_adjustment: Share = param(
        0.006,
        "Share of the gap between a power's trade volume and its target that closes each week.",
        "Estimate: about 27% of the gap a year, so that trade shares move over years, not "
        "weeks; to be calibrated to the observed series in data/ (docs/economy-data.md).",
        per_step="rate",
    )
    trade_capacity_elasticity: NonNegative = param(
        1.0,
        "Elasticity of a power's target trade share to its economic capacity (relative to "
        "the calibrated world).",
        "Estimate: proportional, as in a gravity model with the partner's economic mass "
        "(Head and Mayer 2014, Handbook of International Economics 4, ch. 3: elasticities "
        "near 1); to be calibrated.",
    )
    trade_economy_elasticity: NonNegative = param(
        1.0,
        "Elasticity of a power's share of a state's trade, in dollars, to its host-economy "
        "index (at once: trade is counted in dollars).",
        "Estimate: proportional, a partner's trade revalued at its exchange rate; to be "
        "calibrated.",
    )
    migrant_adjustment: Share = param(
        0.004,
        "Share of the gap between the migrant stock and its target that closes each week.",
        "Estimate: migrants respond over years (about 19% of the gap a year) while what they "
        "send, counted in dollars, moves at once with the host's currency; to be calibrated.",
        per_step="rate",
    )
    migrant_elasticity: NonNegative = param(
        1.0,
        "Elasticity of the target migrant stock to the host-economy index.",
        "Estimate, to be calibrated.",
    )
    host_reversion: Share = param(
        0.02,
        "Share of the gap between a host-economy index and its trend that closes each week.",
        "Estimate: exchange-rate shocks half-fade in about eight months; to be calibrated.",
        per_step="rate",
    )
    host_noise: NonNegative = param(
        0.01,
        "Standard deviation of the weekly random change in a host-economy index.",
        "Estimate: of the order of the weekly volatility of the rouble against the dollar "
        "outside crises (about 1%); to be calibrated.",
        per_step="sqrt",
    )
    debt_amortization: Share = param(
        0.07,
        "Yearly share of the debt owed to a power that is repaid.",
        "Estimate: loans of about 15 years' maturity (China Exim Bank's concessional terms, "
        "AidData 'How China Lends', Gelpern et al. 2021).",
        per_step="yearly",
    )
    exposure_cost: NonNegative = param(
        0.5,
        "Weight of what a state would lose to a power (its exports crossing the power, debt "
        "owed to it) against that power's economic offer: exposure is a cost, hedged "
        "against, and a lever only when the power coerces (compliance).",
        "Estimate (prior 0 to 1): Central Asian governments diversify away from a single "
        "route or creditor (Kazakhstan's Trans-Caspian oil after the CPC stoppages of 2022; "
        "the article's 'multi-vector' hedging); half the dependence cost per unit, an "
        "assumption; to be calibrated.",
    )
    compliance: NonNegative = param(
        1.5,
        "Utility of yielding to a power that coerces, per unit of vulnerability and of "
        "pressure (the short-run effect of coercion).",
        "Estimate: calibrated so that a route cut brings compliance in its first months "
        "(docs/ODD.md pattern 8).",
    )
    resentment_gain: Share = param(
        0.04,
        "Share of the gap to full resentment that a week of full coercion adds.",
        "Estimate: calibrated so that compliance gives way to resentment within months "
        "(docs/ODD.md pattern 8).",
        per_step="rate",
    )
    resentment_decay: Share = param(
        0.01,
        "Share of resentment that fades each week (the memory of coercion).",
        "Estimate: a half-life of about 16 months; to be calibrated.",
        per_step="rate",
    )
    resentment_weight: NonNegative = param(
        1.0,
        "Utility lost with a power per unit of resentment of its coercion.",
        "Estimate: of the order of the opinion weight; to be calibrated.",
    )
    diversification_rate: Share = param(
        0.01,
        "Share of the gap to full diversification away from a coercing power (other routes "
        "and partners) added each week at full resentment.",
        "Estimate: after Russia's CPC disruptions of 2022 Kazakhstan shipped more oil through "
        "the Caspian to Baku (the Trans-Caspian route), a shift of years; to be calibrated.",
        per_step="rate",
    )
    diversification_decay: Share = param(
        0.002,
        "Share of diversification undone each week once resentment has faded.",
        "Estimate: new routes and partners, once built, stay in use for years.",
        per_step="rate",
    )
    distress_gain: NonNegative = param(
        5.0,
        "Economic distress per unit of income lost, as a share of GDP (trade and routes "
        "cut, remittances below the level households are used to).",
        "Estimate (prior 2 to 10): a loss of a fifth of GDP is a full crisis. Tajikistan's "
        "remittances fell by about a third in dollars in 2015 (Göransson 2016, "
        "Clingendael: 32% in the first half), some 9% of GDP at the World Bank's 27% "
        "share of 2015, and 83% of households depended on them in part; to be "
        "calibrated.",
    )
    distress_adaptation: Share = param(
        0.013,
        "Share of the gap between the remittances households are used to and what they now "
        "receive that closes each week: a permanent fall stops being a crisis as they get "
        "used to it.",
        "Estimate (prior 0 to 0.05 a week): an assumption that households and governments "
        "get used to a new income level within about a year (half the gap closed in a "
        "year, 0.013 a week); no Central Asian measure of it was found; to be calibrated.",
        per_step="rate",
    )
    # The economic offer: each channel in shares of GDP, each with its own weight
    economic_scale: Positive = param(
        3.0,
        "Utility of the economy per unit of GDP, against a unit of security offer: what turns "
        "the economic channels (shares of GDP) into the offer's units.",
        "Assumption of neutral scale (prior 2 to 8): the two powers' offers average the same "
        "in both domains at the 2021 baseline, before any coupling (0.55 for security; "
        "0.18 of GDP for the economy at the channel weights, so about 3), neither domain "
        "weighing more by construction; to be fitted.",
    )
    benefit_trade: NonNegative = param(
        0.3,
        "Utility of a power's trade per unit of the state's GDP (exports and imports with "
        "the power, in dollars, over GDP).",
        "Estimate (prior 0 to 1): trade is counted gross, and what a state gains from it "
        "(the gains from trade, what it would lose without the partner) is a fraction of "
        "its value; 0.3 is an assumption; to be fitted.",
    )
    benefit_remittances: NonNegative = param(
        1.0,
        "Utility of the remittances from a power per unit of the state's GDP (a year's).",
        "Estimate (prior 0.5 to 1.5): remittances are household income in full, the "
        "numeraire of the economic offer.",
    )
    benefit_investment: NonNegative = param(
        0.5,
        "Utility of a power's investment stock per unit of the state's GDP.",
        "Estimate (prior 0 to 1): a stock, not a year's income; what it brings each year "
        "(wages, taxes, royalties) is a fraction of it; an assumption; to be fitted.",
    )
    benefit_credit: NonNegative = param(
        1.0,
        "Utility of the credit a power pays out, per unit of the state's GDP a year.",
        "Estimate (prior 0.5 to 1.5): money in hand, as remittances.",
    )
    investment_capacity_elasticity: NonNegative = param(
        1.0,
        "Elasticity of a power's new investment to its economic capacity (relative to the "
        "calibrated world).",
        "Estimate (prior 0 to 2): proportional, as trade_capacity_elasticity (Head and "
        "Mayer 2014: gravity elasticities to the origin's mass near 1); to be calibrated.",
    )
    credit_capacity_elasticity: NonNegative = param(
        1.0,
        "Elasticity of a power's new lending (what it rolls over of a state's debt) to its "
        "economic capacity (relative to the calibrated world).",
        "Estimate (prior 0 to 2): proportional, as trade_capacity_elasticity; to be calibrated.",
    )
    # Feedback: new flows follow political ties
    trade_alignment_elasticity: NonNegative = param(
        0.5,
        "Elasticity of a power's target trade share with a state to the state's ties with "
        "it (its reliance on the power in both domains, against the calibrated world's): "
        "trade follows the flag.",
        "Estimate (prior 0 to 1): trade follows political relations (Pollins 1989, "
        "American Journal of Political Science 33(3); Davis, Fuchs and Johnson 2019, "
        "Journal of Conflict Resolution 63(2)), modestly (exports to China fell 8-17% "
        "for a year after a leader met the Dalai Lama: Fuchs and Klann 2013, Journal of "
        "International Economics 91(1)); calibrated in history-2015-2017, where the data "
        "do not identify it (its posterior is close to its prior).",
    )
    investment_alignment_elasticity: NonNegative = param(
        1.0,
        "Elasticity of a power's new investment in a state to the state's ties with it "
        "(relative to the calibrated world's): contracts follow political ties.",
        "Estimate (prior 0 to 2): better political relations raise foreign direct "
        "investment (Desbordes and Vicard 2009, Journal of International Economics 77(2)), "
        "and state-controlled flows follow them more than private ones (Davis, Fuchs and "
        "Johnson 2019, Journal of Conflict Resolution 63(2), on trade); to be fitted.",
    )
    credit_alignment_elasticity: NonNegative = param(
        1.0,
        "Elasticity of a power's new lending to a state to the state's ties with it "
        "(relative to the calibrated world's): a state that leans on a power gets its loans.",
        "Estimate (prior 0 to 2): China's aid follows UN voting alignment (Dreher, Fuchs, "
        "Parks, Strange and Tierney 2018, International Studies Quarterly 62(1), for "
        "Africa), while its other official flows, loans at commercial terms, follow "
        "commercial motives more: how far loans follow ties is uncertain; to be fitted.",
    )
    # Couplings between the domains
    patron_leverage: NonNegative = param(
        0.5,
        "Utility a power's economic ties gain per unit of the state's security reliance on "
        "it: a security patron's leverage over economic choices.",
        "Estimate (prior 0 to 1). Mechanism: Russia used its security role to bring "
        "Kyrgyzstan and Armenia into the Eurasian Economic Union (Dragneva and Wolczuk "
        "2017, The Eurasian Economic Union, Chatham House: 'bilateral deals initiated by "
        "Russia'); the size is an assumption.",
    )
    asset_protection: NonNegative = param(
        0.5,
        "Security offer a power adds per unit of its investment stock over the state's "
        "GDP: security follows investment.",
        "Estimate (prior 0 to 2). Mechanism: China has 'felt increasingly compelled to "
        "protect' its firms and citizens in Central Asia, through private security "
        "companies, still few and small, and a police post in Tajikistan (Yau and van der "
        "Kley 2020, Oxus Society); its 'footprint of hard power' is 'expanding alongside' "
        "its economic reach (The Washington Post, 18 February 2019); the article: the "
        "Chinese 'are certainly going to have to start reassessing the vulnerability of "
        "their economic investments'. The size is an assumption: at 0.5 China's stock of "
        "0.35 of Kyrgyzstan's GDP adds 0.18 to its security offer there.",
    )
    fiscal_drain: Share = param(
        0.5,
        "Share of a state's own security option lost at full economic distress: a fiscal "
        "crisis weakens the state's own forces and raises its need for a patron.",
        "Estimate (prior 0 to 1). Mechanism: Central Asian regimes live on rents "
        "(remittances, aid, the leasing of bases) that shape their tie to Russia "
        "(Ostrowski 2011, Rentierism, Dependency and Sovereignty in Central Asia, PSA "
        "conference paper), and a fall of them is a risk to order (Göransson 2016, "
        "Clingendael: Tajikistan's remittances fell by a third in dollars in 2015); the "
        "size is an assumption.",
    )
    economic_salience: NonNegative = param(
        1.0,
        "How much economic distress lowers the weight of security (raises the economy's).",
        "Estimate, by symmetry with salience_threat; to be calibrated.",
    )
    # Opinion
    opinion_drift: Share = param(
        0.02,
        "Share of the gap between opinion and its baseline that closes each week.",
        _CAL.format(5),
        per_step="rate",
    )
    intervention_gratitude: Share = param(
        0.1,
        "Rise in favourability of a power whose requested troops restored order.",
        "Article: 'the overall attitude towards Russia remains more positive'; calibrated "
        "to pattern 2.",
    )
    sovereignty_backlash: Share = param(
        0.05,
        "Fall in favourability of a power while its troops are deployed.",
        "Article: 'a difficult past and the nationalist discourse that has been present for "
        "the past 30 years'; calibrated to pattern 2.",
        per_step="linear",
    )
    opinion_noise: NonNegative = param(
        0.01,
        "Standard deviation of the weekly random change in opinion.",
        _CAL.format(5),
        per_step="sqrt",
    )
