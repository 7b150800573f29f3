"""Event type compatibility across ACLED, UCDP and report codings (``data/links/event_types.csv``).

Every record gets a type key: ``UCDP:<type_of_violence>`` for UCDP GED / Candidate rows, else
``ACLED:<event_type>/<sub_event_type>`` (reports are coded in ACLED's taxonomy). The table gives
the compatibility (0–1) of two keys, at the sub-event level or the event-type level, and is read
both ways. For a pair the most specific row wins: sub ↔ sub, sub ↔ type, type ↔ sub, type ↔ type.
The same key on both sides is 1, and so is the same event type when one side gives no sub-event
type (ACLED's 2017–2019 exports); a pair the table does not list is 0 (the types exclude each
other); a record without an event type in ACLED's taxonomy is 0.5 with anything (nothing known).
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from sahel import DATA_DIR
from sahel.schema import EVENT_TYPES

EVENT_TYPES_PATH: Path = DATA_DIR / "links" / "event_types.csv"
UCDP_DATASETS: frozenset[str] = frozenset({"ucdp_ged", "ucdp_candidate"})
UNKNOWN_KEY = "?"
UNKNOWN_COMPATIBILITY = 0.5
UCDP_VIOLENCE: dict[str, str] = {"1": "state-based", "2": "non-state", "3": "one-sided"}
_TOV = re.compile(r'"type_of_violence"\s*:\s*"?(\d)')


def parse_key(key: str) -> tuple[str, str, str | None]:
    """Return (family, type, sub-event type or None) of a table key; ValueError if invalid.

    ``ACLED:Battles/Armed clash`` → ("ACLED", "Battles", "Armed clash"); ``UCDP:3`` →
    ("UCDP", "3", None). ACLED's names hold "/" themselves, so the type is matched first.
    """
    family, _, rest = key.partition(":")
    if family == "UCDP" and rest in UCDP_VIOLENCE:
        return family, rest, None
    if family == "ACLED":
        for event_type in sorted(EVENT_TYPES, key=len, reverse=True):
            if rest == event_type:
                return family, event_type, None
            if rest.startswith(event_type + "/") and rest[len(event_type) + 1:] in EVENT_TYPES[
                    event_type]:
                return family, event_type, rest[len(event_type) + 1:]
    raise ValueError(f"not an event type key: {key!r}")


def _type_key(key: str) -> str:
    family, event_type, _ = parse_key(key)
    return f"{family}:{event_type}"


@lru_cache(maxsize=1)
def load_table() -> dict[tuple[str, str], float]:
    """Return the compatibility of every listed pair of keys, both ways round."""
    table: dict[tuple[str, str], float] = {}
    with EVENT_TYPES_PATH.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            a, b = row["type_a"].strip(), row["type_b"].strip()
            parse_key(a), parse_key(b)
            value = float(row["compatibility"])
            table[(a, b)] = table[(b, a)] = value
    return table


def compatibility(a: str, b: str) -> float:
    """Return how compatible two type keys are (1 the same, 0 exclusive), by the table's rules."""
    if a == UNKNOWN_KEY or b == UNKNOWN_KEY:
        return UNKNOWN_COMPATIBILITY
    if a == b:
        return 1.0
    type_a, type_b = _type_key(a), _type_key(b)
    if type_a == type_b and (a == type_a or b == type_b):
        return 1.0  # one side gives no sub-event type: nothing says they differ
    table = load_table()
    for pair in ((a, b), (a, type_b), (type_a, b), (type_a, type_b)):
        if pair in table:
            return table[pair]
    return 0.0


def _ucdp_violence(incidents: pd.DataFrame, state_rows: np.ndarray) -> pd.Series:
    """Return UCDP's type_of_violence of UCDP rows: from source_extra, else from the type."""
    extra = incidents.get("source_extra", pd.Series(pd.NA, index=incidents.index))
    found = extra.astype("object").where(extra.notna(), "").astype("str").str.extract(_TOV)[0]
    event_type = incidents["event_type"].astype("object")
    derived = np.where(event_type.eq("Violence against civilians"), "3",
                       np.where(state_rows, "1", "2"))
    derived = np.where(event_type.isin(["Battles", "Violence against civilians"]), derived, "")
    return found.fillna(pd.Series(derived, index=incidents.index)).replace("", pd.NA)


def type_keys(incidents: pd.DataFrame, state_rows: np.ndarray) -> pd.Series:
    """Return each record's type key (UCDP rows by type_of_violence; `state_rows` says which
    rows name a government, to tell UCDP's state-based from non-state battles)."""
    event_type = incidents["event_type"].astype("object")
    sub = incidents["sub_event_type"].astype("object") if "sub_event_type" in incidents else (
        pd.Series(pd.NA, index=incidents.index, dtype="object"))
    known = event_type.isin(tuple(EVENT_TYPES))
    sub_ok = pd.Series([isinstance(s, str) and s in EVENT_TYPES.get(t, ())
                        for t, s in zip(event_type, sub, strict=True)], index=incidents.index)
    acled = ("ACLED:" + event_type.where(known, "")).where(known, UNKNOWN_KEY)
    acled = acled.where(~sub_ok, acled + "/" + sub.where(sub_ok, ""))
    ucdp = incidents.get("dataset", pd.Series("", index=incidents.index)).isin(UCDP_DATASETS)
    if ucdp.any():
        violence = _ucdp_violence(incidents.loc[ucdp], state_rows[ucdp.to_numpy()])
        acled.loc[ucdp] = ("UCDP:" + violence).fillna(UNKNOWN_KEY)
    return acled


def compatibility_matrix(keys: pd.Series) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Return (codes per record, matrix of compatibilities between codes, the distinct keys)."""
    codes, uniques = pd.factorize(keys)
    names = [str(u) for u in uniques]
    matrix = np.array([[compatibility(a, b) for b in names] for a in names], dtype="float64")
    return codes.astype("int64"), matrix.reshape(len(names), len(names)), names


def markdown_table() -> str:
    """Return the table as Markdown, for docs/linking.md (a test keeps the two equal)."""
    lines = ["| type A | type B | compatibility | why |", "|---|---|---|---|"]
    with EVENT_TYPES_PATH.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            lines.append(f"| {row['type_a']} | {row['type_b']} | {row['compatibility']} | "
                         f"{row['note']} |")
    return "\n".join(lines)
