import io

import pandas as pd
import pytest

from sahel.__main__ import main
from sahel.incidents import load_shipped
from sahel.sources import read_incidents

UCDP_EXTRACT = ("id,conflict_id,latitude,longitude,date,type_of_violence,best,civilian_deaths,"
                "combatant_deaths,country,region\n"
                "990002,288,14.4089,-1.5507,2019-01-28,1,4,0,4,Burkina Faso,Africa\n"
                "990003,288,-1.5507,14.4089,2019-01-29,1,2,0,2,Burkina Faso,Africa\n"
                "990004,288,13.78076,5.2081,not a date,3,1,1,0,Niger,Africa\n")


@pytest.fixture
def ucdp_file(tmp_path):
    path = tmp_path / "ucdp_extract.csv"
    path.write_text(UCDP_EXTRACT, encoding="utf-8")
    return path


def test_import_prints_counts_and_the_rejects_report(tmp_path, ucdp_file, capsys):
    store = tmp_path / "store"
    assert main(["import", str(ucdp_file), "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert "ucdp_ged_extract (csv)" in out
    assert "rows read 3 · kept 1 (flagged 0) · rejected 2" in out
    assert "store: 1 added, 0 updated, 0 unchanged" in out
    report = next((store / "rejects").glob("ucdp_extract-*-rejects.csv"))
    assert f"rejects report: {report}" in out
    rejects = pd.read_csv(report, encoding="utf-8-sig")
    assert rejects["row"].tolist() == [3, 4]
    assert rejects["reason"].tolist() == ["latitude/longitude swapped?",
                                          "unparseable event_date 'not a date'"]


def test_re_import_adds_nothing(tmp_path, ucdp_file, capsys):
    store = tmp_path / "store"
    main(["import", str(ucdp_file), "--store", str(store)])
    main(["import", str(ucdp_file), "--store", str(store)])
    assert "store: 0 added, 0 updated, 1 unchanged" in capsys.readouterr().out


def test_unknown_format_exits_2_with_a_message_and_no_traceback(tmp_path, ucdp_file, capsys):
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


def test_unknown_actors_are_listed(tmp_path, capsys):
    path = tmp_path / "canonical.csv"
    path.write_text("event_id,event_date,latitude,longitude,actor1\n"
                    "X1,2023-11-24,15.9322,-3.9906,Invented Brigade\n", encoding="utf-8")
    assert main(["import", str(path), "--store", str(tmp_path / "s")]) == 0
    out = capsys.readouterr().out
    assert "kept 1 (flagged 1)" in out and "unknown actors: Invented Brigade (1)" in out


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


def test_export_is_the_dashboard_csv_of_shipped_plus_store(tmp_path, ucdp_file):
    main(["import", str(ucdp_file), "--store", str(tmp_path / "empty")])
    frame = export(tmp_path, "--start", "2019-01-01", "--end", "2019-12-31")
    assert "UCDP-990002" in set(frame["event_id"])
    assert frame["event_date"].between("2019-01-01", "2019-12-31").all()
    raw = (tmp_path / "out.csv").read_bytes()
    assert raw.startswith("\ufeff".encode()) and b"claims_text" in raw.splitlines()[0]
    everything = export(tmp_path)
    assert len(everything) == len(load_shipped()) + 1


def test_export_to_stdout(tmp_path, capsysbinary):
    assert main(["export", "--group", "JNIM", "--min-fatalities", "12", "--store",
                 str(tmp_path), "--csv", "-"]) == 0
    frame = read_incidents(io.BytesIO(capsysbinary.readouterr().out), name="x.csv").incidents
    assert "SEED-RFI-20231124-1" in set(frame["event_id"])
    assert (frame["fatalities"] >= 12).all()
