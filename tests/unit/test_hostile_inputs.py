"""Hostile or mistaken inputs: each gets a clear message naming where and what, no traceback."""

from __future__ import annotations

import re

import pytest
import yaml

from influence_sim.cli.commands import main
from influence_sim.format.yamlio import MAX_BYTES
from tests.conftest import SCENARIOS

KZ = SCENARIOS / "kazakhstan-2022.yaml"
BASE = SCENARIOS / "central-asia-2021.yaml"


def _minimal(**replace: str) -> str:
    """A small valid scenario; keyword arguments replace whole top-level blocks."""
    blocks = {
        "head": "name: mini\ntitle: A small scenario\nseed: 1\n",
        "calendar": "calendar: {start: 2022-01-03, step: 1 week, horizon: 10}\n",
        "states": (
            "states:\n"
            "  alpha:\n"
            "    title: Alpha\n"
            "    population: 1.0\n"
            "    gdp: 2.0\n"
            "    unrest_threshold: 0.5\n"
            "    security_capacity: 0.5\n"
            "    security_salience: 0.3\n"
            "    reliance: {security: {big: 0.5}}\n"
            "    exports: 0.3\n"
            "    imports: 0.3\n"
        ),
        "powers": (
            "powers:\n"
            "  big:\n"
            "    title: Big\n"
            "    security_capacity: 0.8\n"
            "    deploy_delay: 1 day\n"
            "    credibility: 0.5\n"
            "    economic_capacity: 0.5\n"
            "    security_tools: {troops: 1.0}\n"
        ),
        "alliances": (
            "alliances:\n  pact: {title: Pact, lead: big, members: [alpha], commitment: 0.7}\n"
        ),
        "shocks": "shocks:\n  - {type: uprising, state: alpha, at: 2022-01-05, intensity: 0.5}\n",
    }
    blocks.update(replace)
    return "".join(blocks.values())


def _run(capsys, *args: str) -> tuple[int, str]:
    code = main(["validate", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, err


def test_the_minimal_scenario_is_valid(write, capsys):
    code, err = _run(capsys, str(write("mini.yaml", _minimal())))
    assert code == 0, err


BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(c)}: &{chr(c)} [{', '.join(['*' + chr(c - 1)] * 9)}]\n" for c in range(98, 106)
)

