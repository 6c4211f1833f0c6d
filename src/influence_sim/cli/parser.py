"""The command line's arguments: one parser, a subcommand per command.

The functions behind the commands are in :mod:`influence_sim.cli.commands`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date

from influence_sim import __version__

Add = Callable[[str, str], argparse.ArgumentParser]
"""Adds a subcommand by name and help text; returns its parser."""


def positive(text: str) -> int:
    """A whole number of at least 1, as an argument type."""
    value = natural(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, found {text!r}")
    return value


def natural(text: str) -> int:
    """A whole number of 0 or more, as an argument type."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of 0 or more, found {text!r}")
    return value


def dpi(text: str) -> int:
    """A resolution in dots per inch, 20 to 1200, as an argument type."""
    value = natural(text)
    if not 20 <= value <= 1200:
        raise argparse.ArgumentTypeError(f"expected dots per inch from 20 to 1200, found {text!r}")
    return value


def window(text: str) -> tuple[date, date]:
    """``FIRST:LAST``, two dates, as an argument type (``2021-12-15:2022-03-31``)."""
    first, sep, last = text.partition(":")
    try:
        if not sep:
            raise ValueError
        days = date.fromisoformat(first.strip()), date.fromisoformat(last.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected FIRST:LAST, two dates such as 2021-12-15:2022-03-31, found {text!r}"
        ) from None
    if days[0] >= days[1]:
        raise argparse.ArgumentTypeError(f"the window {text!r} ends before it starts")
    return days


def _window_option(sub: argparse.ArgumentParser) -> None:
    """``--window``, for the commands that draw a run's time figures."""
    sub.add_argument(
        "--window",
        type=window,
        metavar="FIRST:LAST",
        help="the dates the time figures show, such as 2021-12-15:2022-03-31 (default: the "
        "whole run; a scenario with a crisis also gets a figure of its weeks)",
    )


