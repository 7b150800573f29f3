"""Linking on how real ACLED and real UCDP GED records of one event differ (issue #17).

Each case is a UCDP GED row (the full 49-column layout) and ACLED rows (the 31-column export)
written as each dataset codes the same event (../shared/notes/DOMAIN.md), read by the real
readers and linked: dates spanning days against ACLED's single days (and ACLED's daily split of
one UCDP event), UCDP's where_prec against ACLED's geo_precision, both datasets' actor names,
their tolls, UCDP's type_of_violence against ACLED's event types, and near misses that must not
link. Synthetic rows, never real ACLED rows.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sahel import link_taxonomy
from sahel.link_groups import build_groups, count_once
from sahel.links import link_records
from sahel.schema import EVENT_TYPES, conform
from sahel.sources import read_incidents

FIXTURES = Path(__file__).parent / "fixtures" / "links"


def _header(name: str) -> tuple[str, ...]:
    with (FIXTURES / name).open(encoding="utf-8", newline="") as handle:
        return tuple(next(csv.reader(handle)))


# The layouts' columns, in order, as the realistic split's files have them.
ACLED_COLUMNS = _header("acled_realistic.csv")
UCDP_COLUMNS = _header("ucdp_realistic.csv")

# Places (gazetteer points); Diallassagou and Bankass cercle's centroid, Mopti region's.
DIALLASSAGOU = (13.73738, -3.62479)
BANKASS_CERCLE = (14.02, -3.35)  # the cercle's centre, ~40 km from Diallassagou
MOPTI_REGION = (14.60, -3.40)  # the region's centre, ~95 km from Diallassagou
BOULKESSI = (14.79832, -1.3026)
MONDORO = (14.67406, -1.94806)
SEYTENGA = (13.97197, 0.30956)
MALI_CENTROID = (17.35, -3.52)  # in Tombouctou region


def acled(event_id: str, **values: Any) -> dict[str, Any]:
    """Return an ACLED-layout row: JNIM attacks Malian soldiers at Boulkessi, 30 Sep 2019."""
    row: dict[str, Any] = {
        "event_id_cnty": event_id, "event_date": "2019-09-30", "year": 2019,
        "time_precision": 1, "disorder_type": "Political violence", "event_type": "Battles",
        "sub_event_type": "Armed clash",
        "actor1": "JNIM: Group for Support of Islam and Muslims", "assoc_actor_1": "",
        "inter1": "Rebel group", "actor2": "Military Forces of Mali (2013-2020)",
        "assoc_actor_2": "", "inter2": "State forces",
        "interaction": "Rebel group-State forces", "civilian_targeting": "", "iso": 466,
        "region": "Western Africa", "country": "Mali", "admin1": "Mopti",
        "admin2": "Douentza", "admin3": "Mondoro", "location": "Boulkessi",
        "latitude": BOULKESSI[0], "longitude": BOULKESSI[1], "geo_precision": 1,
        "source": "Synthetic", "source_scale": "National",
        "notes": "Synthetic row of a linking test, not a real ACLED row.", "fatalities": 25,
        "tags": "", "timestamp": 1700000000}
    row.update(values)
    row["year"] = str(row["event_date"])[:4]
    return row


def ucdp(event_id: int, **values: Any) -> dict[str, Any]:
    """Return a UCDP GED-layout row of the same event as `acled`'s default."""
    row: dict[str, Any] = {
        "id": event_id, "relid": f"SYN-{event_id}", "year": 2019, "active_year": 1,
        "code_status": "Clear", "type_of_violence": 1, "conflict_dset_id": "",
        "conflict_new_id": "", "conflict_name": "Mali: Government",
        "dyad_dset_id": "", "dyad_new_id": "", "dyad_name": "Government of Mali - JNIM",
        "side_a_dset_id": "", "side_a_new_id": "", "side_a": "Government of Mali",
        "side_b_dset_id": "", "side_b_new_id": "", "side_b": "JNIM",
        "number_of_sources": 3, "source_article": "", "source_office": "Synthetic",
        "source_date": "", "source_headline": "Synthetic row of a linking test.",
        "source_original": "", "where_prec": 1, "where_coordinates": "Boulkessi town",
        "where_description": "", "adm_1": "Mopti region", "adm_2": "Douentza cercle",
        "latitude": BOULKESSI[0] + 0.01, "longitude": BOULKESSI[1] - 0.01, "geom_wkt": "",
        "priogrid_gid": "", "country": "Mali", "country_id": 432, "region": "Africa",
        "event_clarity": 1, "date_prec": 1, "date_start": "2019-09-30",
        "date_end": "2019-09-30", "deaths_a": 38, "deaths_b": 15, "deaths_civilians": 0,
        "deaths_unknown": 0, "best": 53, "high": 85, "low": 40, "gwnoa": "", "gwnob": ""}
    row.update(values)
    row["year"] = str(row["date_start"])[:4]
    return row


