import io
import subprocess
import sys

import pandas as pd
import pytest

from sahel import PROJECT_ROOT as ROOT
from sahel.__main__ import main
from sahel.cli import printable
from sahel.datasets import list_datasets
from sahel.incidents import load_incidents
from sahel.schema import conform
from sahel.sources import read_incidents
from sahel.store import DATABASE_ENV, IncidentStore, open_store

BACKENDS = ("embedded", "postgresql")

UCDP_EXTRACT = ("id,conflict_id,latitude,longitude,date,type_of_violence,best,civilian_deaths,"
                "combatant_deaths,country,region\n"
                "990002,288,14.4089,-1.5507,2019-01-28,1,4,0,4,Burkina Faso,Africa\n"
                "990003,288,-1.5507,14.4089,2019-01-29,1,2,0,2,Burkina Faso,Africa\n"
                "990004,288,13.78076,5.2081,not a date,3,1,1,0,Niger,Africa\n")


@pytest.fixture(params=BACKENDS)
def backend(request, monkeypatch):
    """Run the test on both stores: PostgreSQL when SAHEL_DATABASE_URL is set (tests/conftest.py
    gives an emptied, migrated database), else the embedded store in --store."""
    if request.param == "postgresql":
        monkeypatch.setenv(DATABASE_ENV, request.getfixturevalue("postgres_url"))
    return request.param


def stored_ids(store) -> list[str]:
    """Return the ids the configured store holds (--store is the folder of the reports)."""
    return sorted(open_store(store).load()["event_id"])


@pytest.fixture
def ucdp_file(tmp_path):
    path = tmp_path / "ucdp_extract.csv"
    path.write_text(UCDP_EXTRACT, encoding="utf-8")
    return path


