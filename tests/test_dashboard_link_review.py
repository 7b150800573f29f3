"""An editor decides on links on the map page (dashboard_link_review, through AppTest): the
popups offer "Sources and links" to editors only; in its dialog an editor rejects a pair (the
group is gone), confirms one under the threshold (grouped), undoes a decision, links to a record
by its id, and is told why a link cannot be made; a viewer gets no link and a forged request
writes nothing; in an event of three records, takes a record reached only through another out
of it ("Not this event"), or the one tying the others (they split, said before), and puts it
back. Both stores. And the records within reach (sahel.link_review): the candidate pairs of a few
records are the ones linking everything gives; what taking a record out does is what grouping
every link with its pairs rejected gives."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import dashboard_cache
import dashboard_link_review
from dashboard_access import ROLES_KEY, RequestFacts
from sahel import link_upkeep
from sahel.extract import extract_report, read_report
from sahel.link_groups import build_groups
from sahel.link_review import (
    SAME_DATASET,
    SAME_RECORD,
    UNKNOWN_RECORD,
    decision_refusal,
    proposal_matches,
    record_candidates,
    take_out,
    within_reach,
)
from sahel.links import THRESHOLD, link_records
from sahel.maps import asked_for, incident_layer, with_editor_links
from sahel.store import IncidentStore, Store
from sahel.store.roles import roles_for
from sahel.synthetic import synthetic_incidents

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "dashboard.py")
SEED = ROOT / "tests" / "fixtures" / "rfi_2023-11-25_jnim_niafunke_goundam.txt"
NIAFUNKE = "SEED-RFI-20231124-1"  # the shipped seed incident the report's Niafunké record joins
TOMBOUCTOU = {"region": "Tombouctou", "demo": "1"}
# The analyst's own file: MINE-1 a candidate of Niafunké under the threshold (a day later,
# unnamed attackers, civilians), MINE-2 in Gao in March (no candidate), MINE-3 of the same file.
MINE = ("MINE-1", "MINE-2", "MINE-3")


# ---- the records within reach (pure) -----------------------------------------------------

def datasets_frame(seed: int) -> pd.DataFrame:
    """Return three synthetic datasets in one frame, some rows naming admin-2 units, some
    coded only to the month, some UCDP ranges."""
    rng = np.random.default_rng(seed)
    parts = []
    for k, name in enumerate(("A", "B", "C")):
        part = synthetic_incidents(1500, seed=seed * 10 + k).assign(dataset_name=name)
        part["event_id"] = name + "-" + part["event_id"]
        named = rng.uniform(size=len(part)) < 0.5
        part["admin2"] = pd.Series(np.where(named, rng.choice(["Niono", "Bla", "Dori"],
                                                               len(part)), None), dtype="str")
        ranged = rng.uniform(size=len(part)) < 0.05
        ends = (part["event_date"] + pd.to_timedelta(rng.integers(1, 60, len(part)), unit="D"))
        part["source_extra"] = np.where(
            ranged, '{"date_end": "' + ends.dt.strftime("%Y-%m-%d") + '"}', part["source_extra"])
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def pair_rows(links: pd.DataFrame) -> list[tuple[Any, ...]]:
    """Return every link as a sortable tuple of all its columns."""
    text = links.astype("object").where(links.notna(), None)
    return sorted(tuple(str(v) for v in row) for row in text.itertuples(index=False))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_records_within_reach_give_the_pairs_linking_everything_gives(seed: int) -> None:
    frame = datasets_frame(seed)
    rng = np.random.default_rng(seed)
    pairs = 0
    for count in (1, 4, 12, 30):
        among = np.zeros(len(frame), dtype=bool)
        among[rng.choice(len(frame), count, replace=False)] = True
        reach = within_reach(frame, among)
        assert reach[among].all() and reach.sum() < len(frame) / 2
        everything = link_records(frame, among=among, keep_all=True).links
        nearby = link_records(frame.loc[reach].reset_index(drop=True), among=among[reach],
                              keep_all=True).links
        assert pair_rows(nearby) == pair_rows(everything)
        pairs += len(everything)
    assert pairs >= 10  # not vacuous: scored pairs of every kind of reason were compared


def test_a_record_with_no_date_keeps_every_record_within_reach() -> None:
    frame = datasets_frame(4)
    frame.loc[5, "event_date"] = pd.NaT
    among = np.zeros(len(frame), dtype=bool)
    among[5] = True
    assert within_reach(frame, among).all()
    among[5], among[6] = False, True
    assert within_reach(frame, among)[5]  # an undated record is never left out


def test_the_proposals_match_as_linking_everything_matches() -> None:
    on_hand = datasets_frame(5)
    proposed = on_hand.loc[on_hand["dataset_name"] == "C"].head(40).copy()
    on_hand = on_hand.loc[on_hand["dataset_name"] != "C"]
    found = proposal_matches(on_hand, proposed)
    frame = pd.concat([on_hand, proposed], ignore_index=True)
    links = link_records(frame, among=np.arange(len(frame)) >= len(on_hand)).links
    best: dict[str, tuple[str, float]] = {}
    for a, b, score in zip(links["event_id_a"].astype("str"), links["event_id_b"].astype("str"),
                           links["score"], strict=True):
        new, old = (a, b) if a.startswith("C-") else (b, a)
        best.setdefault(new, (old, float(score)))
    assert best and {k: (str(m.existing["event_id"]), m.score) for k, m in found.items()} == best
    assert all(json.loads(m.reasons) for m in found.values())


def test_a_records_candidates_come_best_first_with_their_reasons() -> None:
    frame = datasets_frame(6)
    pairs = link_records(frame, keep_all=True).links
    event_id = str(pairs["event_id_a"].iloc[0])
    found = record_candidates(frame, event_id)
    touching = pairs.loc[(pairs["event_id_a"] == event_id) | (pairs["event_id_b"] == event_id)]
    assert len(found) == len(touching) and list(found["score"]) == sorted(found["score"],
                                                                         reverse=True)
    assert event_id not in set(found["event_id"])
    assert list(found["accepted"]) == [s >= THRESHOLD for s in found["score"]]
    assert json.loads(found["reasons"].iloc[0])[0]["code"]
    assert record_candidates(frame, "nobody").empty


def groups_of(links: pd.DataFrame) -> dict[str, frozenset[str]]:
    """Return each grouped record's group, as the page groups the links."""
    groups, _ = build_groups(links)
    members = groups.groupby("event_group")["event_id"].agg(frozenset)
    return {str(e): members[g] for e, g in zip(groups["event_id"], groups["event_group"],
                                                strict=True)}