# Each row as the reader gave it, by layout and content: a file costs the reader ~0.4 s however
# few its rows, so every row of this module is read in one file per layout (`_read_all`).
Rows = tuple[list[dict[str, Any]], list[dict[str, Any]]]  # UCDP rows, ACLED rows
_READ: dict[str, pd.DataFrame] = {}
_LAYOUTS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "ucdp": (UCDP_COLUMNS, "id", "ged241.csv"), "acled": (ACLED_COLUMNS, "event_id_cnty",
                                                          "acled.csv")}
_DATASET_NAMES = {"ucdp": "UCDP GED", "acled": "ACLED"}


def _key(layout: str, row: dict[str, Any]) -> str:
    return layout + json.dumps(row, sort_keys=True, default=str)


def _read(layout: str, rows: list[dict[str, Any]]) -> None:
    """Read the rows not read yet, in one file; each under a unique id, given back after."""
    columns, id_column, name = _LAYOUTS[layout]
    wanted = {_key(layout, r): r for r in rows if _key(layout, r) not in _READ}
    if not wanted:
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows({**r, id_column: 9_000_000 + n if layout == "ucdp" else f"ROW{n}"}
                     for n, r in enumerate(wanted.values()))
    result = read_incidents(io.BytesIO(buffer.getvalue().encode()), name)
    assert not len(result.rejected), result.rejected
    assert len(result.incidents) == len(wanted)
    for (key, row), (_, read) in zip(wanted.items(), result.incidents.iterrows(), strict=True):
        own = f"UCDP-{row[id_column]}" if layout == "ucdp" else row[id_column]
        _READ[key] = read.to_frame().T.assign(event_id=own)