CASES = {
    # name: (file content, (fragments the message must hold), line:col or None)
    "malformed": ("name: x\nstates: {alpha: [1, 2}\n", ("malformed YAML",), r":2:\d+:"),
    "python-object-tag": (
        'name: !!python/object/apply:os.system ["echo owned"]\n',
        ("tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed", "plain data"),
        r":1:7:",
    ),
    "custom-tag": ("name: !Ref other\n", ("tag '!Ref' is not allowed",), r":1:7:"),
    "alias-bomb": (BILLION_LAUGHS, ("expands to more than", "alias bomb"), r":\d+:\d+:"),
    "recursive-alias": (
        "name: &a [x, *a]\n",
        ("refers to the mapping or list that contains it",),
        r":1:",
    ),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ("binary file, not YAML",), None),
    "not-utf8": ("name: caf\xe9\n".encode("latin-1"), ("not UTF-8",), None),
    "empty": ("", ("the file is empty",), None),
    "only-comments": ("# nothing here\n\n", ("the file is empty",), None),
    "top-level-list": ("- a\n- b\n", ("top level must be a mapping", "found a list"), None),
    "two-documents": ("name: a\n---\nname: b\n", ("more than one YAML document",), r":2:"),
    "duplicate-key": ("name: a\ntitle: b\nname: c\n", ("duplicate key 'name'", "line 1"), r":3:1:"),
    "deep-nesting": ("name: " + "[" * 200 + "]" * 200 + "\n", ("nested",), None),
    "nan": (
        _minimal().replace("gdp: 2.0", "gdp: .nan"),
        ("states.alpha.gdp", "finite number", "nan"),
        r":9:10:",
    ),
    "inf": (
        _minimal().replace("population: 1.0", "population: .inf"),
        ("states.alpha.population", "finite number"),
        r":8:17:",
    ),
    "negative-gdp": (
        _minimal().replace("gdp: 2.0", "gdp: -2.0"),
        ("states.alpha.gdp", "greater than 0", "-2.0"),
        r":9:10:",
    ),
    "share-out-of-range": (
        _minimal().replace("security_capacity: 0.5", "security_capacity: 1.5"),
        ("states.alpha.security_capacity", "less than or equal to 1", "1.5"),
        r":11:24:",
    ),
    "text-for-number": (
        _minimal().replace("credibility: 0.5", "credibility: high"),
        ("powers.big.credibility", "valid number", "'high'"),
        r":\d+:\d+:",
    ),
    "bool-for-number": (
        _minimal().replace("credibility: 0.5", "credibility: yes"),
        ("powers.big.credibility", "valid number", "True"),
        r":\d+:\d+:",
    ),
    "unknown-field": (
        _minimal().replace("population:", "populaton:"),
        ("states.alpha.populaton", "unknown field 'populaton'", "did you mean 'population'?"),
        r":7:5:",
    ),
    "missing-field": (
        _minimal().replace("    gdp: 2.0\n", ""),
        ("states.alpha.gdp", "required field 'gdp' is missing"),
        r":7:5:",
    ),
    "mapping-expected": (
        _minimal(states="states: [alpha, beta]\n"),
        ("states", "expected a mapping, found a list"),
        r":\d+:",
    ),
    "capitalised-id": (
        _minimal(shocks="").replace("  alpha:", "  Alpha:"),
        ("lowercase", "found 'Alpha'", "did you mean 'alpha'?"),
        None,
    ),
    "unknown-shock-type": (
        _minimal(shocks="shocks:\n  - {type: uprisin, state: alpha, at: 1, intensity: 0.5}\n"),
        ("shocks[0]", "unknown shock type 'uprisin'", "did you mean 'uprising'?"),
        r":\d+:5:",
    ),
    "shock-without-type": (
        _minimal(shocks="shocks:\n  - {state: alpha, at: 1}\n"),
        ("shocks[0]", "needs a 'type'"),
        None,
    ),
    "unknown-state-in-shock": (
        _minimal(shocks="shocks:\n  - {type: uprising, state: alpah, at: 1, intensity: 0.5}\n"),
        (
            "shocks[0].state",
            "unknown state 'alpah'",
            "expected one of 'alpha'",
            "did you mean 'alpha'?",
        ),
        r":\d+:\d+:",
    ),
    "retired-origin-label": (
        _minimal(
            shocks="shocks:\n  - {type: uprising, state: alpha, at: 1, intensity: 0.5,\n"
            "     origin: armed_group}\n"
        ),
        (
            "shocks[0].origin",
            "no longer takes 'internal' or 'armed_group'",
            "threatens: regime or population",
        ),
        r":\d+:\d+:",
    ),
    "threat-from-inside": (
        _minimal(
            shocks="shocks:\n  - {type: external_threat, state: alpha, at: 1, level: 0.5,\n"
            "     origin: internal}\n"
        ),
        (
            "shocks[0].origin",
            "unknown origin of a threat from outside ('armed_group'), state or power 'internal'",
        ),
        r":\d+:\d+:",
    ),
    "threat-from-itself": (
        _minimal(
            shocks="shocks:\n  - {type: external_threat, state: alpha, at: 1, level: 0.5,\n"
            "     origin: alpha}\n"
        ),
        ("shocks[0].origin", "a state cannot threaten itself"),
        r":\d+:\d+:",
    ),
    "unknown-alliance-in-request": (
        _minimal(shocks="shocks:\n  - {type: security_request, state: alpha, to: pcat, at: 1}\n"),
        ("shocks[0].to", "unknown alliance or power 'pcat'", "did you mean 'pact'?"),
        r":\d+:\d+:",
    ),
    "date-before-calendar": (
        _minimal(
            shocks="shocks:\n  - {type: uprising, state: alpha, at: 2021-12-01, intensity: 0.5}\n"
        ),
        ("shocks[0].at", "2021-12-01 (step -5) is outside the calendar", "steps 0 to 9"),
        r":\d+:\d+:",
    ),
    "step-after-calendar": (
        _minimal(shocks="shocks:\n  - {type: uprising, state: alpha, at: 10, intensity: 0.5}\n"),
        ("shocks[0].at", "step 10", "outside the calendar"),
        None,
    ),
    "monthly-step": (
        _minimal(calendar="calendar: {start: 2022-01-03, step: 1 month, horizon: 10}\n"),
        ("calendar.step", "whole number of days or weeks", "'1 month'"),
        None,
    ),
    "bad-duration": (
        _minimal(calendar="calendar: {start: 2022-01-03, step: 1 week, horizon: three years}\n"),
        ("calendar.horizon", "expected a duration such as '2 weeks'", "'three years'"),
        None,
    ),
    "bad-date": (
        _minimal(calendar="calendar: {start: 2022-13-45, step: 1 week, horizon: 10}\n"),
        ("calendar.start", "date", "'2022-13-45'"),
        None,
    ),
    "reliance-over-one": (
        _minimal().replace("security: {big: 0.5}", "security: {big: 0.7, self: 0.6}"),
        ("states.alpha.reliance.security", "must sum to 1", "1.3"),
        None,
    ),
    "reliance-unknown-power": (
        _minimal().replace("security: {big: 0.5}", "security: {bgi: 0.5}"),
        (
            "states.alpha.reliance.security.bgi",
            "unknown power (or 'self') 'bgi'",
            "did you mean 'big'?",
        ),
        None,
    ),
    "id-used-twice": (
        _minimal(
            alliances="alliances:\n  big: {title: B, lead: big, members: [alpha], commitment: 1}\n"
        ),
        ("alliances.big", "used in both powers and alliances"),
        None,
    ),
    "member-listed-twice": (
        _minimal(
            alliances="alliances:\n  pact: {title: P, lead: big, members: [alpha, alpha], "
            "commitment: 1}\n"
        ),
        ("alliances.pact.members[1]", "listed twice"),
        None,
    ),
    "set-unknown-path": (
        _minimal(shocks="shocks:\n  - {type: set, path: powers.big.nope.x, value: 1, at: 1}\n"),
        ("shocks[0].path", "'powers.big.nope.x' does not exist"),
        None,
    ),
    "set-invalid-value": (
        _minimal(
            shocks="shocks:\n  - {type: set, path: powers.big.credibility, value: 3, at: 1}\n"
        ),
        (
            "shocks[0].value",
            "setting 'powers.big.credibility' to 3.0 is not valid",
            "expected less than or equal to 1",
        ),
        None,
    ),
    "set-a-fixed-parameter": (
        _minimal(
            shocks="shocks:\n  - {type: set, path: states.alpha.population, value: 2, at: 1}\n"
        ),
        ("shocks[0].path", "cannot change 'states.alpha.population' during a run"),
        None,
    ),
    "source-for-nothing": (
        _minimal() + "sources:\n  states.alpha.gpd: World Bank\n",
        ("sources.states.alpha.gpd", "no parameter", "did you mean 'states.alpha.gdp'?"),
        None,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_input_gets_a_clear_message(case, write, capsys):
    content, fragments, position = CASES[case]
    path = write(f"{case}.yaml", content)
    code, err = _run(capsys, str(path))
    assert code == 1
    assert f"invalid  {path}" in err
    assert str(path) in err.splitlines()[1], err
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} not in:\n{err}"
    if position:
        assert re.search(re.escape(str(path)) + position, err), err


