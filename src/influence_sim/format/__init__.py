"""The file formats: scenario and sweep schemas, parameters, shocks, YAML, loading.

Behavioural parameters with their sources, the calendar, YAML with positions, loading
with ``extends`` and overrides, bundled files. This layer imports neither numpy nor
pandas.
"""

from influence_sim._lazy import exports

__all__ = [
    "SELF",
    "AllianceSpec",
    "Duration",
    "Dynamics",
    "PowerSpec",
    "Scenario",
    "StateSpec",
    "SweepSpec",
    "Timeline",
    "bundled_files",
    "dump_scenario",
    "find_scenario",
    "find_sweep",
    "load_scenario",
    "load_sweep",
    "override_list",
    "parameters",
    "parse_scenario",
    "resolve_scenario",
    "scenario_dir",
    "scenario_schema",
    "schema_text",
    "sweep_schema",
]

_NAMES = {
    "Scenario": "scenario",
    "StateSpec": "scenario",
    "PowerSpec": "scenario",
    "AllianceSpec": "scenario",
    "SELF": "scenario",
    "Dynamics": "parameters",
    "Timeline": "calendar",
    "Duration": "calendar",
    "load_scenario": "loading",
    "parse_scenario": "loading",
    "dump_scenario": "loading",
    "resolve_scenario": "loading",
    "override_list": "loading",
    "find_scenario": "bundled",
    "bundled_files": "bundled",
    "scenario_dir": "bundled",
    "SweepSpec": "sweepspec",
    "load_sweep": "sweepfile",
    "find_sweep": "bundled",
    "scenario_schema": "schema",
    "sweep_schema": "schema",
    "schema_text": "schema",
    "parameters": "explain",
}
__getattr__, __dir__ = exports(__name__, _NAMES)
