"""``influence-sim report DIR``: one self-contained HTML file for a run, a comparison or a sweep.

The report says what was run (scenario, overrides, seed, versions, hashes), what happened
in words, shows every figure of the folder embedded (no file or network beside it), the
key tables, and the checks of ``influence-sim check`` saved in the folder, if any. It is
written as ``DIR/report.html``, whole or not at all, and opens offline.
"""

from __future__ import annotations

import base64
import html
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from influence_sim.errors import InfluenceSimError
from influence_sim.results.storage import atomic_write

REPORT_FILE = "report.html"
STYLE = """
body { font-family: sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
table { border-collapse: collapse; font-size: 0.9em; margin: 0.5em 0; }
td, th { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; }
figure { margin: 1em 0; } img { max-width: 100%; }
figcaption { font-size: 0.85em; color: #555; }
.cite { background: #f4f4f4; padding: 0.5em; font-size: 0.9em; }
"""


def write_report(folder: str | os.PathLike[str]) -> Path:
    """Write ``report.html`` in a run, comparison or sweep folder; returns its path.

    Raises:
        InfluenceSimError: If the folder is none of the three, or cannot be read.
    """
    path = Path(folder)
    manifest_file = path / "manifest.json"
    if not manifest_file.is_file():
        raise InfluenceSimError(f"{path}: not a results folder (no manifest.json)")
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    kind = manifest.get("kind") or ("run" if "scenario_sha256" in manifest else None)
    if kind == "sweep":
        body = _sweep(path, manifest)
    elif kind == "comparison":
        body = _comparison(path, manifest)
    elif kind == "run":
        body = _run(path)
    else:
        raise InfluenceSimError(
            f"{path}: a report is written for a run, a comparison or a sweep folder; this "
            f"one is a {kind or 'folder of another kind'}"
        )
    body += _checks(path)
    text = (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(path.name)}</title><style>{STYLE}</style></head><body>\n"
        f"{body}\n</body></html>\n"
    )
    target = path / REPORT_FILE
    atomic_write(target, lambda temporary: Path(temporary).write_text(text, encoding="utf-8"))
    return target


def _run(path: Path) -> str:
    from influence_sim.cli.report import describe
    from influence_sim.results.runs import RunResult

    result = RunResult.load(path)
    manifest = result.manifest
    parts = [
        f"<h1>{html.escape(result.scenario.title)}</h1>",
        _cite(manifest, f"run of {result.name}"),
        "<h2>What was run</h2>",
        _pairs(_provenance(manifest) + _departures(result)),
        "<h2>What happened</h2>",
        _list(describe(result)),
        "<h2>Figures</h2>",
        _figures(path / "plots", result),
        "<h2>Summary over replications</h2>",
        _table(_summary_table(result.tables["summary"])),
    ]
    return "\n".join(parts)


def _comparison(path: Path, manifest: dict[str, Any]) -> str:
    from influence_sim.results.runs import RunResult

    a, b = (RunResult.load(path / manifest[side]) for side in ("a", "b"))
    differences = pd.read_parquet(path / "differences.parquet")
    last = differences[differences["step"] == differences["step"].max()]
    table = last.groupby("power", observed=True)["value"].describe(percentiles=[0.1, 0.5, 0.9])
    what = f"{b.name} minus {a.name}, paired by seed"
    rows = [
        ("a", f"{a.name}: {a.scenario.title}"),
        ("b", f"{b.name}: {b.scenario.title}"),
        ("overrides of a alone", ", ".join(manifest.get("overrides_a", [])) or "none"),
        ("overrides of b alone", ", ".join(manifest.get("overrides_b", [])) or "none"),
        *_provenance(manifest),
    ]
    parts = [
        f"<h1>Comparison: {html.escape(what)}</h1>",
        _cite(manifest, f"comparison of {b.name} with {a.name}"),
        "<h2>What was run</h2>",
        _pairs(rows),
        "<h2>What it found</h2>",
        f"<p>Paired differences ({html.escape(what)}) in {html.escape(manifest['state'])}'s "
        "overall alignment with each power at the last step, over replications:</p>",
        _table(table),
        "<h2>Figures</h2>",
        _figures(path / "plots", None),
    ]
    for side, result in (("a", a), ("b", b)):
        parts += [f"<h3>{side}: {html.escape(result.name)}</h3>"]
        parts += [_figures(path / manifest[side] / "plots", result)]
    return "\n".join(parts)


