"""Recording a run: the state at the recorded steps, and what happened, as arrays and rows.

Row ``k`` of a trajectory is the state after ``k`` steps (row 0 is the start), so a
shock applied during step ``k`` shows from row ``k + 1`` on. Events are stamped with
the step during which they happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from influence_sim.engine.compile import Compiled
from influence_sim.engine.kernel import State, StepEvents
from influence_sim.engine.leaving import HOST_ASKS, ORDER_RESTORED
from influence_sim.engine.state import AGAINST, REASONS

RECORDED = (
    "reliance",
    "salience",
    "unrest",
    "threat",
    "opinion",
    "credibility",
    "posture",
    "deployed",
    "investment",
    "capacity",
    "econ",
    "trade",
    "remittances",
    "debt",
    "host",
    "distress",
    "resentment",
    "diversion",
    "memory",
)
"""The state arrays every trajectory keeps."""

CITIZENS_RECORDED = ("legitimacy", "jailed")
"""The state arrays a trajectory also keeps when citizens drive unrest."""


def recorded(compiled: Compiled) -> tuple[str, ...]:
    """The state arrays a run of ``compiled`` keeps."""
    return RECORDED + (CITIZENS_RECORDED if compiled.params.pop is not None else ())


WHY_LEFT = {ORDER_RESTORED: "order restored", HOST_ASKS: "the host asks them to leave"}
"""The detail of a withdrawal the situation decided (a scripted one has none)."""

EventRow = tuple[int, int, str, str, str, str]
"""(replication, step, kind, actor, target, detail)."""


def record_steps(n_steps: int, every: int) -> NDArray[np.int64]:
    """The rows kept: every ``every`` steps from 0, and always the last."""
    steps = list(range(0, n_steps + 1, every))
    if steps[-1] != n_steps:
        steps.append(n_steps)
    return np.array(steps, dtype=np.int64)


@dataclass
class Trajectory:
    """The recorded arrays of a run, each shaped ``(R, rows, ...)``, and its event rows."""

    steps: NDArray[np.int64]
    arrays: dict[str, NDArray[np.float64]]
    events: list[EventRow] = field(default_factory=list)

    def __getitem__(self, name: str) -> NDArray[np.float64]:
        return self.arrays[name]


class Recorder:
    """Keeps a run's state at the recorded steps and turns step events into rows.

    Args:
        compiled: The compiled scenario (for names).
        replications: How many replications the state holds.
        every: Record every this many steps (the last step is always recorded).
        first: The replication number of the state's first row (for ensembles run in parts).
    """

    def __init__(self, compiled: Compiled, replications: int, every: int = 1, first: int = 0):
        self.compiled = compiled
        self.first = first
        steps = record_steps(compiled.timeline.n_steps, every)
        self.row_of = {int(s): i for i, s in enumerate(steps)}
        initial = compiled.initial
        self.trajectory = Trajectory(
            steps,
            {
                name: np.zeros((replications, len(steps), *getattr(initial, name).shape[1:]))
                for name in recorded(compiled)
            },
        )

    def record(self, step: int, state: State) -> None:
        """Keep the state after ``step`` steps, if that row is recorded."""
        row = self.row_of.get(step)
        if row is None:
            return
        for name, array in self.trajectory.arrays.items():
            array[:, row] = getattr(state, name)

    def events(self, step: int, events: StepEvents) -> None:
        """Turn one step's events into rows."""
        c = self.compiled
        rows = self.trajectory.events
        r_n = events.accepted.shape[0]
        names = c.powers
        for index in events.shocks.applied:
            shock = c.scenario.shocks[index]
            actor, target = shock_parties(shock)
            detail = shock.words
            rows.extend(
                (self.first + r, step, f"shock:{shock.type}", actor, target, detail)
                for r in range(r_n)
            )
        asked = np.nonzero(events.asked != -1)
        for r, s in zip(*asked, strict=True):
            code = int(events.asked[r, s])
            to = c.alliances[code] if code >= 0 else names[-code - 2]
            rows.append((self.first + int(r), step, "request", c.states[s], to, "asks for troops"))
            lead = names[int(events.requested[r, s])]
            why = explain(int(events.reasons[r, s]))
            detail = f"via {to}; {why}" if why else f"via {to}"
            if events.accepted[r, s]:
                rows.append((self.first + int(r), step, "accept", lead, c.states[s], detail))
            if events.declined[r, s]:
                rows.append((self.first + int(r), step, "decline", lead, c.states[s], detail))
        for kind, mask in (
            ("arrival", events.arrived),
            ("order_restored", events.restored),
            ("withdrawal", events.withdrawn),
        ):
            for r, p, s in zip(*np.nonzero(mask), strict=True):
                why = WHY_LEFT.get(int(events.left[r, p, s]), "") if kind == "withdrawal" else ""
                rows.append((self.first + int(r), step, kind, names[p], c.states[s], why))
        for kind, mask, detail in (
            ("freeze", events.frozen, "freezes its participation"),
            ("exit", events.exited, "leaves"),
        ):
            for r, a, s in zip(*np.nonzero(mask), strict=True):
                rows.append((self.first + int(r), step, kind, c.states[s], c.alliances[a], detail))
        for r, p in zip(*np.nonzero(events.alarmed), strict=True):
            rows.append(
                (self.first + int(r), step, "reassessment", names[p], "", "raises its posture")
            )


def explain(bits: int) -> str:
    """The reasons a decision recorded, as text: ``for: a regime threatened; against: ...``."""
    pro = [name for i, name in enumerate(REASONS) if bits >> i & 1]
    con = [name for i, name in enumerate(REASONS) if bits >> (AGAINST + i) & 1]
    parts = [f"for: {', '.join(pro)}"] if pro else []
    parts += [f"against: {', '.join(con)}"] if con else []
    return "; ".join(parts)


def shock_parties(shock: Any) -> tuple[str, str]:
    """A shock's actor and target, as the events table names them."""
    actor = getattr(shock, "by", None) or getattr(shock, "power", None) or ""
    target = getattr(shock, "state", None) or getattr(shock, "path", None) or ""
    if getattr(shock, "to", None):
        actor, target = shock.state, shock.to
    return str(actor), str(target)
