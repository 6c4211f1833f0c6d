"""The scenarios that ship with the package, found by name or by file."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from influence_sim.errors import InfluenceSimError, suggest

DEFAULT_SCENARIO = "kazakhstan-2022"
"""The scenario used when none is named."""


def scenario_dir() -> Path:
    """The folder of bundled scenarios: inside the installed package, or the source tree's."""
    packaged = Path(str(resources.files("influence_sim"))) / "scenarios"
    if packaged.is_dir():
        return packaged
    source_tree = Path(__file__).resolve().parents[3] / "scenarios"
    if source_tree.is_dir():
        return source_tree
    raise InfluenceSimError("the bundled scenarios are missing from this installation")


def bundled_files() -> list[Path]:
    """Every bundled scenario file, sorted by name."""
    return sorted(scenario_dir().glob("*.yaml"))


def find_scenario(name: str | Path) -> Path:
    """A scenario file: the path itself if it exists, else a bundled scenario of that name.

    Raises:
        InfluenceSimError: If neither exists; with a suggestion when a name is close.
    """
    return _find(name, scenario_dir(), "scenario")


def bundled_name(name: str | os.PathLike[str], folder: Path | None = None) -> Path | None:
    """The bundled file a bare name (``kazakhstan-2022``) stands for, or None.

    Only a name without folders stands for a bundled file, and only when no file of
    that name exists where it was looked for.
    """
    path = Path(name)
    if path.exists() or path.parent != Path("."):
        return None
    stem = path.name.removesuffix(".yaml").removesuffix(".yml")
    candidate = (folder or scenario_dir()) / f"{stem}.yaml"
    return candidate if candidate.is_file() else None


def find_sweep(name: str | Path) -> Path:
    """A sweep file: the path itself if it exists, else a bundled sweep of that name.

    Raises:
        InfluenceSimError: If neither exists; with a suggestion when a name is close.
    """
    return _find(name, scenario_dir() / "sweeps", "sweep")


def _find(name: str | Path, folder: Path, kind: str) -> Path:
    path = Path(name)
    if path.exists():
        return path
    found = bundled_name(path, folder)
    if found is not None:
        return found
    stem = path.name.removesuffix(".yaml").removesuffix(".yml")
    hint = suggest(stem, [p.stem for p in sorted(folder.glob("*.yaml"))])
    message = f"{name}: no such file, and no bundled {kind} of that name"
    tail = f"; {hint}" if hint else " (see 'influence-sim list')"
    raise InfluenceSimError(message + tail)
