"""The model's behavioural parameters, shared by every state and power.

Rates are given **per week** whatever the calendar's step; the compiler scales
them to the step length (a weekly share ``r`` becomes ``1 - (1 - r) ** (days / 7)``),
so a daily calendar gives the same dynamics at a finer grain. Each field carries
its default's source (``json_schema_extra["source"]``): these numbers are not
measured anywhere, they are calibrated so that the model reproduces the patterns
of DESIGN.md section 8, and the source says which.
"""

from __future__ import annotations

from influence_sim.format.fields import NonNegative, Positive, Scaling, Share, Spec, param

_CAL = "Calibration, not a measurement: chosen so the model shows pattern {} (DESIGN.md §8)."


def scaling(name: str) -> Scaling | None:
    """How parameter ``name`` scales with the step (None: it does not)."""
    extra = Dynamics.model_fields[name].json_schema_extra
    value = extra.get("scaling") if isinstance(extra, dict) else None
    return value  # type: ignore[return-value]


class Dynamics(Spec):
    """Behavioural parameters: how fast unrest, reliance, credibility and opinion move."""

    # Unrest
    unrest_decay: Share = param(
        0.15, "Share of unrest that subsides on its own each week.", _CAL.format(2), per_step="rate"
    )
    grievance_gain: NonNegative = param(
        0.6,
        "Unrest added each week by an uprising of intensity 1.",
        _CAL.format(2),
        per_step="rate",
    )
    domestic_damping: Share = param(
        0.2,
        "Share of unrest a state's own forces remove each week at domestic capacity 1.",
        _CAL.format("2 and 3"),
        per_step="rate",
    )
    foreign_damping: Share = param(
        0.6,
        "Share of unrest a full foreign deployment with reach 1 removes each week.",
        "Article: Russian paratroopers 'who speak a language the locals understand and who "
        "are ready to fly and help'; strength calibrated to pattern 2.",
        per_step="rate",
    )
    unrest_noise: NonNegative = param(
        0.02,
        "Standard deviation of the weekly random change in unrest.",
        _CAL.format(1),
        per_step="sqrt",
    )
    threat_decay: Share = param(
        0.02,
        "Share of an external threat that fades each week once its duration ends.",
        "Calibration: the Taliban threat persisted for years after August 2021 (article: "
        "'especially since the Taliban took control of Kabul last August').",
        per_step="rate",
    )
    # Requests
    acceptance_commitment: Share = param(
        0.5,
        "Alliance commitment at which a lead power with nothing else at stake is as likely "
        "to accept a request as to decline it.",
        "Article: Russia answered the CSTO request within hours; the SCO 'does not have a "
        "similar military framework'. Between the two commitments.",
    )
    acceptance_capacity: Share = param(
        0.2,
        "Free security capacity at which a power can spare troops for a request one time in two.",
        _CAL.format(3),
    )
    capacity_spread: Positive = param(
        0.05,
        "Spread of the troops a power can spare around acceptance_capacity (a probit): "
        "how soft the capacity limit is.",
        "Calibration: a Russia with a fifth of its force free (russia-distracted) declines "
        "in most replications, one with most of it free accepts in all (docs/ODD.md, "
        "Requests).",
    )
    decision_spread: Positive = param(
        0.1,
        "Spread of a lead power's weighing of stakes against costs (a probit): how "
        "uncertain its answer is to someone who knows the stakes.",
        "Calibration: kazakhstan-2022 accepted and kyrgyzstan-2010 declined in most "
        "replications (docs/ODD.md, Requests).",
    )
    stake_investment: NonNegative = param(
        0.5,
        "Weight in the decision of the power's own investment in the requester (/ GDP).",
        "Estimate: assets at risk are a stake (the article's 'vulnerability of their "
        "economic investments'); to be calibrated.",
    )
    stake_rival: NonNegative = param(
        0.5,
        "Weight in the decision of the other powers' investment in the requester (/ GDP): "
        "a rival's foothold to deny.",
        "Estimate: China's 'tens of billions' in Kazakhstan raise what Russia's answer "
        "decides (article); to be calibrated.",
    )
    stake_elite: NonNegative = param(
        0.3,
        "Weight in the decision of the requesting elite's affinity with the power.",
        "Estimate: a friendly government is worth keeping; to be calibrated.",
    )
    stake_audience: NonNegative = param(
        0.15,
        "Weight in the decision of the power's other allies watching: the regional weight "
        "of the other members in good standing of its alliances, as a share of the other "
        "states'.",
        "Estimate: an answer is given before an audience of allies (issue 11); to be calibrated.",
    )
    cost_internal: NonNegative = param(
        0.8,
        "Cost in the decision of stepping into an internal conflict (an uprising whose "
        "origin is 'internal').",
        "Public record: in June 2010 the Kremlin declined Kyrgyzstan's request: 'This is an "
        "internal conflict and Russia does not see conditions for participating in its "
        "settlement' (Timakova, Eurasianet, 12 June 2010); in January 2022 the CSTO acted "
        "under Article 4 against 'outside interference'. Calibrated to the pair.",
    )
    cost_stuck: NonNegative = param(
        1.0,
        "Cost in the decision of the risk of being stuck: the requester's unrest times the "
        "power's lack of reach there.",
        "Estimate: deployments far from bases and language last longer; to be calibrated.",
    )
    cost_hostility: NonNegative = param(
        1.0,
        "Cost in the decision of a hostile requesting public (its negative opinion of the power).",
        "Estimate: troops unwelcome by the public are a liability; to be calibrated.",
    )
    cost_ties: NonNegative = param(
        1.0,
        "Cost in the decision of ties between the power and the source of the trouble (an "
        "uprising whose origin names a state or power): 1 if the source is the power "
        "itself or its ally, else the source's security reliance on it.",
        "Estimate: the CSTO sent no troops when its members Kyrgyzstan and Tajikistan "
        "fought on their border in April 2021 and September 2022 (public record); to be "
        "calibrated.",
    )
    deployment_share: Share = param(
        0.5,
        "Share of its free security capacity, times its troops' strength, that a power sends "
        "when it accepts a request.",
        "Public record: the CSTO force in Kazakhstan was about 2,000 troops, a fraction of "
        "Russia's airborne forces; strength calibrated with foreign_damping to pattern 2.",
    )
    withdrawal_rate: NonNegative = param(
        0.7,
        "Hazard per week that invited troops go home once order is restored.",
        "Public record: order was restored across Kazakhstan by the morning of 7 January "
        "2022 (the Kazakh authorities, TASS, 13 January 2022); the CSTO force began "
        "leaving on 13 January and had left by 19 January: a mean stay of about ten days "
        "after order returned (1/0.7 weeks). An estimate from one case.",
        per_step="linear",
    )
    withdrawal_hostility: NonNegative = param(
        0.5,
        "Hazard per week that invited troops go home because the host asks, per unit of "
        "its public's hostility to the power (negative opinion).",
        "Estimate: a government answers a hostile public; to be calibrated.",
        per_step="linear",
    )
    # Credibility
    credibility_gain: Share = param(
        0.15,
        "Rise in a power's credibility among alliance members after a successful intervention.",
        _CAL.format(2),
    )
    credibility_loss: Share = param(
        0.25,
        "Fall in a power's credibility among alliance members after a declined request.",
        _CAL.format(3),
    )
    nonmember_weight: Share = param(
        0.3,
        "Share of a credibility change that states outside the alliance perceive.",
        _CAL.format(6),
    )
    requester_weight: NonNegative = param(
        2.0,
        "How many times as much as an ally the state that asked takes in a power's "
        "credibility change after its answer (a refusal, or order restored).",
        "Estimate: the requester is hurt most by a refusal (issue 11); Pashinyan named the "
        "CSTO's failure 'towards Armenia' when Armenia froze its participation (France 24, "
        "22 February 2024); to be calibrated.",
    )
    credibility_recovery: Share = param(
        0.01,
        "Share of the gap to its starting credibility that closes each week.",
        _CAL.format(2),
        per_step="rate",
    )
    refusal_memory: NonNegative = param(
        0.3,
        "Lasting fall in a requesting state's utility of the power that declined it (both "
        "domains): a refusal remembered.",
        "Estimate: after the refusal of June 2010 Kyrgyzstan's interim government turned to "
        "the CSTO and the OSCE (Eurasianet, 12 June 2010); calibrated so the requester's "
        "security reliance a year later is clearly below the world where it was helped "
        "(tests/integration/test_decisions.py).",
    )
    help_memory: NonNegative = param(
        0.15,
        "Lasting rise in a requesting state's utility of a power whose requested troops "
        "restored order: help remembered.",
        "Estimate: half a refusal's weight (help is expected of an ally, refusal is not); "
        "to be calibrated.",
    )
    bystander_weight: Share = param(
        0.3,
        "Share of a refusal's or help's memory that the power's other allies keep, times "
        "how alike their security reliance on it is to the requester's (non-members keep "
        "this times nonmember_weight).",
        "Estimate: the requester is hurt most (issue 11); to be calibrated.",
    )
    memory_decay: Share = param(
        0.005,
        "Share of a remembered refusal or help that fades each week.",
        "Estimate: a half-life of about two and a half years; to be calibrated.",
        per_step="rate",
    )
    exit_rate: NonNegative = param(
        0.012,
        "Hazard per week, per unit of grievance against an alliance's lead (remembered "
        "refusals beyond help), that a member freezes its participation, and that a "
        "frozen member leaves.",
        "Estimate from two cases: Armenia, whose calls on the CSTO in 2021 and 2022 went "
        "unanswered with troops, froze its participation in February 2024 (Pashinyan to "
        "France 24, 22 February 2024); Kyrgyzstan, refused in June 2010, stayed. Set so "
        "a refused requester with few alternatives freezes within two years in about "
        "three replications in ten (kyrgyzstan-2010; tests/integration/test_decisions.py).",
        per_step="linear",
    )
    exit_alternatives: NonNegative = param(
        2.0,
        "How much alternatives on offer raise the hazard of freezing or leaving: the "
        "hazard is multiplied by 1 + this times the state's security reliance on other "
        "powers.",
        "Estimate: Uzbekistan, courting the United States, suspended its CSTO membership "
        "in June 2012 (note to the CSTO Secretariat, TASS, 28 June 2012); Armenia turned "
        "to France and the United States; to be calibrated.",
    )
    refusal_opinion: Share = param(
        0.1,
        "Fall in the requesting public's favourability of a power that declined its "
        "request (it drifts back like any opinion shock).",
        "Estimate: the mirror of intervention_gratitude; to be calibrated.",
    )
    # Offers and utilities
    offer_weight: NonNegative = param(
        2.0, "Weight of a power's offer in a state's utility.", _CAL.format(1)
    )
    opinion_weight: NonNegative = param(
        1.0,
        "Weight of public favourability in a state's utility.",
        "Article: public concerns 'are likely to limit the degree of clear security "
        "cooperation between Kazakhstan and China'; strength calibrated to pattern 5.",
    )
    elite_weight: NonNegative = param(
        0.5,
        "Weight of the elite's affinity with a power in a state's utility.",
        "Article: Tokayev 'has the greatest personal affinity with China'; calibrated to "
        "pattern 1.",
    )
    dependence_cost: NonNegative = param(
        1.0,
        "Utility lost per unit of reliance already held on a power (sovereignty).",
        "Article: 'all of the Central Asian states are to varying degrees suspicious of "
        "Russia, their former colonial power'; calibrated to pattern 1.",
    )
    temperature: Positive = param(
        0.25,
        "Logit temperature: how sharply reliance follows utility differences.",
        _CAL.format(1),
    )
    # Salience of security
    salience_unrest: NonNegative = param(
        1.5, "How much unrest raises the weight of security.", _CAL.format(2)
    )
    salience_threat: NonNegative = param(
        1.0, "How much an external threat raises the weight of security.", _CAL.format(1)
    )
    # Reliance adjustment
    adjustment_rate: Share = param(
        0.01,
        "Share of the gap to the preferred reliance closed each week in calm times.",
        _CAL.format(1),
    )
    crisis_adjustment: Share = param(
        0.25,
        "Extra share of the gap closed each week when security is fully salient.",
        _CAL.format(2),
    )
    # Powers adapting
    posture_response: Share = param(
        0.05,
        "Share of the gap to its posture ceiling a power closes each week where its "
        "investment is at risk after another power intervened.",
        "Article (Dean Cheng): 'The Chinese are certainly going to have to start reassessing "
        "the vulnerability of their economic investments'; calibrated to pattern 4.",
        per_step="rate",
    )
    investment_growth: NonNegative = param(
        0.0,
        "Yearly growth of a power's investment stock beyond the host's GDP (which the model "
        "holds fixed), in a calm state at the calibrated world's capacity and ties.",
        "Estimate (prior 0 to 0.04): the stocks grew with the host economies (the article: "
        "China invested 'tens of billions of dollars ... over the past decade', while the "
        "region's GDP grew too), so in shares of GDP the calibrated world holds still; "
        "until issue 28 it was 0.04, which made every share of GDP drift.",
        per_step="yearly",
    )
    investment_ceiling: Positive = param(
        1.0,
        "The most of a state's GDP one power's investment stock can reach: new investment "
        "slows as the stock nears it (against the calibrated world's room).",
        "Estimate (prior 0.5 to 3): the largest stock in the 2021 scenario is China's in "
        "Kyrgyzstan and Tajikistan, about 0.35 of GDP; a host absorbs only so much.",
    )
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
