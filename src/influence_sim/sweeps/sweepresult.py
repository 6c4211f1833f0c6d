"""A sweep's file and its results: loading and checking the file, ``SweepResult``.

A sweep folder is read lazily, table by table, after its files are verified
(``influence_sim.sweeps.folder``).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from influence_sim.errors import InfluenceSimError
from influence_sim.format.scenario import Scenario
from influence_sim.format.sweepspec import (
    SweepSpec,
)
from influence_sim.results.runs import scenario_hash
from influence_sim.sweeps.chunks import base_of
from influence_sim.sweeps.folder import (
    Layout,
    check_setup,
    read_manifest,
    verify_sweep,
)

REFERENCE_FILE = "reference-scenario.yaml"
TARGETS_FILE = "targets.yaml"
"""A sweep's target file, copied into its folder, when its runs record targets."""
"""The world a sweep's base departs from, when the base was made by overrides."""


def spec_hash(spec: SweepSpec, base: Scenario, bases: Mapping[str, str] | None = None) -> str:
    """A hash of what determines the results: the spec and the resolved base(s).

    ``bases``: the base factor's scenarios as YAML by label (a sweep over several).
    """
    text = json.dumps(spec.model_dump(mode="json", exclude={"executor"}), sort_keys=True)
    text += scenario_hash(base)
    if base.is_departure:
        text += "reference:" + scenario_hash(base.reference)
    for label, yaml_text in sorted((bases or {}).items()):
        text += f"base:{label}:" + hashlib.sha256(yaml_text.encode()).hexdigest()
    return hashlib.sha256(text.encode()).hexdigest()


BASES_DIR = "bases"
"""A sweep folder's base scenarios, one file per level of the base factor."""


def read_bases(folder: Path) -> dict[str, str]:
    """A sweep folder's base factor: each scenario's YAML by label (none for one base)."""
    return {p.stem: p.read_text() for p in sorted((folder / BASES_DIR).glob("*.yaml"))}


class SweepResult:
    """A sweep's tables, read from its folder when first asked for.

    Attributes:
        folder: The sweep folder.
        spec: The sweep spec.
        manifest: The manifest (provenance, counts, the set-up files' checksums).
        points: One row per point: ``point`` and the parameter values.
        tables: ``runs``, ``metrics`` and ``timeseries`` by name (as on ``RunResult``).
        scenario: The base scenario, as written (as ``RunResult.scenario``).
    """

    def __init__(
        self, folder: Path, spec: SweepSpec, manifest: dict[str, Any], points: pd.DataFrame
    ):
        self.folder, self.spec, self.manifest, self.points = folder, spec, manifest, points

    @property
    def tables(self) -> Mapping[str, pd.DataFrame]:
        """The sweep's tables by name, each read when first asked for."""
        return _Tables(self)

    @cached_property
    def scenario(self) -> Scenario:
        """The base scenario (departing from its reference, if it was made by overrides)."""
        return read_base(self.folder)

    @cached_property
    def runs(self) -> pd.DataFrame:
        """One row per run: point, replication, seed, status (ok or failed), message."""
        return _read_parts(self.folder, "runs")

    @cached_property
    def metrics(self) -> pd.DataFrame:
        """Summary metrics per successful run, with the point's parameter values."""
        metrics = _read_parts(self.folder, "metrics")
        return self.points.merge(metrics, on="point", how="right") if not metrics.empty else metrics

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        """Overall alignment every k steps, if the sweep recorded it (else empty)."""
        return _read_parts(self.folder, "timeseries")

    @property
    def n_runs(self) -> int:
        """How many runs the sweep has."""
        return int(self.manifest.get("runs", len(self.runs)))

    @property
    def failed(self) -> int:
        """How many runs failed (from the manifest of a complete sweep, without reading them)."""
        if "failed" in self.manifest:
            return int(self.manifest["failed"])
        return int((self.runs["status"] == "failed").sum()) if not self.runs.empty else 0

    def failure_reasons(self, most: int = 3) -> list[tuple[str, int]]:
        """The commonest messages of the failed runs, with how many runs each (at most ``most``)."""
        failed = self.runs[self.runs["status"] == "failed"]
        counts = failed["message"].value_counts(sort=False).sort_index()
        return [(str(m), int(n)) for m, n in counts.items()][:most]

    @classmethod
    def load(
        cls, folder: str | os.PathLike[str], *, partial: bool = False, verify: bool = True
    ) -> SweepResult:
        """Open a sweep folder; its tables are read when first used.

        Args:
            folder: The folder ``influence-sim sweep`` wrote.
            partial: Open an unfinished sweep (its finished chunks) instead of refusing it.
            verify: Check the set-up files and every part against the sizes and SHA-256
                recorded when they were written, each part's provenance, and that every
                (point, replication) is there once; ``False`` skips this, for speed on
                folders you trust.

        Raises:
            InfluenceSimError: If it is not a sweep folder, is damaged (naming the file),
                or is unfinished and not partial.
        """
        path = Path(folder)
        manifest = read_manifest(path)
        if manifest.get("status") != "complete" and not partial:
            raise InfluenceSimError(
                f"{path}: the sweep is not complete; finish it with --resume {path}, or load it "
                "with partial=True"
            )
        spec = read_spec(path)
        if verify:
            if manifest.get("status") == "complete":
                verify_sweep(path, manifest, layout_of(manifest))
            else:
                check_setup(path, manifest)
            check_spec_hash(path, manifest, spec)
        try:
            points = pd.read_parquet(path / "points.parquet")
        except (OSError, ValueError) as exc:
            raise InfluenceSimError(f"{path / 'points.parquet'}: cannot be read ({exc})") from None
        return cls(path, spec, manifest, points)


