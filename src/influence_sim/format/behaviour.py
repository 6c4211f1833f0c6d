"""The model's behaviour outside the economy: unrest, requests, credibility, offers, reliance.

The first part of :class:`influence_sim.format.parameters.Dynamics` (which adds the
economy and opinion), kept apart so each module stays readable; the fields keep their
order, which is the order of ``docs/parameters.md``. Rates are given **per week**; the
compiler scales them to the step (see :mod:`influence_sim.format.parameters`).
"""

from __future__ import annotations

from influence_sim.format.fields import NonNegative, Number, Positive, Share, Spec, param

CAL = "Calibration, not a measurement: chosen so the model shows pattern {} (DESIGN.md §8)."
RECORD = (
    "Fitted on the record of requests (docs/decisions.md): a probit at its posterior mode, "
    "normal prior sd 1 (2 on the intercept), on the 11 requests of 1992-2022 "
    "(influence_sim.calibration.decisions.ENGINE; a test holds this default to the fit)."
)


class Behaviour(Spec):
    """Unrest, requests, credibility, offers and utilities, salience, reliance, adapting."""

    # Unrest
    unrest_decay: Share = param(
        0.15, "Share of unrest that subsides on its own each week.", CAL.format(2), per_step="rate"
    )
    grievance_gain: NonNegative = param(
        0.6,
        "Unrest added each week by an uprising of intensity 1.",
        CAL.format(2),
        per_step="rate",
    )
    domestic_damping: Share = param(
        0.2,
        "Share of unrest a state's own forces remove each week at domestic capacity 1.",
        CAL.format("2 and 3"),
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
        CAL.format(1),
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
    willing_base: Number = param(
        -1.45,
        "A lead power's willingness to send troops (a probit score) with nothing the record "
        "codes at stake (no regime threatened, no armed groups from abroad, no ties to the "
        "fighters) and every other term at the mean of the region's 2021 requesters.",
        RECORD + " Fitted: the intercept, -0.80 (90% interval -1.97 to +0.37), less 0.65, "
        "the mean of the terms the record does not code over central-asia-2021's CSTO "
        "members (the states that can ask Russia; nine of the record's eleven requesters "
        "were members) as Russia would weigh their requests "
        "(calibration.decisions.uncoded_mean): the engine adds those terms, the record's "
        "intercept holds them at their mean.",
    )
    stake_commitment: NonNegative = param(
        0.5,
        "Weight in the decision of the collective-defence commitment owed to the requester "
        "(the asked alliance's, if it is a member in good standing; else 0).",
        "Estimate (prior 0 to 1 a unit of commitment; 0.35 for the CSTO's 0.7): Article 4 "
        "of the CSTO treaty. The record does not give it: there membership lowers the "
        "chance of troops (logit -0.42, 90% -2.3 to +1.5, docs/decisions.md), a sign no "
        "treaty explains, so the engine's fit leaves membership out.",
    )
    acceptance_capacity: Share = param(
        0.2,
        "Free security capacity at which a power can spare troops for a request one time in two.",
        CAL.format(3),
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
        1.0,
        "Spread of a lead power's weighing of stakes against costs (a probit): how "
        "uncertain its answer is to someone who knows the stakes.",
        "The scale of the weights fitted on the record of requests (a probit, its noise's "
        "sd 1): 1 by construction (the terms the record does not code vary across states "
        "beside it). Until issue 29 it was 0.1, which made two cases decide "
        "every answer.",
    )
    stake_investment: NonNegative = param(
        0.5,
        "Weight in the decision of the power's own investment in the requester (/ GDP).",
        "Estimate: assets at risk are a stake (the article's 'vulnerability of their "
        "economic investments'); not in the record. On the probit scale of the fitted "
        "weights (a probit unit, as for every stake below).",
    )
    stake_rival: NonNegative = param(
        0.5,
        "Weight in the decision of the other powers' investment in the requester (/ GDP): "
        "a rival's foothold to deny.",
        "Estimate: China's 'tens of billions' in Kazakhstan raise what Russia's answer "
        "decides (article); not in the record.",
    )
    stake_elite: NonNegative = param(
        0.3,
        "Weight in the decision of the requesting elite's affinity with the power.",
        "Estimate: a friendly government is worth keeping; not in the record.",
    )
    stake_audience: NonNegative = param(
        0.15,
        "Weight in the decision of the power's other allies watching: the regional weight "
        "of the other members in good standing of its alliances, as a share of the other "
        "states'.",
        "Estimate: an answer is given before an audience of allies (issue 11); not in the record.",
    )
    stake_regime: Number = param(
        1.08,
        "Weight in the decision of trouble that threatens the regime (an uprising or price "
        "shock whose threatens is 'regime', under way or in the two durations after it "
        "began).",
        RECORD + " Fitted: +1.08, 90% interval -0.09 to +2.25: troops came for three of "
        "four threatened regimes, and for none of seven borders, incursions or communal "
        "clashes. Replaces cost_internal, which charged the opposite on the requester's "
        "label.",
    )
    stake_abroad: Number = param(
        -0.59,
        "Weight in the decision of the independent observers' probability that armed "
        "groups from abroad take part (an uprising's or price shock's abroad; 1 while an "
        "external threat lasts: its duration, or to the end of the run without one).",
        RECORD + " Fitted: -0.59, 90% interval -1.91 to +0.72, mostly the prior's (the "
        "record cannot tell it from the regime's absence: every incursion was at a "
        "border).",
    )
    cost_stuck: NonNegative = param(
        1.0,
        "Cost in the decision of the risk of being stuck: the requester's unrest times the "
        "power's lack of reach there.",
        "Estimate: deployments far from bases and language last longer; not in the record.",
    )
    cost_hostility: NonNegative = param(
        1.0,
        "Cost in the decision of a hostile requesting public (its negative opinion of the power).",
        "Estimate: troops unwelcome by the public are a liability; not in the record.",
    )
    cost_ties: Number = param(
        0.25,
        "Cost in the decision of ties between the power and the source of the trouble (a "
        "shock whose origin names a state or power): 1 if the source is the power itself "
        "or its ally, else the source's security reliance on it.",
        RECORD + " Fitted: 0.25 (the coefficient's opposite), 90% interval -1.14 to "
        "+1.64, nearly the prior's (+-1.64): forces of a fellow member or a partner were "
        "fighting in Armenia 2020 and "
        "2021 (declined), the record's only requests with ties; the CSTO was not asked "
        "when its members Kyrgyzstan and Tajikistan fought in April 2021.",
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
        CAL.format(2),
    )
    credibility_loss: Share = param(
        0.25,
        "Fall in a power's credibility among alliance members after a declined request.",
        CAL.format(3),
    )
    nonmember_weight: Share = param(
        0.3,
        "Share of a credibility change that states outside the alliance perceive.",
        CAL.format(6),
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
        CAL.format(2),
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
        "Estimate: the requester is hurt most (issue 11); not in the record.",
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
        2.0, "Weight of a power's offer in a state's utility.", CAL.format(1)
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
        CAL.format(1),
    )
    # Salience of security
    salience_unrest: NonNegative = param(
        1.5, "How much unrest raises the weight of security.", CAL.format(2)
    )
    salience_threat: NonNegative = param(
        1.0, "How much an external threat raises the weight of security.", CAL.format(1)
    )
    # Reliance adjustment
    adjustment_rate: Share = param(
        0.01,
        "Share of the gap to the preferred reliance closed each week in calm times.",
        CAL.format(1),
    )
    crisis_adjustment: Share = param(
        0.25,
        "Extra share of the gap closed each week when security is fully salient.",
        CAL.format(2),
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