def test_oversized_file_is_refused_before_reading(write, capsys):
    path = write("big.yaml", "name: x\n" + "# padding\n" * 120_000)
    code, err = _run(capsys, str(path))
    assert code == 1
    assert "scenario files are limited to 1,000,000" in err


LOADERS = [
    prefix + name
    for prefix in ("", "C")  # PyYAML's own, and libyaml's where it has them
    for name in ("BaseLoader", "SafeLoader", "FullLoader", "Loader", "UnsafeLoader")
    if hasattr(yaml, prefix + name)
]


def test_pyyaml_never_sees_more_than_the_cap(write, capsys, monkeypatch):
    """A 54 MB file is refused by its size: neither telling what it holds (scenario,
    sweep, targets) nor anything else hands PyYAML more than the cap."""
    parsed: list[int] = []
    for name in LOADERS:  # every loader PyYAML has, and so every loader built on one
        cls = getattr(yaml, name)

        def record(self, stream, *, _init=cls.__init__):
            parsed.append(len(stream) if isinstance(stream, str | bytes) else -1)
            if not 0 <= parsed[-1] <= MAX_BYTES:
                raise AssertionError(f"PyYAML was given {parsed[-1]:,} characters")
            _init(self, stream)

        monkeypatch.setattr(cls, "__init__", record)
    small = write("mini.yaml", _minimal())
    assert _run(capsys, str(small))[0] == 0
    assert parsed, "the recorder saw no parse: it would not see a large one either"
    parsed.clear()
    big = write("big.yaml", "")
    with open(big, "w", encoding="utf-8") as out:
        out.write("name: x\n")
        out.writelines(["# x  \n"] * 9_000_000)  # 54 MB
    code, err = _run(capsys, str(big))
    assert code == 1
    assert f"{big}: the file is 54,000,008 bytes; scenario files are limited to 1,000,000" in err
    assert parsed == []
    assert main(["validate", str(big), "--set", "seed=1"]) == 1
    assert "scenario files are limited to 1,000,000" in capsys.readouterr().err
    assert parsed == []