def test_import_prints_counts_and_the_rejects_report(backend, tmp_path, ucdp_file, capsys):
    store = tmp_path / "store"
    assert main(["import", str(ucdp_file), "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert "ucdp_ged_extract (csv)" in out
    assert "rows read 3 · kept 1 (flagged 0) · rejected 2" in out
    assert "store: 1 added, 0 updated, 0 unchanged, 0 older than stored" in out
    assert 'ucdp_ged_extract (csv) → dataset "ucdp_extract.csv"' in out
    report = next((store / "rejects").glob("ucdp_extract-*-rejects.csv"))
    assert f"rejects report: {report}" in out
    rejects = pd.read_csv(report, encoding="utf-8-sig")
    assert rejects["row"].tolist() == [3, 4]
    assert rejects["reason"].tolist() == ["latitude/longitude swapped?",
                                          "unparseable event_date 'not a date'"]


def test_re_import_adds_nothing(backend, tmp_path, ucdp_file, capsys):
    store = tmp_path / "store"
    main(["import", str(ucdp_file), "--store", str(store)])
    main(["import", str(ucdp_file), "--store", str(store)])
    assert "store: 0 added, 0 updated, 1 unchanged, 0 older than stored" in (
        capsys.readouterr().out)


def test_unknown_format_exits_2_with_a_message_and_no_traceback(backend, tmp_path, ucdp_file,
                                                                 capsys):
    odd = tmp_path / "odd.csv"
    odd.write_text("name,value\nx,1\n", encoding="utf-8")
    missing = tmp_path / "missing.csv"
    code = main(["import", str(odd), str(missing), str(ucdp_file), "--store",
                 str(tmp_path / "store")])
    captured = capsys.readouterr()
    assert code == 2
    assert "odd.csv: not imported: unknown format: closest is" in captured.err
    assert "missing.csv: not imported: cannot read" in captured.err
    assert "Traceback" not in captured.err
    assert "kept 1" in captured.out  # the good file after them is still imported


def test_unknown_actors_are_listed(backend, tmp_path, capsys):
    path = tmp_path / "canonical.csv"
    path.write_text("event_id,event_date,latitude,longitude,actor1\n"
                    "X1,2023-11-24,15.9322,-3.9906,Invented Brigade\n", encoding="utf-8")
    assert main(["import", str(path), "--store", str(tmp_path / "s")]) == 0
    out = capsys.readouterr().out
    assert "kept 1 (flagged 1)" in out
    assert "unresolved actors (1 name, 1 row): Invented Brigade (1)" in out


def export(tmp_path, *options: str) -> pd.DataFrame:
    out = tmp_path / "out.csv"
    assert main(["export", *options, "--store", str(tmp_path / "empty"), "--csv", str(out)]) == 0
    return read_incidents(out).incidents


@pytest.mark.parametrize("alias, canonical", [
    (["--group", "GSIM"], ["--group", "JNIM"]),
    (["--region", "Timbuktu"], ["--region", "Tombouctou"]),
    (["--country", "Mali"], ["--country", "MLI"]),
])
def test_export_filters_accept_any_alias(tmp_path, alias, canonical):
    by_alias = export(tmp_path, *alias)
    assert len(by_alias) > 0
    pd.testing.assert_frame_equal(by_alias, export(tmp_path, *canonical))


def test_export_is_the_dashboard_csv_of_shipped_plus_store(backend, tmp_path, ucdp_file):
    main(["import", str(ucdp_file), "--store", str(tmp_path / "empty")])
    frame = export(tmp_path, "--start", "2019-01-01", "--end", "2019-12-31")
    assert "UCDP-990002" in set(frame["event_id"])
    assert frame["event_date"].between("2019-01-01", "2019-12-31").all()
    raw = (tmp_path / "out.csv").read_bytes()
    assert raw.startswith("\ufeff".encode()) and b"claims_text" in raw.splitlines()[0]
    # Whether the demonstration data counts beside the user's is tests/test_cli_export.py's.
    assert "UCDP-990002" in set(export(tmp_path)["event_id"])


def test_export_to_stdout(tmp_path, capsysbinary):
    assert main(["export", "--group", "JNIM", "--min-fatalities", "12", "--store",
                 str(tmp_path), "--csv", "-"]) == 0
    frame = read_incidents(io.BytesIO(capsysbinary.readouterr().out), name="x.csv").incidents
    assert "SEED-RFI-20231124-1" in set(frame["event_id"])
    assert (frame["fatalities"] >= 12).all()


ACLED_HEADER = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,"
    "assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,"
    "country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,"
    "notes,fatalities,tags,timestamp")


# ACLED revision times (Unix seconds, November 2023), in order.
T1, T2, T3 = 1_700_000_000, 1_700_001_000, 1_700_002_000


def acled_row(event_id: str, timestamp: int, fatalities: int = 1, date: str = "2023-11-24",
              actor1: str = "JNIM: Group for Support of Islam and Muslims") -> str:
    """A synthetic row in ACLED's current layout (never a real one)."""
    return (f"{event_id},{date},2023,1,Political violence,Battles,Armed clash,{actor1},,"
            "Rebel group,Military Forces of Mali (2021-),,State forces,Rebel group-State forces,,"
            "466,Western Africa,Mali,Timbuktu,Niafunke,,Niafunke,15.9322,-3.9906,1,Synthetic,"
            f"Local,synthetic row,{fatalities},,{timestamp}")


def write_acled(path, *rows: str):
    path.write_text("\n".join([ACLED_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


@pytest.mark.parametrize("order", [("new.csv", "old.csv"), ("old.csv", "new.csv")])
def test_import_keeps_the_newest_revision_whatever_the_order(backend, tmp_path, capsys,
                                                             order):
    write_acled(tmp_path / "new.csv", acled_row("MLI1", T2, fatalities=9))
    write_acled(tmp_path / "old.csv", acled_row("MLI1", T1, fatalities=1),
                acled_row("MLI2", T1))
    store = tmp_path / "store"
    code, out, _ = run(capsys, "import", *(str(tmp_path / f) for f in order), "--store",
                       str(store))
    assert code == 0
    expected = ("store: 1 added, 0 updated, 0 unchanged, 1 older than stored" if order[0] ==
                "new.csv" else "store: 0 added, 1 updated, 0 unchanged, 0 older than stored")
    assert expected in out
    frame = load_incidents(store).set_index("event_id")
    assert (frame.loc["MLI1", "fatalities"], frame.loc["MLI1", "dataset_name"]) == (9, "new.csv")


def test_import_names_the_dataset(backend, tmp_path, capsys):
    path = write_acled(tmp_path / "export.csv", acled_row("MLI1", T1))
    code, out, _ = run(capsys, "import", str(path), "--name", "Mali 2023", "--store",
                       str(tmp_path / "s"))
    assert code == 0 and 'acled (csv) → dataset "Mali 2023"' in out
    code, _, err = run(capsys, "import", str(path), "--name", "demo: mine", "--store",
                       str(tmp_path / "s"))
    assert code == 2 and 'import: --name: "demo: mine" cannot name an import' in err


def test_import_applies_deletions_before_the_files(backend, tmp_path, capsys):
    store = str(tmp_path / "store")
    write_acled(tmp_path / "a.csv", acled_row("MLI1", T1), acled_row("MLI2", T1),
                acled_row("MLI3", T3))
    run(capsys, "import", str(tmp_path / "a.csv"), "--store", store)
    deleted = tmp_path / "deleted.csv"
    deleted.write_text(f"event_id_cnty,deleted_timestamp\nMLI1,{T2}\nMLI3,{T2}\nBFA9,{T2}\n",
                       encoding="utf-8")
    code, out, _ = run(capsys, "import", "--deletions", str(deleted), str(tmp_path / "a.csv"),
                       "--store", store)
    assert code == 0
    assert "deleted.csv: deletions list, 3 event ids" in out
    assert "store: 1 removed, 1 not in the store, 1 kept (revised after their deletion)" in out
    assert "removals logged in" in out
    # The same export again: MLI1 is held back, MLI3 (revised after its deletion) stays.
    assert "0 added, 0 updated, 2 unchanged, 0 older than stored, 1 held back by deletions" in out
    assert stored_ids(store) == ["MLI2", "MLI3"]


def test_a_file_with_no_row_kept_fails_with_its_commonest_reasons(backend, tmp_path,
                                                                  capsys):
    path = write_acled(tmp_path / "resaved.csv",
                       acled_row("MLI1", T1, date="the 24th"),
                       acled_row("MLI2", T1, date="someday"),
                       acled_row("MLI3", T1, date=""))
    good = write_acled(tmp_path / "good.csv", acled_row("MLI4", T1))
    code, out, err = run(capsys, "import", str(path), str(good), "--store",
                         str(tmp_path / "s"))
    assert code == 2
    assert (f"{path}: failed: no row kept of 3; commonest reasons: unparseable event_date (2); "
            "missing event_date (1)") in err
    assert "the 24th" not in err  # kinds, not cell values
    assert "rejects report:" in out and "good.csv: acled (csv)" in out
    assert [d.name for d in list_datasets(tmp_path / "s") if not d.demo] == ["good.csv"]


def test_unresolved_actors_top_20_are_printed_and_all_written_to_csv(backend, tmp_path,
                                                                    capsys):
    rows = [acled_row(f"MLI{i}", T1, actor1=f"Invented Brigade {i:02d}") for i in range(25)]
    rows.append(acled_row("MLI99", T1, actor1="Invented Brigade 07"))
    path = write_acled(tmp_path / "many.csv", *rows)
    code, out, _ = run(capsys, "import", str(path), "--store", str(tmp_path / "s"))
    assert code == 0
    line = next(x for x in out.splitlines() if "unresolved actors (" in x)
    assert line.startswith("  unresolved actors (25 names, 26 rows): Invented Brigade 07 (2); "
                           "Invented Brigade 00 (1);")
    assert line.endswith("; … 5 more")
    report = next((tmp_path / "s" / "rejects").glob("many-*-unresolved-actors.csv"))
    assert f"unresolved actors list: {report}" in out
    listed = pd.read_csv(report, encoding="utf-8-sig")
    assert list(listed.columns) == ["actor", "rows"] and len(listed) == 25
    assert listed.iloc[0].tolist() == ["Invented Brigade 07", 2]


def test_import_without_files_or_deletions_is_an_error(tmp_path, capsys):
    code, _, err = run(capsys, "import", "--store", str(tmp_path))
    assert code == 2 and "name at least one FILE or --deletions FILE" in err


# The embedded store makes its folder; PostgreSQL only the folder of the import reports.
MISSING_PARENT = {"embedded": "cannot create the store folder {folder}: its parent folder "
                              "does not exist",
                  "postgresql": "cannot create the folder {folder} for import reports: its "
                                "parent folder does not exist"}


def test_a_store_folder_whose_parent_is_missing_is_one_line(backend, tmp_path, ucdp_file,
                                                            capsys):
    folder = tmp_path / "no" / "store"
    code, _, err = run(capsys, "import", str(ucdp_file), "--store", str(folder))
    assert code == 2
    assert err.strip().splitlines() == [
        "python -m sahel: " + MISSING_PARENT[backend].format(folder=folder)]


def test_with_postgresql_the_messages_name_the_database_and_its_history(tmp_path, capsys,
                                                                        monkeypatch,
                                                                        postgres_url):
    monkeypatch.setenv(DATABASE_ENV, postgres_url)
    monkeypatch.setenv("SAHEL_USER", "amina")
    store = str(tmp_path / "store")
    write_acled(tmp_path / "a.csv", acled_row("MLI1", T1), acled_row("MLI2", T1))
    code, out, _ = run(capsys, "datasets", "--store", store)
    assert code == 0 and "(no imported dataset: the store postgresql://sahel@127.0.0.1:" in out
    code, out, _ = run(capsys, "import", str(tmp_path / "a.csv"), "--store", store)
    assert code == 0 and "2 added" in out and "/sahel_test)" in out
    assert not (tmp_path / "store" / "incidents.parquet").exists()
    deleted = tmp_path / "deleted.csv"
    deleted.write_text(f"event_id_cnty,deleted_timestamp\nMLI1,{T2}\n", encoding="utf-8")
    code, out, _ = run(capsys, "import", "--deletions", str(deleted), "--store", store)
    assert code == 0 and "deletions kept in the tombstones table of postgresql://" in out
    assert "removals logged in the history of postgresql://" in out
    code, out, _ = run(capsys, "datasets", "--remove", "a.csv", "--store", store)
    assert code == 0 and "1 row (recorded in the history of postgresql://" in out
    assert "(python -m sahel history EVENT_ID)" in out
    code, out, _ = run(capsys, "history", "MLI2")
    assert code == 0 and "removed by amina" in out
    assert stored_ids(store) == []


def test_a_missing_deletions_file_is_one_line(tmp_path, capsys):
    code, _, err = run(capsys, "import", "--deletions", str(tmp_path / "gone.csv"), "--store",
                       str(tmp_path))
    assert code == 2 and "gone.csv: deletions not applied: cannot read" in err


def test_datasets_lists_demonstration_and_imported_datasets(backend, tmp_path, ucdp_file,
                                                            capsys, monkeypatch):
    monkeypatch.setenv("SAHEL_USER", "amina")  # who imports, named in the list
    store = str(tmp_path / "store")
    run(capsys, "import", str(ucdp_file), "--store", store)
    code, out, _ = run(capsys, "datasets", "--store", store)
    assert code == 0
    assert "demo: UCDP GED sample · ucdp_ged · 100 rows · shipped" in out
    assert "demo: seed report · seed · 2 rows · shipped" in out
    assert "ucdp_extract.csv · ucdp_ged · 1 row · imported 20" in out
    assert " UTC by amina\n" in out
    assert "  file ucdp_extract.csv: read 3, kept 1, rejected 2" in out
    assert out.count("  licence: CC BY 4.0") == 2


def test_datasets_remove(backend, tmp_path, ucdp_file, capsys):
    store = str(tmp_path / "store")
    run(capsys, "import", str(ucdp_file), "--store", store)
    code, _, err = run(capsys, "datasets", "--remove", "ucdp_extract.cvs", "--store", store)
    assert code == 2
    assert err == ('datasets: Unknown dataset "ucdp_extract.cvs". Did you mean: '
                   '"ucdp_extract.csv"?\n')
    code, _, err = run(capsys, "datasets", "--remove", "demo: news reports", "--store", store)
    assert code == 2 and "shipped demonstration data and cannot be removed" in err
    code, out, _ = run(capsys, "datasets", "--remove", "ucdp_extract.csv", "--store", store)
    assert code == 0
    assert out.startswith('removed dataset "ucdp_extract.csv": 1 row (recorded in ')
    assert "ucdp_extract.csv" not in run(capsys, "datasets", "--store", store)[1]


@pytest.mark.parametrize("command", [["import", "{file}"], ["datasets"]])
def test_a_closed_output_pipe_is_one_line_and_a_non_zero_exit(backend, tmp_path, ucdp_file,
                                                              command):
    store = tmp_path / "store"
    argv = [a.format(file=ucdp_file) for a in command]
    with subprocess.Popen([sys.executable, "-m", "sahel", *argv, "--store", str(store)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT) as process:
        process.stdout.close()  # the reader is gone before the first line, like `| head -0`
        err = process.stderr.read().decode()
        assert process.wait(timeout=120) == 1
    assert len(err.strip().splitlines()) == 1 and "broken pipe" in err and "Traceback" not in err
    if command[0] == "import":  # the work itself went on to the end
        assert len(open_store(store).load()) == 1


def test_an_unexpected_error_is_one_line_unless_the_traceback_is_asked_for(
        tmp_path, ucdp_file, capsys, monkeypatch):
    def broken(source):
        raise KeyError("boom")

    monkeypatch.setattr("sahel.sources.read_incidents", broken)
    code, _, err = run(capsys, "import", str(ucdp_file), "--store", str(tmp_path))
    assert code == 2
    assert err == ("python -m sahel: unexpected KeyError: 'boom' (set SAHEL_TRACEBACK=1 to see "
                   "the traceback)\n")
    monkeypatch.setenv("SAHEL_TRACEBACK", "1")
    with pytest.raises(KeyError):
        main(["import", str(ucdp_file), "--store", str(tmp_path)])


HOSTILE_TERMINAL = "\x1b]0;owned\x07\x1b[2J\u202eevil\u2066\x9b31m\x7f"


def test_values_from_files_cannot_drive_the_terminal(backend, tmp_path, capsys):
    # Escape codes and bidi overrides in a file name and an actor name are printed escaped.
    path = write_acled(tmp_path / f"mali{HOSTILE_TERMINAL}.csv",
                       acled_row("MLI1", T1, actor1=f"Brigade {HOSTILE_TERMINAL}"))
    code, out, err = run(capsys, "import", str(path), "--store", str(tmp_path / "s"))
    assert code == 0
    code, listed, _ = run(capsys, "datasets", "--store", str(tmp_path / "s"))
    assert code == 0
    for text in (out, err, listed):
        assert not set(text) & set("\x1b\x07\x9b\x7f\u202e\u2066")
    assert "Brigade \\x1b]0;owned\\x07\\x1b[2J\\u202eevil\\u2066\\x9b31m\\x7f (1)" in out
    assert "mali\\x1b]0;owned" in listed


@pytest.mark.parametrize(("text", "shown"), [
    ("plain · é → ok", "plain · é → ok"),
    ("a\tb\nc\rd", "a\\x09b\\x0ac\\x0dd"),
    ("\u202aL\u202bR\u202cP\u202dO\u202eO\u2066I\u2067I\u2068F\u2069", "\\u202aL\\u202bR\\u202cP"
     "\\u202dO\\u202eO\\u2066I\\u2067I\\u2068F\\u2069"),
    ("bad-\udcff-name", "bad-\\udcff-name"),  # an undecodable file name byte
])
def test_printable_escapes_what_a_terminal_acts_on(text, shown):
    assert printable(text) == shown


def write_poisoned_store(store) -> None:
    """A store an older version wrote: good rows and one whose claims cell is not JSON."""
    IncidentStore(store).add(conform(pd.DataFrame([
        {"event_id": k, "event_date": "2023-11-24", "latitude": 15.9, "longitude": -3.9,
         "dataset": "acled", "dataset_name": "old.csv"} for k in ("OLD1", "OLD2")])))
    table = pd.read_parquet(store / "incidents.parquet")
    table.loc[1, "claims"] = "{not json"
    table.to_parquet(store / "incidents.parquet")


def test_export_and_import_work_on_a_store_holding_an_unreadable_row(tmp_path, capsys):
    store = tmp_path / "store"
    write_poisoned_store(store)
    code, _, err = run(capsys, "export", "--store", str(store), "--csv", str(tmp_path / "o.csv"))
    assert code == 0
    assert ("export: warning: 1 stored row was skipped (incidents.parquet): claims is not valid "
            "JSON (1)") in err
    exported = pd.read_csv(tmp_path / "o.csv", encoding="utf-8-sig")
    assert exported["event_id"].tolist() == ["OLD1"]
    path = write_acled(tmp_path / "new.csv", acled_row("MLI1", T1))
    code, out, _ = run(capsys, "import", str(path), "--store", str(store))
    assert code == 0
    saved = next((store / "rejects").glob("stored-rows-*-unreadable.csv"))
    assert (f"store: 1 stored row this version cannot read removed (claims is not valid JSON "
            f"(1)); saved in {saved}") in out
    assert sorted(IncidentStore(store).load()["event_id"]) == ["MLI1", "OLD1"]


@pytest.mark.parametrize("command", [["export", "--csv", "-"], ["import", "FILE"], ["datasets"]])
def test_a_store_file_that_is_not_parquet_is_one_line_and_exit_2(tmp_path, capsys, command):
    store = tmp_path / "store"
    store.mkdir()
    (store / "incidents.parquet").write_bytes(b"\x1b[31mgarbage")
    path = write_acled(tmp_path / "new.csv", acled_row("MLI1", T1))
    argv = [str(path) if a == "FILE" else a for a in command]
    code, out, err = run(capsys, *argv, "--store", str(store))
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"python -m sahel: {store / 'incidents.parquet'} cannot be read as "
                          "Parquet (")
    assert (store / "incidents.parquet").read_bytes() == b"\x1b[31mgarbage"