@pytest.mark.parametrize("seed", [7, 8])
def test_taking_a_record_out_gives_what_grouping_every_link_without_its_ties_gives(
        seed: int) -> None:
    links = link_records(datasets_frame(seed)).links
    links = links.astype({c: "str" for c in ("event_id_a", "event_id_b", "dataset_a",
                                             "dataset_b")})
    before = groups_of(links)
    big = sorted(e for e, g in before.items() if len(g) >= 3)[::6]
    assert len(big) >= 6  # not vacuous: events of three records and more
    splits = beyond = 0
    for record in big:
        plan = take_out(links, record)
        assert plan is not None and plan.record == record
        others = before[record] - {record}
        a, b = links["event_id_a"], links["event_id_b"]
        mine = (a == record) | (b == record)
        ties = links["accepted"] & mine & (b.isin(others) | a.isin(others))
        rejected = {tuple(sorted(p)) for p in plan.pairs}
        assert set(zip(a[ties], b[ties], strict=True)) <= {  # every direct tie
            tuple(sorted(p)) for p in rejected}
        after = links.copy()
        chosen = [tuple(sorted(p)) in rejected for p in zip(a, b, strict=True)]
        assert sum(chosen) == len(plan.pairs) and links.loc[chosen, "accepted"].all()
        after.loc[chosen, "accepted"] = False
        regrouped = groups_of(after)
        own = regrouped.get(record, frozenset({record}))
        assert not own & others and not any(own & regrouped.get(o, frozenset())
                                            for o in others)  # not beside them any more
        assert set(plan.others) == {tuple(sorted(regrouped.get(o, frozenset({o}))
                                                 & others)) for o in others}
        assert set(plan.joined) == own - {record}
        beyond += len(plan.pairs) > ties.sum()
        splits += plan.splits
    assert splits  # a record tying the others is among them
    assert take_out(links, "nobody") is None


