"""A posterior as data: the weighted particles a calibration leaves, and draws from them.

``influence-sim calibrate`` writes ``posterior/`` in its folder (``docs/calibration.md``):
``particles.csv`` (each particle's parameter values and ``weight``), ``generations.csv``
and ``posterior.json``, the provenance, written last, with the SHA-256 of the particles.
A run or a sweep given that folder draws one particle per replication, by weight:
replication ``r`` of a run with seed ``seed`` uses the uniform of
``SeedSequence(seed, spawn_key=(PARTICLE_KEY, r))``, a sweep's run that of
``(PARTICLE_KEY, *its noise key)`` (``(point, r)``, ``(pair, r)`` or ``(r,)``), so a
replication's parameters, like its noise, do not depend on how many replications run,
how they are split, or which driver runs them.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from influence_sim.errors import InfluenceSimError
from influence_sim.format.bundled import scenario_dir
from influence_sim.results.storage import digest

POSTERIOR_DIR = "posterior"
PARTICLES_FILE = "particles.csv"
GENERATIONS_FILE = "generations.csv"
INFO_FILE = "posterior.json"
PARTICLE_KEY = 0x7061727469636C65
"""The first spawn key of the particle draws ("particle" in ASCII): apart from the noise's."""


@dataclass(frozen=True)
class Posterior:
    """Weighted parameter values from a calibration.

    Attributes:
        folder: The ``posterior/`` folder.
        parameters: The dotted paths, in the particles' column order.
        values: The particles' values, ``(particles, parameters)``.
        weights: Their weights, summing to 1.
        info: The provenance ``posterior.json`` stores.
    """

    folder: Path
    parameters: tuple[str, ...]
    values: NDArray[np.float64]
    weights: NDArray[np.float64]
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Posterior:
        """The posterior of a finished calibration: its folder, its ``posterior/``, or a name.

        A bare name is a bundled posterior (``scenarios/posteriors/<calibration>/``).

        Raises:
            InfluenceSimError: If the folder holds no finished posterior, or its particles
                do not match the checksum recorded with them.
        """
        folder = Path(path)
        if not folder.exists() and folder.parent == Path(".") and (bundled_dir() / folder).is_dir():
            folder = bundled_dir() / folder  # a bundled posterior by name
        if not folder.exists():
            names = ", ".join(p.name for p in bundled_posteriors()) or "none"
            raise InfluenceSimError(
                f"{folder}: no such folder, and no bundled posterior of that name "
                f"(bundled: {names}); give a calibration's folder"
            )
        if (folder / POSTERIOR_DIR / INFO_FILE).is_file():
            folder = folder / POSTERIOR_DIR
        info_file = folder / INFO_FILE
        if not info_file.is_file():
            calibration = folder if folder.name != POSTERIOR_DIR else folder.parent
            hint = (
                "the calibration has not finished, or has no 'abc' section (history matching "
                "alone leaves no posterior); finish it with influence-sim calibrate --resume"
                if (calibration / "calibration.yaml").is_file()
                else "give the folder of a calibration with an 'abc' section"
            )
            raise InfluenceSimError(f"{folder}: no posterior ({INFO_FILE} missing); {hint}")
        try:
            info = json.loads(info_file.read_text(encoding="utf-8"))
            _check_info(info, info_file)
            particles_file = folder / PARTICLES_FILE
            if digest(particles_file)["sha256"] != info["sha256"]:
                raise InfluenceSimError(
                    f"{particles_file}: does not match the checksum in {INFO_FILE}: the "
                    "posterior was changed or damaged; run the calibration again"
                )
            frame = pd.read_csv(particles_file)
            parameters = tuple(info["parameters"])
            _check_columns(frame, parameters, particles_file)
            values = frame[list(parameters)].to_numpy(dtype=np.float64)
            weights = frame["weight"].to_numpy(dtype=np.float64)
        except (OSError, KeyError, TypeError, ValueError) as exc:
            raise InfluenceSimError(
                f"{folder}: cannot read the posterior ({type(exc).__name__}: {exc}); run the "
                "calibration again"
            ) from None
        _check_particles(values, weights, parameters, info, folder / PARTICLES_FILE)
        return cls(folder, parameters, values, weights / weights.sum(), info)

    @property
    def sha256(self) -> str:
        """The posterior's identity: the checksum of ``posterior.json``.

        That file holds the SHA-256 of ``particles.csv``, so the identity covers both.
        """
        return str(self.info["checksum"])

    def draw(self, seed: int, keys: Iterable[tuple[int, ...]]) -> NDArray[np.int64]:
        """The particle each key (a run) draws, by weight, from its own uniform."""
        uniforms = np.array([_uniform(seed, key) for key in keys], dtype=np.float64)
        cumulative = np.cumsum(self.weights)
        index = np.searchsorted(cumulative, uniforms * cumulative[-1], side="right")
        return np.minimum(index, len(self.weights) - 1).astype(np.int64)

    def overrides(self, particle: int) -> dict[str, float]:
        """A particle's values as overrides (dotted path to value)."""
        return {p: float(v) for p, v in zip(self.parameters, self.values[particle], strict=True)}

    def provenance(self) -> dict[str, Any]:
        """What a run's manifest records of the posterior it drew from."""
        return {
            "folder": str(self.folder),
            "sha256": self.sha256,
            "calibration": self.info.get("calibration"),
            "parameters": list(self.parameters),
            "particles": len(self.weights),
            "ess": self.info.get("ess"),
            "draw": "numpy.random.SeedSequence(seed, spawn_key=(PARTICLE_KEY, *run)), "
            "PARTICLE_KEY = 0x7061727469636C65",
        }

    def draws_table(self, particles: NDArray[np.int64], keys: dict[str, Any]) -> pd.DataFrame:
        """Each run's particle and parameter values, with the key columns given."""
        frame = pd.DataFrame(keys)
        frame["particle"] = particles
        for j, path in enumerate(self.parameters):
            frame[path] = self.values[particles, j]
        return frame


