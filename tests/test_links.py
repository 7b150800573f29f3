"""Linking records of one event across datasets: windows, taxonomy, actors, groups, tolls."""

from __future__ import annotations

import csv
import json
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sahel import link_actors, link_candidates, link_taxonomy
from sahel.link_groups import build_groups, count_once
from sahel.links import THRESHOLD, describe_reasons, link_records, reasons_json, score_pairs
from sahel.schema import EVENT_TYPES, conform

NIAFUNKE = (15.9322, -3.9906)
GOUNDAM = (16.41453, -3.67075)


def record(event_id: str, name: str | None = "A", **values: Any) -> dict[str, Any]:
    """Return one canonical record of dataset `name`: a JNIM attack on the FAMa camp at
    Niafunké, 24 Nov 2023."""
    base: dict[str, Any] = {
        "event_id": event_id, "dataset_name": name, "dataset": "canonical",
        "event_date": "2023-11-24", "time_precision": 1, "latitude": NIAFUNKE[0],
        "longitude": NIAFUNKE[1], "geo_precision": 1, "iso3": "MLI", "country": "Mali",
        "admin1": "Tombouctou", "admin2": "Niafunké", "location": "Niafunké",
        "event_type": "Battles", "sub_event_type": "Armed clash", "group1": "JNIM",
        "group2": "FAMa", "fatalities": 12}
    base.update(values)
    return base


def frame(*records: dict[str, Any]) -> pd.DataFrame:
    return conform(pd.DataFrame(records))


def moved(km_north: float, km_east: float = 0.0) -> dict[str, float]:
    lat = NIAFUNKE[0] + km_north / 111.2
    return {"latitude": lat,
            "longitude": NIAFUNKE[1] + km_east / (111.2 * np.cos(np.radians(lat)))}


def candidates(incidents: pd.DataFrame) -> set[tuple[str, str]]:
    rec = link_candidates.prepare(incidents)
    a, b, _ = link_candidates.candidate_pairs(rec)
    ids = incidents["event_id"].to_numpy()
    return {tuple(sorted((ids[i], ids[j]))) for i, j in zip(a, b, strict=True)}


# --- candidate windows --------------------------------------------------------------------


@pytest.mark.parametrize(("tp_a", "tp_b", "second_day", "expected"), [
    (1, 1, "2023-11-24", True),   # same day
    (1, 1, "2023-11-25", True),   # exact day ± 1
    (1, 1, "2023-11-26", False),  # two days apart
    (1, 2, "2023-11-30", True),   # within the week: 6 days either side, + 1
    (1, 2, "2023-12-01", True),
    (1, 2, "2023-12-02", False),
    (2, 2, "2023-12-07", True),   # two weeks' windows touch
    (2, 2, "2023-12-08", False),
    (1, 3, "2023-11-15", True),   # only the month: its whole calendar month
    (1, 3, "2023-12-15", False),
    (1, 3, "2023-10-15", False),
    (3, 3, "2023-12-15", True),   # November and December touch
    (3, 3, "2024-01-15", False),
    (None, 1, "2023-11-25", True),  # no precision given: the day as given
    (None, 1, "2023-11-26", False),
])
def test_time_window_by_precision(tp_a: int | None, tp_b: int, second_day: str,
                                  expected: bool) -> None:
    pair = frame(record("a", "A", time_precision=tp_a),
                 record("b", "B", time_precision=tp_b, event_date=second_day))
    assert (("a", "b") in candidates(pair)) is expected


def test_ucdp_date_end_stretches_the_window() -> None:
    extra = json.dumps({"date_end": "2023-11-27 00:00:00.000"})
    pair = frame(record("a", "A", source_extra=extra),
                 record("b", "B", event_date="2023-11-28"))
    assert candidates(pair) == {("a", "b")}


