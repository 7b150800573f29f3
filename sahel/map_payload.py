"""The incidents as the browser gets them: compact columns, popup text as escaped "facets".

Incidents are not folium markers (one marker each takes > 20 s to paint 10,000): they travel as one
column-wise JSON object that `static/sahel/incidents.js` draws on a canvas, building popups only
when one is opened. Every text is HTML-escaped (`sahel/map_text.py`); the browser only joins
fragments. Number columns are packed (`pack_ints`): the little-endian bytes of the smallest typed
array that holds them, in base64, about half the size of the same numbers written out in JSON. A
big view travels deflated (`deflate_payload`): one zlib stream of a JSON header and the columns'
raw bytes, in base64, 4.6 → 1.8 MB for 100,000 incidents; every copy and parse of the page's
script on the way to the map (Streamlit, streamlit-folium's eval, V8) then handles a third as
much text.
"""

from __future__ import annotations

import base64
import html
import json
import struct
import zlib
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sahel import actors
from sahel.i18n import _, current_language, format_number, use_language
from sahel.map_text import (
    FACETS,
    claim_lines,
    date_keys,
    shown_html,
    title_text,
)
from sahel.palette import OTHER_COLOR, PALETTE, group_colors

__all__ = ["DEFLATE_MIN_INCIDENTS", "FacetCodes", "claim_lines", "compact_ids", "deflate_payload",
           "facet_codes", "followed_codes", "incident_payload", "inflate_payload", "pack_ints",
           "shown_html", "unpack"]

# Notes are left out of popups for big views: they would dominate the bytes sent to the browser.
POPUP_NOTES_MAX_ROWS = 5000
# As many groups in colour as the palette has colours; the rest are one grey "Other groups".
LEGEND_GROUPS = len(PALETTE)
# Views of this many incidents or more are sent deflated; smaller ones as readable JSON.
DEFLATE_MIN_INCIDENTS = 1000
# zlib level 1: 0.07 s for 100,000 incidents; level 6 saves 4 % more bytes for 4× the time.
DEFLATE_LEVEL = 1
DEGREE_SCALE = 10_000
# Typed-array kinds the browser knows (static/sahel/incidents.js, unpack), little-endian.
TYPED_ARRAYS = {"u8": "<u1", "u16": "<u2", "u32": "<u4", "i32": "<i4", "f64": "<f8"}
INT_KINDS = {"u8": (0, 2**8 - 1), "u16": (0, 2**16 - 1), "u32": (0, 2**32 - 1),
             "i32": (-(2**31), 2**31 - 1)}
# Linked events' sources travel side by side for views of at most this many event groups: a
# block is ~1 kB, and 30,000 groups took 3 s and 36 MB (`sahel.map_sources`).
SOURCES_MAX_GROUPS = 2000
# A column of popup HTML (`sahel.map_sources`) showing a linked event's sources side by side:
# sent as the "sources" facet ("" for a row in no group).
SOURCES_COLUMN = "sources_html"
# Every column the payload reads: the facets' and the points'.
PAYLOAD_COLUMNS: tuple[str, ...] = tuple(dict.fromkeys(
    [c for facet in FACETS.values() for c in facet.columns]
    + ["event_id", "latitude", "longitude", "geo_precision", "fatalities", "group1", "group2"]))


class FacetCodes(NamedTuple):
    """What every view of a frame's rows shares, found once (`facet_codes`): each row's code per
    popup facet and the facets' distinct values, each row's id parts. A view takes its rows'
    codes instead of comparing and rendering their texts again. The values are rendered once
    per language (`values`), the first time one is asked for."""

    index: pd.Index
    codes: dict[str, np.ndarray]
    distinct: dict[str, pd.DataFrame]
    rendered: dict[tuple[str, str], list[str]]
    date_keys: np.ndarray
    id_keys: np.ndarray
    id_numbers: np.ndarray
    id_prefixes: list[list[Any]]

    def values(self, name: str) -> list[str]:
        """Return facet `name`'s rendered values, in code order, in the current language."""
        facet = FACETS[name]
        key = (name, current_language() if facet.translated else "")
        found = self.rendered.get(key)
        if found is None:
            # Two sessions asking at once render the same list twice; either may stay.
            found = self.rendered[key] = facet.render(self.distinct[name])
        return found