def _sweep(path: Path, manifest: dict[str, Any]) -> str:
    from influence_sim.sweeps.sweepresult import SweepResult

    result = SweepResult.load(path)
    spec = result.spec
    rows = [
        ("title", spec.title),
        ("base", ", ".join(spec.bases)),
        ("parameters", ", ".join(spec.parameters)),
        ("sampler", f"{spec.sampler.method} ({manifest.get('points')} points)"),
        ("runs", f"{result.n_runs} ({result.failed} failed)"),
        *_provenance(manifest),
    ]
    analysis = path / "analysis"
    folders = sorted(analysis.iterdir()) if analysis.is_dir() else []
    outcomes = result.metrics.drop(columns=["point", "replication"])
    parts = [
        f"<h1>Sweep: {html.escape(spec.title)}</h1>",
        _cite(manifest, f"sweep {spec.name}"),
        "<h2>The answer</h2>",
        _list(_answers(folders, result.spec.sampler.method, len(result.points)))
        if folders
        else "<p>No analysis yet: <code>influence-sim analyze</code> adds the answer and "
        "its figures.</p>",
    ]
    for folder in folders:
        parts += [f"<h2>Analysis of {html.escape(folder.name)}</h2>"]
        if (folder / "box.csv").is_file():  # the discovery's answer: its box
            parts += [
                "<p>The box (box.csv)</p>",
                _table(pd.read_csv(folder / "box.csv", index_col=0)),
            ]
        parts += [_figures(folder, None)]
        for name in ("indices.csv", "heatmap.csv"):
            if (folder / name).is_file():
                parts += [_details(name, pd.read_csv(folder / name, index_col=0))]
    parts += [
        "<h2>What was run</h2>",
        _pairs(rows),
        _details(
            f"Outcomes over all runs ({len(outcomes.columns)} metrics)", _summary_table(outcomes)
        ),
    ]
    return "\n".join(parts)


def _answers(folders: list[Path], method: str, points: int) -> list[str]:
    """The sweep's answers in words, from what ``analyze`` wrote: first what matters."""
    from influence_sim.analysis.sensitivity import sobol_warning

    lines = []
    for folder in folders:
        name = folder.name
        indices = folder / "indices.csv"
        if indices.is_file():
            table = pd.read_csv(indices)
            key = "ST" if "ST" in table else "mu_star"
            ranked = table.sort_values(key, ascending=False)
            top = ranked.iloc[0]
            conf = f" ± {top[key + '_conf']:.2f}" if key + "_conf" in table else ""
            rest = ", ".join(
                f"{r['parameter']} ({r[key]:.2f})" for _, r in ranked.iloc[1:3].iterrows()
            )
            lines.append(
                f"{name} depends most on {top['parameter']} ({key} {top[key]:.2f}{conf})"
                + (f"; then {rest}." if rest else ".")
            )
            warning = sobol_warning(table, points) if key == "ST" else None
            if warning:
                lines.append(warning)
        heat = folder / "heatmap.csv"
        if heat.is_file():
            grid = pd.read_csv(heat, index_col=0)
            lines.append(
                f"{name} runs from {grid.min().min():.3g} to {grid.max().max():.3g} over the "
                f"grid of {grid.index.name or 'rows'} by {grid.columns.name or 'columns'} "
                "(heatmap.csv: medians per point)."
            )
        box = folder / "box.csv"
        if box.is_file():
            limits = pd.read_csv(box, index_col=0)
            held = limits[limits["restricted"].astype(bool)]
            where = "; ".join(
                f"{p}: {r['levels']}"
                if isinstance(r["levels"], str) and r["levels"]
                else f"{p} from {r['low']:.3g} to {r['high']:.3g}"
                for p, r in held.iterrows()
            )
            first = limits.iloc[0]
            lines.append(
                f"'{first['condition']}' holds where {where or 'nothing is restricted'} "
                f"(coverage {first['coverage']:.2f}, density {first['density']:.2f})."
            )
    return lines or [f"analyze wrote nothing to summarise for this {method} sweep"]


