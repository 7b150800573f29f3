"""Actor columns, vectorised: one look-up per distinct value (and context), not per row.

The engine behind `sahel.actors.resolve_actor_column` and `resolve_actor_list_column` (call those):
an import of 100,000 ACLED rows resolves a few hundred distinct names, and only the few whose
meaning changes with the date or the country are looked up again per (value, day, country).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd

from sahel.actors import (
    LIST_SEPARATOR,
    UNCERTAIN_SEPARATOR,
    _alias_index,
    _as_country,
    _as_day,
    _candidate_keys,
    _canonical_cached,
    candidate_groups,
)


@lru_cache(maxsize=1)
def _context_keys() -> frozenset[str]:
    """Return the folded keys whose meaning depends on the date or the country."""
    return frozenset(key for key, entries in _alias_index().items()
                     if len({a.canonical for a in entries}) > 1
                     or any(a.is_local() for a in entries))


@lru_cache(maxsize=1)
def _dated_keys() -> frozenset[str]:
    """Return the folded keys whose meaning depends on the date (windows and several groups)."""
    return frozenset(key for key, entries in _alias_index().items()
                     if len({a.canonical for a in entries}) > 1
                     and any(a.valid_from or a.valid_to for a in entries))


@lru_cache(maxsize=65536)
def _context_need(value: str) -> tuple[bool, bool]:
    """Return whether a value (one name, "and/or" or a "; " list) depends on context, on dates."""
    keys = {key for item in value.split(";") for part in candidate_groups(item)
            for key in _candidate_keys(part)}
    return not _context_keys().isdisjoint(keys), not _dated_keys().isdisjoint(keys)


# What one data value becomes: the stored value (None = missing) and its unknown names.
Outcome = tuple[str | None, tuple[str, ...]]
Resolver = Callable[[str, date | None, str | None], Outcome]


@lru_cache(maxsize=65536)
def _resolve_name(name: str, on: date | None, iso3: str | None) -> Outcome:
    """Return the stored group value of one actor name ("X and/or Y" included)."""
    parts = candidate_groups(name)
    if not parts:
        return name, ()
    if len(parts) == 1:
        found = _canonical_cached(name, on, iso3)
        return (found, ()) if found is not None else (name, (name,))
    values: list[str] = []
    unknown: list[str] = []
    for part in parts:
        found = _canonical_cached(part, on, iso3)
        if found is None:
            unknown.append(part)
        values.append(found or part)
    return UNCERTAIN_SEPARATOR.join(dict.fromkeys(values)), tuple(dict.fromkeys(unknown))


@lru_cache(maxsize=65536)
def _resolve_list(cell: str, on: date | None, iso3: str | None) -> Outcome:
    """Return the stored value of an associated-actor cell: its parts' groups joined by "; "."""
    values: list[str] = []
    unknown: list[str] = []
    for part in (p.strip() for p in cell.split(";")):
        if part:
            # A part that needs no date or country is looked up (and cached) without them.
            country, dated = _context_need(part)
            value, strangers = _resolve_name(part, on if dated else None,
                                             iso3 if country else None)
            values.append(value or part)
            unknown += strangers
    if not values:
        return None, ()
    return LIST_SEPARATOR.join(dict.fromkeys(values)), tuple(dict.fromkeys(unknown))


def _aligned(values: pd.Series | str | None, rows: np.ndarray) -> pd.Series:
    """Return `values` (a series aligned with the names, or one value for all) at `rows`."""
    if values is None or isinstance(values, str):
        return pd.Series([values] * len(rows), dtype="object")
    return pd.Series(values).iloc[rows].reset_index(drop=True)


def _resolve_in_context(unique_values: list[str], codes: np.ndarray, rows: np.ndarray,
                        on: pd.Series | None, iso3: pd.Series | str | None,
                        resolve: Resolver) -> tuple[list[Outcome], np.ndarray]:
    """Return the outcomes of the (value, day, country) combinations in `rows`, and each row's."""
    days = pd.to_datetime(_aligned(on, rows), errors="coerce").dt.normalize()
    countries = _aligned(iso3, rows)
    day_codes, day_index = pd.factorize(days)  # missing → -1
    day_values = [_as_day(d) for d in day_index]
    # Most names mean the same on every day: drop their dates so each is looked up once.
    dated = [_context_need(v)[1] for v in unique_values]
    day_codes = np.where(np.array(dated, dtype=bool)[codes], day_codes, -1)
    iso_codes, iso_index = pd.factorize(countries)
    iso_values = [_as_country(c) for c in iso_index]
    combined = ((codes.astype(np.int64) * (len(day_values) + 1) + day_codes + 1)
                * (len(iso_values) + 1) + iso_codes + 1)
    combo, _ = pd.factorize(combined)
    _, first_rows = np.unique(combo, return_index=True)  # combo ids follow first appearance
    found = [resolve(unique_values[codes[r]],
                     day_values[day_codes[r]] if day_codes[r] >= 0 else None,
                     iso_values[iso_codes[r]] if iso_codes[r] >= 0 else None)
             for r in first_rows.tolist()]
    return found, combo


def resolve_values(values: pd.Series, on: pd.Series | None, iso3: pd.Series | str | None,
                   list_cells: bool) -> tuple[pd.Series, dict[str, int]]:
    """Return the stored group value of every actor name (or "; " list cell) and unknown counts.

    Only values whose meaning may change with the date or the country are looked up per
    (value, day, country); unknown names are counted once per row they appear in.
    """
    resolve: Resolver = _resolve_list if list_cells else _resolve_name
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    unique_values = [str(u) for u in uniques]
    outcomes = [resolve(v, None, None) for v in unique_values]
    picks = codes.astype(np.int64)  # each row's outcome; -1 = missing
    if on is not None or iso3 is not None:
        context = [c for c, v in enumerate(unique_values) if _context_need(v)[0]]
        rows = np.flatnonzero(np.isin(codes, context))
        if len(rows):
            found, combo = _resolve_in_context(unique_values, codes[rows], rows, on, iso3,
                                               resolve)
            picks[rows] = len(outcomes) + combo
            outcomes += found
    stored = np.array([o[0] for o in outcomes] + [None], dtype=object)[picks]
    out = pd.Series(stored, index=values.index, name=values.name, dtype="str")
    counts = np.bincount(picks[picks >= 0], minlength=len(outcomes))
    unknown: dict[str, int] = {}
    for (_, strangers), count in zip(outcomes, counts, strict=True):
        for name in strangers if count else ():
            if name.strip():
                unknown[name] = unknown.get(name, 0) + int(count)
    return out, unknown
