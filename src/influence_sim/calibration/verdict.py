"""What a check found: the targets' verdicts, the figures' scores, as printed and as data."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from influence_sim.calibration.validation import (
    family_table,
    pooled,
    signs_line,
    summary_line,
    trade_signs,
)
from influence_sim.errors import InfluenceSimError
from influence_sim.results.runs import now
from influence_sim.results.storage import atomic_write, folder_name


@dataclass
class CheckResult:
    """The targets of one check, with the model's values and whether each holds."""

    name: str
    title: str
    scenario: str
    table: pd.DataFrame
    posterior: str | None = None
    """The calibration whose posterior the runs drew their parameters from, if any."""
    scores: pd.DataFrame | None = None
    """With a validation block: each observed figure scored against the null models."""

    @property
    def passed(self) -> int:
        """How many targets hold."""
        return int(self.table["holds"].sum())

    def lines(self) -> list[str]:
        """As printed: a line per target, a line per family of figures, then the counts.

        The figures of a validation block are many; each family gets one line (the
        held-out figures' coverage and skill), and ``data:`` the summary of them all.
        """
        out = [f"{self.title} ({self.scenario})"]
        figures = set() if self.scores is None else set(self.scores["target"])
        for row in self.table.to_dict("records"):
            if row["target"] in figures:
                continue
            mark = "ok  " if row["holds"] else "MISS"
            far = float(row["implausibility"])
            extra = "" if math.isnan(far) else f", implausibility {far:.1f}"
            model = fmt(float(row["model"]))
            out.append(
                f"  {mark} {row['target']}: model {model}; expected {row['expected']}{extra}"
            )
        if self.scores is not None:
            out.extend(f"  {line}" for line in self._family_lines())
        out.append(f"  {self.passed} of {len(self.table)} targets hold")
        if self.posterior is not None:
            out.append(f"  (parameters drawn from the posterior of {self.posterior})")
        return out

    def _family_lines(self) -> list[str]:
        assert self.scores is not None
        scores = self.scores
        out = []
        for row in family_table(scores).to_dict("records"):
            family = scores[scores["family"] == row["family"]]
            matched = int(family["holds"].sum())
            out.append(
                f"{row['family']}: {matched} of {len(family)} figures within their tolerance; "
                f"held out {row['figures']}, {row['coverage_90']:.0%} inside the 90% "
                f"interval; skill vs persistence {_signed(row['skill_persistence'])}, vs "
                f"trend {_signed(row['skill_trend'])}, vs no preferences "
                f"{_signed(row['skill_no_preferences'])}"
            )
        wider = int(scores["band_wider_than_change"].sum())
        if wider:
            out.append(
                f"{wider} of {len(scores)} figures' pass bands are wider than their change "
                "since the last fitting year: a no-change forecast is within them too"
            )
        if (scores["family"] == "trade").any():
            out.append(signs_line(trade_signs(scores)))
        out.append(summary_line(scores))
        return out

    def records(self) -> list[dict[str, Any]]:
        """Per target, what ``check --json`` writes.

        The verdict and, with a validation block, each figure's family, role, interval,
        and each null's score and skill.
        """
        scores: dict[str, dict[str, Any]] = {}
        if self.scores is not None:
            scores = {
                str(r["target"]): {str(k): v for k, v in r.items()}
                for r in self.scores.to_dict("records")
            }
        out = []
        for row in self.table.to_dict("records"):
            item: dict[str, Any] = {
                key: _plain(row[key])
                for key in ("target", "kind", "model", "observed", "implausibility", "holds")
            }
            item["expected"] = row["expected"]
            figure = scores.get(row["target"])
            if figure is not None:
                item.update({key: _plain(value) for key, value in figure.items()})
            out.append(item)
        return out

    def to_json(self) -> dict[str, Any]:
        """The whole check as plain data: the targets, and the held-out summary."""
        data: dict[str, Any] = {
            "name": self.name,
            "scenario": self.scenario,
            "seed": int(self.table["seed"].iloc[0]) if len(self.table) else None,
            "posterior": self.posterior,
            "passed": self.passed,
            "targets": self.records(),
        }
        if self.scores is not None:
            data["held_out"] = {k: _plain(v) for k, v in pooled(self.scores).items()}
            data["summary"] = summary_line(self.scores)
            data["trade_signs"] = [
                {k: _plain(v) for k, v in row.items()}
                for row in trade_signs(self.scores).to_dict("records")
            ]
            data["families"] = [
                {k: _plain(v) for k, v in row.items()}
                for row in family_table(self.scores).to_dict("records")
            ]
        return data

    def save(self, out: str | os.PathLike[str] = "results") -> Path:
        """Write the table in ``out`` as ``check-<name>-<stamp>-<hash>.csv``.

        Written whole or not at all, and never over an earlier check's table.
        """
        where = Path(out)
        if where.exists() and not where.is_dir():
            raise InfluenceSimError(f"{where}: is a file; --out needs a folder")
        self._refuse_another_runs_folder(where)
        where.mkdir(parents=True, exist_ok=True)
        key = f"{self.scenario}:{self.table.to_csv(index=False)}"
        path = where / (folder_name(f"check-{self.name}", now(), key) + ".csv")
        atomic_write(path, lambda temporary: self.table.to_csv(temporary, index=False))
        return path

    def _refuse_another_runs_folder(self, where: Path) -> None:
        """Refuse a run's results folder of another scenario.

        Its report shows the checks saved in it under "Checks", as that run's.
        """
        try:
            manifest = json.loads((where / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return  # not a results folder
        theirs = manifest.get("scenario_sha256") if isinstance(manifest, dict) else None
        ours = set(self.table["scenario_sha256"]) if "scenario_sha256" in self.table else set()
        if theirs is not None and ours != {theirs}:
            raise InfluenceSimError(
                f"{where}: the results of a run of '{manifest.get('scenario')}', not of "
                f"'{self.scenario}' as checked (another scenario, or other overrides): its "
                "report would show this check as that run's; give another --out"
            )


def _plain(value: Any) -> Any:
    """A value JSON can hold: numpy scalars as Python's, NaN as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def fmt(value: float | None) -> str:
    """A number as a check prints it (three significant figures; ``none`` for none)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "none"
    return f"{value:.3g}"


def _signed(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:+.2f}"
