import json
import os
import stat
import time

import pandas as pd
import pytest

from sahel.datasets import DatasetError
from sahel.schema import conform
from sahel.sources import ImportResult
from sahel.store import (
    AddSummary,
    DeletionSummary,
    IncidentStore,
    RowsRefused,
    StoreError,
    StoreUnreadable,
    default_store_dir,
)
from sahel.store import embedded as store_module
from sahel.store.postgres import PostgresStore


def incidents(*rows: dict):
    base = {"event_date": "2023-11-24", "latitude": 15.9322, "longitude": -3.9906,
            "group1": "JNIM", "admin1": "Tombouctou", "fatalities": 12, "dataset": "acled"}
    return conform(pd.DataFrame([{**base, **row} for row in rows]))


def test_empty_store_loads_as_empty_canonical_frame(new_store):
    frame = new_store().load()
    assert frame.empty and frame.crs.to_epsg() == 4326
    assert list(frame.columns) == list(incidents({"event_id": "A"}).columns)


def test_added_incidents_persist_and_reload_equal(new_store):
    frame = incidents({"event_id": "A", "notes": "=CMD()\nsecond line, \"quoted\""},
                      {"event_id": "B", "claims": "", "source_url": None, "timestamp": 2**40,
                       "latitude": 0.1 + 0.2, "event_date": "1700-01-01"})
    assert new_store().add(frame) == AddSummary(added=2, updated=0, unchanged=0)
    pd.testing.assert_frame_equal(new_store().load(), frame)


def test_re_adding_the_same_rows_adds_nothing(new_store):
    store = new_store()
    frame = incidents({"event_id": "A"}, {"event_id": "B"})
    store.add(frame)
    version = store.version()
    assert store.add(frame) == AddSummary(added=0, updated=0, unchanged=2)
    assert len(store.load()) == 2
    assert store.version() == version  # nothing rewritten: a dashboard need not reload


@pytest.mark.parametrize("old, new, outcome", [
    (1000, 2000, "updated"),   # newer ACLED revision replaces
    (2000, 1000, "older"),     # an older export never overwrites a newer one
    (1000, 1000, "unchanged"),
    (None, None, "updated"),   # no timestamps: the latest import of changed content wins
    (None, 1000, "updated"),   # a dated revision beats an undated row
    (1000, None, "older"),     # an undated row never replaces a dated one
])
def test_revisions_update_by_event_id_and_timestamp(new_store, old, new, outcome):
    store = new_store()
    store.add(incidents({"event_id": "A", "fatalities": 3, "timestamp": old},
                        {"event_id": "B"}))
    summary = store.add(incidents({"event_id": "A", "fatalities": 5, "timestamp": new},
                                  {"event_id": "C"}))
    counts = {"updated": 0, "unchanged": 0, "older": 0, outcome: 1}
    assert summary == AddSummary(added=1, **counts)
    updated = outcome == "updated"
    loaded = store.load().set_index("event_id")
    assert sorted(loaded.index) == ["A", "B", "C"]
    assert loaded.loc["A", "fatalities"] == (5 if updated else 3)


def test_crash_mid_write_leaves_the_old_store_intact(tmp_path, monkeypatch):
    store = IncidentStore(tmp_path)
    before = incidents({"event_id": "A"})
    store.add(before)
    original = store.path.read_bytes()

    def crash(frame, stream, **_):
        stream.write(b"PAR1 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(store_module, "write_geoparquet", crash)
    with pytest.raises(OSError, match="disk full"):
        store.add(incidents({"event_id": "B"}))
    assert store.path.read_bytes() == original
    pd.testing.assert_frame_equal(store.load(), before)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".lock", "incidents-writes.json",
                                                          "incidents.parquet"]


def test_rejects_report_is_written_next_to_the_store_and_spreadsheet_safe(new_store, tmp_path):
    rejected = pd.DataFrame({"row": [3, 5], "reason": ["missing event_id", "2 cells"],
                             "notes": ["=CMD()", None]})
    path = new_store().write_rejects(rejected, "export.csv")
    assert path.parent == tmp_path / "rejects" and path.name.startswith("export-")
    assert path.read_text(encoding="utf-8-sig") == ("row,reason,notes\n"
                                                    "3,missing event_id,'=CMD()\n5,2 cells,\n")


