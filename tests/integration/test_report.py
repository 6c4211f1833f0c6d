"""``influence-sim report``: one HTML file per folder, every figure inside, nothing outside."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from influence_sim.cli.commands import main
from tests.conftest import ROOT


class _Page(HTMLParser):
    """The images and every attribute that could fetch something."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "img":
            self.images.append(values.get("src") or "")
        for name in ("href", "src", "data", "action"):
            if name in values and tag != "img":
                self.links.append(values[name] or "")


def _parse(path: Path) -> tuple[_Page, str]:
    text = path.read_text(encoding="utf-8")
    page = _Page()
    page.feed(text)
    return page, text


def _self_contained(path: Path, figures: int) -> str:
    page, text = _parse(path)
    assert "http://" not in text
    assert "https://" not in text
    assert page.links == [], "no link or script to fetch"
    assert len(page.images) == figures
    assert all(src.startswith("data:image/") for src in page.images)
    return text


def test_a_run_report_embeds_every_figure_and_says_what_was_run(tmp_path, capsys):
    argv = ["run", "kazakhstan-2022", "--replications", "3", "--out", str(tmp_path)]
    assert main([*argv, "--quiet", "--report", "--set", "powers.russia.security_capacity=0.5"]) == 0
    folder = Path(capsys.readouterr().out.splitlines()[0])
    figures = len(list((folder / "plots").glob("*.png")))
    assert figures >= 6
    text = _self_contained(folder / "report.html", figures)
    for expected in (
        "powers.russia.security_capacity = 0.5",  # the override, from the calibrated world
        "seed_derivation",
        "influence-sim 0.1.0: run of kazakhstan-2022",
        "Requests: Kazakhstan asked the CSTO",
        "numpy",
    ):
        assert expected in text, expected
    # A check of the calibrated world does not go into this run's folder: the run had an
    # override, so the check judged other runs (issue 26, case 9).
    check = ["check", "kazakhstan-2022", "--replications", "3", "--out"]
    assert main([*check, str(folder)]) == 1
    assert "not of 'kazakhstan-2022' as checked" in capsys.readouterr().err
    # A check saved in the folder of a run of its scenario is part of that run's report.
    assert main([*argv, "--quiet"]) == 0
    plain = Path(capsys.readouterr().out.splitlines()[0])
    assert main([*check, str(plain)]) == 0
    capsys.readouterr()
    assert main(["report", str(plain)]) == 0
    assert "Checks" in _self_contained(plain / "report.html", figures)


def test_comparison_and_sweep_reports(tmp_path, capsys):
    argv = ["compare", "kazakhstan-2022", "no-csto-response", "--replications", "3"]
    assert main([*argv, "--out", str(tmp_path), "--quiet"]) == 0
    folder = Path(capsys.readouterr().out.splitlines()[0])
    assert main(["report", str(folder)]) == 0
    assert capsys.readouterr().out.strip() == str(folder / "report.html")
    figures = len(list(folder.rglob("plots/*.png")))
    text = _self_contained(folder / "report.html", figures)
    assert "no-csto-response minus kazakhstan-2022" in text

    spec = yaml.safe_load((ROOT / "scenarios" / "sweeps" / "security-vs-economy.yaml").read_text())
    spec.update(base="kazakhstan-2022", replications=1, sampler={"method": "grid", "n": 3})
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(spec))
    assert main(["sweep", str(path), "--out", str(tmp_path), "--quiet", "--workers", "1"]) == 0
    sweep = Path(capsys.readouterr().out.splitlines()[0])
    assert main(["analyze", str(sweep)]) == 0
    assert main(["report", str(sweep)]) == 0
    figures = len(list((sweep / "analysis").rglob("*.png")))
    text = _self_contained(sweep / "report.html", figures)
    assert "heatmap.csv" in text
    # Issue 30: the answer in words first, then figures, the long tables folded last.
    answer = text.index("<h2>The answer</h2>")
    assert answer < text.index("<img") < text.index("Outcomes over all runs")
    assert "final_alignment.kazakhstan.russia runs from" in text[answer:]
    assert "<details><summary>Outcomes over all runs" in text


def test_report_refuses_other_folders(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 1
    assert "not a results folder" in capsys.readouterr().err
    (tmp_path / "manifest.json").write_text('{"kind": "calibration"}')
    assert main(["report", str(tmp_path)]) == 1
    assert "calibration" in capsys.readouterr().err


@pytest.mark.parametrize("field", ["title", "version", "license"])
def test_the_citation_file_is_complete(field):
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation[field]
    from influence_sim import __version__

    assert citation["version"] == __version__
