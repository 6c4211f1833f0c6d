"""The dynamics: a scenario compiled into arrays, stepped by one numpy kernel.

Over one replication or a batch. This layer imports numpy and the formats only.
"""

from influence_sim._lazy import exports

__all__ = [
    "Compiled",
    "Params",
    "Rebellion",
    "Recorder",
    "Schedule",
    "State",
    "StepEvents",
    "StepShocks",
    "Trajectory",
    "apply_shocks",
    "compile_scenario",
    "rebel",
    "rebellion_keys",
    "replicate",
    "run_ensemble",
    "seed_sequence",
    "simulate",
    "step",
]

_NAMES = {
    "Recorder": "trajectory",
    "Trajectory": "trajectory",
    "Compiled": "compile",
    "compile_scenario": "compile",
    "State": "kernel",
    "Params": "kernel",
    "StepEvents": "kernel",
    "step": "kernel",
    "Schedule": "schedule",
    "StepShocks": "schedule",
    "apply_shocks": "kernel",
    "run_ensemble": "ensemble",
    "simulate": "ensemble",
    "replicate": "ensemble",
    "seed_sequence": "ensemble",
    "Rebellion": "civil",
    "rebel": "civil",
    "rebellion_keys": "civil",
}
__getattr__, __dir__ = exports(__name__, _NAMES)
