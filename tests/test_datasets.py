import io
from datetime import datetime

import pandas as pd
import pytest

from sahel import DATA_DIR
from sahel.datasets import (
    DEMO_PREFIX,
    LICENCES,
    SHIPPED_DIR,
    Dataset,
    DatasetError,
    UnknownDatasetError,
    demo_name,
    licence_for,
    list_datasets,
    read_deletions,
    remove_dataset,
)
from sahel.schema import DATASETS, conform
from sahel.sources import ImportResult
from sahel.sources.errors import UnreadableSourceError
from sahel.store.postgres import PostgresStore

DEMO = {"demo: UCDP GED sample": 100, "demo: news reports": 20, "demo: seed report": 2}


def result(name: str, *ids: str, dataset: str = "acled") -> ImportResult:
    frame = conform(pd.DataFrame([{"event_id": i, "event_date": "2023-11-24",
                                   "latitude": 15.93, "longitude": -3.99, "dataset": dataset}
                                  for i in ids]))
    return ImportResult(source_name=name, format=dataset, container="csv", rows_read=len(ids) + 1,
                        incidents=frame, rejected=pd.DataFrame({"row": [9], "reason": ["x"]}),
                        unknown_actors={})


def by_name(store_dir) -> dict[str, Dataset]:
    return {d.name: d for d in list_datasets(store_dir)}


def test_the_shipped_files_are_demonstration_datasets_with_their_readme_licence(tmp_path):
    datasets = list_datasets(tmp_path / "no-store")
    assert {d.name: d.rows for d in datasets} == DEMO
    assert all(d.demo and d.name.startswith(DEMO_PREFIX) and d.imported_at is None
               for d in datasets)
    readme = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    for dataset in datasets:
        row = next(line for line in readme.splitlines() if f"`{dataset.file[5:]}`" in line)
        assert row.rstrip(" |").endswith(dataset.licence)
    ucdp = by_name(tmp_path)["demo: UCDP GED sample"]
    assert ucdp.source_type == "ucdp_ged" and "Sundberg" in ucdp.licence
    assert {demo_name(f.name) for f in SHIPPED_DIR.glob("*.parquet")} == set(DEMO)


def test_every_source_type_has_a_licence():
    assert set(DATASETS) <= set(LICENCES)
    assert "Hegre" in licence_for(["ucdp_candidate"]) and "CC BY 4.0" in licence_for(["ucdp_ged"])
    assert "acleddata.com" in licence_for(["acled"])
    assert licence_for(["acled", "ucdp_ged"]) == LICENCES["acled"] + " · " + LICENCES["ucdp_ged"]


def test_registry_round_trip_lists_imports_with_their_rows_now(new_store):
    store = new_store()
    store.add_import(result("mali.csv", "A", "B"))
    store.add_import(result("ged.csv", "UCDP-1", dataset="ucdp_ged"), name="UCDP 2024")
    datasets = list_datasets(new_store())
    # Shipped first, then the imports in the order they were first imported.
    assert [d.demo for d in datasets] == [True] * len(DEMO) + [False, False]
    assert [d.name for d in datasets[len(DEMO):]] == ["mali.csv", "UCDP 2024"]
    mali = by_name(new_store())["mali.csv"]
    assert (mali.source_type, mali.rows, mali.file, mali.demo) == ("acled", 2, "mali.csv", False)
    assert (mali.read, mali.kept, mali.rejected) == (3, 2, 1)
    assert isinstance(mali.imported_at, datetime) and mali.imported_at.tzinfo is not None
    assert "ACLED" in mali.licence
    ucdp = by_name(new_store())["UCDP 2024"]
    assert (ucdp.source_type, ucdp.file) == ("ucdp_ged", "ged.csv") and "Sundberg" in ucdp.licence


def test_rows_belong_to_the_import_that_last_wrote_them(new_store):
    store = new_store()
    store.add_import(result("first.csv", "A", "B"))
    store.add_import(result("second.csv", "A", "C"))  # undated, same content: A stays first's
    revised = result("third.csv", "B")
    revised.incidents["fatalities"] = 7
    store.add_import(revised)
    counts = {d.name: d.rows for d in list_datasets(new_store()) if not d.demo}
    assert counts == {"first.csv": 1, "second.csv": 1, "third.csv": 1}


def test_a_stored_revision_of_a_shipped_row_counts_for_its_import(new_store):
    shipped = pd.read_parquet(SHIPPED_DIR / "seed_rfi_2023-11-24.parquet")
    revision = shipped.iloc[:1].assign(fatalities=3)
    new_store().add_import(ImportResult(
        source_name="fix.csv", format="canonical", container="csv", rows_read=1,
        incidents=conform(revision), rejected=pd.DataFrame({"row": [], "reason": []}),
        unknown_actors={}))
    counts = by_name(new_store())
    assert (counts["demo: seed report"].rows, counts["fix.csv"].rows) == (1, 1)
    assert counts["fix.csv"].source_type == "seed"