def test_default_store_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path))
    assert default_store_dir() == tmp_path
    monkeypatch.delenv("SAHEL_STORE_DIR")
    assert default_store_dir().name == "store"


def import_result(name: str, *rows: dict, rows_read: int | None = None) -> ImportResult:
    frame = incidents(*rows) if rows else incidents({"event_id": "X"}).iloc[:0]
    rejected = pd.DataFrame({"row": [], "reason": []})
    return ImportResult(source_name=name, format="acled", container="csv",
                        rows_read=len(frame) if rows_read is None else rows_read,
                        incidents=frame, rejected=rejected, unknown_actors={})


@pytest.mark.parametrize("first, second", [("new", "old"), ("old", "new")])
def test_the_newest_timestamp_wins_across_files_in_either_order(new_store, first, second):
    files = {"new": import_result("2024.csv", {"event_id": "A", "fatalities": 9,
                                               "timestamp": 2000}),
             "old": import_result("2023.csv", {"event_id": "A", "fatalities": 1,
                                               "timestamp": 1000})}
    store = new_store()
    store.add_import(files[first])
    summary = store.add_import(files[second])
    stored = store.load().set_index("event_id").loc["A"]
    assert (stored["fatalities"], stored["dataset_name"]) == (9, "2024.csv")
    expected = (AddSummary(0, 0, 0, older=1, dataset="2023.csv") if second == "old"
                else AddSummary(0, 1, 0, dataset="2024.csv"))
    assert summary == expected


def test_ids_are_compared_trimmed_also_against_rows_stored_with_spaces(tmp_path):
    store = IncidentStore(tmp_path)
    # As an older version stored them: the id with its spaces.
    store._write(incidents({"event_id": " MLI1 ", "timestamp": 1000}))
    summary = store.add(incidents({"event_id": "MLI1\t", "fatalities": 4, "timestamp": 2000}))
    assert summary == AddSummary(added=0, updated=1, unchanged=0)
    assert store.load()["event_id"].tolist() == ["MLI1"]


def test_within_one_frame_the_newest_revision_is_kept(new_store):
    store = new_store()
    store.add(incidents({"event_id": "A", "fatalities": 2, "timestamp": 2000},
                        {"event_id": "A", "fatalities": 1, "timestamp": 1000}))
    assert store.load()["fatalities"].tolist() == [2]


def deletions(*pairs: tuple[str, int]) -> pd.DataFrame:
    return pd.DataFrame({"event_id": [p[0] for p in pairs],
                         "deleted_timestamp": pd.array([p[1] for p in pairs], dtype="Int64")})


def removals(store) -> list[tuple[str, str, str, str]]:
    """Return each recorded removal as (event_id, cause, source, dataset_name)."""
    if isinstance(store, PostgresStore):
        import psycopg

        causes = {"deleted": "deletion", "removed": "dataset removed"}
        with psycopg.connect(store.url) as connection:
            rows = connection.execute(
                "SELECT event_id, action, changed_from, dataset_name "
                "FROM incident_history WHERE action IN ('deleted', 'removed')").fetchall()
        return sorted((e, causes[a], s, d) for e, a, s, d in rows)
    log = [json.loads(line) for line in store.removals_log.read_text().splitlines()]
    assert all(e["removed_at"] for e in log)
    return sorted((e["event_id"], e["cause"], e["source"], e["dataset_name"]) for e in log)


def test_deletions_remove_rows_not_newer_and_are_logged(new_store):
    store = new_store()
    store.add_import(import_result("mali.csv", {"event_id": "A", "timestamp": 1000},
                                   {"event_id": "B", "timestamp": 3000},
                                   {"event_id": "C", "timestamp": 2000},
                                   {"event_id": "D"}))
    summary = store.apply_deletions(deletions(("A", 2000), ("B", 2000), (" C", 2000),
                                              ("D", 1), ("Z", 2000)), "deleted.csv")
    assert summary == DeletionSummary(file="deleted.csv", listed=5, removed=3, not_in_store=1,
                                      newer_kept=1)
    assert store.load()["event_id"].tolist() == ["B"]  # revised after its deletion
    assert removals(store) == [
        ("A", "deletion", "deleted.csv", "mali.csv"), ("C", "deletion", "deleted.csv", "mali.csv"),
        ("D", "deletion", "deleted.csv", "mali.csv")]