@pytest.mark.parametrize(("gp_a", "gp_b", "north_km", "admin", "expected"), [
    (1, 1, 20, {}, True),
    (1, 1, 30, {}, False),           # ~25 km for exact places
    (1, 2, 45, {}, True),            # 50 km when one is only "near a town"
    (1, 2, 60, {}, False),
    (2, 1, 90, {"admin2": "Niafunké"}, True),  # ... or in the same admin-2 unit
    (2, 2, 90, {"admin2": "Cercle de Niafunke"}, True),  # spelled otherwise
    (1, 3, 200, {}, True),           # region only: the same admin-1 region
    (3, 3, 200, {"admin1": "Mopti"}, False),
    (1, 3, 10, {"admin1": "Mopti"}, False),
    (None, 1, 20, {}, True),         # no precision given: the point as given
    (None, 1, 30, {}, False),
])
def test_distance_by_geo_precision(gp_a: int | None, gp_b: int, north_km: float,
                                   admin: dict[str, str], expected: bool) -> None:
    pair = frame(record("a", "A", geo_precision=gp_a),
                 record("b", "B", geo_precision=gp_b, **moved(north_km),
                        **{"admin2": "other", **admin}))
    assert (("a", "b") in candidates(pair)) is expected


def test_menaka_meets_gao() -> None:
    # Ménaka has no polygon: a point there is placed in Gao, a source may name Ménaka.
    pair = frame(record("a", "A", geo_precision=3, admin1="Ménaka", latitude=15.9182,
                        longitude=2.4022),
                 record("b", "B", admin1="Gao", latitude=15.6, longitude=2.9))
    assert candidates(pair) == {("a", "b")}


def test_records_of_one_dataset_are_never_linked() -> None:
    same = frame(record("a1", "ACLED"), record("a2", "ACLED"), record("a3", "ACLED"))
    assert candidates(same) == set()
    assert link_records(same).links.empty
    mixed = frame(record("a1", "ACLED"), record("a2", "ACLED", group1="Islamic State Sahel"),
                  record("u1", "UCDP"))
    links = link_records(mixed).links
    assert {tuple(sorted(p)) for p in zip(links["dataset_a"], links["dataset_b"],
                                          strict=True)} == {("ACLED", "UCDP")}


def test_report_rows_count_as_the_dataset_they_carry() -> None:
    rows = frame(record("r1", None, dataset="report"), record("r2", "", dataset="report"),
                 record("s1", "demo: seed report", dataset="seed"))
    keys = link_candidates.dataset_keys(rows)
    assert list(keys) == ["report", "report", "demo: seed report"]
    assert candidates(rows) == {("r1", "s1"), ("r2", "s1")}


def test_candidates_among_new_records_only() -> None:
    rows = frame(record("a", "A"), record("b", "B"), record("c", "C"))
    rec = link_candidates.prepare(rows)
    a, b, _ = link_candidates.candidate_pairs(rec, among=np.array([False, False, True]))
    assert {tuple(sorted((rows["event_id"][i], rows["event_id"][j])))
            for i, j in zip(a, b, strict=True)} == {("a", "c"), ("b", "c")}


# --- the event type table -----------------------------------------------------------------


