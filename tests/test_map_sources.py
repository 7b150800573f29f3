"""The popup of a linked event: every source side by side, the link's reasons in the page's
language, every value escaped (sahel/map_sources.py), and the payload carrying it for grouped
rows only (sahel/map_payload.py)."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator

import pandas as pd
import pytest

from sahel.i18n import use_language
from sahel.incidents import load_shipped
from sahel.link_reasons import REASONS
from sahel.links import link_records
from sahel.map_payload import SOURCES_COLUMN, incident_payload, unpack
from sahel.map_sources import reason_text, reasons_html, sources_blocks, too_many_html
from sahel.query import IncidentQuery, count_sources_once, filter_once

SHIPPED = "SEED-RFI-20231124-1"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    # The language is the thread's: set back to English after each test, for the next file's.
    use_language("en")
    yield
    use_language("en")


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    """The shipped Niafunké seed record and an ACLED-layout record of the same attack, with
    another spelling, another toll, a hostile place name and a report claim of its own."""
    shipped = load_shipped()
    seed = shipped[shipped["event_id"] == SHIPPED]
    other = seed.copy()
    other["event_id"] = "ACLED-MLI-1"
    other["dataset"] = "acled"
    other["dataset_name"] = "ACLED <Sahel> 2023"
    other["actor1"] = "JNIM: Group for Support of Islam and Muslims"
    other["location"] = "Niafunke <script>alert(1)</script>"
    other["fatalities"], other["fatalities_low"], other["fatalities_high"] = 30, pd.NA, pd.NA
    other["claims"] = json.dumps([{"by": "Préfet <b>", "role": "government", "kind": "killed",
                                   "text": "30 soldats", "low": 30, "high": 30}])
    other["time_precision"] = 2
    return pd.concat([seed, other], ignore_index=True)


@pytest.fixture(scope="module")
def linked(records: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    result = link_records(records)
    members = records.assign(event_group=result.event_groups(records))
    assert members["event_group"].notna().all()
    return members, result.links


def test_the_block_shows_every_source_side_by_side(
        linked: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    members, links = linked
    (block,) = sources_blocks(members, links).values()
    assert "2 sources of this event, side by side" in block
    # One column per source, headed by its dataset and event id.
    assert block.count("<th>") >= 2 + 7
    assert "hand-coded from a news report · demo: seed report" in block
    assert "ACLED · ACLED &lt;Sahel&gt; 2023" in block
    assert SHIPPED in block and "ACLED-MLI-1" in block
    # Date and its precision, place, actors, tolls.
    assert "24 Nov 2023" in block and "(within a week)" in block
    assert "Niafunké, Tombouctou, Mali" in block
    assert "JNIM: Group for Support of Islam and Muslims [JNIM]" in block
    assert "12 (range 12–50)" in block and ">30<" in block
    # Each report's claims with who made them.
    assert "JNIM (armed group): killed 12+" in block
    assert "sources locales (local sources): killed 50" in block
    assert "Préfet &lt;b&gt; (government): killed 30" in block
    # The reasons, one line per link.
    assert "Why they are linked" in block
    assert f"{SHIPPED} ↔ ACLED-MLI-1" in block or f"ACLED-MLI-1 ↔ {SHIPPED}" in block
    assert "dates overlap (precision 2)" in block and "same actors (FAMa, JNIM)" in block


def test_every_value_is_escaped(linked: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    members, links = linked
    (block,) = sources_blocks(members, links).values()
    assert "<script>" not in block and "&lt;script&gt;alert(1)&lt;/script&gt;" in block
    assert "<Sahel>" not in block and "Préfet <b>" not in block


def test_reasons_follow_the_language(linked: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    members, links = linked
    use_language("fr")
    (block,) = sources_blocks(members, links).values()
    assert "2 sources de cet événement, côte à côte" in block
    assert "Pourquoi ils sont liés" in block
    assert "dates qui se recouvrent (précision 2)" in block
    assert "mêmes acteurs (FAMa, JNIM)" in block
    assert "24 nov. 2023" in block


def test_every_reason_code_has_french() -> None:
    use_language("fr")
    untranslated = [code for code, text in REASONS.items()
                    if reason_text({"code": code}) == html.escape(text, quote=False)]
    assert not untranslated


@pytest.mark.parametrize(("reason", "expected"), [
    ({"code": "distance_km", "km": 12.5}, "12.5 km apart"),
    ({"code": "days_apart", "days": 1}, "1 day(s) apart"),
    ({"code": "actors_shared", "groups": ["JNIM", "<FAMa>"]},
     "same actors (JNIM, &lt;FAMa&gt;)"),
    ({"code": "type_same", "a": "ACLED:Battles/<x>"},
     "same event type (ACLED:Battles/&lt;x&gt;)"),
    ({"code": "no_such_code"}, "no_such_code"),
    ({"code": "tolls_differ"}, "tolls differ ({a} / {b})"),  # a parameter missing: the text
])
def test_a_reason_in_english(reason: dict, expected: str) -> None:
    assert reason_text(reason) == expected


def test_unreadable_reasons_are_no_error() -> None:
    assert reasons_html("not json") == ""
    assert reasons_html("") == ""
    assert reasons_html('[{"code":"same_day"},3]') == "same day"


def test_the_payload_carries_the_block_for_grouped_rows_only(
        records: pd.DataFrame, linked: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    members, links = linked
    shipped = load_shipped()
    everything = pd.concat([shipped, records[records["event_id"] == "ACLED-MLI-1"]],
                           ignore_index=True)
    query = IncidentQuery(once=True, regions=frozenset({"Tombouctou"}))
    counted = count_sources_once(everything, members[["event_id", "event_group"]].assign(
        dataset_key=["demo: seed report", "ACLED <Sahel> 2023"]), query)
    rows = filter_once(everything, counted, query)
    blocks = sources_blocks(members, links)
    view = rows.assign(**{SOURCES_COLUMN: rows["event_group"].map(blocks).fillna("")})
    payload = incident_payload(view)
    facet = payload["facets"]["sources"]
    codes = unpack(facet["i"])
    grouped = rows["event_group"].notna().to_numpy()
    assert facet["v"][0] == ""
    assert all((facet["v"][c] != "") == g for c, g in zip(codes, grouped, strict=True))
    assert sum(grouped) == 1 and len(rows) == 8  # Tombouctou's eight events, one linked
    # The grouped row's toll is the group's (the lowest coded figure, the range of all).
    toll = payload["facets"]["toll"]
    position = int(grouped.argmax())
    assert toll["v"][unpack(toll["i"])[position]] == "12 (range 12–50)"
    # Without the column, no facet: a view in no "once" mode is as before.
    assert "sources" not in incident_payload(rows)["facets"]


def test_a_view_of_too_many_linked_events_says_how_to_see_their_sources() -> None:
    note = too_many_html(3)
    assert "This event has 3 sources; narrow the filters" in note
    use_language("fr")
    assert "Cet événement a 3 sources" in too_many_html(3)
