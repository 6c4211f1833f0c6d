"""The shocks a scenario schedules: a discriminated union on ``type``.

Each shock happens ``at`` a date (``2022-01-05``) or a step number (``3``). The
loader checks that it falls inside the calendar and that every state, power or
alliance it names exists; the kernel (``shocks.py``) applies it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, Strict

from influence_sim.format.calendar import PositiveDurationField
from influence_sim.format.fields import Name, NonNegative, Number, Positive, Share, Spec

StepNumber = Annotated[int, Strict(), Field(ge=0)]
When = date | StepNumber
Domain = Literal["security", "economy"]
Threatens = Literal["regime", "population"]


class ShockBase(Spec):
    """What every shock has: when it happens and an optional label."""

    at: When = Field(
        description="When the shock happens: a date (YYYY-MM-DD) inside the calendar, or a step "
        "number counted from 0."
    )
    label: str | None = Field(
        None, description="A short text shown with the event in tables and plots."
    )
    source: str | None = Field(
        None, description="Where the shock comes from: a quote or a public record."
    )

    @property
    def words(self) -> str:
        """What the events table and the figures' keys say of it: its label, else its type."""
        return self.label or str(getattr(self, "type", "shock")).replace("_", " ")


class UprisingShock(ShockBase):
    """Grievance that feeds unrest in a state for a while (the January 2022 fuel-price riots)."""

    type: Literal["uprising"] = Field(description="An uprising: grievance feeding unrest.")
    state: Name = Field(description="The state where the uprising happens.")
    intensity: Share = Field(
        description="Grievance added to unrest each step while it lasts, in [0, 1]."
    )
    duration: PositiveDurationField = Field(
        "2 weeks",
        validate_default=True,
        description="How long the grievance lasts (rounded up to whole steps, at least one).",
    )
    threatens: Threatens = Field(
        "regime",
        description="What the trouble threatens, as independent observers saw it: 'regime' "
        "(unrest or civil war against the government) or 'population' (communal violence "
        "between groups of citizens). A lead power asked for troops weighs it "
        "(dynamics.stake_regime, estimated on the record of requests, docs/decisions.md).",
    )
    abroad: Share = Field(
        0.0,
        description="The independent observers' probability, in [0, 1], that armed groups "
        "from abroad were a substantial part of the violence: never the requesting "
        "government's framing (Kazakhstan 2022 is 0.1, not Tokayev's 'terrorist gangs "
        "trained abroad'). A lead power weighs it (dynamics.stake_abroad).",
    )
    origin: Name | None = Field(
        None,
        description="A state or power behind the trouble, if one is: a power tied to it, "
        "through an alliance or its reliance on the power, is less willing to step in "
        "(dynamics.cost_ties).",
    )


class PriceShock(ShockBase):
    """A price rises for a while (LPG from 60 to 120 tenge a litre on 1 January 2022).

    It adds hardship to every citizen of the state, or of one region
    (``population.price_hardship`` per doubling); without citizens it does nothing.
    """

    type: Literal["price_shock"] = Field(description="A price rise that citizens feel.")
    state: Name = Field(description="The state where the price rises.")
    region: Name | None = Field(
        None, description="The region it hits (population.states.<state>.regions); all if none."
    )
    size: Positive = Field(description="The rise as a share of the old price (1 = doubled).")
    duration: PositiveDurationField = Field(
        "2 weeks",
        validate_default=True,
        description="How long the higher price lasts, from its day (citizens live day by day).",
    )
    threatens: Threatens = Field(
        "regime",
        description="What the trouble that follows threatens, as for an uprising: 'regime' "
        "or 'population'.",
    )
    abroad: Share = Field(
        0.0,
        description="The independent observers' probability that armed groups from abroad "
        "took part in the trouble that follows, as for an uprising.",
    )
    origin: Name | None = Field(
        None, description="A state or power behind the trouble, as for an uprising."
    )


class SecurityRequestShock(ShockBase):
    """A government asks an alliance or a power for troops (Tokayev to the CSTO, 5 January 2022)."""

    type: Literal["security_request"] = Field(description="A request for foreign troops.")
    state: Name = Field(description="The state that asks.")
    to: Name = Field(
        description="The alliance (whose lead power decides and deploys) or the power asked."
    )


class InterventionShock(ShockBase):
    """Troops are deployed without a request being weighed: the decision is scripted."""

    type: Literal["intervention"] = Field(description="A forced deployment of troops.")
    by: Name = Field(description="The power, or the alliance whose lead power, deploys.")
    state: Name = Field(description="The state the troops go to.")
    size: Share = Field(1.0, description="Share of the power's deployable force sent, in [0, 1].")


class WithdrawalShock(ShockBase):
    """Deployed troops leave (the CSTO force completed its withdrawal on 19 January 2022)."""

    type: Literal["withdrawal"] = Field(description="Deployed troops leave.")
    by: Name = Field(description="The power, or the alliance whose lead power, withdraws.")
    state: Name = Field(description="The state the troops leave.")


class ExternalThreatShock(ShockBase):
    """A threat from outside the region (the Taliban in Kabul, August 2021)."""

    type: Literal["external_threat"] = Field(description="A threat from outside.")
    state: Name = Field(description="The state threatened.")
    level: Share = Field(description="The threat's level in [0, 1]; it replaces the current one.")
    duration: PositiveDurationField | None = Field(
        None,
        description="How long the threat stays at this level; without one it fades at the "
        "rate set by dynamics.threat_decay.",
    )
    origin: Name = Field(
        "armed_group",
        description="Where the threat comes from: 'armed_group' (an insurgency, the "
        "Taliban), or the name of a state or power behind it (a power tied to that "
        "source, through an alliance or the source's reliance on it, is less willing to "
        "answer a request while the threat lasts).",
    )


