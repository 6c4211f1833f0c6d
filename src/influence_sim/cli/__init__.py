"""The command line: a thin face over the API (``influence-sim``, ``python -m influence_sim``)."""

from influence_sim.cli.commands import entry, main

__all__ = ["entry", "main"]
