"""The chart over time: bars per period, by group, and a brushed span → the Dates filter."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
from language import french  # noqa: F401 (a fixture; tests/ is on sys.path)

from sahel.palette import OTHER_COLOR, PALETTE, group_colors
from sahel.synthetic import synthetic_incidents
from sahel.timeline import (
    BRUSH,
    CHART_GROUPS,
    FONT_SIZE,
    OTHER_GROUPS,
    chart_colors,
    incidents_over_time,
    period_for,
    picked_dates,
    timeline_chart,
    vega_locale,
)


def ms(day: str) -> int:
    """Return a day's first instant in milliseconds since 1970 (UTC), as Vega reports it."""
    return int(pd.Timestamp(day, tz="UTC").timestamp() * 1000)


@pytest.mark.parametrize(("first", "last", "period"), [
    (date(2024, 3, 1), date(2024, 3, 1), "day"),
    (date(2024, 3, 1), date(2024, 3, 31), "day"),  # a one-month view is ~30 bars, not one
    (date(2024, 1, 1), date(2024, 3, 3), "day"),
    (date(2024, 1, 1), date(2024, 3, 4), "week"),
    (date(2023, 1, 1), date(2024, 12, 31), "week"),
    (date(2020, 1, 1), date(2024, 12, 31), "month"),
    (date(1989, 1, 1), date(2025, 6, 30), "year"),
])
def test_bars_follow_the_span_in_view(first: date, last: date, period: str) -> None:
    assert period_for(first, last) == period


def test_counts_every_incident_and_fatality_by_group() -> None:
    rows = synthetic_incidents(500, seed=8)
    counts = incidents_over_time(rows)
    assert counts["incidents"].sum() == len(rows)
    assert counts["fatalities"].sum() == rows["fatalities"].fillna(0).sum()
    assert counts["group"].nunique() <= CHART_GROUPS + 1
    assert (counts["start"].dt.day == 1).all()  # months for a multi-year span
    weekly = incidents_over_time(rows[rows["event_date"] >= pd.Timestamp("2025-03-01")])
    assert (weekly["start"].dt.day_of_week == 0).all()  # weeks start on Monday
    assert ((weekly["end"] - weekly["start"]).dt.days == 7).all()


def test_main_groups_first_the_rest_merged() -> None:
    rows = synthetic_incidents(13, seed=3)
    rows["group1"] = ["A"] * 5 + ["C"] * 3 + ["B"] * 3 + ["D", None]
    rows["event_date"] = pd.Timestamp("2024-05-02")
    counts = incidents_over_time(rows, top=2)
    # Ties by name; no actor named goes with the rest.
    assert counts[["group", "rank", "incidents"]].values.tolist() == [
        ["A", 0, 5], ["B", 1, 3], [OTHER_GROUPS, 2, 5]]


def test_colours_are_the_maps_palette_and_other_is_grey() -> None:
    rows = synthetic_incidents(400, seed=9)
    counts = incidents_over_time(rows)
    colors = chart_colors(counts)
    named = rows["group1"].dropna().value_counts()
    main = sorted(named.index, key=lambda g: (-named[g], g))[:CHART_GROUPS]
    # What the map's legend gives the same groups (sahel.map_payload): same palette, same order.
    assert [colors[g] for g in main] == group_colors(main)
    assert colors[OTHER_GROUPS] == OTHER_COLOR
    assert len(set(colors.values())) == len(colors) <= len(PALETTE) + 1


def test_a_one_month_view_is_one_bar_a_day() -> None:
    rows = synthetic_incidents(3, seed=4)
    rows["event_date"] = pd.to_datetime(["2024-03-01", "2024-03-15", "2024-03-31"])
    counts = incidents_over_time(rows)
    assert counts["start"].dt.strftime("%d").tolist() == ["01", "15", "31"]


def test_empty_view_has_no_bars() -> None:
    assert incidents_over_time(synthetic_incidents(5, seed=1).iloc[0:0]).empty


def spec(rows: pd.DataFrame, measure: str = "incidents") -> dict:
    counts = incidents_over_time(rows)
    return timeline_chart(counts, chart_colors(counts), measure, "month").to_dict()


def test_chart_is_stacked_in_group_order_to_scale_and_brushable() -> None:
    rows = synthetic_incidents(3, seed=4)
    rows["group1"] = ["JNIM", "JNIM", "FAMa"]
    rows["event_date"] = pd.to_datetime(["2020-01-15", "2020-01-20", "2022-01-20"])
    found = spec(rows)
    (values,) = found["datasets"].values()
    # Bars from their period's first day to the next's: two years apart, not side by side.
    assert [(v["start"], v["end"], v["group"], v["bottom"], v["top"]) for v in values] == [
        ("2020-01-01", "2020-02-01", "JNIM", 0, 2), ("2022-01-01", "2022-02-01", "FAMa", 0, 1)]
    assert found["encoding"]["x"]["scale"] == {"type": "utc"}
    (brush,) = found["params"]
    assert brush["name"] == BRUSH and brush["select"] == {"type": "interval", "encodings": ["x"]}
    assert found["encoding"]["color"]["scale"]["range"] == group_colors(["JNIM", "FAMa"])
    assert found["encoding"]["color"]["scale"]["domain"] == ["JNIM", "FAMa"]


