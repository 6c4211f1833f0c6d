"""Seeded outputs of the bundled scenarios, kept as small golden files.

Regenerate only on purpose, when the model is meant to change, and say so in the
commit: ``python -m tests.regression.golden_runs``.
"""

from __future__ import annotations

import json
from pathlib import Path

from influence_sim.drivers.runner import run

GOLDEN = Path(__file__).resolve().parent / "golden"
SCENARIOS = (
    "central-asia-2021",
    "kazakhstan-2022",
    "no-csto-response",
    "china-security-push",
    "kazakhstan-2022-citizens",
)
REPLICATIONS = 8
SEED = 12345


def medians(name: str) -> dict[str, float]:
    """The median over replications of every summary metric."""
    summary = run(name, replications=REPLICATIONS, seed=SEED).tables["summary"]
    return {k: float(v) for k, v in summary.drop(columns="replication").median().items()}


def main() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for name in SCENARIOS:
        path = GOLDEN / f"{name}.json"
        path.write_text(json.dumps(medians(name), indent=1, sort_keys=True) + "\n")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
