"""The PostgreSQL store's own promises (schema by migrations, PostGIS points, transactions,
history, one-sentence errors, the `db` and `history` commands), and writers at once on both
backends. The promises both backends share are in test_store.py."""

import multiprocessing

import pandas as pd
import psycopg
import pytest

from sahel.__main__ import main
from sahel.schema import COLUMNS, conform
from sahel.sources import ImportResult
from sahel.store import DATABASE_ENV, IncidentStore, Store, StoreError, migrate, open_store
from sahel.store.local_cluster import free_port
from sahel.store.postgres import PostgresStore

SQL_TYPES = {"str": "text", "datetime64[ns]": "timestamp without time zone",
             "Int8": "smallint", "Int64": "bigint", "float64": "double precision"}


def incidents(*rows: dict):
    base = {"event_date": "2023-11-24", "latitude": 15.9322, "longitude": -3.9906,
            "group1": "JNIM", "admin1": "Tombouctou", "fatalities": 12, "dataset": "acled"}
    return conform(pd.DataFrame([{**base, **row} for row in rows]))


def import_result(name: str, frame) -> ImportResult:
    return ImportResult(source_name=name, format="acled", container="csv", rows_read=len(frame),
                        incidents=frame, rejected=pd.DataFrame({"row": [], "reason": []}),
                        unknown_actors={})


def query(url: str, sql: str, *parameters) -> list[tuple]:
    with psycopg.connect(url) as connection:
        return connection.execute(sql, parameters).fetchall()


