"""Parameter recovery at scale: calibrate on data simulated at known values; measured in one run.

    python benchmarks/bench_recovery.py            # 5 truths x 2 parameters, 200 particles
    python benchmarks/bench_recovery.py --quick    # 2 truths, 60 particles

For each truth (China's economic capacity and Russia's security capacity, drawn from the
prior by a Latin hypercube), the Kazakhstan 2022 scenario is run at the truth (40
replications); the medians of four summary metrics are the data (sd 0.004 each).
History matching (2 waves) and ABC-SMC then calibrate both parameters, and the benchmark
prints, per truth, the posterior's 90% intervals, whether each holds the truth, and how
narrow it is against the prior; then the coverage over all truths (about 90% expected
over many truths; a handful of truths measures it roughly) and the time of one
calibration as a ratio of the time of one 1,000-replication run of the same scenario,
measured in the same run.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from influence_sim import run
from influence_sim.calibration.fitting import calibrate
from influence_sim.results.metrics import weighted_quantile

PRIORS = {
    "powers.china.economic_capacity": (0.1, 1.0),
    "powers.russia.security_capacity": (0.2, 1.0),
}
METRICS = (
    "final_trade.kazakhstan.china",
    "final_economic_reliance.kazakhstan.china",
    "final_security_reliance.kazakhstan.russia",
    "final_alignment.kazakhstan.russia",
)


def recover(truth: dict[str, float], folder: Path, particles: int, points: int) -> dict:
    """Calibrate on data simulated at ``truth``; the intervals and whether they hold it."""
    summary = run(
        "kazakhstan-2022",
        replications=40,
        seed=99,
        overrides={k: float(v) for k, v in truth.items()},
    ).tables["summary"]
    data = [
        {
            "name": metric.split(".")[0],
            "description": f"{metric} at the truth",
            "quantity": {"summary": metric},
            "observed": {"value": float(summary[metric].median()), "sd": 0.004},
            "source": "Simulated at the truth (a benchmark).",
        }
        for metric in METRICS
    ]
    (folder / "truth.yaml").write_text(
        yaml.safe_dump(
            {"name": "truth", "title": "Truth", "scenario": "kazakhstan-2022", "targets": data}
        )
    )
    spec = folder / "recover.yaml"
    spec.write_text(
        yaml.safe_dump(
            {
                "name": "recover",
                "title": "Recover two capacities",
                "targets": "truth.yaml",
                "parameters": {p: {"range": list(r)} for p, r in PRIORS.items()},
                "replications": 8,
                "seed": 1,
                "history_matching": {"waves": 2, "points": points},
                "abc": {"particles": particles, "generations": 4},
            }
        )
    )
    result = calibrate(spec, out=folder / "out")
    assert result.posterior is not None
    out = {}
    for path, (low_prior, high_prior) in PRIORS.items():
        values, weights = result.posterior[path], result.posterior["weight"]
        low, high = (weighted_quantile(values, weights, q) for q in (0.05, 0.95))
        out[path] = (low, high, low <= truth[path] <= high, (high - low) / (high_prior - low_prior))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 truths, 60 particles")
    args = parser.parse_args()
    n, particles, points = (2, 60, 32) if args.quick else (5, 200, 64)
    rng = np.random.default_rng(7)  # a Latin hypercube of truths over the prior
    unit = (np.stack([rng.permutation(n) for _ in PRIORS], axis=1) + rng.random((n, 2))) / n
    low = np.array([r[0] for r in PRIORS.values()])
    high = np.array([r[1] for r in PRIORS.values()])
    truths = [dict(zip(PRIORS, map(float, row), strict=True)) for row in low + unit * (high - low)]

    started = time.perf_counter()
    run("kazakhstan-2022", replications=1000, seed=1)
    one_run = time.perf_counter() - started
    held, total, times = 0, 0, []
    with tempfile.TemporaryDirectory() as tmp:
        for i, truth in enumerate(truths):
            folder = Path(tmp) / f"truth-{i}"
            folder.mkdir()
            started = time.perf_counter()
            found = recover(truth, folder, particles, points)
            times.append(time.perf_counter() - started)
            for path, (lo, hi, inside, width) in found.items():
                held, total = held + inside, total + 1
                print(
                    f"truth {i}: {path} = {truth[path]:.3f}; 90% interval {lo:.3f} to {hi:.3f} "
                    f"({'holds' if inside else 'MISSES'} it; {width:.0%} of the prior)"
                )
    print(f"coverage: {held} of {total} intervals hold the truth ({held / total:.0%})")
    print(
        f"one calibration: {np.median(times):.1f} s, {np.median(times) / one_run:.1f}x one "
        f"1,000-replication run ({one_run:.2f} s)"
    )


if __name__ == "__main__":
    main()
