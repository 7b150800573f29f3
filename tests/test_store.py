import json

import pandas as pd
import pytest

from sahel import store as store_module
from sahel.datasets import DatasetError, read_registry
from sahel.schema import conform
from sahel.sources import ImportResult
from sahel.store import AddSummary, DeletionSummary, IncidentStore, StoreError, default_store_dir


def incidents(*rows: dict):
    base = {"event_date": "2023-11-24", "latitude": 15.9322, "longitude": -3.9906,
            "group1": "JNIM", "admin1": "Tombouctou", "fatalities": 12, "dataset": "acled"}
    return conform(pd.DataFrame([{**base, **row} for row in rows]))


def test_empty_store_loads_as_empty_canonical_frame(tmp_path):
    frame = IncidentStore(tmp_path / "none").load()
    assert frame.empty and frame.crs.to_epsg() == 4326


def test_added_incidents_persist_and_reload_equal(tmp_path):
    frame = incidents({"event_id": "A", "notes": "=CMD()"}, {"event_id": "B"})
    assert IncidentStore(tmp_path).add(frame) == AddSummary(added=2, updated=0, unchanged=0)
    pd.testing.assert_frame_equal(IncidentStore(tmp_path).load(), frame)


def test_re_adding_the_same_rows_adds_nothing(tmp_path):
    store = IncidentStore(tmp_path)
    frame = incidents({"event_id": "A"}, {"event_id": "B"})
    store.add(frame)
    modified = store.path.stat().st_mtime_ns
    assert store.add(frame) == AddSummary(added=0, updated=0, unchanged=2)
    assert len(store.load()) == 2
    assert store.path.stat().st_mtime_ns == modified  # nothing rewritten


@pytest.mark.parametrize("old, new, outcome", [
    (1000, 2000, "updated"),   # newer ACLED revision replaces
    (2000, 1000, "older"),     # an older export never overwrites a newer one
    (1000, 1000, "unchanged"),
    (None, None, "updated"),   # no timestamps: the latest import of changed content wins
    (None, 1000, "updated"),   # a dated revision beats an undated row
    (1000, None, "older"),     # an undated row never replaces a dated one
])
def test_revisions_update_by_event_id_and_timestamp(tmp_path, old, new, outcome):
    store = IncidentStore(tmp_path)
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

    def crash(frame, stream):
        stream.write(b"PAR1 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(store_module, "write_geoparquet", crash)
    with pytest.raises(OSError, match="disk full"):
        store.add(incidents({"event_id": "B"}))
    assert store.path.read_bytes() == original
    pd.testing.assert_frame_equal(store.load(), before)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".lock", "incidents.parquet"]


def test_rejects_report_is_written_next_to_the_store_and_spreadsheet_safe(tmp_path):
    rejected = pd.DataFrame({"row": [3, 5], "reason": ["missing event_id", "2 cells"],
                             "notes": ["=CMD()", None]})
    path = IncidentStore(tmp_path).write_rejects(rejected, "export.csv")
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
def test_the_newest_timestamp_wins_across_files_in_either_order(tmp_path, first, second):
    files = {"new": import_result("2024.csv", {"event_id": "A", "fatalities": 9,
                                               "timestamp": 2000}),
             "old": import_result("2023.csv", {"event_id": "A", "fatalities": 1,
                                               "timestamp": 1000})}
    store = IncidentStore(tmp_path)
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


def test_within_one_frame_the_newest_revision_is_kept(tmp_path):
    store = IncidentStore(tmp_path)
    store.add(incidents({"event_id": "A", "fatalities": 2, "timestamp": 2000},
                        {"event_id": "A", "fatalities": 1, "timestamp": 1000}))
    assert store.load()["fatalities"].tolist() == [2]


def deletions(*pairs: tuple[str, int]) -> pd.DataFrame:
    return pd.DataFrame({"event_id": [p[0] for p in pairs],
                         "deleted_timestamp": pd.array([p[1] for p in pairs], dtype="Int64")})


