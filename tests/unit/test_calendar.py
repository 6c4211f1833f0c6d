from __future__ import annotations

from datetime import date

import pytest

from influence_sim.format.calendar import Duration, Timeline, add_months


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 week", Duration(1, "week")),
        ("2 weeks", Duration(2, "week")),
        ("36 hours", Duration(36, "hour")),
        ("3 years", Duration(3, "year")),
        ("  10 Days ", Duration(10, "day")),
        (156, Duration(156, "step")),
        ("4 steps", Duration(4, "step")),
    ],
)
def test_parse_durations(text, expected):
    assert Duration.parse(text) == expected
    assert Duration.parse(str(expected)) == expected


@pytest.mark.parametrize("bad", ["", "week", "2 fortnights", "-1 week", "1.5 weeks", True, -3, 2.0])
def test_bad_durations_are_refused(bad):
    with pytest.raises(ValueError, match="duration"):
        Duration.parse(bad)


def test_add_months_clamps_to_month_end():
    assert add_months(date(2022, 1, 31), 1) == date(2022, 2, 28)
    assert add_months(date(2021, 12, 27), 36) == date(2024, 12, 27)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)


def test_timeline_maps_dates_to_steps():
    t = Timeline(date(2021, 12, 27), 7, 156)
    assert t.step_of(date(2021, 12, 27)) == 0
    assert t.step_of(date(2022, 1, 2)) == 0
    assert t.step_of(date(2022, 1, 5)) == 1
    assert t.step_of(date(2022, 1, 19)) == 3
    assert t.step_of(date(2021, 12, 26)) == -1
    assert t.date_of(1) == date(2022, 1, 3)
    assert t.end == date(2024, 12, 23)


def test_durations_round_up_and_delays_round_down():
    t = Timeline(date(2021, 12, 27), 7, 156)
    assert t.duration_steps(Duration(2, "week")) == 2
    assert t.duration_steps(Duration(10, "day")) == 2
    assert t.duration_steps(Duration(1, "hour")) == 1
    assert t.delay_steps(Duration(12, "hour")) == 0
    assert t.delay_steps(Duration(10, "day")) == 1
    assert t.delay_steps(Duration(3, "step")) == 3
    daily = Timeline(date(2021, 12, 27), 1, 1000)
    assert daily.delay_steps(Duration(36, "hour")) == 1
    assert daily.duration_steps(Duration(2, "week")) == 14
