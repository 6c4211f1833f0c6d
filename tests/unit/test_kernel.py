"""Kernel invariants under random valid parameters, and the step's bookkeeping."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from influence_sim import load_scenario
from influence_sim.engine.compile import compile_scenario, scale
from influence_sim.engine.draws import StepNoise, normals, stream_keys
from influence_sim.engine.ensemble import replication_keys, run_ensemble
from influence_sim.engine.kernel import choice, noise_width
from influence_sim.format.parameters import Dynamics
from tests.conftest import SCENARIOS

KZ = SCENARIOS / "kazakhstan-2022.yaml"


def _bounds(name: str) -> tuple[float, float]:
    field = Dynamics.model_fields[name]
    low, high = 0.0, 3.0
    for rule in field.metadata:
        low = getattr(rule, "ge", None) if getattr(rule, "ge", None) is not None else low
        low = getattr(rule, "gt", None) + 1e-3 if getattr(rule, "gt", None) is not None else low
        high = getattr(rule, "le", None) if getattr(rule, "le", None) is not None else high
    return low, high


dynamics = st.fixed_dictionaries(
    {
        f"dynamics.{name}": st.floats(*_bounds(name), allow_nan=False)
        for name in Dynamics.model_fields
    }
)
state_values = st.fixed_dictionaries(
    {
        "states.kazakhstan.opinion.china": st.floats(-1, 1),
        "states.kazakhstan.unrest_threshold": st.floats(0, 1),
        "states.kyrgyzstan.security_capacity": st.floats(0, 1),
        "powers.russia.security_capacity": st.floats(0, 1),
        "powers.china.credibility": st.floats(0, 1),
        "shocks[0].intensity": st.floats(0, 1),
        "alliances.csto.commitment": st.floats(0, 1),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    dynamics, state_values, st.sampled_from(["1 week", "1 day", "2 weeks"]), st.integers(0, 2**32)
)
def test_invariants_hold_under_random_valid_parameters(dyn, values, step, seed):
    overrides = [f"{k}={v!r}" for k, v in {**dyn, **values}.items()]
    scenario = load_scenario(KZ, [*overrides, f"calendar.step={step}", "calendar.horizon=20 weeks"])
    compiled = compile_scenario(scenario)
    checked = []

    def check(t, state, events):
        rel = state.reliance
        assert np.isfinite(rel).all()
        assert np.isfinite(state.opinion).all()
        assert ((rel >= 0) & (rel <= 1)).all()
        np.testing.assert_allclose(rel.sum(axis=3), 1.0, atol=1e-9)
        assert ((state.opinion >= -1) & (state.opinion <= 1)).all()
        assert ((state.unrest >= 0) & (state.unrest <= 1)).all()
        for name in ("credibility", "posture", "deployed", "salience", "threat"):
            value = getattr(state, name)
            assert np.isfinite(value).all(), name
            assert ((value >= 0) & (value <= 1 + 1e-12)).all(), name
        assert (state.investment >= 0).all()
        checked.append(t)

    run_ensemble(compiled, 3, seed, observers=[check])
    assert len(checked) == compiled.timeline.n_steps


def test_the_start_is_the_choice_at_the_start():
    compiled = compile_scenario(load_scenario(SCENARIOS / "central-asia-2021.yaml"))
    np.testing.assert_allclose(
        choice(compiled.initial, compiled.params), compiled.initial.reliance, atol=1e-12
    )


def test_rates_scale_with_the_step():
    assert scale("unrest_decay", 0.15, 7) == 0.15
    daily = scale("unrest_decay", 0.15, 1)
    assert abs((1 - daily) ** 7 - 0.85) < 1e-12
    assert scale("unrest_noise", 0.02, 28) == 0.04
    assert abs((1 + scale("investment_growth", 0.04, 7)) ** (365.25 / 7) - 1.04) < 1e-12
    assert scale("temperature", 0.25, 1) == 0.25


def test_noise_has_a_fixed_shape_and_one_stream_per_replication():
    width = noise_width(5, 2)
    # unrest, opinion, host economies, decisions, going home, freezing or leaving
    assert width == 5 + 5 * 2 + 2 + 2 * 5 + 2 * 5 + 2 * 5
    keys, alone = replication_keys(7, 2, 2), replication_keys(7, 3, 1)
    draws = np.stack([StepNoise(keys, t, width).normal(0, width) for t in range(40)], axis=1)
    np.testing.assert_array_equal(
        draws[1], np.stack([StepNoise(alone, t, width).normal(0, width)[0] for t in range(40)])
    )
    # A number is the same whichever others are drawn with it: rows, columns, parts.
    step = StepNoise(keys, 9, width)
    np.testing.assert_array_equal(step.normal(3, 8, np.array([1])), draws[1:, 9, 3:8])
    np.testing.assert_array_equal(step.part(17).normal(1, 2), draws[:, 9, 18:19])
    assert len(np.unique(draws)) == draws.size


def test_noise_keys_are_distinct_and_the_numbers_standard_normal():
    keys = stream_keys(1, np.stack([np.arange(1_000_000) // 1000, np.arange(1_000_000) % 1000], 1))
    assert len(np.unique(keys)) == len(keys)
    assert not np.isin(keys, replication_keys(1, 0, 1000)).any()  # (r,) is not (p, r)
    z = normals(keys[:200_000], 0, 10).ravel()  # two million numbers
    se = 1 / np.sqrt(z.size)
    assert abs(z.mean()) < 4 * se
    assert abs(z.var() - 1) < 4 * np.sqrt(2) * se
    assert abs(np.mean(z**4) - 3) < 4 * np.sqrt(96) * se  # kurtosis: the tails are normal
    assert abs(np.mean(np.abs(z) > 3) - 0.0026998) < 4 * np.sqrt(0.0027 / z.size)
    even, odd = z.reshape(-1, 2).T  # a Box-Muller pair is independent
    assert abs(np.corrcoef(even, odd)[0, 1]) < 4 * np.sqrt(2) * se
    assert abs(np.corrcoef(even**2, odd**2)[0, 1]) < 4 * np.sqrt(2) * se


def test_a_daily_calendar_tells_the_same_story():
    weekly = load_scenario(KZ)
    daily = load_scenario(KZ, ["calendar.step=1 day", "calendar.horizon=1 year"])
    w = run_ensemble(compile_scenario(weekly), 20, 1)
    d = run_ensemble(compile_scenario(daily), 20, 1)
    # Russia's security reliance in Kazakhstan a quarter after the uprising, within 0.05.
    at_w = np.median(w["reliance"][:, 13, 0, 0, 0])
    at_d = np.median(d["reliance"][:, 91, 0, 0, 0])
    assert abs(at_w - at_d) < 0.05, (at_w, at_d)


def test_the_kernels_parameters_are_the_formats():
    """One list of behavioural parameters: the kernel's Dyn holds exactly the format's."""
    from dataclasses import fields

    from influence_sim.engine.kernel import Dyn
    from influence_sim.format.parameters import scaling

    assert [f.name for f in fields(Dyn)] == [*Dynamics.model_fields, "step_weeks"]
    scaled = {name: scaling(name) for name in Dynamics.model_fields if scaling(name)}
    assert scaled["unrest_noise"] == "sqrt"
    assert scaled["investment_growth"] == "yearly"
    assert scaled["host_noise"] == "sqrt"
    # The decision's weights do not depend on the step; the three hazards are per week.
    assert len(scaled) == 27  # distress_adaptation (issue 28) is a rate per week
    assert scaled["withdrawal_rate"] == scaled["exit_rate"] == "linear"


def test_a_point_shares_its_bases_schedule_only_when_it_would_compile_the_same():
    from influence_sim.engine.ensemble import schedule_signature

    base = KZ
    reference = compile_scenario(load_scenario(base))
    for overrides, shared in (
        (["powers.russia.security_capacity=0.3"], True),
        (["dynamics.temperature=0.2"], True),
        (["shocks[0].intensity=0.4"], False),
        (["shocks[1].at=2022-01-12"], False),
        (["calendar.horizon=2 years"], False),
        (["alliances.csto.lead=china"], False),
    ):
        point = load_scenario(base, overrides)
        compiled = compile_scenario(point, reference)
        alone = compile_scenario(point, load_scenario(base))
        assert (compiled.schedule is reference.schedule) == shared, overrides
        assert schedule_signature(compiled) == schedule_signature(alone), overrides
        digests: dict[int, bytes] = {}  # as a sweep's chunk signs its points: the same
        for item in (reference, compiled, alone):
            assert schedule_signature(item, digests) == schedule_signature(item), overrides


def test_a_power_has_the_same_bits_for_a_run_alone_and_in_a_batch():
    """engine.state.power: an exponent shared by every run ((1, 1, 1)) and one per run
    ((R, 1, 1)) give each element the same bits; NumPy's ``**`` does not always."""
    from influence_sim.engine.state import power

    rng = np.random.default_rng(1)
    base = rng.uniform(0.5, 2.0, (10, 2, 5))
    exponent = np.full(10, 0.5)[:, None, None]
    batched = power(base, exponent)
    alone = np.concatenate([power(base[i : i + 1], exponent[:1]) for i in range(10)])
    np.testing.assert_array_equal(batched, alone)
    np.testing.assert_allclose(batched, np.sqrt(base), rtol=1e-15)  # and it is the power
