from __future__ import annotations

import pytest

from influence_sim.format.paths import covers, format_path, get_path, leaves, parse_path


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("powers.russia.security_capacity", ("powers", "russia", "security_capacity")),
        ("shocks[1].intensity", ("shocks", 1, "intensity")),
        ("shocks.1.intensity", ("shocks", 1, "intensity")),
        ("states.*.gdp", ("states", "*", "gdp")),
    ],
)
def test_parse_path(text, path):
    assert parse_path(text) == path


def test_format_path_writes_indices_in_brackets():
    assert format_path(("shocks", 1, "state")) == "shocks[1].state"
    assert parse_path(format_path(("shocks", 1, "state"))) == ("shocks", 1, "state")


@pytest.mark.parametrize("bad", ["", "  ", "a..b", ".a", "a[x]", "a[1"])
def test_malformed_paths_are_refused(bad):
    with pytest.raises(ValueError, match="path"):
        parse_path(bad)


def test_get_path_and_leaves():
    data = {"a": {"b": [1, {"c": 2}]}}
    assert get_path(data, ("a", "b", 1, "c")) == 2
    with pytest.raises(KeyError):
        get_path(data, ("a", "x"))
    assert list(leaves(data)) == [(("a", "b", 0), 1), (("a", "b", 1, "c"), 2)]


def test_covers_with_wildcards():
    assert covers(("states", "*", "gdp"), ("states", "kazakhstan", "gdp"))
    assert covers(("states",), ("states", "kazakhstan", "gdp"))
    assert not covers(("states", "*", "gdp"), ("states", "kazakhstan", "population"))
    assert not covers(("states", "kazakhstan", "gdp", "x"), ("states", "kazakhstan", "gdp"))