class _Tables(Mapping[str, pd.DataFrame]):
    """``runs``, ``metrics`` and ``timeseries`` of a sweep, read on first use."""

    names = ("runs", "metrics", "timeseries")

    def __init__(self, result: SweepResult) -> None:
        self.result = result

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self.names:
            raise KeyError(name)
        frame: pd.DataFrame = getattr(self.result, name)
        return frame

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


def read_spec(folder: Path) -> SweepSpec:
    """A sweep folder's spec, with a clear error when it is missing or damaged."""
    file = folder / "spec.yaml"
    try:
        return SweepSpec.model_validate(yaml.safe_load(file.read_text()))
    except FileNotFoundError:
        raise InfluenceSimError(
            f"{file}: is missing; the sweep cannot be resumed or read without it: restore it, "
            "or run the sweep again into a new folder"
        ) from None
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise InfluenceSimError(
            f"{file}: damaged ({type(exc).__name__}); restore it, or run the sweep again"
        ) from None


def layout_of(manifest: dict[str, Any]) -> Layout:
    """Which runs each chunk of a sweep holds, from its manifest."""
    try:
        return Layout(
            int(manifest["runs"]),
            int(manifest["chunk_size"]),
            int(manifest["replications"]),
            str(manifest["spec_sha256"]),
        )
    except (KeyError, TypeError, ValueError):
        raise InfluenceSimError(
            "manifest.json: damaged (runs, chunk_size, replications or spec_sha256 missing); "
            "run the sweep again into a new folder"
        ) from None


def _read_parts(path: Path, kind: str) -> pd.DataFrame:
    files = sorted((path / kind).glob("part-*.parquet")) if (path / kind).is_dir() else []
    frames = [pd.read_parquet(f) for f in files]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["point", "replication"], kind="stable").reset_index(drop=True)


def count_failed(folder: Path) -> int:
    """Failed runs, counted part by part (memory stays flat however many runs there are)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    total = 0
    for part in sorted((folder / "runs").glob("part-*.parquet")):
        status = pq.read_table(part, columns=["status"]).column("status")
        total += int(pc.sum(pc.equal(status, "failed")).as_py() or 0)
    return total


def read_base(folder: Path) -> Scenario:
    """A sweep folder's base scenario, departing from its reference when it has one.

    Raises:
        InfluenceSimError: If the base (or its reference) cannot be read.
    """
    reference_file = folder / REFERENCE_FILE
    try:
        reference = reference_file.read_text() if reference_file.is_file() else None
        return base_of((folder / "base-scenario.yaml").read_text(), reference)
    except (OSError, InfluenceSimError) as exc:
        raise InfluenceSimError(
            f"{folder / 'base-scenario.yaml'}: cannot be read ({exc}); restore it, or run the "
            "sweep again into a new folder"
        ) from None


def check_spec_hash(folder: Path, manifest: dict[str, Any], spec: SweepSpec) -> None:
    """The spec and base on disk hash to the manifest's ``spec_sha256``.

    Raises:
        InfluenceSimError: If they do not (the spec or the base was edited).
    """
    if spec_hash(spec, read_base(folder), read_bases(folder)) != manifest.get("spec_sha256"):
        raise InfluenceSimError(
            f"{folder / 'spec.yaml'}: edited since the sweep started (the spec and base hash "
            "to another value than the manifest's spec_sha256); a sweep's spec cannot change "
            "part-way: restore it, or run the edited spec as a new sweep"
        )
