"""The JSON Schema of the scenario format, generated from the pydantic models.

Editors that speak the YAML language server read it from the first line of each
bundled scenario (``# yaml-language-server: $schema=schema.json``) and offer
completion and checks as one types. A test fails if ``scenarios/schema.json``
is stale; ``make docs`` writes it again. A file that ``extends`` another names
``schema-partial.json`` instead, in which only the top-level name, title and
``extends`` are required, since the rest is inherited.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from influence_sim.format.scenario import Scenario

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file."""
    schema = Scenario.model_json_schema(mode="validation")
    return {"$schema": SCHEMA_DIALECT, **schema, "title": "influence-sim scenario"}


def partial_schema() -> dict[str, Any]:
    """The JSON Schema of a file that ``extends`` another: nothing below the top is required."""
    schema = copy.deepcopy(scenario_schema())
    _drop_required(schema)
    schema["title"] = "influence-sim scenario that extends another"
    schema["required"] = ["name", "title", "extends"]
    return schema


def _drop_required(node: Any) -> None:
    if isinstance(node, dict):
        node.pop("required", None)
        node.pop("minProperties", None)
        for value in node.values():
            _drop_required(value)
    elif isinstance(node, list):
        for value in node:
            _drop_required(value)


def sweep_schema() -> dict[str, Any]:
    """The JSON Schema of a sweep file."""
    from influence_sim.format.sweepspec import SweepSpec

    schema = SweepSpec.model_json_schema(mode="validation")
    return {"$schema": SCHEMA_DIALECT, **schema, "title": "influence-sim sweep"}


def targets_schema() -> dict[str, Any]:
    """The JSON Schema of a target file."""
    from influence_sim.format.targets import TargetFile

    schema = TargetFile.model_json_schema(mode="validation")
    return {"$schema": SCHEMA_DIALECT, **schema, "title": "influence-sim targets"}


def calibration_schema() -> dict[str, Any]:
    """The JSON Schema of a calibration file."""
    from influence_sim.format.calibration import CalibrationSpec

    schema = CalibrationSpec.model_json_schema(mode="validation")
    return {"$schema": SCHEMA_DIALECT, **schema, "title": "influence-sim calibration"}


def schema_text(
    *,
    partial: bool = False,
    sweep: bool = False,
    targets: bool = False,
    calibration: bool = False,
) -> str:
    """The JSON Schema as stable, indented text."""
    if calibration:
        schema = calibration_schema()
    elif targets:
        schema = targets_schema()
    else:
        schema = sweep_schema() if sweep else partial_schema() if partial else scenario_schema()
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