@pytest.mark.parametrize(("first", "second", "expected"), [
    ("A-1", "B-1", None), ("A-1", " A-1 ", SAME_RECORD), ("A-1", "A-2", SAME_DATASET),
    ("A-1", "Z-9", UNKNOWN_RECORD), ("Z-9", "A-1", UNKNOWN_RECORD)])
def test_a_hand_link_is_refused_for_one_record_an_unknown_one_or_one_dataset(
        first: str, second: str, expected: str | None) -> None:
    frame = pd.DataFrame({"event_id": ["A-1", "A-2", "B-1"],
                          "dataset_name": ["alpha", "alpha", "beta"],
                          "dataset": ["canonical"] * 3})
    assert decision_refusal(frame, first, second) == expected


# ---- the popups' link ----------------------------------------------------------------------

def test_the_popups_offer_sources_and_links_when_asked_and_draw_the_same_view() -> None:
    layer = incident_layer(synthetic_incidents(5, seed=3))
    (plain,) = layer._children.values()
    for history, links in ((False, True), (True, True), (True, False)):
        (offered,) = with_editor_links(layer, history=history, links=links)._children.values()
        assert offered.view_settings.get("links", False) is links
        assert offered.view_settings.get("history", False) is history
        assert offered.token == plain.token and offered.payload_literal == plain.payload_literal
    assert "links" not in plain.view_settings


@pytest.mark.parametrize(("value", "ask", "expected"), [
    ({"painted": "drawn", "layers": ["points"], "seq": 3, "links": "ACL-1"}, "links", "ACL-1"),
    ({"painted": "drawn", "layers": ["points"], "seq": 3, "links": "ACL-1"}, "history", None),
    ({"history": "ACL-1"}, "links", None), ({"links": " "}, "links", None),
    ({"links": ["ACL-1"]}, "links", None), (None, "links", None)])
def test_the_maps_value_names_the_record_asked_for(value: Any, ask: str,
                                                   expected: str | None) -> None:
    assert asked_for(value, ask) == expected


# ---- the dialog, on both stores ----------------------------------------------------------

@pytest.fixture(scope="module")
def report_rows() -> gpd.GeoDataFrame:
    """The seed report's two records, as `extract --add` stores them."""
    return extract_report(read_report(SEED)).incidents