def _figure_options(sub: argparse.ArgumentParser) -> None:
    """``--format`` and ``--dpi``, for the commands that draw figures."""
    sub.add_argument(
        "--format",
        choices=("png", "svg", "pdf"),
        default="png",
        help="the figures' file format (default: png; svg and pdf scale for print)",
    )
    sub.add_argument(
        "--dpi", type=dpi, default=110, help="resolution of the figures (default: 110)"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command (``args.command`` names the one given)."""
    parser = argparse.ArgumentParser(
        prog="influence-sim",
        description="Agent-based simulation of great-power influence over a region.",
    )
    parser.add_argument("--version", action="version", version=f"influence-sim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help_text, description=help_text)

    _scenario_commands(add)
    _run_commands(add)
    _folder_commands(add)
    _sweep_commands(add)
    return parser


def _overrides(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a parameter, such as powers.russia.security_capacity=0.4 (repeatable)",
    )


def _scenario_commands(add: Add) -> None:
    """Commands that read scenario files: validate, list, explain, schema."""
    sub = add("validate", "Check scenario and sweep files and report every problem.")
    sub.add_argument(
        "files", nargs="+", metavar="FILE", help="scenario or sweep files, or bundled names"
    )
    _overrides(sub)
    add("list", "List the bundled scenarios.")
    sub = add("explain", "Show every parameter of a scenario with its value and source.")
    sub.add_argument("file", metavar="FILE", help="a scenario file or a bundled name")
    sub.add_argument("--format", choices=("text", "markdown"), default="text")
    sub.add_argument("--width", type=int, default=110, help="line width of the text table")
    _overrides(sub)
    sub = add("schema", "Print the JSON Schema of the scenario format.")
    sub.add_argument("--out", metavar="FILE", help="write it to a file instead")
    sub.add_argument("--sweep", action="store_true", help="the schema of a sweep file instead")
    sub.add_argument("--targets", action="store_true", help="the schema of a target file instead")
    sub.add_argument(
        "--calibration", action="store_true", help="the schema of a calibration file instead"
    )
    sub.add_argument(
        "--partial",
        action="store_true",
        help="the schema of a file that extends another (only name, title and extends required)",
    )


def _run_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--seed", type=natural, help="seed (default: the scenario's)")
    sub.add_argument("--replications", type=positive, help="replications (default: the scenario's)")
    sub.add_argument("--out", default="results", metavar="DIR", help="where results go")
    sub.add_argument("--quiet", action="store_true", help="no progress bar")
    _overrides(sub)


def _check_command(add: Add) -> None:
    """The check command: a scenario against its targets."""
    sub = add(
        "check",
        "Run a scenario and check it against its targets: the patterns and observed data.",
    )
    sub.add_argument(
        "file",
        nargs="?",
        metavar="SCENARIO",
        help="a scenario file or a bundled name (default: the target file's own)",
    )
    sub.add_argument(
        "--targets",
        metavar="FILE",
        help="a target file or a bundled one's name (default: the bundled scenario's own)",
    )
    sub.add_argument("--seed", type=natural, help="seed (default: the target file's)")
    sub.add_argument(
        "--replications", type=positive, help="replications (default: the target file's)"
    )
    sub.add_argument("--out", default="results", metavar="DIR", help="where the table goes")
    sub.add_argument(
        "--posterior",
        metavar="DIR",
        help="a calibration's folder or a shipped posterior's name: each replication "
        "draws its parameters from it",
    )
    sub.add_argument(
        "--strict", action="store_true", help="exit with 1 when a target does not hold"
    )
    sub.add_argument(
        "--json",
        action="store_true",
        help="print the check as JSON instead of lines: per target its verdict and, for "
        "observed figures, the family, the model's median and intervals, each null's score "
        "and the skill",
    )


def _run_commands(add: Add) -> None:
    """Commands that run scenarios: run, compare, dashboard."""
    sub = add("run", "Run a scenario and write its results folder with plots.")
    sub.add_argument("file", metavar="FILE", help="a scenario file or a bundled name")
    _run_options(sub)
    sub.add_argument("--driver", choices=("ensemble", "mesa"), default="ensemble")
    sub.add_argument(
        "--record-every", type=positive, metavar="K", help="keep the state every K steps"
    )
    sub.add_argument("--no-plots", action="store_true", help="skip the figures")
    sub.add_argument(
        "--report", action="store_true", help="also write report.html (influence-sim report)"
    )
    sub.add_argument(
        "--csv",
        action="store_true",
        help="write every table as CSV too (by default only the small ones; Parquet always)",
    )
    _figure_options(sub)
    _window_option(sub)
    sub.add_argument(
        "--posterior",
        metavar="DIR",
        help="a calibration's folder: each replication draws its parameters from its "
        "posterior, so the bands hold parameter uncertainty as well as noise",
    )
    sub = add("compare", "Run two scenarios with the same seeds and plot their paired difference.")
    sub.add_argument("base", metavar="A", help="the reference scenario")
    sub.add_argument("other", metavar="B", help="the scenario compared with it")
    _figure_options(sub)
    for side, example in (
        ("a", ""),
        ("b", ": compare kazakhstan-2022 kazakhstan-2022 --set-b "
              "states.kazakhstan.opinion.china=0.4 changes one thing"),
    ):  # fmt: skip
        sub.add_argument(
            f"--set-{side}",
            action="append",
            default=[],
            metavar="PATH=VALUE",
            help=f"an override of {side.upper()} alone, after --set (repeatable){example}",
        )
    sub.add_argument("--state", help="the state compared (default: the one the shocks name)")
    _run_options(sub)
    _check_command(add)
    sub = add("dashboard", "Serve the interactive dashboard (SolaraViz) in a browser.")
    sub.add_argument("file", nargs="?", default="kazakhstan-2022", metavar="FILE")
    sub.add_argument("--host", default="127.0.0.1", help="address to listen on")
    sub.add_argument("--port", type=positive, default=8765, help="port to listen on")


def _folder_commands(add: Add) -> None:
    """Commands on results folders: plot, clean."""
    sub = add(
        "report",
        "Write one self-contained HTML file for a run, comparison or sweep folder.",
    )
    sub.add_argument("folder", metavar="DIR", help="a run, comparison or sweep folder")
    sub = add("plot", "Draw a results folder's figures again, with the map (and a GIF).")
    sub.add_argument("folder", metavar="DIR", help="a results folder written by 'run'")
    sub.add_argument("--step", type=natural, help="the step the map shows (default: the last)")
    sub.add_argument("--animate", action="store_true", help="also write plots/map.gif")
    sub.add_argument("--every", type=positive, default=2, help="GIF: a frame every K steps")
    _figure_options(sub)
    _window_option(sub)
    sub = add(
        "clean",
        "Remove what killed runs and sweeps left unfinished in a folder, and failed calibrations.",
    )
    sub.add_argument("folder", nargs="?", default="results", metavar="DIR")
    sub.add_argument("--dry-run", action="store_true", help="only list what would be removed")


def _sweep_commands(add: Add) -> None:
    """Commands for sweeps: sweep, analyze."""
    sub = add(
        "calibrate",
        "Fit parameters to data by history matching, in waves run like sweeps (resumable).",
    )
    sub.add_argument("file", nargs="?", metavar="FILE", help="a calibration file or a bundled name")
    sub.add_argument("--out", default="results", metavar="DIR", help="where the folder goes")
    sub.add_argument("--workers", type=positive, help="worker processes (default: one per core)")
    sub.add_argument("--resume", metavar="DIR", help="finish an interrupted calibration folder")
    sub.add_argument("--quiet", action="store_true", help="no progress bar")
    sub = add("sweep", "Run a sweep in chunks, or finish one with --resume.")
    sub.add_argument("file", nargs="?", metavar="FILE", help="a sweep file or a bundled sweep")
    sub.add_argument("--workers", type=positive, help="worker processes (default: one per core)")
    sub.add_argument(
        "--executor", choices=("local", "dask"), help="default: the file's, else local"
    )
    sub.add_argument("--scheduler", metavar="ADDR", help="a dask scheduler, tcp://host:port")
    sub.add_argument("--out", default="results", metavar="DIR", help="where the sweep folder goes")
    sub.add_argument("--resume", metavar="DIR", help="finish this unfinished sweep folder")
    sub.add_argument("--quiet", action="store_true", help="no progress bar")
    sub = add("analyze", "Sensitivity indices, heatmaps and plots of a finished sweep.")
    sub.add_argument(
        "folder",
        nargs="+",
        metavar="DIR",
        help="a sweep folder, or several (each is analysed in turn, oldest first; a shell "
        "pattern such as results/security-vs-economy-* may match more than one)",
    )
    sub.add_argument("--metric", help="the outcome (default: the sweep file's)")
    sub.add_argument(
        "--discover",
        metavar="CONDITION",
        help="scenario discovery: the box of parameters where a condition over the "
        'metrics holds, by PRIM with a CART check, e.g. "final_alignment.kazakhstan.china'
        ' > final_alignment.kazakhstan.russia" (default, when the sweep file sets '
        "analysis.threshold: the metric above it)",
    )
    _figure_options(sub)
