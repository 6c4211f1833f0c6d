"""The quantities of targets measured while a batch runs equal those read from its tables."""

from __future__ import annotations

import numpy as np
import pytest

from influence_sim import load_scenario, run
from influence_sim.calibration.checks import _quantity
from influence_sim.engine.compile import compile_scenario
from influence_sim.engine.ensemble import replicate, replication_keys, simulate
from influence_sim.format.targets import load_targets, targets_dir
from influence_sim.results.observed import history_changes
from influence_sim.results.watch import Watch

R = 6
FILES = sorted(targets_dir().glob("*.yaml"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_online_and_table_values_agree_for_every_bundled_target(path):
    spec = load_targets(path)
    scenario = load_scenario(spec.scenario)
    seed = spec.seed if spec.seed is not None else scenario.seed
    quantities = [
        q
        for t in spec.targets
        for q in (t.quantity, t.minus)
        if q is not None and q.summary is None
    ]
    compiled = compile_scenario(scenario)
    state = replicate(compiled.initial, R)
    watch = Watch(compiled, quantities, R)
    watch(0, state, None)
    simulate(compiled, compiled.params.copy(), state, replication_keys(seed, 0, R), [watch])
    result = run(scenario, replications=R, seed=seed)
    for quantity, online in zip(quantities, watch.values(), strict=True):
        if quantity.history is not None:
            h = quantity.history
            tables = next(
                c
                for row, c in history_changes(result)
                if (row["state"], row["partner"], row["period"]) == (h.state, h.partner, h.period)
            ).to_numpy()
        else:
            tables = _quantity(quantity, result).to_numpy()
        np.testing.assert_allclose(online, tables, rtol=1e-12, atol=1e-12, err_msg=str(quantity))


MORE = [
    {"events": {"kind": "withdrawal", "actor": "russia"}, "measure": "first_step"},
    {"events": {"kind": "order_restored"}, "measure": "count"},
    {"events": {"kind": "exit", "target": "csto"}},
    {"events": {"kind": "freeze", "actor": "kazakhstan"}, "measure": "first_step"},
    {"events": {"kind": "reassessment", "actor": "china"}},
    {"events": {"kind": "shock:uprising", "target": "kyrgyzstan"}, "measure": "first_step"},
    {"events": {"kind": "request", "target": "russia"}, "measure": "count"},
    {"events": {"kind": "decline"}, "measure": "count"},
    {"series": {"table": "powers", "power": "russia", "column": "memory"}, "over": [0, 104]},
    {"series": {"table": "powers", "column": "host_economy"}, "at": 50},
    {"series": {"table": "powers", "power": "china", "column": "security_capacity"}, "at": 3},
    {"series": {"table": "powers", "state": "tajikistan", "column": "opinion"}, "at": 20},
    {"series": {"table": "states", "column": "unrest"}, "over": [0, 10], "reduce": "max"},
    {"series": {"table": "alignment", "power": "self", "domain": "economy"}, "at": 30},
    {
        "series": {"table": "alignment", "state": "kyrgyzstan", "domain": "security"},
        "over": ["2010-06-14", "2010-09-01"],
        "reduce": "min",
    },
]


def test_every_kind_of_quantity_agrees_online_and_in_tables():
    from influence_sim.format.targets import Quantity

    quantities = [Quantity.model_validate(q) for q in MORE]
    scenario = load_scenario("kyrgyzstan-2010")
    compiled = compile_scenario(scenario)
    n = 40  # enough replications for freezes and exits to happen
    state = replicate(compiled.initial, n)
    watch = Watch(compiled, quantities, n)
    watch(0, state, None)
    simulate(compiled, compiled.params.copy(), state, replication_keys(3, 0, n), [watch])
    result = run(scenario, replications=n, seed=3)
    for quantity, online in zip(quantities, watch.values(), strict=True):
        tables = _quantity(quantity, result).to_numpy()
        np.testing.assert_allclose(online, tables, rtol=1e-12, atol=1e-12, err_msg=str(quantity))
    assert (watch.values()[2] > 0).any(), "some replication left the CSTO"


def test_a_target_is_its_quantity_less_its_minus_on_both_routes():
    """An observed-series quantity less a series: the tables' value (check) and the
    batch's (sweeps and calibration) are the same subtraction."""
    from influence_sim.calibration.checks import _value
    from influence_sim.format.targets import Target

    target = Target.model_validate(
        {
            "name": "t",
            "description": "x",
            "source": "y",
            "quantity": {
                "history": {
                    "series": "remittances",
                    "state": "tajikistan",
                    "partner": "russia",
                    "period": "2015",
                }
            },
            "minus": {"series": {"table": "states", "column": "unrest"}, "at": 60},
            "observed": {"sd": 0.1},
        }
    )
    scenario = load_scenario("rouble-2014-2015")
    compiled = compile_scenario(scenario)
    state = replicate(compiled.initial, R)
    watch = Watch(compiled, [target.quantity, target.minus], R)
    watch(0, state, None)
    simulate(compiled, compiled.params.copy(), state, replication_keys(4, 0, R), [watch])
    online, minus = watch.values()
    tables = _value(target, run(scenario, replications=R, seed=4)).to_numpy()
    np.testing.assert_allclose(online - minus, tables, rtol=1e-12, atol=1e-12)
    assert (minus != 0).all()