def mine_rows(report: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the analyst's own file of three records (see MINE), made from a report record."""
    niafunke = report.loc[report["location"] == "Niafunké"]
    mine = gpd.GeoDataFrame(pd.concat([niafunke] * 3, ignore_index=True), crs=report.crs)
    mine["event_id"] = list(MINE)
    mine["dataset_name"], mine["dataset"], mine["source_url"] = "analyst file", "canonical", ""
    mine.loc[0, ["latitude", "longitude", "location"]] = [15.99, -3.93, "Near Niafunké"]
    mine.loc[0, "event_date"] = pd.Timestamp("2023-11-25")
    mine.loc[0, ["actor1", "group1", "actor2", "group2"]] = [
        "Unidentified Armed Group (Mali)", "", "Civilians (Mali)", ""]
    mine.loc[0, ["event_type", "sub_event_type"]] = ["Violence against civilians", "Attack"]
    mine.loc[0, ["fatalities", "fatalities_low", "fatalities_high"]] = [2, 2, 2]
    mine.loc[1, ["latitude", "longitude", "location", "admin1"]] = [16.27, -0.04, "Gao", "Gao"]
    mine.loc[1, "event_date"] = pd.Timestamp("2023-03-02")
    mine.loc[2, "event_date"] = pd.Timestamp("2022-01-05")
    return mine.set_geometry(gpd.points_from_xy(mine["longitude"], mine["latitude"]),
                             crs=report.crs)


@pytest.fixture(params=["embedded", "postgresql"])
def store(request: pytest.FixtureRequest, report_rows: gpd.GeoDataFrame, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], Store]]:
    """Return a factory of the page's store: the seed report added and linked, and MINE."""
    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path))
    if request.param == "embedded":
        opened: Callable[[], Store] = lambda: IncidentStore(tmp_path)  # noqa: E731
    else:
        from sahel.store.postgres import PostgresStore

        url = request.getfixturevalue("postgres_url")
        monkeypatch.setenv("SAHEL_DATABASE_URL", url)
        opened = lambda: PostgresStore(url, user="tester")  # noqa: E731
    for rows in (report_rows, mine_rows(report_rows)):
        link_upkeep.after_write(opened(), opened().add(rows.copy()))
    dashboard_cache.forget()
    dashboard_link_review._candidates.clear()
    dashboard_link_review._positions.clear()
    yield opened
    dashboard_cache.forget()


def report_id(opened: Callable[[], Store]) -> str:
    """Return the event id of the report's Niafunké record."""
    stored = opened().load()
    return str(stored.loc[(stored["location"] == "Niafunké")
                          & (stored["dataset_name"] != "analyst file"), "event_id"].iloc[0])


def open_dialog(event_id: str, params: dict[str, str] | None = None) -> AppTest:
    """Open the page, then the dialog of `event_id` as its popup's link does."""
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params = dict(TOMBOUCTOU if params is None else params)
    at.run()
    at.session_state[dashboard_link_review.LINKS_KEY] = event_id
    at.run()
    assert not at.exception, at.exception
    return at


def counted(at: AppTest) -> str:
    return next(c.value for c in at.caption if c.value.startswith("Each event once"))


def group_of(opened: Callable[[], Store], event_id: str) -> set[str]:
    """Return the records of `event_id`'s event group in the store (itself alone: none)."""
    groups = link_upkeep.current_groups(opened())
    mine = groups.loc[groups["event_id"] == event_id, "event_group"]
    if mine.empty:
        return {event_id}
    return set(groups.loc[groups["event_group"] == mine.iloc[0], "event_id"])


def pair(links: pd.DataFrame, first: str, second: str) -> pd.DataFrame:
    """Return the stored links between two records (either way round)."""
    ids = {first, second}
    return links.loc[links["event_id_a"].isin(ids) & links["event_id_b"].isin(ids)]


def decisions(opened: Callable[[], Store]) -> set[tuple[str, str, str]]:
    found = opened().load_decisions()
    return set(zip(found["event_id_a"], found["event_id_b"], found["decision"], strict=True))


