from datetime import date

import pandas as pd
import pytest

from sahel import actors, coalitions
from sahel.actors import (
    ARMED_KINDS,
    coalition_windows,
    describe_all_coalitions,
    describe_components,
    expand_groups,
    is_armed_group,
)
from sahel.coalitions import Group

FOUNDED = date(2017, 3, 2)  # JNIM's founding
JNIM_WINDOWS = {"JNIM": (None, None), "Ansar Dine": (FOUNDED, None),
                "Al-Mourabitoune": (FOUNDED, None), "Katiba Macina": (FOUNDED, None),
                "Katiba Serma": (FOUNDED, None)}


@pytest.mark.parametrize(("groups", "include_components", "expected"), [
    (["JNIM"], True, JNIM_WINDOWS),
    (["GSIM"], True, JNIM_WINDOWS),
    (["JNIM: Group for Support of Islam and Muslims"], True, JNIM_WINDOWS),
    (["JNIM"], False, {"JNIM": (None, None)}),
    (["Ansar Dine"], True, {"Ansar Dine": (None, None)}),
    (["AQIM"], True, {"AQIM": (None, None)}),  # never a JNIM component, has none of its own
    # a requested component counts always, not only from its joining
    (["JNIM", "Katiba Macina"], True, {**JNIM_WINDOWS, "Katiba Macina": (None, None)}),
    (["EIGS", "FAMa"], True, {"Islamic State Sahel": (None, None), "FAMa": (None, None)}),
    (["Nobody"], True, {"Nobody": (None, None)}),
    ([], True, {}),
])
def test_coalition_windows(groups, include_components, expected):
    assert coalition_windows(groups, include_components) == expected


def test_aqim_is_no_jnim_component():
    assert "AQIM" not in coalition_windows(["JNIM"])
    assert actors.group_info("AQIM").coalition == ""


def test_component_windows_are_transitive_intersected_and_joined(monkeypatch):
    table = {g.name: g for g in [
        Group("A", "jihadist", "", "#000001", "A"),
        Group("B", "jihadist", "A", "#000002", "B", member_from=date(2017, 1, 1)),
        Group("C", "jihadist", "B", "#000003", "C", member_from=date(2015, 1, 1),
              member_to=date(2018, 12, 31)),
        Group("D", "jihadist", "B", "#000004", "D", member_to=date(2016, 1, 1)),  # left before
        Group("E", "jihadist", "A", "#000005", "E", member_from=date(2020, 1, 1)),
        Group("C2", "jihadist", "E", "#000006", "C2"),
    ]}
    monkeypatch.setattr(coalitions, "load_groups", lambda: table)
    assert coalitions.component_windows(["A"]) == {
        "A": (None, None), "B": (date(2017, 1, 1), None),
        "C": (date(2017, 1, 1), date(2018, 12, 31)),  # within both windows
        "E": (date(2020, 1, 1), None), "C2": (date(2020, 1, 1), None)}
    assert coalitions.component_windows(["B"]) == {
        "B": (None, None), "C": (date(2015, 1, 1), date(2018, 12, 31)),
        "D": (None, date(2016, 1, 1))}


def test_windows_select_rows_by_event_date():
    rows = pd.DataFrame({"group1": ["Ansar Dine", "Ansar Dine", "JNIM", "AQIM", "Katiba Macina"],
                         "event_date": pd.to_datetime(["2016-06-01", "2017-03-02", "2018-01-01",
                                                       "2019-01-01", "2017-03-01"])})
    windows = coalition_windows(["JNIM"])
    keep = [g in windows
            and (windows[g][0] is None or d.date() >= windows[g][0])
            and (windows[g][1] is None or d.date() <= windows[g][1])
            for g, d in zip(rows["group1"], rows["event_date"], strict=True)]
    assert keep == [False, True, True, False, False]


def test_expand_groups_is_undated():
    assert expand_groups(["JNIM"]) == set(JNIM_WINDOWS)
    assert expand_groups(["JNIM"], include_components=False) == {"JNIM"}


