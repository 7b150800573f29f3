import pandas as pd
import pytest

from sahel import store as store_module
from sahel.schema import conform
from sahel.store import AddSummary, IncidentStore, default_store_dir


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
