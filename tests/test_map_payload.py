"""The browser's payload: compact columns, popup facets, compact ids, group colours, escaping."""

from __future__ import annotations

import html
import json
import re

import pandas as pd
import pytest
from map_data import HOSTILE, map_incidents  # tests/ is on sys.path (pytest rootdir-less import)

from sahel import actors, i18n
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
from sahel.map_text import short_date_parts
from sahel.palette import OTHER_COLOR, PALETTE
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


def _facet(payload: dict, name: str, i: int) -> str:
    facets = payload["facets"]
    return facets[name]["v"][unpack(facets[name]["i"])[i]]


@pytest.mark.parametrize(("row", "shown"), [
    ({}, "<i>no actor given by the source</i>"),
    ({"actor1": "JNIM", "group1": "JNIM"}, "JNIM"),
    ({"actor1": "Katiba Macina", "group1": "JNIM", "assoc_actor_1": "Dozo"},
     "Katiba Macina [JNIM] with Dozo"),
    ({"actor2": "Civilians", "group2": "Civilians"},
     "<i>no actor given by the source</i> vs Civilians"),
    ({"group1": "FAMa"}, "FAMa"),
    ({"actor1": "Government of Mali", "group1": "FAMa", "actor2": "JNIM", "group2": "JNIM"},
     "Government of Mali [FAMa] vs JNIM"),
])
def test_popup_actors_never_show_empty_brackets(row: dict, shown: str) -> None:
    incidents = map_incidents().iloc[[2]].copy()
    for column in ("actor1", "group1", "actor2", "group2", "assoc_actor_1", "assoc_actor_2"):
        incidents[column] = row.get(column)
    actors_text = _facet(incident_payload(conform(incidents)), "actors", 0)
    assert actors_text == shown and "[]" not in actors_text


def test_links_go_to_ucdp_ged_events_and_safe_report_addresses() -> None:
    incidents = pd.concat([map_incidents()] * 2, ignore_index=True)
    incidents["event_id"] = [f"T-{k}" for k in range(6)]
    incidents.loc[1, "dataset"] = "ucdp_candidate"  # no page of its own at UCDP
    incidents.loc[3, "source_url"] = "HTTPS://example.org/a?b=1&c=<2>"
    incidents.loc[4, "source_url"] = "https://example.org/a b"
    incidents.loc[5, "source_url"] = "ftp://example.org/x"
    payload = incident_payload(conform(incidents))
    links = [_facet(payload, "link", i) for i in range(6)]
    assert links == ["https://www.rfi.fr/fr/afrique/x", "", "", "", "ucdp_ged", ""]
    incidents.loc[4, "dataset"] = "seed"
    incidents.loc[3, "source_url"] = "https://example.org/a?b=1&c=2"
    payload = incident_payload(conform(incidents))
    assert _facet(payload, "link", 3) == "https://example.org/a?b=1&amp;c=2"
    assert _facet(payload, "dataset", 1) == "UCDP Candidate Events Dataset"
    assert _facet(payload, "source", 2) == "AFP"


def test_a_source_without_a_name_is_not_called_source() -> None:
    incidents = map_incidents()
    incidents.loc[1, ["source", "dataset_name"]] = [None, "demo: UCDP GED sample"]
    payload = incident_payload(incidents)
    assert _facet(payload, "source", 1) == ""
    assert _facet(payload, "dataset", 1) == (
        "UCDP Georeferenced Event Dataset (GED) · demo: UCDP GED sample")


def test_popup_words_follow_the_language_even_from_codes_found_in_english() -> None:
    incidents = map_incidents()
    incidents.loc[2, ["actor1", "group1", "actor2", "group2"]] = None
    known = facet_codes(incidents)  # as the dashboard's cache: once, in English
    english = incident_payload(incidents, known=known)
    i18n.use_language("fr")
    try:
        french = incident_payload(incidents, known=known)
        assert french == incident_payload(incidents)
    finally:
        i18n.use_language("en")
    assert _facet(english, "date", 0) == "24 Nov 2023"
    assert _facet(french, "date", 0) == "24 nov. 2023"
    assert _facet(french, "actors", 2) == "<i>aucun acteur indiqué par la source</i>"
    assert _facet(french, "toll", 0) == "12 (fourchette 12–50)"
    assert "<li>sources locales (sources locales) : tués 50 «" in _facet(french, "claims", 0)
    assert _facet(french, "dataset", 0) == "codé à la main d’après un article de presse"
    # Data values stay as the source wrote them.
    assert _facet(french, "place", 0) == _facet(english, "place", 0)
    assert incident_payload(incidents, known=known) == english


@pytest.mark.parametrize("language", ["en", "fr"])
def test_popup_dates_are_babels_short_dates(language: str) -> None:
    days = pd.Series(pd.to_datetime(["2023-11-24", "1989-01-02", "2024-05-31", None]))
    i18n.use_language(language)
    try:
        shown = short_date_parts(days).tolist()
        expected = [i18n.format_date(d, "d MMM yyyy") for d in days[:3]]
    finally:
        i18n.use_language("en")
    assert shown == [*expected, ""]


def test_date_facet_carries_a_sort_key_per_value() -> None:
    payload = incident_payload(map_incidents())
    keys = unpack(payload["facets"]["date"]["k"])
    codes = unpack(payload["facets"]["date"]["i"])
    days = [keys[c] for c in codes]
    assert days == [19685, 19681, 18997]  # days since 1970-01-01
    assert sorted(range(3), key=lambda i: days[i]) == [2, 1, 0]


def test_legend_shows_eight_groups_in_distinct_colours_and_the_rest_in_one_grey() -> None:
    names = [g.name for g in actors.all_groups()][:12] + [None]
    incidents = pd.concat([map_incidents().iloc[[2]]] * len(names) * 2, ignore_index=True)
    incidents["event_id"] = [f"T-{k}" for k in range(len(incidents))]
    incidents["group1"] = names * 2
    incidents.loc[0, "group1"] = names[0]  # the first group is the largest
    payload = incident_payload(conform(incidents))
    legend = payload["groups"]
    coloured, other = legend[:-1], legend[-1]
    assert len(coloured) == len(PALETTE) and {g["color"] for g in coloured} == set(PALETTE)
    assert other == {"name": "Other groups", "count": "10", "color": OTHER_COLOR, "other": True,
                     "label": "Other groups, and incidents whose source names no actor"}
    # Incidents naming no actor are in the grey entry too.
    codes = unpack(payload["group"])
    assert legend[codes[12]] is other
