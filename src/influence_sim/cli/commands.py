"""The ``influence-sim`` command line: a thin layer over the package's API.

Each command calls the public API. The package's own errors become a short
message on standard error and exit code 1; usage mistakes exit with 2. Users
never see a traceback for their own mistakes.
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from influence_sim.cli.parser import build_parser
from influence_sim.cli.process import log_to_stderr, one_line_warnings, terminate_as_interrupt
from influence_sim.cli.serve import dashboard
from influence_sim.errors import InfluenceSimError, Interrupted
from influence_sim.format.bundled import bundled_files, find_scenario, find_sweep
from influence_sim.format.calibration import load_calibration
from influence_sim.format.explain import format_markdown, format_table, parameters
from influence_sim.format.loading import load_scenario, overrides_from, resolve_scenario
from influence_sim.format.schema import schema_text
from influence_sim.format.sweepfile import file_kind, is_sweep_file, load_sweep
from influence_sim.format.targets import load_targets
from influence_sim.results.provenance import invoked_as

if TYPE_CHECKING:
    from influence_sim.results.runs import RunResult

EXIT_INPUT = 1

Command = Callable[[argparse.Namespace], int]


def command_line(argv: Sequence[str] | None = None) -> list[str]:
    """The command line, for manifests: ``argv`` as given to ``main``, else this process's."""
    if argv is not None:
        return ["influence-sim", *argv]
    return [Path(sys.argv[0]).name, *sys.argv[1:]]


def _check_file(name: str, overrides: list[str]) -> str:
    """Load a scenario, sweep, target or calibration file (told apart by its keys).

    Returns what it holds, in a line.
    """
    kind = file_kind(name)
    if kind in ("targets", "calibration") and overrides:
        raise InfluenceSimError(f"--set applies to scenarios, not to a {kind} file")
    if kind == "targets":
        from influence_sim.calibration.checks import check_names
        from influence_sim.calibration.validation import expand, protocol_figures

        targets = load_targets(name)
        scenario = resolve_scenario(targets.scenario)
        check_names(targets, scenario)  # names a run has
        data = sum(t.observed is not None for t in targets.targets)
        line = (
            f"{len(targets.targets)} targets for {targets.scenario} "
            f"({_count(len(targets.targets) - data, 'pattern')}, {data} data)"
        )
        if targets.validation is not None:  # what check would refuse: no figure covered
            expand(targets, scenario)
            v = targets.validation
            figures = (
                f"{len(protocol_figures(targets, scenario))} observed figures of "
                f"{', '.join(v.families)} (fitting {v.fit[0]}-{v.fit[1]}, held out "
                f"{v.held_out[0]}-{v.held_out[1]})"
            )
            line = f"{line}, and {figures}" if targets.targets else f"{figures} for {scenario.name}"
        return line
    if kind == "calibration":
        from influence_sim.calibration.preflight import preflight

        calibration = preflight(load_calibration(name)[0])  # what calibrate would refuse
        method = "history matching" + (" and ABC-SMC" if calibration.abc else "")
        return f"a calibration of {len(calibration.parameters)} parameters by {method}"
    if is_sweep_file(name):
        if overrides:
            raise InfluenceSimError(
                "--set applies to scenarios; a sweep's fixed changes go in its 'overrides'"
            )
        spec, base = load_sweep(name)
        from influence_sim.format.sweepspec import base_label
        from influence_sim.sweeps.sweep import base_levels, check_record_targets

        check_record_targets(spec, base_levels(spec, base))  # as the sweep would refuse them

        over = (
            "the scenarios " + ", ".join(base_label(b) for b in spec.base)
            if isinstance(spec.base, list)
            else base.name
        )
        n = len(spec.parameters)
        return (
            f"a sweep of {n} parameter{'s' if n != 1 else ''} ({spec.sampler.method} sampler, "
            f"{spec.replications} replications) over {over}"
        )
    scenario = load_scenario(find_scenario(name), overrides)
    t = scenario.timeline
    return (
        f"{scenario.title} ({len(scenario.states)} states, {len(scenario.powers)} powers, "
        f"{len(scenario.shocks)} shocks, {t.n_steps} steps of {t.step_days} days from "
        f"{t.start.isoformat()})"
    )


