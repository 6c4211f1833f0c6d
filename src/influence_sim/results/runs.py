"""A run's results: tidy frames, provenance, and a folder that is whole or absent.

``RunResult.save`` writes ``<dir>/<name>-<timestamp>-<hash>/`` holding
``manifest.json`` (the resolved scenario's hash, the seed, the replications, the
versions of Python and the libraries, the command, start and end, the status),
``scenario.yaml`` (resolved; with ``reference.yaml``, the world it departs from,
when it was made by overrides), the tables in Parquet (and CSV when small), the
figures a ``draw`` hook puts in ``plots/``,
and the size and SHA-256 of every one of those files but the figures, checked when
it is loaded.
Everything is written into a hidden temporary folder first and renamed when
complete, so an interrupted save leaves nothing that looks like a result.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import platform
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from influence_sim.errors import InfluenceSimError
from influence_sim.format.loading import dump_scenario, parse_scenario
from influence_sim.format.scenario import Scenario
from influence_sim.results.storage import (
    digests,
    folder_name,
    pid_alive,
    read_manifest_file,
    storage_error,
)
from influence_sim.results.storage import verify as check_files

TABLES = ("alignment", "regional", "states", "powers", "events", "summary", "summary_long")
CSV_MAX_ROWS = 20_000
"""Tables with at most this many rows are written as CSV too (all of them with ``csv=True``).

A 50-replication run of 156 steps wrote 21 MB of CSV when every table was; Parquet holds
the same in a fraction, and CSV is for the small tables one opens by hand."""
MANIFEST_VERSION = 2
REFERENCE_FILE = "reference.yaml"
"""The calibrated world a run's scenario departs from, when it was made by overrides."""


def scenario_hash(scenario: Scenario) -> str:
    """A stable hash of the resolved scenario (its YAML text)."""
    return hashlib.sha256(dump_scenario(scenario).encode()).hexdigest()


