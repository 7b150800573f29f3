"""Do two records name the same actors? Canonical groups, coalitions in time, uncertain names.

Each record is reduced to an actor signature: the armed or state groups it names for sure (main
and associated actors, `group1`/`group2`/`assoc_groups1`/`assoc_groups2`), the candidates of its
uncertain attributions ("X and/or Y"), and whether it names a government. Groups are compared
as the family they belonged to on the event's day: a JNIM component (Ansar Dine, Katiba Macina…)
is JNIM from 2 March 2017 on (`sahel.coalitions`), so ACLED's "Katiba Macina" and UCDP's "JNIM"
agree in 2019 and not in 2016. Sides are not compared in order: UCDP's side A is the government,
ACLED's actor 1 is often the attacker. Unidentified attackers, civilians and names the alias
table does not know name nobody: they neither agree nor disagree.

Agreement levels (`AGREEMENT`), from the best: two actors in common (civilians as victims on
both sides count as one); one group in common and no conflicting other group; only through an
uncertain candidate; related groups (``data/links/related_groups.csv``: sources attribute one
attack to either, e.g. UCDP's "IS" and ACLED's ISWAP around Diffa) or a generic group ("Communal
militias") against a group of its kind; nothing to compare (one side names no armed group);
different state forces only; different named non-state groups.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pandas as pd

from sahel import DATA_DIR, actors, coalitions

GROUP_COLUMNS: tuple[str, ...] = ("group1", "group2", "assoc_groups1", "assoc_groups2")
STATE_KINDS: frozenset[str] = frozenset({"state", "foreign", "un"})
# A group standing for any group of its kind: communal militias are named by community in one
# dataset and as "Communal militias" (UCDP's "Fulani", "Dogon") in another.
GENERIC_GROUPS: frozenset[str] = frozenset({"Communal militias"})
RELATED_PATH = DATA_DIR / "links" / "related_groups.csv"

# Agreement level → (score 0–1, reason code).
AGREEMENT: dict[str, tuple[float, str]] = {
    "two_shared": (1.0, "actors_shared"),
    "one_shared": (0.8, "actor_shared"),
    "uncertain": (0.65, "actors_uncertain"),
    "related": (0.55, "actors_related"),
    "generic": (0.55, "actors_generic"),
    "unnamed": (0.5, "actors_unnamed"),
    "one_shared_other_differs": (0.3, "actors_differ"),
    "states_differ": (0.3, "actors_differ"),
    "differ": (0.1, "actors_differ"),
}


class Signature(NamedTuple):
    """The actors of one record: armed groups for sure, uncertain candidates, civilians."""

    sure: frozenset[str]
    unsure: frozenset[str]
    civilians: bool = False


@lru_cache(maxsize=1)
def related_groups() -> frozenset[frozenset[str]]:
    """Return the pairs of groups sources confuse (``data/links/related_groups.csv``)."""
    with RELATED_PATH.open(encoding="utf-8", newline="") as handle:
        pairs = frozenset(frozenset((r["group_a"].strip(), r["group_b"].strip()))
                          for r in csv.DictReader(handle))
    unknown = {g for pair in pairs for g in pair} - set(coalitions.load_groups())
    if unknown:
        raise ValueError(f"{RELATED_PATH.name}: unknown groups {sorted(unknown)}")
    return pairs


@lru_cache(maxsize=65536)
def _resolve(value: str, on: date | None, iso3: str | None) -> tuple[str, ...]:
    """Return the canonical groups of one stored name; an unknown name may list several
    (UCDP's "Government of Mali, Government of France")."""
    groups = coalitions.load_groups()
    if value in groups:
        return (value,)
    found = actors.canonical_group(value, on=on, iso3=iso3)
    if found is not None:
        return (found,)
    parts = [actors.canonical_group(p, on=on, iso3=iso3) for p in value.split(",")]
    return tuple(p for p in parts if p is not None) if len(parts) > 1 else ()


@lru_cache(maxsize=4096)
def family(group: str, on: date | None) -> str:
    """Return the group `group`'s events count for on day `on`: its coalition while a member."""
    groups = coalitions.load_groups()
    seen = {group}
    while group in groups and groups[group].coalition:
        info = groups[group]
        inside = on is not None and (info.member_from is None or on >= info.member_from) and (
            info.member_to is None or on <= info.member_to)
        if not inside or info.coalition in seen:
            break
        group = info.coalition
        seen.add(group)
    return group


def _armed(group: str) -> bool:
    info = coalitions.load_groups().get(group)
    return info is not None and info.kind in coalitions.ARMED_KINDS


def _kind(group: str) -> str:
    info = coalitions.load_groups().get(group)
    return info.kind if info is not None else ""


def signature(cells: Iterable[object], on: date | None, iso3: str | None) -> Signature:
    """Return the actor signature of one record's group cells on its day."""
    sure: set[str] = set()
    unsure: set[str] = set()
    civilians = False
    for cell in cells:
        if not isinstance(cell, str) or not cell.strip():
            continue
        for part in cell.split(";"):
            candidates = actors.candidate_groups(part.strip())
            found = {family(g, on) for c in candidates for g in _resolve(c, on, iso3)}
            civilians |= len(candidates) == 1 and any(_kind(g) == "civilians" for g in found)
            found = {g for g in found if _armed(g)}
            (unsure if len(candidates) > 1 else sure).update(found)
    return Signature(frozenset(sure), frozenset(unsure - sure), civilians)


def _needs_day(cells: tuple[object, ...]) -> bool:
    """Return whether a record's groups depend on the day (a coalition component, or a name)."""
    groups = coalitions.load_groups()
    for cell in cells:
        if isinstance(cell, str) and cell.strip():
            for part in cell.replace(" and/or ", ";").split(";"):
                name = part.strip()
                if name and (name not in groups or groups[name].coalition):
                    return True
    return False


def signatures(incidents: pd.DataFrame) -> tuple[np.ndarray, list[Signature]]:
    """Return each record's signature code and the distinct signatures (computed once each)."""
    n = len(incidents)
    columns = [incidents[c].astype("object") if c in incidents else pd.Series([None] * n)
               for c in GROUP_COLUMNS]
    iso3 = incidents["iso3"].astype("object") if "iso3" in incidents else pd.Series([None] * n)
    combos = pd.MultiIndex.from_arrays([*columns, iso3])
    combo_codes, distinct = pd.factorize(combos)
    days = pd.to_datetime(incidents["event_date"]).dt.date.to_numpy()
    by_signature: dict[Signature, int] = {}
    codes = np.empty(n, dtype="int64")
    dated = np.zeros(len(distinct), dtype=bool)
    fixed: dict[int, int] = {}
    for code, combo in enumerate(distinct):
        cells, country = combo[:4], combo[4] if isinstance(combo[4], str) else None
        if _needs_day(cells):
            dated[code] = True
            continue
        sig = signature(cells, None, country)
        fixed[code] = by_signature.setdefault(sig, len(by_signature))
    rows_fixed = ~dated[combo_codes]
    codes[rows_fixed] = np.array([fixed[c] for c in combo_codes[rows_fixed]], dtype="int64")
    for row in np.flatnonzero(~rows_fixed):
        combo = distinct[combo_codes[row]]
        country = combo[4] if isinstance(combo[4], str) else None
        sig = _dated_signature(combo[:4], days[row], country)
        codes[row] = by_signature.setdefault(sig, len(by_signature))
    return codes, list(by_signature)


@lru_cache(maxsize=65536)
def _dated_signature(cells: tuple[object, ...], on: date, iso3: str | None) -> Signature:
    return signature(cells, on, iso3)


def agreement(a: Signature, b: Signature) -> tuple[str, tuple[str, ...]]:
    """Return the agreement level of two signatures and the groups it rests on."""
    shared = a.sure & b.sure
    nonstate_a = {g for g in a.sure if _kind(g) not in STATE_KINDS}
    nonstate_b = {g for g in b.sure if _kind(g) not in STATE_KINDS}
    both_civilians = a.civilians and b.civilians
    if len(shared) >= 2 or (shared and both_civilians and not (
            (nonstate_a - shared) and (nonstate_b - shared))):
        return "two_shared", tuple(sorted(shared | ({"Civilians"} if both_civilians else set())))
    if shared:
        if (nonstate_a - shared) and (nonstate_b - shared):
            return "one_shared_other_differs", tuple(sorted((a.sure | b.sure) - shared))
        return "one_shared", tuple(sorted(shared))
    uncertain = (a.unsure & (b.sure | b.unsure)) | (b.unsure & a.sure)
    if uncertain:
        return "uncertain", tuple(sorted(uncertain))
    if not a.sure or not b.sure:
        return "unnamed", ()
    if not nonstate_a or not nonstate_b:
        if nonstate_a or nonstate_b:  # one side names the attacker, the other only the state
            return "unnamed", ()
        return "states_differ", tuple(sorted(a.sure | b.sure))
    related = related_groups()
    if any(frozenset((x, y)) in related for x in nonstate_a for y in nonstate_b):
        return "related", tuple(sorted(nonstate_a | nonstate_b))
    generic = (nonstate_a | nonstate_b) & GENERIC_GROUPS
    kinds_a, kinds_b = {_kind(g) for g in nonstate_a}, {_kind(g) for g in nonstate_b}
    if generic and kinds_a & kinds_b:
        return "generic", tuple(sorted(nonstate_a | nonstate_b))
    return "differ", tuple(sorted(nonstate_a | nonstate_b))


def agreement_table(sigs: list[Signature], pairs_a: np.ndarray, pairs_b: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, list[tuple[str, tuple[str, ...]]]]:
    """Return per pair (signature codes `pairs_a`, `pairs_b`) the score and an outcome code,
    with the distinct outcomes (level, groups); each distinct signature pair is judged once."""
    if len(pairs_a) == 0:
        return np.zeros(0), np.zeros(0, dtype="int64"), []
    width = max(len(sigs), 1)
    combined = pairs_a * width + pairs_b
    unique, inverse = np.unique(combined, return_inverse=True)
    outcomes = [agreement(sigs[int(u) // width], sigs[int(u) % width]) for u in unique]
    scores = np.array([AGREEMENT[level][0] for level, _ in outcomes], dtype="float64")
    return scores[inverse], inverse.astype("int64"), outcomes


def names_government(sigs: list[Signature], codes: np.ndarray) -> np.ndarray:
    """Return True for records naming state forces for sure (UCDP's state-based violence)."""
    has_state = np.array([any(_kind(g) == "state" for g in s.sure) for s in sigs], dtype=bool)
    return has_state[codes] if len(sigs) else np.zeros(len(codes), dtype=bool)
