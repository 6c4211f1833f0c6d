"""The calibration file: which parameters to fit, to which data, how.

A calibration names a target file (its *data*, the targets with an ``observed`` value,
are matched; its patterns are not), the parameters to fit with their prior ranges
(dotted paths, as in ``--set``), and history matching's settings: waves of points drawn
in the region not yet ruled out, each point run with its replications in batches like a
sweep, a point ruled out when a datum's implausibility exceeds the cut-off
(``docs/calibration.md``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Self

from pydantic import Field, Strict, model_validator

from influence_sim.arguments import MAX_SEED
from influence_sim.format.bundled import scenario_dir
from influence_sim.format.fields import Name, Spec
from influence_sim.format.sweepspec import RangeParameter
from influence_sim.format.targets import read_model_file


class HistoryMatching(Spec):
    """Waves of points, each ruling out where the data cannot be matched."""

    waves: Annotated[int, Strict(), Field(ge=1, le=50)] = Field(3, description="Waves.")
    points: Annotated[int, Strict(), Field(ge=4, le=1_000_000)] = Field(
        128, description="Points per wave (a Latin hypercube in the region not ruled out)."
    )
    cutoff: Annotated[float, Strict(), Field(gt=0)] = Field(
        3.0, description="A point is ruled out when a datum's implausibility exceeds this."
    )
    expand: Annotated[float, Strict(), Field(ge=0, le=1)] = Field(
        0.1,
        description="How far beyond the box of the last wave's survivors the next wave "
        "draws, as a share of each prior range.",
    )


class ABC(Spec):
    """Approximate Bayesian computation in the region history matching left."""

    particles: Annotated[int, Strict(), Field(ge=10, le=100_000)] = Field(
        200, description="Particles kept per generation."
    )
    generations: Annotated[int, Strict(), Field(ge=1, le=20)] = Field(
        4, description="Generations; the acceptance kernel narrows to the data's scale."
    )


class Holdout(Spec):
    """Data left out of the fit and predicted from the posterior: the out-of-sample test."""

    targets: str = Field(description="A target file (beside this file, or bundled).")
    replications: Annotated[int, Strict(), Field(ge=2, le=100_000)] = Field(
        400, description="Replications of its scenario, each with its own particle."
    )
    data: Annotated[list[Name], Field(min_length=1)] | None = Field(
        None,
        description="The data predicted (default: every target with an observed value).",
    )


class CalibrationSpec(Spec):
    """A calibration: data, parameters and their priors, history matching."""

    name: Name = Field(description="The calibration's id (names its folder).")
    title: str = Field(description="What is fitted to what.")
    targets: str = Field(description="A target file (beside this file, or bundled).")
    scenario: str | None = Field(
        None, description="The scenario run (default: the target file's own)."
    )
    data: Annotated[list[Name], Field(min_length=1)] | None = Field(
        None,
        description="The targets matched (default: every target with an observed value); "
        "say in the file why any are left out.",
    )
    leave_out: list[Name] = Field(
        default_factory=list,
        description="Data of the target file not matched (default: none); say in the file "
        "why, such as a figure no parameter of the fit can move.",
    )
    parameters: dict[str, RangeParameter] = Field(
        min_length=1, description="The parameters fitted, each with a uniform prior range."
    )
    replications: Annotated[int, Strict(), Field(ge=2, le=10_000)] = Field(
        20, description="Replications of each point."
    )
    seed: Annotated[int, Strict(), Field(ge=0, le=MAX_SEED)] = Field(description="The seed.")
    chunk_size: Annotated[int, Strict(), Field(ge=1, le=10_000_000)] = Field(
        2000, description="Runs per chunk of a wave (as in a sweep)."
    )
    history_matching: HistoryMatching = Field(
        default_factory=HistoryMatching, description="History matching's settings."
    )
    abc: ABC | None = Field(
        None,
        description="ABC-SMC within the last wave's box (a posterior with weights); none: "
        "history matching only.",
    )
    holdout: list[Holdout] = Field(
        default_factory=list,
        description="Data kept out of the fit (later years) and predicted by runs that "
        "draw their parameters from the posterior: the out-of-sample test (needs 'abc').",
    )

    @model_validator(mode="after")
    def _holdout_needs_posterior(self) -> Self:
        if self.holdout and self.abc is None:
            raise ValueError("'holdout' is predicted from the posterior: add an 'abc' section")
        return self


def calibrations_dir() -> Path:
    """The folder of bundled calibration files."""
    return scenario_dir() / "calibrations"


def load_calibration(path: str | os.PathLike[str]) -> tuple[CalibrationSpec, Path]:
    """Read and check a calibration file (or a bundled one by name).

    Returns:
        The spec, with ``targets`` and ``scenario`` resolved (a file beside the calibration
        file becomes an absolute path; otherwise a bundled name), and the file read.

    Raises:
        ScenarioError: If it is not valid (file, line and field named).
        InfluenceSimError: If there is no such file.
    """
    spec, file = read_model_file(path, calibrations_dir(), "calibration file", CalibrationSpec)
    for name in ("targets", "scenario"):  # files named beside it, made absolute
        given = getattr(spec, name)
        beside = file.parent / given if given is not None else None
        if beside is not None and beside.is_file():
            spec = spec.model_copy(update={name: str(beside.resolve())})
    return spec, file