def facet_codes(incidents: pd.DataFrame) -> FacetCodes:
    """Return the facet codes and values (in the current language) and the id parts of every
    incident in `incidents` (its index must be unique)."""
    frame = pd.DataFrame(incidents[list(PAYLOAD_COLUMNS)]).reset_index(drop=True)
    codes, distinct = {}, {}
    for name, facet in FACETS.items():
        codes[name], distinct[name] = _distinct_rows(frame, facet.columns)
    keys, numbers, prefixes = _id_parts(frame["event_id"])
    known = FacetCodes(incidents.index, codes, distinct, {}, date_keys(distinct["date"]), keys,
                       numbers, prefixes)
    for name in FACETS:
        known.values(name)
    return known


def followed_codes(known: FacetCodes, incidents: pd.DataFrame, taken: np.ndarray) -> FacetCodes:
    """Return the facet codes of `incidents` from those of the frame before a small change.

    `known` is `facet_codes` of the frame before (numbered 0, 1, …); `taken[i]` the row number
    there of row `i` of `incidents`, unchanged, or -1 for a row written since. Untouched rows
    keep their codes; the rows written are looked up among the known values, and values never
    seen before are numbered on. A view's payload is the same as with `facet_codes(incidents)`
    (the codes' numbers may differ; values no row holds any more stay, unused).
    """
    frame = pd.DataFrame(incidents[list(PAYLOAD_COLUMNS)]).reset_index(drop=True)
    added = np.flatnonzero(taken < 0)
    kept = np.flatnonzero(taken >= 0)
    rows = frame.iloc[added].reset_index(drop=True)
    codes, distinct, rendered, keys = {}, {}, {}, known.date_keys
    for name, facet in FACETS.items():
        own, new = _known_codes(known.distinct[name], rows, facet.columns)
        codes[name] = np.empty(len(frame), dtype="int64")
        codes[name][kept] = known.codes[name][taken[kept]]
        codes[name][added] = own
        distinct[name] = (pd.concat([known.distinct[name], new], ignore_index=True) if len(new)
                          else known.distinct[name])
        for (shown, language), values in list(known.rendered.items()):
            if shown == name:
                rendered[shown, language] = (
                    values + _rendered_in(name, new, language) if len(new) else values)
        if name == "date" and len(new):
            keys = np.concatenate([keys, date_keys(new)])
    id_keys = np.empty(len(frame), dtype="int64")
    id_numbers = np.empty(len(frame), dtype="int64")
    id_keys[kept] = known.id_keys[taken[kept]]
    id_numbers[kept] = known.id_numbers[taken[kept]]
    own_keys, id_numbers[added], own_prefixes = _id_parts(rows["event_id"])
    prefixes = list(known.id_prefixes)
    number = {(p, w): k for k, (p, w) in enumerate(prefixes)}
    for prefix, width in own_prefixes:
        if (prefix, width) not in number:
            number[prefix, width] = len(prefixes)
            prefixes.append([prefix, width])
    recoded = np.array([number[p, w] for p, w in own_prefixes], dtype="int64")
    id_keys[added] = recoded[own_keys]
    return FacetCodes(incidents.index, codes, distinct, rendered, keys, id_keys, id_numbers,
                      prefixes)


def _known_codes(distinct: pd.DataFrame, rows: pd.DataFrame, columns: tuple[str, ...]
                 ) -> tuple[np.ndarray, pd.DataFrame]:
    """Return each of `rows`' code among `distinct` (the values of codes 0, 1, …), values not
    among them numbered on from len(distinct), and those new values in code order."""
    if not len(rows):
        return np.zeros(0, dtype="int64"), distinct.iloc[:0]
    # Only the known values that may be one of the rows' are compared (a few of many).
    near = np.ones(len(distinct), dtype=bool)
    for column in columns:
        near &= _is_in(distinct[column], rows[column])
    candidates = np.flatnonzero(near)
    both = pd.concat([distinct.iloc[candidates], rows[list(columns)]], ignore_index=True)
    # The candidates are distinct, so they are numbered 0 … len(candidates) - 1 in order.
    found = _value_codes(both, columns)[len(candidates):]
    seen = found < len(candidates)
    codes = np.empty(len(rows), dtype="int64")
    codes[seen] = candidates[found[seen]]
    # New values are numbered in order of first appearance (as _value_codes numbers them), so
    # in the order np.unique sorts them.
    _, first = np.unique(found[~seen], return_index=True)
    codes[~seen] = len(distinct) + found[~seen] - len(candidates)
    new_rows = np.flatnonzero(~seen)[first]
    return codes, rows[list(columns)].iloc[new_rows].reset_index(drop=True)


