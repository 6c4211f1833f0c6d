"""Scenario discovery on the bundled sweep: PRIM's box, its coverage and density, CART."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from influence_sim.cli.commands import main
from tests.conftest import ROOT

pytest.importorskip("ema_workbench", reason="the discovery extra is not installed")

CONDITION = "final_alignment.kazakhstan.china > final_alignment.kazakhstan.russia"


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    """The bundled security-vs-economy sweep with 3 replications per point (300 runs)."""
    folder = tmp_path_factory.mktemp("discovery")
    spec = yaml.safe_load((ROOT / "scenarios" / "sweeps" / "security-vs-economy.yaml").read_text())
    spec.update(base="kazakhstan-2022", replications=3)
    path = folder / "sweep.yaml"
    path.write_text(yaml.safe_dump(spec))
    assert main(["sweep", str(path), "--out", str(folder), "--quiet", "--workers", "1"]) == 0
    return next(folder.glob("security-vs-economy-*"))


def test_discover_prints_the_box_and_saves_the_peeling_plot(sweep, capsys):
    capsys.readouterr()
    assert main(["analyze", str(sweep), "--discover", CONDITION]) == 0
    printed = capsys.readouterr().out
    assert "PRIM box: coverage" in printed
    assert "density" in printed
    found = _folder_of(sweep, CONDITION)
    assert (found / "peeling.png").stat().st_size > 10_000
    box = pd.read_csv(found / "box.csv", index_col=0)
    trajectory = pd.read_csv(found / "trajectory.csv")
    # China leads only where Russia is too weak to answer Kazakhstan's call
    russia = box.loc["powers.russia.security_capacity"]
    assert bool(russia["restricted"])
    assert russia["high"] <= 0.2  # docs/sweeps.md: "at most about 0.15"
    # Issue 30: the folder says the whole condition, and the limits are tidy numbers.
    assert "china-gt-final_alignment.kazakhstan.russia-" in found.name, found.name
    assert "0000000" not in (found / "box.csv").read_text()
    assert trajectory["coverage"].iloc[0] == pytest.approx(1.0)
    reported = next(line for line in printed.splitlines() if "PRIM box" in line)
    coverage = float(reported.split("coverage ")[1].split()[0])
    assert coverage >= 0.5
    cart = (found / "cart.txt").read_text()
    assert "powers.russia.security_capacity" in cart
    assert float(cart.split("accuracy on the runs: ")[1].split()[0]) > 0.8


def test_the_sweep_files_threshold_starts_discovery(sweep, capsys, tmp_path):
    spec = yaml.safe_load((sweep / "spec.yaml").read_text())
    assert spec["analysis"]["threshold"] is None
    capsys.readouterr()
    # Not given and no threshold: analyze does not discover
    assert main(["analyze", str(sweep)]) == 0
    assert "PRIM" not in capsys.readouterr().out
    # A threshold in the file: the metric above it is the condition
    spec.update(replications=2, sampler={"method": "grid", "n": 5})
    spec["analysis"]["threshold"] = 0.35
    path = tmp_path / "threshold.yaml"
    path.write_text(yaml.safe_dump(spec))
    assert main(["sweep", str(path), "--out", str(tmp_path), "--quiet", "--workers", "1"]) == 0
    folder = Path(capsys.readouterr().out.splitlines()[0])
    assert main(["analyze", str(folder)]) == 0
    printed = capsys.readouterr().out
    assert "discover: final_alignment.kazakhstan.russia > 0.35" in printed
    assert "PRIM box: coverage" in printed


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("final_alignment.kazakhstan.chna > 0.3", "cannot evaluate it"),
        ("final_alignment.kazakhstan.china + 1", "expected true or false"),
        ("final_alignment.kazakhstan.china > 5", "nothing to discover"),
    ],
)
def test_bad_conditions_get_clear_errors(sweep, capsys, condition, message):
    assert main(["analyze", str(sweep), "--discover", condition]) == 1
    assert message in capsys.readouterr().err


def _folder_of(sweep: Path, condition: str) -> Path:
    """The discovery folder whose box.csv answers ``condition``."""
    for folder in (sweep / "analysis").glob("discover-*"):
        if set(pd.read_csv(folder / "box.csv")["condition"]) == {condition}:
            return folder
    raise AssertionError(f"no discovery folder for {condition}")


def test_two_conditions_that_read_alike_keep_their_own_folders(sweep, capsys):
    """'> 0.3' and '< 0.3' both wrote discover-final-alignment-kazakhstan-russia-0-3/: the
    second overwrote the first, and box.csv did not say which it was (issue 26, case 16)."""
    metric = "final_alignment.kazakhstan.russia"
    above, below = f"{metric} > 0.3", f"{metric} < 0.3"
    for condition in (above, below):
        assert main(["analyze", str(sweep), "--discover", condition]) == 0
    capsys.readouterr()
    first, second = _folder_of(sweep, above), _folder_of(sweep, below)
    assert first != second
    assert first.name.startswith("discover-final_alignment.kazakhstan.russia-gt-0.3-")
    assert second.name.startswith("discover-final_alignment.kazakhstan.russia-lt-0.3-")


def test_the_peeling_colour_bar_is_a_count():
    """Issue 30: the bar read 0.25 ... 1.75 for a count of 0, 1 or 2 parameters."""
    from influence_sim.viz.sweeps import count_scale

    counts, cmap, norm = count_scale(2)
    assert list(counts) == [0, 1, 2]
    assert cmap.N == 3
    assert [int(norm(c)) for c in counts] == [0, 1, 2], "one colour per whole number"
    assert list(norm.boundaries) == [-0.5, 0.5, 1.5, 2.5]
