"""The browser's payload: compact columns, popup facets, compact ids, group colours, escaping."""

from __future__ import annotations

import html
import json
import re

import pandas as pd
import pytest
from map_data import HOSTILE, map_incidents  # tests/ is on sys.path (pytest rootdir-less import)

from sahel import actors
from sahel.group_match import GroupRule, group_labels
from sahel.map_payload import (
    claim_lines,
    compact_ids,
    deflate_payload,
    facet_codes,
    incident_payload,
    inflate_payload,
    pack_ints,
    unpack,
)
from sahel.schema import conform


def test_payload_is_compact_columns_with_popup_facets() -> None:
    payload = incident_payload(map_incidents())
    assert payload["n"] == 3
    assert decode_ids(payload["id"]) == ["T-1", "T-2", "T-3"]
    assert unpack(payload["prec"]) == [1, 3, 2]
    assert unpack(payload["fat"]) == [12, 3, 0]
    assert unpack(payload["lat"]) == [15.932, 14.49, 13.906]
    facets = payload["facets"]

    def facet(name: str, i: int) -> str:
        return facets[name]["v"][unpack(facets[name]["i"])[i]]

    assert facet("toll", 0) == "12 (range 12–50)"
    assert facet("place", 0) == "Niafunké, Tombouctou, Mali"
    assert "JNIM (armed group): killed 12+ «plusieurs dizaines»" in facet("claims", 0)
    assert "&lt;img" in facet("claims", 0) and "<img" not in facet("claims", 0)
    assert facet("source", 0) == "RFI"
    assert facet("dataset", 0) == "hand-coded from a news report"
    assert facet("link", 0) == "https://www.rfi.fr/fr/afrique/x"
    # A UCDP GED event links to its page at UCDP (the browser makes it of the id); its
    # javascript: URL never becomes a link.
    assert facet("link", 1) == "ucdp_ged"
    assert facet("link", 2) == ""
    assert facet("source", 1) == "&lt;img src=x onerror=alert(1)&gt;"
    assert facet("claims", 2) == ""


def decode_ids(ids: dict) -> list[str]:
    """Decode compact ids as static/sahel/incidents.js (eventId) does."""
    return [ids["p"][k][0] if n < 0 else ids["p"][k][0] + str(n).zfill(ids["p"][k][1])
            for k, n in zip(unpack(ids["k"]), unpack(ids["n"]), strict=True)]


@pytest.mark.parametrize(("values", "kind"), [
    ([0, 255], "u8"), ([0, 256], "u16"), ([70_000], "u32"), ([-1, 5], "i32"),
    ([123_456_789_012_345], "f64"), ([], "u8")])
def test_pack_ints_takes_the_smallest_typed_array_and_round_trips(values: list[int],
                                                                   kind: str) -> None:
    packed = pack_ints(values)
    assert packed["t"] == kind and unpack(packed) == values


def test_packed_columns_are_smaller_than_json_numbers() -> None:
    values = list(range(50_000, 60_000))
    assert len(json.dumps(pack_ints(values))) < 0.65 * len(json.dumps(values))


@pytest.mark.parametrize("event_id", ["ACLED-MLI-0012345", "SEED-RFI-20231124-2", "UCDP-7",
                                      "noDigits", "", "0000", "X-12345678901234567890",
                                      HOSTILE + "9"])
def test_compact_ids_round_trip_and_escape(event_id: str) -> None:
    ids = compact_ids(pd.Series([event_id, "ACLED-MLI-0000001", None], dtype="str"))
    assert decode_ids(ids) == [html.escape(event_id), "ACLED-MLI-0000001", ""]
    assert "<img" not in json.dumps(ids)


def test_compact_ids_are_smaller_than_the_ids() -> None:
    ids = pd.Series([f"SYN-1-{k:07d}" for k in range(10_000)], dtype="str")
    assert len(json.dumps(compact_ids(ids))) < 0.6 * len(json.dumps(ids.tolist()))


def test_points_coloured_by_alias_table_group() -> None:
    payload = incident_payload(map_incidents())
    legend = {g["name"]: g["color"] for g in payload["groups"]}
    assert legend["JNIM"] == actors.group_info("JNIM").color
    assert payload["groups"][unpack(payload["group"])[0]]["name"] == "JNIM"


def test_filtered_group_colours_its_incidents_even_as_second_actor() -> None:
    incidents = map_incidents()
    payload = incident_payload(incidents, group_labels(incidents, {"JNIM"}, GroupRule()))
    assert payload["groups"][unpack(payload["group"])[2]]["name"] == "JNIM"
    plain = incident_payload(map_incidents())
    assert plain["groups"][unpack(plain["group"])[2]]["name"] == "FAMa"


