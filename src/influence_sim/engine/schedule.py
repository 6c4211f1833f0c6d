"""Applying the shocks scheduled for a step to the kernel's state and parameters.

The compiler turns a scenario's shocks into a :class:`Schedule`: dense per-step
arrays for what lasts (grievance from uprisings, threats held at a level) and,
for each step, the discrete shocks that happen then, already translated from
names to indices. Every shock applies to every replication alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from influence_sim.engine.state import Params, State

Target = Literal["state", "params", "dyn"]


@dataclass(frozen=True)
class Setter:
    """Where a ``set`` shock writes: an array of the state, the parameters or the dynamics.

    Attributes:
        target: Which object holds the array.
        name: The array's attribute name.
        index: The index after the batch axis (``...`` selects everything).
        value: The value to write, already in the kernel's units.
    """

    target: Target
    name: str
    index: tuple[int | slice, ...]
    value: float


@dataclass
class StepShocks:
    """What the schedule applies in one step."""

    grievance: NDArray[np.float64]  # (S,) summed intensity of active uprisings
    threat_hold: NDArray[np.bool_]  # (S,) threats held at their level this step
    waiting: NDArray[np.bool_]  # (S,) a request of the state's is scripted for a later step
    threat_set: list[tuple[int, float]] = field(default_factory=list)
    requests: list[tuple[int, int]] = field(default_factory=list)  # (state, alliance or -(p+2))
    interventions: list[tuple[int, int, float]] = field(
        default_factory=list
    )  # (power, state, size)
    withdrawals: list[tuple[int, int]] = field(default_factory=list)  # (power, state)
    opinion: list[tuple[int, int, float, bool]] = field(default_factory=list)
    investment: list[tuple[int, int, float]] = field(default_factory=list)
    capacity: list[tuple[int, int, float]] = field(default_factory=list)  # (power, domain, factor)
    sets: list[list[Setter]] = field(default_factory=list)
    applied: list[int] = field(default_factory=list)  # indices into the scenario's shocks


@dataclass
class Schedule:
    """The shocks of a whole run, by step."""

    steps: list[StepShocks]

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, step: int) -> StepShocks:
        return self.steps[step]


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
    for setters in shocks.sets:
        for setter in setters:
            holder = {"state": state, "params": params, "dyn": params.dyn}[setter.target]
            array = getattr(holder, setter.name)
            array[(slice(None), *setter.index)] = setter.value
    return shocks.interventions, shocks.withdrawals
