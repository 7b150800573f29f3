"""`python -m sahel links` over the stored links, editors' decisions, and `export --once` /
the `event_group` column, on both stores."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from sahel.__main__ import main
from sahel.export import EXPORT_FORMATS, write_geoparquet
from sahel.incidents import load_incidents
from sahel.link_upkeep import current_groups
from sahel.query import IncidentQuery, filter_incidents, normalise_query
from sahel.schema import conform
from sahel.store import DATABASE_ENV, open_store

TOWNS = {"Gao": (16.27, -0.04), "Mopti": (14.49, -4.19), "Kidal": (18.44, 1.41)}


def record(event_id: str, town: str, day: str, fatalities: int, timestamp: int = 1,
           group1: str = "JNIM") -> dict[str, object]:
    latitude, longitude = TOWNS[town]
    return {"event_id": event_id, "dataset": "acled", "event_date": day, "time_precision": 1,
            "geo_precision": 1, "location": town, "latitude": latitude, "longitude": longitude,
            "country": "Mali", "iso3": "MLI", "admin1": town, "event_type": "Battles",
            "sub_event_type": "Armed clash", "actor1": group1, "group1": group1,
            "actor2": "Military Forces of Mali", "group2": "FAMa", "fatalities": fatalities,
            "timestamp": 1_700_000_000 + timestamp}


@pytest.fixture(params=["embedded", "postgresql"])
def store(request, monkeypatch, tmp_path, capsys) -> Path:
    """A store holding two files: "alpha" (A1 Gao, A2 Mopti, A3 Kidal) and "beta" (B1 Gao,
    B2 Mopti, the same events; B3 Kidal two weeks after A3), each imported with the CLI."""
    monkeypatch.setenv("SAHEL_USER", "amina")
    if request.param == "postgresql":
        monkeypatch.setenv(DATABASE_ENV, request.getfixturevalue("postgres_url"))
    folder = tmp_path / "store"
    files = {"alpha": [record("A1", "Gao", "2021-03-02", 5),
                       record("A2", "Mopti", "2021-03-02", 3),
                       record("A3", "Kidal", "2021-03-02", 4)],
             "beta": [record("B1", "Gao", "2021-03-02", 7),
                      record("B2", "Mopti", "2021-03-03", 3),
                      record("B3", "Kidal", "2021-03-16", 4, group1="ISGS")]}
    for name, rows in files.items():
        path = tmp_path / f"{name}.parquet"
        write_geoparquet(conform(pd.DataFrame(rows)), str(path))
        assert main(["import", str(path), "--name", name, "--store", str(folder)]) == 0
    # Each import links its new records: the second one's with the first's.
    assert "links: 2 added, 0 kept, 0 dropped (3 record(s) linked anew; 2 event group(s)" in (
        capsys.readouterr().out)
    return folder


def groups_of(store: Path) -> dict[str, str]:
    groups = current_groups(open_store(store))
    return dict(zip(groups["event_id"], groups["event_group"], strict=True))


def test_import_links_the_new_records_and_links_lists_them(store, capsys) -> None:
    assert groups_of(store) == {"A1": "A1", "B1": "A1", "A2": "A2", "B2": "A2"}
    assert main(["links", "--store", str(store)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("2 links at 0.6 or above between 2 datasets (stored; "
                              "--recompute links everything again); 2 event groups")
    assert "A1 (alpha) ↔ B1 (beta)  [grouped]" in printed
    assert main(["links", "--store", str(store), "--recompute"]) == 0
    assert "relinked every record: links: 0 added, 2 kept, 0 dropped" in capsys.readouterr().out


def test_confirm_reject_and_undo(store, capsys) -> None:
    assert main(["links", "confirm", "A3", "B3", "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("A3 ↔ B3: confirmed by amina\nlinks: 1 added")
    assert groups_of(store)["B3"] == "A3"
    assert main(["links", "reject", "B1", "A1", "--store", str(store)]) == 0
    assert "B1 ↔ A1: rejected by amina" in capsys.readouterr().out
    assert "A1" not in groups_of(store)
    assert main(["links", "--store", str(store)]) == 0
    listed = capsys.readouterr().out
    assert "hand   A3 (alpha) ↔ B3 (beta)  [grouped]" in listed
    assert "[rejected by hand]" in listed and "confirmed by hand" in listed
    # Re-importing "beta" with new revisions changes nothing of the decisions.
    rows = [record("B1", "Gao", "2021-03-02", 8, timestamp=9),
            record("B3", "Kidal", "2021-03-16", 6, timestamp=9, group1="ISGS")]
    path = store.parent / "beta.parquet"
    write_geoparquet(conform(pd.DataFrame(rows)), str(path))
    assert main(["import", str(path), "--name", "beta", "--store", str(store)]) == 0
    assert groups_of(store)["B3"] == "A3" and "A1" not in groups_of(store)
    assert main(["links", "undo", "A1", "B1", "--store", str(store)]) == 0
    assert "A1 ↔ B1: decision undone by amina" in capsys.readouterr().out
    assert groups_of(store)["B1"] == "A1"
    decisions = open_store(store).load_decisions()
    assert decisions[["event_id_a", "event_id_b", "decision"]].values.tolist() == [
        ["A3", "B3", "confirmed"]]


@pytest.mark.parametrize(("args", "message"), [
    (["confirm", "A1"], "name a decision and two event ids"),
    (["undo", "A1", "B1", "A2"], "name a decision and two event ids"),
    (["confirm", "A1", "NOPE"], "no record has the event id NOPE"),
    (["confirm", "A1", "A2"], 'both of the dataset "alpha"'),
    (["reject", "A1", "A1"], "two different event ids"),
])
def test_decisions_asked_wrongly_are_one_line(store, capsys, args, message) -> None:
    capsys.readouterr()
    assert main(["links", *args, "--store", str(store)]) == 2
    assert message in capsys.readouterr().err


def test_removing_a_dataset_drops_its_links(store, capsys) -> None:
    assert main(["datasets", "--remove", "beta", "--store", str(store)]) == 0
    assert "links: 0 added, 0 kept, 2 dropped" in capsys.readouterr().out
    assert groups_of(store) == {}


def test_export_has_event_group_and_once_counts_each_event_once(store, tmp_path) -> None:
    records, once = tmp_path / "records.csv", tmp_path / "once.csv"
    assert main(["export", "--no-demo", "--store", str(store), "--csv", str(records)]) == 0
    assert main(["export", "--no-demo", "--once", "--store", str(store), "--csv",
                 str(once)]) == 0
    every = pd.read_csv(records, encoding="utf-8-sig", keep_default_na=False)
    assert dict(zip(every["event_id"], every["event_group"], strict=True)) == {
        "A1": "A1", "A2": "A2", "A3": "", "B1": "A1", "B2": "A2", "B3": ""}
    events = pd.read_csv(once, encoding="utf-8-sig", keep_default_na=False).set_index(
        "event_group", drop=False)
    assert len(events) == 4
    assert events.loc["A1", "sources"] == "alpha: A1; beta: B1"
    assert events.loc["A1", "group_records"] == 2
    # The lowest of the coded tolls, the range over every record (empty cells for singles).
    assert [str(events.loc["A1", c]) for c in ("fatalities", "fatalities_low",
                                               "fatalities_high")] == ["5", "5", "7"]


def test_the_csv_is_the_export_function_given_the_groups_byte_for_byte(store,
                                                                       tmp_path) -> None:
    # The page's download calls the same writer with current_groups (sahel/export.py).
    out = tmp_path / "out.csv"
    assert main(["export", "--no-demo", "--store", str(store), "--csv", str(out)]) == 0
    opened = open_store(store)
    rows = filter_incidents(load_incidents(opened), normalise_query(IncidentQuery(
        include_demo=False)))
    expected = EXPORT_FORMATS["csv"].write(rows, groups=current_groups(opened))
    assert out.read_bytes() == expected
    assert b",event_group\n" in io.BytesIO(expected).readline()


def test_a_report_added_is_listed_as_a_dataset_of_its_own(tmp_path, capsys) -> None:
    seed = Path(__file__).resolve().parent / "fixtures" / "rfi_2023-11-25_jnim_niafunke_goundam.txt"
    folder = tmp_path / "store"
    assert main(["extract", str(seed), "--jsonl", str(tmp_path / "x.jsonl"), "--add",
                 "--store", str(folder)]) == 0
    capsys.readouterr()
    assert main(["datasets", "--store", str(folder)]) == 0
    assert ("report: rfi_2023-11-25_jnim_niafunke_goundam [858ac8] · report · 2 rows · added "
            "from a report") in capsys.readouterr().out
    name = "report: rfi_2023-11-25_jnim_niafunke_goundam [858ac8]"
    assert main(["datasets", "--remove", name, "--store", str(folder)]) == 0
    assert "links: 0 added, 0 kept, 2 dropped" in capsys.readouterr().out