def bundled_dir() -> Path:
    """The posteriors of the bundled calibrations (``scenarios/posteriors/``)."""
    return scenario_dir() / "posteriors"


def bundled_posteriors() -> list[Path]:
    """The folder of every bundled posterior, by name."""
    folder = bundled_dir()
    return (
        sorted(p for p in folder.iterdir() if (p / INFO_FILE).is_file()) if folder.is_dir() else []
    )


def write_posterior(folder: Path, particles: pd.DataFrame, info: dict[str, Any]) -> Posterior:
    """Write ``particles.csv`` and then, last, ``posterior.json`` (with their checksum).

    ``particles`` has a column per parameter (``info["parameters"]``) and ``weight``;
    ``info["prior"]`` gives each parameter its ``[low, high]`` range (what loading checks
    the particles against). Both files are written whole or not at all, and the
    posterior counts as written only once ``posterior.json`` is there.
    """
    from influence_sim.results.storage import atomic_write

    missing = [c for c in [*info["parameters"], "weight"] if c not in particles.columns]
    if missing:
        raise InfluenceSimError(f"particles: no column {', '.join(missing)}")
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / PARTICLES_FILE, lambda t: particles.to_csv(t, index=False))
    info = {**info, "sha256": digest(folder / PARTICLES_FILE)["sha256"]}
    info["checksum"] = info_checksum(info)
    text = json.dumps(info, indent=2) + "\n"
    atomic_write(folder / INFO_FILE, lambda t: Path(t).write_text(text, encoding="utf-8"))
    return Posterior.load(folder)


def info_checksum(info: dict[str, Any]) -> str:
    """The SHA-256 of ``posterior.json``'s content (all but ``checksum``, keys sorted)."""
    content = {k: v for k, v in info.items() if k != "checksum"}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _check_info(info: Any, file: Path) -> None:
    """``posterior.json`` as written: its checksum holds and it lists some parameters.

    Raises:
        InfluenceSimError: Otherwise (an edited or damaged file).
    """
    if not isinstance(info, dict) or info.get("checksum") != info_checksum(info):
        raise InfluenceSimError(
            f"{file}: does not match its checksum: the posterior was changed or damaged "
            "(or written before posteriors were checksummed whole); run the calibration again"
        )
    parameters = info.get("parameters")
    if not isinstance(parameters, list) or not parameters:
        raise InfluenceSimError(f"{file}: lists no parameter; run the calibration again")
    prior = info.get("prior")
    ranges = prior.values() if isinstance(prior, dict) and set(prior) >= set(parameters) else None
    if ranges is None or not all(
        isinstance(r, list)
        and len(r) == 2
        and all(isinstance(x, int | float) and not isinstance(x, bool) for x in r)
        for r in ranges
    ):
        raise InfluenceSimError(
            f"{file}: its 'prior' does not give each parameter a [low, high] range; run the "
            "calibration again"
        )


def _check_columns(frame: pd.DataFrame, parameters: tuple[str, ...], file: Path) -> None:
    """The particles' columns are the parameters listed, their weight, the model's values."""
    extra = [
        c for c in frame.columns if c not in (*parameters, "weight") and not c.startswith("model.")
    ]
    if extra:
        raise InfluenceSimError(
            f"{file}: has columns {', '.join(extra)} that {INFO_FILE} does not list as "
            "parameters: drawing would leave them out; run the calibration again"
        )


def _check_particles(
    values: NDArray[np.float64],
    weights: NDArray[np.float64],
    parameters: tuple[str, ...],
    info: dict[str, Any],
    file: Path,
) -> None:
    """Weights that can be drawn from, and particles inside the prior.

    Raises:
        InfluenceSimError: For a negative or non-finite weight, no positive weight, or a
            particle outside its parameter's prior range.
    """
    if not len(weights) or not np.all(np.isfinite(weights)) or weights.sum() <= 0:
        raise InfluenceSimError(f"{file}: no particle has a positive weight")
    if np.any(weights < 0):
        raise InfluenceSimError(
            f"{file}: {int(np.sum(weights < 0))} particles have a negative weight: a weight "
            "is a probability; run the calibration again"
        )
    prior = info["prior"]  # checked: a [low, high] per parameter
    for j, path in enumerate(parameters):
        low, high = prior[path]
        outside = ~np.isfinite(values[:, j]) | (values[:, j] < low) | (values[:, j] > high)
        if outside.any():
            raise InfluenceSimError(
                f"{file}: {int(outside.sum())} particles have {path} outside its prior "
                f"[{low}, {high}]; run the calibration again"
            )


def _uniform(seed: int, key: tuple[int, ...]) -> float:
    """A uniform in [0, 1) from the 53 high bits of a seed sequence's first word."""
    word = np.random.SeedSequence(seed, spawn_key=(PARTICLE_KEY, *key)).generate_state(1, np.uint64)
    return float(int(word[0]) >> 11) * 2.0**-53
