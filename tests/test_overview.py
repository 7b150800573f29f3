"""Headline figures and the table: the columns an analyst reads first, in the page's language."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from language import french  # noqa: F401 (a fixture; tests/ is on sys.path)

from sahel.overview import (
    TABLE_COLUMNS,
    TABLE_HEADERS,
    Headline,
    headline,
    incident_table,
)
from sahel.synthetic import synthetic_incidents


def test_headline_range_sums_low_and_high_falling_back_to_best() -> None:
    rows = synthetic_incidents(50, seed=3)
    figures = headline(rows)
    low = rows["fatalities_low"].fillna(rows["fatalities"]).sum()
    high = rows["fatalities_high"].fillna(rows["fatalities"]).sum()
    assert (figures.fatalities_low, figures.fatalities_high) == (low, high)
    assert figures.fatalities_low <= figures.fatalities <= figures.fatalities_high


@pytest.mark.parametrize(("first", "last", "short", "exact"), [
    (date(2023, 11, 24), date(2023, 11, 24), "Nov 2023", "24 Nov 2023"),
    (date(2023, 11, 24), date(2024, 2, 1), "Nov 2023 – Feb 2024", "24 Nov 2023 → 1 Feb 2024"),
    (date(2023, 1, 5), date(2024, 12, 30), "Jan 2023 – Dec 2024", "5 Jan 2023 → 30 Dec 2024"),
    # Fits the metric; the exact days are beside it.
    (date(1989, 3, 1), date(2025, 6, 29), "1989 – 2025", "1 Mar 1989 → 29 Jun 2025"),
    (None, None, "–", "–"),
])
def test_spans_fit_a_metric_and_say_the_days(first: date | None, last: date | None, short: str,
                                             exact: str) -> None:
    figures = Headline(1, 0, 0, 0, 1, 1, first, last)
    assert (figures.short_span, figures.span) == (short, exact)


@pytest.mark.usefixtures("french")
@pytest.mark.parametrize(("first", "last", "short", "exact"), [
    (date(2023, 11, 24), date(2024, 2, 1), "nov. 2023 – févr. 2024",
     "24 nov. 2023 → 1 févr. 2024"),
    (date(2024, 8, 3), date(2024, 8, 3), "août 2024", "3 août 2024"),
])
def test_spans_are_in_french_on_the_french_page(first: date, last: date, short: str,
                                                exact: str) -> None:
    figures = Headline(1, 0, 0, 0, 1, 1, first, last)
    assert (figures.short_span, figures.span) == (short, exact)


def test_table_starts_with_what_an_analyst_reads_first() -> None:
    rows = synthetic_incidents(30, seed=2)
    table = incident_table(rows, limit=20)
    assert list(table.columns[:7]) == ["Date", "Place", "Region", "Armed groups", "Event type",
                                       "Fatalities", "Source"]
    assert len(table) == 20 and "Event ID" in table.columns
    assert table["Event ID"].tolist() == rows["event_id"].head(20).tolist()
    assert table["Date"].tolist() == rows["event_date"].head(20).dt.date.tolist()


@pytest.mark.parametrize(("group1", "group2", "shown"), [
    ("JNIM", "FAMa", "JNIM – FAMa"),
    ("JNIM", None, "JNIM"),
    (None, "Civilians", "Civilians"),
    (None, None, None),
    ("JNIM and/or Islamic State Sahel", "VDP", "JNIM and/or Islamic State Sahel – VDP"),
])
def test_groups_column_gives_both_sides(group1: str | None, group2: str | None,
                                        shown: str | None) -> None:
    rows = synthetic_incidents(1, seed=1)
    rows["group1"] = pd.Series([group1], dtype="object")
    rows["group2"] = pd.Series([group2], dtype="object")
    assert incident_table(rows)["Armed groups"].tolist() == [shown]


@pytest.mark.usefixtures("french")
def test_table_headers_are_translated_and_data_values_are_not() -> None:
    rows = synthetic_incidents(5, seed=4)
    table = incident_table(rows)
    assert list(table.columns[:3]) == ["Date", "Lieu", "Région"]
    assert len(set(table.columns)) == len(TABLE_COLUMNS) == len(TABLE_HEADERS)
    # Places and groups are data: never translated.
    assert table["Lieu"].tolist() == rows["location"].tolist()