def test_taxonomy_table_is_valid_and_documented() -> None:
    with link_taxonomy.EVENT_TYPES_PATH.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and all(0.0 <= float(r["compatibility"]) <= 1.0 for r in rows)
    pairs = [frozenset((r["type_a"], r["type_b"])) for r in rows]
    assert len(pairs) == len(set(pairs)), "a pair listed twice"
    for r in rows:
        for key in (r["type_a"], r["type_b"]):
            family, event_type, sub = link_taxonomy.parse_key(key)
            assert family in ("ACLED", "UCDP")
            if family == "ACLED":
                assert event_type in EVENT_TYPES and (sub is None or sub in EVENT_TYPES[
                    event_type])


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("ACLED:Battles/Armed clash", "ACLED:Battles/Armed clash", 1.0),
    ("ACLED:Battles", "ACLED:Battles/Armed clash", 1.0),  # no sub-event type on one side
    ("ACLED:Battles/Armed clash", "UCDP:1", 1.0),
    ("UCDP:1", "ACLED:Battles/Armed clash", 1.0),          # read both ways
    ("ACLED:Battles/Armed clash", "ACLED:Explosions/Remote violence/Suicide bomb", 0.8),
    ("ACLED:Battles/Armed clash", "ACLED:Battles/Non-state actor overtakes territory", 0.8),
    ("ACLED:Violence against civilians/Attack", "UCDP:3", 1.0),
    ("ACLED:Violence against civilians/Abduction/forced disappearance", "UCDP:3", 0.6),
    ("ACLED:Explosions/Remote violence/Remote explosive/landmine/IED", "UCDP:3", 0.8),
    ("ACLED:Violence against civilians/Attack", "UCDP:1", 0.35),
    ("ACLED:Protests/Peaceful protest", "UCDP:1", 0.0),     # not listed: exclusive
    ("ACLED:Protests/Peaceful protest", "UCDP:3", 0.0),
    ("ACLED:Protests/Excessive force against protesters", "UCDP:3", 0.8),
    ("UCDP:1", "UCDP:2", 0.6),
    ("?", "UCDP:1", 0.5),                                   # no type known
])
def test_type_compatibility(a: str, b: str, expected: float) -> None:
    assert link_taxonomy.compatibility(a, b) == expected


def test_every_acled_sub_event_type_meets_each_ucdp_type() -> None:
    for event_type, subs in EVENT_TYPES.items():
        for sub in subs:
            values = [link_taxonomy.compatibility(f"ACLED:{event_type}/{sub}", f"UCDP:{v}")
                      for v in "123"]
            if event_type != "Protests" or sub != "Peaceful protest":
                assert max(values) > 0, (event_type, sub)


@pytest.mark.parametrize(("values", "key"), [
    ({"dataset": "ucdp_ged", "event_type": "Battles", "group1": "FAMa"}, "UCDP:1"),
    ({"dataset": "ucdp_ged", "event_type": "Battles", "group1": "JNIM",
      "group2": "Islamic State Sahel"}, "UCDP:2"),
    ({"dataset": "ucdp_candidate", "event_type": "Violence against civilians"}, "UCDP:3"),
    ({"dataset": "ucdp_ged", "source_extra": '{"type_of_violence":"2"}', "group1": "FAMa"},
     "UCDP:2"),
    ({"dataset": "acled", "sub_event_type": None}, "ACLED:Battles"),
    ({"dataset": "acled", "event_type": "Unicorn attack"}, "?"),
])
def test_type_keys(values: dict[str, Any], key: str) -> None:
    rows = frame(record("a", **values))
    codes, sigs = link_actors.signatures(rows)
    assert list(link_taxonomy.type_keys(rows, link_actors.names_government(sigs, codes))) == [
        key]


# --- actor agreement ----------------------------------------------------------------------


def signature(cells: tuple[str | None, ...], on: str = "2023-11-24",
              iso3: str = "MLI") -> link_actors.Signature:
    return link_actors.signature(cells, date.fromisoformat(on), iso3)


@pytest.mark.parametrize(("a", "b", "on", "level"), [
    (("JNIM", "FAMa"), ("FAMa", "JNIM"), "2023-11-24", "two_shared"),  # sides in any order
    (("Government of Mali", "JNIM"), ("JNIM", "FAMa"), "2023-11-24", "two_shared"),  # UCDP names
    (("JNIM", "Civilians"), ("JNIM", "Civilians"), "2023-11-24", "two_shared"),
    (("JNIM", "FAMa"), ("JNIM", None), "2023-11-24", "one_shared"),
    (("Katiba Macina", "FAMa"), ("JNIM", "FAMa"), "2019-03-01", "two_shared"),  # a component
    (("Katiba Macina", None), ("JNIM", None), "2016-05-01", "differ"),  # before JNIM's founding
    (("AQIM", None), ("JNIM", None), "2019-03-01", "related"),           # never a component
    (("Islamic State Sahel", None), ("ISWAP", None), "2021-01-01", "related"),
    (("JNIM and/or Islamic State Sahel", "Burkina Faso forces"),
     ("Islamic State Sahel", None), "2019-06-02", "uncertain"),
    (("Unidentified armed group", "Civilians"), ("JNIM", "Civilians"), "2023-11-24", "unnamed"),
    (("FAMa", None), ("JNIM", "Civilians"), "2023-11-24", "unnamed"),
    (("JNIM", "FAMa"), ("Islamic State Sahel", "FAMa"), "2023-11-24",
     "one_shared_other_differs"),
    (("FAMa", None), ("Niger forces", None), "2023-11-24", "states_differ"),
    (("Communal militias", "Civilians"), ("Dan Na Ambassagou", "Civilians"), "2019-03-23",
     "generic"),
    (("JNIM", None), ("Islamic State Sahel", None), "2023-11-24", "differ"),
    (("Government of Mali, Government of France", "JNIM"), ("French forces", "JNIM"),
     "2020-01-10", "two_shared"),
])
def test_actor_agreement(a: tuple[str | None, ...], b: tuple[str | None, ...], on: str,
                         level: str) -> None:
    found, _ = link_actors.agreement(signature(a, on), signature(b, on))
    assert found == level
    assert link_actors.agreement(signature(b, on), signature(a, on))[0] == level


