"""The Mesa driver: one replication of the kernel as a ``mesa.Model`` with real agents.

``InfluenceModel`` is built from a scenario (a file, a bundled name or a
``Scenario``) and keyword parameters, so ``mesa.batch_run`` and SolaraViz can
build it: any keyword with a dotted name (``**{"powers.russia.security_capacity": 0.4}``)
is an override. Its trajectory is bit-identical to the ensemble's replication of
the same number.

Replications in ``mesa.batch_run``: sweep the ``replication`` keyword,
``parameters={..., "replication": range(n)}``; run *r* is then the ensemble's
replication *r* of the seed (the scenario's, or a ``seed`` swept or fixed in
``parameters``). ``batch_run``'s ``iterations`` do not tell the model which iteration
it is (Mesa 3.3 passes nothing, Mesa 3.5 ``seed=None``), so without ``replication``
every iteration is replication 0: the same run (Mesa 3.5's ``seed=None`` warns). Mesa
3.5's ``rng=[s1, s2, ...]`` reaches the model as ``seed=s1``, ``seed=s2``, ...: runs of
those seeds.
"""

from __future__ import annotations

import warnings
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


class _ScenarioSeed:
    """``seed``'s default, the scenario's seed: told apart from ``seed=None`` given."""

    def __repr__(self) -> str:
        return "<the scenario's>"


_SCENARIO_SEED: Any = _ScenarioSeed()

SAME_RUN = (
    "InfluenceModel(seed=None) without a replication runs replication 0 of the scenario's "
    "seed: each such model is the same run. In mesa.batch_run (which passes seed=None for "
    "each of its iterations, rng=[None] * n), sweep the replication for distinct runs, "
    "parameters={'replication': range(n), ...}, or give seeds, rng=[1, 2, ...]."
)
"""The warning for a model that cannot tell which replication it should be."""


class InfluenceModel(mesa.Model):
    """One replication of a scenario, stepped by Mesa.

    Args:
        scenario: A ``Scenario``, a scenario file, or a bundled name (default Kazakhstan 2022).
        seed: The run's seed (default: the scenario's). Mesa 3.5's ``batch_run`` passes
            each of its ``rng`` values here.
        replication: Which replication of that seed this model is (default 0), as in the
            ensemble: in ``mesa.batch_run``, sweep it (``"replication": range(n)``) for
            replications; its ``iterations`` would repeat replication 0. ``seed=None``
            given without a replication (what Mesa 3.5's ``batch_run`` passes for each
            iteration) warns that the run is replication 0.
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
        seed: int | None = _SCENARIO_SEED,
        replication: int | None = None,
        overrides: Overrides = (),
        record_every: int = 1,
        **kwargs: Any,
    ) -> None:
        where = "InfluenceModel()"
        if seed is _SCENARIO_SEED:
            seed = None
        elif seed is None and replication is None:
            warnings.warn(SAME_RUN, UserWarning, stacklevel=2)
        seed = arguments.optional_whole(where, "seed", seed, minimum=0, maximum=arguments.MAX_SEED)
        if replication is None:
            replication = 0
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
        alignment = alignment_of(self.state.reliance[0], self.params.alignment_weight[0])
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