def read(ucdp_rows: list[dict[str, Any]], acled_rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Return both datasets' rows as the readers give them, one dataset each."""
    parts = []
    for layout, rows in (("ucdp", ucdp_rows), ("acled", acled_rows)):
        _read(layout, rows)
        parts += [_READ[_key(layout, r)].assign(dataset_name=_DATASET_NAMES[layout])
                  for r in rows]
    return conform(pd.concat(parts, ignore_index=True))


def _every_case() -> list[Rows]:
    return [*(date_rows(u, a) for u, a, _ in DATE_CASES),
            moura_rows(MOURA_DAYS, MOURA_TOLLS), moura_rows(*ONE_DAY_TWICE),
            long_range_rows(),
            *(place_rows(*case[:4]) for case in PLACE_CASES), country_rows(),
            *(actor_rows(u, a) for u, a in ACTOR_CASES), one_sided_rows(),
            *(toll_rows(*case) for case in TOLL_CASES),
            ied_rows(), week_rows(), border_rows(), neighbour_rows()]


@pytest.fixture(scope="module", autouse=True)
def _read_every_row_once() -> None:
    """Read every case's rows in one file per layout before the tests (they find them read)."""
    cases = _every_case()
    _read("ucdp", [r for u, _ in cases for r in u])
    _read("acled", [r for _, a in cases for r in a])


def groups_of(incidents: pd.DataFrame) -> dict[str, set[str]]:
    """Return each grouped record's group, as the set of its members."""
    groups = link_records(incidents).groups
    members = groups.groupby("event_group")["event_id"].agg(set)
    return {e: set(members[g]) for e, g in zip(groups["event_id"], groups["event_group"],
                                               strict=True)}


def linked(incidents: pd.DataFrame, first: str, second: str) -> bool:
    return second in groups_of(incidents).get(first, set())


# --- dates: UCDP's date_start..date_end and date_prec against ACLED's day -------------------


DATE_CASES = [
    ({}, {}, True),  # both exact, the same day
    ({}, {"event_date": "2019-10-01"}, True),  # a night attack ACLED codes the next day
    ({}, {"event_date": "2019-10-02"}, False),  # two days apart: another event
    # UCDP's 2–6 day range (date_prec 2) holds ACLED's day
    ({"date_prec": 2, "date_start": "2019-09-28", "date_end": "2019-10-01"}, {}, True),
    ({"date_prec": 2, "date_start": "2019-09-26", "date_end": "2019-09-30"}, {}, True),
    # the week (3), an 8–30 day range (4) and more than a month (5)
    ({"date_prec": 3, "date_start": "2019-09-27", "date_end": "2019-10-03"}, {}, True),
    ({"date_prec": 4, "date_start": "2019-09-15", "date_end": "2019-10-05"}, {}, True),
    ({"date_prec": 5, "date_start": "2019-08-01", "date_end": "2019-10-31"}, {}, True),
    # ACLED within a week (2, coded the week's day) or only the month (3, mid-month)
    ({}, {"event_date": "2019-10-03", "time_precision": 2}, True),
    ({}, {"event_date": "2019-09-15", "time_precision": 3}, True),
]


def date_rows(ucdp_values: dict[str, Any], acled_values: dict[str, Any]) -> Rows:
    return [ucdp(9000001, **ucdp_values)], [acled("MLI1", **acled_values)]


@pytest.mark.parametrize(("ucdp_values", "acled_values", "expected"), DATE_CASES)
def test_dates_spanning_days_link(ucdp_values: dict[str, Any], acled_values: dict[str, Any],
                                  expected: bool) -> None:
    records = read(*date_rows(ucdp_values, acled_values))
    assert linked(records, "UCDP-9000001", "MLI1") is expected


MOURA_DAYS = ["2022-03-27", "2022-03-28", "2022-03-29", "2022-03-30", "2022-03-31"]
MOURA_TOLLS = [30, 100, 100, 100, 70]
ONE_DAY_TWICE = (["2022-03-28", "2022-03-28"], [100, 5])


def moura_rows(days: list[str], tolls: list[int]) -> Rows:
    """UCDP's one five-day event (date_prec 2), ACLED's one row per day (Mopti, March 2022)."""
    place = {"latitude": 14.0964, "longitude": -4.3244, "location": "Moura", "admin1": "Mopti",
             "admin2": "Djenne", "admin3": "Sofara"}
    rows = [acled(f"MLI{i}", event_date=day, event_type="Violence against civilians",
                  sub_event_type="Attack", actor1="Military Forces of Mali (2021-)",
                  assoc_actor_1="Wagner Group", inter1="State forces",
                  actor2="Civilians (Mali)", inter2="Civilians",
                  interaction="State forces-Civilians", civilian_targeting="Civilian targeting",
                  fatalities=toll, **place)
            for i, (day, toll) in enumerate(zip(days, tolls, strict=True))]
    event = ucdp(9000002, type_of_violence=3, conflict_name="Government of Mali - Civilians",
                 dyad_name="Government of Mali, Wagner - Civilians",
                 side_a="Government of Mali, Wagner", side_b="Civilians", date_prec=2,
                 date_start="2022-03-27", date_end="2022-03-31", where_prec=1,
                 where_coordinates="Moura village", adm_2="Djenne cercle", latitude=14.0964,
                 longitude=-4.3244, deaths_a=0, deaths_b=0, deaths_civilians=300, best=300,
                 low=300, high=500)
    return [event], rows


def test_acled_daily_split_of_one_ucdp_event_joins_one_group() -> None:
    records = read(*moura_rows(MOURA_DAYS, MOURA_TOLLS))
    result = link_records(records)
    members = set(result.groups["event_id"])
    assert members == {"UCDP-9000002", "MLI0", "MLI1", "MLI2", "MLI3", "MLI4"}
    assert result.groups["event_group"].nunique() == 1
    # never two ACLED rows linked directly: each link joins UCDP to one ACLED day
    pairs = result.links[result.links["grouped"]]
    assert set(pairs["dataset_a"].astype(str)) | set(pairs["dataset_b"].astype(str)) == {
        "UCDP GED", "ACLED"}
    assert not ((pairs["dataset_a"].astype(str) == pairs["dataset_b"].astype(str)).any())
    # counted once: the lowest of the datasets' figures, each dataset's records summed (ACLED's
    # days 400, UCDP's best 300); the range over both (UCDP's high 500)
    once = count_once(records, result.groups)
    assert len(once) == 1
    assert int(once["fatalities"].iloc[0]) == 300
    assert int(once["fatalities_low"].iloc[0]) == 300
    assert int(once["fatalities_high"].iloc[0]) == 500


def test_stored_links_give_the_same_groups() -> None:
    """The store's groups are built again from its links alone (`build_groups`, as
    link_upkeep does): the days of a range come back from the links' reasons, as text."""
    result = link_records(read(*moura_rows(MOURA_DAYS, MOURA_TOLLS)))
    stored = result.links.astype({"time_reason": "object", "event_id_a": "object",
                                  "event_id_b": "object"})
    groups, kept = build_groups(stored)
    assert set(groups["event_id"]) == set(result.groups["event_id"])
    assert list(kept) == list(result.links["grouped"])


def test_acled_split_by_day_keeps_days_apart() -> None:
    """Two ACLED rows on one day of UCDP's range: one of them is the event, not both (ACLED
    splits a day's events by place and actors, and those are other events)."""
    records = read(*moura_rows(*ONE_DAY_TWICE))
    groups = link_records(records).groups
    acled_members = set(groups["event_id"]) - {"UCDP-9000002"}
    assert len(acled_members) == 1


def long_range_rows() -> Rows:
    """UCDP knows only the month (date_prec 4, 1–30 March); ACLED has two events that month."""
    event, days = moura_rows(["2022-03-05", "2022-03-20"], [20, 30])
    event[0].update(date_prec=4, date_start="2022-03-01", date_end="2022-03-30")
    return event, days


def test_a_month_long_range_is_one_unknown_day_not_many() -> None:
    """A range longer than a week says the day is unknown: one ACLED event links, not both."""
    groups = link_records(read(*long_range_rows())).groups
    assert len(set(groups["event_id"]) - {"UCDP-9000002"}) == 1


# --- places: UCDP's where_prec against ACLED's geo_precision ----------------------------------


def _at(point: tuple[float, float]) -> dict[str, float]:
    return {"latitude": point[0], "longitude": point[1]}


DIALLASSAGOU_ACLED = {"event_date": "2022-06-18", "event_type": "Violence against civilians",
                      "sub_event_type": "Attack", "actor1": "Unidentified Armed Group (Mali)",
                      "inter1": "Political militia", "actor2": "Civilians (Mali)",
                      "inter2": "Civilians", "admin2": "Bankass", "admin3": "Diallassagou",
                      "location": "Diallassagou", "fatalities": 132, **_at(DIALLASSAGOU)}
DIALLASSAGOU_UCDP = {"type_of_violence": 3, "conflict_name": "JNIM - Civilians",
                     "dyad_name": "JNIM - Civilians", "side_a": "JNIM", "side_b": "Civilians",
                     "date_start": "2022-06-18", "date_end": "2022-06-18",
                     "where_coordinates": "Diallassagou village",
                     "deaths_a": 0, "deaths_b": 0, "deaths_civilians": 132, "best": 132,
                     "low": 132, "high": 132}


PLACE_CASES = [
    (1, DIALLASSAGOU, "Bankass cercle", {}, True),
    (2, (13.86, -3.55), "Bankass cercle", {}, True),  # within ~25 km of a point: 15 km off
    (3, BANKASS_CERCLE, "Bankass cercle", {}, True),  # only the cercle: its centroid
    (4, MOPTI_REGION, "", {}, True),  # only the region: its centroid
    # ACLED near a town (2) or only the region (3, coded to the region's capital, Mopti)
    (1, DIALLASSAGOU, "Bankass cercle", {"geo_precision": 2, **_at((13.85, -3.50))}, True),
    (1, DIALLASSAGOU, "Bankass cercle", {"geo_precision": 3, "location": "Mopti",
                                         "admin2": "Mopti", **_at((14.4843, -4.1827))}, True),
]


def place_rows(where_prec: int, point: tuple[float, float], adm_2: str,
               acled_values: dict[str, Any]) -> Rows:
    return ([ucdp(9000003, where_prec=where_prec, adm_2=adm_2, **_at(point),
                  **DIALLASSAGOU_UCDP)],
            [acled("MLI1", **{**DIALLASSAGOU_ACLED, **acled_values})])


@pytest.mark.parametrize(("where_prec", "point", "adm_2", "acled_values", "expected"),
                         PLACE_CASES)
def test_where_prec_against_geo_precision(where_prec: int, point: tuple[float, float],
                                          adm_2: str, acled_values: dict[str, Any],
                                          expected: bool) -> None:
    records = read(*place_rows(where_prec, point, adm_2, acled_values))
    assert linked(records, "UCDP-9000003", "MLI1") is expected


def country_rows() -> Rows:
    place = {"admin1": "Tombouctou", "admin2": "Goundam", "location": "Goundam",
             "latitude": 16.41453, "longitude": -3.67075}
    return ([ucdp(9000004, where_prec=6, adm_1="", adm_2="", **_at(MALI_CENTROID),
                  **DIALLASSAGOU_UCDP)],
            [acled("MLI1", **{**DIALLASSAGOU_ACLED, **place})])


def test_country_level_ucdp_points_do_not_link_by_their_centroid() -> None:
    """A country-level UCDP point says nothing of the region; the region its centroid falls
    in is no evidence (an ACLED event there the same day is linked no more than another).
    (where_prec 7, at sea, does not reach linking: the reader refuses a point in the sea.)"""
    records = read(*country_rows())
    assert not linked(records, "UCDP-9000004", "MLI1")


# --- actors: UCDP's side names against ACLED's actor names ------------------------------------


ACTOR_CASES = [
    # UCDP's short names against ACLED's long ones, sides in either order
    ({}, {}),
    ({}, {"actor1": "Military Forces of Mali (2013-2020)",
          "actor2": "JNIM: Group for Support of Islam and Muslims"}),
    # IS Sahel under its vintages: UCDP's "IS" against ACLED's 2019 name
    ({"side_b": "IS", "dyad_name": "Government of Mali - IS"},
     {"actor1": "Islamic State (West Africa) - Greater Sahara Faction"}),
    ({"side_b": "IS Sahel", "date_start": "2022-09-30", "date_end": "2022-09-30"},
     {"actor1": "Islamic State Sahel Province", "actor2": "Military Forces of Mali (2021-)",
      "event_date": "2022-09-30"}),
    # an unidentified attacker in ACLED, a named group in UCDP
    ({}, {"actor1": "Unidentified Armed Group (Mali)", "inter1": "Political militia"}),
    # an uncertain attribution in ACLED
    ({"side_b": "IS"}, {"actor1": "JNIM: Group for Support of Islam and Muslims and/or "
                                  "Islamic State (West Africa) - Greater Sahara Faction"}),
    # Wagner beside the army: UCDP puts it on the government's side, ACLED as an associate
    ({"side_a": "Government of Mali, Wagner", "date_start": "2023-02-06",
      "date_end": "2023-02-06"},
     {"actor2": "Military Forces of Mali (2021-)", "assoc_actor_2": "Wagner Group",
      "event_date": "2023-02-06"}),
    ({"date_start": "2023-02-06", "date_end": "2023-02-06"},
     {"actor2": "Wagner Group", "assoc_actor_2": "Military Forces of Mali (2021-)",
      "event_date": "2023-02-06"}),
    # a Dozo militia fighting JNIM beside the army (non-state in UCDP, type 2)
    ({"type_of_violence": 2, "side_a": "Dozos", "side_b": "JNIM",
      "dyad_name": "Dozos - JNIM"},
     {"actor2": "Dozo Communal Militia (Mali)", "inter2": "Identity militia"}),
]


def actor_rows(ucdp_values: dict[str, Any], acled_values: dict[str, Any]) -> Rows:
    return [ucdp(9000005, **ucdp_values)], [acled("MLI1", **acled_values)]


@pytest.mark.parametrize(("ucdp_values", "acled_values"), ACTOR_CASES)
def test_actor_names_agree(ucdp_values: dict[str, Any], acled_values: dict[str, Any]) -> None:
    records = read(*actor_rows(ucdp_values, acled_values))
    assert linked(records, "UCDP-9000005", "MLI1")


def one_sided_rows() -> Rows:
    return ([ucdp(9000006, adm_2="Bankass cercle", **DIALLASSAGOU_UCDP, **_at(DIALLASSAGOU))],
            [acled("MLI1", **DIALLASSAGOU_ACLED)])


def test_one_sided_violence_against_civilians() -> None:
    """UCDP type 3 (side_b "Civilians") against ACLED's violence against civilians, the
    attacker named on one side only."""
    records = read(*one_sided_rows())
    assert linked(records, "UCDP-9000006", "MLI1")


# --- tolls: ACLED's conservative figure against UCDP's low/best/high --------------------------


TOLL_CASES = [
    (25, 40, 53, 85),
    (0, 5, 12, 15),  # ACLED gives no death where UCDP counts some
    (10, 90, 132, 160),  # UCDP an order of magnitude higher
    (3, 179, 179, 223),
]


def toll_rows(fatalities: int, low: int, best: int, high: int) -> Rows:
    return [ucdp(9000007, low=low, best=best, high=high)], [acled("MLI1", fatalities=fatalities)]


@pytest.mark.parametrize(("fatalities", "low", "best", "high"), TOLL_CASES)
def test_toll_never_vetoes(fatalities: int, low: int, best: int, high: int) -> None:
    records = read(*toll_rows(fatalities, low, best, high))
    assert linked(records, "UCDP-9000007", "MLI1")


# --- event types: UCDP's type_of_violence against ACLED's event types -------------------------


@pytest.mark.parametrize(("violence", "event_type", "sub_event_type", "at_least"), [
    (1, "Battles", "Armed clash", 1.0),
    (1, "Battles", "Non-state actor overtakes territory", 0.9),
    (1, "Explosions/Remote violence", "Remote explosive/landmine/IED", 0.8),
    (1, "Explosions/Remote violence", "Suicide bomb", 0.8),
    (1, "Explosions/Remote violence", "Air/drone strike", 0.9),
    (1, "Explosions/Remote violence", "Shelling/artillery/missile attack", 0.9),
    (2, "Battles", "Armed clash", 1.0),
    (2, "Violence against civilians", "Attack", 0.5),  # communal attacks
    (3, "Violence against civilians", "Attack", 1.0),
    (3, "Violence against civilians", "Abduction/forced disappearance", 0.6),
    (3, "Explosions/Remote violence", "Remote explosive/landmine/IED", 0.8),
    (3, "Explosions/Remote violence", "Air/drone strike", 0.6),  # a strike on a market
    (3, "Protests", "Excessive force against protesters", 0.8),
])
def test_taxonomy_ucdp_against_acled(violence: int, event_type: str, sub_event_type: str,
                                     at_least: float) -> None:
    assert link_taxonomy.compatibility(f"UCDP:{violence}",
                                       f"ACLED:{event_type}/{sub_event_type}") >= at_least


@pytest.mark.parametrize(("violence", "event_type", "sub_event_type", "at_most"), [
    (1, "Protests", "Peaceful protest", 0.0),  # UCDP codes only organised deadly violence
    (3, "Protests", "Peaceful protest", 0.0),
    (1, "Strategic developments", "Agreement", 0.2),
    (3, "Battles", "Armed clash", 0.4),
])
def test_taxonomy_ucdp_excludes(violence: int, event_type: str, sub_event_type: str,
                                at_most: float) -> None:
    assert link_taxonomy.compatibility(f"UCDP:{violence}",
                                       f"ACLED:{event_type}/{sub_event_type}") <= at_most


def test_taxonomy_covers_every_acled_event_type_against_each_ucdp_type() -> None:
    """Every ACLED event type has a row against every UCDP type of violence it can describe,
    and every table key is in ACLED's taxonomy (DOMAIN.md's list, sahel.schema)."""
    table = link_taxonomy.load_table()
    violent = ("Battles", "Explosions/Remote violence", "Violence against civilians")
    for violence in ("1", "2", "3"):
        for event_type in violent:
            assert (f"ACLED:{event_type}", f"UCDP:{violence}") in table
    for key_a, _ in table:
        link_taxonomy.parse_key(key_a)
    assert set(EVENT_TYPES) == {"Battles", "Explosions/Remote violence",
                                "Violence against civilians", "Protests", "Riots",
                                "Strategic developments"}


# --- near misses that must not link ----------------------------------------------------------


def ied_rows() -> Rows:
    ied = acled("MLI2", event_type="Explosions/Remote violence",
                sub_event_type="Remote explosive/landmine/IED", location="Mondoro",
                fatalities=3, **_at((BOULKESSI[0] + 0.02, BOULKESSI[1] - 0.27)))
    return [ucdp(9000008)], [acled("MLI1"), ied]


def test_ied_and_ambush_30_km_apart_the_same_day() -> None:
    """UCDP codes the ambush at Boulkessi; ACLED codes it and an IED 30 km away that day: the
    ambush links, the IED does not."""
    records = read(*ied_rows())
    found = groups_of(records)
    assert found.get("UCDP-9000008") == {"UCDP-9000008", "MLI1"}
    assert "MLI2" not in found


def week_rows() -> Rows:
    return [ucdp(9000009)], [acled("MLI1", event_date="2019-10-07")]


def test_two_attacks_on_one_town_a_week_apart() -> None:
    records = read(*week_rows())
    assert not linked(records, "UCDP-9000009", "MLI1")


def border_rows() -> Rows:
    across = acled("BFA1", iso=854, country="Burkina Faso", admin1="Sahel", admin2="Soum",
                   admin3="Diguel", location="Diguel",
                   actor2="Military Forces of Burkina Faso (2015-2022)", **_at((14.62, -1.22)))
    return [ucdp(9000010)], [across]


def test_same_day_across_a_border() -> None:
    """JNIM attacks Malian soldiers at Boulkessi and Burkinabè soldiers across the border the
    same day: one group, two events."""
    records = read(*border_rows())
    assert not linked(records, "UCDP-9000010", "BFA1")


def neighbour_rows() -> Rows:
    niger = ucdp(9000011, type_of_violence=3, conflict_name="IS - Civilians",
                 dyad_name="IS - Civilians", side_a="IS", side_b="Civilians",
                 country="Niger", country_id=436, adm_1="Tillaberi region",
                 adm_2="Tera department", where_coordinates="Niger village",
                 latitude=14.10, longitude=0.42,
                 date_start="2022-06-11", date_end="2022-06-11", best=6, low=6, high=6)
    burkina = acled("BFA2", event_date="2022-06-11", event_type="Violence against civilians",
                    sub_event_type="Attack", actor1="Islamic State Sahel Province",
                    actor2="Civilians (Burkina Faso)", inter2="Civilians", iso=854,
                    country="Burkina Faso", admin1="Sahel", admin2="Seno", admin3="Seytenga",
                    location="Seytenga", fatalities=86, **_at(SEYTENGA))
    return [niger], [burkina]


def test_same_day_neighbouring_country_one_sided() -> None:
    """IS kills civilians at Seytenga (Burkina Faso) and, the same day, in a Niger village
    ~20 km away: UCDP's Niger event is not ACLED's Burkina one (both datasets code the
    country where it happened)."""
    records = read(*neighbour_rows())
    assert not linked(records, "UCDP-9000011", "BFA2")


# --- the realistic split of the labelled set -------------------------------------------------


def test_realistic_split_links_as_measured() -> None:
    """The hand-coded split (tests/fixtures/links/README.md) keeps its precision and recall at
    the threshold: 31 of 33 true links, none wrong (the two missed are ACLED's split of one
    UCDP event by village, a known limit)."""
    from sahel import link_eval
    from sahel.links import THRESHOLD

    measure = link_eval.sweep(link_eval.load_realistic(), (THRESHOLD,))[0]
    assert (measure.true_links, measure.found, measure.correct) == (33, 31, 31)