def test_a_deletion_holds_back_older_rows_but_not_a_newer_revision(new_store):
    store = new_store()
    store.apply_deletions(deletions(("A", 2000), ("B", 2000)), "deleted.csv")
    summary = store.add_import(import_result("old-export.csv",
                                             {"event_id": "A", "timestamp": 1500},
                                             {"event_id": "B", "timestamp": 2500},
                                             {"event_id": "C", "timestamp": 1500}))
    assert (summary.added, summary.held_back) == (2, 1)
    assert sorted(store.load()["event_id"]) == ["B", "C"]
    # The tombstone stays: the same older export again still does not bring A back.
    again = store.add_import(import_result("old-export.csv", {"event_id": "A",
                                                              "timestamp": 1500}))
    assert (again.added, again.held_back) == (0, 1)
    tombstones = store.load_tombstones()
    assert tombstones.set_index("event_id")["deleted_timestamp"].to_dict() == {"A": 2000,
                                                                                "B": 2000}


def test_a_later_deletion_of_the_same_id_supersedes_the_earlier(new_store):
    store = new_store()
    store.apply_deletions(deletions(("A", 2000)), "first.csv")
    store.apply_deletions(deletions(("A", 1000), ("A", 3000)), "second.csv")
    row = store.load_tombstones().set_index("event_id").loc["A"]
    assert (row["deleted_timestamp"], row["file"]) == (3000, "second.csv")


def test_add_import_tags_rows_and_registers_the_dataset(new_store, tmp_path):
    store = new_store()
    result = import_result("mali.csv", {"event_id": "A"}, {"event_id": "B"}, rows_read=3)
    assert store.add_import(result).dataset == "mali.csv"
    assert store.add_import(import_result("niger.csv", {"event_id": "N"}),
                            name="  Niger 2024 ").dataset == "Niger 2024"
    loaded = store.load().set_index("event_id")["dataset_name"].to_dict()
    assert loaded == {"A": "mali.csv", "B": "mali.csv", "N": "Niger 2024"}
    entries = new_store().registry()
    assert [e["name"] for e in entries] == ["mali.csv", "Niger 2024"]
    first = entries[0]["files"][0]
    assert {k: first[k] for k in ("file", "format", "source_types", "read", "kept",
                                  "rejected")} == {
        "file": "mali.csv", "format": "acled", "source_types": ["acled"], "read": 3, "kept": 2,
        "rejected": 0}
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_second_import_of_the_same_file_updates_its_dataset(new_store):
    store = new_store()
    store.add_import(import_result("mali.csv", {"event_id": "A"}))
    store.add_import(import_result("mali.csv", {"event_id": "A"}, {"event_id": "B"}))
    store.add_import(import_result("mali-2.csv", {"event_id": "C"}), name="mali.csv")
    (entry,) = store.registry()
    assert [(f["file"], f["kept"]) for f in entry["files"]] == [("mali.csv", 2),
                                                                ("mali-2.csv", 1)]


@pytest.mark.parametrize("name", ["demo: mine", "demo:x", "  "])
def test_an_import_cannot_take_a_demonstration_or_empty_name(new_store, name):
    with pytest.raises(DatasetError):
        new_store().add_import(import_result("a.csv", {"event_id": "A"}), name=name)


def test_a_file_with_no_row_kept_is_no_dataset(new_store):
    store = new_store()
    summary = store.add_import(import_result("broken.csv", rows_read=5))
    assert summary == AddSummary(0, 0, 0, dataset="broken.csv")
    assert store.registry() == [] and store.load().empty


def test_a_store_whose_parent_folder_is_missing_is_a_clear_error(tmp_path):
    store = IncidentStore(tmp_path / "no" / "such" / "store")
    with pytest.raises(StoreError, match="its parent folder does not exist"):
        store.add(incidents({"event_id": "A"}))