def test_associated_actors_count() -> None:
    wagner = signature(("FAMa", "JNIM", "Wagner / Africa Corps"))
    assert link_actors.agreement(wagner, signature(("Wagner / Africa Corps", "JNIM")))[0] == (
        "two_shared")


def test_related_groups_table_names_known_groups() -> None:
    assert link_actors.related_groups()


# --- scores, reasons, threshold -----------------------------------------------------------


def test_one_event_links_and_a_near_miss_does_not() -> None:
    rows = frame(
        record("acled", "ACLED", event_date="2023-11-25", group1="JNIM", group2="FAMa",
               fatalities=12, **moved(4)),
        record("ucdp", "UCDP", dataset="ucdp_ged", fatalities=50, fatalities_low=40,
               fatalities_high=60),
        # the same day at Goundam, 55 km away: another event
        record("goundam", "Report", latitude=GOUNDAM[0], longitude=GOUNDAM[1],
               location="Goundam", admin2="Goundam"),
        # the same place, the next day, a protest
        record("protest", "Report", event_date="2023-11-25", event_type="Protests",
               sub_event_type="Peaceful protest", group1="Protesters", group2=None,
               fatalities=0))
    result = link_records(rows)
    pairs = {tuple(sorted(p)) for p in zip(result.links["event_id_a"].astype(str),
                                           result.links["event_id_b"].astype(str),
                                           strict=True)}
    assert pairs == {("acled", "ucdp")}
    link = result.links.iloc[0]
    assert link["score"] >= THRESHOLD and link["grouped"]
    codes = [r["code"] for r in json.loads(reasons_json(result.links).iloc[0])]
    assert codes == ["days_apart", "distance_km", "same_place_name", "type_same",
                     "actors_shared", "tolls_differ"]
    assert describe_reasons(reasons_json(result.links).iloc[0])[0] == "1 day(s) apart"


def test_type_that_excludes_gives_zero() -> None:
    rows = frame(record("a", "A"), record("b", "B", event_type="Protests",
                                          sub_event_type="Peaceful protest"))
    assert score_pairs(rows).pairs["score"].tolist() == [0.0]


def test_claims_are_compared_as_ranges_never_averaged() -> None:
    claims = json.dumps([{"by": "JNIM", "role": "armed_group", "kind": "killed", "text": "",
                          "low": 12, "high": None},
                         {"by": "sources locales", "role": "local_sources", "kind": "killed",
                          "text": "", "low": 50, "high": 50}])
    rows = frame(record("report", "R", dataset="report", fatalities=12, claims=claims),
                 record("ucdp", "U", dataset="ucdp_ged", fatalities=48, fatalities_low=45,
                        fatalities_high=50))
    pairs = score_pairs(rows).pairs
    assert pairs["toll_score"].tolist() == [1.0]  # 12–50 meets 45–50; a mean (31) would not


# --- event groups -------------------------------------------------------------------------


