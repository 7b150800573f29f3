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
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("seed")
    status = main(["extract", str(SEED), "--jsonl", str(folder / "seed.jsonl"), "--add",
                   "--store", str(folder / "store")])
    assert status == 0
    return folder / "store"


@pytest.fixture(scope="module")
def added(store: Path) -> tuple[pd.DataFrame, LinkResult]:
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
    # The toll rule, not a double count: the coded record's best figure (the shipped coding
    # reads JNIM's "plusieurs dizaines" as ACLED's "dozens", 12; the tool's own reading, 10,
    # stands back), and the range of every figure and claim (local sources: about fifty).
    assert (niafunke["fatalities"], niafunke["fatalities_low"], niafunke["fatalities_high"]) == (
        12, 10, 50)
    assert once["fatalities"].fillna(0).sum() == before["fatalities"].fillna(0).sum()


def test_links_command_lists_and_writes_the_links(store: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "links.csv"
    assert main(["links", "--store", str(store), "--csv", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("2 links at 0.6 or above between 2 datasets")
    assert "SEED-RFI-20231124-1 (demo: seed report) ↔ RPT-" in printed
    assert "same day; 0.0 km apart; same place name;" in printed
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert len(table) == 2 and table["grouped"].all()
    assert {"score", "reasons", "reasons_text", "event_group", "type_a", "toll_a"} <= set(
        table.columns)


@pytest.mark.parametrize(("args", "status", "expected"), [
    (["--dataset", "demo: seed report"], 0, "0 links"),  # one dataset: nothing to link
    # The report added is a dataset of its own (sahel.extract.report.report_dataset_name).
    (["--dataset", "demo: seed report", "--dataset", "REPORT"], 0, "2 links"),
    (["--threshold", "0.99"], 0, "0 links"),
    (["--dataset", "demo: seed rpt"], 2, 'Did you mean: demo: seed report'),
])
def test_links_command_options(store: Path, capsys: pytest.CaptureFixture[str],
                               args: list[str], status: int, expected: str) -> None:
    from sahel.extract.report import read_report, report_dataset_name

    named = report_dataset_name(read_report(SEED))
    args = [named if a == "REPORT" else a for a in args]
    assert main(["links", "--store", str(store), *args]) == status
    captured = capsys.readouterr()
    assert expected in captured.out + captured.err
