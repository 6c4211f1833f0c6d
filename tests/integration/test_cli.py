from __future__ import annotations

import json
import subprocess
import sys

import pytest

from influence_sim.cli.commands import main
from tests.conftest import BUNDLED, ROOT, SCENARIOS


def _cli(*args: str, cwd=ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "influence_sim", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def test_validate_every_bundled_scenario_as_a_user_would():
    result = _cli("validate", *(str(p.relative_to(ROOT)) for p in BUNDLED))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("ok ") == len(BUNDLED)
    assert result.stderr == ""


def test_a_bad_file_exits_non_zero_without_a_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nstates: {alpha: [1, 2}\n")
    result = _cli("validate", str(bad), "scenarios/kazakhstan-2022.yaml")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{bad}:2:" in result.stderr
    assert "ok       scenarios/kazakhstan-2022.yaml" in result.stdout


def test_bad_usage_exits_with_two():
    result = _cli("validate")
    assert result.returncode == 2
    assert "usage:" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_bundled_name_suggests_one(capsys):
    assert main(["explain", "kazakstan-2022"]) == 1
    err = capsys.readouterr().err
    assert "no bundled scenario of that name; did you mean 'kazakhstan-2022'?" in err


def test_list_shows_every_bundled_scenario_with_its_title(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for path in BUNDLED:
        assert path.stem in out
    assert "January 2022 unrest in Kazakhstan and the CSTO intervention" in out


def test_explain_prints_every_parameter_with_a_source(capsys):
    assert main(["explain", "scenarios/kazakhstan-2022.yaml", "--format", "markdown"]) == 0
    captured = capsys.readouterr()
    rows = [line for line in captured.out.splitlines() if line.startswith("| `")]
    assert len(rows) > 200
    assert not [r for r in rows if "no source given" in r]
    assert captured.err == ""
    assert any("shocks[1].to" in r and "Tokayev" in r for r in rows)
    assert any(r.startswith("| `dynamics.temperature`") and "Calibration" in r for r in rows)


def test_explain_reports_parameters_without_a_source(tmp_path, capsys):
    child = tmp_path / "child.yaml"
    child.write_text(
        f"name: child\ntitle: t\nextends: {SCENARIOS / 'kazakhstan-2022.yaml'}\n"
        "dynamics: {temperature: 0.5}\n"
    )
    assert main(["explain", str(child)]) == 0
    captured = capsys.readouterr()
    assert "dynamics.temperature" in captured.out
    assert "(no source given)" in captured.out
    assert "1 parameters have no source: dynamics.temperature" in captured.err


def test_schema_prints_json(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "influence-sim scenario"
    assert "UprisingShock" in schema["$defs"]


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_version_and_help(flag):
    result = _cli(flag)
    assert result.returncode == 0
    assert "influence-sim" in result.stdout


def test_the_readmes_printout_is_what_the_main_job_prints(tmp_path, capsys):
    """The README quotes what `make run` prints for kazakhstan-2022: the same lines."""
    text = (ROOT / "README.md").read_text()
    block = text.split("It prints what happened:\n\n```\n", 1)[1].split("```", 1)[0]
    quoted = block.strip().splitlines()[1:]  # without the folder, named by the time
    assert main(["run", "kazakhstan-2022", "--out", str(tmp_path), "--no-plots"]) == 0
    printed = capsys.readouterr().out.strip().splitlines()[1:]
    assert printed == quoted
