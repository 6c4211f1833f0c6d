"""The population layer's settings: citizens on lattices, how they protest and what they think.

``population.unrest: citizens`` switches a scenario from scripted unrest (an ``uprising``
shock's grievance) to unrest that emerges from citizens (Epstein 2002), and public
opinion from theirs (Deffuant et al. 2000). Each field carries its default's source, as
the behavioural parameters do (``docs/parameters.md``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, Strict, field_validator

from influence_sim.format.calendar import PositiveDurationField
from influence_sim.format.fields import Name, NonNegative, Positive, Share, Spec

EPSTEIN = (
    "Epstein (2002), 'Modeling civil violence: An agent-based computational approach', PNAS 99 "
    "(suppl. 3), and the NetLogo Rebellion model's defaults."
)
DEFFUANT = (
    "Deffuant, Neau, Amblard and Weisbuch (2000), 'Mixing beliefs among interacting agents', "
    "Advances in Complex Systems 3: bounded confidence; a typical setting, not a measurement."
)
_CAL = "Calibration, not a measurement: chosen so the emergent kazakhstan-2022 {}."
CAPT = (
    "Oxus Society, Central Asia Protest Tracker (CAPT), in 'Mapping Patterns of Dissent in "
    "Eurasia' (2020): 981 protests 1 January 2018 - 31 August 2020, Kazakhstan 520, "
    "Kyrgyzstan 351, Uzbekistan 74, Tajikistan 27, Turkmenistan 9. Sets the order of the "
    "states' quiet-time protest, not its level."
)


def _param(default: Any, description: str, source: str) -> Any:
    return Field(default, description=description, json_schema_extra={"source": source})


class StatePopulation(Spec):
    """One state's citizens: its regions, its rulers' legitimacy, its police, its ties."""

    regions: list[Name] = Field(
        default_factory=list,
        description="The state's regions, one lattice of citizens each (unrest spreads between "
        "them); none: one region named after the state.",
    )
    legitimacy: Share | None = Field(
        None,
        description="Legitimacy of the government in its citizens' eyes, in [0, 1]; "
        "population.legitimacy if not given.",
    )
    police: Share | None = Field(
        None,
        description="Police officers per cell of the lattice; population.police if not given.",
    )
    elite_cohesion: Share = Field(
        1.0,
        description="How united the ruling elite is, in [0, 1]; below 1 legitimacy falls by "
        "population.cohesion_weight times the split.",
    )
    ties: dict[Name, Share] = Field(
        default_factory=dict,
        description="Share of citizens with language or diaspora ties to each power: they take "
        "its help more warmly and its troops less badly (population.tie_weight).",
    )

    @field_validator("regions")
    @classmethod
    def _distinct(cls, regions: list[str]) -> list[str]:
        if len(set(regions)) != len(regions):
            raise ValueError("a region is named twice")
        return regions


Side = Annotated[int, Strict(), Field(ge=8, le=256, multiple_of=8)]


class Population(Spec):
    """Citizens whose protest and opinions emerge (``unrest: citizens``), or not (``scripted``)."""

    unrest: Literal["scripted", "citizens"] = Field(
        "scripted",
        description="'scripted': unrest follows uprising shocks (the model without citizens); "
        "'citizens': unrest is the share of citizens in open protest, and public opinion "
        "their average.",
        json_schema_extra={
            "source": "Setting: the population layer is switched off unless "
            "a scenario switches it on (docs/ODD.md, Population)."
        },
    )
    side: Side = _param(
        32,
        "Side of each region's lattice (cells; a multiple of 8).",
        "Setting: 32 x 32 cells hold 716 citizens at density 0.7; Epstein's own runs use 40 x 40.",
    )
    density: Share = _param(0.7, "Citizens per cell.", EPSTEIN)
    police: Share = _param(0.04, "Police officers per cell, where a state does not say.", EPSTEIN)
    vision: Annotated[int, Strict(), Field(ge=1, le=20)] = _param(
        7, "How far a citizen or officer sees (cells, a disk).", EPSTEIN
    )
    legitimacy: Share = _param(
        0.82,
        "Legitimacy where a state does not say.",
        EPSTEIN + " Kazakhstan's own is set in the scenario.",
    )
    arrest_constant: Positive = _param(
        2.3, "k in the estimated arrest probability 1 - exp(-k round(C / (A + 1))).", EPSTEIN
    )
    threshold: Share = _param(
        0.1,
        "A citizen protests when grievance minus risk aversion times the arrest "
        "probability exceeds this.",
        EPSTEIN,
    )
    max_jail: PositiveDurationField = Field(
        "30 days",
        validate_default=True,
        description="Longest jail term (a term is uniform from 0 up to it, in days).",
        json_schema_extra={"source": EPSTEIN},
    )
    rounding: Literal["round", "floor"] = _param(
        "round",
        "How C / (A + 1) is made whole: 'round' (Epstein's text, Mesa's example) or "
        "'floor' (NetLogo).",
        EPSTEIN,
    )
    price_hardship: NonNegative = _param(
        1.0,
        "Hardship added to every citizen of a region per doubling of a price (price_shock size 1).",
        _CAL.format(
            "protests within days of the LPG price doubling (60 to 120 tenge a "
            "litre, 1 January 2022)"
        ),
    )
    distress_hardship: NonNegative = _param(
        0.3,
        "Hardship added to every citizen per unit of the state's economic distress.",
        "Estimate: the economy's losses weigh on citizens as a price rise does, at a little "
        "less; not fitted.",
    )
    uprising_hardship: NonNegative = _param(
        0.5,
        "Hardship added per unit of a scripted uprising's intensity when citizens are on.",
        "Estimate: lets scripted uprisings still act on citizens; not fitted.",
    )
    spread: NonNegative = _param(
        0.15,
        "Grievance added per unit share of citizens protesting in the state's other regions "
        "(news of protest elsewhere).",
        "Estimate, below the edge (about 0.3 on kazakhstan-2022-citizens) past which protest "
        "that has spread between regions sustains itself and never ends; at 0.15 it stays "
        "in Mangystau, so the spread to Almaty of 4-5 January 2022 is not reproduced "
        "(docs/ODD.md, Population).",
    )
    backlash: NonNegative = _param(
        0.005,
        "Legitimacy lost per unit share of citizens arrested in a week (repression's backlash).",
        "Estimate, in the direction of Lichbach (1987) 'Deterrence or escalation?'; not fitted.",
    )
    legitimacy_recovery: Share = _param(
        0.05,
        "Share of the gap between legitimacy and its level that closes each week.",
        "Estimate: a lost year of legitimacy recovers in about a year; not fitted.",
    )
    cohesion_weight: Share = _param(
        0.2,
        "Legitimacy lost when the elite is wholly split (elite_cohesion 0).",
        "Estimate: an elite split costs a government a fifth of its legitimacy; not fitted.",
    )
    troop_police: Share = _param(
        0.15,
        "Officers per cell that a power's whole deployable force adds where it is deployed, "
        "scaled by its reach (language, bases); they deter and arrest as police do.",
        _CAL.format("restores order faster with the CSTO's troops than without"),
    )
    opinion_spread: Share = _param(
        0.3,
        "Half-width of citizens' opinions around their state's at the start.",
        "Assumption: opinion polls show wide disagreement within each state.",
    )
    confidence: Share = _param(
        0.4,
        "Bounded confidence: citizens whose opinions differ by "
        "less than this move toward each other.",
        DEFFUANT,
    )
    convergence: Share = _param(0.3, "How far each moves toward the other (mu).", DEFFUANT)
    meetings: Annotated[int, Strict(), Field(ge=0, le=50)] = _param(
        2, "Meetings per citizen per step (a neighbour each).", DEFFUANT
    )
    tie_weight: Share = _param(
        0.5,
        "How much more tied citizens welcome a power's help and how much less they resent its "
        "troops (1 + w and 1 - w).",
        "Estimate: Russian-speaking citizens judged the CSTO's Russian troops less harshly "
        "(article: troops who speak the local language); not fitted.",
    )
    states: dict[Name, StatePopulation] = Field(
        default_factory=dict, description="Each state's citizens, by id; others get the defaults."
    )

    @property
    def citizens(self) -> bool:
        """Whether citizens drive unrest and opinion."""
        return self.unrest == "citizens"

    def regions_of(self, state: str) -> list[str]:
        """The regions of a state (its own name when it lists none)."""
        spec = self.states.get(state)
        return list(spec.regions) if spec is not None and spec.regions else [state]
