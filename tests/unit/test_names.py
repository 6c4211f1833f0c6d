"""Misspelt names and fields in a parameter path: the path is named wrong, not the value.

A path reaches a state, power or alliance by its name (``powers.russia.credibility``).
Misspelt there, it used to make a new entry with one field and report every other
field of it as missing, at a line of a file the user never opened; it says which name
is unknown, where the path came from (--set, overrides, a sweep file's line) and the
name meant.
"""

from __future__ import annotations

import pytest

from influence_sim.cli.commands import main
from influence_sim.errors import ScenarioError
from influence_sim.format.loading import load_scenario
from tests.conftest import SCENARIOS

KZ = SCENARIOS / "kazakhstan-2022.yaml"
CITIZENS = SCENARIOS / "kazakhstan-2022-citizens.yaml"

NAMES = {
    # kind: (path, value, the message's start, the hint)
    "state": (
        "states.kazakstan.unrest",
        "0.4",
        "unknown state 'kazakstan'",
        "did you mean 'kazakhstan'?",
    ),
    "power": (
        "powers.rusia.security_capacity",
        "0.4",
        "unknown power 'rusia'",
        "did you mean 'russia'?",
    ),
    "alliance": (
        "alliances.cst.commitment",
        "0.5",
        "unknown alliance 'cst'",
        "did you mean 'csto'?",
    ),
    "state-in-population": (
        "population.states.kazakstan.legitimacy",
        "0.5",
        "unknown state 'kazakstan'",
        "did you mean 'kazakhstan'?",
    ),
    "power-in-opinion": (
        "states.kazakhstan.opinion.chnia",
        "0.1",
        "unknown power 'chnia'",
        "did you mean 'china'?",
    ),
}


