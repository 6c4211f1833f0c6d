"""The EMA Workbench connector: perform_experiments over the model, batched, equals run_sweep."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ema_workbench", reason="the discovery extra is not installed")

from influence_sim.errors import InfluenceSimError
from influence_sim.format.loading import load_scenario
from influence_sim.format.sweepspec import SweepSpec
from influence_sim.sweeps.sweep import run_sweep
from tests.conftest import SCENARIOS

OUTCOMES = ["final_alignment.kazakhstan.russia", "peak_unrest.kazakhstan"]
UNCERTAINTIES = {
    "powers.russia.security_capacity": (0.1, 1.0),
    "powers.china.economic_capacity": (0.1, 1.0),
    "alliances.csto.responds": ["auto", "never"],
}


def _sample(model, n: int) -> list:
    """n scenarios over the uncertainties (a Latin hypercube), as EMA 2.5 or 3 takes them."""
    from ema_workbench.em_framework import points

    point = getattr(points, "Sample", None) or points.Scenario  # EMA 3, else 2.5
    rng = np.random.default_rng(11)
    strata = {p.name: (rng.permutation(n) + rng.random(n)) / n for p in model.uncertainties}
    rows = []
    for i in range(n):
        values: dict[str, object] = {}
        for parameter in model.uncertainties:
            u = strata[parameter.name][i]
            if hasattr(parameter, "categories"):
                levels = [c.value for c in parameter.categories]
                values[parameter.name] = levels[int(u * len(levels))]
            else:
                values[parameter.name] = parameter.lower_bound + u * (
                    parameter.upper_bound - parameter.lower_bound
                )
        rows.append(point(name=i, **values))
    return rows


@pytest.fixture(scope="module")
def ema():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import ema_workbench
        from ema_workbench.em_framework.evaluators import SequentialEvaluator

        from influence_sim.integrations.ema import BatchEvaluator, ema_model
    model = ema_model(
        "kazakhstan-2022", uncertainties=UNCERTAINTIES, outcomes=OUTCOMES, replications=3
    )
    return ema_workbench, model, _sample, SequentialEvaluator, BatchEvaluator


def test_a_hundred_experiments_in_one_batch_equal_the_same_points_through_run_sweep(ema, tmp_path):
    workbench, model, sample, _, batch = ema
    scenarios = sample(model, 100)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"ema_workbench(\.|$)")
        with batch(model, workers=1) as evaluator:
            experiments, outcomes = workbench.perform_experiments(
                model, scenarios=scenarios, evaluator=evaluator
            )
    assert len(experiments) == 100
    assert set(outcomes) == {"final_alignment_kazakhstan_russia", "peak_unrest_kazakhstan"}
    from influence_sim.integrations.ema import identifier

    names = list(UNCERTAINTIES)  # EMA's tables name them as identifiers
    table = experiments[[identifier(n) for n in names]].set_axis(names, axis=1)
    points = [
        {n: (str(v) if n == "alliances.csto.responds" else float(v)) for n, v in row.items()}
        for row in table.to_dict("records")
    ]
    spec = SweepSpec.model_validate(
        {
            "name": "same-points",
            "title": "The EMA experiments as a list sweep",
            "base": "kazakhstan-2022",
            "parameters": {n: {"values": [0.0]} for n in names},
            "sampler": {"method": "list", "points": points},
            "replications": 3,
            "seed": load_scenario(SCENARIOS / "kazakhstan-2022.yaml").seed,
            "noise": "common",
            "record": {"metrics": OUTCOMES},
        }
    )
    base = load_scenario(SCENARIOS / "kazakhstan-2022.yaml")
    swept = run_sweep((spec, base), out=tmp_path, workers=1)
    medians = swept.metrics.groupby("point")[OUTCOMES].median().sort_index()
    for outcome in OUTCOMES:
        np.testing.assert_array_equal(outcomes[identifier(outcome)], medians[outcome].to_numpy())
    # The outcomes respond to the uncertainties (not a constant stub)
    frame = pd.DataFrame({"never": experiments["alliances_csto_responds"] == "never",
                          "y": outcomes[identifier(OUTCOMES[0])]})  # fmt: skip
    assert frame.groupby("never")["y"].median().diff().iloc[-1] < -0.05


def test_emas_own_evaluator_gives_the_same_outcomes(ema):
    workbench, model, sample, sequential, batch = ema
    scenarios = sample(model, 6)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"ema_workbench(\.|$)")
        _, one_by_one = workbench.perform_experiments(
            model, scenarios=scenarios, evaluator=sequential(model)
        )
        with batch(model, workers=1) as evaluator:
            _, batched = workbench.perform_experiments(
                model, scenarios=scenarios, evaluator=evaluator
            )
    assert set(one_by_one) == set(batched)
    for outcome in batched:
        np.testing.assert_array_equal(one_by_one[outcome], batched[outcome])


def test_bad_paths_and_outcomes_are_refused_before_sampling():
    from influence_sim.integrations.ema import ema_model

    with pytest.raises(InfluenceSimError, match="not summary metrics"):
        ema_model(uncertainties=UNCERTAINTIES, outcomes=["final_alignment.kazakstan.russia"])
    with pytest.raises(InfluenceSimError, match="russa"):
        ema_model(uncertainties={"powers.russa.security_capacity": (0.1, 1.0)})
    with pytest.raises(InfluenceSimError, match="a \\(low, high\\) range or a list"):
        ema_model(uncertainties={"powers.russia.security_capacity": 0.5})


def test_prim_inspects_a_box_on_a_categorical_uncertainty():
    """Issue 30: EMA Workbench 2.5's box.inspect() crashed on a categorical uncertainty with
    pandas 3 ("Invalid value '{'never'}' for dtype 'float64'"); the connector fixes it."""
    import influence_sim.integrations.ema  # noqa: F401  (puts the fix in place)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

    rng = np.random.default_rng(1)
    x = pd.DataFrame(
        {
            "capacity": rng.uniform(0, 1, 200),
            "responds": pd.Categorical(rng.choice(["auto", "never"], 200)),
        }
    )
    y = ((x["capacity"] < 0.3) & (x["responds"] == "never")).to_numpy()
    with warnings.catch_warnings():  # EMA 2.5's own use of a pandas API pandas 3 deprecates
        warnings.simplefilter("ignore", category=DeprecationWarning)
        warnings.simplefilter("ignore", category=FutureWarning)
        box = prim.Prim(x, y, threshold=0.5).find_box()
        (table,) = box.inspect(style="data")
    limits = table[1]
    assert limits.loc["responds"].iloc[0] == {"never"}
    assert limits.loc["capacity"].iloc[1] == pytest.approx(0.3, abs=0.05)


def test_the_documented_snippet_runs_as_a_script(tmp_path):
    """docs/sweeps.md's connector snippet, pasted into a script and run (fewer scenarios)."""
    import re
    import subprocess
    import sys

    from tests.conftest import ROOT

    text = (ROOT / "docs" / "sweeps.md").read_text()
    section = text[text.index("## EMA Workbench") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert 'if __name__ == "__main__":' in code
    assert "scenarios=100" in code
    script = tmp_path / "ema_script.py"
    script.write_text(code.replace("scenarios=100", "scenarios=40"))
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "coverage" in done.stdout
    assert any((tmp_path / "results").iterdir()), "the sweep folder is kept, to resume"


def test_a_failed_batch_does_not_send_the_user_to_a_removed_folder():
    from influence_sim.integrations.ema import without_scratch

    scratch = "/tmp/tmpab12cd"
    message = (
        f"a worker process died; the finished chunks are kept: resume with --resume "
        f"{scratch}/ema-20261206-120000-0123abcd. If you call run_sweep from a script, put it "
        "under a guard"
    )
    said = without_scratch(message, scratch)
    assert scratch not in said
    assert "--resume" not in said.split("`influence-sim sweep --resume`")[0]
    assert 'BatchEvaluator(model, out="results")' in said
    assert said.startswith("a worker process died. If you call run_sweep from a script")
    assert "under a guard. The experiments ran" in said, "the advice that applies is kept"
    assert said.endswith("can finish."), said
    # The words of the sweep's own message, as chunk_result writes them, once it is fixed.
    from influence_sim.sweeps.executors import resume_hint

    fixed = f"a chunk stopped: OSError: full; {resume_hint(scratch + '/ema-1')} once it is fixed"
    assert without_scratch(fixed, scratch).startswith("a chunk stopped: OSError: full. The")
