"""Checks on the public API's arguments, as strict as the scenario files.

A seed of ``1.5``, a count of ``"3"`` or ``True``, or an override list given as one
text would otherwise be truncated, coerced or read character by character: a silently
wrong run. Each check returns the value in its plain Python type or raises an
:class:`~influence_sim.errors.ArgumentError` that names the function, the argument,
what it takes and what it was given.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable

from influence_sim.errors import ArgumentError, describe_value

MAX_SEED = 2**63 - 1
"""The largest seed (the scenario format's bound)."""
MAX_REPLICATIONS = 10_000_000
"""The most replications of one seed (the scenario format's bound)."""


def whole(where: str, name: str, value: object, *, minimum: int, maximum: int) -> int:
    """A whole number in ``[minimum, maximum]``; bools, floats and texts are refused.

    Raises:
        ArgumentError: Otherwise.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        kind = type(value).__name__
        raise ArgumentError(
            f"{where}: {name} must be a whole number (int), found {describe_value(value)} "
            f"({kind}); nothing is rounded or converted for you"
        )
    number = int(value)
    if not minimum <= number <= maximum:
        raise ArgumentError(
            f"{where}: {name} must be from {minimum:,} to {maximum:,}, found {number:,}"
        )
    return number


def seed(where: str, value: object) -> int:
    """A seed: a whole number from 0 to 2**63 - 1.

    Raises:
        ArgumentError: Otherwise.
    """
    return whole(where, "seed", value, minimum=0, maximum=MAX_SEED)


def optional_whole(
    where: str, name: str, value: object, *, minimum: int, maximum: int
) -> int | None:
    """``None`` (the scenario's own value), or :func:`whole`."""
    return None if value is None else whole(where, name, value, minimum=minimum, maximum=maximum)


def one_of(where: str, name: str, value: object, choices: Iterable[str]) -> str:
    """One of a few names.

    Raises:
        ArgumentError: Otherwise.
    """
    options = list(choices)
    if not isinstance(value, str) or value not in options:
        listed = " or ".join(f"'{c}'" for c in options)
        raise ArgumentError(f"{where}: {name} must be {listed}, found {describe_value(value)}")
    return value


def flag(where: str, name: str, value: object) -> bool:
    """``True`` or ``False``, nothing that merely looks like one.

    Raises:
        ArgumentError: Otherwise.
    """
    if not isinstance(value, bool):
        raise ArgumentError(f"{where}: {name} must be True or False, found {describe_value(value)}")
    return value
