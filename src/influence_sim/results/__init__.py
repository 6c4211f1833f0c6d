"""What a run leaves: recordings, metrics, tidy tables, ``RunResult`` and its folder.

With checksummed storage, and memory estimates made before a run.
"""

from influence_sim._lazy import exports

__all__ = [
    "TABLES",
    "RunResult",
    "Summary",
    "build_tables",
    "clean_stale",
    "estimate_run_bytes",
    "whole_folder",
]

_NAMES = {
    "RunResult": "runs",
    "TABLES": "runs",
    "whole_folder": "runs",
    "clean_stale": "runs",
    "Summary": "metrics",
    "build_tables": "tables",
    "estimate_run_bytes": "memory",
}
__getattr__, __dir__ = exports(__name__, _NAMES)