def _details(title: str, frame: pd.DataFrame) -> str:
    """A long table, folded: its title shows, the rows on a click."""
    return f"<details><summary>{html.escape(title)}</summary>{_table(frame)}</details>"


def _checks(path: Path) -> str:
    """The tables of ``influence-sim check`` saved in the folder, if any."""
    found = sorted(path.glob("check-*.csv"))
    if not found:
        return ""
    parts = ["<h2>Checks</h2>"]
    for file in found:
        table = pd.read_csv(file)
        held = int(table["holds"].sum())
        parts += [f"<p>{html.escape(file.name)}: {held} of {len(table)} targets hold</p>"]
        parts += [_table(table.drop(columns=["source"], errors="ignore").set_index("target"))]
    return "\n".join(parts)


def _provenance(manifest: dict[str, Any]) -> list[tuple[str, str]]:
    versions = manifest.get("versions", {})
    rows: list[tuple[str, str]] = [
        (key, str(manifest[key]))
        for key in (
            "scenario",
            "scenario_sha256",
            "seed",
            "seed_derivation",
            "replications",
            "driver",
            "uncertainty",
            "started",
            "finished",
            "spec_sha256",
        )
        if key in manifest and manifest[key] is not None
    ]
    if versions:
        rows.append(("versions", ", ".join(f"{k} {v}" for k, v in versions.items())))
    if manifest.get("command"):
        rows.append(("command", " ".join(map(str, manifest["command"]))))
    if manifest.get("posterior"):
        posterior = manifest["posterior"]
        rows.append(
            (
                "posterior",
                f"{posterior.get('calibration')}: {', '.join(posterior['parameters'])} "
                f"(particles.csv sha256 {posterior['sha256']})",
            )
        )
    return rows


def _departures(result: Any) -> list[tuple[str, str]]:
    """What the run's overrides changed from the scenario as written."""
    if not result.scenario.is_departure:
        return [("overrides", "none: the scenario as written")]
    from influence_sim.format.explain import overrides_text

    return [("overrides", overrides_text(result.scenario) or "none")]


def _cite(manifest: dict[str, Any], what: str) -> str:
    versions = manifest.get("versions", {})
    when = str(manifest.get("finished") or manifest.get("started") or "")[:10]
    key = manifest.get("scenario_sha256") or manifest.get("spec_sha256") or ""
    line = (
        f"influence-sim {versions.get('influence-sim', '')}: {what}, seed "
        f"{manifest.get('seed')}, {when}"
        + (f", sha256 {key[:12]}" if key else "")
        + ". See CITATION.cff for the software's citation."
    )
    return f"<p class='cite'>{html.escape(line)}</p>"


def _figures(folder: Path, result: Any) -> str:
    """Every figure in ``folder`` embedded; a run without figures has them drawn now."""
    files = sorted(
        p for p in folder.glob("*") if p.suffix in (".png", ".svg")
    ) if folder.is_dir() else []  # fmt: skip
    if not files and result is not None:
        import tempfile

        from influence_sim.viz import save_standard_plots

        with tempfile.TemporaryDirectory() as drawn:
            return _embed(save_standard_plots(result, Path(drawn)))
    return _embed(files)


def _embed(files: Iterable[Path]) -> str:
    out = []
    for file in files:
        kind = "image/svg+xml" if file.suffix == ".svg" else "image/png"
        data = base64.b64encode(file.read_bytes()).decode("ascii")
        out.append(
            f"<figure><img alt='{html.escape(file.stem)}' src='data:{kind};base64,{data}'>"
            f"<figcaption>{html.escape(file.name)}</figcaption></figure>"
        )
    return "\n".join(out) or "<p>No figures.</p>"


def _summary_table(frame: pd.DataFrame) -> pd.DataFrame:
    numeric = frame.drop(columns=["replication"], errors="ignore").select_dtypes("number")
    return numeric.describe(percentiles=[0.1, 0.5, 0.9]).T


def _pairs(rows: list[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


def _list(lines: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in lines) + "</ul>"


def _table(frame: pd.DataFrame) -> str:
    return str(frame.to_html(float_format=lambda v: f"{v:.4g}", border=0, escape=True))
