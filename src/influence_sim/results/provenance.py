"""The command line behind what a process writes, for manifests (no heavy imports)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from contextvars import ContextVar

_COMMAND: ContextVar[tuple[str, ...]] = ContextVar("influence_sim_command", default=())


@contextlib.contextmanager
def invoked_as(command: Sequence[str]) -> Iterator[None]:
    """Record ``command`` as the command line in the manifests of what runs inside.

    The command line sets it around each command, so the library's functions need no
    argument of the command line's own; from Python the manifests' ``command`` is empty.
    """
    token = _COMMAND.set(tuple(command))
    try:
        yield
    finally:
        _COMMAND.reset(token)


def invocation() -> list[str]:
    """The command line running now (``invoked_as``), for manifests; empty from Python."""
    return list(_COMMAND.get())