class OpinionShock(ShockBase):
    """News that moves a public's favourability of a power (reports from Xinjiang)."""

    type: Literal["opinion_shock"] = Field(description="A jump in public opinion.")
    state: Name = Field(description="The state whose public reacts.")
    power: Name = Field(description="The power whose favourability changes.")
    delta: Annotated[float, Strict(), Field(ge=-2.0, le=2.0)] = Field(
        description="Change in favourability, in [-2, 2]; the result is kept in [-1, 1]."
    )
    permanent: bool = Field(
        False,
        description="If true the public's baseline moves too; otherwise opinion drifts back.",
    )


class InvestmentShock(ShockBase):
    """A power invests in, or withdraws investment from, a state."""

    type: Literal["investment"] = Field(description="A change in a power's investment stock.")
    power: Name = Field(description="The investing power.")
    state: Name = Field(description="The state invested in.")
    amount: Number = Field(
        description="Change in the investment stock, USD billion (negative to divest); the "
        "stock is kept at zero or above."
    )


class CapacityChangeShock(ShockBase):
    """A power's capacity changes (a war elsewhere ties its forces down)."""

    type: Literal["capacity_change"] = Field(description="A change in a power's capacity.")
    power: Name = Field(description="The power affected.")
    domain: Domain = Field(description="Which capacity: security or economy.")
    factor: NonNegative = Field(
        description="Multiplier on the current capacity (0.5 halves it); the result is kept "
        "in [0, 1]."
    )


class SetShock(ShockBase):
    """Escape hatch: set any numeric parameter to a value at a date."""

    type: Literal["set"] = Field(description="Set a parameter to a value.")
    path: str = Field(
        description="Dotted path of a numeric parameter under states, powers, alliances or "
        "dynamics, such as powers.china.posture.kazakhstan."
    )
    value: Number = Field(description="The new value; it must be valid for that parameter.")


class TradeDisruptionShock(ShockBase):
    """An export route or a trade flow is cut for a while (the CPC pipeline in 2022)."""

    type: Literal["trade_disruption"] = Field(description="A route or trade flow cut.")
    power: Name = Field(
        description="The power whose territory the route crosses, or whose trade is cut."
    )
    state: Name = Field(description="The state whose exports or trade are cut.")
    channel: Literal["route", "trade"] = Field(
        "route",
        description="route: the state's exports crossing the power (powers.<p>.routes); "
        "trade: the state's trade with the power.",
    )
    severity: Share = Field(1.0, description="Share of the flow cut, in [0, 1].")
    duration: PositiveDurationField = Field(
        "4 weeks",
        validate_default=True,
        description="How long the cut lasts (rounded up to whole steps, at least one).",
    )
    coercive: bool = Field(
        True,
        description="True when the power cuts the flow to press the state (compliance, then "
        "resentment and diversification); false for an accident or a storm.",
    )


class SanctionsShock(ShockBase):
    """Others sanction a power: its trade and finance with the region are cut."""

    type: Literal["sanctions"] = Field(description="Sanctions on a power.")
    power: Name = Field(description="The power sanctioned.")
    severity: Share = Field(
        description="Share of the power's trade with every state, and of its new investment "
        "and loans, that is cut, in [0, 1]."
    )
    duration: PositiveDurationField | None = Field(
        None, description="How long the sanctions last; without one, to the end of the run."
    )


class HostEconomyShock(ShockBase):
    """A power's economy as host and market moves (the rouble's fall of 2014-15)."""

    type: Literal["host_economy"] = Field(description="A change in a power's host economy.")
    power: Name = Field(description="The power whose economy moves.")
    level: Positive = Field(
        description="The new host-economy index (1 = as at the start of the run; what "
        "migrants earn there and what its market buys, in dollars)."
    )
    permanent: bool = Field(
        True,
        description="If true the index stays near the new level; otherwise it reverts to its "
        "trend at the rate dynamics.host_reversion.",
    )


class LoanShock(ShockBase):
    """A power lends to a state (a credit line from China's Exim Bank)."""

    type: Literal["loan"] = Field(description="A loan from a power to a state.")
    power: Name = Field(description="The lending power.")
    state: Name = Field(description="The borrowing state.")
    amount: Positive = Field(description="The amount lent, USD billion.")
    disbursed_over: PositiveDurationField = Field(
        "1 year",
        validate_default=True,
        description="The loan's terms: it is paid out evenly over this time (a benefit while it "
        "flows), then repaid at the rate dynamics.debt_amortization.",
    )


class MigrationPolicyShock(ShockBase):
    """A host power opens or closes its door to migrants (Russia's rules after March 2024)."""

    type: Literal["migration_policy"] = Field(description="A host power's migration policy.")
    power: Name = Field(description="The host power.")
    state: Name | None = Field(
        None, description="The state whose migrants are concerned; without one, every state."
    )
    access: Share = Field(
        description="Share of the usual access kept: 0 closes the door, 1 leaves it open; "
        "the migrant stock moves toward it over years."
    )
    duration: PositiveDurationField | None = Field(
        None, description="How long the policy lasts; without one, to the end of the run."
    )
    coercive: bool = Field(
        False,
        description="True when the door is closed to press the state (as a route cut is).",
    )


Shock = Annotated[
    UprisingShock
    | PriceShock
    | SecurityRequestShock
    | InterventionShock
    | WithdrawalShock
    | ExternalThreatShock
    | OpinionShock
    | InvestmentShock
    | CapacityChangeShock
    | TradeDisruptionShock
    | SanctionsShock
    | HostEconomyShock
    | LoanShock
    | MigrationPolicyShock
    | SetShock,
    Field(discriminator="type"),
]
