"""The sweep file: what to vary, how to sample it, what to record, how to execute.

A sweep names a base scenario, parameters (dotted paths, as in ``--set``) with a
range, a list of values or a distribution, a sampler, replications and a seed. It is
validated like a scenario: every parameter path is tried on the base scenario at the
ends of its range, so a misspelt path or an impossible range is an error naming the
sweep file, the line and the field before anything runs.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BeforeValidator, Discriminator, Field, Strict, Tag, model_validator

from influence_sim.arguments import MAX_REPLICATIONS, MAX_SEED
from influence_sim.format.fields import Name, Number, Positive, Spec


class RangeParameter(Spec):
    """A parameter varied over an interval (uniform for LHS, Sobol and Morris)."""

    range: tuple[Number, Number] = Field(description="The interval [low, high], low < high.")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.range[0] < self.range[1]:
            raise ValueError(f"expected low < high, found {list(self.range)}")
        return self


Level = (
    Annotated[bool, Strict()]
    | Annotated[int, Strict()]
    | Number
    | Annotated[str, Strict(), Field(min_length=1)]
)
"""A value a parameter takes: a number (a whole one stays whole, for an integer parameter
such as ``population.side``), or a level of a switch (a word, or true/false)."""


class ValuesParameter(Spec):
    """A parameter taking each of a list of values (grid, LHS and list samplers).

    Numbers are a numeric factor; words or true/false (``responds: {values: [auto,
    never]}``) are a categorical one, whose levels are crossed with the rest of the
    design and paired by seed: the runs that differ only in its level share their noise
    (common random numbers).
    """

    values: list[Level] = Field(min_length=1, description="The values to take.")

    @property
    def categorical(self) -> bool:
        """Whether the values are levels (words or true/false) rather than numbers."""
        return any(isinstance(v, bool | str) for v in self.values)

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        kinds = {isinstance(v, bool | str) for v in self.values}
        if len(kinds) > 1:
            raise ValueError(
                f"expected numbers only or levels (words, true/false) only, found {self.values}"
            )
        # 1 and 1.0 are the same value (Python's equality, exact for any int), and true
        # is not 1 (levels by their text).
        keys = [repr(v) if isinstance(v, bool | str) else v for v in self.values]
        if len(set(keys)) != len(keys):
            raise ValueError(f"a value is repeated: {self.values}")
        return self


class DistributionParameter(Spec):
    """A parameter drawn from a distribution (LHS and Sobol samplers)."""

    distribution: Literal["uniform", "normal", "lognormal", "triangular"] = Field(
        description="The distribution: uniform(low, high), normal(mean, sd), lognormal(mean, "
        "sd of the logarithm), triangular(low, high, mode as a share of the way from low to "
        "high)."
    )
    low: Number | None = Field(None, description="Lower end (uniform, triangular).")
    high: Number | None = Field(None, description="Upper end (uniform, triangular).")
    mean: Number | None = Field(None, description="Mean (normal, lognormal).")
    sd: Positive | None = Field(None, description="Standard deviation (normal, lognormal).")
    mode: Annotated[float, Strict(), Field(ge=0, le=1)] | None = Field(
        None, description="Peak of a triangular distribution, as a share of (high - low)."
    )

    @model_validator(mode="after")
    def _complete(self) -> Self:
        needs = {
            "uniform": ("low", "high"),
            "triangular": ("low", "high", "mode"),
            "normal": ("mean", "sd"),
            "lognormal": ("mean", "sd"),
        }[self.distribution]
        missing = [name for name in needs if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a {self.distribution} distribution needs {', '.join(missing)}")
        if "low" in needs and not self.low < self.high:  # type: ignore[operator]
            raise ValueError("expected low < high")
        return self


def _parameter(value: object) -> object:
    """``[0.2, 1.0]`` is shorthand for ``{range: [0.2, 1.0]}``."""
    return {"range": value} if isinstance(value, list) else value


FORMS = ("distribution", "values", "range")


def _form(value: object) -> str | None:
    """Which form a parameter is written in, from its keys (so errors speak of that form).

    The tags are in angle brackets: error locations drop them (see ``format.validation``).
    """
    if isinstance(value, dict):
        return next((f"<{key}>" for key in FORMS if key in value), None)
    forms: dict[type, str] = {
        RangeParameter: "range",
        ValuesParameter: "values",
        DistributionParameter: "distribution",
    }
    form = forms.get(type(value))
    return f"<{form}>" if form else None


PARAMETER_FORMS = (
    "[low, high], {range: [low, high]}, {values: [v1, v2, ...]} or "
    "{distribution: uniform|normal|lognormal|triangular, ...}"
)
Parameter = RangeParameter | ValuesParameter | DistributionParameter
ParameterField = Annotated[
    Annotated[RangeParameter, Tag("<range>")]
    | Annotated[ValuesParameter, Tag("<values>")]
    | Annotated[DistributionParameter, Tag("<distribution>")],
    Discriminator(
        _form,
        custom_error_type="parameter_form",
        custom_error_message=f"a parameter is written {PARAMETER_FORMS}",
    ),
    BeforeValidator(_parameter, json_schema_input_type=Parameter | tuple[Number, Number]),
]


class Sampler(Spec):
    """How points are drawn from the parameters."""

    method: Literal["grid", "lhs", "sobol", "morris", "list"] = Field(
        description="grid: every combination; lhs: Latin hypercube; sobol: Saltelli's scheme "
        "for Sobol indices; morris: elementary-effect trajectories; list: the points given."
    )
    n: Annotated[int, Strict(), Field(ge=1, le=10_000_000)] | None = Field(
        None,
        description="grid: levels per range; lhs: points; sobol: base sample N (a power of "
        "2; N x (D + 2) points); morris: trajectories (r x (D + 1) points).",
    )
    levels: Annotated[int, Strict(), Field(ge=2, le=100)] = Field(
        4, description="morris: the number of grid levels."
    )
    points: list[dict[str, Level]] | None = Field(
        None, description="list: the points, each a mapping of parameter path to value."
    )

    @model_validator(mode="after")
    def _needs(self) -> Self:
        if self.method == "list" and not self.points:
            raise ValueError("the list sampler needs 'points'")
        if self.method in ("lhs", "sobol", "morris") and self.n is None:
            raise ValueError(f"the {self.method} sampler needs 'n'")
        if self.method == "sobol" and self.n is not None and self.n & (self.n - 1):
            raise ValueError(f"the sobol sampler needs n a power of 2, found {self.n}")
        return self


class Record(Spec):
    """What each run leaves behind."""

    metrics: list[str] | Literal["all"] = Field(
        "all", description="Summary metrics to keep (see the run's summary table), or all."
    )
    timeseries_every: Annotated[int, Strict(), Field(ge=1)] | None = Field(
        None, description="Also keep overall alignment every k steps (off by default)."
    )
    targets: str | None = Field(
        None,
        description="A target file (a path beside the sweep file, or a bundled name): each "
        "run also records each target's value as target.<name> (targets that compare with "
        "a counterfactual are refused).",
    )


class Executor(Spec):
    """Where the chunks run (the command line can override)."""

    kind: Literal["local", "dask"] = Field("local", description="A local process pool, or dask.")
    workers: Annotated[int, Strict(), Field(ge=1, le=4096)] | None = Field(
        None, description="Worker processes (default: one per core)."
    )
    scheduler: str | None = Field(
        None, description="dask: address of an existing scheduler, such as tcp://host:8786."
    )


class Analysis(Spec):
    """Defaults for ``influence-sim analyze``."""

    metric: str | None = Field(None, description="The outcome to analyse (a metric's name).")
    threshold: Number | None = Field(
        None, description="For scenario discovery: the outcome counts as a case above this."
    )


class SweepSpec(Spec):
    """A sweep over a base scenario."""

    name: Name = Field(description="Short identifier, used in the sweep folder's name.")
    title: str = Field(description="One-line title.")
    description: str = Field("", description="What the sweep asks.")
    base: str | list[str] = Field(
        description="The base scenario: a file relative to this one, or a name; or a list "
        "of two or more, a factor crossed with the design like a switch's levels (column "
        "'base' of the points), its runs paired by seed across the scenarios."
    )
    overrides: list[str] = Field(
        default_factory=list, description="path=value overrides applied to the base first."
    )
    parameters: dict[str, ParameterField] = Field(
        min_length=1,
        description="Dotted parameter paths and how each varies: [low, high] (a range), "
        "{values: [...]}, or {distribution: ...}.",
    )
    sampler: Sampler = Field(description="How points are drawn.")
    replications: Annotated[int, Strict(), Field(ge=1, le=MAX_REPLICATIONS)] = Field(
        description="Replications of each point."
    )
    seed: Annotated[int, Strict(), Field(ge=0, le=MAX_SEED)] = Field(
        description="Run (point, replication) draws its noise from the stream keyed by (seed, "
        "(point, replication)); with levels (words) among the values, by (seed, (pair, "
        "replication)), the pair being the point's values other than the levels."
    )
    posterior: str | None = Field(
        None,
        description="A calibration's folder (relative to this file, or absolute): each run "
        "draws the parameters of its posterior by weight, run (point, replication) from "
        "SeedSequence(seed, spawn_key=(PARTICLE_KEY, point, replication)), so the spread "
        "of a point's replications holds parameter uncertainty as well as noise. Its "
        "parameters may not be swept or overridden too.",
    )
    noise: Literal["per-point", "common"] = Field(
        "per-point",
        description="per-point: run (point, replication) draws from the stream keyed by (seed, "
        "(point, replication)) (or (pair, replication) with levels); common: by (seed, "
        "(replication,)), as replication r of `influence-sim run` does, so every point's "
        "replication r shares its noise (common random numbers across all points, and a "
        "point's runs equal a run with its values as overrides).",
    )
    record: Record = Field(default_factory=Record, description="What to keep.")
    chunk_size: Annotated[int, Strict(), Field(ge=1, le=1_000_000)] = Field(
        2000, description="Runs per chunk: the unit of work, of output and of resuming."
    )
    executor: Executor = Field(default_factory=Executor, description="Execution defaults.")
    analysis: Analysis = Field(default_factory=Analysis, description="Analysis defaults.")

    @property
    def bases(self) -> list[str]:
        """The base scenarios as written: one, or the levels of the ``base`` factor."""
        return list(self.base) if isinstance(self.base, list) else [self.base]

    @model_validator(mode="after")
    def _distinct_bases(self) -> Self:
        if isinstance(self.base, list):
            labels = [base_label(b) for b in self.base]
            if len(self.base) < 2 or len(set(labels)) != len(labels):
                raise ValueError(
                    "a list of bases needs two or more scenarios with distinct names, found "
                    f"{self.base}"
                )
            if self.sampler.method in ("sobol", "morris"):
                raise ValueError(
                    f"the {self.sampler.method} sampler takes one base (run a sweep per base)"
                )
        return self

    @model_validator(mode="after")
    def _fits_sampler(self) -> Self:
        method = self.sampler.method
        for path, parameter in self.parameters.items():
            if method == "grid" and isinstance(parameter, DistributionParameter):
                raise ValueError(f"{path}: a grid takes ranges or values, not a distribution")
            if method == "grid" and isinstance(parameter, RangeParameter) and not self.sampler.n:
                raise ValueError("a grid over a range needs sampler.n (levels per range)")
            categorical = isinstance(parameter, ValuesParameter) and parameter.categorical
            if method == "lhs" and isinstance(parameter, ValuesParameter) and not categorical:
                raise ValueError(
                    f"{path}: the lhs sampler takes ranges, distributions or levels (words)"
                )
            if method in ("sobol", "morris") and isinstance(parameter, ValuesParameter):
                raise ValueError(
                    f"{path}: the {method} sampler takes ranges or distributions (run a sweep "
                    "per level of a switch)"
                )
            if method == "morris" and isinstance(parameter, DistributionParameter):
                raise ValueError(f"{path}: the morris sampler takes ranges")
        if method == "list":
            for i, point in enumerate(self.sampler.points or []):
                if set(point) != set(self.parameters):
                    raise ValueError(f"sampler.points[{i}] must give exactly the parameters")
        return self


def categorical_paths(spec: SweepSpec) -> list[str]:
    """The parameters whose values are levels (words, true/false), in the spec's order."""
    return [
        path
        for path, parameter in spec.parameters.items()
        if isinstance(parameter, ValuesParameter) and parameter.categorical
    ]


def base_label(base: str) -> str:
    """A base scenario's label in the ``base`` column: its file's stem, or its name."""
    name = base.replace("\\", "/").rsplit("/", 1)[-1]
    return name.removesuffix(".yaml").removesuffix(".yml")
