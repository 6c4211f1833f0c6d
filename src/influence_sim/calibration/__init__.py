"""Calibration: a scenario checked against its targets, and fitted to data.

``check`` runs a scenario against a target file (patterns and data); ``calibrate`` rules
out, wave by wave, the parameters that cannot match the data (history matching), then
optionally weighs the rest by approximate Bayesian computation; ``Calibration.load``
opens a calibration folder.
"""

from influence_sim._lazy import exports

__all__ = ["Calibration", "CheckResult", "calibrate", "check", "predict", "resume_calibration"]

_NAMES = {
    "Calibration": "folder",
    "calibrate": "fitting",
    "resume_calibration": "fitting",
    "CheckResult": "verdict",
    "check": "checks",
    "predict": "checks",
}
__getattr__, __dir__ = exports(__name__, _NAMES)
