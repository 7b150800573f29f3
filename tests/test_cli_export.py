"""`python -m sahel export` after `import`: the group filter's options, datasets, demonstration
data, unknown names and every ACLED column kept (synthetic rows in ACLED's current layout)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sahel.__main__ import main
from sahel.sources import read_incidents
from sahel.sources.acled import ACLED_TO_CANONICAL

ROOT = Path(__file__).resolve().parents[1]
HEADER = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,"
    "assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,"
    "country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,"
    "notes,fatalities,tags,timestamp,population_1km,population_2km,population_5km,"
    "population_best").split(",")
JNIM = "JNIM: Group for Support of Islam and Muslims"
MALI_ARMY = "Military Forces of Mali (2021-)"
# Invented events (never ACLED's): (id, date, actor1, assoc_actor_1, actor2, assoc_actor_2).
EVENTS = [
    ("SYN1", "24 November 2023", JNIM, "", MALI_ARMY, "Wagner Group"),
    ("SYN2", "10 May 2016", "Ansar Dine", "", "Military Forces of Mali (2012-2021)", ""),
    ("SYN3", "1 March 2019", "Katiba Macina", "", "Civilians (Mali)", "Fulani Ethnic Group (Mali)"),
    ("SYN4", "2 June 2019", JNIM + " and/or Islamic State (Greater Sahara)", "",
     "Civilians (Mali)", ""),
    ("SYN5", "5 January 2022", MALI_ARMY, "Dozo Communal Militia (Mali); " + JNIM,
     "Islamic State Sahel Province", ""),
]


def acled_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for k, (event_id, day, actor1, assoc1, actor2, assoc2) in enumerate(EVENTS):
        values = {
            "event_id_cnty": event_id, "event_date": day, "year": day[-4:], "time_precision": "1",
            "disorder_type": "Political violence", "event_type": "Battles",
            "sub_event_type": "Armed clash", "actor1": actor1, "assoc_actor_1": assoc1,
            "inter1": "Rebel group", "actor2": actor2, "assoc_actor_2": assoc2,
            "inter2": "State forces", "interaction": "Rebel group-State forces",
            "civilian_targeting": "", "iso": "466", "region": "Western Africa",
            "country": "Mali", "admin1": "Mopti", "admin2": "Douentza", "admin3": "Boni",
            "location": "Boni", "latitude": "15.0713", "longitude": f"{-2.2226 - k / 100:.4f}",
            "geo_precision": "1", "source": "Synthetic Wire", "source_scale": "National",
            "notes": f"Synthetic event {k}.", "fatalities": str(k), "tags": "",
            "timestamp": str(1_700_000_000 + k), "population_1km": "100",
            "population_2km": "250", "population_5km": "", "population_best": "250"}
        writer.writerow([values[c] for c in HEADER])
    return out.getvalue().encode("utf-8")


def sahel(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sahel", *args], cwd=ROOT, capture_output=True,
                          text=True)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("export_store")
    source = directory / "mali_synthetic.csv"
    source.write_bytes(acled_csv())
    done = sahel("import", str(source), "--store", str(directory))
    assert done.returncode == 0, done.stderr + done.stdout
    return directory


def run(capsysbinary: pytest.CaptureFixture[bytes], *args: str) -> tuple[int, str, str]:
    """Run the command line in this process (a subprocess costs ~3 s of imports each)."""
    code = main(list(args))
    captured = capsysbinary.readouterr()
    return code, captured.out.decode("utf-8-sig"), captured.err.decode("utf-8")


def export(capsysbinary: pytest.CaptureFixture[bytes], store: Path, *args: str) -> pd.DataFrame:
    code, out, err = run(capsysbinary, "export", "--store", str(store), "--csv", "-", *args)
    assert code == 0, err
    return pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)


@pytest.mark.parametrize("args, expected", [
    (["--group", "JNIM"], ["SYN1", "SYN3", "SYN5"]),
    (["--group", "GSIM", "--uncertain"], ["SYN1", "SYN3", "SYN4", "SYN5"]),
    (["--group", "JNIM", "--no-components"], ["SYN1", "SYN5"]),
    (["--group", "JNIM", "--no-associated"], ["SYN1", "SYN3"]),
    (["--group", "JNIM", "--end", "2017-03-01"], []),
    (["--group", "Ansar Dine"], ["SYN2"]),
    (["--group", "Wagner"], ["SYN1"]),
    (["--group", "ISGS", "--uncertain"], ["SYN4", "SYN5"]),
    ([], ["SYN1", "SYN2", "SYN3", "SYN4", "SYN5"]),
    (["--dataset", "mali_synthetic.csv"], ["SYN1", "SYN2", "SYN3", "SYN4", "SYN5"]),
])
def test_export_counts_groups_as_documented(capsysbinary: pytest.CaptureFixture[bytes],
                                            store: Path, args: list[str],
                                            expected: list[str]) -> None:
    assert sorted(export(capsysbinary, store, *args)["event_id"]) == expected


def test_demonstration_data_is_left_out_once_the_user_has_data(
        capsysbinary: pytest.CaptureFixture[bytes], store: Path) -> None:
    mine = export(capsysbinary, store)
    assert not mine["dataset_name"].str.startswith("demo: ").any()
    everything = export(capsysbinary, store, "--demo")
    demo = everything[everything["dataset_name"].str.startswith("demo: ")]
    assert len(demo) > 0 and len(everything) == len(mine) + len(demo)


def test_an_acled_export_keeps_every_acled_column_through_import_and_export(store: Path) -> None:
    # The real command, as an analyst runs it.
    done = sahel("export", "--store", str(store), "--csv", "-")
    assert done.returncode == 0, done.stderr
    exported = pd.read_csv(io.StringIO(done.stdout.lstrip("\ufeff")), dtype=str,
                           keep_default_na=False)
    exported.index = exported["event_id"]
    source = pd.read_csv(io.BytesIO(acled_csv()), dtype=str, keep_default_na=False)
    for _, row in source.iterrows():
        out = exported.loc[row["event_id_cnty"]]
        for column in HEADER:
            canonical = ACLED_TO_CANONICAL[column]
            given, kept = row[column], out[canonical]
            if column in ("event_date", "year"):
                assert pd.Timestamp(kept).strftime("%Y") == row["year"]
                assert pd.Timestamp(kept) == pd.Timestamp(row["event_date"])
            elif column in ("latitude", "longitude"):
                assert float(kept) == float(given)
            else:
                assert kept == given, (row["event_id_cnty"], column)


@pytest.mark.parametrize("args, message", [
    (["--group", "JNMI"], 'Unknown group "JNMI". Did you mean: "JNIM"'),
    (["--region", "Mopt"], 'Unknown region "Mopt". Did you mean: "Mopti"'),
    (["--dataset", "mali_synthetc"], '"mali_synthetic.csv"'),
])
def test_an_unknown_name_is_an_error_with_suggestions(capsysbinary: pytest.CaptureFixture[bytes],
                                                      store: Path, args: list[str],
                                                      message: str) -> None:
    code, out, err = run(capsysbinary, "export", "--store", str(store), "--csv", "-", *args)
    assert code == 2
    assert message in err
    assert out == "" and "Traceback" not in err


def test_export_into_a_missing_folder_is_one_line_not_a_traceback(
        capsysbinary: pytest.CaptureFixture[bytes], store: Path, tmp_path: Path) -> None:
    code, _, err = run(capsysbinary, "export", "--store", str(store), "--csv",
                       str(tmp_path / "no" / "out.csv"))
    assert code == 2
    assert "cannot write" in err and "Traceback" not in err


@pytest.mark.parametrize("args", [["--group", "JNIM"], ["--group", "GSIM", "--uncertain"], []])
def test_geojson_and_parquet_hold_exactly_the_csvs_rows_and_read_back(
        capsysbinary: pytest.CaptureFixture[bytes], store: Path, tmp_path: Path,
        args: list[str]) -> None:
    outputs = {"csv": tmp_path / "out.csv", "geojson": tmp_path / "out.geojson",
               "parquet": tmp_path / "out.parquet"}
    code, _, err = run(capsysbinary, "export", "--store", str(store), *args,
                       *[part for option, path in outputs.items()
                         for part in (f"--{option}", str(path))])
    assert code == 0, err
    assert err.count("incidents →") == 3
    frames = {option: read_incidents(path).incidents for option, path in outputs.items()}
    expected = list(export(capsysbinary, store, *args)["event_id"])
    assert expected and list(frames["csv"]["event_id"]) == expected
    for option in ("geojson", "parquet"):
        pd.testing.assert_frame_equal(frames[option], frames["csv"], obj=option)


def test_geojson_to_standard_output(capsysbinary: pytest.CaptureFixture[bytes],
                                    store: Path) -> None:
    code, out, err = run(capsysbinary, "export", "--store", str(store), "--geojson", "-",
                         "--group", "Ansar Dine")
    assert code == 0, err
    document = json.loads(out)
    assert [f["properties"]["event_id"] for f in document["features"]] == ["SYN2"]


@pytest.mark.parametrize(("args", "message"), [
    ([], "name an output: --csv OUT, --geojson OUT or --parquet OUT"),
    (["--csv", "-", "--parquet", "-"], "only one output can go to standard output"),
])
def test_outputs_asked_for_wrongly_are_one_line(capsysbinary: pytest.CaptureFixture[bytes],
                                                store: Path, args: list[str],
                                                message: str) -> None:
    code, out, err = run(capsysbinary, "export", "--store", str(store), *args)
    assert (code, out) == (2, "")
    assert message in err and "Traceback" not in err