@pytest.mark.parametrize(("group", "expected"), [
    ("JNIM", "JNIM also counts Ansar Dine, Al-Mourabitoune, Katiba Macina and Katiba Serma "
             "from 2 March 2017."),
    ("GSIM", "JNIM also counts Ansar Dine, Al-Mourabitoune, Katiba Macina and Katiba Serma "
             "from 2 March 2017."),
    ("Ansar Dine", "Ansar Dine has no coalition components: including them adds nothing."),
    ("ISGS", "Islamic State Sahel has no coalition components: including them adds nothing."),
])
def test_describe_components(group, expected):
    assert describe_components(group) == expected


def test_describe_all_coalitions_covers_every_coalition():
    text = describe_all_coalitions()
    parents = {g.coalition for g in actors.all_groups() if g.coalition}
    assert parents == {"JNIM"}
    assert text == describe_components("JNIM")


def test_membership_columns_are_consistent():
    for group in actors.all_groups():
        if not group.coalition:
            assert group.member_from is None and group.member_to is None, group.name
        if group.member_from and group.member_to:
            assert group.member_from <= group.member_to, group.name


@pytest.mark.parametrize(("name", "on", "expected"), [
    # one group under its successive names, whatever the date
    ("ISGS", "2016-05-01", "Islamic State Sahel"),
    ("Islamic State (Greater Sahara)", "2018-01-01", "Islamic State Sahel"),
    ("Islamic State (West Africa) - Greater Sahara Faction", "2020-06-01", "Islamic State Sahel"),
    ("Islamic State (West Africa) - Greater Sahara Faction", "2023-06-01", "Islamic State Sahel"),
    ("ISSP", "2023-01-01", "Islamic State Sahel"),
    ("Islamic State Sahel Province", "2024-01-01", "Islamic State Sahel"),
    ("Islamic State (Sahel)", "2022-06-01", "Islamic State Sahel"),
    ("Islamic State (Sahel)", None, "Islamic State Sahel"),
    ("Islamic State (West Africa)", "2020-06-01", "ISWAP"),
    ("Islamic State (West Africa)", None, "ISWAP"),
    ("Islamic State (West Africa) - Lake Chad Faction", "2020-06-01", "ISWAP"),
    # AQIM's Sahara branch: AQIM before JNIM's founding, JNIM from it
    ("AQIM-Sahara", "2016-01-01", "AQIM"),
    ("AQIM-Sahara", "2017-03-02", "JNIM"),
    ("Emirat du Sahara", "2019-01-01", "JNIM"),
    ("AQIM: Al Qaeda in the Islamic Maghreb", "2020-01-01", "AQIM"),
    # components stay themselves after 2017: the coalition is in the windows, not the names
    ("Ansar Dine", "2019-01-01", "Ansar Dine"),
    ("Al Mourabitoune Battalion", "2015-01-01", "Al-Mourabitoune"),
])
def test_renamed_and_dated_names(name, on, expected):
    assert actors.canonical_group(name, on=on) == expected


def test_armed_kinds():
    assert ARMED_KINDS == {"jihadist", "rebel", "state", "foreign", "militia", "un"}
    assert ARMED_KINDS < set(actors.GROUP_KINDS)


@pytest.mark.parametrize(("name", "expected"), [
    ("JNIM", True),
    ("Military Forces of Mali (2021-)", True),
    ("Wagner Group", True),
    ("MINUSMA", True),
    ("Dozo Communal Militia (Burkina Faso)", True),
    ("Mutiny of Military Forces of Niger (1999-2010)", True),
    ("JNIM and/or Islamic State Sahel", True),
    ("JNIM and/or Civilians", False),
    ("Unidentified Armed Group (Mali)", False),
    ("Civilians (Mali)", False),
    ("Protesters (Niger)", False),
    ("Rioters (Burkina Faso)", False),
    ("Strange Militia", False),
    ("", False),
    (None, False),
])
def test_is_armed_group(name, expected):
    assert is_armed_group(name) is expected
