"""The ensemble driver: the kernel over many replications at once.

Replication ``r`` of a run with seed ``seed`` draws its noise from
``numpy.random.SeedSequence(seed, spawn_key=(r,))``, whichever driver runs it and
however the replications are split, so results are bit-identical between the
Mesa driver, the ensemble, and any partition of the ensemble into parts.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from influence_sim.compile import Compiled
from influence_sim.kernel import State, StepEvents, noise_width, step
from influence_sim.trajectory import Recorder, Trajectory

NOISE_BLOCK = 32
"""Steps of noise drawn at a time per replication (the stream is the same for any block)."""


def seed_sequence(seed: int, replication: int) -> np.random.SeedSequence:
    """The seed sequence of one replication: the same for every driver."""
    return np.random.SeedSequence(seed, spawn_key=(replication,))


class Noise:
    """Standard normal draws for a batch of replications, each from its own generator.

    Args:
        seed: The run's seed.
        replications: Which replications, by number.
        width: Draws per replication per step.
    """

    def __init__(self, seed: int, replications: range, width: int) -> None:
        self.generators = [np.random.default_rng(seed_sequence(seed, r)) for r in replications]
        self.width = width
        self.block = np.empty((len(self.generators), NOISE_BLOCK, width))

    def draw(self, t: int) -> NDArray[np.float64]:
        """The draws for step ``t`` (steps must be drawn in order), ``(R, width)``."""
        offset = t % NOISE_BLOCK
        if offset == 0:
            for row, generator in zip(self.block, self.generators, strict=True):
                generator.standard_normal(out=row)
        return self.block[:, offset]


def replicate(state: State, replications: int) -> State:
    """The first replication's state repeated ``replications`` times."""
    out = state.copy()
    for name, value in vars(out).items():
        if isinstance(value, np.ndarray):
            setattr(out, name, np.repeat(value[:1], replications, axis=0))
    return out


def run_ensemble(
    compiled: Compiled,
    replications: int,
    seed: int,
    *,
    first: int = 0,
    record_every: int = 1,
    on_step: Callable[[int, State, StepEvents], None] | None = None,
) -> Trajectory:
    """Run replications ``first`` to ``first + replications - 1`` of a compiled scenario.

    Args:
        compiled: The compiled scenario.
        replications: How many replications.
        seed: The run's seed.
        first: The number of the first replication (to run an ensemble in parts).
        record_every: Keep the state every this many steps (and the last).
        on_step: Called after each step with the step, the state and its events.

    Returns:
        The recorded trajectory.
    """
    state = replicate(compiled.initial, replications)
    params = compiled.params.copy()
    width = noise_width(params.n_states, params.n_powers)
    noise = Noise(seed, range(first, first + replications), width)
    recorder = Recorder(compiled, replications, record_every, first)
    recorder.record(0, state)
    for t in range(compiled.timeline.n_steps):
        events = step(state, params, compiled.schedule[t], noise.draw(t))
        recorder.events(t, events)
        recorder.record(t + 1, state)
        if on_step is not None:
            on_step(t, state, events)
    return recorder.trajectory