def new_database(cluster, name: str) -> str:
    with psycopg.connect(cluster.url(), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.execute(f"CREATE DATABASE {name}")
    return cluster.url(name)


@pytest.mark.parametrize("table, more", [
    ("incidents", {"geom", "written"}),
    ("incident_history", {"id", "action", "changed_at", "changed_by", "changed_from",
                          "into_dataset", "revision"})])
def test_the_migrated_tables_have_every_schema_column_with_its_type(postgres_url, table, more):
    # A column added to sahel/schema.py fails here until a migration adds it to both tables.
    found = dict(query(postgres_url, "SELECT column_name, data_type FROM "
                                     "information_schema.columns WHERE table_name = %s", table))
    assert {c.name: found.get(c.name) for c in COLUMNS} == {
        c.name: SQL_TYPES[c.dtype] for c in COLUMNS}
    assert set(found) - {c.name for c in COLUMNS} == more


def test_the_filters_have_their_indexes_and_the_point_a_gist_one(postgres_url):
    definitions = [d for (d,) in query(postgres_url, "SELECT indexdef FROM pg_indexes "
                                                     "WHERE tablename = 'incidents'")]
    for column in ("event_date", "group1", "group2", "admin1", "dataset_name"):
        assert any(d.endswith(f"btree ({column})") for d in definitions), column
    assert any(d.endswith("USING gist (geom)") for d in definitions)


def test_points_are_postgis_geometries_in_wgs84(postgres_url):
    PostgresStore(postgres_url).add(incidents({"event_id": "A"},
                                              {"event_id": "B", "latitude": 14.35,
                                               "longitude": -3.61}))
    (point,) = query(postgres_url, "SELECT ST_SRID(geom), ST_X(geom), ST_Y(geom) "
                                   "FROM incidents WHERE event_id = 'A'")
    assert point == (4326, -3.9906, 15.9322)
    near = query(postgres_url, "SELECT event_id FROM incidents WHERE ST_DWithin(geom::geography, "
                               "ST_SetSRID(ST_MakePoint(-3.99, 15.93), 4326)::geography, 5000)")
    assert near == [("A",)]


def test_a_write_that_fails_midway_changes_nothing(postgres_url, monkeypatch):
    store = PostgresStore(postgres_url)
    before = incidents({"event_id": "A"})
    store.add(before)
    version = store.version()
    merge = PostgresStore._merge_in

    def crash(self, *arguments, **options):
        merge(self, *arguments, **options)
        raise OSError("disk full")

    monkeypatch.setattr(PostgresStore, "_merge_in", crash)
    with pytest.raises(OSError, match="disk full"):
        store.add_import(import_result("b.csv", incidents({"event_id": "A", "timestamp": 9},
                                                          {"event_id": "B"})))
    pd.testing.assert_frame_equal(store.load(), before)
    assert store.version() == version and store.registry() == []
    assert store.history("B").empty and store.history("A")["action"].tolist() == ["added"]


def test_history_records_who_when_from_which_file_and_the_row_before(postgres_url):
    PostgresStore(postgres_url, user="alice").add_import(
        import_result("mali.csv", incidents({"event_id": "A", "timestamp": 1000})))
    PostgresStore(postgres_url, user="bob").add_import(
        import_result("fix.csv", incidents({"event_id": "A", "fatalities": 5, "timestamp": 2000})))
    carol = PostgresStore(postgres_url, user="carol")
    carol.apply_deletions(pd.DataFrame({"event_id": ["A"],
                                        "deleted_timestamp": pd.array([3000], dtype="Int64")}),
                          "deleted.csv")
    history = carol.history(" A ")
    shown = ["action", "changed_by", "changed_from", "into_dataset", "revision"]
    assert history[shown].values.tolist() == [
        ["added", "alice", "mali.csv", "mali.csv", 1000],
        ["updated", "bob", "fix.csv", "fix.csv", 2000],
        ["deleted", "carol", "deleted.csv", "fix.csv", 2000]]
    assert history["previous"][0] is None
    assert (history["previous"][1]["fatalities"], history["previous"][2]["fatalities"]) == (12, 5)
    assert history["changed_at"].is_monotonic_increasing
    assert carol.load().empty  # the removal itself is the recorded act


def test_history_command_prints_each_write_and_what_it_changed(postgres_url, monkeypatch,
                                                                capsys):
    monkeypatch.setenv(DATABASE_ENV, postgres_url)
    monkeypatch.setenv("SAHEL_USER", "alice")
    open_store().add_import(import_result("mali.csv", incidents({"event_id": "A",
                                                                 "timestamp": 1000})))
    monkeypatch.setenv("SAHEL_USER", "bob")
    open_store().add_import(import_result("fix.csv", incidents(
        {"event_id": "A", "fatalities": 5, "notes": "Revised", "timestamp": 2000})))
    assert main(["history", "A"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" UTC · ")[1] for line in lines if " UTC · " in line] == [
        "added by alice · from mali.csv · revision 1000",
        "updated by bob · from fix.csv · revision 2000"]
    assert [line.strip() for line in lines if line.startswith("    ")] == [
        "fatalities: 12 → 5", "notes: (empty) → Revised", "dataset_name: mali.csv → fix.csv",
        "timestamp: 1000 → 2000"]
    assert main(["history", "NOPE"]) == 2
    assert "no recorded write of NOPE" in capsys.readouterr().err


def test_history_command_says_the_embedded_store_keeps_none(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path))
    assert main(["history", "A"]) == 2
    err = capsys.readouterr().err
    assert "embedded store keeps no history" in err and str(tmp_path / "removals.jsonl") in err


def test_db_upgrade_creates_the_schema_once_and_says_so(postgres_cluster, capsys):
    url = new_database(postgres_cluster, "sahel_upgrade")
    assert main(["db", "current", "--url", url]) == 0
    assert capsys.readouterr().out.startswith("schema revision none (not migrated)")
    with pytest.raises(StoreError, match="python -m sahel db upgrade"):
        PostgresStore(url).load()
    assert main(["db", "upgrade", "--url", url, "--sql"]) == 0
    assert "CREATE TABLE incidents" in capsys.readouterr().out
    assert main(["db", "upgrade", "--url", url]) == 0
    head = migrate.head_revision()
    assert capsys.readouterr().out == f"schema at revision {head} (was empty)\n"
    assert main(["db", "upgrade", "--url", url]) == 0
    assert capsys.readouterr().out == f"schema at revision {head}\n"
    assert PostgresStore(url).load().empty