def test_missing_file_and_folder(tmp_path, capsys):
    code, err = _run(capsys, str(tmp_path / "nowhere.yaml"), str(tmp_path))
    assert code == 1
    assert "nowhere.yaml: no such file" in err
    assert "is a folder, not a scenario file" in err
    assert "2 of 2 files are not valid" in err


def test_circular_extends(write, capsys):
    write("a.yaml", "name: a\ntitle: A\nextends: b.yaml\n")
    b = write("b.yaml", "name: b\ntitle: B\nextends: a.yaml\n")
    code, err = _run(capsys, str(b))
    assert code == 1
    assert "circular extends:" in err
    assert re.search(r"b\.yaml -> .*a\.yaml -> .*b\.yaml", err), err
    assert "extends" in err


def test_self_extends(write, capsys):
    a = write("a.yaml", "name: a\ntitle: A\nextends: a.yaml\n")
    code, err = _run(capsys, str(a))
    assert code == 1
    assert "circular extends" in err


def test_extends_a_missing_file_suggests_a_neighbour(write, capsys):
    write("base.yaml", _minimal())
    child = write("child.yaml", "name: c\ntitle: C\nextends: bsae.yaml\n")
    code, err = _run(capsys, str(child))
    assert code == 1
    assert ":3:10: extends: the file it extends" in err
    assert "does not exist; did you mean 'base.yaml'?" in err


def test_extending_file_needs_its_own_name(write, capsys):
    write("base.yaml", _minimal())
    child = write("child.yaml", "title: C\nextends: base.yaml\n")
    code, err = _run(capsys, str(child))
    assert code == 1
    assert "needs a 'name' of its own" in err


def test_error_in_a_base_file_names_the_base(write, capsys):
    write("base.yaml", _minimal().replace("gdp: 2.0", "gdp: -1"))
    child = write("child.yaml", "name: c\ntitle: C\nextends: base.yaml\n")
    code, err = _run(capsys, str(child))
    assert code == 1
    assert re.search(r"base\.yaml:9:10: states\.alpha\.gdp: expected greater than 0", err), err


@pytest.mark.parametrize(
    ("override", "fragments"),
    [
        ("powers.russia.security_capacity", ("written path=value",)),
        ("=3", ("written path=value",)),
        ("powers..russia=3", ("cannot read the parameter path",)),
        (
            "powers.russia.securty_capacity=0.4",
            ("unknown field 'securty_capacity'", "did you mean 'security_capacity'?"),
        ),
        (
            "powers.russia.security_capacity=[1, 2",
            ("--set powers.russia.security_capacity=[1, 2", "malformed YAML"),
        ),
        ("powers.russia.security_capacity=!!python/object:os.system x", ("is not allowed",)),
        ("shocks[9].intensity=0.5", ("'shocks[9]' is not an entry of a list of 3",)),
        ("seed.x=1", ("cannot set 'seed.x'",)),
        ("extends=other.yaml", ("'extends' cannot be overridden",)),
        ("states.kazakhstan.opinion.chnia=0.1", ("unknown power 'chnia'", "did you mean 'china'?")),
    ],
)
def test_bad_overrides(override, fragments, capsys):
    code, err = _run(capsys, str(KZ), "--set", override)
    assert code == 1
    assert "--set" in err
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} not in:\n{err}"


def test_all_files_are_checked_and_all_problems_reported(write, capsys):
    bad = write(
        "bad.yaml",
        _minimal().replace("gdp: 2.0", "gdp: .nan").replace("credibility: 0.5", "credibility: 9"),
    )
    code, err = _run(capsys, str(bad), str(BASE), str(bad))
    assert code == 1
    assert err.count("finite number") == 2
    assert err.count("powers.big.credibility") == 2
    assert "2 of 3 files are not valid" in err


def test_an_error_in_an_extending_file_names_its_own_shock(write):
    from influence_sim.errors import ScenarioError
    from influence_sim.format.loading import load_scenario

    base = (SCENARIOS / "kazakhstan-2022.yaml").resolve()
    path = write(
        "child.yaml",
        f"name: child\nextends: {base}\nshocks:\n"
        "  - {type: uprising, state: kyrgyzstan, at: 2022-03-01, intensity: 0.5}\n"
        "  - {type: uprising, state: kazakstan, at: 2022-03-01, intensity: 0.5}\n",
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    (problem,) = info.value.problems
    assert problem.path == "shocks[1].state"  # not shocks[4] of the merged list
    assert problem.file.endswith("child.yaml")
    assert problem.line == 5
