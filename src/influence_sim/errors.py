"""The package's own errors: what users see instead of a traceback.

Every mistake in a user's input (a scenario file, an override, a command-line
argument) raises an :class:`InfluenceSimError`. A :class:`ScenarioError` carries
one :class:`Problem` per mistake found, each naming where it is (file, line,
column, field path), what was expected and what was found, and a hint where one
exists. The command line prints ``str(error)`` and exits with a non-zero code.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class InfluenceSimError(Exception):
    """Base class of every error the package raises for bad input."""


class CalibrationFailed(InfluenceSimError):  # noqa: N818 (a state, as Interrupted)
    """A calibration that cannot succeed as it stands.

    Runs that fail, a posterior that collapsed: resuming it would fail the same way, so
    its folder is marked failed.
    """


class InfluenceSimWarning(UserWarning):
    """Input that runs but does not do what it says (a shock with nothing to act on)."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) stopped a long job whose finished work is kept in a folder.

    Attributes:
        folder: The folder to resume.
        kind: What was interrupted (``sweep``), so the command line can say how to resume.
    """

    def __init__(self, folder: str, kind: str) -> None:
        super().__init__(folder, kind)
        self.folder, self.kind = folder, kind


@dataclass(frozen=True)
class Problem:
    """One mistake in an input, with where it is.

    Attributes:
        message: What is wrong: what was expected and what was found.
        file: The file (or ``--set`` override) the mistake comes from.
        line: 1-based line in ``file``, when known.
        column: 1-based column in ``file``, when known.
        path: The field path, such as ``shocks[1].state``.
        hint: What to do about it, such as "did you mean 'kazakhstan'?".
    """

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        field = f"{self.path}: " if self.path else ""
        hint = f"; {self.hint}" if self.hint else ""
        return f"{where}{field}{self.message}{hint}"


class ScenarioError(InfluenceSimError):
    """A scenario (or sweep) file, or an override, is not valid.

    Attributes:
        problems: Every mistake found, in file order where known.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, message: str, **where: object) -> ScenarioError:
        """Build an error holding one problem."""
        return cls([Problem(message, **where)])  # type: ignore[arg-type]


def describe_value(value: object) -> str:
    """A value as a message shows it: its kind for containers, else a short repr."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def suggest(name: str, choices: Iterable[str]) -> str | None:
    """A "did you mean" hint for a misspelt name, or None if nothing is close."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def one_of(choices: Iterable[str], limit: int = 12) -> str:
    """Format a list of allowed names for a message."""
    items = sorted(choices)
    if not items:
        return "none are defined"
    shown = ", ".join(f"'{c}'" for c in items[:limit])
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return f"one of {shown}{more}"


class ArgumentError(InfluenceSimError, ValueError):
    """A function of the public API was called with an argument it cannot take."""
