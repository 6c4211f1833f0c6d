"""An EMA Workbench connector: the model as an EMA ``Model``, evaluated in batches.

``ema_model(scenario, uncertainties=..., levers=..., outcomes=...)`` builds an EMA
Workbench ``Model`` whose uncertainties and levers are the scenario's parameters
(dotted paths, as with ``--set``: a ``(low, high)`` range is a ``RealParameter``, a list
of words a ``CategoricalParameter``; in EMA's tables each is named by its path as an
identifier, ``powers_russia_security_capacity``) and whose outcomes are summary metrics, each the
median over the replications. EMA's own evaluators call its function once per
experiment (a ``run`` of the scenario with the experiment's values as overrides);
``BatchEvaluator`` instead runs all the experiments of ``perform_experiments`` as one
sweep through the ensemble (a list of points, chunked, on the local pool or a dask
cluster), with ``noise: common``, so each experiment's replication r draws as
replication r of ``run`` does: both routes give the same outcomes, bit for bit (a test
says so). EMA's samplers, feature scoring and PRIM then work on the results.

    from ema_workbench import perform_experiments
    from influence_sim.integrations.ema import BatchEvaluator, ema_model

    model = ema_model("kazakhstan-2022",
                      uncertainties={"powers.russia.security_capacity": (0.1, 1.0)},
                      outcomes=["final_alignment.kazakhstan.russia"])
    with BatchEvaluator(model) as evaluator:
        experiments, outcomes = perform_experiments(model, 100, evaluator=evaluator)

Needs the ``discovery`` extra (``pip install 'influence-sim[discovery]'``).
"""

from __future__ import annotations

import re
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from influence_sim.errors import InfluenceSimError

try:
    with warnings.catch_warnings():  # its optional parallel back end is not ours
        warnings.simplefilter("ignore")
        from ema_workbench import (
            CategoricalParameter,
            Model,
            RealParameter,
            ScalarOutcome,
        )
        from ema_workbench.em_framework.evaluators import BaseEvaluator
        from ema_workbench.em_framework.points import experiment_generator

        from influence_sim.analysis.prim_compat import patch_prim

        patch_prim()  # box.inspect() on categorical uncertainties, with pandas 3
except ImportError:  # pragma: no cover - the message is the point
    raise InfluenceSimError(
        "the EMA Workbench connector needs EMA Workbench: pip install 'influence-sim[discovery]'"
    ) from None

Space = Mapping[str, tuple[float, float] | Sequence[Any]]
"""Dotted paths to a ``(low, high)`` range, or to a list of levels (words, true/false)."""


def ema_model(
    scenario: str = "kazakhstan-2022",
    *,
    uncertainties: Space,
    levers: Space | None = None,
    outcomes: Sequence[str] = ("final_alignment.kazakhstan.russia",),
    replications: int = 10,
    seed: int | None = None,
    name: str = "influence",
) -> Any:
    """An EMA Workbench ``Model`` of a scenario; its outcomes are medians over replications.

    Args:
        scenario: A scenario file or a bundled name.
        uncertainties: The uncertain parameters (dotted paths) and their ranges or levels.
        levers: The policy levers, likewise.
        outcomes: Summary metrics (``influence-sim`` names), each the median over the
            replications.
        replications: Replications per experiment.
        seed: The seed (default: the scenario's).
        name: The model's name in EMA's tables.

    Raises:
        InfluenceSimError: For a bad scenario, path, range or outcome (checked now).
    """
    from influence_sim.drivers.runner import run
    from influence_sim.format.bundled import find_scenario
    from influence_sim.format.loading import load_scenario, resolve_scenario

    base = load_scenario(find_scenario(scenario))
    seed = base.seed if seed is None else seed
    probe = run(base, replications=1, seed=seed)
    unknown = [o for o in outcomes if o not in probe.tables["summary"].columns]
    if unknown:
        raise InfluenceSimError(
            f"outcomes: {', '.join(unknown)} are not summary metrics of '{base.name}'"
        )
    space = {**uncertainties, **(levers or {})}
    for path, values in space.items():  # every path and end checked before EMA samples
        for value in _ends(path, values):
            resolve_scenario(base, {path: value})

    def function(**values: Any) -> dict[str, float]:
        result = run(base, replications=replications, seed=seed, overrides=_plain(values))
        summary = result.tables["summary"]
        return {o: float(np.median(summary[o])) for o in outcomes}

    model = Model(name, function=function)
    model.uncertainties = [_parameter(p, v) for p, v in uncertainties.items()]
    model.levers = [_parameter(p, v) for p, v in (levers or {}).items()]
    model.outcomes = [ScalarOutcome(identifier(o), variable_name=o) for o in outcomes]
    model.influence_sim = {  # what the batch evaluator needs to run the same experiments
        "scenario": base,
        "replications": replications,
        "seed": seed,
        "outcomes": list(outcomes),
    }
    return model


