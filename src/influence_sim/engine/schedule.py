"""The shocks of a run, step by step, as the kernel reads them.

The compiler turns a scenario's shocks into a :class:`Schedule`: dense per-step
arrays for what lasts (grievance from uprisings, threats held at a level) and,
for each step, the discrete shocks that happen then, already translated from
names to indices. Every shock applies to every replication alike; applying them is
the first stage of a step (``kernel.apply_shocks``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

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
class EconomyShocks:
    """The economic shocks in force in one step (rows of the schedule's dense arrays)."""

    route_cut: NDArray[np.float64]  # (P, S) share of the exports crossing the power cut
    trade_cut: NDArray[np.float64]  # (P, S) share of the trade with the power cut
    coercion: NDArray[np.float64]  # (P, S) pressure the power puts on the state, [0, 1]
    access: NDArray[np.float64]  # (P, S) share of migrants' usual access kept
    finance_cut: NDArray[np.float64]  # (P,) share of the power's new investment and loans cut
    credit: NDArray[np.float64]  # (P, S) USD billion lent this step

    @classmethod
    def none(cls, n_powers: int, n_states: int) -> EconomyShocks:
        """No economic shock in force."""
        shape = (n_powers, n_states)
        zeros = np.zeros(shape)
        return cls(zeros, zeros, zeros, np.ones(shape), np.zeros(n_powers), zeros)


@dataclass
class StepShocks:
    """What the schedule applies in one step."""

    grievance: NDArray[np.float64]  # (S,) summed intensity of active uprisings
    threat_hold: NDArray[np.bool_]  # (S,) threats held at their level this step
    waiting: NDArray[np.bool_]  # (S,) a request of the state's is scripted for a later step
    economy: EconomyShocks
    regime: NDArray[np.bool_]  # (S,) trouble under way that threatens the regime
    abroad: NDArray[np.float64]  # (S,) observers' probability of armed groups from abroad
    source: NDArray[np.int64]  # (S,) a named source of the trouble: a state, -(power + 2), or -1
    price: NDArray[np.float64]  # (D, G) price rises in force each day in each region
    threat_set: list[tuple[int, float]] = field(default_factory=list)
    requests: list[tuple[int, int]] = field(default_factory=list)  # (state, alliance or -(p+2))
    interventions: list[tuple[int, int, float]] = field(
        default_factory=list
    )  # (power, state, size)
    withdrawals: list[tuple[int, int]] = field(default_factory=list)  # (power, state)
    opinion: list[tuple[int, int, float, bool]] = field(default_factory=list)
    investment: list[tuple[int, int, float]] = field(default_factory=list)
    capacity: list[tuple[int, int, float]] = field(default_factory=list)  # (power, domain, factor)
    host: list[tuple[int, float, bool]] = field(default_factory=list)  # (power, level, permanent)
    sets: list[list[Setter]] = field(default_factory=list)
    applied: list[int] = field(default_factory=list)  # indices into the scenario's shocks

    @classmethod
    def quiet(cls, n_states: int, n_powers: int, **events: Any) -> StepShocks:
        """A step without lasting shocks; ``events`` are its discrete ones (``requests=``)."""
        return cls(
            np.zeros(n_states),
            np.zeros(n_states, dtype=bool),
            np.zeros(n_states, dtype=bool),
            EconomyShocks.none(n_powers, n_states),
            np.zeros(n_states, dtype=bool),
            np.zeros(n_states),
            np.full(n_states, -1, dtype=np.int64),
            np.zeros((1, 0)),
            **events,
        )


@dataclass
class Schedule:
    """The shocks of a whole run, by step."""

    steps: list[StepShocks]

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, step: int) -> StepShocks:
        return self.steps[step]