def links_frame(rows: list[tuple[str, str, str, str, float]], **extra: Any) -> pd.DataFrame:
    links = pd.DataFrame(rows, columns=["event_id_a", "dataset_a", "event_id_b", "dataset_b",
                                        "score"])
    links["accepted"] = links["score"] >= THRESHOLD
    for name, values in extra.items():
        links[name] = values
    return links


@pytest.mark.parametrize(("rows", "groups", "kept"), [
    # one UCDP record, two ACLED candidates: the better one wins
    ([("u", "UCDP", "a1", "ACLED", 0.9), ("u", "UCDP", "a2", "ACLED", 0.8)],
     [{"a1", "u"}], [True, False]),
    # a chain over three datasets makes one group
    ([("u", "UCDP", "a", "ACLED", 0.9), ("a", "ACLED", "r", "Report", 0.7)],
     [{"a", "r", "u"}], [True, True]),
    # a triangle: the third link lies inside the group
    ([("u", "UCDP", "a", "ACLED", 0.9), ("a", "ACLED", "r", "Report", 0.8),
      ("u", "UCDP", "r", "Report", 0.7)], [{"a", "r", "u"}], [True, True, True]),
    # two groups that would put two ACLED records together stay apart
    ([("u", "UCDP", "a1", "ACLED", 0.9), ("r", "Report", "a2", "ACLED", 0.85),
      ("u", "UCDP", "r", "Report", 0.8)], [{"a1", "u"}, {"a2", "r"}], [True, True, False]),
    # below the threshold: no link, no group
    ([("u", "UCDP", "a", "ACLED", 0.3)], [], [False]),
])
def test_groups_hold_one_record_per_dataset(rows: list[tuple[str, str, str, str, float]],
                                            groups: list[set[str]], kept: list[bool]) -> None:
    found, kept_links = build_groups(links_frame(rows))
    assert [set(g) for _, g in found.groupby("event_group")["event_id"]] == groups
    assert kept_links.tolist() == kept
    assert (found.groupby("event_group")["dataset_key"].nunique() == found.groupby(
        "event_group").size()).all()


def test_confirmed_links_come_first() -> None:
    links = links_frame([("u", "UCDP", "a1", "ACLED", 0.9), ("u", "UCDP", "a2", "ACLED", 0.7)],
                        decision=[None, "confirmed"])
    groups, kept = build_groups(links)
    assert set(groups["event_id"]) == {"u", "a2"} and kept.tolist() == [False, True]


