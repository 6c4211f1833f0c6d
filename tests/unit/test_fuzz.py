"""Whatever YAML or override a user gives, the loader returns a Scenario or its own error."""

from __future__ import annotations

import datetime as dt
import string

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from influence_sim import Scenario, ScenarioError, load_scenario, parse_scenario
from influence_sim.format.explain import parameters
from influence_sim.format.scenario import Dynamics, PowerSpec, StateSpec
from tests.conftest import SCENARIOS

KZ = SCENARIOS / "kazakhstan-2022.yaml"
KZ_TEXT = KZ.read_text()

FIELD_NAMES = sorted(
    {
        *Scenario.model_fields,
        *StateSpec.model_fields,
        *PowerSpec.model_fields,
        *Dynamics.model_fields,
        "kazakhstan",
        "russia",
        "csto",
        "type",
        "uprising",
        "at",
        "security",
        "economy",
        "self",
    }
)
PATHS = [p.path for p in parameters(load_scenario(KZ))]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.sampled_from(
        ["1 week", "3 years", "0 days", "kazakhstan", "csto", "uprising", "2022-01-05"]
    ),
)
keys = st.one_of(
    st.sampled_from(FIELD_NAMES), st.text(string.ascii_lowercase + "_.*[]", max_size=12)
)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=6),
    max_leaves=30,
)


def _only_scenario_or_our_error(load) -> None:
    try:
        result = load()
    except ScenarioError as exc:
        problems = exc.problems
    else:
        assert isinstance(result, Scenario)
        return
    assert problems
    assert all(str(p) for p in problems)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_random_documents(document):
    text = yaml.safe_dump(document, allow_unicode=True)
    _only_scenario_or_our_error(lambda: parse_scenario(text))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_random_text(text):
    _only_scenario_or_our_error(lambda: parse_scenario(text))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.sampled_from(PATHS), st.text(string.printable, max_size=30)),
            st.one_of(scalars.map(str), st.text(string.printable, max_size=20)),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_random_overrides_on_a_real_scenario(assignments):
    overrides = [f"{path}={value}" for path, value in assignments]
    _only_scenario_or_our_error(lambda: load_scenario(KZ, overrides))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS), documents)
def test_random_values_at_real_paths(path, value):
    override = f"{path}={yaml.safe_dump(value, default_flow_style=True).strip()}"
    _only_scenario_or_our_error(lambda: load_scenario(KZ, [override]))


def test_the_fuzzers_reach_both_outcomes():
    """The properties above are only meaningful if valid inputs get through too."""
    assert isinstance(load_scenario(KZ, ["powers.russia.credibility=0.9"]), Scenario)
    with pytest.raises(ScenarioError, match="less than or equal to 1"):
        load_scenario(KZ, ["powers.russia.credibility=9"])
