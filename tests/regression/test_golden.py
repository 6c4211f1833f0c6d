"""The bundled scenarios still give the seeded results they gave when the golden files were made."""

from __future__ import annotations

import json
import math

import pytest

from tests.regression.golden_runs import GOLDEN, SCENARIOS, medians


@pytest.mark.parametrize("name", SCENARIOS)
def test_summary_medians_match_the_golden_file(name):
    expected = json.loads((GOLDEN / f"{name}.json").read_text())
    actual = medians(name)
    assert sorted(actual) == sorted(expected)
    for key, value in expected.items():
        if math.isnan(value):
            assert math.isnan(actual[key]), key
        else:
            # Tight: only floating-point noise across platforms is tolerated.
            assert actual[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key
