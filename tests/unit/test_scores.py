"""The proper scores and the null forecasts, against hand computations."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from influence_sim.results.observation import Figure, Window, persistence, trend
from influence_sim.results.scores import crps_ensemble, crps_point, interval_score, skill


def test_the_crps_of_an_ensemble_is_the_integral_by_hand():
    # F is 1/2 on [0, 1): the integral of (F - 1{t >= 0})^2 is 1/4 over [0, 1).
    assert crps_ensemble([0.0, 1.0], 0.0) == pytest.approx(0.25)
    # Three members, y = 1: mean|x - y| = (1 + 0 + 2) / 3 = 1; pairs |xi - xj| sum to
    # 2 * (1 + 3 + 2) = 12 over 9, half of it 2/3: the score is 1/3.
    assert crps_ensemble([0.0, 1.0, 3.0], 1.0) == pytest.approx(1.0 / 3.0)
    # An ensemble of one is a point forecast: its absolute error; NaN members are dropped.
    assert crps_ensemble([0.3, math.nan], 0.1) == pytest.approx(0.2)
    assert crps_point(0.3, 0.1) == pytest.approx(0.2)
    with pytest.raises(ValueError, match="no finite value"):
        crps_ensemble([math.nan], 0.0)


def test_the_crps_of_a_wide_ensemble_beats_a_wrong_point_and_loses_to_a_right_one():
    wide = [0.0, 0.25, 0.5, 0.75, 1.0]
    assert crps_ensemble(wide, 0.5) < crps_point(1.0, 0.5)
    assert crps_ensemble(wide, 0.5) > crps_point(0.5, 0.5) == 0.0


def test_the_interval_score_and_the_skill():
    assert interval_score(0.1, 0.3, 0.2, 0.1) == pytest.approx(0.2)  # inside: the width
    assert interval_score(0.1, 0.3, 0.4, 0.1) == pytest.approx(0.2 + 20 * 0.1)
    assert interval_score(0.1, 0.3, 0.0, 0.1) == pytest.approx(0.2 + 20 * 0.1)
    assert skill(0.5, 1.0) == pytest.approx(0.5)
    assert skill(2.0, 1.0) == pytest.approx(-1.0)
    assert math.isnan(skill(0.5, 0.0))


SERIES = pd.DataFrame(
    {
        "state": ["a"] * 5 + ["b"],
        "partner": ["p"] * 6,
        "year": [2015, 2016, 2017, 2018, 2019, 2017],
        "value": [0.10, 0.12, 0.15, 0.30, 0.20, 0.9],
    }
)


def _figure(year: int, observed: float, state: str = "a") -> Figure:
    window = Window("trade", state, "p", (year, year))
    return Figure("trade", state, "p", year, observed, "share", "pub", "table", window)


def test_the_persistence_null_carries_the_last_fitting_value_and_scores_its_error():
    figure = _figure(2019, 0.20)
    forecast = persistence(SERIES, figure, (2010, 2017))
    assert forecast == 0.15  # 2017's value; 2018 is held out, and state b is another series
    assert crps_point(forecast, figure.observed) == pytest.approx(0.05)
    assert math.isnan(persistence(SERIES, _figure(2019, 0.2, "c"), (2010, 2017)))


def test_the_trend_null_is_the_least_squares_line_of_the_fitting_years():
    figure = _figure(2019, 0.20)
    # Through (2015, .10), (2016, .12), (2017, .15): slope .025, mean .12333 at 2016.
    assert trend(SERIES, figure, (2010, 2017)) == pytest.approx(0.12333333 + 3 * 0.025)
    # One fitting value: persistence.
    assert trend(SERIES, _figure(2019, 0.2, "b"), (2010, 2017)) == pytest.approx(0.9)
