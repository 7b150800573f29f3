"""Find a filter's option by any name the tables know: a region, country or armed group by its
aliases (Timbuktu → Tombouctou, Tillaberi → Tillabéri, GSIM → JNIM, Tchad → Chad), then, failing
that, by the closest spelling.

The page's boxes filter their options in the browser by the letters of each label in order, case
aside (Streamlit's "fuzzy" filter, which neither folds accents nor knows aliases): `search_label`
adds to an option's label the few names that filter would not otherwise find, and `resolve` maps
whatever was typed in a box or written in a link to an option, through the same helpers as the
text search (`places.canonical_region`, `places.country_iso3`, `actors.canonical_group`). Pure:
no Streamlit.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz, process

from sahel import actors, places

Kind = Literal["group", "region", "country", "dataset", "event_type"]
# How alike (rapidfuzz ratio of folded names, 0–100) a name must be to a known one to be read as
# it when no table knows it: a misspelling ("Tombuktu", 89), not a part ("Tomb", 57; WRatio, the
# CLI's suggestion score, would give 90): here the guess is applied, with a note saying so.
FUZZY_CUTOFF = 80
# A label names at most this many other names, each at most this long: the rest are found when
# typed and confirmed (`resolve`), so that labels stay readable in a narrow sidebar.
LABEL_ALIASES = 2
LABEL_ALIAS_MAX_CHARS = 16
LABEL_SEPARATOR = " · "


@dataclass(frozen=True)
class Match:
    """What a typed or linked name was read as."""

    given: str  # as typed or linked
    option: str  # the option it found
    alias: str  # the known name that matched ("Timbuktu"); the option itself when it was typed
    exact: bool  # False: no table knows the name, the option is the closest spelling (a guess)


def browser_finds(typed: str, label: str) -> bool:
    """Return whether the page's box keeps `label` while `typed` is in it: every typed character
    appears in the label in order, case aside (Streamlit's "fuzzy" filter)."""
    lowered = label.lower()
    position = 0
    for char in typed.lower():
        position = lowered.find(char, position) + 1
        if position == 0:
            return False
    return True


def unaccented(name: str) -> str:
    """Return `name` without its accents, case and punctuation kept ("Tillabéri" → "Tillaberi")."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", name)
                   if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def _region_names() -> dict[str, tuple[str, ...]]:
    names: dict[str, list[str]] = {}
    table = places.region_aliases()
    for alias, canonical in zip(table["alias"], table["canonical"], strict=True):
        if alias not in names.setdefault(canonical, []):
            names[canonical].append(alias)
    return {canonical: tuple(found) for canonical, found in names.items()}


@lru_cache(maxsize=1)
def _group_names() -> dict[str, tuple[str, ...]]:
    names: dict[str, list[str]] = {}
    for alias in actors.load_aliases():
        if alias.alias not in names.setdefault(alias.canonical, []):
            names[alias.canonical].append(alias.alias)
    return {canonical: tuple(found) for canonical, found in names.items()}


def known_names(kind: Kind, option: str) -> tuple[str, ...]:
    """Return the other names the tables know for an option, in the tables' order (a region's
    aliases, a country's names and ISO3 code, an armed group's aliases)."""
    if kind == "region":
        found = _region_names().get(option, ())
    elif kind == "country":
        country = next((c for c in places.COUNTRIES if c.iso3 == option), None)
        found = () if country is None else (country.name, *country.aliases, country.iso3)
    elif kind == "group":
        found = _group_names().get(option, ())
    else:
        found = ()
    return tuple(name for name in found if name != option)


@lru_cache(maxsize=4096)
def search_label(kind: Kind, option: str, label: str) -> str:
    """Return `label` followed by the option's other names that the box's filter would not find
    in it ("Tombouctou · Timbuctoo, Timbuktu"; "Tillabéri · Tillaberi"), at most LABEL_ALIASES."""
    extra: list[str] = []
    candidates = (unaccented(label), *known_names(kind, option))
    for name in candidates:
        if len(extra) == LABEL_ALIASES:
            break
        shown = label + LABEL_SEPARATOR + ", ".join(extra)
        if len(name) <= LABEL_ALIAS_MAX_CHARS and not browser_finds(name, shown):
            extra.append(name)
    return label + LABEL_SEPARATOR + ", ".join(extra) if extra else label


def said(kind: Kind, match: Match) -> Match | None:
    """Return the match as a note should say it (a country by its name), or None when the name
    given is the option's own, accents, case and punctuation aside."""
    if places.fold(match.given) == places.fold(match.option):
        return None
    if kind == "country":
        if match.exact and places.fold(match.given) == places.fold(
                places.country_name(match.option) or ""):
            return None
        return replace(match, option=places.country_name(match.option) or match.option)
    return match


def _from_tables(kind: Kind, name: str, countries: Sequence[str]) -> str | None:
    """Return the canonical option the alias tables give for `name` (None if they know none)."""
    if kind == "region":
        for iso3 in (*countries, None):
            found = places.canonical_region(name, iso3)
            if found is not None:
                return found
        return None
    if kind == "country":
        return places.country_iso3(name)
    if kind == "group":
        return actors.canonical_group(name)
    return None


def resolve(kind: Kind, given: str, options: Collection[str],
            countries: Sequence[str] = ()) -> Match | None:
    """Return the option `given` names: itself, by any spelling the tables know (accents, case
    and punctuation aside), else the closest spelling of an option or of one of its names
    (FUZZY_CUTOFF); None when nothing is close, or when the tables know the name as something
    not offered. `countries` (ISO3) rank a region
    name found in several countries ("Centre")."""
    name = given.strip()
    if not name:
        return None
    if name in options:
        return Match(given, name, name, True)
    folded = places.fold(name)
    for option in options:
        if places.fold(option) == folded:
            return Match(given, option, option, True)
    canonical = _from_tables(kind, name, countries)
    if canonical is not None:
        # A name the tables know as something not offered here is not a misspelling
        # ("Nigeria" is not "Niger").
        if canonical not in options:
            return None
        alias = next((n for n in known_names(kind, canonical) if places.fold(n) == folded), name)
        return Match(given, canonical, alias, True)
    spellings = _spellings(kind, options)
    closest = process.extractOne(folded, {n: places.fold(n) for n in spellings},
                                 scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
    if closest is None:
        return None
    return Match(given, spellings[closest[2]], closest[2], False)


def _spellings(kind: Kind, options: Iterable[str]) -> dict[str, str]:
    """Return every name of every option → the option (an option's own name wins a tie)."""
    table: dict[str, str] = {}
    for option in options:
        for name in known_names(kind, option):
            table.setdefault(name, option)
    table.update({option: option for option in options})
    return table