def test_add_refuses_rows_that_could_not_be_loaded_back(new_store):
    # The second line of defence: what validation should have rejected never reaches the disk.
    store = new_store()
    bad = incidents({"event_id": "A"}, {"event_id": "B", "claims": "{not json"})
    with pytest.raises(RowsRefused, match=r"1 of 2 rows .*claims is not valid JSON \(1\)"):
        store.add(bad)
    with pytest.raises(StoreError):
        store.add_import(import_result("a.csv", {"event_id": "A", "claims": "[1,2]"}))
    assert store.load().empty and store.registry() == []


@pytest.mark.parametrize("locked", [True, False])
def test_temporary_files_left_by_a_killed_writer_are_removed_on_the_next_write(
        tmp_path, monkeypatch, locked):
    if not locked:  # no advisory locks (Windows): only temporary files older than 10 minutes
        monkeypatch.setattr(store_module, "fcntl", None)
    store = IncidentStore(tmp_path)
    store.add(incidents({"event_id": "A"}))
    left = [tmp_path / ".incidents-4242-0a1b2c.tmp", tmp_path / ".datasets-4242-ffff.tmp",
            tmp_path / ".deletions-17-x.tmp"]
    fresh = tmp_path / ".incidents-4243-fresh.tmp"
    other = tmp_path / ".notes-1.tmp"  # not ours: stays
    for path in [*left, fresh, other]:
        path.write_bytes(b"PAR1 half written")
    for path in left:
        os.utime(path, (time.time() - 3600, time.time() - 3600))
    store.add(incidents({"event_id": "B"}))
    assert not any(path.exists() for path in left)
    assert fresh.exists() is not locked  # holding the lock, no writer can be mid-write
    assert other.exists()
    assert sorted(store.load()["event_id"]) == ["A", "B"]


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_store_files_follow_the_umask(tmp_path, umask, mode):
    # A dashboard running as another user reads the store: not mkstemp's 0600.
    previous = os.umask(umask)
    try:
        store = IncidentStore(tmp_path / "store")
        store.add_import(import_result("mali.csv", {"event_id": "A"}))
        store.apply_deletions(deletions(("A", 1000)), "deleted.csv")
    finally:
        os.umask(previous)
    for name in ("incidents.parquet", "datasets.json", "deletions.parquet"):
        assert stat.S_IMODE((tmp_path / "store" / name).stat().st_mode) == mode, name


@pytest.mark.parametrize("content", [b"", b"not parquet at all", b"PAR1\x00\x00PAR1"])
def test_a_store_file_that_is_not_parquet_is_one_typed_error(tmp_path, content):
    store = IncidentStore(tmp_path)
    store.path.write_bytes(content)
    with pytest.raises(StoreUnreadable, match="cannot be read as Parquet .*move it aside"):
        store.load()
    with pytest.raises(StoreError):
        store.add(incidents({"event_id": "A"}))
    assert store.path.read_bytes() == content  # never overwritten by a write that cannot merge


def test_a_cut_short_store_file_is_one_typed_error(tmp_path):
    store = IncidentStore(tmp_path)
    store.add(incidents({"event_id": "A"}, {"event_id": "B"}))
    data = store.path.read_bytes()
    store.path.write_bytes(data[: len(data) // 2])
    with pytest.raises(StoreUnreadable):
        store.load()


def test_unreadable_stored_rows_are_skipped_then_set_aside_by_the_next_write(tmp_path):
    store = IncidentStore(tmp_path)
    store.add(incidents({"event_id": "A"}, {"event_id": "B"}))
    table = pd.read_parquet(store.path)
    table.loc[1, "claims"] = '{"by": "x"}'  # an older version stored it unchecked
    table.to_parquet(store.path)
    assert store.load()["event_id"].tolist() == ["A"]
    assert store.last_report.message() == (
        "1 stored row was skipped (incidents.parquet): claims is not a JSON list (1)")
    assert store.last_report.skipped[0].event_id == "B"
    summary = store.add(incidents({"event_id": "C"}))
    assert (summary.added, summary.set_aside) == (1, 1)
    assert sorted(store.load()["event_id"]) == ["A", "C"] and not len(store.last_report)
    saved = pd.read_csv(store.set_aside_report, encoding="utf-8-sig")
    assert saved[["event_id", "claims", "skipped_because"]].values.tolist() == [
        ["B", '{"by": "x"}', "claims is not a JSON list"]]
