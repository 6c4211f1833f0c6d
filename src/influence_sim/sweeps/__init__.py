"""Sweeps: a sweep file run as chunks of the ensemble into a checked, resumable folder.

The spec and its sampling (grid, Latin hypercube, Sobol, Morris, a list), the chunks and
the executors that run them (a local pool, dask, any ``Executor``), the folder with its
journal of checksums, the size known before anything runs, and ``SweepResult``.
"""

from influence_sim._lazy import exports

__all__ = ["SweepResult", "load_sweep", "resume_sweep", "run_sweep", "sample"]

_NAMES = {
    "run_sweep": "sweep",
    "load_sweep": "sweep",
    "resume_sweep": "sweep",
    "SweepResult": "sweepresult",
    "sample": "sampling",
}
__getattr__, __dir__ = exports(__name__, _NAMES)