def test_db_without_a_database_or_out_of_reach_is_one_sentence(capsys):
    assert main(["db", "upgrade"]) == 2
    assert capsys.readouterr().err == ("db: name the database: set SAHEL_DATABASE_URL or pass "
                                       "--url\n")
    nowhere = f"postgresql://sahel:secret@127.0.0.1:{free_port()}/none"
    assert main(["db", "upgrade", "--url", nowhere]) == 2
    err = capsys.readouterr().err
    assert err.startswith("db: cannot ") and "Connection refused" in err and err.count("\n") == 1
    with pytest.raises(StoreError, match=r"^cannot reach the database "
                                         r"postgresql://sahel@127\.0\.0\.1:\d+/none: "):
        PostgresStore(nowhere).load()
    assert "secret" not in PostgresStore(nowhere).location


def test_a_database_url_that_is_none_is_one_sentence():
    with pytest.raises(StoreError, match="^SAHEL_DATABASE_URL is not a PostgreSQL connection "
                                         "URL \\(invalid URI query parameter"):
        PostgresStore("postgresql://team@127.0.0.1/sahel?colour=blue").load()


def test_open_store_follows_sahel_database_url(tmp_path, monkeypatch):
    assert isinstance(open_store(tmp_path), IncidentStore)
    assert isinstance(open_store(tmp_path), Store)
    monkeypatch.setenv(DATABASE_ENV, "postgresql://team@db.example:5432/sahel")
    store = open_store(tmp_path)
    assert isinstance(store, PostgresStore) and isinstance(store, Store)
    assert store.location == "postgresql://team@db.example:5432/sahel"
    assert store.reports_dir == tmp_path / "rejects"


def test_a_stored_row_edited_by_hand_into_nonsense_is_skipped_and_reported(postgres_url):
    store = PostgresStore(postgres_url)
    store.add(incidents({"event_id": "A"}, {"event_id": "B"}))
    with psycopg.connect(postgres_url) as connection:
        connection.execute("UPDATE incidents SET claims = '{\"by\": \"x\"}' WHERE event_id = 'B'")
    assert store.load()["event_id"].tolist() == ["A"]
    assert store.last_report.message() == (
        "1 stored row was skipped (incidents table): claims is not a JSON list (1)")


def test_a_zero_character_becomes_a_replacement_character(postgres_url):
    store = PostgresStore(postgres_url)
    store.add(incidents({"event_id": "A", "notes": "before\x00after"}))
    assert store.load()["notes"].tolist() == ["before\ufffdafter"]


WRITERS = 4
SPAN = 60  # ids per file; each file shares half of its ids with the next


def writer_file(k: int):
    # File k carries ids k*30 .. k*30+59, revision 1000 + 10*k + id % 7: per id, the winner is
    # the file with the largest k that has it.
    ids = range(k * SPAN // 2, k * SPAN // 2 + SPAN)
    return import_result(f"file{k}.csv", incidents(*[
        {"event_id": f"E{i:03d}", "fatalities": k, "timestamp": 1000 + 10 * k + i % 7}
        for i in ids]))


def import_at_once(new_store, k: int, barrier) -> None:
    barrier.wait(timeout=60)
    new_store().add_import(writer_file(k))


def test_four_writers_at_once_lose_nothing(new_store):
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(WRITERS)
    processes = [context.Process(target=import_at_once, args=(new_store, k, barrier))
                 for k in range(WRITERS)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [p.exitcode for p in processes] == [0] * WRITERS
    expected = {}
    for k in range(WRITERS):
        for row in writer_file(k).incidents.itertuples():
            expected[row.event_id] = (k, row.timestamp, f"file{k}.csv")
    stored = new_store().load()
    assert len(stored) == len(expected) == (WRITERS + 1) * SPAN // 2
    assert {r.event_id: (r.fatalities, r.timestamp, r.dataset_name)
            for r in stored.itertuples()} == expected
    registry = new_store().registry()
    assert sorted((e["name"], e["files"][0]["kept"]) for e in registry) == [
        (f"file{k}.csv", SPAN) for k in range(WRITERS)]
    store = new_store()
    if isinstance(store, PostgresStore):
        history = query(store.url, "SELECT event_id, action, revision, timestamp "
                                   "FROM incident_history")
        added = sorted(e for e, action, _, _ in history if action == "added")
        assert added == sorted(expected)  # each id added exactly once
        assert all(new > old for _, action, new, old in history if action == "updated")
