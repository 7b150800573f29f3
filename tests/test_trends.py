"""Trends per region: windows, changes, the year-earlier comparison and the flag rule."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from language import french  # noqa: F401 (a fixture; tests/ is on sys.path)

from sahel.query import IncidentQuery
from sahel.synthetic import synthetic_incidents
from sahel.trends import (
    FLAG_RULE,
    TREND_COLUMNS,
    FlagRule,
    coverage_start,
    region_trends,
    stands_out,
    trends_caption,
    trends_query,
    trends_table,
    windows,
)

END = date(2025, 6, 30)


def incidents(*rows: tuple[str, str, str, int]) -> pd.DataFrame:
    """Return incidents from (ISO3, region, day, fatalities) rows."""
    return pd.DataFrame({
        "iso3": [r[0] for r in rows], "admin1": [r[1] for r in rows],
        "event_date": pd.to_datetime([r[2] for r in rows]),
        "fatalities": pd.array([r[3] for r in rows], dtype="Int64")})


def days_before(end: date, *days: int) -> list[str]:
    return [(end - timedelta(days=d)).isoformat() for d in days]


@pytest.mark.parametrize(("end", "days", "recent", "previous", "year_earlier"), [
    (date(2025, 6, 30), 30, ("2025-06-01", "2025-06-30"), ("2025-05-02", "2025-05-31"),
     ("2024-06-01", "2024-06-30")),
    (date(2025, 1, 1), 1, ("2025-01-01", "2025-01-01"), ("2024-12-31", "2024-12-31"),
     ("2024-01-01", "2024-01-01")),
    # 29 February: a year earlier is the 28th, the span keeps its length.
    (date(2024, 2, 29), 90, ("2023-12-02", "2024-02-29"), ("2023-09-03", "2023-12-01"),
     ("2022-12-01", "2023-02-28")),
])
def test_windows_are_inclusive_and_of_the_same_length(
        end: date, days: int, recent: tuple[str, str], previous: tuple[str, str],
        year_earlier: tuple[str, str]) -> None:
    found = windows(end, days)
    iso = [(a.isoformat(), b.isoformat()) for a, b in
           (found.recent, found.previous, found.year_earlier)]
    assert iso == [recent, previous, year_earlier]
    for a, b in (found.recent, found.previous, found.year_earlier):
        assert (b - a).days + 1 == days


def test_a_span_is_at_least_a_day() -> None:
    with pytest.raises(ValueError, match="at least one day"):
        windows(END, 0)


@pytest.mark.parametrize(("recent", "baseline", "expected"), [
    (10, [1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2], True),  # far above mean + 2 sd
    (2, [0] * 12, False),  # below the minimum count, however quiet the past
    (3, [0] * 12, True),  # a region quiet for a year with 3 now
    (3, [0, 0], False),  # too few spans of history to say
    (3, [0, 0, 0], True),
    (5, [5] * 12, False),  # as usual
    (6, [5] * 12, True),  # sd 0: anything above the mean stands out
    (8, [2, 8, 2, 8, 2, 8, 2, 8, 2, 8, 2, 8], False),  # within its usual swings
    (12, [2, 8, 2, 8, 2, 8, 2, 8, 2, 8, 2, 8], True),  # mean 5, sd ~3.1: 11.3
    (11, [2, 8, 2, 8, 2, 8, 2, 8, 2, 8, 2, 8], False),
])
def test_flag_rule(recent: int, baseline: list[int], expected: bool) -> None:
    assert stands_out(recent, baseline) is expected


def test_flag_rule_follows_its_parameters() -> None:
    loose = FlagRule(sd_factor=0.0, min_count=1, min_spans=2)
    assert stands_out(2, [1, 1], loose) and not stands_out(2, [1, 1])


def test_recent_previous_and_year_earlier_counts_and_changes() -> None:
    rows = incidents(
        *[("MLI", "Mopti", d, 2) for d in days_before(END, 0, 5, 29)],  # 3 recent
        *[("MLI", "Mopti", d, 1) for d in days_before(END, 30, 59)],  # 2 before
        ("MLI", "Mopti", "2024-06-15", 4),  # a year earlier
        ("MLI", "Gao", days_before(END, 40)[0], 7),  # only before: a fall
        ("MLI", "Gao", "2024-06-01", 0),
        ("NER", "Tillabéri", days_before(END, 1)[0], 0),  # new
        ("NER", "Tillabéri", days_before(END, -1)[0], 9),  # after the end: not counted
    )
    found = region_trends(rows, END, 30).set_index("admin1")
    assert list(found.index) == ["Mopti", "Tillabéri", "Gao"]  # largest rise first
    mopti, tillaberi, gao = found.loc["Mopti"], found.loc["Tillabéri"], found.loc["Gao"]
    assert (mopti["recent"], mopti["previous"], mopti["year_earlier"]) == (3, 2, 1)
    assert (mopti["change"], mopti["change_pct"]) == (1, 0.5)
    assert (mopti["change_year"], mopti["change_year_pct"]) == (2, 2.0)
    assert (tillaberi["recent"], tillaberi["previous"], tillaberi["change"]) == (1, 0, 1)
    assert pd.isna(tillaberi["change_pct"]) and pd.isna(tillaberi["change_year_pct"])
    assert (gao["recent"], gao["previous"], gao["change_pct"], gao["year_earlier"]) == (
        0, 1, -1.0, 1)
    assert found.loc["Mopti", "country"] == "Mali"
    assert list(region_trends(rows, END, 30).columns) == list(TREND_COLUMNS)


def test_fatalities_are_summed_best_estimates() -> None:
    rows = incidents(("MLI", "Mopti", "2025-06-30", 5), ("MLI", "Mopti", "2025-06-29", 0),
                     ("MLI", "Mopti", "2025-05-20", 2))
    rows.loc[1, "fatalities"] = pd.NA  # no figure: counts as 0
    found = region_trends(rows, END, 30, measure="fatalities").iloc[0]
    assert (found["recent"], found["previous"], found["change"]) == (5, 2, 3)


def test_baseline_counts_only_spans_within_the_data() -> None:
    # Three spans of data before the recent one: a rise from 1 a month to 6 stands out.
    rows = incidents(*[("BFA", "Sahel", d, 0) for d in days_before(END, 35, 65, 119)],
                     *[("BFA", "Sahel", d, 0) for d in days_before(END, *range(6))])
    found = region_trends(rows, END, 30).iloc[0]
    assert found["baseline_spans"] == 3 and found["baseline_mean"] == 1.0
    assert bool(found["stands_out"])
    # With less history the same count is not judged.
    short = region_trends(rows, END, 30, since=END - timedelta(days=70)).iloc[0]
    assert short["baseline_spans"] == 1 and not bool(short["stands_out"])
    # Older coverage: the quiet spans count as zeros, at most FLAG_RULE.spans of them.
    long = region_trends(rows, END, 30, since=date(2000, 1, 1)).iloc[0]
    assert long["baseline_spans"] == FLAG_RULE.spans


def test_empty_and_undated_input_give_an_empty_table() -> None:
    empty = region_trends(incidents(), END, 30)
    assert empty.empty and list(empty.columns) == list(TREND_COLUMNS)
    old = region_trends(incidents(("MLI", "Mopti", "2010-01-01", 1)), END, 30)
    assert old.empty
    no_region = incidents(("MLI", "Mopti", "2025-06-30", 1))
    no_region["admin1"] = None
    assert region_trends(no_region, END, 30).empty


def test_one_region() -> None:
    found = region_trends(incidents(("MLI", "Kidal", "2025-06-30", 1)), END, 365)
    assert found[["admin1", "recent", "previous", "year_earlier"]].values.tolist() == [
        ["Kidal", 1, 0, 0]]


def test_matches_plain_pandas_on_synthetic_data() -> None:
    rows = synthetic_incidents(2000, seed=5)
    end, days = rows["event_date"].max().date(), 90
    found = region_trends(rows, end, days).set_index(["iso3", "admin1"])
    day = rows["event_date"].dt.normalize()
    recent = rows[day > pd.Timestamp(end) - pd.Timedelta(days=days)]
    expected = recent.groupby(["iso3", "admin1"]).size()
    assert found.loc[expected.index, "recent"].tolist() == expected.tolist()
    assert found["recent"].sum() == recent["admin1"].notna().sum()


def test_trends_ignore_dates_and_regions_only() -> None:
    query = IncidentQuery(regions=frozenset({"Mopti"}), start=date(2024, 1, 1),
                          end=date(2024, 2, 1), event_types=frozenset({"Battles"}))
    assert trends_query(query) == IncidentQuery(event_types=frozenset({"Battles"}))


def test_coverage_starts_with_the_datasets_read() -> None:
    rows = synthetic_incidents(20, seed=2)
    rows["dataset_name"] = ["mine"] * 10 + ["demo: old"] * 10
    rows.loc[10:, "event_date"] = pd.Timestamp("1990-01-01")
    assert coverage_start(rows, IncidentQuery()) == date(1990, 1, 1)
    mine = rows.loc[:9, "event_date"].min().date()
    assert coverage_start(rows, IncidentQuery(include_demo=False)) == mine
    assert coverage_start(rows, IncidentQuery(datasets=frozenset({"none"}))) is None


def test_table_for_the_page_writes_shares_and_new() -> None:
    rows = incidents(("MLI", "Mopti", "2025-06-30", 0), ("MLI", "Mopti", "2025-06-29", 0),
                     ("MLI", "Mopti", "2025-05-20", 0), ("MLI", "Gao", "2025-06-30", 0))
    table = trends_table(region_trends(rows, END, 30), 30)
    assert list(table.columns[:4]) == ["Region", "Country", "Stands out", "Last 30 days"]
    assert table["Change %"].tolist() == ["+100%", "new"]


@pytest.mark.usefixtures("french")
def test_table_and_caption_in_french() -> None:
    rows = incidents(("MLI", "Mopti", "2025-06-30", 0), ("MLI", "Mopti", "2025-05-20", 0),
                     ("MLI", "Mopti", "2025-05-21", 0), ("MLI", "Mopti", "2025-05-22", 0))
    table = trends_table(region_trends(rows, END, 30), 30)
    assert "30 derniers jours" in table.columns and "Écart %" in table.columns
    assert table["Écart %"].tolist() == ["-67\u00a0%"]
    assert table["Région"].tolist() == ["Mopti"]  # a place name: not translated
    caption = trends_caption(END, 30, "incidents")
    assert caption.startswith("Incidents par région sur les 30 jours du 1 juin 2025 au 30 juin")