def test_deletions_remove_rows_not_newer_and_are_logged(tmp_path):
    store = IncidentStore(tmp_path)
    store.add_import(import_result("mali.csv", {"event_id": "A", "timestamp": 1000},
                                   {"event_id": "B", "timestamp": 3000},
                                   {"event_id": "C", "timestamp": 2000},
                                   {"event_id": "D"}))
    summary = store.apply_deletions(deletions(("A", 2000), ("B", 2000), (" C", 2000),
                                              ("D", 1), ("Z", 2000)), "deleted.csv")
    assert summary == DeletionSummary(file="deleted.csv", listed=5, removed=3, not_in_store=1,
                                      newer_kept=1)
    assert store.load()["event_id"].tolist() == ["B"]  # revised after its deletion
    log = [json.loads(line) for line in store.removals_log.read_text().splitlines()]
    assert [(e["event_id"], e["cause"], e["source"], e["dataset_name"]) for e in log] == [
        ("A", "deletion", "deleted.csv", "mali.csv"), ("C", "deletion", "deleted.csv", "mali.csv"),
        ("D", "deletion", "deleted.csv", "mali.csv")]
    assert all(e["removed_at"] for e in log)


def test_a_deletion_holds_back_older_rows_but_not_a_newer_revision(tmp_path):
    store = IncidentStore(tmp_path)
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


def test_a_later_deletion_of_the_same_id_supersedes_the_earlier(tmp_path):
    store = IncidentStore(tmp_path)
    store.apply_deletions(deletions(("A", 2000)), "first.csv")
    store.apply_deletions(deletions(("A", 1000), ("A", 3000)), "second.csv")
    row = store.load_tombstones().set_index("event_id").loc["A"]
    assert (row["deleted_timestamp"], row["file"]) == (3000, "second.csv")


def test_add_import_tags_rows_and_registers_the_dataset(tmp_path):
    store = IncidentStore(tmp_path)
    result = import_result("mali.csv", {"event_id": "A"}, {"event_id": "B"}, rows_read=3)
    assert store.add_import(result).dataset == "mali.csv"
    assert store.add_import(import_result("niger.csv", {"event_id": "N"}),
                            name="  Niger 2024 ").dataset == "Niger 2024"
    loaded = store.load().set_index("event_id")["dataset_name"].to_dict()
    assert loaded == {"A": "mali.csv", "B": "mali.csv", "N": "Niger 2024"}
    entries = read_registry(tmp_path)
    assert [e["name"] for e in entries] == ["mali.csv", "Niger 2024"]
    first = entries[0]["files"][0]
    assert {k: first[k] for k in ("file", "format", "source_types", "read", "kept",
                                  "rejected")} == {
        "file": "mali.csv", "format": "acled", "source_types": ["acled"], "read": 3, "kept": 2,
        "rejected": 0}
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_second_import_of_the_same_file_updates_its_dataset(tmp_path):
    store = IncidentStore(tmp_path)
    store.add_import(import_result("mali.csv", {"event_id": "A"}))
    store.add_import(import_result("mali.csv", {"event_id": "A"}, {"event_id": "B"}))
    store.add_import(import_result("mali-2.csv", {"event_id": "C"}), name="mali.csv")
    (entry,) = read_registry(tmp_path)
    assert [(f["file"], f["kept"]) for f in entry["files"]] == [("mali.csv", 2),
                                                                ("mali-2.csv", 1)]


@pytest.mark.parametrize("name", ["demo: mine", "demo:x", "  "])
def test_an_import_cannot_take_a_demonstration_or_empty_name(tmp_path, name):
    with pytest.raises(DatasetError):
        IncidentStore(tmp_path).add_import(import_result("a.csv", {"event_id": "A"}), name=name)


def test_a_file_with_no_row_kept_is_no_dataset(tmp_path):
    store = IncidentStore(tmp_path)
    summary = store.add_import(import_result("broken.csv", rows_read=5))
    assert summary == AddSummary(0, 0, 0, dataset="broken.csv")
    assert read_registry(tmp_path) == [] and not store.path.exists()


def test_a_store_whose_parent_folder_is_missing_is_a_clear_error(tmp_path):
    store = IncidentStore(tmp_path / "no" / "such" / "store")
    with pytest.raises(StoreError, match="its parent folder does not exist"):
        store.add(incidents({"event_id": "A"}))
