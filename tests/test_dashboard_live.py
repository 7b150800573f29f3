"""Replicas that agree: a dashboard follows writes made elsewhere, reading only what changed.

On both stores (`new_store`): the incidents a replica holds after each write equal a full reload
(table-driven and Hypothesis); an unchanged version reads nothing; a write by another process
shows up after the refresh, and in the page; the session's watcher (dashboard_live) reruns the
page only when the version changed. PostgreSQL restarted under a running dashboard: a sentence,
never a traceback, and the page recovers by itself (a cluster of its own, stopped and started).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

import dashboard_cache
import dashboard_live
from sahel import PROJECT_ROOT
from sahel.incidents import (
    MOST_CHUNKS,
    LoadedIncidents,
    Replica,
    combine,
    compact,
    load_incidents_checked,
    load_shipped,
    load_shipped_checked,
)
from sahel.schema import conform
from sahel.sources import ImportResult
from sahel.store import DATABASE_ENV, STORE_ENV, Mark, Store, StoreError, open_store

APP = str(PROJECT_ROOT / "dashboard.py")
SHIPPED_ID = str(load_shipped()["event_id"].iloc[0])


@pytest.fixture(autouse=True)
def _nothing_held(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Every check reads the version anew (a process shares one read for half a second).
    monkeypatch.setattr(dashboard_cache, "VERSION_MAX_AGE_S", 0)
    dashboard_cache.forget()
    yield
    dashboard_cache.forget()


def incidents(*rows: dict) -> pd.DataFrame:
    base = {"event_date": "2023-11-24", "latitude": 15.9322, "longitude": -3.9906,
            "group1": "JNIM", "admin1": "Tombouctou", "fatalities": 1, "dataset": "acled",
            "dataset_name": "one", "timestamp": 1000}
    return conform(pd.DataFrame([{**base, **row} for row in rows]))


def imported(name: str, *rows: dict) -> ImportResult:
    frame = incidents(*rows)
    return ImportResult(source_name=name, format="canonical", container="csv",
                        rows_read=len(frame), incidents=frame,
                        rejected=pd.DataFrame({"row": [], "reason": []}), unknown_actors={})


def deletions(*pairs: tuple[str, int]) -> pd.DataFrame:
    return pd.DataFrame({"event_id": [p[0] for p in pairs],
                         "deleted_timestamp": pd.array([p[1] for p in pairs], dtype="Int64")})


# Each write, then what a replica must hold: exactly what a full reload gives.
WRITES: list[tuple[str, Callable[[Store], object]]] = [
    ("new rows", lambda s: s.add(incidents({"event_id": "A"}, {"event_id": "B"},
                                            {"event_id": "C", "dataset_name": None}))),
    ("a revision and a new row", lambda s: s.add(incidents(
        {"event_id": "B", "fatalities": 7, "timestamp": 2000}, {"event_id": "D"}))),
    ("an older revision: nothing written", lambda s: s.add(incidents(
        {"event_id": "B", "fatalities": 9, "timestamp": 1500}))),
    ("undated rows whose content changed", lambda s: s.add(incidents(
        {"event_id": "U", "timestamp": None}))),
    ("undated again, other notes", lambda s: s.add(incidents(
        {"event_id": "U", "timestamp": None, "notes": "revised"}))),
    ("a shipped incident revised", lambda s: s.add(incidents(
        {"event_id": SHIPPED_ID, "fatalities": 99, "timestamp": 2_000_000_000,
         "dataset_name": "two"}))),
    ("deletions (the shipped one comes back)", lambda s: s.apply_deletions(
        deletions(("A", 5000), (SHIPPED_ID, 2_100_000_000), ("NOPE", 1)), "deleted.csv")),
    ("a deleted id revised after its deletion", lambda s: s.add(incidents(
        {"event_id": "A", "timestamp": 6000, "notes": "back"}))),
    ("an import", lambda s: s.add_import(imported("imp.csv", {"event_id": "E"},
                                                  {"event_id": "F"}), "imp")),
    ("the same import again: the registry only", lambda s: s.add_import(
        imported("imp.csv", {"event_id": "E"}, {"event_id": "F"}), "imp")),
    ("a dataset removed", lambda s: s.remove_dataset_rows("imp")),
    ("rows of older versions removed", lambda s: s.remove_dataset_rows(
        "imported earlier", match_unnamed=True)),
]


def assert_same_as_a_reload(replica: Replica, store: Store, quick: bool = False) -> None:
    """Assert that the replica holds what a full load by a new process gives (`quick`: with the
    shipped files read once, not again: they take 0.25 s)."""
    held = replica.loaded()
    if quick:
        fresh = combine(shipped(), store.load(), store.last_report)
    else:
        fresh = load_incidents_checked(store)
    pd.testing.assert_frame_equal(held.incidents, fresh.incidents)
    assert held.report == fresh.report


@functools.cache
def shipped() -> LoadedIncidents:
    return load_shipped_checked()


def test_every_write_is_applied_as_a_full_reload_would_read_it(new_store):
    replica = Replica(new_store())
    replica.loaded()
    for label, write in WRITES:
        before = replica.loaded().incidents
        write(new_store())  # another process's store object
        changed = replica.refresh()
        assert replica.version == new_store().version(), label
        assert (replica.loaded().incidents is not before) == changed, label
        assert_same_as_a_reload(replica, new_store(), quick=True)
    assert_same_as_a_reload(replica, new_store())
    assert most_chunks(replica.loaded().incidents) <= MOST_CHUNKS  # kept compact for filters
    # The store was read once; every later write was applied from what it changed (PostgreSQL:
    # the history; embedded: its record of writes and the file's last rows).
    assert replica.full_loads == 1 and replica.updates >= 8


def most_chunks(frame: pd.DataFrame) -> int:
    """Return the most Arrow chunks any text column of `frame` is in."""
    return max(frame[c].array.__arrow_array__().num_chunks for c in frame.columns
               if isinstance(frame[c].array, pd.arrays.ArrowStringArray))


def test_compact_combines_text_columns_in_chunks_and_changes_no_value():
    parts = [incidents({"event_id": f"X{k}", "notes": None if k % 2 else f"n{k}"})
             for k in range(12)]
    joined = pd.concat(parts, ignore_index=True)
    assert most_chunks(joined) == 12
    assert compact(joined, 20) is joined
    compacted = compact(joined)
    assert most_chunks(compacted) == 1
    pd.testing.assert_frame_equal(compacted, joined)


IDS = st.sampled_from(["A", "B", "C", SHIPPED_ID])
ROW = st.fixed_dictionaries({
    "event_id": IDS, "timestamp": st.one_of(st.none(), st.integers(1, 9)),
    "fatalities": st.integers(0, 3), "dataset_name": st.sampled_from(["one", "two", None])})
WRITE = st.one_of(
    st.tuples(st.just("add"), st.lists(ROW, min_size=1, max_size=4)),
    st.tuples(st.just("delete"), st.lists(st.tuples(IDS, st.integers(1, 9)), min_size=1,
                                          max_size=3)),
    st.tuples(st.just("remove"), st.sampled_from(["one", "two"])))


def apply(store: Store, write: tuple) -> None:
    kind, what = write
    if kind == "add":
        store.add(incidents(*what))
    elif kind == "delete":
        store.apply_deletions(deletions(*what), "deleted.csv")
    else:
        store.remove_dataset_rows(what)


@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(writes=st.lists(WRITE, min_size=1, max_size=4))
def test_any_writes_applied_one_by_one_equal_a_full_reload(new_store, writes):
    # Each example goes on from the store the last one left: any content is a start.
    replica = Replica(new_store())
    replica.loaded()
    for write in writes:
        apply(new_store(), write)
        replica.refresh()
        assert_same_as_a_reload(replica, new_store(), quick=True)


def test_an_unchanged_store_is_not_read_again(new_store):
    store = new_store()
    store.add(incidents({"event_id": "A"}))
    replica = Replica(store)
    first = replica.loaded()
    with mock.patch.object(Replica, "_reload") as reloaded:
        assert replica.refresh() is False
    assert not reloaded.called and replica.loaded() is first
    changes = store.changes_since(Mark(store.version(), replica._mark.position))
    assert changes.unchanged and changes.rows is None


def test_the_dashboard_cache_reads_nothing_while_the_version_is_the_same(new_store, tmp_path,
                                                                           monkeypatch):
    use_store(new_store(), tmp_path, monkeypatch)
    new_store().add(incidents({"event_id": "A"}))
    store_dir = str(tmp_path)
    frame = dashboard_cache.incidents_frame(store_dir)
    held = dashboard_cache.replica(store_dir)
    with mock.patch.object(held.store, "changes_since") as asked, \
            mock.patch.object(Replica, "_reload") as reloaded:
        for _ in range(3):
            assert dashboard_cache.refresh_if_changed(store_dir) is False
    assert not asked.called and not reloaded.called
    assert dashboard_cache.incidents_frame(store_dir) is frame


def use_store(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the configuration (what a dashboard and the CLI read) at `store`."""
    monkeypatch.setenv(STORE_ENV, str(tmp_path))
    url = getattr(store, "url", None)
    if url:
        monkeypatch.setenv(DATABASE_ENV, url)


