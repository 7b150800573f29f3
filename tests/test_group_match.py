"""The group filter's semantics: main, associated and uncertain actors, coalitions in time.

The rows are docs/data.md's worked example ("The group filter"), plus two more; if the rules
change, change the doc with them.
"""

from datetime import date

import pandas as pd
import pytest

from sahel.group_match import GroupRule, group_labels, uncertain_rows
from sahel.overview import headline
from sahel.query import IncidentQuery, describe, filter_incidents, unknown_names
from sahel.schema import conform

ROWS = [
    # event_id, date, group1, assoc_groups1, group2
    ("a", "2023-11-24", "JNIM", None, "FAMa"),
    ("b", "2016-05-10", "Ansar Dine", None, "FAMa"),
    ("c", "2019-03-01", "Katiba Macina", None, "Civilians"),
    ("d", "2019-06-02", "JNIM and/or Islamic State Sahel", None, "Burkina Faso forces"),
    ("e", "2022-01-05", "FAMa", "Dozo militias; JNIM", "Islamic State Sahel"),
    ("f", "2015-01-01", "AQIM", None, "French forces"),
    ("g", "2020-02-02", "Some Unknown Band", None, "Civilians"),
]


@pytest.fixture
def incidents():
    frame = pd.DataFrame(ROWS, columns=["event_id", "event_date", "group1", "assoc_groups1",
                                        "group2"])
    frame["latitude"], frame["longitude"] = 15.0, -2.0
    frame["dataset_name"] = ["mali.csv"] * 5 + ["demo: UCDP GED sample"] * 2
    return conform(frame)


def ids(frame):
    return sorted(frame["event_id"])


@pytest.mark.parametrize("query, expected", [
    (IncidentQuery(groups=frozenset({"JNIM"})), ["a", "c", "e"]),
    (IncidentQuery(groups=frozenset({"JNIM"}), include_uncertain=True), ["a", "c", "d", "e"]),
    (IncidentQuery(groups=frozenset({"JNIM"}), include_components=False), ["a", "e"]),
    (IncidentQuery(groups=frozenset({"JNIM"}), include_associated=False), ["a", "c"]),
    (IncidentQuery(groups=frozenset({"Ansar Dine"})), ["b"]),
    (IncidentQuery(groups=frozenset({"AQIM"})), ["f"]),
    (IncidentQuery(groups=frozenset({"Islamic State Sahel"})), ["e"]),
    (IncidentQuery(groups=frozenset({"Islamic State Sahel"}), include_uncertain=True),
     ["d", "e"]),
    (IncidentQuery(groups=frozenset({"Dozo militias"})), ["e"]),
    (IncidentQuery(groups=frozenset({"Dozo militias"}), include_associated=False), []),
    (IncidentQuery(groups=frozenset({"Some Unknown Band"})), ["g"]),
])
def test_group_filter(incidents, query, expected):
    assert ids(filter_incidents(incidents, query)) == expected


def test_coalition_component_counts_only_from_jnim_founding(incidents):
    jnim = filter_incidents(incidents, IncidentQuery(groups=frozenset({"JNIM"}),
                                                     end=date(2017, 3, 1)))
    assert ids(jnim) == []


def test_legend_labels_add_up_to_the_filter(incidents):
    rule = GroupRule(include_uncertain=True)
    labels = group_labels(incidents, {"JNIM"}, rule)
    assert dict(zip(incidents["event_id"], labels, strict=True)) == {
        "a": "JNIM", "b": "", "c": "JNIM", "d": "JNIM (uncertain)", "e": "JNIM", "f": "",
        "g": ""}
    counted = filter_incidents(incidents, IncidentQuery(groups=frozenset({"JNIM"}),
                                                        include_uncertain=True))
    assert labels.ne("").sum() == len(counted)


def test_a_row_naming_two_requested_groups_counts_once(incidents):
    labels = group_labels(incidents, {"JNIM", "Islamic State Sahel"}, GroupRule())
    assert labels[incidents["event_id"].eq("e")].tolist() == ["Islamic State Sahel"]
    assert labels.ne("").sum() == len(filter_incidents(
        incidents, IncidentQuery(groups=frozenset({"JNIM", "Islamic State Sahel"}))))


def test_headline_counts_armed_groups_and_the_rest_apart(incidents):
    figures = headline(incidents)
    # JNIM, FAMa, Ansar Dine, Katiba Macina, Burkina Faso forces, Dozo militias, Islamic State
    # Sahel, AQIM, French forces; not Civilians, not the uncertain pair, not the unknown name.
    assert figures.groups == 9
    assert figures.uncertain == 1
    assert figures.unresolved == 1
    assert headline(incidents, include_associated=False).groups == 8  # no Dozo militias


def test_uncertain_rows(incidents):
    assert incidents["event_id"][uncertain_rows(incidents)].tolist() == ["d"]


def test_demonstration_data_can_be_left_out(incidents):
    assert ids(filter_incidents(incidents, IncidentQuery(include_demo=False))) == [
        "a", "b", "c", "d", "e"]
    assert ids(filter_incidents(incidents, IncidentQuery(
        datasets=frozenset({"demo: UCDP GED sample"})))) == ["f", "g"]
    assert "demonstration data left out" in describe(IncidentQuery(include_demo=False))


def test_describe_says_what_the_group_filter_counted():
    text = describe(IncidentQuery(groups=frozenset({"JNIM"})))
    assert "associated actors" in text and "uncertain attributions left out" in text
    text = describe(IncidentQuery(groups=frozenset({"JNIM"}), include_uncertain=True,
                                  include_associated=False))
    assert "associated" not in text and "uncertain attributions counted apart" in text


@pytest.mark.parametrize("query, kind, given, suggestion", [
    (IncidentQuery(groups=frozenset({"JNMI"})), "group", "JNMI", "JNIM"),
    (IncidentQuery(regions=frozenset({"Tombouctu"})), "region", "Tombouctu", "Tombouctou"),
    (IncidentQuery(countries=frozenset({"Malli"})), "country", "Malli", "Mali"),
    (IncidentQuery(datasets=frozenset({"mali"})), "dataset", "mali", "mali.csv"),
])
def test_unknown_names_suggest_the_closest(incidents, query, kind, given, suggestion):
    found = unknown_names(query, incidents)
    assert [(u.kind, u.given) for u in found] == [(kind, given)]
    assert suggestion in found[0].suggestions
    assert suggestion in found[0].message()


def test_known_names_are_not_reported(incidents):
    query = IncidentQuery(groups=frozenset({"JNIM", "Some Unknown Band"}),
                          regions=frozenset({"Tombouctou"}), countries=frozenset({"MLI"}),
                          datasets=frozenset({"mali.csv"}))
    assert unknown_names(query, incidents) == []