def test_an_editor_rejects_a_pair_then_undoes_it(store: Callable[[], Store]) -> None:
    report = report_id(store)
    assert group_of(store, NIAFUNKE) == {NIAFUNKE, report}
    at = open_dialog(NIAFUNKE)
    # The shipped 8 events of 10 records, and MINE-1 and MINE-3 (MINE-2 is in Gao).
    assert counted(at) == "Each event once: 10 events from 12 records."
    assert [s.value for s in at.subheader if s.value.startswith("Its event")] == [
        "Its event now: 1 other source"]
    assert any(c.value.startswith("Score 0.95: same day") for c in at.caption)

    at.button(key=f"reject:{report}").click().run()
    assert not at.exception and not at.error
    assert decisions(store) == {(*sorted((NIAFUNKE, report)), "rejected")}
    rejected = pair(link_upkeep.stored_links(store()), NIAFUNKE, report)
    assert list(rejected["decision"]) == ["rejected"] and not rejected["accepted"].any()
    assert group_of(store, NIAFUNKE) == {NIAFUNKE}
    assert counted(at) == "Each event once: 11 events from 12 records."
    assert [t.value for t in at.toast] == [
        f"Recorded: {NIAFUNKE} and {report} are not the same event (by "
        f"{link_upkeep.decider()})."]
    # The dialog stays open, the pair among the decisions, with its undo.
    assert "Decided by hand, not in its event" in [s.value for s in at.subheader]
    assert at.button(key=f"undo:{report}").label == "Undo my decision"

    at.button(key=f"undo:{report}").click().run()
    assert not at.exception and decisions(store) == set()
    assert group_of(store, NIAFUNKE) == {NIAFUNKE, report}
    assert counted(at) == "Each event once: 10 events from 12 records."


def test_an_editor_confirms_a_pair_under_the_threshold(store: Callable[[], Store]) -> None:
    at = open_dialog(NIAFUNKE)
    pick = at.selectbox(key=dashboard_link_review.PICK_KEY)
    assert pick.options[0].startswith("score 0.56 · analyst file · MINE-1 · 25 Nov 2023")
    assert "MINE-2" not in " ".join(pick.options)  # no candidate: too far in time and place
    pick.set_value("MINE-1").run()
    assert any(c.value.startswith("Score 0.56: 1 day\\(s\\) apart") for c in at.caption)
    at.button(key="link_review_go").click().run()
    assert not at.exception and not at.error
    assert decisions(store) == {("MINE-1", NIAFUNKE, "confirmed")}  # smaller id first
    assert group_of(store, NIAFUNKE) == {NIAFUNKE, report_id(store), "MINE-1"}
    assert counted(at) == "Each event once: 9 events from 12 records."
    assert "Its event now: 2 other sources" in [s.value for s in at.subheader]


def test_an_editor_links_a_record_by_its_id(store: Callable[[], Store]) -> None:
    at = open_dialog(NIAFUNKE)
    at.text_input(key=dashboard_link_review.TYPED_KEY).input(" MINE-2").run()
    at.button(key="link_review_go").click().run()
    assert not at.exception and not at.error
    assert decisions(store) == {("MINE-2", NIAFUNKE, "confirmed")}
    assert "MINE-2" in group_of(store, NIAFUNKE)
    made = pair(link_upkeep.stored_links(store()), NIAFUNKE, "MINE-2")
    assert len(made) == 1 and made["score"].isna().all() and made["grouped"].all()  # by hand
    assert any(c.value == "confirmed by hand" for c in at.caption)


@pytest.mark.parametrize(("typed", "said"), [
    ("MINE-3", "MINE\\-1 and MINE\\-3 are both records of the dataset “analyst file”: records "
               "of one dataset are never linked (a dataset already tells its own events "
               "apart). Nothing was recorded."),
    ("NOBODY-7", "No record on hand has the event id NOBODY\\-7. Nothing was recorded."),
    ("MINE-1", "MINE\\-1 is this record: a link joins two different records. Nothing was "
               "recorded.")])
def test_a_link_that_cannot_be_made_is_refused_in_one_sentence(
        store: Callable[[], Store], typed: str, said: str) -> None:
    before = link_upkeep.stored_links(store())
    at = open_dialog("MINE-1")
    at.text_input(key=dashboard_link_review.TYPED_KEY).input(typed).run()
    at.button(key="link_review_go").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [said]
    assert decisions(store) == set()
    assert link_upkeep.stored_links(store()).equals(before)


