"""What check and calibrate say can be trusted: no silent passes, no crashes (issue 26).

Each test here failed before its fix; the cases are numbered as in the issue.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from influence_sim.calibration.check import check
from influence_sim.cli.commands import main
from influence_sim.errors import InfluenceSimError, ScenarioError
from influence_sim.format.targets import load_targets
from tests.conftest import SCENARIOS

KZ = SCENARIOS / "kazakhstan-2022.yaml"


def targets_file(tmp_path: Path, *targets: dict, name: str = "t") -> Path:
    path = tmp_path / f"{name}.yaml"
    spec = {
        "name": name,
        "title": "hostile targets",
        "scenario": str(KZ),
        "replications": 2,
        "targets": list(targets),
    }
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def target(quantity: dict, **rest) -> dict:
    return {
        "name": "x",
        "description": "a target",
        "quantity": quantity,
        "source": "a test",
        **({"expect": {"at_most": 0}} | rest),
    }


MISSPELT = [
    (
        {
            "events": {"kind": "decline", "actor": "rusia", "target": "kazakhstan"},
            "measure": "count",
        },
        "unknown power (the actor of 'decline') 'rusia'; did you mean 'russia'?",
    ),
    (
        {"events": {"kind": "acept", "actor": "russia"}},
        "unknown event kind 'acept'; did you mean 'accept'?",
    ),
    (
        {"series": {"table": "states", "state": "kazakstan", "column": "unrest"}, "at": 3},
        "unknown state 'kazakstan'; did you mean 'kazakhstan'?",
    ),
    (
        {"events": {"kind": "request", "actor": "kazakhstan", "target": "cst"}},
        "unknown alliance or power (a request's target) 'cst'; did you mean 'csto'?",
    ),
    (
        {"events": {"kind": "shock:uprising", "target": "kazakstan"}},
        "unknown target of 'shock:uprising' 'kazakstan'; did you mean 'kazakhstan'?",
    ),
]


@pytest.mark.parametrize(("quantity", "message"), MISSPELT, ids=lambda v: str(v)[:40])
def test_1_misspelt_names_in_targets_are_refused_by_check_and_validate(
    quantity, message, tmp_path, capsys
):
    """A misspelt name matched nothing, so 'at most 0' and 'share' targets held."""
    for statistic in ("median", "share"):
        path = targets_file(tmp_path, target(quantity, statistic=statistic))
        with pytest.raises(InfluenceSimError, match="target 'x': ") as caught:
            check(path)
        assert message in str(caught.value)
        assert main(["validate", str(path)]) == 1
        assert message in capsys.readouterr().err


def test_13_a_power_on_the_states_table_is_refused_when_the_file_is_read(tmp_path, capsys):
    quantity = {
        "series": {"table": "states", "state": "kazakhstan", "power": "russia"},
        "at": 3,
    }
    path = targets_file(tmp_path, target(quantity))
    with pytest.raises(ScenarioError, match="the states table has no power"):
        load_targets(path)
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:" in err
    assert "the states table has no power" in err
    assert "Traceback" not in err


def test_20_a_reversed_span_is_an_error_not_a_miss(tmp_path):
    reversed_steps = {"series": {"table": "states", "state": "kazakhstan", "column": "unrest"}}
    path = targets_file(tmp_path, target({**reversed_steps, "over": [10, 2]}))
    with pytest.raises(ScenarioError, match=r"the span over \[10, 2\] ends before it starts"):
        load_targets(path)
    # Dates the other way round, found when the dates are placed on the run's calendar.
    mixed = targets_file(
        tmp_path, target({**reversed_steps, "over": [10, "2022-01-03"]}), name="mixed"
    )
    with pytest.raises(InfluenceSimError, match=r"ends \(step 1\) before it starts \(step 10\)"):
        check(mixed)
