from __future__ import annotations

import json
from datetime import date

import jsonschema
import pytest
import yaml

from influence_sim import Scenario, ScenarioError, dump_scenario, load_scenario, parse_scenario
from influence_sim.format.explain import parameters
from influence_sim.format.loading import resolve_scenario
from influence_sim.format.schema import partial_schema, scenario_schema, schema_text
from tests.conftest import BUNDLED, DATA, SCENARIOS

BASELINE = SCENARIOS / "central-asia-2021.yaml"
KAZAKHSTAN = SCENARIOS / "kazakhstan-2022.yaml"


def test_schema_files_are_current():
    assert (SCENARIOS / "schema.json").read_text() == schema_text(), "run `make docs`"
    assert (SCENARIOS / "schema-partial.json").read_text() == schema_text(partial=True), (
        "run `make docs`"
    )


def _properties(node, where="$"):
    if isinstance(node, dict):
        for name, prop in node.get("properties", {}).items():
            yield f"{where}.{name}", prop
        for key, value in node.items():
            yield from _properties(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _properties(value, f"{where}[{i}]")


def test_every_field_has_a_description():
    undocumented = [w for w, prop in _properties(scenario_schema()) if not prop.get("description")]
    assert undocumented == []


def test_every_model_forbids_unknown_keys():
    for name, definition in scenario_schema()["$defs"].items():
        if definition.get("type") == "object":
            assert definition.get("additionalProperties") is False, name


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_bundled_scenarios_validate(path):
    scenario = load_scenario(path)
    assert scenario.name == path.stem


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_bundled_files_name_their_schema_and_match_it(path):
    text = path.read_text()
    raw = yaml.safe_load(text)
    wanted = "schema-partial.json" if "extends" in raw else "schema.json"
    assert text.splitlines()[0] == f"# yaml-language-server: $schema={wanted}"
    schema = partial_schema() if "extends" in raw else scenario_schema()
    as_json = json.loads(json.dumps(raw, default=lambda v: v.isoformat()))
    jsonschema.validate(as_json, schema)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_round_trip_through_yaml_is_lossless(path):
    scenario = load_scenario(path)
    text = dump_scenario(scenario)
    again = parse_scenario(text)
    assert again == scenario
    assert again.model_dump() == scenario.model_dump()
    # libyaml's emitter writes what PyYAML's own does: a scenario's hash is the same
    # whichever is installed.
    data = scenario.to_data()
    python = yaml.dump(data, Dumper=yaml.SafeDumper, sort_keys=False, allow_unicode=True)
    assert text.split("\n", 1)[1] == python


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_parameter_has_a_source(path):
    missing = [p.path for p in parameters(load_scenario(path)) if not p.source]
    assert missing == []


def test_the_baseline_covers_every_parameter_path_it_uses():
    scenario = load_scenario(BASELINE)
    paths = [p.path for p in parameters(scenario)]
    assert "states.kazakhstan.reliance.security.russia" in paths
    assert "powers.china.security_tools.surveillance" in paths
    assert "alliances.csto.commitment" in paths
    assert len(paths) > 150


def test_a_sixth_state_and_a_third_power_validate():
    scenario = load_scenario(DATA / "six-states-three-powers.yaml")
    assert len(scenario.states) == 6
    assert list(scenario.powers) == ["russia", "china", "turkey"]
    assert scenario.states["kazakhstan"].opinion["turkey"] == 0.4
    assert scenario.memberships["kazakhstan"] == ["csto", "sco", "ots"]


def test_extends_merges_mappings_and_appends_shocks():
    kz = load_scenario(KAZAKHSTAN)
    base = load_scenario(BASELINE)
    assert kz.calendar.start == date(2021, 12, 27)
    assert kz.states["tajikistan"].external_threat == 0.5
    assert kz.states["tajikistan"].population == base.states["tajikistan"].population
    assert [s.type for s in kz.shocks] == ["uprising", "security_request", "withdrawal"]
    push = load_scenario(SCENARIOS / "china-security-push.yaml")
    assert [s.type for s in push.shocks] == [*[s.type for s in kz.shocks], "set", "set"]


def test_a_changed_value_loses_its_inherited_source(write):
    path = write(
        "child.yaml",
        f"name: child\ntitle: t\nextends: {BASELINE}\nstates:\n  kyrgyzstan:\n    gdp: 9.9\n",
    )
    sources = {p.path: p.source for p in parameters(load_scenario(path))}
    assert sources["states.kyrgyzstan.gdp"] is None
    assert sources["states.kazakhstan.gdp"].startswith("World Bank")


def test_overrides_apply_after_extends_and_are_validated():
    scenario = load_scenario(
        KAZAKHSTAN,
        [
            "powers.russia.security_capacity=0.4",
            "states.kazakhstan.opinion.china=-0.2",
            "shocks[0].intensity=0.5",
            "calendar.step=1 day",
        ],
    )
    assert scenario.powers["russia"].security_capacity == 0.4
    assert scenario.states["kazakhstan"].opinion["china"] == -0.2
    assert scenario.shocks[0].intensity == 0.5
    assert scenario.timeline.step_days == 1
    assert scenario.timeline.step_of(date(2022, 1, 5)) == 9
    sources = {p.path: p.source for p in parameters(scenario)}
    assert sources["powers.russia.security_capacity"] == (
        "Override on the command line: powers.russia.security_capacity=0.4"
    )
    with pytest.raises(ScenarioError, match="less than or equal to 1"):
        load_scenario(KAZAKHSTAN, ["powers.russia.security_capacity=1.4"])


def test_reliance_self_takes_the_rest_or_must_close_the_sum(write):
    text = BASELINE.read_text().replace(
        "security: {russia: 0.55, china: 0.05}", "security: {russia: 0.55, china: 0.05, self: 0.4}"
    )
    assert (
        load_scenario(write("a.yaml", text)).states["kazakhstan"].reliance.security["self"] == 0.4
    )
    text = text.replace("self: 0.4}", "self: 0.3}")
    with pytest.raises(ScenarioError, match="must sum to 1"):
        load_scenario(write("b.yaml", text))


def test_scenario_is_plain_pydantic_from_python():
    scenario = load_scenario(BASELINE)
    assert Scenario.model_validate(scenario.model_dump()) == scenario


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_a_point_skips_only_the_sources_check_it_cannot_fail(path):
    """``resolve_scenario`` of a ``Scenario`` skips checking the sources when plain values
    replace plain values (a sweep's point); the full check must then find nothing either, and an
    override that adds a key is checked in full."""
    from influence_sim.format.paths import format_path, leaves
    from influence_sim.format.references import check_references

    scenario = load_scenario(path)
    data = scenario.model_dump(mode="python", include={"states", "powers", "dynamics"})
    numbers = [(p, v) for p, v in leaves(data) if isinstance(v, float) and 0 < v < 1]
    assert len(numbers) > 20
    for i, (where, value) in enumerate(numbers[:: max(1, len(numbers) // 25)]):
        text = format_path(where)
        point = resolve_scenario(scenario, [f"{text}={value * (0.5 + i % 3 * 0.2):.6f}"])
        assert check_references(point) == [], text
        assert point.sources[text].startswith("Override on the command line"), text
    # A mapping emptied: its source names no parameter any more, and is refused.
    for group in ("states.kazakhstan.elite_affinity", "powers.russia.reach"):
        with pytest.raises(ScenarioError, match=f"no parameter '{group}' to give a source"):
            resolve_scenario(scenario, [f"{group}={{}}"])
