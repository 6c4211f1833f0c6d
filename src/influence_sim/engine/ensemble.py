"""The ensemble driver: the kernel over many replications at once.

Replication ``r`` of a run with seed ``seed`` draws its noise from a counter-based
stream keyed by ``stream_keys(seed, (r,))`` (``engine.draws``), whichever driver runs
it and however the replications are split, so results are bit-identical between the
Mesa driver, the ensemble, and any partition of the ensemble into parts. A sweep
gives run ``(point, replication)`` the spawn key ``(point, replication)``.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from influence_sim.engine.citizenry import PopParams
from influence_sim.engine.compile import Compiled
from influence_sim.engine.draws import StepNoise, UInt, stream_keys
from influence_sim.engine.kernel import Dyn, Params, State, StepEvents, noise_width, step
from influence_sim.engine.trajectory import Recorder, Trajectory
from influence_sim.errors import InfluenceSimError

Observer = Callable[[int, State, StepEvents], None]
"""Called after each step with the number of steps done, the state and the step's events."""


def seed_sequence(seed: int, replication: int) -> np.random.SeedSequence:
    """A replication's seed sequence, for generators outside the kernel (Mesa's own ``rng``)."""
    return np.random.SeedSequence(seed, spawn_key=(replication,))


def replication_keys(seed: int, first: int, replications: int) -> UInt:
    """The noise keys of replications ``first`` to ``first + replications - 1`` of a run."""
    return stream_keys(seed, np.arange(first, first + replications)[:, None])


def replicate(state: State, replications: int) -> State:
    """The first replication's state repeated ``replications`` times."""
    out = state.copy()
    for name, value in vars(out).items():
        if isinstance(value, np.ndarray):
            setattr(out, name, np.repeat(value[:1], replications, axis=0))
    return out


STRUCTURE = ("alliance_lead", "alliance_members", "alliance_deploys", "alliance_responds")
"""Parameters without a batch axis: who leads and belongs, the same for every row."""


def schedule_signature(compiled: Compiled, digests: dict[int, bytes] | None = None) -> bytes:
    """A digest of a compiled scenario's calendar, shocks and structure.

    Scenarios with the same signature differ only in parameters with a batch axis and in
    their starting state, so they can run as rows of one batch (``stack``).

    Args:
        compiled: The compiled scenario.
        digests: Where digests of schedules already hashed are kept by the schedule's
            ``id``, for a caller that signs many scenarios sharing one schedule (a
            sweep's points) while they are all alive.
    """
    key = id(compiled.schedule)
    steps = None if digests is None else digests.get(key)
    if steps is None:
        steps = _steps_digest(compiled)
        if digests is not None:
            digests[key] = steps
    structure = [getattr(compiled.params, name).tobytes() for name in STRUCTURE]
    pop = compiled.params.pop
    structure.append(pickle.dumps(pop.setup.signature() if pop is not None else None))
    return hashlib.sha256(pickle.dumps((steps, compiled.timeline, structure))).digest()


def _steps_digest(compiled: Compiled) -> bytes:
    """A digest of a compiled scenario's shocks, step by step."""
    steps = [
        (
            s.grievance.tobytes(),
            s.threat_hold.tobytes(),
            s.waiting.tobytes(),
            s.threat_set,
            s.requests,
            s.interventions,
            s.withdrawals,
            s.opinion,
            s.investment,
            s.capacity,
            s.sets,
            s.price.tobytes(),
        )
        for s in compiled.schedule.steps
    ]
    return hashlib.sha256(pickle.dumps(steps)).digest()


def stack(compiled: Sequence[Compiled], rows: NDArray[np.int64]) -> tuple[Params, State]:
    """Parameters and starting states of a batch whose row ``i`` runs ``compiled[rows[i]]``.

    The scenarios must share one ``schedule_signature``: the first one's schedule and
    structure are the batch's. One scenario broadcasts its parameters instead of
    repeating them.
    """
    first = compiled[0]
    if len(compiled) == 1:
        return first.params.copy(), replicate(first.initial, len(rows))

    def take(values: list[np.ndarray]) -> np.ndarray:
        return np.concatenate([v[:1] for v in values])[rows]

    def rows_of(holders: list[Any], like: Any) -> dict[str, Any]:
        """Array fields row by row, groups (``dyn``, ``pop``) field by field, the rest as is.

        The rest: alliance structure (no batch axis), the citizens' set-up, no citizens.
        """
        out: dict[str, Any] = {}
        for name, value in vars(like).items():
            if name in STRUCTURE or not isinstance(value, np.ndarray | Dyn | PopParams):
                out[name] = value
            elif isinstance(value, np.ndarray):
                out[name] = take([getattr(h, name) for h in holders])
            else:
                out[name] = type(value)(**rows_of([getattr(h, name) for h in holders], value))
        return out

    params = Params(**rows_of([c.params for c in compiled], first.params))
    state = {
        name: take([getattr(c.initial, name) for c in compiled]) for name in vars(first.initial)
    }
    return params, State(**state)