@pytest.mark.parametrize("typed", [
    "<script>alert(1)</script>\u202e**x**\x00" + "y" * 10_000, "\n\t ", "[a](javascript:x)"])
def test_a_hostile_typed_id_is_refused_and_writes_nothing(store: Callable[[], Store],
                                                         typed: str) -> None:
    before = link_upkeep.stored_links(store())
    at = open_dialog("MINE-1")
    at.text_input(key=dashboard_link_review.TYPED_KEY).input(typed).run()
    at.button(key="link_review_go").click().run()
    assert not at.exception
    shown = " ".join(e.value for e in [*at.error, *at.warning, *at.info])
    assert "Nothing was recorded" in shown or "Pick" in shown or "Type" in shown, shown
    assert len(shown) < 1_000 and "<script>" not in shown
    assert "\u202e" not in shown and "\x00" not in shown  # written out, as the CLI does
    assert decisions(store) == set()
    assert link_upkeep.stored_links(store()).equals(before)


def test_the_dialog_in_french(store: Callable[[], Store]) -> None:
    at = open_dialog(NIAFUNKE, {**TOMBOUCTOU, "lang": "fr"})
    assert "Son événement à présent : 1 autre source" in [s.value for s in at.subheader]
    assert {b.label for b in at.button} >= {"Confirmer", "Pas le même événement", "Les lier"}
    assert any(c.value.startswith("Score 0,95 : même jour") for c in at.caption)


def three_records(store: Callable[[], Store]) -> str:
    """Make Niafunké's event three records: MINE-1 confirmed with Niafunké by hand (under the
    threshold with the report's record: reached only through Niafunké). Return the report's."""
    report = report_id(store)
    link_upkeep.decide(store(), NIAFUNKE, "MINE-1", "confirmed", by="jean")
    assert group_of(store, report) == {NIAFUNKE, report, "MINE-1"}
    assert pair(link_upkeep.stored_links(store()), report, "MINE-1").empty
    dashboard_cache.forget()
    return report


def test_a_record_reached_through_another_is_taken_out_then_put_back(
        store: Callable[[], Store], report_rows: gpd.GeoDataFrame) -> None:
    report = three_records(store)
    at = open_dialog(report)
    assert not any(b.key == "reject:MINE-1" for b in at.button)  # no link of its own to reject
    assert any(c.value == "“Not this event” takes it out of the event: it rejects 1 link, "
               f"with {NIAFUNKE.replace('-', chr(92) + '-')}." for c in at.caption)
    assert counted(at) == "Each event once: 9 events from 12 records."

    at.button(key="takeout:MINE-1").click().run()
    assert not at.exception and not at.error
    assert decisions(store) == {("MINE-1", NIAFUNKE, "rejected")}
    assert group_of(store, report) == {NIAFUNKE, report}
    assert group_of(store, "MINE-1") == {"MINE-1"}
    assert counted(at) == "Each event once: 10 events from 12 records."
    assert [t.value for t in at.toast] == [
        f"Recorded: MINE-1 is not this event (1 link rejected, by {link_upkeep.decider()})."]
    assert any("was taken out of the event: 1 link rejected" in m.value for m in at.markdown)
    # The decision holds through a re-import of the analyst's file.
    link_upkeep.after_write(store(), store().add(mine_rows(report_rows)))
    assert group_of(store, report) == {NIAFUNKE, report}

    at.button(key="takeout_undo").click().run()
    assert not at.exception and not at.error
    assert decisions(store) == {("MINE-1", NIAFUNKE, "confirmed")}  # as it was before
    assert group_of(store, report) == {NIAFUNKE, report, "MINE-1"}
    assert not any(b.key == "takeout_undo" for b in at.button)