def test_rows_of_older_versions_are_one_dataset_that_can_be_removed(new_store):
    store = new_store()
    store.add(conform(pd.DataFrame([{"event_id": "OLD1", "event_date": "2020-01-01",
                                     "latitude": 14.0, "longitude": -1.0,
                                     "dataset": "acled"}])))
    earlier = by_name(new_store())["imported earlier"]
    assert (earlier.rows, earlier.source_type, earlier.imported_at) == (1, "acled", None)
    assert remove_dataset("imported earlier", new_store()) == 1
    assert "imported earlier" not in by_name(new_store())


def test_remove_dataset_removes_its_rows_registry_entry_and_logs_them(new_store):
    store = new_store()
    store.add_import(result("mali.csv", "A", "B"))
    store.add_import(result("niger.csv", "N"))
    assert remove_dataset("mali.csv", new_store()) == 2
    assert store.load()["event_id"].tolist() == ["N"]
    assert "mali.csv" not in by_name(new_store())
    if isinstance(store, PostgresStore):
        removed = [store.history(i).iloc[-1] for i in ("A", "B")]
        assert [(r["action"], r["changed_from"]) for r in removed] == [("removed", "mali.csv")] * 2
    else:
        log = pd.read_json(store.removals_log, lines=True)
        assert log["event_id"].tolist() == ["A", "B"]
        assert set(log["cause"]) == {"dataset removed"} and set(log["source"]) == {"mali.csv"}
    # Removed, not deleted: importing the file again brings its rows back.
    assert store.add_import(result("mali.csv", "A", "B")).added == 2


def test_a_demonstration_dataset_cannot_be_removed(tmp_path):
    with pytest.raises(DatasetError, match="shipped demonstration data.*filter"):
        remove_dataset("demo: seed report", tmp_path)


def test_an_unknown_dataset_name_suggests_the_closest(new_store):
    new_store().add_import(result("mali-2024.csv", "A"))
    with pytest.raises(UnknownDatasetError) as raised:
        remove_dataset("Mali-2024.cvs", new_store())
    assert raised.value.suggestions[0] == "mali-2024.csv"
    assert 'Did you mean: "mali-2024.csv"' in str(raised.value)


END_OF_DAY = 1705363199  # 2024-01-15 23:59:59 UTC


@pytest.mark.parametrize("cell, seconds", [
    ("1705312800", 1705312800),
    ("1705312800.0", 1705312800),
    ("2024-01-15", END_OF_DAY),
    ("15 January 2024", END_OF_DAY),
    ("2024-01-15 00:00:00", END_OF_DAY),   # a spreadsheet's date
    ("2024-01-15 10:00:00", 1705312800),
])
def test_deletion_timestamps_are_unix_seconds_or_dates(cell, seconds):
    text = f"event_id_cnty,deleted_timestamp\nMLI1,{cell}\n"
    listed = read_deletions(io.BytesIO(text.encode()), name="d.csv")
    assert listed.deletions["deleted_timestamp"].tolist() == [seconds]


def test_deletions_list_accepts_timestamp_skips_hxl_and_counts_bad_lines():
    text = ("event_id_cnty,timestamp\n#event+code,#date+deleted\n MLI1 ,1700000000\n"
            ",1700000000\nMLI2,soon\n")
    listed = read_deletions(io.BytesIO(text.encode()), name="d.csv")
    assert listed.deletions["event_id"].tolist() == ["MLI1"]
    assert listed.skipped == {"missing event_id": 1, "unreadable deletion timestamp": 1}


def test_deletions_list_reads_xlsx(tmp_path):
    path = tmp_path / "deletions.xlsx"
    pd.DataFrame({"event_id_cnty": ["BFA7"], "deleted_timestamp": [1700000000]}).to_excel(
        path, index=False)
    listed = read_deletions(path)
    assert (listed.name, listed.deletions.to_dict("list")) == (
        "deletions.xlsx", {"event_id": ["BFA7"], "deleted_timestamp": [1700000000]})


@pytest.mark.parametrize("text, message", [
    ("event_id,when\nA,1\n", "not a deletions list"),
    ("", "empty file"),
])
def test_a_file_that_is_no_deletions_list_is_a_clear_error(text, message):
    with pytest.raises(UnreadableSourceError, match=message):
        read_deletions(io.BytesIO(text.encode()), name="d.csv")