def batch_rows(params: Params) -> int:
    """How many rows a batch's parameters have: 1 (shared by every run) or one per run.

    Every array with a batch axis (the parameters, ``dyn``'s and ``pop``'s, not the
    alliance structure) must have the same number of rows, as ``stack`` and
    ``Compiled.params`` make them: the kernel picks a run's row of every parameter
    by one rule, so a mix would read some parameters at another run's row.

    Raises:
        InfluenceSimError: If some arrays are shared (one row) and others are not.
    """
    rows: dict[int, str] = {}

    def walk(holder: Any, prefix: str) -> None:
        for name, value in vars(holder).items():
            if name in STRUCTURE:
                continue
            if isinstance(value, np.ndarray):
                rows.setdefault(int(value.shape[0]), prefix + name)
            elif isinstance(value, Dyn | PopParams):
                walk(value, f"{prefix}{name}.")

    walk(params, "")
    if len(rows) > 1:
        (a, first), (b, second) = sorted(rows.items())[:2]
        raise InfluenceSimError(
            f"parameters with {a} and {b} rows in one batch ({first}: {a}, {second}: {b}); "
            "every parameter must have one row (shared by all runs) or one per run: build "
            "the batch with engine.ensemble.stack, or repeat the shared ones"
        )
    return next(iter(rows), 1)


def simulate(
    compiled: Compiled,
    params: Params,
    state: State,
    keys: UInt,
    observers: Sequence[Observer] = (),
) -> State:
    """Step a batch through the whole calendar, in place; the lowest-level driver.

    Args:
        compiled: The compiled scenario (its schedule and calendar).
        params: Parameters, all with one row or all with one row per replication
            (``batch_rows``); changed by ``set`` shocks, so pass a copy.
        state: The batch's starting state; changed in place.
        keys: One noise key per replication (``replication_keys``).
        observers: Called after every step.

    Returns:
        The final state.

    Raises:
        InfluenceSimError: If the parameters' rows are mixed, or are neither 1 nor the
            batch's replications.
    """
    rows = batch_rows(params)
    if rows not in (1, state.n_replications):
        raise InfluenceSimError(
            f"parameters with {rows} rows for a batch of {state.n_replications} replications: "
            "expected 1 (shared) or one per replication"
        )
    width = noise_width(params.n_states, params.n_powers, params.pop is not None)
    keys = np.ascontiguousarray(keys, dtype=np.uint64)
    for t in range(compiled.timeline.n_steps):
        events = step(state, params, compiled.schedule[t], StepNoise(keys, t, width))
        for observe in observers:
            observe(t + 1, state, events)
    return state


def run_ensemble(
    compiled: Compiled,
    replications: int,
    seed: int,
    *,
    first: int = 0,
    record_every: int = 1,
    observers: Sequence[Observer] = (),
    batch: tuple[Params, State] | None = None,
) -> Trajectory:
    """Run replications ``first`` to ``first + replications - 1`` of a compiled scenario.

    Args:
        compiled: The compiled scenario.
        replications: How many replications.
        seed: The run's seed.
        first: The number of the first replication (to run an ensemble in parts).
        record_every: Keep the state every this many steps (and the last).
        observers: Called after each step, after the recording.
        batch: Parameters and starting states per replication (``stack``), when the
            replications do not all run ``compiled``'s (parameters drawn from a
            posterior); changed in place.

    Returns:
        The recorded trajectory.
    """
    params, state = batch if batch is not None else (compiled.params.copy(), None)
    if state is None:
        state = replicate(compiled.initial, replications)
    recorder = Recorder(compiled, replications, record_every, first)
    recorder.record(0, state)

    def record(done: int, now: State, events: StepEvents) -> None:
        recorder.events(done - 1, events)
        recorder.record(done, now)

    keys = replication_keys(seed, first, replications)
    simulate(compiled, params, state, keys, [record, *observers])
    return recorder.trajectory