def test_taking_out_the_record_that_ties_the_others_says_they_split(
        store: Callable[[], Store]) -> None:
    report = three_records(store)
    at = open_dialog(NIAFUNKE)
    said = [c.value for c in at.caption if c.value.startswith("“Not this event”")]
    escaped = report.replace("-", "\\-")
    assert said[0] == ("“Not this event” takes it out of the event: it rejects 2 links, with "
                       f"MINE\\-1, {escaped}. It is what ties the others together: they "
                       f"would no longer be one event but 2: MINE\\-1; {escaped}."
                       .replace("\\\\", "\\"))

    at.button(key=f"takeout:{NIAFUNKE}").click().run()
    assert not at.exception and not at.error
    assert decisions(store) == {("MINE-1", NIAFUNKE, "rejected"),
                                (*sorted((NIAFUNKE, report)), "rejected")}
    assert all(group_of(store, r) == {r} for r in (NIAFUNKE, report, "MINE-1"))
    assert counted(at) == "Each event once: 11 events from 12 records."  # 2 shipped ones

    at.button(key="takeout_undo").click().run()
    assert not at.exception
    assert decisions(store) == {("MINE-1", NIAFUNKE, "confirmed")}
    assert group_of(store, NIAFUNKE) == {NIAFUNKE, report, "MINE-1"}


# ---- viewers -------------------------------------------------------------------------------

@pytest.fixture
def signed_in(store: Callable[[], Store], monkeypatch: pytest.MonkeyPatch
              ) -> Iterator[list[str]]:
    """Sign-in by a proxy's header: amina is an editor, moussa a viewer."""
    monkeypatch.setenv("SAHEL_AUTH", "proxy")
    roles = roles_for(store())
    roles.grant("amina", "editor", "jean")
    roles.grant("moussa", "viewer", "jean")
    who: list[str] = []

    def facts(config: object) -> RequestFacts:
        return RequestFacts(headers=(("X-Sahel-User", who[0]),), peer="127.0.0.1")

    with mock.patch("dashboard_access.request_facts", side_effect=facts):
        yield who


def layer_settings(at: AppTest) -> str:
    (element,) = at.get("component_instance")
    return str(json.loads(element.proto.json_args)["feature_group"])


def test_the_popups_offer_it_to_editors_only(signed_in: list[str]) -> None:
    signed_in[:] = ["amina"]
    assert '"links":true' in layer_settings(open_dialog(NIAFUNKE))
    signed_in[:] = ["moussa"]
    at = open_dialog(NIAFUNKE)  # what a viewer's forged request would set
    assert '"links":true' not in layer_settings(at)
    assert not any(b.key == "link_review_go" for b in at.button) and at.dataframe
    assert dashboard_link_review.LINKS_KEY not in at.session_state


def test_the_signed_in_editor_is_named_as_the_decider(store: Callable[[], Store],
                                                      signed_in: list[str]) -> None:
    signed_in[:] = ["amina"]
    at = open_dialog(NIAFUNKE)
    at.button(key=f"reject:{report_id(store)}").click().run()
    assert not at.exception
    assert list(store().load_decisions()["decided_by"]) == ["amina"]
    assert any("by amina" in c.value for c in at.caption)


@pytest.mark.parametrize("taking_out", [False, True])
def test_a_viewers_forged_decision_writes_nothing(store: Callable[[], Store],
                                                  signed_in: list[str], taking_out: bool) -> None:
    if taking_out:  # "Not this event" on a record reached through another
        three_records(store)
    known = decisions(store)
    signed_in[:] = ["moussa"]
    before = link_upkeep.stored_links(store())
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params = dict(TOMBOUCTOU)
    # The session's memory of the role forged: the page offers the dialog, the store says viewer.
    at.session_state[ROLES_KEY] = {"moussa": "editor"}
    at.session_state[dashboard_link_review.LINKS_KEY] = NIAFUNKE
    at.run()
    at.button(key="takeout:MINE-1" if taking_out else f"reject:{report_id(store)}").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "moussa may not edit incidents: the role viewer does not allow it."]
    assert decisions(store) == known
    assert link_upkeep.stored_links(store()).equals(before)