def _validate(args: argparse.Namespace) -> int:
    failed = 0
    for name in args.files:
        try:
            line = _check_file(name, args.set)
        except InfluenceSimError as exc:
            failed += 1
            print(f"invalid  {name}", file=sys.stderr)
            for line in str(exc).splitlines():
                print(f"  {line}", file=sys.stderr)
            continue
        print(f"ok       {name}: {line}")
    if failed:
        print(f"{failed} of {len(args.files)} files are not valid", file=sys.stderr)
    return EXIT_INPUT if failed else 0


def _list(args: argparse.Namespace) -> int:
    rows = []
    for path in bundled_files():
        scenario = load_scenario(path)
        rows.append((path.stem, scenario.title))
    from influence_sim.format.bundled import scenario_dir
    from influence_sim.format.sweepspec import SweepSpec

    sweeps = []
    for path in sorted((scenario_dir() / "sweeps").glob("*.yaml")):
        spec = SweepSpec.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        sweeps.append((path.stem, spec.title))
    width = max(len(name) for name, _ in rows + sweeps)
    print("scenarios:")
    for name, title in rows:
        print(f"  {name:<{width}}  {title}")
    if sweeps:
        print("sweeps (influence-sim sweep NAME):")
        for name, title in sweeps:
            print(f"  {name:<{width}}  {title}")
    return 0


def _explain(args: argparse.Namespace) -> int:
    scenario = load_scenario(find_scenario(args.file), args.set)
    params = parameters(scenario)
    if args.format == "markdown":
        print(format_markdown(params))
    else:
        print(f"{scenario.name}: {scenario.title}\n")
        print(format_table(params, width=args.width))
    missing = [p.path for p in params if p.source is None]
    if missing:
        print(
            f"\n{len(missing)} parameters have no source: {', '.join(missing[:5])}"
            f"{' ...' if len(missing) > 5 else ''}",
            file=sys.stderr,
        )
    return 0