class BatchEvaluator(BaseEvaluator):
    """Runs all of ``perform_experiments``' experiments as one sweep through the ensemble.

    Args:
        models: The model (or models) made by :func:`ema_model`.
        workers: Worker processes for the sweep (default: one per core).
        out: Where the sweep folder goes (default: a temporary folder, removed after).
        executor: As for ``run_sweep``: ``local``, ``dask`` or an ``Executor``.
    """

    def __init__(
        self,
        models: Any,
        *,
        workers: int | None = None,
        out: str | Path | None = None,
        executor: Any = None,
    ) -> None:
        super().__init__(models)
        self.workers, self.out, self.executor = workers, out, executor

    def initialize(self) -> None:
        """Nothing to start: the sweep starts its own workers."""

    def finalize(self) -> None:
        """Nothing to stop."""

    def evaluate_experiments(self, *args: Any, **kwargs: Any) -> None:
        """Run every experiment in one sweep; report each one's outcomes to the callback.

        EMA Workbench 3 passes the experiments and the callback; 2.5 passes the
        scenarios, the policies, the callback and how to combine them.
        """
        if len(args) >= 2 and callable(args[1]):  # EMA Workbench 3: experiments made
            experiments, callback = list(args[0]), args[1]
        else:  # EMA Workbench 2.5
            scenarios, policies, callback = args[:3]
            combine = args[3] if len(args) > 3 else kwargs.get("combine", "factorial")
            experiments = list(
                experiment_generator(scenarios, self._msis, policies, combine=combine)
            )
        by_model: dict[str, list[Any]] = {}
        for experiment in experiments:
            by_model.setdefault(experiment.model_name, []).append(experiment)
        models = {m.name: m for m in self._msis}
        for model_name, chosen in by_model.items():
            outcomes = self._sweep(models[model_name], chosen)
            for experiment, values in zip(chosen, outcomes, strict=True):
                callback(experiment, values)

    def _sweep(self, model: Any, experiments: list[Any]) -> list[dict[str, float]]:
        from influence_sim.format.sweepspec import SweepSpec
        from influence_sim.sweeps.sweep import run_sweep

        info = getattr(model, "influence_sim", None)
        if info is None:
            raise InfluenceSimError(
                f"model '{model.name}' was not made by influence_sim.ema.ema_model"
            )
        paths = {p.name: p.variable_name[0] for p in [*model.uncertainties, *model.levers]}
        points = [
            _plain({path: {**e.scenario, **e.policy}[name] for name, path in paths.items()})
            for e in experiments
        ]
        names = list(paths.values())
        spec = SweepSpec.model_validate(
            {
                "name": "ema",
                "title": f"EMA Workbench experiments of {model.name}",
                "base": info["scenario"].name,
                "parameters": {n: {"values": [0.0]} for n in names},
                "sampler": {"method": "list", "points": points},
                "replications": info["replications"],
                "seed": info["seed"],
                "noise": "common",
                "record": {"metrics": info["outcomes"]},
            }
        )
        with tempfile.TemporaryDirectory() as scratch:
            out = Path(self.out) if self.out is not None else Path(scratch)
            try:
                result = run_sweep(
                    (spec, info["scenario"]), out=out, workers=self.workers, executor=self.executor
                )
            except InfluenceSimError as exc:
                if self.out is not None:
                    raise
                raise InfluenceSimError(without_scratch(str(exc), scratch)) from None
            medians = result.metrics.groupby("point")[info["outcomes"]].median()
        return [
            {identifier(o): float(medians.loc[i, o]) for o in info["outcomes"]}
            for i in range(len(experiments))
        ]


def without_scratch(message: str, scratch: str) -> str:
    """A failed sweep's message, with no hint to resume a temporary folder that is gone."""
    from influence_sim.sweeps.executors import RESUME_HINT

    hint = re.escape(RESUME_HINT) + re.escape(scratch) + r"[^\s;]*?(?= once|[.;]?(\s|$))"
    gone = re.sub(r"[;:,]?\s*" + hint + r"( once it is fixed)?", "", message)
    gone = gone.replace(scratch, "(a temporary folder, now removed)")
    return (
        gone.rstrip(" .;")
        + ". The experiments ran in a temporary folder, removed when they stopped: give "
        'BatchEvaluator(model, out="results") to keep a sweep folder that `influence-sim '
        "sweep --resume` can finish."
    )


def identifier(path: str) -> str:
    """A parameter's name in EMA's tables: its path as a Python identifier.

    EMA Workbench 3 wants identifiers (``powers_russia_security_capacity``); the path
    itself is the parameter's ``variable_name``, what the model is called with.
    """
    return re.sub(r"\W", "_", path)


def _parameter(path: str, values: Any) -> Any:
    name = identifier(path)
    if (
        isinstance(values, tuple)
        and len(values) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    ):
        return RealParameter(name, float(values[0]), float(values[1]), variable_name=path)
    if isinstance(values, Sequence) and not isinstance(values, str) and values:
        return CategoricalParameter(name, list(values), variable_name=path)
    raise InfluenceSimError(
        f"{path}: expected a (low, high) range or a list of levels, found {values!r}"
    )


def _ends(path: str, values: Any) -> list[Any]:
    _parameter(path, values)  # refuses what is neither
    return [values[0], values[-1]]


def _plain(values: Mapping[str, Any]) -> dict[str, Any]:
    """EMA's values as plain Python (numpy scalars as floats, levels as written)."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, bool | np.bool_):
            out[key] = bool(value)
        elif isinstance(value, str):
            out[key] = value
        else:
            out[key] = float(value)
    return out
