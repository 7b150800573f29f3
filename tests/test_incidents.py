import pandas as pd
import pytest

from sahel import DATA_DIR
from sahel.incidents import SHIPPED_DIR, load_incidents, load_shipped
from sahel.schema import COLUMN_NAMES, claims_from_json, conform

MAX_QUOTED_WORDS = 10


@pytest.fixture(scope="module")
def shipped():
    return load_shipped()


def test_load_incidents_is_shipped_plus_store_with_the_store_winning(new_store, shipped):
    store = new_store()
    revised = shipped.loc[shipped["event_id"] == "SEED-RFI-20231124-2"].copy()
    revised["fatalities"] = 3
    new = conform(pd.DataFrame([{"event_id": "MLI1", "event_date": "2024-01-01",
                                 "latitude": 14.5, "longitude": -4.2, "dataset": "acled"}]))
    store.add(pd.concat([revised, new], ignore_index=True))
    frame = load_incidents(new_store())
    assert len(frame) == len(shipped) + 1
    assert frame["event_id"].is_unique
    assert frame.set_index("event_id").loc["SEED-RFI-20231124-2", "fatalities"] == 3
    assert list(frame.columns) == [*COLUMN_NAMES, "geometry"]


def test_shipped_files_are_canonical_in_coverage_and_documented(shipped):
    readme = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    files = sorted(SHIPPED_DIR.glob("*.parquet"))
    assert [f.name for f in files if f"incidents/{f.name}" not in readme] == []
    assert shipped["event_id"].is_unique
    assert shipped["admin1"].notna().all() and shipped["iso3"].notna().all()
    assert (shipped["dataset"].value_counts().to_dict()) == {"ucdp_ged": 100, "seed": 22}


def test_seed_report_is_coded_with_its_claims_kept_apart(shipped):
    seed = shipped.set_index("event_id").loc[["SEED-RFI-20231124-1", "SEED-RFI-20231124-2"]]
    niafunke, goundam = seed.iloc[0], seed.iloc[1]
    assert (niafunke["location"], niafunke["latitude"], niafunke["longitude"]) == (
        "Niafunké", 15.9322, -3.9906)
    assert (goundam["latitude"], goundam["longitude"]) == (16.41453, -3.67075)
    for row in (niafunke, goundam):
        assert row["event_date"] == pd.Timestamp("2023-11-24")
        assert (row["group1"], row["group2"], row["admin1"]) == ("JNIM", "FAMa", "Tombouctou")
    assert niafunke["fatalities"] == 12  # "plusieurs dizaines": ACLED's conservative 12
    claims = {(c.by, c.kind): (c.low, c.high) for c in claims_from_json(niafunke["claims"])}
    assert claims[("JNIM", "killed")] == (12, None)
    assert claims[("JNIM", "prisoners")] == (2, 2)
    assert ("JNIM", "looting") in claims
    assert claims[("sources locales", "killed")] == (50, 50)
    assert claims[("armée malienne", "killed")] == (None, None)
    assert goundam["event_type"] == "Explosions/Remote violence"


def test_report_incidents_are_facts_with_short_quotes_and_urls(shipped):
    reports = shipped.loc[shipped["event_id"].str.startswith("SEED-DEV-")]
    assert len(reports) == 20
    assert reports["source_url"].str.startswith("http").all()
    quotes = [c.text for text in reports["claims"].dropna() for c in claims_from_json(text)]
    assert quotes and max(len(q.replace(" …", "").split()) for q in quotes) <= MAX_QUOTED_WORDS


@pytest.mark.parametrize("prefix, name", [("UCDP-", "demo: UCDP GED sample"),
                                          ("SEED-DEV-", "demo: news reports"),
                                          ("SEED-RFI-", "demo: seed report")])
def test_shipped_rows_carry_their_demonstration_dataset_name(shipped, prefix, name):
    rows = shipped.loc[shipped["event_id"].str.startswith(prefix)]
    assert len(rows) and set(rows["dataset_name"]) == {name}


def test_stored_rows_of_older_versions_get_a_dataset_name(new_store):
    store = new_store()
    store.add(conform(pd.DataFrame([{"event_id": "MLI1", "event_date": "2024-01-01",
                                     "latitude": 14.5, "longitude": -4.2, "dataset": "acled"}])))
    frame = load_incidents(new_store()).set_index("event_id")
    assert frame.loc["MLI1", "dataset_name"] == "imported earlier"
    assert frame["dataset_name"].notna().all()