def test_a_write_by_another_process_shows_after_the_refresh(new_store, tmp_path, monkeypatch):
    use_store(new_store(), tmp_path, monkeypatch)
    new_store().add(incidents({"event_id": "A"}))
    store_dir = str(tmp_path)
    assert "CLI1" not in set(dashboard_cache.incidents_frame(store_dir)["event_id"])
    path = tmp_path / "more.csv"
    path.write_text("event_id,event_date,latitude,longitude,actor1\n"
                    "CLI1,2023-11-25,14.5,-4.2,JNIM\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "sahel", "import", str(path)],
                          capture_output=True, text=True, cwd=PROJECT_ROOT, env=os.environ,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert dashboard_cache.refresh_if_changed(store_dir) is True
    assert "CLI1" in set(dashboard_cache.incidents_frame(store_dir)["event_id"])
    assert dashboard_cache.held_version(store_dir) == new_store().version()


def metric(at: AppTest, label: str) -> int:
    found = next(m.value for m in at.metric if m.label == label)
    return int(str(found).replace(",", ""))


def open_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.run()  # the map has painted: the whole page
    assert not at.exception, at.exception
    return at


def test_the_page_shows_another_store_objects_write_on_its_next_run(new_store, tmp_path,
                                                                    monkeypatch):
    use_store(new_store(), tmp_path, monkeypatch)
    new_store().add(incidents({"event_id": "A"}, {"event_id": "B"}))
    at = open_page()
    assert metric(at, "Incidents") == 2
    drawn = at.session_state[dashboard_live.DRAWN_KEY]
    assert drawn == new_store().version()
    new_store().add(incidents({"event_id": "C"}))  # another replica's upload
    at.run()
    assert not at.exception and metric(at, "Incidents") == 3
    assert at.session_state[dashboard_live.DRAWN_KEY] == new_store().version() != drawn


class FakeStreamlit(SimpleNamespace):
    """What watch_store uses of streamlit: session_state, warning and rerun."""


def watch(state: dict, store_dir: str) -> FakeStreamlit:
    fake = FakeStreamlit(session_state=state, warning=mock.Mock(), rerun=mock.Mock())
    with mock.patch.object(dashboard_live, "st", fake):
        dashboard_live.watch_store.__wrapped__(store_dir)
    return fake


def test_the_watcher_reruns_the_page_only_when_the_version_changed(new_store, tmp_path,
                                                                   monkeypatch):
    use_store(new_store(), tmp_path, monkeypatch)
    store_dir = str(tmp_path)
    new_store().add(incidents({"event_id": "A"}))
    dashboard_cache.incidents_frame(store_dir)
    state = {dashboard_live.DRAWN_KEY: dashboard_live.drawn_version(store_dir)}
    for _ in range(3):  # unchanged: no rerun, nothing read
        assert not watch(state, store_dir).rerun.called
    new_store().add(incidents({"event_id": "B"}))
    assert watch(state, store_dir).rerun.called
    # Within a whole run the page is being drawn anyway: no rerun from there.
    state[dashboard_live.WHOLE_RUN_KEY] = True
    assert not watch(state, store_dir).rerun.called


@pytest.mark.parametrize("configured, seconds", [
    ("", 2.0), ("5", 5.0), ("0.1", 0.5), ("soon", 2.0), ("nan", 2.0), ("-3", 0.5)])
def test_refresh_seconds_follow_the_environment(monkeypatch, configured, seconds):
    monkeypatch.setenv(dashboard_live.REFRESH_ENV, configured)
    assert dashboard_live.refresh_seconds() == seconds


# PostgreSQL restarted under a running dashboard: a cluster of this test's own.

@pytest.fixture
def own_cluster() -> Iterator[SimpleNamespace]:
    import psycopg

    from sahel.store import migrate
    from sahel.store.local_cluster import (
        THROWAWAY_SETTINGS,
        ClusterUnavailable,
        start_cluster,
    )

    # In /tmp itself, as throwaway_cluster does: as root the server runs as `postgres`, which
    # cannot enter pytest's own temporary folders.
    folder = Path(tempfile.mkdtemp(prefix="sahel-pg-restart-"))
    try:
        cluster = start_cluster(folder, settings=THROWAWAY_SETTINGS)
    except ClusterUnavailable as error:
        shutil.rmtree(folder, ignore_errors=True)
        if os.environ.get("SAHEL_REQUIRE_POSTGRES") == "1":
            pytest.fail(str(error))
        pytest.skip(str(error))
    running = SimpleNamespace(cluster=cluster, up=True, url=cluster.url("restarted"))

    def restart() -> None:
        start_cluster(folder, port=cluster.port, settings=THROWAWAY_SETTINGS)
        running.up = True

    def stop() -> None:
        cluster.stop()
        running.up = False

    running.restart, running.stop = restart, stop
    try:
        with psycopg.connect(cluster.url(), autocommit=True) as connection:
            connection.execute("CREATE DATABASE restarted")
        migrate.upgrade(running.url)
        yield running
    finally:
        if running.up:
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


def test_a_dashboard_outlives_a_postgresql_restart(own_cluster, tmp_path, monkeypatch):
    from sahel.store.postgres import PostgresStore

    monkeypatch.setenv(STORE_ENV, str(tmp_path))
    monkeypatch.setenv(DATABASE_ENV, own_cluster.url)
    store = PostgresStore(own_cluster.url, user="tester")
    store.add(incidents({"event_id": "A"}, {"event_id": "B"}))
    at = open_page()
    assert metric(at, "Incidents") == 2 and not at.warning

    own_cluster.stop()
    at.run()  # the page keeps what it shows and says why it may be old
    assert not at.exception, at.exception
    assert metric(at, "Incidents") == 2
    (warning,) = [w.value for w in at.warning if "cannot be reached" in w.value]
    assert "Traceback" not in warning and "tries again every 2 s" in warning
    with pytest.raises(StoreError):
        open_store().version()
    # A dashboard process started while the database is down: one sentence, no traceback.
    dashboard_cache.forget()
    down = AppTest.from_file(APP, default_timeout=60).run()
    assert not down.exception, down.exception
    assert any("could not be loaded" in e.value for e in down.error)

    own_cluster.restart()
    store.add(incidents({"event_id": "C"}))  # written once the server is back
    at.run()
    assert not at.exception and metric(at, "Incidents") == 3
    assert not [w for w in at.warning if "cannot be reached" in w.value]
    down.run()
    down.run()
    assert not down.exception and not down.error and metric(down, "Incidents") == 3


def test_the_watcher_says_the_store_is_out_of_reach_and_reruns_once_it_is_back(
        own_cluster, tmp_path, monkeypatch):
    monkeypatch.setenv(STORE_ENV, str(tmp_path))
    monkeypatch.setenv(DATABASE_ENV, own_cluster.url)
    store_dir = str(tmp_path)
    open_store(store_dir).add(incidents({"event_id": "A"}))
    dashboard_cache.incidents_frame(store_dir)
    state = {dashboard_live.DRAWN_KEY: dashboard_live.drawn_version(store_dir)}
    own_cluster.stop()
    seen = watch(state, store_dir)
    assert seen.warning.called and not seen.rerun.called
    (sentence,) = seen.warning.call_args.args
    assert sentence.startswith("The incidents' store cannot be reached: cannot reach the "
                               "database postgresql://")
    own_cluster.restart()
    seen = watch(state, store_dir)  # back, unchanged: the warning goes, no rerun
    assert not seen.warning.called and not seen.rerun.called