def _greedy(links: pd.DataFrame) -> list[bool]:
    """The rule itself, one link at a time, best first (the reference for the vectorised one)."""
    parent: dict[str, str] = {}
    holds: dict[str, set[str]] = {}

    def find(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    kept = [False] * len(links)
    order = sorted(range(len(links)), key=lambda i: (-links["score"][i], links["event_id_a"][i],
                                                     links["event_id_b"][i]))
    for i in order:
        a, b = links["event_id_a"][i], links["event_id_b"][i]
        for node, dataset in ((a, links["dataset_a"][i]), (b, links["dataset_b"][i])):
            parent.setdefault(node, node)
            holds.setdefault(node, {dataset})
        ra, rb = find(a), find(b)
        if ra == rb:
            kept[i] = True
        elif not holds[ra] & holds[rb]:
            parent[rb] = ra
            holds[ra] |= holds.pop(rb)
            kept[i] = True
    return kept


@pytest.mark.parametrize("seed", range(5))
def test_vectorised_groups_equal_the_greedy_rule(seed: int) -> None:
    rng = np.random.default_rng(seed)
    nodes = [f"n{i:03d}" for i in range(60)]
    dataset = {n: "ABCD"[int(rng.integers(4))] for n in nodes}
    rows = []
    for _ in range(150):
        a, b = rng.choice(nodes, 2, replace=False)
        if dataset[a] != dataset[b]:
            rows.append((a, dataset[a], b, dataset[b], float(rng.integers(60, 100)) / 100))
    links = links_frame(rows).drop_duplicates(["event_id_a", "event_id_b"]).reset_index(
        drop=True)
    _, kept = build_groups(links)
    assert kept.tolist() == _greedy(links)


def test_hand_decisions_override_scores() -> None:
    rows = frame(record("acled", "ACLED"), record("ucdp", "UCDP", dataset="ucdp_ged"),
                 record("far", "Report", latitude=GOUNDAM[0], longitude=GOUNDAM[1]))
    decisions = pd.DataFrame({"event_id_a": ["ucdp", "far"], "event_id_b": ["acled", "ucdp"],
                              "decision": ["rejected", "confirmed"]})
    result = link_records(rows, decisions=decisions)
    links = result.links.astype({"event_id_a": str, "event_id_b": str})
    by_pair = {frozenset(p): r for p, r in zip(zip(links["event_id_a"], links["event_id_b"],
                                                   strict=True), links.itertuples(), strict=True)}
    rejected = by_pair[frozenset(("acled", "ucdp"))]
    made = by_pair[frozenset(("far", "ucdp"))]
    assert not rejected.accepted and rejected.decision == "rejected"
    assert made.accepted and made.grouped and np.isnan(made.score)
    assert json.loads(reasons_json(links).iloc[list(links["decision"]).index("confirmed")]) == [
        {"code": "confirmed"}]
    assert set(result.groups["event_id"]) == {"far", "ucdp"}


# --- counting once ------------------------------------------------------------------------


def test_count_once_takes_the_lowest_best_figure_and_the_range_of_all() -> None:
    claims = json.dumps([{"by": "JNIM", "role": "armed_group", "kind": "killed", "text": "",
                          "low": 12, "high": None},
                         {"by": "sources locales", "role": "local_sources", "kind": "killed",
                          "text": "", "low": 50, "high": 50}])
    rows = frame(record("acled", "ACLED", fatalities=12, geo_precision=2),
                 record("ucdp", "UCDP", dataset="ucdp_ged", fatalities=50, fatalities_low=40,
                        fatalities_high=60),
                 record("report", "R", dataset="report", fatalities=10, claims=claims),
                 record("alone", "R", latitude=GOUNDAM[0], longitude=GOUNDAM[1], fatalities=3))
    result = link_records(rows)
    once = count_once(rows, result.groups)
    assert len(once) == 2
    event = once[once["event_group"].notna()].iloc[0]
    # The lowest coded figure (ACLED's 12); the tool's own reading of the report (10) stands
    # back but is in the range.
    assert (event["fatalities"], event["fatalities_low"], event["fatalities_high"]) == (12, 10,
                                                                                       60)
    # the most precise record stands for the group (then a coded one before the tool's reading
    # of a report, then the smallest event_id)
    assert event["group_records"] == 3 and event["event_id"] == "ucdp"
    assert event["group_datasets"] == "ACLED; R; UCDP"
    alone = once[once["event_group"].isna()].iloc[0]
    assert alone["fatalities"] == 3 and alone["group_records"] == 1


def test_count_once_takes_a_reports_reading_when_no_coded_record_gives_a_toll() -> None:
    rows = frame(record("acled", "ACLED", fatalities=0),
                 record("report", "R", dataset="report", fatalities=10))
    rows.loc[0, "fatalities"] = None  # ACLED gives no toll
    once = count_once(rows, link_records(rows).groups)
    assert len(once) == 1 and once.iloc[0]["fatalities"] == 10


# --- the docs say what the code does ------------------------------------------------------


def test_docs_show_the_taxonomy_table_and_every_reason() -> None:
    from sahel import PROJECT_ROOT
    from sahel.link_reasons import REASONS

    docs = (PROJECT_ROOT / "docs" / "linking.md").read_text(encoding="utf-8")
    assert link_taxonomy.markdown_table() in docs
    for code, text in REASONS.items():
        assert f"| `{code}` | {text} |" in docs
    for pair in link_actors.related_groups():
        first, second = sorted(pair)
        assert first in docs and second in docs
    assert f"`sahel.links.THRESHOLD` = **{THRESHOLD}**" in docs
