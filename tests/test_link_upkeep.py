"""Links kept in the store (sahel.link_upkeep) on both backends.

Relinking the records a write changed must leave the stored links (and event groups) exactly as
relinking everything would; hand decisions hold through re-imports; reports are datasets of
their own, so the seed report added with `extract --add` links to the shipped seed incidents.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sahel import link_upkeep
from sahel.__main__ import main
from sahel.incidents import load_incidents
from sahel.link_upkeep import after_write, current_groups, decide, relink
from sahel.links import link_records
from sahel.schema import conform
from sahel.store import DATABASE_ENV
from sahel.store.link_rows import LINK_COLUMNS, kept_links, plain_links

SEED = Path(__file__).resolve().parent / "fixtures" / "rfi_2023-11-25_jnim_niafunke_goundam.txt"
SHIPPED_SEED = {"Niafunké": "SEED-RFI-20231124-1", "Goundam": "SEED-RFI-20231124-2"}
# Four towns far apart (no candidate pairs between them); events there on the days given.
TOWNS = {"Gao": (16.27, -0.04), "Mopti": (14.49, -4.19), "Kidal": (18.44, 1.41),
         "Menaka": (15.92, 2.40)}


def record(event_id: str, name: str, town: str = "Gao", day: str = "2021-03-02",
           group1: str = "JNIM", fatalities: int = 5, timestamp: int = 1,
           **extra: object) -> dict[str, object]:
    latitude, longitude = TOWNS[town]
    return {"event_id": event_id, "dataset_name": name, "dataset": "acled", "event_date": day,
            "time_precision": 1, "geo_precision": 1, "location": town,
            "latitude": latitude, "longitude": longitude, "country": "Mali", "iso3": "MLI",
            "admin1": town, "event_type": "Battles", "sub_event_type": "Armed clash",
            "actor1": group1, "group1": group1, "actor2": "Military Forces of Mali",
            "group2": "FAMa", "fatalities": fatalities, "timestamp": timestamp, **extra}


def frame(*rows: dict[str, object]) -> pd.DataFrame:
    return conform(pd.DataFrame(list(rows)))


def key(links: pd.DataFrame) -> set[tuple[object, ...]]:
    """Return the links as comparable rows: the pair (smaller id first), score, decision."""
    plain = plain_links(links)
    out = set()
    for row in plain.itertuples(index=False):
        a, b = sorted((row.event_id_a, row.event_id_b))
        score = None if pd.isna(row.score) else round(float(row.score), 9)
        decision = None if pd.isna(row.decision) else str(row.decision)
        out.add((a, b, score, bool(row.accepted), decision))
    return out


def assert_as_if_relinked_from_scratch(store) -> None:
    """The stored links and groups equal those of linking every record now."""
    result = link_records(load_incidents(store), decisions=store.load_decisions())
    assert key(store.load_links()) == key(kept_links(result.links))
    expected = result.groups.astype("object").sort_values(["event_group", "event_id"])
    found = current_groups(store).sort_values(["event_group", "event_id"])
    pd.testing.assert_frame_equal(found.reset_index(drop=True),
                                  expected.reset_index(drop=True), check_dtype=False)


def linked(store, first: str, second: str) -> bool:
    groups = current_groups(store)
    group_of = dict(zip(groups["event_id"], groups["event_group"], strict=True))
    return first in group_of and group_of.get(first) == group_of.get(second)


# Each step: a write and what the groups must then hold (pairs linked / not linked).
STEPS = [
    ("add", [record("A1", "acled"), record("A2", "acled", "Mopti"),
             record("A3", "acled", "Kidal", group1="ISGS")], [], []),
    ("add", [record("U1", "ucdp", fatalities=7), record("U2", "ucdp", "Mopti", day="2021-03-03"),
             record("U3", "ucdp", "Kidal", group1="ISGS", day="2021-05-01")],
     [("A1", "U1"), ("A2", "U2")], [("A3", "U3")]),
    # A new revision moves U1 to Menaka: no longer the same event as A1.
    ("add", [record("U1", "ucdp", "Menaka", fatalities=7, timestamp=2)], [("A2", "U2")],
     [("A1", "U1")]),
    # A report of A3's day arrives: links to A3 (Kidal, same day) — A3 and U3 stay apart.
    ("add", [record("R1", "report: one", "Kidal", group1="ISGS", fatalities=4,
                    dataset="report")], [("A3", "R1")], [("A3", "U3")]),
    ("delete", ["A2"], [], [("A2", "U2")]),
    ("remove", "report: one", [], [("A3", "R1")]),
    # A revision newer than its deletion brings A2 back.
    ("add", [record("A2", "acled", "Mopti", timestamp=2 * 10**9)], [("A2", "U2")], []),
]


def test_relinking_each_write_equals_relinking_everything(new_store) -> None:
    store = new_store()
    for action, what, together, apart in STEPS:
        if action == "add":
            summary = store.add(frame(*what))
        elif action == "delete":
            summary = store.apply_deletions(pd.DataFrame(
                {"event_id": what, "deleted_timestamp": [10**9] * len(what)}), "deletions.csv")
        else:
            summary = store.remove_dataset_rows(str(what))
        result = after_write(new_store(), summary)
        assert not result.error
        assert_as_if_relinked_from_scratch(new_store())
        for first, second in together:
            assert linked(new_store(), first, second), (action, first, second)
        for first, second in apart:
            assert not linked(new_store(), first, second), (action, first, second)


def test_a_random_sequence_of_writes_keeps_the_links_as_relinking_everything(new_store) -> None:
    rng = np.random.default_rng(17)
    datasets = ["acled", "ucdp", "report: a", "report: b"]
    towns = list(TOWNS)
    stamp = 1
    for step in range(12):
        rows = []
        for _ in range(int(rng.integers(1, 6))):
            stamp += 1
            rows.append(record(
                f"E{int(rng.integers(0, 25))}", datasets[int(rng.integers(0, 4))],
                towns[int(rng.integers(0, 4))], f"2021-03-0{int(rng.integers(1, 4))}",
                ["JNIM", "ISGS"][int(rng.integers(0, 2))], int(rng.integers(0, 20)), stamp))
        rows = list({r["event_id"]: r for r in rows}.values())
        store = new_store()
        if step % 5 == 4:
            doomed = rows[0]["event_id"]
            summary: object = store.apply_deletions(pd.DataFrame(
                {"event_id": [doomed], "deleted_timestamp": [stamp]}), "deletions.csv")
        else:
            summary = store.add(frame(*rows))
        assert not after_write(store, summary).error
        assert_as_if_relinked_from_scratch(new_store())


def test_a_confirmed_pair_stays_linked_through_re_imports(new_store) -> None:
    # Different groups two weeks apart: no candidate, never linked by score.
    store = new_store()
    after_write(store, store.add(frame(record("A1", "acled"))))
    after_write(store, store.add(frame(record("U1", "ucdp", day="2021-03-20",
                                              group1="ISGS"))))
    assert not linked(store, "A1", "U1")
    decide(store, "U1", "A1", "confirmed", by="amina")
    assert linked(new_store(), "A1", "U1")
    decisions = new_store().load_decisions()
    assert decisions[["event_id_a", "event_id_b", "decision", "decided_by"]].values.tolist() == [
        ["A1", "U1", "confirmed", "amina"]]
    # Both files again, new revisions, under the same dataset names.
    after_write(store, store.add(frame(record("A1", "acled", fatalities=6, timestamp=9))))
    after_write(store, store.add(frame(record("U1", "ucdp", day="2021-03-20", group1="ISGS",
                                              timestamp=9))))
    assert linked(new_store(), "A1", "U1")
    relink(new_store())
    assert linked(new_store(), "A1", "U1")
    stored = new_store().load_links()
    assert stored["decision"].tolist() == ["confirmed"] and stored["score"].isna().all()
    decide(new_store(), "A1", "U1", None)
    assert not linked(new_store(), "A1", "U1") and new_store().load_decisions().empty


def test_a_rejected_pair_never_comes_back(new_store) -> None:
    store = new_store()
    after_write(store, store.add(frame(record("A1", "acled"), record("U1", "ucdp"))))
    assert linked(store, "A1", "U1")
    decide(store, "A1", "U1", "rejected", by="amina")
    assert not linked(new_store(), "A1", "U1")
    after_write(store, store.add(frame(record("A1", "acled", timestamp=3),
                                       record("U1", "ucdp", timestamp=3))))
    assert not linked(new_store(), "A1", "U1")
    relink(new_store())
    assert not linked(new_store(), "A1", "U1")
    stored = new_store().load_links()
    assert stored[["decision", "accepted"]].values.tolist() == [["rejected", False]]


def test_a_decision_is_confirmed_rejected_or_undone(new_store) -> None:
    store = new_store()
    with pytest.raises(ValueError, match="confirmed"):
        store.decide_link("A", "B", "maybe", "amina")
    with pytest.raises(ValueError, match="two different"):
        store.decide_link("A", "A", "confirmed", "amina")
    store.decide_link("B", "A", "confirmed", "amina")
    store.decide_link("A", "B", "rejected", "bob")
    found = new_store().load_decisions()
    assert found[["event_id_a", "event_id_b", "decision", "decided_by"]].values.tolist() == [
        ["A", "B", "rejected", "bob"]]
    assert found["decided_at"].iloc[0].endswith("+00:00")


def test_links_round_trip_with_their_columns(new_store) -> None:
    store = new_store()
    after_write(store, store.add(frame(record("A1", "acled"), record("U1", "ucdp"))))
    stored = new_store().load_links()
    assert list(stored.columns) == list(LINK_COLUMNS)
    assert stored[["event_id_a", "event_id_b"]].values.tolist() in (
        [["A1", "U1"]], [["U1", "A1"]])
    row = stored.iloc[0]
    assert row["accepted"] and row["grouped"] and row["score"] >= 0.9
    assert row["time_reason"] == "same_day" and row["dataset_a"] in ("acled", "ucdp")
    assert str(row["days_apart"]) == "0"


def test_link_columns_agree_with_the_core() -> None:
    from sahel.links import LINK_COLUMNS as CORE

    assert tuple(LINK_COLUMNS) == tuple(CORE)


def test_after_write_says_why_it_could_not_relink(tmp_path) -> None:
    from sahel.store import AddSummary, IncidentStore, StoreError

    class Broken(IncidentStore):
        def load_links(self) -> pd.DataFrame:
            raise StoreError("the database has no incident_links table")

    summary = after_write(Broken(tmp_path), AddSummary(1, 0, 0, ids=("A",)))
    assert summary.text() == "links not updated: the database has no incident_links table"
    assert after_write(Broken(tmp_path), AddSummary(0, 0, 1)).error == ""  # nothing to link


@pytest.fixture(params=["embedded", "postgresql"])
def configured(request, monkeypatch, tmp_path) -> Path:
    """The configured store of the CLI: PostgreSQL when asked, else the folder returned."""
    if request.param == "postgresql":
        monkeypatch.setenv(DATABASE_ENV, request.getfixturevalue("postgres_url"))
    return tmp_path / "store"


def test_the_seed_report_added_links_to_the_shipped_seed(configured, tmp_path) -> None:
    from sahel.store import open_store

    assert main(["extract", str(SEED), "--jsonl", str(tmp_path / "seed.jsonl"), "--add",
                 "--store", str(configured)]) == 0
    store = open_store(configured)
    reports = store.load()
    assert set(reports["dataset_name"]) == {
        "report: rfi_2023-11-25_jnim_niafunke_goundam [858ac8]"}
    groups = current_groups(store)
    group_of = dict(zip(groups["event_id"], groups["event_group"], strict=True))
    for row in reports.itertuples(index=False):
        assert group_of[row.event_id] == group_of[SHIPPED_SEED[row.location]]
    assert_as_if_relinked_from_scratch(store)


def test_two_reports_of_one_event_link_to_each_other(tmp_path) -> None:
    from sahel.extract import extract_report, read_report
    from sahel.store import IncidentStore

    text = SEED.read_text(encoding="utf-8")
    store = IncidentStore(tmp_path / "store")
    names = set()
    for url in ("https://example.org/a", "https://example.org/b"):
        report = read_report(("URL: " + url + "\n---\n") + text, name="seed")
        report = report.__class__(**{**report.__dict__, "published": read_report(SEED).published,
                                     "published_precision": "day"})
        incidents = extract_report(report).incidents
        names |= set(incidents["dataset_name"])
        after_write(store, store.add(incidents))
    assert len(names) == 2
    groups = current_groups(store)
    niafunke = groups[groups["event_group"] == groups.loc[
        groups["event_id"] == SHIPPED_SEED["Niafunké"], "event_group"].iloc[0]]
    assert set(niafunke["dataset_key"]) == {"demo: seed report", *names}


def test_relinking_nothing_changed_is_cheap(new_store) -> None:
    store = new_store()
    after_write(store, store.add(frame(record("A1", "acled"), record("U1", "ucdp"))))
    summary = relink(new_store(), ())
    assert (summary.added, summary.kept, summary.dropped, summary.records) == (0, 0, 0, 0)
    assert summary.groups == 1
    assert link_upkeep.decider()


def test_a_store_linked_for_the_first_time_links_its_older_records_too(new_store) -> None:
    # Records stored before links were kept (no after_write), then one import.
    store = new_store()
    store.add(frame(record("A1", "acled"), record("U1", "ucdp")))
    summary = after_write(new_store(), new_store().add(frame(record("R1", "report: x",
                                                                    "Kidal"))))
    assert summary.records > 1 and linked(new_store(), "A1", "U1")
    assert_as_if_relinked_from_scratch(new_store())


def test_a_links_file_cut_short_is_one_sentence_and_the_export_goes_on(tmp_path,
                                                                       capsys) -> None:
    from sahel.store import IncidentStore

    store = IncidentStore(tmp_path / "store")
    after_write(store, store.add(frame(record("A1", "acled"), record("U1", "ucdp"))))
    (tmp_path / "store" / "links.parquet").write_bytes(b"PAR1 cut short")
    summary = after_write(store, store.add(frame(record("A2", "acled", "Mopti"))))
    assert "links.parquet cannot be read as Parquet" in summary.error
    assert main(["export", "--store", str(tmp_path / "store"), "--csv",
                 str(tmp_path / "out.csv")]) == 0
    assert "event groups left empty" in capsys.readouterr().err
    # Linking everything again replaces the file.
    assert main(["links", "--recompute", "--store", str(tmp_path / "store")]) == 0
    assert linked(store, "A1", "U1")
