"""Constrained value types shared by the scenario and sweep schemas."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints

NAME_PATTERN = r"^[a-z][a-z0-9_-]{0,39}$"

Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]
"""An identifier: lowercase letters, digits, ``_`` or ``-``, starting with a letter."""

Share = Annotated[float, Strict(), Field(ge=0.0, le=1.0)]
"""A share or level in [0, 1]."""

Signed = Annotated[float, Strict(), Field(ge=-1.0, le=1.0)]
"""A favourability or affinity in [-1, 1]."""

Positive = Annotated[float, Strict(), Field(gt=0.0)]
"""A finite number above zero."""

NonNegative = Annotated[float, Strict(), Field(ge=0.0)]
"""A finite number, zero or above."""

Number = Annotated[float, Strict()]
"""Any finite number."""

SecurityTool = Literal[
    "troops",
    "bases",
    "arms_supply",
    "training",
    "intelligence_sharing",
    "police_cooperation",
    "surveillance",
    "paramilitary_police",
]
"""What a power can offer a state for its security (``powers.<power>.security_tools``)."""


class Spec(BaseModel):
    """Base of every schema model: unknown keys, NaN and infinity are errors."""

    model_config = ConfigDict(
        extra="forbid",
        allow_inf_nan=False,
        validate_default=False,
        use_attribute_docstrings=False,
        str_max_length=10_000,
    )


def field_source(model: type[BaseModel], name: str) -> str | None:
    """The source a model's field gives for its default (``json_schema_extra["source"]``)."""
    field = model.model_fields.get(name)
    if field is None or not isinstance(field.json_schema_extra, dict):
        return None
    source = field.json_schema_extra.get("source")
    return source if isinstance(source, str) else None


Scaling = Literal["rate", "sqrt", "linear", "yearly"]
"""How a parameter scales with the step: a weekly share (``1 - (1 - r) ** weeks``), a
weekly standard deviation (``x * sqrt(weeks)``), a weekly amount (``x * weeks``), or a
yearly growth (``(1 + g) ** (days / 365.25) - 1``). Parameters without one do not
depend on the step."""


def param(default: float, description: str, source: str, per_step: Scaling | None = None) -> Any:
    """A parameter's field: its default, what it means, its source, how it scales."""
    extra: dict[str, Any] = {"source": source}
    if per_step is not None:
        extra["scaling"] = per_step
    return Field(default, description=description, json_schema_extra=extra)
