"""A calibration's folder: its files, their checks, and ``Calibration``, what it found.

See :mod:`influence_sim.calibration.fitting` for how the folder is made.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from influence_sim.errors import InfluenceSimError
from influence_sim.format.calibration import CalibrationSpec
from influence_sim.results.metrics import weighted_interval
from influence_sim.results.posterior import INFO_FILE, PARTICLES_FILE, POSTERIOR_DIR
from influence_sim.results.storage import verify

SPEC_FILE, TARGETS_FILE, WAVES_FILE, NROY_FILE, HOLDOUT_FILE = (
    "calibration.yaml",
    "targets.yaml",
    "waves.csv",
    "nroy.csv",
    "holdout.csv",
)
MAX_LISTED = 20
"""A holdout of more figures is summed up in a line, not listed."""
VALIDATION_FILE = "validation.csv"
"""A holdout with a validation block: each figure scored against the null models."""
HOLDOUT_TARGETS = "holdout-{}.yaml"
"""The copy of a holdout's target file in the folder (its scenario made absolute)."""


@dataclass
class Calibration:
    """A calibration's folder and what its waves found."""

    folder: Path
    spec: CalibrationSpec
    waves: pd.DataFrame
    posterior: pd.DataFrame | None = None
    """The ABC particles (parameters, ``weight``, each datum's model value), if run."""
    holdout: pd.DataFrame | None = None
    """The holdout data predicted from the posterior (``check.predict``), if any."""
    validation: pd.DataFrame | None = None
    """A validation holdout's figures scored against the null models, if any."""

    @classmethod
    def load(cls, folder: str | os.PathLike[str]) -> Calibration:
        """Open a finished calibration folder (as ``RunResult.load`` and ``SweepResult.load``).

        Raises:
            InfluenceSimError: If it is not one, or not finished.
        """
        path = Path(folder)
        if not (path / WAVES_FILE).is_file():
            raise InfluenceSimError(f"{path}: not a finished calibration (no {WAVES_FILE})")
        try:
            status = json.loads((path / "manifest.json").read_text()).get("status")
        except (OSError, ValueError, AttributeError):
            status = None
        if status == "done":
            check_setup(path)
        if status != "done":
            raise InfluenceSimError(
                f"{path}: not a finished calibration (its manifest says {status or 'nothing'}"
                "); finish it with influence-sim calibrate --resume FOLDER"
            )
        spec = CalibrationSpec.model_validate(yaml.safe_load((path / SPEC_FILE).read_text()))
        particles = path / POSTERIOR_DIR / PARTICLES_FILE
        done = (path / POSTERIOR_DIR / INFO_FILE).is_file()
        posterior = pd.read_csv(particles) if done else None
        holdout = pd.read_csv(path / HOLDOUT_FILE) if (path / HOLDOUT_FILE).is_file() else None
        found = cls(path, spec, pd.read_csv(path / WAVES_FILE), posterior, holdout)
        if (path / VALIDATION_FILE).is_file():
            found.validation = pd.read_csv(path / VALIDATION_FILE)
        return found

    @property
    def nroy(self) -> pd.DataFrame:
        """The parameter values of the last wave's points not ruled out."""
        last = self.waves[self.waves["wave"] == self.waves["wave"].max()]
        return last[last["plausible"]][["point", *self.spec.parameters]].reset_index(drop=True)

    def lines(self) -> list[str]:
        """What each wave found, as printed."""
        out = []
        for wave, rows in self.waves.groupby("wave"):
            kept = int(rows["plausible"].sum())
            out.append(
                f"wave {wave}: {kept} of {len(rows)} points not ruled out "
                f"(smallest largest implausibility {rows['implausibility'].min():.2f})"
            )
        if self.nroy.empty:
            last = int(self.waves["wave"].max())
            out.append(
                f"no point of wave {last} is plausible: the data cannot be matched within "
                "the priors (waves.csv has each datum's implausibility)"
            )
        for path in self.spec.parameters:
            values = self.nroy[path]
            if len(values):
                out.append(f"{path}: {values.min():.4g} to {values.max():.4g}")
        if self.posterior is not None:
            for path in self.spec.parameters:
                low, mid, high = weighted_interval(self.posterior[path], self.posterior["weight"])
                out.append(
                    f"posterior {path}: median {mid:.4g}, 90% interval {low:.4g} to {high:.4g}"
                )
        if self.validation is not None:
            from influence_sim.calibration.validation import summary_line

            out.append(f"{summary_line(self.validation)} (validation.csv)")
        if self.holdout is not None:
            inside = int(self.holdout["inside"].sum())
            out.append(
                f"out of sample: {inside} of {len(self.holdout)} held-out figures inside the "
                "posterior predictive 90% interval (holdout.csv)"
            )
            if len(self.holdout) > MAX_LISTED:
                return out  # holdout.csv has each
            for _, row in self.holdout.iterrows():
                out.append(
                    f"  {row['target']}: observed {row['observed']:.3g}, predicted "
                    f"{row['median']:.3g} ({row['low']:.3g} to {row['high']:.3g}), at the "
                    f"defaults {row['at_defaults']:.3g}"
                )
        return out


def check_setup(folder: Path) -> None:
    """Refuse a calibration folder whose set-up files are not as written.

    The calibration, its targets and its holdouts: edited, its waves would be judged by
    other rules than those they ran under.

    Raises:
        InfluenceSimError: Naming the edited or missing files.
    """
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise InfluenceSimError(f"{folder}: cannot read its manifest.json ({exc})") from None
    recorded = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(recorded, dict):
        raise InfluenceSimError(
            f"{folder}: its manifest records no checksums of its set-up files (written by an "
            "earlier version, or damaged); run the calibration again"
        )
    verify(
        folder,
        recorded,
        hint="the calibration's files were changed after it started: restore them, or run "
        "the changed calibration as a new one",
    )
