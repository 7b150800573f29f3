"""The seed report added with `python -m sahel extract --add` links to the shipped seed incidents.

Adding the RFI report of 25 Nov 2023 onto the shipped data used to stack two incidents on top of
the shipped Niafunké and Goundam ones (Tombouctou: 8 incidents → 10). Linked, each pair is one
event group, and counting each event once gives Tombouctou its 8 incidents back.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sahel.__main__ import main
from sahel.incidents import load_incidents, load_shipped
from sahel.links import LinkResult, count_once, link_records

SEED = Path(__file__).resolve().parent / "fixtures" / "rfi_2023-11-25_jnim_niafunke_goundam.txt"
SHIPPED_SEED = {"Niafunké": "SEED-RFI-20231124-1", "Goundam": "SEED-RFI-20231124-2"}


@pytest.fixture(scope="module")
def added(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, LinkResult]:
    folder = tmp_path_factory.mktemp("seed")
    store = folder / "store"
    status = main(["extract", str(SEED), "--jsonl", str(folder / "seed.jsonl"), "--add",
                   "--store", str(store)])
    assert status == 0
    incidents = load_incidents(store)
    return incidents, link_records(incidents)


def test_each_added_incident_links_to_its_shipped_one(
        added: tuple[pd.DataFrame, LinkResult]) -> None:
    incidents, result = added
    reports = incidents[incidents["dataset"] == "report"]
    assert sorted(reports["location"]) == ["Goundam", "Niafunké"]
    groups = result.groups.astype({"event_id": str, "event_group": str})
    group_of = dict(zip(groups["event_id"], groups["event_group"], strict=True))
    for row in reports.itertuples(index=False):
        shipped = SHIPPED_SEED[row.location]
        assert group_of[row.event_id] == group_of[shipped]
        members = groups[groups["event_group"] == group_of[shipped]]["event_id"]
        assert set(members) == {row.event_id, shipped}
    links = result.links[result.links["grouped"]]
    assert len(links) == 2 and (links["score"] >= 0.9).all()
    assert set(links["actor_reason"]) == {"actors_shared"}


def test_tombouctou_counts_once_as_before(added: tuple[pd.DataFrame, LinkResult]) -> None:
    incidents, result = added
    before = load_shipped()
    before = before[before["admin1"] == "Tombouctou"]
    stacked = incidents[incidents["admin1"] == "Tombouctou"]
    once = count_once(incidents, result.groups)
    once = once[once["admin1"] == "Tombouctou"]
    assert len(stacked) == len(before) + 2
    assert len(once) == len(before)
    niafunke = once[once["event_group"].notna() & (once["location"] == "Niafunké")].iloc[0]
    # The toll rule, not a double count: the lowest best figure (the report reads JNIM's
    # "plusieurs dizaines" as 10, the shipped coding as ACLED's "dozens", 12), and the range of
    # every figure and claim (local sources: about fifty).
    assert (niafunke["fatalities"], niafunke["fatalities_low"], niafunke["fatalities_high"]) == (
        10, 10, 50)
    assert once["fatalities"].fillna(0).sum() == before["fatalities"].fillna(0).sum() - 12 + 10
