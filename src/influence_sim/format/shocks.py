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
from influence_sim.format.fields import Name, NonNegative, Number, Share, Spec

StepNumber = Annotated[int, Strict(), Field(ge=0)]
When = date | StepNumber
Domain = Literal["security", "economy"]


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


Shock = Annotated[
    UprisingShock
    | SecurityRequestShock
    | InterventionShock
    | WithdrawalShock
    | ExternalThreatShock
    | OpinionShock
    | InvestmentShock
    | CapacityChangeShock
    | SetShock,
    Field(discriminator="type"),
]