def test_claim_lines_one_escaped_line_per_claim() -> None:
    lines = claim_lines(map_incidents().loc[0, "claims"])
    assert len(lines) == 2
    assert lines[1].startswith("sources locales (local sources): killed 50")


def test_deflated_payload_round_trips_and_is_smaller() -> None:
    incidents = pd.concat([map_incidents()] * 400, ignore_index=True)
    incidents["event_id"] = [f"T-{k}" for k in range(len(incidents))]
    payload = incident_payload(incidents)
    text = deflate_payload(payload)
    assert inflate_payload(text) == payload
    assert len(text) < 0.5 * len(json.dumps(payload))
    # Base64 only: safe inside a single-quoted string in an inline <script>.
    assert re.fullmatch(r"[A-Za-z0-9+/=]+", text)


def test_a_view_taking_known_codes_gets_the_same_payload() -> None:
    # Facet codes, values and id parts found once for the whole frame; each view takes its rows'.
    incidents = pd.concat([map_incidents()] * 5, ignore_index=True)
    incidents["event_id"] = [f"T-{k % 7}" if k % 3 else f"X{k}" for k in range(len(incidents))]
    incidents.loc[4, "location"] = None
    known = facet_codes(incidents)
    for rows in ([14, 2, 9, 4], [3], [], list(range(15))[::-1]):
        view = incidents.iloc[rows]
        assert incident_payload(view, known=known) == incident_payload(view), rows
    # Rows the codes were not found for are compared afresh.
    other = map_incidents().set_axis([100, 101, 102])
    assert incident_payload(other, known=known) == incident_payload(other)


RLO = "\u202e"


def test_a_right_to_left_override_in_a_group_name_cannot_reorder_its_count() -> None:
    # static/sahel/incidents.js writes `name + " <small>(" + count + ")</small>"`: the name must
    # arrive isolated, or "(50)" is shown as "(05)".
    incidents = pd.concat([map_incidents().iloc[[0]]] * 50, ignore_index=True)
    incidents["event_id"] = [f"T-{k}" for k in range(50)]
    incidents["group1"] = f"{RLO}Katiba X"
    (group,) = incident_payload(incidents)["groups"]
    assert group["name"] == f"<bdi>{RLO}Katiba X</bdi>" and group["count"] == "50"
    assert group["label"] == "Katiba X"  # a title attribute holds no markup: controls stripped
    legend_row = group["name"] + " <small>(" + str(group["count"]) + ")</small>"
    assert legend_row.endswith("</bdi> <small>(50)</small>")


@pytest.mark.parametrize("value", ["جماعة نصرة الإسلام", f"{RLO}<b>x", "\u2067abc", "\u200fx"])
def test_right_to_left_data_values_are_isolated_in_popups(value: str) -> None:
    incidents = map_incidents()
    incidents.loc[0, ["actor1", "location"]] = value
    facets = incident_payload(incidents)["facets"]
    shown = f"<bdi>{html.escape(value)}</bdi>"
    assert facets["actors"]["v"][0].startswith(shown + " [JNIM]")
    assert facets["place"]["v"][0].startswith(shown + ", ")
    # Plain left-to-right values stay as they were.
    assert facets["place"]["v"][1] == "&lt;img src=x onerror=alert(1)&gt;, Mopti, Mali"


def test_a_claimants_name_is_isolated_from_the_figure_after_it() -> None:
    claims = json.dumps([{"by": f"{RLO}armée", "role": "army", "kind": "killed", "text": "",
                          "low": 50, "high": 50}])
    assert claim_lines(claims) == [f"<bdi>{RLO}armée</bdi> (army): killed 50"]


@pytest.mark.parametrize("claims", [
    "{not json", "[1,2]", '{"by":"x"}', "null", "[" * 10_000 + "]" * 10_000, "NaN",
    '{"type":"Point","coordinates":[0,0]}', None, float("nan"), 5, "x" * 1_000_000])
def test_invalid_claims_cells_show_no_claims_and_never_raise(claims: object) -> None:
    assert claim_lines(claims) == []
    incidents = map_incidents().astype({"claims": "object"})
    incidents.loc[0, "claims"] = claims
    assert incident_payload(incidents)["facets"]["claims"]["v"][0] == ""


def test_a_row_of_missing_values_and_huge_strings_makes_a_payload() -> None:
    incidents = map_incidents()
    empty = conform(pd.DataFrame([{"event_id": None}]))
    huge = conform(pd.DataFrame([{c: "\u202e" + "<x>" * 200_000 for c in (
        "event_id", "actor1", "group1", "location", "notes", "source", "source_url")}]))
    frame = pd.concat([incidents, empty, huge], ignore_index=True)
    payload = incident_payload(frame)
    assert payload["n"] == 5
    assert "<x>" not in json.dumps(payload)
    assert inflate_payload(deflate_payload(payload)) == payload