def _is_in(values: pd.Series, pool: pd.Series) -> np.ndarray:
    """Return which `values` are among `pool`'s, missing values alike (Arrow's is_in:
    pandas' isin on Arrow-backed text is slow)."""
    try:
        found = pc.is_in(pa.array(values, from_pandas=True),
                         value_set=pa.array(pool, from_pandas=True).unique())
        return found.to_numpy(zero_copy_only=False).astype(bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return np.asarray(values.isin(pool) | (values.isna() & pool.isna().any()), dtype=bool)


def _rendered_in(name: str, values: pd.DataFrame, language: str) -> list[str]:
    """Return facet `name`'s rendering of `values` in `language` ("": not translated)."""
    if not language:
        return FACETS[name].render(values)
    was = current_language()
    use_language(language)
    try:
        return FACETS[name].render(values)
    finally:
        use_language(was)


def incident_payload(incidents: pd.DataFrame, legend_groups: pd.Series | None = None,
                     known: FacetCodes | None = None) -> dict[str, Any]:
    """Return the incidents as compact columns for the browser; all text HTML-escaped and in
    the current language.

    Popup text travels as "facets": HTML fragments rendered once per distinct value (a place, a
    pair of actors, a toll, ...) plus one small index per incident, so 100,000 incidents cost a
    few megabytes, not one popup each. With `known`, the facet codes of a frame these incidents
    are rows of, codes and values are taken from it (the same payload, 0.26 → 0.08 s for 80,000
    incidents).
    """
    # A plain frame of the columns sent: taking rows of the whole GeoDataFrame cost more than
    # the rest of a small view's payload.
    frame = pd.DataFrame(incidents[list(PAYLOAD_COLUMNS)]).reset_index(drop=True)
    n = len(frame)
    positions = None if known is None else known.index.get_indexer(incidents.index)
    if known is None or positions is None or (positions < 0).any():
        # Rows from elsewhere: compare their texts.
        known, positions = facet_codes(frame), np.arange(n)
    group_codes, groups = _group_legend(frame, legend_groups)
    names = [name for name in FACETS if name != "notes" or n <= POPUP_NOTES_MAX_ROWS]
    facets = {name: _known_facet(known, name, positions) for name in names}
    counted = ("group_records" in incidents.columns
               and bool((incidents["group_records"].fillna(1) > 1).any()))
    if counted:
        # Rows of event groups counted once carry their group's toll, not their record's.
        facets["toll"] = _own_facet(frame, "toll")
    if SOURCES_COLUMN in incidents.columns:
        facets["sources"] = _sources_facet(incidents[SOURCES_COLUMN])
    keys, used = _taken_codes(known.id_keys, positions)
    ids = _ids(keys, known.id_numbers[positions], [known.id_prefixes[k] for k in used])
    return {
        "n": n,
        "id": ids,
        "lat": pack_degrees(frame["latitude"]),
        "lon": pack_degrees(frame["longitude"]),
        "group": pack_ints(group_codes),
        "prec": pack_ints(frame["geo_precision"].fillna(0).to_numpy(dtype="int64")),
        "fat": pack_ints(frame["fatalities"].fillna(-1).to_numpy(dtype="int64")),
        "groups": groups,
        "facets": facets,
    }


def pack_ints(values: np.ndarray | list[int]) -> dict[str, str]:
    """Return integers as {"t": typed-array kind, "b": base64 of its little-endian bytes}.

    The kind is the smallest of u8, u16, u32, i32 that holds every value, else f64 (exact for
    integers below 2**53, as JavaScript numbers are).
    """
    array = np.asarray(values, dtype="int64")
    low, high = (int(array.min()), int(array.max())) if array.size else (0, 0)
    kind = next((k for k, (lo, hi) in INT_KINDS.items() if lo <= low and high <= hi), "f64")
    data = array.astype(TYPED_ARRAYS[kind]).tobytes()
    return {"t": kind, "b": base64.b64encode(data).decode("ascii")}


def pack_degrees(values: pd.Series) -> dict[str, Any]:
    """Return coordinates packed as integers of 1e-4 degree (about 11 m), with their scale."""
    scaled = np.round(values.fillna(0).to_numpy(dtype="float64") * DEGREE_SCALE)
    return {**pack_ints(scaled.astype("int64")), "s": DEGREE_SCALE}


def unpack(column: dict[str, Any]) -> list[float] | list[int]:
    """Return the numbers of a packed column, as the browser reads them (the inverse)."""
    values = np.frombuffer(base64.b64decode(column["b"]), dtype=TYPED_ARRAYS[column["t"]])
    if "s" in column:
        return (values / column["s"]).tolist()
    return [int(v) for v in values]


def deflate_payload(payload: dict[str, Any]) -> str:
    """Return `payload` as base64 of one zlib stream: [u32 LE header length][header][bytes].

    The header is the payload as JSON (UTF-8) with each packed column's base64 "b" replaced by
    "o" and "l", the offset and length of its raw bytes in the part after the header. The
    browser inflates it with DecompressionStream("deflate"); `inflate_payload` is the inverse.
    """
    blobs: list[bytes] = []
    offset = 0

    def strip(value: Any) -> Any:
        nonlocal offset
        if isinstance(value, dict):
            if "t" in value and "b" in value:
                raw = base64.b64decode(value["b"])
                blobs.append(raw)
                column = {k: v for k, v in value.items() if k != "b"}
                column.update(o=offset, l=len(raw))
                offset += len(raw)
                return column
            return {k: strip(v) for k, v in value.items()}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    header = json.dumps(strip(payload), ensure_ascii=False, separators=(",", ":")).encode()
    stream = zlib.compress(struct.pack("<I", len(header)) + header + b"".join(blobs),
                           DEFLATE_LEVEL)
    return base64.b64encode(stream).decode("ascii")


def inflate_payload(text: str) -> dict[str, Any]:
    """Return the payload `deflate_payload` made `text` of, as the browser reads it."""
    stream = zlib.decompress(base64.b64decode(text))
    (size,) = struct.unpack_from("<I", stream)
    columns = stream[4 + size:]

    def restore(value: Any) -> Any:
        if isinstance(value, dict):
            if "t" in value and "o" in value and "l" in value:
                raw = columns[value["o"]:value["o"] + value["l"]]
                column = {k: v for k, v in value.items() if k not in ("o", "l")}
                return {**column, "b": base64.b64encode(raw).decode("ascii")}
            return {k: restore(v) for k, v in value.items()}
        if isinstance(value, list):
            return [restore(v) for v in value]
        return value

    return restore(json.loads(stream[4:4 + size].decode("utf-8")))


def compact_ids(event_ids: pd.Series) -> dict[str, Any]:
    """Return event ids as prefixes + numbers: id = p[k][0] + str(n).zfill(p[k][1]), HTML-escaped.

    Ids such as "ACLED-MLI-0012345" share a few prefixes; sent whole they were a fifth of the
    map's bytes. An id with no trailing digits is its prefix alone (width 0, number -1).
    """
    return _ids(*_id_parts(event_ids))


def _ids(keys: np.ndarray, numbers: np.ndarray, prefixes: list[list[Any]]) -> dict[str, Any]:
    return {"p": prefixes, "k": pack_ints(keys), "n": pack_ints(numbers)}


def _id_parts(event_ids: pd.Series) -> tuple[np.ndarray, np.ndarray, list[list[Any]]]:
    """Return each id's prefix code and number, and the (escaped prefix, width) of each code."""
    ids = pc.fill_null(pa.array(event_ids.astype("object"), type=pa.string(), from_pandas=True),
                       "")
    # At most 15 digits: larger numbers would lose precision as JavaScript numbers.
    parts = pc.extract_regex(ids, r"^(?P<prefix>.*?)(?P<digits>\d{1,15})$")
    matched = pc.is_valid(parts)
    digits = pc.if_else(matched, pc.struct_field(parts, "digits"), "")
    prefix = pc.if_else(matched, pc.struct_field(parts, "prefix"), ids)
    width = pc.utf8_length(digits)
    numbers = pc.if_else(matched, pc.cast(pc.if_else(matched, digits, "0"), pa.int64()), -1)
    # One code per (prefix, width), numbered in order of first appearance.
    keyed = pc.binary_join_element_wise(prefix, pc.cast(width, pa.string()), "\x00")
    encoded = pc.dictionary_encode(keyed).combine_chunks() if isinstance(
        keyed, pa.ChunkedArray) else pc.dictionary_encode(keyed)
    keys = [k.rsplit("\x00", 1) for k in encoded.dictionary.to_pylist()]
    return (encoded.indices.to_numpy(zero_copy_only=False).astype("int64"),
            numbers.to_numpy(zero_copy_only=False).astype("int64"),
            [[html.escape(p), int(w)] for p, w in keys])




def _distinct_rows(frame: pd.DataFrame, columns: tuple[str, ...]
                   ) -> tuple[np.ndarray, pd.DataFrame]:
    """Return each row's code for `columns` and the first row of each code, in code order."""
    codes = _value_codes(frame, columns)
    # Codes count up in order of first appearance, so the first row of each is in code order.
    _, first = np.unique(codes, return_index=True)
    return codes, frame[list(columns)].iloc[first].reset_index(drop=True)


def _value_codes(frame: pd.DataFrame, columns: tuple[str, ...]) -> np.ndarray:
    """Return one code per distinct combination of `columns` (missing values alike), numbered
    in order of first appearance."""
    codes = np.zeros(len(frame), dtype="int64")
    for column in columns:
        own, _ = pd.factorize(frame[column], use_na_sentinel=False)
        # Both codes are below len(frame), so the pair fits one int64 before renumbering.
        codes, _ = pd.factorize(codes * (int(own.max(initial=0)) + 1) + own)
    return codes.astype("int64")


def _known_facet(known: FacetCodes, name: str, positions: np.ndarray) -> dict[str, Any]:
    codes, used = _taken_codes(known.codes[name], positions)
    values = known.values(name)
    facet = {"v": [values[c] for c in used], "i": pack_ints(codes)}
    if name == "date":
        facet["k"] = pack_ints(known.date_keys[used])  # for sorting a list of incidents
    return facet


def _own_facet(frame: pd.DataFrame, name: str) -> dict[str, Any]:
    """Return facet `name` of the rows themselves (not taken from the frame's FacetCodes)."""
    facet = FACETS[name]
    codes, distinct = _distinct_rows(frame, facet.columns)
    return {"v": facet.render(distinct), "i": pack_ints(codes)}


def _sources_facet(blocks: pd.Series) -> dict[str, Any]:
    """Return the sources blocks as a facet whose value 0 is "" (a row in no group)."""
    text = blocks.astype("object").fillna("").astype("str")
    codes, values = pd.factorize(pd.concat([pd.Series([""]), text], ignore_index=True))
    return {"v": [str(v) for v in values], "i": pack_ints(codes[1:])}


def _taken_codes(codes: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the codes at `positions` renumbered 0, 1, … in order of first appearance (as
    `_value_codes` numbers them), and the original code of each new one."""
    taken = codes[positions]
    used, first, inverse = np.unique(taken, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(len(first), dtype="int64")
    rank[order] = np.arange(len(first))
    return rank[inverse.reshape(-1)], used[order]




def _group_legend(incidents: pd.DataFrame, legend_groups: pd.Series | None
                  ) -> tuple[np.ndarray, list[dict[str, Any]]]:
    # With a group filter, each point is counted under the group the filter counted it for
    # (`group_match.group_labels`), so the legend adds up to what the filter found; else by
    # actor 1's group. The largest groups get the palette's colours (sahel/palette.py); the
    # rest, and incidents naming no actor, are one grey "Other groups".
    if legend_groups is None:
        group = incidents["group1"].fillna("")
    else:
        group = pd.Series(np.asarray(legend_groups, dtype=object)).fillna("")
    group = group.astype("object").map(str)
    counts = group[group != ""].value_counts(sort=True)
    counts = counts.loc[sorted(counts.index, key=lambda g: (-counts[g], g))]
    shown = list(counts.index[:LEGEND_GROUPS])
    known = {g.name: g for g in actors.all_groups()}
    legend: list[dict[str, Any]] = []
    for name, color in zip(shown, group_colors(shown), strict=True):
        info = known.get(name)
        # The name is followed by its count in the legend; the label goes into a title
        # attribute and the tooltip, where no markup can isolate it.
        legend.append({"name": shown_html(name), "count": format_number(int(counts[name])),
                       "label": title_text(info.label if info else name),
                       "color": color})
    codes = group.map({name: k for k, name in enumerate(shown)})
    rest = int(codes.isna().sum())
    if rest:
        other = _("Other groups")
        legend.append({"name": html.escape(other), "count": format_number(rest),
                       "label": html.escape(_("Other groups, and incidents whose source names "
                                              "no actor")),
                       "color": OTHER_COLOR, "other": True})
        codes = codes.fillna(len(shown))
    return codes.fillna(0).to_numpy(dtype="int64"), legend