def _run(args: argparse.Namespace) -> int:
    from influence_sim.cli.report import describe
    from influence_sim.drivers.runner import run
    from influence_sim.viz.files import close_helper, figure_helper, start_standard_plots

    # Half the figures are drawn in a second process, which starts while the run computes.
    helper = None if args.no_plots else figure_helper()
    try:
        result = run(
            find_scenario(args.file),
            seed=args.seed,
            replications=args.replications,
            driver=args.driver,
            overrides=args.set,
            record_every=args.record_every,
            progress=not args.quiet,
            posterior=args.posterior,
        )

        settle()

        def draw(done: RunResult, plots: Path) -> object:
            # The helper starts on its figures; the rest are drawn after the tables.
            return start_standard_plots(
                done, plots, format=args.format, dpi=args.dpi, helper=helper, window=args.window
            )

        folder = result.save(
            args.out, draw=None if args.no_plots else draw, csv=True if args.csv else None
        )
    finally:
        close_helper(helper)
    print(folder)
    for line in describe(result):
        print(f"  {line}")
    if args.report:
        from influence_sim.cli.htmlreport import write_report

        print(f"  Report: {write_report(folder)}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from influence_sim.analysis.comparison import compare

    comparison = compare(
        find_scenario(args.base),
        find_scenario(args.other),
        seed=args.seed,
        replications=args.replications,
        overrides=args.set,
        overrides_a=args.set_a,
        overrides_b=args.set_b,
        state=args.state,
        progress=not args.quiet,
    )
    print(comparison.save(args.out, format=args.format, dpi=args.dpi))
    for line in comparison.summary():
        print(f"  {line}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from influence_sim.calibration.checks import check
    from influence_sim.format.targets import targets_for

    if args.file is None and args.targets is None:
        raise InfluenceSimError("give a scenario, a target file (--targets), or both")
    targets = args.targets if args.targets is not None else targets_for(args.file)
    scenario = find_scenario(args.file) if args.file is not None else None
    result = check(
        targets,
        scenario,
        replications=args.replications,
        seed=args.seed,
        posterior=args.posterior,
    )
    saved = result.save(args.out)
    if args.json:
        print(json.dumps({**result.to_json(), "table": str(saved)}, indent=1))
    else:
        print(saved)
        for line in result.lines():
            print(f"  {line}")
    failed = len(result.table) - result.passed
    return 1 if args.strict and failed else 0


def _calibrate(args: argparse.Namespace) -> int:
    from influence_sim.calibration.fitting import calibrate, resume_calibration

    if (args.file is None) == (args.resume is None):
        raise InfluenceSimError("give a calibration file, or --resume DIR (not both)")
    with terminate_as_interrupt():
        if args.resume is not None:
            result = resume_calibration(args.resume, workers=args.workers, progress=not args.quiet)
        else:
            result = calibrate(
                args.file,
                out=args.out,
                workers=args.workers,
                progress=not args.quiet,
            )
    print(result.folder)
    for line in result.lines():
        print(f"  {line}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from influence_sim.cli.htmlreport import write_report

    print(write_report(args.folder))
    return 0


def _plot(args: argparse.Namespace) -> int:
    from influence_sim.results.runs import RunResult
    from influence_sim.viz import animate_map, plot_map, save_figure, save_standard_plots

    result = RunResult.load(args.folder)
    plots = Path(args.folder) / "plots"
    # the map at the last step among them
    written = save_standard_plots(
        result, plots, format=args.format, dpi=args.dpi, window=args.window
    )
    if args.step is not None:
        path = plots / f"map-step-{args.step}.{args.format}"
        written.append(
            save_figure(path, lambda ax: plot_map(result, step=args.step, ax=ax), dpi=args.dpi)
        )
    if args.animate:
        written.append(animate_map(result, plots / "map.gif", every=args.every))
    for path in written:
        print(path)
    return 0


def _clean(args: argparse.Namespace) -> int:
    from influence_sim.results.runs import clean_stale, stale_leftovers

    folder = Path(args.folder)
    if not folder.is_dir():
        raise InfluenceSimError(f"{folder}: no such folder")
    found = stale_leftovers(folder) if args.dry_run else clean_stale(folder)
    failed = failed_calibrations(folder)  # stopped, and said why: nothing to resume
    if not args.dry_run:
        for path in failed:
            shutil.rmtree(path)
    verb = "would remove" if args.dry_run else "removed"
    for path in [*found, *failed]:
        print(f"{verb} {path}")
    print(
        f"{folder}: {verb} {len(found)} unfinished leftover(s) of killed runs and sweeps "
        f"and {len(failed)} failed calibration(s)"
    )
    return 0


def failed_calibrations(folder: Path) -> list[Path]:
    """Calibration folders in ``folder`` that failed before any wave was judged.

    A calibration is marked failed only when it cannot succeed as it stands (runs that
    fail, a posterior that collapsed), never for a failure of the machine, which leaves
    it running and resumable. One whose waves were judged (``waves.csv``) is kept: its
    history matching is a result.
    """
    import json

    out = []
    for path in sorted(folder.iterdir()):
        manifest_file = path / "manifest.json"
        if path.is_symlink() or manifest_file.is_symlink() or not manifest_file.is_file():
            continue
        if (path / "waves.csv").exists():
            continue
        try:
            manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        kind = manifest.get("kind") if isinstance(manifest, dict) else None
        if kind == "calibration" and manifest.get("status") == "failed":
            out.append(path)
    return out


def _sweep(args: argparse.Namespace) -> int:
    from influence_sim.sweeps.sweep import resume_sweep, run_sweep

    settle()
    if args.resume is None and args.file is None:
        raise InfluenceSimError("give a sweep file, or --resume DIR to finish a sweep")
    with terminate_as_interrupt(), log_to_stderr("influence_sim"):
        if args.resume is not None:
            result = resume_sweep(
                args.resume,
                executor=args.executor,
                workers=args.workers,
                scheduler=args.scheduler,
                progress=not args.quiet,
            )
        else:
            result = run_sweep(
                find_sweep(args.file),
                out=args.out,
                executor=args.executor,
                workers=args.workers,
                scheduler=args.scheduler,
                progress=not args.quiet,
            )
    print(result.folder)
    print(f"  {result.n_runs} runs over {len(result.points)} points; {result.failed} failed")
    if result.failed:
        for message, n in result.failure_reasons():
            print(f"  {n} runs failed: {message}", file=sys.stderr)
        return EXIT_INPUT
    return 0


def _analyze(args: argparse.Namespace) -> int:
    from influence_sim.analysis.sensitivity import analyze
    from influence_sim.sweeps.sweep import SweepResult

    folders = sorted(dict.fromkeys(args.folder), key=lambda f: Path(f).name)
    if len(folders) > 1:
        print(f"{len(folders)} sweep folders given; each is analysed in turn, oldest first")
    for given in folders:
        result = SweepResult.load(given)
        folder, lines = analyze(result, metric=args.metric, format=args.format, dpi=args.dpi)
        if args.discover or result.spec.analysis.threshold is not None:
            from influence_sim.analysis.discovery import discover

            lines += discover(result, args.discover).lines()
        print(folder)
        for line in lines:
            print(f"  {line}")
    return 0


def _schema(args: argparse.Namespace) -> int:
    text = schema_text(
        partial=args.partial, sweep=args.sweep, targets=args.targets, calibration=args.calibration
    )
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _count(n: int, noun: str) -> str:
    """``1 pattern``, ``2 patterns``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


HANDLERS: dict[str, Command] = {
    "validate": _validate,
    "list": _list,
    "explain": _explain,
    "run": _run,
    "compare": _compare,
    "check": _check,
    "calibrate": _calibrate,
    "dashboard": dashboard,
    "clean": _clean,
    "plot": _plot,
    "report": _report,
    "sweep": _sweep,
    "analyze": _analyze,
    "schema": _schema,
}
"""The function behind each command of :func:`influence_sim.cli.parser.build_parser`."""


_SETTLE = False
"""Whether this process is the command itself (``entry``), not a caller of ``main``."""


def settle() -> None:
    """Exempt what is loaded so far from the garbage collector's passes (the command only).

    Modules, the scenario and a run's tables live as long as the command; matplotlib
    makes cycles by the thousand, and each full pass of the collector would walk all of
    them again: figures draw a quarter faster.
    """
    if _SETTLE:
        gc.freeze()


def resume_hint(stopped: Interrupted, args: argparse.Namespace) -> str:
    """What finished is kept, and the exact command that resumes an interrupted job."""
    import shlex

    command = ["influence-sim", stopped.kind, "--resume", stopped.folder]
    for option in ("executor", "workers", "scheduler"):
        value = getattr(args, option, None)
        if value is not None:
            command += [f"--{option}", str(value)]
    return f"the finished work is kept; resume it with: {shlex.join(command)}"


def entry() -> int:
    """The ``influence-sim`` command and ``python -m influence_sim``: ``main``, as a process."""
    global _SETTLE
    _SETTLE = True
    settle()
    return main()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        # Messages name an override by where it was given; manifests record the command.
        with overrides_from("--set"), invoked_as(command_line(argv)), one_line_warnings():
            code: int = HANDLERS[args.command](args)
    except InfluenceSimError as exc:
        print(f"influence-sim: {exc}" if "\n" not in str(exc) else str(exc), file=sys.stderr)
        return EXIT_INPUT
    except Interrupted as exc:
        print(f"influence-sim: interrupted; {resume_hint(exc, args)}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("influence-sim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    return code


if __name__ == "__main__":
    sys.exit(entry())
