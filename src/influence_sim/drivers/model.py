"""The Mesa driver: one replication of the kernel as a ``mesa.Model`` with real agents.

``InfluenceModel`` is built from a scenario (a file, a bundled name or a
``Scenario``) and keyword parameters, so ``mesa.batch_run`` and SolaraViz can
build it: any keyword with a dotted name (``**{"powers.russia.security_capacity": 0.4}``)
is an override. Its trajectory is bit-identical to the ensemble's replication of
the same number.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from influence_sim import arguments
from influence_sim.drivers.agents import PowerAgent, StateAgent
from influence_sim.engine.compile import Compiled, compile_scenario
from influence_sim.engine.draws import StepNoise
from influence_sim.engine.ensemble import replication_keys, seed_sequence
from influence_sim.engine.kernel import alignment_of, noise_width, step
from influence_sim.engine.population import RegionView, snapshot
from influence_sim.engine.trajectory import Recorder, Trajectory
from influence_sim.format.loading import Overrides, override_list, resolve_scenario
from influence_sim.format.scenario import MAX_STEPS, Scenario
from influence_sim.results.metrics import Summary


class InfluenceModel(mesa.Model):
    """One replication of a scenario, stepped by Mesa.

    Args:
        scenario: A ``Scenario``, a scenario file, or a bundled name (default Kazakhstan 2022).
        seed: The run's seed (default: the scenario's).
        replication: Which replication of that seed this model is (default 0; inside
            ``mesa.batch_run`` without a seed, the iteration's number).
        overrides: ``path=value`` overrides, or a mapping of paths to values (as ``run``).
        record_every: Keep the state every this many steps in ``trajectory``.
        **kwargs: More overrides, by dotted path: ``**{"powers.russia.credibility": 0.8}``
            (named ``kwargs`` because Mesa's SolaraViz looks for that name).

    Attributes:
        spec: The resolved scenario this model runs.
        reference: The scenario without the overrides: the calibrated world.
        compiled: Its arrays and schedule.
        state: The kernel's state (one replication).
        summary: Summary metrics, updated every step.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path | None = None,
        *,
        seed: int | None = None,
        replication: int | None = None,
        overrides: Overrides = (),
        record_every: int = 1,
        **kwargs: Any,
    ) -> None:
        where = "InfluenceModel()"
        seed = arguments.optional_whole(where, "seed", seed, minimum=0, maximum=arguments.MAX_SEED)
        if replication is None:
            # mesa.batch_run builds one model per iteration with the same keywords (Mesa
            # 3.3 passes no seed; 3.5 passes seed=None for ``iterations``): iteration i is
            # then replication i, as in the ensemble, not the same run i times.
            replication = batch_run_iteration() if seed is None else 0
        replication = arguments.whole(
            where, "replication", replication, minimum=0, maximum=arguments.MAX_REPLICATIONS - 1
        )
        record_every = arguments.whole(
            where, "record_every", record_every, minimum=1, maximum=MAX_STEPS
        )
        extra = override_list(kwargs)
        # Not ``self.scenario``: Mesa 3.5 gives Model a ``scenario`` of its own.
        self.spec: Scenario = resolve_scenario(scenario, [*override_list(overrides), *extra])
        self.reference: Scenario = self.spec.reference
        self.seed = self.spec.seed if seed is None else seed
        self.replication = replication
        sequence = seed_sequence(self.seed, replication)
        super().__init__(rng=np.random.default_rng(sequence.spawn(1)[0]))
        self.compiled: Compiled = compile_scenario(self.spec)
        self.state = self.compiled.initial.copy()
        self.params = self.compiled.params.copy()
        self.noise_key = replication_keys(self.seed, replication, 1)
        self.width = noise_width(
            self.params.n_states, self.params.n_powers, self.params.pop is not None
        )
        self.recorder = Recorder(self.compiled, 1, record_every, replication)
        self.recorder.record(0, self.state)
        self.summary = Summary(self.compiled, self.params, self.state)
        self.powers = self.compiled.powers
        self.options = self.compiled.options
        self.state_keys = self.compiled.states
        self.alliances = self.compiled.alliances
        for i, key in enumerate(self.compiled.states):
            StateAgent(self, key, self.spec.states[key].title, i)
        for i, key in enumerate(self.compiled.powers):
            PowerAgent(self, key, self.spec.powers[key].title, i)
        self.datacollector = mesa.DataCollector(
            model_reporters={
                f"regional_{k}": (lambda m, k=k: m.regional_alignment[k]) for k in self.options
            },
            agent_reporters=_agent_reporters(self.options),
        )
        self.datacollector.collect(self)

    @property
    def n_steps(self) -> int:
        """How many steps the scenario runs."""
        return self.compiled.timeline.n_steps

    @property
    def trajectory(self) -> Trajectory:
        """What this model has recorded so far."""
        return self.recorder.trajectory

    def citizens(self) -> list[RegionView]:
        """Each region's citizens now (quiet, protesting, jailed, police), for a dashboard.

        Empty without citizens (``population.unrest: scripted``) and before the first
        step (they are placed on the first day).
        """
        return snapshot(self.state, self.params)

    @property
    def regional_alignment(self) -> dict[str, float]:
        """Alignment of the region with each power and ``self``, weighted as the scenario says."""
        alignment = alignment_of(self.state.reliance[0], self.state.salience[0])
        region = self.params.weights[0] @ alignment
        return dict(zip(self.options, map(float, region), strict=True))

    def step(self) -> None:
        """Advance one step (Mesa counts ``self.steps``); stop after the horizon."""
        t = self.steps - 1
        if t >= self.n_steps:
            self.running = False
            return
        noise = StepNoise(self.noise_key, t, self.width)
        events = step(self.state, self.params, self.compiled.schedule[t], noise)
        self.recorder.events(t, events)
        self.recorder.record(t + 1, self.state)
        self.summary.update(t + 1, self.state)
        self.datacollector.collect(self)
        if t + 1 >= self.n_steps:
            self.running = False


def batch_run_iteration() -> int:
    """The iteration number when ``mesa.batch_run`` is building this model, else 0.

    ``batch_run`` keeps the number in its ``_model_run_func`` frame, as the
    ``(run_id, iteration, kwargs)`` it was handed, and passes the model nothing that
    tells iterations apart (Mesa 3.3) or ``seed=None`` (Mesa 3.5's ``iterations``). The
    frame is found by its function and module, within a few frames of this one.
    """
    frame = sys._getframe(1)
    for _ in range(8):
        frame = frame.f_back  # type: ignore[assignment]
        if frame is None:
            return 0
        code = frame.f_code
        if code.co_name == "_model_run_func" and frame.f_globals.get("__name__") == (
            "mesa.batchrunner"
        ):
            run = frame.f_locals.get("run")
            if isinstance(run, tuple) and len(run) == 3 and isinstance(run[1], int):
                return run[1]
            return 0
    return 0


def _agent_reporters(options: list[str]) -> dict[str, Any]:
    """One set of reporters for both kinds of agent (``None`` where one does not apply).

    ``mesa.batch_run`` reads ``agent_reporters`` only, so both kinds share them.
    """

    def of_states(read: Any) -> Any:
        return lambda a: read(a) if isinstance(a, StateAgent) else None

    def of_powers(read: Any) -> Any:
        return lambda a: read(a) if isinstance(a, PowerAgent) else None

    reporters: dict[str, Any] = {
        "key": lambda a: a.key,
        "unrest": of_states(lambda a: a.unrest),
        "security_salience": of_states(lambda a: a.security_salience),
        "economic_distress": of_states(lambda a: a.economic_distress),
    }
    for k in options:
        reporters[f"alignment_{k}"] = of_states(lambda a, k=k: a.alignment[k])
    reporters["mean_credibility"] = of_powers(lambda a: a.mean_credibility)
    reporters["mean_posture"] = of_powers(lambda a: a.mean_posture)
    reporters["host_economy"] = of_powers(lambda a: a.host_economy)
    return reporters