def versions() -> dict[str, str]:
    """The versions of Python, the package and its main dependencies."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("influence-sim", "numpy", "pandas", "mesa", "pydantic", "pyarrow", "matplotlib"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


@dataclass
class RunResult:
    """The results of running a scenario.

    Attributes:
        scenario: The resolved scenario that was run.
        seed: The run's seed.
        replications: How many replications.
        driver: ``ensemble`` or ``mesa``.
        tables: The tidy frames by name (see ``TABLES``).
        started: When the run started (UTC).
        finished: When it finished (UTC).
        command: The command line, when run from one.
        folder: The results folder, once saved or when loaded from one.
        posterior: The provenance of the posterior the replications drew their
            parameters from (``Posterior.provenance``), or None: then the bands hold
            noise only.
    """

    scenario: Scenario
    seed: int
    replications: int
    driver: str
    tables: dict[str, pd.DataFrame]
    started: datetime
    finished: datetime
    command: list[str] = field(default_factory=list)
    folder: Path | None = None
    posterior: dict[str, Any] | None = None

    @property
    def uncertainty(self) -> str:
        """What the spread across replications holds, in words."""
        if self.posterior is None:
            return "noise only (every replication runs the scenario's parameters)"
        return (
            "noise and parameter uncertainty (each replication's "
            f"{', '.join(self.posterior['parameters'])} drawn from the posterior of "
            f"{self.posterior.get('calibration') or self.posterior['folder']}, "
            f"{self.posterior['particles']} particles)"
        )

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.scenario.name

    @property
    def manifest(self) -> dict[str, Any]:
        """The provenance of this run, as ``manifest.json`` stores it (as on ``SweepResult``)."""
        return self.provenance()

    def provenance(self, status: str = "complete") -> dict[str, Any]:
        """The provenance of this run, as stored in ``manifest.json``."""
        return {
            "manifest_version": MANIFEST_VERSION,
            "status": status,
            "scenario": self.scenario.name,
            "title": self.scenario.title,
            "scenario_sha256": scenario_hash(self.scenario),
            "seed": self.seed,
            "replications": self.replications,
            "seed_derivation": "influence_sim.engine.draws.stream_keys(seed, (replication,))",
            "driver": self.driver,
            "steps": self.scenario.timeline.n_steps,
            "record_every": self.scenario.observation.record_every,
            "started": self.started.isoformat(),
            "finished": self.finished.isoformat(),
            "command": self.command,
            "versions": versions(),
            "platform": platform.platform(),
            "tables": {name: len(frame) for name, frame in self.tables.items()},
            "resolved_scenario": self.scenario.model_dump(mode="json", exclude={"extends"}),
            "reference_sha256": (
                scenario_hash(self.scenario.reference) if self.scenario.is_departure else None
            ),
            "uncertainty": self.uncertainty,
            "posterior": self.posterior,
        }

    def to_xarray(self) -> Any:
        """The run as an ``xarray.Dataset``: one cube per table, indexed by name.

        ``alignment`` is (replication, step, state, power, domain), ``regional``
        (replication, step, power, domain), the state variables (``unrest``, ...)
        (replication, step, state), the power variables (``credibility``, ``trade``, ...)
        (replication, step, state, power), with ``date`` a coordinate along ``step``.
        Needs xarray (``pip install 'influence-sim[xarray]'``).

        Raises:
            InfluenceSimError: If xarray is not installed.
        """
        try:
            import xarray as xr
        except ImportError:
            raise InfluenceSimError(
                "to_xarray needs xarray: pip install 'influence-sim[xarray]'"
            ) from None

        def plain(frame: pd.DataFrame) -> pd.DataFrame:
            """Category columns as plain text, so the cubes' labels align."""
            out = frame.copy()
            for column in out.columns:
                if isinstance(out[column].dtype, pd.CategoricalDtype):
                    out[column] = out[column].astype(str)
            return out

        t = {name: plain(frame) for name, frame in self.tables.items()}
        keyed = {
            "alignment": (t["alignment"], ["replication", "step", "state", "power", "domain"]),
            "regional": (t["regional"], ["replication", "step", "power", "domain"]),
        }
        parts: list[Any] = [
            frame.set_index(keys)["value"].rename(name).to_xarray()
            for name, (frame, keys) in keyed.items()
        ]
        for name, keys in (
            ("states", ["replication", "step", "state"]),
            ("powers", ["replication", "step", "state", "power"]),
        ):
            frame = t[name].drop(columns=["date"]).set_index(keys)
            parts.append(xr.Dataset.from_dataframe(frame))
        cube = xr.merge(parts, join="outer", compat="no_conflicts")
        steps = t["alignment"].drop_duplicates("step").set_index("step")["date"]
        cube = cube.assign_coords(date=("step", steps.reindex(cube["step"].values).to_numpy()))
        cube.attrs.update(
            scenario=self.name, seed=self.seed, replications=self.replications, driver=self.driver
        )
        return cube

    def folder_name(self) -> str:
        """``<name>[-<overrides>]-<timestamp>-<hash>``.

        The hash covers the scenario, seed and replications; the overrides, shortened,
        say what the run changed (``kazakhstan-2022-russia.security_capacity=0.15-...``).
        """
        key = f"{scenario_hash(self.scenario)}:{self.seed}:{self.replications}:{self.driver}"
        if self.scenario.is_departure:
            key += ":" + scenario_hash(self.scenario.reference)
        if self.posterior is not None:
            key += ":" + self.posterior["sha256"]
        from influence_sim.format.explain import overrides_slug

        slug = overrides_slug(self.scenario)  # what the overrides changed, readable
        return folder_name(f"{self.name}-{slug}" if slug else self.name, self.started, key)

    def save(
        self,
        out: str | os.PathLike[str] = "results",
        *,
        draw: Callable[[RunResult, Path], object] | None = None,
        name: str | None = None,
        csv: bool | None = None,
    ) -> Path:
        """Write the results folder; returns its path.

        Args:
            out: Where to create the folder.
            draw: Draws figures into the folder's ``plots/`` before it appears, such as
                ``influence_sim.viz.save_standard_plots`` (what ``influence-sim run``
                draws); called with this result and the ``plots/`` folder, before the
                tables are written. If it returns a callable (figures still being drawn
                elsewhere: ``viz.files.start_standard_plots``), that is called after
                them. Results know nothing of figures, so none are drawn by default.
            name: The folder's name (default: ``<name>-<timestamp>-<hash>``, with ``-2``
                added if a folder of that name appeared meanwhile).
            csv: Write every table as CSV too (True), none (False), or only those of at
                most ``CSV_MAX_ROWS`` rows (None, the default). Parquet is always written.

        Raises:
            InfluenceSimError: If the folder exists already or cannot be written.
        """
        with whole_folder(Path(out) / (name or self.folder_name()), exact=bool(name)) as where:
            self._write(where.temporary, draw, csv)
        self.folder = where.final
        return where.final

    def _write(
        self,
        folder: Path,
        draw: Callable[[RunResult, Path], object] | None,
        csv: bool | None = None,
    ) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        manifest = self.provenance()
        pending = draw(self, folder / "plots") if draw is not None else None
        (folder / "scenario.yaml").write_text(dump_scenario(self.scenario), encoding="utf-8")
        if self.scenario.is_departure:  # the calibrated world the overrides depart from
            text = dump_scenario(self.scenario.reference)
            (folder / REFERENCE_FILE).write_text(text, encoding="utf-8")
        meta = {b"influence_sim": json.dumps(manifest).encode()}
        for table_name, frame in self.tables.items():
            table = pa.Table.from_pandas(frame, preserve_index=False)
            table = table.replace_schema_metadata({**(table.schema.metadata or {}), **meta})
            pq.write_table(table, folder / f"{table_name}.parquet")
            if csv or (csv is None and len(frame) <= CSV_MAX_ROWS):
                frame.to_csv(folder / f"{table_name}.csv", index=False)
        if callable(pending):  # figures another process is drawing meanwhile
            pending()
        # The data, not the figures: `influence-sim plot` may draw those again.
        manifest["files"] = digests(folder, skip_folders=("plots",))
        with open(folder / "manifest.json", "w", encoding="utf-8") as out:
            json.dump(manifest, out, indent=2)
            out.write("\n")

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, verify: bool = True) -> RunResult:
        """Read a results folder written by :meth:`save`.

        Args:
            path: The folder.
            verify: Check every file against the size and SHA-256 recorded when it was
                written (``False`` skips the check, for speed on folders you trust).

        Raises:
            InfluenceSimError: If the folder is missing, incomplete, damaged, or not a
                results folder; the message names the file.
        """
        import pyarrow.parquet as pq

        folder = Path(path)
        manifest_file = folder / "manifest.json"
        if not manifest_file.is_file():
            raise InfluenceSimError(f"{folder}: not a results folder (no manifest.json)")
        manifest = read_manifest_file(
            manifest_file, "the folder cannot be trusted: run the scenario again"
        )
        if manifest.get("status") != "complete":
            raise InfluenceSimError(f"{folder}: the run did not complete")
        recorded = manifest.get("files")
        if verify:
            if not isinstance(recorded, dict):
                raise InfluenceSimError(
                    f"{manifest_file}: records no checksums (written by a version before they "
                    "were kept), so the folder cannot be verified; load it with verify=False "
                    "if you trust it, or run the scenario again"
                )
            check_files(folder, recorded, hint="the results are damaged: run the scenario again")
        try:
            scenario = _read_scenario(folder / "scenario.yaml")
            if (folder / REFERENCE_FILE).is_file():
                scenario = scenario.departing_from(_read_scenario(folder / REFERENCE_FILE))
            tables = {}
            for table_name in manifest["tables"]:
                tables[table_name] = pq.read_table(folder / f"{table_name}.parquet").to_pandas()
            return cls(
                scenario=scenario,
                seed=int(manifest["seed"]),
                replications=int(manifest["replications"]),
                driver=str(manifest["driver"]),
                tables=tables,
                started=datetime.fromisoformat(manifest["started"]),
                finished=datetime.fromisoformat(manifest["finished"]),
                command=list(manifest.get("command", [])),
                folder=folder,
                posterior=manifest.get("posterior"),
            )
        except (OSError, KeyError, TypeError, ValueError) as exc:  # pyarrow's errors too
            raise InfluenceSimError(
                f"{folder}: cannot read the results ({type(exc).__name__}: {exc}); run the "
                "scenario again"
            ) from None


