"""Links and hand decisions as both stores keep them: plain columns, one row per pair.

A stored link is a row of `sahel.links.LINK_COLUMNS` (accepted links, and the pairs rejected by
hand), its categoricals as text; a decision is keyed by its two event ids, smaller first, so a
decision holds whichever dataset brings the records back (re-imports, new revisions).
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Column → kind, in sahel.links.LINK_COLUMNS' order (tests check they agree).
LINK_KINDS: dict[str, str] = {
    "event_id_a": "text", "event_id_b": "text", "dataset_a": "text", "dataset_b": "text",
    "score": "float", "accepted": "bool", "grouped": "bool", "decision": "text",
    "time_score": "float", "place_score": "float", "type_score": "float",
    "actor_score": "float", "toll_score": "float", "time_reason": "text", "days_apart": "int",
    "time_precision": "int", "place_reason": "text", "distance_km": "float",
    "place_match": "text", "type_reason": "text", "type_a": "text", "type_b": "text",
    "actor_reason": "text", "actor_groups": "text", "toll_reason": "text", "toll_a": "text",
    "toll_b": "text"}
LINK_COLUMNS: tuple[str, ...] = tuple(LINK_KINDS)
DECISION_COLUMNS: tuple[str, ...] = ("event_id_a", "event_id_b", "decision", "decided_by",
                                     "decided_at")
DECISION_VALUES: tuple[str, ...] = ("confirmed", "rejected")
_DTYPES = {"text": "str", "float": "float64", "bool": "bool", "int": "Int64"}


def empty_links() -> pd.DataFrame:
    """Return a frame of no links, with the stored columns and types."""
    return pd.DataFrame({c: pd.Series([], dtype=_DTYPES[k]) for c, k in LINK_KINDS.items()})


def plain_links(links: pd.DataFrame) -> pd.DataFrame:
    """Return `links` with the stored columns only, as plain types (categoricals as text)."""
    if not len(links):
        return empty_links()
    out = {}
    for column, kind in LINK_KINDS.items():
        values = (links[column] if column in links
                  else pd.Series(None, index=links.index, dtype="object"))
        if kind == "text":
            out[column] = _text(values)
        elif kind == "bool":
            out[column] = values.fillna(False).astype(bool)
        elif kind == "int":
            out[column] = pd.to_numeric(values, errors="coerce").astype("Int64")
        else:
            out[column] = pd.to_numeric(values, errors="coerce").astype("float64")
    return pd.DataFrame(out).reset_index(drop=True)


def _text(values: pd.Series) -> pd.Series:
    """Return a column as text (pandas' `str`, missing as missing); as it is when it is."""
    if values.dtype == "str" and not isinstance(values.dtype, pd.CategoricalDtype):
        return values
    return values.astype("str")


def kept_links(links: pd.DataFrame) -> pd.DataFrame:
    """Return the links a store keeps: accepted ones and those decided by hand."""
    keep = links["accepted"].to_numpy(dtype=bool) | links["decision"].notna().to_numpy()
    return plain_links(links.loc[keep])


def touching(links: pd.DataFrame, ids: Collection[str]) -> np.ndarray:
    """Return which links have one of their two records among `ids`."""
    wanted = pa.array(sorted({str(i) for i in ids}), type=pa.string())
    found = [pc.is_in(pa.array(links[side].astype("object"), type=pa.string()), value_set=wanted)
             for side in ("event_id_a", "event_id_b")]
    return pc.or_(*found).to_numpy(zero_copy_only=False).astype(bool)


def replace_links(stored: pd.DataFrame, links: pd.DataFrame,
                  replacing: Collection[str] | None) -> pd.DataFrame:
    """Return the stored links without those touching `replacing` (all: None), plus `links`."""
    fresh = plain_links(links)
    if replacing is None or not len(stored):
        return fresh
    kept = plain_links(stored).loc[~touching(stored, replacing)]
    if not len(fresh):
        return kept.reset_index(drop=True)
    return pd.concat([kept, fresh], ignore_index=True)


def empty_decisions() -> pd.DataFrame:
    """Return a frame of no decisions."""
    return pd.DataFrame({c: pd.Series([], dtype="str") for c in DECISION_COLUMNS})


def pair_key(first: str, second: str) -> tuple[str, str]:
    """Return a decision's key: the two event ids trimmed, smaller first."""
    a, b = str(first).strip(), str(second).strip()
    if not a or not b or a == b:
        raise ValueError("a link joins two different event ids")
    return (a, b) if a < b else (b, a)


def check_decision(decision: str | None) -> None:
    """Raise ValueError for a decision that is neither confirmed, rejected nor None (undo)."""
    if decision is not None and decision not in DECISION_VALUES:
        raise ValueError(f"a decision is 'confirmed', 'rejected' or None, not {decision!r}")
