"""The fast path (numba) against the numpy reference: the same runs to 1e-12, the same events."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pandas as pd
import pytest

from influence_sim.engine import fused
from influence_sim.engine.compile import compile_scenario
from influence_sim.engine.ensemble import replicate, replication_keys, simulate, stack
from influence_sim.engine.state import StepEvents
from influence_sim.format.loading import load_scenario
from influence_sim.results.metrics import Summary
from tests.conftest import BUNDLED, SCENARIOS

pytest.importorskip("numba")

TOLERANCE = 1e-12


def _run(compiled, params, state, keys, fast: bool, monkeypatch) -> tuple[object, list, object]:
    monkeypatch.setattr(fused, "enabled", lambda: fast)
    seen: list[dict[str, np.ndarray]] = []
    summary = Summary(compiled, params, state)

    def observe(done, now, events: StepEvents) -> None:
        seen.append(
            {
                f.name: np.array(getattr(events, f.name))
                for f in fields(events)
                if f.name != "shocks"
            }
        )

    def metrics(done, now, events) -> None:
        summary.update(done, now)

    simulate(compiled, params.copy(), state, keys, [observe, metrics])
    return state, seen, summary.frame()


def _agree(compiled, params, first, keys, monkeypatch) -> None:
    reference, their, expected = _run(compiled, params, first.copy(), keys, False, monkeypatch)
    fast, mine, summary = _run(compiled, params, first.copy(), keys, True, monkeypatch)
    pd.testing.assert_frame_equal(summary, expected, check_exact=False, rtol=0, atol=TOLERANCE)
    moved = 0
    for name in vars(reference):
        want, got = getattr(reference, name), getattr(fast, name)
        if want.dtype.kind == "f":
            np.testing.assert_allclose(got, want, rtol=0, atol=TOLERANCE, err_msg=name)
            moved += int(not np.array_equal(want, first.__dict__[name]))
        else:
            np.testing.assert_array_equal(got, want, err_msg=name)
    assert moved > 10  # the runs went somewhere: the comparison is not of two starts
    assert len(mine) == len(their) == compiled.timeline.n_steps
    for step, (a, b) in enumerate(zip(their, mine, strict=True)):
        for name in a:
            np.testing.assert_array_equal(b[name], a[name], err_msg=f"{name} at step {step}")


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_the_fast_path_agrees_with_the_reference_on_every_bundled_scenario(path, monkeypatch):
    compiled = compile_scenario(load_scenario(path))
    replications = 2 if compiled.params.pop is not None else 24
    first = replicate(compiled.initial, replications)
    keys = replication_keys(compiled.scenario.seed, 0, replications)
    _agree(compiled, compiled.params, first, keys, monkeypatch)


def test_the_fast_path_agrees_at_random_sweep_points(monkeypatch):
    """Parameters differ row by row (a stacked batch), as in a sweep."""
    base = SCENARIOS / "kazakhstan-2022.yaml"
    reference = load_scenario(base)
    rng = np.random.default_rng(16)
    ranges = {
        "powers.russia.security_capacity": (0.1, 1.0),
        "powers.china.economic_capacity": (0.1, 1.0),
        "dynamics.temperature": (0.1, 0.6),
        "dynamics.adjustment_rate": (0.05, 0.5),
        "dynamics.crisis_adjustment": (0.0, 0.5),
        "dynamics.host_noise": (0.0, 0.05),
        "dynamics.opinion_noise": (0.0, 0.05),
        "dynamics.trade_capacity_elasticity": (0.0, 2.0),
        "dynamics.migrant_elasticity": (0.0, 2.0),
    }
    compiled = []
    for _ in range(12):
        overrides = [f"{k}={rng.uniform(*v):.6f}" for k, v in ranges.items()]
        compiled.append(compile_scenario(load_scenario(base, overrides), reference))
    rows = np.repeat(np.arange(len(compiled)), 3)
    params, first = stack(compiled, rows)
    keys = replication_keys(7, 0, len(rows))
    _agree(compiled[0], params, first, keys, monkeypatch)


def test_the_kernel_is_named_and_a_resume_on_another_one_is_said(
    request, monkeypatch, caplog, tmp_path
):
    request.addfinalizer(fused.forget)  # after monkeypatch restores the env
    from influence_sim.errors import InfluenceSimError
    from influence_sim.experiments.folder import record_chunk
    from influence_sim.experiments.sweep import _warn_of_another_kernel
    from influence_sim.results.runs import versions

    assert versions()["kernel"] == fused.kernel_name()
    assert fused.kernel_name().startswith("numba ")  # installed with the dev extra
    _warn_of_another_kernel(tmp_path, {"versions": {"kernel": fused.kernel_name()}})
    assert not caplog.records
    _warn_of_another_kernel(tmp_path, {"versions": {"kernel": "numpy"}})  # no journal yet
    assert "ran on the numpy kernel" in caplog.text
    assert "agree to 1e-12, not bit for bit" in caplog.text
    caplog.clear()
    # The journal's kernels (where the chunks ran) outrank the main process's.
    record_chunk(tmp_path, 0, {}, fused.kernel_name())
    _warn_of_another_kernel(tmp_path, {"versions": {"kernel": "numpy"}})
    assert not caplog.records
    record_chunk(tmp_path, 1, {}, "numpy")
    _warn_of_another_kernel(tmp_path, {"versions": {"kernel": fused.kernel_name()}})
    assert f"ran on the {fused.kernel_name()} and numpy kernels, the rest" in caplog.text

    for value, name in (("numpy", "numpy"), ("NumPy ", "numpy"), ("", fused.kernel_name())):
        monkeypatch.setenv(fused.ENV, value)
        fused.forget()
        assert fused.kernel_name() == name
    monkeypatch.setenv(fused.ENV, "fortran")
    fused.forget()
    with pytest.raises(InfluenceSimError, match="expected 'auto'"):
        fused.kernel_name()
    # Chosen once per process: a later change is said (once), not followed.
    monkeypatch.delenv(fused.ENV)
    fused.forget()
    chosen = fused.kernel_name()
    caplog.clear()
    monkeypatch.setenv(fused.ENV, "numpy")
    assert fused.kernel_name() == fused.kernel_name() == chosen
    assert caplog.text.count(f"already runs the {chosen} kernel and keeps it") == 1


def test_a_manifest_counts_chunks_journaled_without_a_kernel_as_it_said(tmp_path, caplog):
    """A sweep journaled before chunks recorded their kernel, then resumed."""
    from influence_sim.experiments.folder import record_chunk
    from influence_sim.experiments.sweep import _record_kernels

    manifest = {"versions": {"kernel": "numba 0.1"}}
    record_chunk(tmp_path, 0, {}, None)  # as the old journal had it
    record_chunk(tmp_path, 1, {}, "numba 0.1")
    _record_kernels(tmp_path, manifest)
    assert manifest == {"versions": {"kernel": "numba 0.1"}, "kernels": {"numba 0.1": 2}}
    record_chunk(tmp_path, 2, {}, "numpy")
    _record_kernels(tmp_path, manifest)
    assert manifest["kernels"] == {"numba 0.1": 2, "numpy": 1}
    assert manifest["versions"]["kernel"] == "mixed"
    assert "numba 0.1: 2 chunks, numpy: 1 chunk)" in caplog.text


def test_parameters_of_mixed_batch_sizes_are_refused():
    """Shared behaviour (one row) with per-replication GDP: both kernels read a run's row
    of every parameter by one rule (the compiled loop, and the request stage of both), so
    a mix would read some at another run's row; the batch is refused, not run."""
    from influence_sim.engine.ensemble import batch_rows
    from influence_sim.errors import InfluenceSimError

    compiled = compile_scenario(load_scenario(SCENARIOS / "kazakhstan-2022.yaml"))
    params = compiled.params.copy()
    params.gdp = np.repeat(params.gdp, 4, axis=0) * np.array([[1.0], [0.5], [2.0], [1.5]])
    first = replicate(compiled.initial, 4)
    with pytest.raises(InfluenceSimError, match=r"with 1 and 4 rows in one batch \(.*gdp: 4\)"):
        simulate(compiled, params, first, replication_keys(3, 0, 4))
    assert batch_rows(compiled.params) == 1
    rows = np.array([0, 1, 1, 0])
    other = compile_scenario(
        load_scenario(SCENARIOS / "kazakhstan-2022.yaml", ["states.kazakhstan.gdp=190"])
    )
    stacked, state = stack([compiled, other], rows)
    assert batch_rows(stacked) == 4
    simulate(compiled, stacked.copy(), state, replication_keys(3, 0, 4))  # one row each: runs
    with pytest.raises(InfluenceSimError, match="4 rows for a batch of 2 replications"):
        simulate(compiled, stacked, replicate(compiled.initial, 2), replication_keys(3, 0, 2))


def test_the_compiled_normals_are_the_reference_numbers():
    from influence_sim.engine.draws import normals, stream_keys

    keys = stream_keys(9, np.arange(2_000)[:, None])
    for first, n in ((0, 17), (3, 5), (101, 10), (100, 1), (7, 30)):
        np.testing.assert_allclose(
            fused.normals(keys, first, n), normals(keys, first, n), rtol=0, atol=TOLERANCE
        )
