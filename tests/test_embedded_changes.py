"""The embedded store says what a write changed (`IncidentStore.changes_since`, `write_log`).

Every write of the incidents file records what it touched in `incidents-writes.json`; a reader
follows the recorded writes from its mark and reads the file's last rows only. Checked here: on
seeded random sequences of writes, rows a few to a row group (the rows changed span several),
what a reader makes of the changes equals a full load, row for row, dtypes included; a replica
follows them without reading the store again. And every case the record cannot vouch for asks
for a reload, never a wrong view: no record (a write of an older version), a record that is
garbage, hostile, truncated or too large, a write recorded but never renamed into place (a
crash between the two renames) or renamed but not recorded, stats that repeat, rows a load
would skip, a mark of another store.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sahel.incidents import Replica
from sahel.schema import conform
from sahel.store import IncidentStore, Mark, is_in, write_log
from sahel.store import embedded as store_module
from sahel.store.interface import Changes


def incidents(*rows: dict) -> pd.DataFrame:
    base = {"event_date": "2024-03-01", "latitude": 14.5, "longitude": -4.2, "group1": "JNIM",
            "admin1": "Mopti", "iso3": "MLI", "fatalities": 1, "dataset": "acled",
            "dataset_name": "team", "timestamp": 1000}
    return conform(pd.DataFrame([{**base, **row} for row in rows]))


def deletions(*ids: str, timestamp: int = 5000) -> pd.DataFrame:
    return pd.DataFrame({"event_id": list(ids),
                         "deleted_timestamp": pd.array([timestamp] * len(ids), dtype="Int64")})


def applied(held: pd.DataFrame, changes: Changes) -> pd.DataFrame:
    """Return what a reader holding `held` makes of `changes`: touched ids out, rows appended."""
    assert not changes.reload
    if changes.unchanged:
        return held
    assert changes.rows is not None
    kept = held.loc[~is_in(held["event_id"], pd.Index(changes.touched))]
    parts = [p for p in (kept, changes.rows) if len(p)]
    if not parts:
        return held.iloc[:0].reset_index(drop=True)
    return pd.concat(parts, ignore_index=True)


def assert_same(frame: pd.DataFrame, store: IncidentStore) -> None:
    pd.testing.assert_frame_equal(frame.reset_index(drop=True),
                                  store.load().reset_index(drop=True))


@pytest.fixture
def small_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    # A few rows a row group: the rows a write changed span several, and the first is not read.
    monkeypatch.setattr(store_module, "ROW_GROUP_ROWS", 3)


def random_write(store: IncidentStore, rng: np.random.Generator, step: int) -> None:
    """Write something at random: new rows, revisions, undated rows, deletions, a removal."""
    held = store.load_columns(["event_id", "dataset_name"])["event_id"].tolist()
    kind = rng.choice(["add", "add", "revise", "undated", "delete", "remove", "import"])
    if kind == "add" or not held:
        store.add(incidents(*({"event_id": f"N{step}-{k}", "fatalities": int(rng.integers(9)),
                               "dataset_name": str(rng.choice(["team", "other"])),
                               "notes": None if k % 2 else f"note {step}"}
                              for k in range(int(rng.integers(1, 8))))))
    elif kind == "revise":
        chosen = rng.choice(held, size=min(len(held), int(rng.integers(1, 4))), replace=False)
        store.add(incidents(*({"event_id": str(i), "fatalities": 40 + step,
                               "timestamp": 2000 + step} for i in chosen),
                            {"event_id": f"R{step}"}))
    elif kind == "undated":
        store.add(incidents({"event_id": f"U{step % 3}", "timestamp": None,
                             "notes": f"undated {step}"}))
    elif kind == "delete":
        chosen = rng.choice(held, size=min(len(held), int(rng.integers(1, 3))), replace=False)
        store.apply_deletions(deletions(*map(str, chosen), "NOT-HELD",
                                        timestamp=10_000 + step), "deleted.csv")
    elif kind == "remove":
        store.remove_dataset_rows(str(rng.choice(["team", "other"])))
    else:
        from sahel.sources import ImportResult

        frame = incidents({"event_id": f"I{step}"}, {"event_id": f"J{step}", "fatalities": 3})
        store.add_import(ImportResult(source_name="imp.csv", format="canonical",
                                      container="csv", rows_read=2, incidents=frame,
                                      rejected=pd.DataFrame({"row": [], "reason": []}),
                                      unknown_actors={}), "imp")


@pytest.mark.parametrize("seed", range(4))
def test_random_writes_followed_from_the_last_rows_equal_a_full_load(tmp_path, small_groups,
                                                                     seed):
    rng = np.random.default_rng(seed)
    held, mark = IncidentStore(tmp_path).load_marked()
    for step in range(8):
        # One to three writes between two reads: the recorded writes are followed in a chain.
        for k in range(int(rng.integers(1, 4))):
            random_write(IncidentStore(tmp_path), rng, 10 * step + k)
        reader = IncidentStore(tmp_path)
        changes = reader.changes_since(mark)
        assert not changes.reload, (seed, step)
        held = applied(held, changes)
        assert_same(held, reader)
        assert changes.mark.version == reader.version()
        mark = changes.mark
    assert reader.changes_since(mark) == Changes(mark)


def test_a_replica_follows_every_write_without_reading_the_store_again(tmp_path, small_groups):
    rng = np.random.default_rng(7)
    replica = Replica(IncidentStore(tmp_path))
    replica.loaded()
    for step in range(8):
        random_write(IncidentStore(tmp_path), rng, step)
        replica.refresh()
        fresh = IncidentStore(tmp_path)
        stored = fresh.load()
        held = replica.loaded().incidents
        pd.testing.assert_frame_equal(held.iloc[len(held) - len(stored):].reset_index(drop=True),
                                      stored.fillna({"dataset_name": "imported earlier"})
                                      .reset_index(drop=True))
    assert replica.full_loads == 1 and replica.updates >= 6


def test_the_rows_changed_are_the_stored_rows_of_the_ids_touched(tmp_path):
    store = IncidentStore(tmp_path)
    store.add(incidents({"event_id": "A"}, {"event_id": "B"}, {"event_id": "C"}))
    _, mark = store.load_marked()
    store.add(incidents({"event_id": "B", "fatalities": 9, "timestamp": 2000},
                        {"event_id": "D"}, {"event_id": "A"}))  # A: the same row, not written
    store.apply_deletions(deletions("C"), "deleted.csv")
    changes = store.changes_since(mark)
    assert set(changes.touched) == {"B", "C", "D"} and changes.report is not None
    loaded = store.load()
    pd.testing.assert_frame_equal(changes.rows.reset_index(drop=True),
                                  loaded.loc[loaded["event_id"].isin(["B", "D"])]
                                  .reset_index(drop=True))


def test_a_mark_taken_before_a_write_landed_mid_read_still_ends_right(tmp_path):
    store = IncidentStore(tmp_path)
    store.add(incidents({"event_id": "A"}, {"event_id": "B"}))
    _, mark = store.load_marked()  # its version is the file before the write below
    store.add(incidents({"event_id": "A", "fatalities": 5, "timestamp": 2000},
                        {"event_id": "C"}))
    newer = store.load()  # what was read: the file after it
    changes = store.changes_since(mark)
    assert_same(applied(newer, changes), store)


def test_links_written_alone_change_the_version_and_nothing_else(tmp_path):
    from sahel.store.link_rows import empty_links

    store = IncidentStore(tmp_path)
    store.add(incidents({"event_id": "A"}))
    replica = Replica(IncidentStore(tmp_path))
    first = replica.loaded()
    _, mark = store.load_marked()
    store.save_links(empty_links(), None)
    changes = store.changes_since(mark)
    assert changes.unchanged and changes.mark.version == store.version() != mark.version
    # As with PostgreSQL: nothing read again, the version the page keys its views by moves on.
    assert replica.refresh() is False
    assert replica.version == store.version() and replica.loaded() is first
    assert replica.full_loads == 1
    # Rows then links, read once both are written: the rows, at the version of both.
    store.add(incidents({"event_id": "B"}))
    store.save_links(empty_links(), None)
    assert replica.refresh() is True
    assert replica.version == store.version() and replica.updates == 1
    assert_same(replica.loaded().incidents.iloc[-2:], store)


def test_the_first_write_into_an_empty_store_is_followed(tmp_path):
    store = IncidentStore(tmp_path)
    held, mark = store.load_marked()
    assert mark == Mark(None, None)
    store.add(incidents({"event_id": "A"}, {"event_id": "B"}))
    changes = store.changes_since(mark)
    assert_same(applied(held, changes), store)


def test_deletions_only_append_nothing(tmp_path):
    store = IncidentStore(tmp_path)
    store.add(incidents({"event_id": "A"}, {"event_id": "B"}))
    held, mark = store.load_marked()
    store.apply_deletions(deletions("A"), "deleted.csv")
    changes = store.changes_since(mark)
    assert changes.touched == ("A",) and changes.rows is not None and changes.rows.empty
    assert_same(applied(held, changes), store)


# What the record cannot vouch for: a reload, never a wrong view.
def written_store(tmp_path: Path) -> tuple[IncidentStore, pd.DataFrame, Mark]:
    """Return a store with rows, what a reader holds and its mark."""
    store = IncidentStore(tmp_path)
    store.add(incidents({"event_id": "A"}, {"event_id": "B"}))
    held, mark = store.load_marked()
    return store, held, mark


def log_path(store: IncidentStore) -> Path:
    return store.directory / write_log.WRITES_FILE


def write_unrecorded(store: IncidentStore, frame: pd.DataFrame) -> None:
    """Replace the incidents file as a version of this code before the record did."""
    temporary = store.directory / ".incidents-old-writer.tmp"
    store_module.write_geoparquet(frame, str(temporary))
    os.replace(temporary, store.path)


def assert_follows_once_read_again(store: IncidentStore) -> None:
    """Assert that a reader that has read the store again follows the next write."""
    reread, mark = store.load_marked()
    store.add(incidents({"event_id": "NEXT"}))
    assert_same(applied(reread, store.changes_since(mark)), store)


def test_a_write_of_an_older_version_without_a_record_asks_for_a_reload(tmp_path):
    store, held, mark = written_store(tmp_path)
    write_unrecorded(store, pd.concat([held, incidents({"event_id": "C"})], ignore_index=True))
    assert store.changes_since(mark).reload
    # Its write breaks the chain for later writes too, until the reader has read again.
    store.add(incidents({"event_id": "D"}))
    assert store.changes_since(mark).reload
    assert_follows_once_read_again(store)


def test_no_record_at_all_asks_for_a_reload(tmp_path):
    store, held, mark = written_store(tmp_path)
    store.add(incidents({"event_id": "C"}))
    log_path(store).unlink()
    assert store.changes_since(mark).reload
    # The file of the mark, no record: unchanged, as before there were records.
    assert IncidentStore(tmp_path).changes_since(store.load_marked()[1]).unchanged


GARBAGE = [
    b"",
    b"\x00\xff not json",
    b'{"format": "sahel-incident-writes/1", "writes": [{"id": "x", "bef',  # cut short
    b"[1, 2, 3]",
    b'{"format": "another/9", "writes": []}',
    b"[" * 100_000 + b"]" * 100_000,  # nested too deep for the parser
]


def hostile_logs(valid: dict) -> list[dict]:
    """Return the valid log with one field at a time made wrong."""
    last = valid["writes"][-1]
    wrong = [
        {"id": 7}, {"id": ""}, {"rows": -1}, {"rows": True}, {"rows": "2"}, {"appended": 99},
        {"touched": "AB"}, {"touched": [1, 2]}, {"touched": ["A", "A"]}, {"after": [1, 2]},
        {"after": [1.5, 2, 3]}, {"after": [-1, 2, 3]}, {"before": last["after"]},
        {"after": [2**70, 1, 1]},
    ]
    logs = [{**valid, "writes": [*valid["writes"][:-1], {**last, **w}]} for w in wrong]
    logs.append({**valid, "writes": [*valid["writes"], valid["writes"][-1]]})  # an id twice
    logs.append({**valid, "writes": [{k: v for k, v in last.items() if k != "rows"}]})
    return logs


def test_a_record_that_is_garbage_or_hostile_asks_for_a_reload(tmp_path):
    store, held, mark = written_store(tmp_path)
    store.add(incidents({"event_id": "B", "fatalities": 4, "timestamp": 2000},
                        {"event_id": "C"}))
    valid = json.loads(log_path(store).read_bytes())
    assert not store.changes_since(mark).reload
    for text in [*GARBAGE, *(json.dumps(log).encode() for log in hostile_logs(valid))]:
        log_path(store).write_bytes(text)
        assert store.changes_since(mark).reload, text[:200]
    log_path(store).write_bytes(b" " * (write_log.LOG_MOST_BYTES + 1))
    assert store.changes_since(mark).reload
    # A record that is not a regular file.
    log_path(store).unlink()
    log_path(store).mkdir()
    assert store.changes_since(mark).reload
    log_path(store).rmdir()
    # The next write starts a record anew: a reader that read meanwhile reads again once,
    # then follows.
    log_path(store).write_bytes(b"garbage")
    _, mark = store.load_marked()
    store.add(incidents({"event_id": "D"}))
    assert store.changes_since(mark).reload
    assert_follows_once_read_again(store)


def test_a_record_the_file_contradicts_asks_for_a_reload(tmp_path):
    # Checked against the file: its stat, its row count, the ids of its last rows. (A record
    # made to lie consistently is not caught: whoever can write it can write the file too.)
    store, held, mark = written_store(tmp_path)
    store.add(incidents({"event_id": "C"}, {"event_id": "D"}))
    valid = json.loads(log_path(store).read_bytes())
    last = valid["writes"][-1]
    for lie in ({"touched": ["D", "C"]}, {"touched": ["C", "D", "E"], "appended": 3},
                {"rows": last["rows"] + 1}, {"touched": ["X", "D"]},
                {"touched": ["A", "B", "C", "D", "E"], "appended": 5, "rows": 5}):
        log_path(store).write_text(json.dumps({**valid, "writes": [
            *valid["writes"][:-1], {**last, **lie}]}))
        assert store.changes_since(mark).reload, lie


def test_a_crash_between_the_two_renames_is_never_followed(tmp_path, monkeypatch):
    store, held, mark = written_store(tmp_path)
    real_replace = os.replace

    def crash(source, target):
        if Path(target) == store.path:
            raise OSError("power cut")
        real_replace(source, target)

    monkeypatch.setattr(store_module.os, "replace", crash)
    with pytest.raises(OSError, match="power cut"):
        store.add(incidents({"event_id": "C"}))
    monkeypatch.setattr(store_module.os, "replace", real_replace)
    # Recorded, never renamed into place: the file is the mark's.
    assert len(json.loads(log_path(store).read_bytes())["writes"]) == 2
    assert store.changes_since(mark) == Changes(mark)
    store.add(incidents({"event_id": "D"}))
    changes = store.changes_since(mark)
    assert changes.touched == ("D",)
    assert_same(applied(held, changes), store)


def test_a_write_renamed_but_not_recorded_asks_for_a_reload(tmp_path, monkeypatch):
    store, held, mark = written_store(tmp_path)
    real_replace = store._replace

    def no_record(target, write, before_rename=None):
        if target.name == write_log.WRITES_FILE:
            raise OSError("disk full")
        real_replace(target, write, before_rename)

    monkeypatch.setattr(store, "_replace", no_record)
    store.add(incidents({"event_id": "C"}))  # the write itself succeeds
    monkeypatch.undo()
    assert store.changes_since(mark).reload
    assert store.load()["event_id"].tolist() == ["A", "B", "C"]


def test_stats_that_repeat_are_followed_by_the_record_not_taken_as_unchanged(tmp_path):
    store, held, mark = written_store(tmp_path)
    store.add(incidents({"event_id": "C"}))
    now = store.version()
    # Writes whose last stat repeats an earlier one's (the same mtime, size and a reused
    # inode): a mark at the first sees the file's version as its own.
    log = json.loads(log_path(store).read_bytes())
    first, last = log["writes"]
    between = {**last, "id": "between", "before": last["after"], "after": [1, 2, 3],
               "touched": [], "appended": 0}
    log["writes"] = [{**first, "after": last["after"]}, between, {**last, "before": [1, 2, 3]}]
    log_path(store).write_text(json.dumps(log))
    changes = store.changes_since(Mark(now, first["id"]))
    assert not changes.unchanged and changes.touched == ("C",)
    log_path(store).write_text(json.dumps({**log, "writes": log["writes"][:1]}))
    assert store.changes_since(Mark(now, first["id"])) == Changes(Mark(now, first["id"]))
    # A recorded write that left the stat as it was says nothing: the whole record is refused.
    log = json.loads(log_path(store).read_bytes())
    log["writes"][-1]["before"] = log["writes"][-1]["after"]
    log_path(store).write_text(json.dumps(log))
    assert store.changes_since(mark).reload


def test_rows_a_load_would_skip_ask_for_a_reload(tmp_path):
    store, held, mark = written_store(tmp_path)
    bad = incidents({"event_id": "C"})
    bad["latitude"] = 200.0  # outside ±90: a load skips it and says so
    with store._locked():
        store._write(pd.concat([held, bad], ignore_index=True), bad["event_id"], 1)
    assert store.changes_since(mark).reload
    replica = Replica(IncidentStore(tmp_path))
    assert len(replica.loaded().report) == 1


def test_a_write_of_too_many_ids_asks_for_a_reload(tmp_path, monkeypatch):
    store, held, mark = written_store(tmp_path)
    monkeypatch.setattr(write_log, "TOUCHED_MOST", 2)
    store.add(incidents(*({"event_id": f"M{k}"} for k in range(3))))
    assert json.loads(log_path(store).read_bytes())["writes"][-1]["touched"] is None
    assert store.changes_since(mark).reload


def test_the_record_keeps_the_last_writes_only(tmp_path, monkeypatch):
    store, held, mark = written_store(tmp_path)
    monkeypatch.setattr(write_log, "WRITES_KEPT", 3)
    for k in range(3):
        store.add(incidents({"event_id": f"K{k}"}, {"event_id": f"L{k}"}))
    writes = json.loads(log_path(store).read_bytes())["writes"]
    assert [w["touched"] for w in writes] == [["K0", "L0"], ["K1", "L1"], ["K2", "L2"]]
    monkeypatch.setattr(write_log, "IDS_KEPT", 4)
    store.add(incidents({"event_id": "K3"}))
    writes = json.loads(log_path(store).read_bytes())["writes"]
    assert [w["touched"] for w in writes] == [["K2", "L2"], ["K3"]]  # 3 ids; with K1's, 5
    assert store.changes_since(mark).reload  # the mark's write is forgotten
    assert_follows_once_read_again(store)


@pytest.mark.parametrize("mark", [Mark(3, 7), Mark((1, 2, 3), 5), Mark(("a",), "x"),
                                  Mark((1, 2, 3, 4, 5, 6), None)])
def test_a_mark_the_store_cannot_have_given_asks_for_a_reload(tmp_path, mark):
    store, _, _ = written_store(tmp_path)
    assert store.changes_since(mark).reload


def test_a_mark_of_no_file_follows_every_write_since_the_file_was_made(tmp_path):
    store, _, _ = written_store(tmp_path)
    store.add(incidents({"event_id": "C"}))
    changes = store.changes_since(Mark(None, None))
    assert_same(applied(store.load().iloc[:0], changes), store)