def _validate(capsys, *args: str) -> str:
    assert main(["validate", *args]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return err


def _sweep(write, path: str, value: str, base=KZ) -> str:
    """A sweep file varying ``path``, written on line 5."""
    return str(
        write(
            "sweep.yaml",
            f"name: s\ntitle: A sweep\nbase: {base}\nparameters:\n  {path}: {value}\n"
            "sampler: {method: grid, n: 2}\nreplications: 1\nseed: 1\n",
        )
    )


@pytest.mark.parametrize("kind", sorted(NAMES))
def test_a_misspelt_name_in_set_is_named_with_a_suggestion(kind, capsys):
    path, value, message, hint = NAMES[kind]
    err = _validate(capsys, str(KZ), "--set", f"{path}={value}")
    assert f"{message} in --set {path}={value}; {hint}" in err, err
    assert "required field" not in err


@pytest.mark.parametrize("kind", sorted(NAMES))
def test_a_misspelt_name_in_overrides_is_named_with_a_suggestion(kind):
    path, value, message, hint = NAMES[kind]
    with pytest.raises(ScenarioError) as info:
        load_scenario(KZ, overrides=[f"{path}={value}"])
    text = str(info.value)
    assert text == f"{message} in overrides {path}={value}; {hint}"
    assert "required field" not in text


def test_a_misspelt_name_in_overrides_of_run_is_named():
    from influence_sim.drivers.runner import run

    with pytest.raises(ScenarioError) as info:
        run(KZ, replications=1, overrides={"powers.rusia.security_capacity": 0.4})
    assert str(info.value) == (
        "unknown power 'rusia' in overrides powers.rusia.security_capacity=0.4; "
        "did you mean 'russia'?"
    )


@pytest.mark.parametrize("kind", sorted(NAMES))
def test_a_misspelt_name_in_a_sweep_path_names_the_file_and_line(kind, write, capsys):
    path, _, message, hint = NAMES[kind]
    sweep = _sweep(write, path, "[0.1, 0.3]")
    err = _validate(capsys, sweep)
    assert f"{sweep}:5: parameters.{path}: {message} in the parameter path; {hint}" in err, err
    assert "required field" not in err
    assert "is not a valid value" not in err


def test_without_a_close_name_the_known_names_are_listed(capsys):
    err = _validate(capsys, str(KZ), "--set", "powers.turkey.security_capacity=0.4")
    assert (
        "unknown power 'turkey' in --set powers.turkey.security_capacity=0.4; expected one of "
        "'china', 'russia', or a new power given with every field it needs"
    ) in err, err
    assert "required field" not in err


def test_a_sweep_path_with_an_unknown_field_says_the_path_is_wrong(write, capsys):
    sweep = _sweep(write, "powers.russia.economic_power", "{values: [0.1, 0.2]}")
    err = _validate(capsys, sweep)
    assert (
        f"{sweep}:5: parameters.powers.russia.economic_power: the parameter path is wrong: "
        "unknown field 'economic_power' of a power; did you mean 'economic_capacity'?"
    ) in err, err
    assert "is not a valid value" not in err


def test_an_unknown_field_deeper_in_a_sweep_path_is_named_with_its_place(write, capsys):
    sweep = _sweep(write, "dynamics.ofer_weight", "[1.0, 2.0]")
    err = _validate(capsys, sweep)
    assert f"{sweep}:5: parameters.dynamics.ofer_weight: the parameter path is wrong" in err, err
    assert "unknown field 'ofer_weight' of 'dynamics'; did you mean 'offer_weight'?" in err
    assert "is not a valid value" not in err


def test_a_sweep_path_past_the_end_of_a_list_says_the_path_is_wrong(write, capsys):
    sweep = _sweep(write, "shocks[9].intensity", "[0.1, 0.5]")
    err = _validate(capsys, sweep)
    assert (
        f"{sweep}:5: parameters.shocks[9].intensity: the parameter path is wrong: 'shocks[9]' "
        "is not an entry of a list of 3; the last is 'shocks[2]'"
    ) in err, err
    assert "is not a valid value" not in err


# Regions are named in a list (population.states.<state>.regions) and by a price shock's
# 'region': never a key of a path. A misspelt region is a value, and each route says so.
REGION = ("shocks[0].region", "mangystay", "did you mean 'mangystau'?")


def test_a_misspelt_region_in_set_is_named_with_a_suggestion(capsys):
    path, value, hint = REGION
    err = _validate(capsys, str(CITIZENS), "--set", f"{path}={value}")
    assert f"--set {path}={value}: {path}: unknown region of 'kazakhstan'" in err, err
    assert hint in err
    assert "required field" not in err


def test_a_misspelt_region_in_overrides_is_named_with_a_suggestion():
    path, value, hint = REGION
    with pytest.raises(ScenarioError) as info:
        load_scenario(CITIZENS, overrides=[f"{path}={value}"])
    text = str(info.value)
    assert text.startswith(f"overrides {path}={value}: {path}: unknown region of 'kazakhstan'")
    assert hint in text
    assert "required field" not in text


def test_a_misspelt_region_in_a_sweep_is_a_value_named_with_a_suggestion(write, capsys):
    path, value, hint = REGION
    sweep = _sweep(write, path, f"{{values: [mangystau, {value}]}}", base=CITIZENS)
    err = _validate(capsys, sweep)
    assert f"{sweep}:5: parameters.{path}: '{value}' is not a valid value here: unknown region" in (
        err
    ), err
    assert hint in err
    assert "required field" not in err


def test_overrides_may_still_add_a_whole_power():
    """A new entry given whole, or every required field of it in turn, is not a misspelling."""
    fields = {
        "title": "Turkey",
        "security_capacity": 0.3,
        "deploy_delay": "1 week",
        "credibility": 0.5,
        "economic_capacity": 0.3,
    }
    whole = load_scenario(KZ, overrides={"powers.turkey": fields})
    assert whole.powers["turkey"].credibility == 0.5
    by_field = load_scenario(KZ, overrides={f"powers.turkey.{k}": v for k, v in fields.items()})
    assert by_field.powers == whole.powers
    partial = {f"powers.turkey.{k}": v for k, v in fields.items() if k != "credibility"}
    with pytest.raises(ScenarioError, match="unknown power 'turkey' in overrides"):
        load_scenario(KZ, overrides=partial)