def _read_scenario(file: Path) -> Scenario:
    return parse_scenario(file.read_text(encoding="utf-8"), source=str(file))


@dataclass
class Destination:
    """Where ``whole_folder`` writes (``temporary``) and where it appears (``final``)."""

    final: Path
    temporary: Path


@contextlib.contextmanager
def whole_folder(final: Path, *, exact: bool = False) -> Iterator[Destination]:
    """A folder that appears at ``final`` only if everything in the block succeeded.

    The block writes into ``temporary``, a hidden sibling folder, renamed at the end; on
    any failure or interruption it is removed, so nothing half-written looks like a
    result. When ``final`` is taken by the time the folder appears (two runs of the same
    scenario in the same second), it appears as ``final-2`` (``-3``, ...) instead, and
    ``final`` says so; with ``exact`` (a name the user chose) that is an error.

    Raises:
        InfluenceSimError: If ``final`` exists already and is ``exact``, or the disk
            refuses the writes.
    """
    if exact and final.exists():
        raise InfluenceSimError(f"{final}: already exists; results are never overwritten")
    if final.parent.exists() and not final.parent.is_dir():
        raise InfluenceSimError(f"{final.parent}: is a file; --out needs a folder")
    clean_stale(final.parent)
    temporary = final.parent / f".{final.name}.partial-{os.getpid()}"
    where = Destination(final, temporary)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        if temporary.exists():
            shutil.rmtree(temporary)
        temporary.mkdir()
        yield where
        where.final = _publish(temporary, final, exact)
    except OSError as exc:
        shutil.rmtree(temporary, ignore_errors=True)
        raise storage_error(final, exc) from None
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _publish(temporary: Path, final: Path, exact: bool) -> Path:
    """Rename the finished folder to ``final``, or the first free ``final-N``."""
    for n in range(1, 1000):
        candidate = final if n == 1 else final.with_name(f"{final.name}-{n}")
        if candidate.exists():
            if exact:
                raise InfluenceSimError(f"{final}: already exists; results are never overwritten")
            continue
        try:
            os.rename(temporary, candidate)  # fails if another writer's folder is there now
        except OSError as exc:
            if exc.errno in (errno.EEXIST, errno.ENOTEMPTY) and not exact:
                continue
            raise
        return candidate
    raise InfluenceSimError(f"{final}: 999 folders of that name exist already")


def stale_leftovers(directory: Path) -> list[Path]:
    """Hidden ``.NAME.partial-PID`` folders whose writer (on this machine) is gone."""
    found = []
    for path in directory.glob(".*.partial-*") if directory.is_dir() else []:
        pid = path.name.rsplit("-", 1)[-1]
        if path.is_dir() and pid.isdigit() and not pid_alive(int(pid)):
            found.append(path)
    return found


def clean_stale(directory: Path) -> list[Path]:
    """Remove what killed runs left behind in ``directory``; returns what was removed."""
    removed = []
    for path in stale_leftovers(directory):
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            removed.append(path)
    return removed


def now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)
