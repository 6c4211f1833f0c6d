"""Many runs: sweeps (spec, sampling, chunks, resume, checked folders), sensitivity."""

from influence_sim._lazy import exports

__all__ = [
    "Comparison",
    "SweepResult",
    "analyze",
    "compare",
    "load_sweep",
    "resume_sweep",
    "run_sweep",
    "sample",
]

_NAMES = {
    "Comparison": "compare",
    "compare": "compare",
    "run_sweep": "sweep",
    "load_sweep": "sweep",
    "resume_sweep": "sweep",
    "SweepResult": "sweepresult",
    "sample": "sampling",
    "analyze": "sensitivity",
}
__getattr__, __dir__ = exports(__name__, _NAMES)