def test_chart_text_is_readable_and_its_width_follows_the_page() -> None:
    found = spec(synthetic_incidents(50, seed=2))
    assert found["width"] == "container"
    assert found["autosize"] == {"type": "fit-x", "contains": "padding"}
    for part in ("axis", "legend"):
        assert found["config"][part]["labelFontSize"] == FONT_SIZE >= 11
        assert found["config"][part]["titleFontSize"] == FONT_SIZE
    assert found["encoding"]["y"]["title"] == "Incidents per month"
    assert "$schema" in found and "http" not in json.dumps(
        {k: v for k, v in found.items() if k != "$schema"})


def test_fatalities_chart_stacks_fatalities() -> None:
    rows = synthetic_incidents(40, seed=6)
    found = spec(rows, "fatalities")
    (values,) = found["datasets"].values()
    assert sum(v["top"] - v["bottom"] for v in values) == rows["fatalities"].fillna(0).sum()
    assert found["encoding"]["y"]["title"] == "Fatalities per month"


@pytest.mark.usefixtures("french")
def test_chart_words_and_dates_in_french_group_names_as_given() -> None:
    rows = synthetic_incidents(60, seed=6)
    found = spec(rows)
    assert found["encoding"]["y"]["title"] == "Incidents par mois"
    assert found["config"]["locale"]["time"]["shortMonths"][1] == "févr."
    assert found["config"]["locale"]["number"]["decimal"] == ","
    (values,) = found["datasets"].values()
    assert {v["group"] for v in values} - {"Autres groupes"} <= set(rows["group1"].dropna())
    assert any(v["label"].endswith("2025") and v["label"][0].islower() for v in values)


def test_vega_locale_days_start_on_sunday() -> None:
    assert vega_locale("en")["time"]["days"][:2] == ["Sunday", "Monday"]
    assert vega_locale("fr")["time"]["months"][7] == "août"


FIRST, LAST = date(2020, 1, 1), date(2025, 6, 30)


@pytest.mark.parametrize(("selection", "period", "expected"), [
    # Whole months from the one the brush starts in to the one it ends in.
    ({"start": [ms("2024-02-10"), ms("2024-04-03")]}, "month", (date(2024, 2, 1),
                                                                date(2024, 4, 30))),
    # A brush ending on a month's first instant ends with the month before.
    ({"start": [ms("2024-02-01"), ms("2024-04-01")]}, "month", (date(2024, 2, 1),
                                                                date(2024, 3, 31))),
    # Reversed ends, weeks (Monday to Sunday).
    ({"start": [ms("2024-03-13"), ms("2024-03-05")]}, "week", (date(2024, 3, 4),
                                                               date(2024, 3, 17))),
    ({"start": [ms("2024-03-05") + 3_600_000, ms("2024-03-06")]}, "day",
     (date(2024, 3, 5), date(2024, 3, 5))),
    ({"start": ["2023-01-01", "2024-12-31T12:00:00"]}, "year", (date(2023, 1, 1),
                                                                date(2024, 12, 31))),
    # Kept within the dates on hand.
    ({"start": [ms("2019-06-01"), ms("2020-03-01")]}, "year", (FIRST, date(2020, 12, 31))),
    ({"start": [ms("2025-06-10"), ms("2025-07-20")]}, "month", (date(2025, 6, 1), LAST)),
    ({"start": [ms("2026-01-01"), ms("2026-02-01")]}, "month", None),
    # Nothing brushed, or nothing usable.
    ({}, "month", None), (None, "month", None), ({"start": [1]}, "month", None),
    ({"start": ["soon", "later"]}, "month", None), ({"start": [True, False]}, "month", None),
    ({"start": [1e30, 0]}, "month", None),
])
def test_brushed_span_becomes_whole_periods_within_the_dates_on_hand(
        selection: dict | None, period: str, expected: tuple[date, date] | None) -> None:
    assert picked_dates(selection, period, FIRST, LAST) == expected  # type: ignore[arg-type]


def test_brushed_span_is_read_in_utc_whatever_the_server_zone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14
    time.tzset()
    try:
        picked = picked_dates({"start": [ms("2024-02-01"), ms("2024-02-02")]}, "day", FIRST,
                              LAST)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert picked == (date(2024, 2, 1), date(2024, 2, 1))
