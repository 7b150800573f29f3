"""Canonical names for checked rows: ISO3 and country, admin-1 region, armed groups, and flags."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from sahel import actors, places
from sahel.validation import add_flag, is_blank


def enrich(kept: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Fill iso3/country/admin1/group1/group2 canonically; return the rows and unknown actors."""
    out = kept.copy()
    _assign_country(out)
    _assign_region(out)
    unknown: dict[str, int] = {}
    for side in ("1", "2"):
        _assign_group(out, side, unknown)
    return out, dict(sorted(unknown.items(), key=lambda item: (-item[1], item[0])))


def _map_unique(values: pd.Series, function: Callable[[str], str | None]) -> pd.Series:
    # The look-ups are per name, and a file repeats few names many times.
    text = values.astype("str").str.strip()
    lookup = {v: function(v) for v in text.dropna().unique() if v}
    return text.map(lookup).astype("object")


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series(pd.NA, index=frame.index, dtype="object")


def _assign_country(out: pd.DataFrame) -> None:
    given = _map_unique(_column(out, "iso3"), places.any_country_iso3)
    given = given.fillna(_map_unique(_column(out, "country"), places.any_country_iso3))
    located = out["loc_iso3"]
    mismatch = given.notna() & located.notna() & given.ne(located)
    out["flags"] = add_flag(out["flags"], mismatch, "country_mismatch")
    out["iso3"] = given.where(given.notna(), located.astype("object"))
    country = _column(out, "country")
    out["country"] = country.where(~is_blank(country), out["loc_country"])


def _assign_region(out: pd.DataFrame) -> None:
    name = _column(out, "admin1")
    for fallback in ("region_name", "admin1_source"):
        name = name.where(~is_blank(name), _column(out, fallback))
    pairs = pd.DataFrame({"name": name.astype("str").str.strip(), "iso3": out["iso3"]})
    unique = pairs.dropna(subset=["name"]).drop_duplicates()
    lookup = {(n, i): places.canonical_region(n, i if isinstance(i, str) else None)
              for n, i in zip(unique["name"], unique["iso3"], strict=True) if n}
    canonical = pd.Series([lookup.get((n, i)) for n, i in zip(pairs["name"], pairs["iso3"],
                                                                 strict=True)],
                          index=out.index, dtype="object")
    # Beyond the shipped boundaries the source's own name stands (suffix-free for UCDP).
    beyond = out["loc_admin1"].isna()
    given = name.astype("str").str.strip().where(~is_blank(name) & beyond)
    # The region the point lies in is known even when the row names another country (flagged
    # country_mismatch already): this project's own export, read back, gains no flag.
    located_here = name.astype("str").str.strip().eq(out["loc_admin1"]).fillna(False)
    unknown = canonical.isna() & (~is_blank(name) ^ beyond) & ~located_here
    out["flags"] = add_flag(out["flags"], unknown, "unknown_region")
    out["admin1"] = canonical.fillna(out["loc_admin1"]).fillna(given)


def _assign_group(out: pd.DataFrame, side: str, unknown: dict[str, int]) -> None:
    """Fill group<side> from actor<side> and assoc_groups<side> from assoc_actor_<side>."""
    for target, source, resolve in (
            (f"group{side}", f"actor{side}", actors.resolve_actor_column),
            (f"assoc_groups{side}", f"assoc_actor_{side}", actors.resolve_actor_list_column)):
        actor = _column(out, source)
        given = _column(out, target)
        todo = is_blank(given) & ~is_blank(actor)
        if not todo.any():
            out[target] = given
            continue
        names = actor[todo].astype("str").str.strip()
        # Dates and countries matter for a few names ("Military Forces", "Iyad Ag Ghali").
        resolved, counts = resolve(names, on=out.loc[todo, "event_date"],
                                   iso3=out.loc[todo, "iso3"])
        for name, count in counts.items():
            unknown[name] = unknown.get(name, 0) + count
        out[target] = given.astype("object").where(~todo, resolved.astype("object"))
        strangers = _names_any(names, set(counts))
        out["flags"] = add_flag(out["flags"], strangers.reindex(out.index, fill_value=False),
                                "unknown_actor")
    uncertain = (out[f"group{side}"].astype("object").fillna("").astype("str")
                 .str.contains(actors.UNCERTAIN_SEPARATOR, regex=False))
    out["flags"] = add_flag(out["flags"], uncertain, "uncertain_attribution")


def _names_any(cells: pd.Series, names: set[str]) -> pd.Series:
    """Return True where a cell names any of `names` (alone, in a `;` list or an and/or)."""
    if not names:
        return pd.Series(False, index=cells.index)
    # Per distinct cell: a file repeats few actor cells many times.
    distinct = pd.Series(cells.dropna().unique())
    parts = distinct.str.split(r"\s*;\s*|\s+and/or\s+", regex=True).explode().str.strip()
    naming = set(distinct[parts.isin(names).groupby(level=0).any()])
    return cells.isin(naming)
