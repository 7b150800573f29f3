from datetime import date

import pandas as pd
import pytest

from sahel.query import IncidentQuery, describe, filter_incidents, normalise_query
from sahel.schema import conform

ROWS = [
    # event_id, date, group1, group2, iso3, admin1, type, fatalities, precision, location, notes
    ("A", "2023-11-24", "JNIM", "FAMa", "MLI", "Tombouctou", "Battles", 50, 1, "Niafunké", "camp"),
    ("B", "2023-11-24", "JNIM", "FAMa", "MLI", "Tombouctou", "Explosions/Remote violence", None,
     1, "Goundam", "mortier 120 mm"),
    ("C", "2022-06-01", "Katiba Macina", "Civilians", "MLI", "Mopti", "Violence against civilians",
     3, 2, "Boni", "village"),
    ("D", "2024-08-24", "JNIM", "VDP", "BFA", "Centre-Nord", "Battles", 100, 1, "Barsalogho",
     "tranchée"),
    ("E", "2019-12-10", "Islamic State Sahel", "Niger forces", "NER", "Tillabéri", "Battles", 71, 3,
     "Inates", "camp militaire"),
]


@pytest.fixture
def incidents():
    frame = pd.DataFrame(ROWS, columns=["event_id", "event_date", "group1", "group2", "iso3",
                                        "admin1", "event_type", "fatalities", "geo_precision",
                                        "location", "notes"])
    frame["latitude"], frame["longitude"] = 15.0, -2.0
    return conform(frame)


@pytest.mark.parametrize("query, expected", [
    (IncidentQuery(), ["D", "A", "B", "C", "E"]),
    (IncidentQuery(groups=frozenset({"JNIM"})), ["D", "A", "B", "C"]),
    (IncidentQuery(groups=frozenset({"JNIM"}), include_components=False), ["D", "A", "B"]),
    (IncidentQuery(countries=frozenset({"MLI"})), ["A", "B", "C"]),
    (IncidentQuery(regions=frozenset({"Tombouctou"})), ["A", "B"]),
    (IncidentQuery(start=date(2023, 1, 1)), ["D", "A", "B"]),
    (IncidentQuery(end=date(2022, 12, 31)), ["C", "E"]),
    (IncidentQuery(start=date(2023, 11, 24), end=date(2023, 11, 24)), ["A", "B"]),
    (IncidentQuery(event_types=frozenset({"Battles"})), ["D", "A", "E"]),
    (IncidentQuery(min_fatalities=50), ["D", "A", "E"]),
    (IncidentQuery(precisions=frozenset({1})), ["D", "A", "B"]),
    (IncidentQuery(text="niafunke"), ["A"]),
    (IncidentQuery(text="Tranchée"), ["D"]),
    (IncidentQuery(text="macina"), ["C"]),
    # The search folds aliases: a region, country or group by another of its names.
    (IncidentQuery(text="Timbuktu"), ["A", "B"]),
    (IncidentQuery(text="Tillaberi"), ["E"]),
    (IncidentQuery(text="GSIM"), ["D", "A", "B"]),
    (IncidentQuery(text="EIGS"), ["E"]),
    (IncidentQuery(text="Burkina"), ["D"]),
    (IncidentQuery(groups=frozenset({"JNIM"}), countries=frozenset({"BFA"})), ["D"]),
])
def test_filter_incidents(incidents, query, expected):
    assert filter_incidents(incidents, query)["event_id"].tolist() == expected


def test_filter_never_mutates_input(incidents):
    before = incidents.copy()
    filter_incidents(incidents, IncidentQuery(text="camp", groups=frozenset({"JNIM"})))
    pd.testing.assert_frame_equal(incidents, before)


@pytest.mark.parametrize("given, field, expected", [
    (IncidentQuery(groups=frozenset({"GSIM"})), "groups", frozenset({"JNIM"})),
    (IncidentQuery(groups=frozenset({"le Jnim"})), "groups", frozenset({"JNIM"})),
    (IncidentQuery(regions=frozenset({"Timbuktu"})), "regions", frozenset({"Tombouctou"})),
    (IncidentQuery(regions=frozenset({"Tillaberi"})), "regions", frozenset({"Tillabéri"})),
    (IncidentQuery(countries=frozenset({"Mali"})), "countries", frozenset({"MLI"})),
    (IncidentQuery(groups=frozenset({"No Such Group"})), "groups", frozenset({"No Such Group"})),
])
def test_normalise_query_folds_aliases(given, field, expected):
    assert getattr(normalise_query(given), field) == expected


def test_alias_and_canonical_select_the_same_rows(incidents):
    by_alias = filter_incidents(incidents, normalise_query(
        IncidentQuery(regions=frozenset({"Timbuktu"}), groups=frozenset({"GSIM"}))))
    by_name = filter_incidents(incidents, normalise_query(
        IncidentQuery(regions=frozenset({"Tombouctou"}), groups=frozenset({"JNIM"}))))
    assert by_alias["event_id"].tolist() == by_name["event_id"].tolist() == ["A", "B"]


@pytest.mark.parametrize("query, expected", [
    (IncidentQuery(), "All incidents"),
    (IncidentQuery(groups=frozenset({"JNIM"}), regions=frozenset({"Tombouctou"}),
                   start=date(2023, 1, 1), min_fatalities=5),
     "Incidents: JNIM (with associated actors and coalition components while members; "
     "uncertain attributions left out) · region Tombouctou · 2023-01-01 to … · "
     "at least 5 fatalities"),
    (IncidentQuery(countries=frozenset({"MLI", "BFA"})), "Incidents: Burkina Faso, Mali"),
    (IncidentQuery(precisions=frozenset({1, 2}), text="camp"),
     'Incidents: location exact place or near a place · matching "camp"'),
])
def test_describe(query, expected):
    assert describe(query) == expected


def test_the_other_event_type_option_finds_types_outside_acleds_taxonomy(incidents) -> None:
    from sahel.overview import filter_choices
    from sahel.schema import OTHER_EVENT_TYPE

    incidents.loc[incidents["event_id"] == "C", "event_type"] = "Unicorn attack"
    # One option groups what is outside the taxonomy: "Unicorn attack" is no option of its own.
    assert filter_choices(incidents).event_types == (
        "Battles", "Explosions/Remote violence", OTHER_EVENT_TYPE)
    other = filter_incidents(incidents, IncidentQuery(event_types=frozenset({OTHER_EVENT_TYPE})))
    assert list(other["event_id"]) == ["C"]
    both = IncidentQuery(event_types=frozenset({OTHER_EVENT_TYPE, "Battles"}))
    assert sorted(filter_incidents(incidents, both)["event_id"]) == ["A", "C", "D", "E"]
    assert OTHER_EVENT_TYPE in describe(both)
