"""Armed groups: the alias table (``data/actors/``) → one canonical group, with its coalition.

Two data tables, no if-chains of names:

* ``groups.csv``: one row per canonical group (name, label, kind, coalition, color, doc);
* ``aliases.csv``: every name seen in ACLED, UCDP and the French and English press, with the
  canonical group it means, its language, an optional validity window and how it may be matched in
  free text (``fold``: case/accent/punctuation-insensitive; ``case``: only in this exact case, for
  short acronyms such as "EI"; ``no``: only as a whole data value, e.g. UCDP's "IS").

Look-up rule for a data value (an ACLED ``actor1``, a UCDP ``side_a``, a filter typed by a person):
the name is folded (lower case, accents dropped, punctuation → space); then these keys are tried in
order and the first one in the table wins: the whole name; the part before ``": "`` (ACLED's
"JNIM: Group for Support of Islam and Muslims"); the name without its parenthesised parts (ACLED's
"Civilians (Mali)", "Military Forces of Mali (2021-)"); the part before the first parenthesis
(ACLED's "Military Forces of Mali (2021-) Prison Guards"). Each key is also tried without a leading
article ("le Jnim", "l'armée malienne", "the Wagner Group").

An alias valid only over a period (``valid_from``/``valid_to``) still resolves outside it; when one
name means different groups over time ("Iyad Ag Ghali": Ansar Dine until March 2017, then JNIM), the
entry whose window is nearest the event date wins, and without a date the latest entry wins.

The keys come in two tiers (the name and its part before ": "; then the forms without
parentheses); within a tier, aliases are tried first, then ``patterns.csv``, in table order: regular
expressions over ACLED's systematic names ("<community> Ethnic Militia (<country>)", "Military
Forces of <country> (<period>)", "Mutiny of …", "Unidentified …"), so names never listed still
resolve. A pattern whose canonical is ``(state forces)`` names the state forces of the country it
captures as ``country`` (through `sahel.places.country_iso3`). Patterns are for data values only,
never searched in free text.

Uncertain attributions: ACLED writes "X and/or Y" when sources disagree on the perpetrator. Such a
name is split on the literal "and/or" before folding and each candidate is resolved on its own;
`resolve_actor_column` stores the candidates' groups joined by `UNCERTAIN_SEPARATOR` (one group
when they all agree), and `canonical_group` gives None because the name is not one group.

Country context: an alias row may be limited to some countries (``iso3``: "IS" means ISWAP in the
Lake Chad basin) or name ``(state forces)``, the state forces of the incident's country ("l'armée",
"soldiers", "FDS"; the country's group carries its ``iso3`` in ``groups.csv``). Where the country
is given such entries win; without it they are ignored, so generic words stay unknown.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import pandas as pd

from sahel import DATA_DIR, coalitions, places
from sahel.coalitions import ARMED_KINDS as ARMED_KINDS
from sahel.coalitions import GROUP_KINDS as GROUP_KINDS
from sahel.coalitions import Group as Group
from sahel.coalitions import Window as Window
from sahel.coalitions import describe_all_coalitions as describe_all_coalitions

ACTORS_DIR: Path = DATA_DIR / "actors"
UNCERTAIN_SEPARATOR = " and/or "
LIST_SEPARATOR = "; "  # between the groups of an associated-actor cell
_UNCERTAIN = re.compile(r"\s*\band\s*/\s*or\b\s*", re.IGNORECASE)
TEXT_MATCH_MODES: tuple[str, ...] = ("fold", "case", "no")
_ARTICLES: tuple[str, ...] = ("le ", "la ", "les ", "l ", "the ")
_PARENTHESISED = re.compile(r"\([^)]*\)")
# In aliases.csv: "the state forces of the country the incident is in" (see groups.csv iso3).
STATE_FORCES = "(state forces)"
# How a legend names incidents with no known perpetrator (the map's and the time chart's).
UNKNOWN_ACTOR = "unknown actor"


@dataclass(frozen=True)
class Alias:
    """One name for a canonical group, as read from ``aliases.csv``."""

    alias: str
    canonical: str  # a group name, or STATE_FORCES
    lang: str
    valid_from: date | None
    valid_to: date | None
    iso3: frozenset[str]  # the countries where this meaning holds; empty = everywhere
    in_text: str
    note: str = ""

    def distance(self, on: date) -> int:
        """Return how many days `on` lies outside this alias's validity window (0 inside)."""
        if self.valid_from is not None and on < self.valid_from:
            return (self.valid_from - on).days
        if self.valid_to is not None and on > self.valid_to:
            return (on - self.valid_to).days
        return 0

    def meaning(self, iso3: str | None) -> str | None:
        """Return the group this alias names in country `iso3` (None when it names none there)."""
        if self.canonical == STATE_FORCES:
            return state_forces(iso3) if iso3 else None
        if self.iso3 and iso3 not in self.iso3:
            return None
        return self.canonical

    def is_local(self) -> bool:
        """Return whether the meaning depends on the country (such entries win where they hold)."""
        return bool(self.iso3) or self.canonical == STATE_FORCES


@dataclass(frozen=True)
class ActorMention:
    """An alias found in free text: character offsets into the text, the words, the group."""

    start: int
    end: int
    text: str
    canonical: str


def fold_chars(text: str) -> str:
    """Return `text` lower-cased, accents dropped, non-alphanumerics as spaces; same length.

    Keeping the length lets offsets found in the folded text point into the original; on the
    alias table it agrees with `fold_name` once spaces are collapsed (a test checks it).
    """
    return "".join(_fold_char(c) for c in text)


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if not char.isalnum():
        return " "
    base = [c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)]
    # One character in, one character out: offsets must survive folding.
    return (base[0] if base else char).lower()[0]


def fold_name(name: str) -> str:
    """Return the look-up key of a name: the project's one name fold (`sahel.places.fold`)."""
    return places.fold(name)


def _parse_day(text: str) -> date | None:
    return date.fromisoformat(text) if text.strip() else None


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def _groups() -> dict[str, Group]:
    return coalitions.load_groups()


@lru_cache(maxsize=1)
def load_aliases() -> tuple[Alias, ...]:
    """Return every alias: the rows of ``aliases.csv`` plus each canonical name as its own alias."""
    rows = [Alias(alias=r["alias"], canonical=r["canonical"], lang=r["lang"] or "any",
                  valid_from=_parse_day(r["valid_from"]), valid_to=_parse_day(r["valid_to"]),
                  iso3=frozenset(r["iso3"].split()), in_text=r["in_text"] or "fold",
                  note=r["note"])
            for r in _read_csv(ACTORS_DIR / "aliases.csv")]
    listed = {fold_name(a.alias) for a in rows}
    own = [Alias(alias=g, canonical=g, lang="any", valid_from=None, valid_to=None,
                 iso3=frozenset(), in_text="fold")
           for g in _groups() if fold_name(g) not in listed]
    return tuple(own + rows)


@lru_cache(maxsize=1)
def _alias_index() -> dict[str, tuple[Alias, ...]]:
    index: dict[str, list[Alias]] = {}
    for alias in load_aliases():
        index.setdefault(fold_name(alias.alias), []).append(alias)
    return {key: tuple(entries) for key, entries in index.items()}


@lru_cache(maxsize=1)
def _state_forces_by_country() -> dict[str, str]:
    return {g.iso3: g.name for g in _groups().values() if g.iso3}


def state_forces(iso3: str | None) -> str | None:
    """Return the canonical state forces of a country by ISO3 code ("MLI" → "FAMa"), or None."""
    return _state_forces_by_country().get((iso3 or "").upper())


@dataclass(frozen=True)
class NamePattern:
    """One row of ``patterns.csv``: a regular expression over folded names, and its group."""

    regex: re.Pattern[str]
    canonical: str  # a group name, or STATE_FORCES: those of the country captured as `country`
    note: str = ""

    def meaning(self, key: str) -> str | None:
        """Return the group a folded name key means under this pattern, or None."""
        found = self.regex.fullmatch(key)
        if found is None:
            return None
        if self.canonical == STATE_FORCES:
            return state_forces(places.country_iso3(found["country"]))
        return self.canonical


@lru_cache(maxsize=1)
def load_patterns() -> tuple[NamePattern, ...]:
    """Return the name patterns of ``patterns.csv`` in table order (the first match wins)."""
    return tuple(NamePattern(re.compile(r["pattern"]), r["canonical"], r["note"])
                 for r in _read_csv(ACTORS_DIR / "patterns.csv"))


@lru_cache(maxsize=65536)
def _key_tiers(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the look-up keys of a data value in two tiers, most specific first.

    First the name itself and its part before ": "; then the forms without parenthesised parts
    (see the module docstring).
    """
    tiers: list[list[str]] = [[], []]
    forms = [(0, name), (0, name.split(": ", 1)[0]), (1, _PARENTHESISED.sub(" ", name)),
             (1, name.split("(", 1)[0])]
    for tier, form in forms:
        key = fold_name(form)
        bare = next((key[len(a):] for a in _ARTICLES if key.startswith(a)), key)
        for candidate in (key, bare):
            if candidate and all(candidate not in t for t in tiers):
                tiers[tier].append(candidate)
    return tuple(tiers[0]), tuple(tiers[1])


def _candidate_keys(name: str) -> tuple[str, ...]:
    """Return every look-up key of a data value, most specific first."""
    first, second = _key_tiers(name)
    return first + second


@lru_cache(maxsize=65536)
def _split_candidates(value: str) -> tuple[str, ...]:
    return tuple(p for p in (part.strip() for part in _UNCERTAIN.split(value)) if p) or (value,)


def candidate_groups(value: object) -> tuple[str, ...]:
    """Return the candidates of an "X and/or Y" value as written (one when certain, none if NA)."""
    if not isinstance(value, str) or not value.strip():
        return ()
    return _split_candidates(value)


def is_uncertain(value: object) -> bool:
    """Return whether a name or stored group value is an uncertain ("and/or") attribution.

    Per value; on a column of stored groups, ``.str.contains(UNCERTAIN_SEPARATOR, regex=False)``
    gives the same, vectorised.
    """
    return isinstance(value, str) and "/" in value and len(_split_candidates(value)) > 1


def _pick(entries: tuple[Alias, ...], on: date | None, iso3: str | None) -> str | None:
    usable = [a for a in entries if a.meaning(iso3) is not None]
    if not usable:
        return None
    # Country-specific meanings first, then the window nearest the date; min() keeps table order.
    best = min(usable, key=lambda a: (not a.is_local(), a.distance(on or date.max)))
    return best.meaning(iso3)


def _as_day(on: object) -> date | None:
    if on is None or (not isinstance(on, str) and pd.isna(on)):  # type: ignore[call-overload]
        return None
    if isinstance(on, datetime):
        return on.date()
    if isinstance(on, date):
        return on
    return pd.Timestamp(on).date()  # type: ignore[arg-type]


def _as_country(iso3: object) -> str | None:
    return iso3.strip().upper() if isinstance(iso3, str) and iso3.strip() else None


@lru_cache(maxsize=65536)
def _canonical_cached(name: str, on: date | None, iso3: str | None) -> str | None:
    index = _alias_index()
    for keys in _key_tiers(name):
        for key in keys:
            found = _pick(index[key], on, iso3) if key in index else None
            if found is not None:
                return found
        for key in keys:
            found = next((g for p in load_patterns() if (g := p.meaning(key)) is not None), None)
            if found is not None:
                return found
    return None


def canonical_group(name: object, on: date | datetime | str | None = None,
                    iso3: str | None = None) -> str | None:
    """Return the canonical group `name` means (on day `on`, in country `iso3`); None if unknown.

    Without `iso3`, generic words ("l'armée", "soldiers") stay unknown; with it they name that
    country's state forces. An "X and/or Y" name is not one group: None, unless every
    candidate names the same group.
    """
    if not isinstance(name, str) or not name.strip():
        return None
    day, country = _as_day(on), _as_country(iso3)
    found = {_canonical_cached(part, day, country) for part in candidate_groups(name)}
    return found.pop() if len(found) == 1 else None


def group_info(canonical: str) -> Group:
    """Return the Group of a canonical name (an alias is resolved first); KeyError if unknown."""
    groups = _groups()
    if canonical in groups:
        return groups[canonical]
    resolved = canonical_group(canonical)
    if resolved is None:
        raise KeyError(f"unknown armed group: {canonical!r}")
    return groups[resolved]


def all_groups() -> list[Group]:
    """Return every canonical group in the order of ``groups.csv`` (JNIM first)."""
    return list(_groups().values())


def is_armed_group(name: object) -> bool:
    """Return whether `name` is an armed or state actor (every candidate, for an "and/or" one).

    Unknown names are not: False.
    """
    found = [canonical_group(c) for c in candidate_groups(name)]
    return bool(found) and all(g is not None and _groups()[g].kind in ARMED_KINDS for g in found)


def coalition_windows(groups: Iterable[str], include_components: bool = True
                      ) -> dict[str, Window]:
    """Return every canonical group whose rows count for `groups`, with the event days it counts.

    Aliases are resolved ("GSIM" → JNIM); the requested groups always count (``(None, None)``),
    their components (transitively) only within their membership window ("Ansar Dine" for JNIM
    from 2017-03-02). Unknown names map to themselves, so they match nothing.
    """
    wanted = dict.fromkeys(canonical_group(g) or g for g in groups)
    return coalitions.component_windows(wanted, include_components)


def expand_groups(groups: Iterable[str], include_components: bool = True) -> frozenset[str]:
    """Return the canonical names of `groups`, plus their coalition members when asked.

    Undated: a component counts over its whole history, also before it joined. Kept for old
    callers; filter with `coalition_windows`, which says from when each component counts.
    """
    return frozenset(coalition_windows(groups, include_components))


def describe_components(group: str) -> str:
    """Return one sentence saying what "include coalition components" adds for `group`."""
    return coalitions.describe_components(canonical_group(group) or group)


def resolve_actor_column(names: pd.Series, on: pd.Series | None = None,
                         iso3: pd.Series | str | None = None
                         ) -> tuple[pd.Series, dict[str, int]]:
    """Return the canonical group of every name (the name itself when unknown) and unknown counts.

    Vectorised over the distinct names; missing or blank names stay as they are and are not
    counted. `on` (event dates) and `iso3` (country codes, or one code for all rows), aligned with
    `names`, are only consulted for the few names whose meaning changes with date or country.
    An "X and/or Y" name gives its candidates' groups joined by `UNCERTAIN_SEPARATOR` in the
    order written (one group when they agree); an unknown candidate stays as written and is
    counted.
    """
    from sahel.actor_columns import resolve_values  # deferred: that module imports this one

    return resolve_values(names, on, iso3, list_cells=False)


def resolve_actor_list_column(values: pd.Series, on: pd.Series | None = None,
                              iso3: pd.Series | str | None = None
                              ) -> tuple[pd.Series, dict[str, int]]:
    """Return the groups of every associated-actor cell ("A; B"), joined by "; ", and unknowns.

    Each part is resolved as by `resolve_actor_column` ("and/or" included); repeated groups are
    kept once, in order; unknown parts stay as given and are counted; missing or blank cells are
    missing.
    """
    from sahel.actor_columns import resolve_values  # deferred: that module imports this one

    return resolve_values(values, on, iso3, list_cells=True)


def _alternation(patterns: dict[str, str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    # Longest first: at one starting point the regex takes the first alternative that matches.
    body = "|".join(patterns[k] for k in sorted(patterns, key=lambda k: (-len(k), k)))
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)")


@lru_cache(maxsize=4)
def _text_patterns(lang: str | None) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """Return the regexes for folded text and for exact-case acronyms, in one language or all."""
    folded: dict[str, str] = {}
    exact: dict[str, str] = {}
    for alias in load_aliases():
        if alias.in_text == "no" or (lang is not None and alias.lang not in (lang, "any")):
            continue
        if alias.in_text == "case":
            exact[alias.alias] = re.escape(alias.alias)
        else:
            key = fold_name(alias.alias)
            folded[key] = r"\s+".join(re.escape(t) for t in key.split())
    return _alternation(folded), _alternation(exact)


def find_actor_mentions(text: str, lang: str | None = None, on: date | str | None = None,
                        iso3: str | None = None) -> list[ActorMention]:
    """Return the longest non-overlapping alias matches in free French/English text, in order.

    Matches respect word boundaries ("Fama" is not in "famille"); short acronyms listed with
    ``in_text=case`` match only in their exact case ("EI", not "ei"). `lang` ("fr"/"en") skips the
    other language's aliases ("militants" is English only); `on` and `iso3` resolve names whose
    meaning depends on them, and generic words ("l'armée", "soldiers") are only found when `iso3`
    is given. Generic attackers ("terroristes", "gunmen") resolve to "Unidentified armed group":
    prefer a named group when the text has one.
    """
    folded, exact = _text_patterns(lang)
    spans = [m.span() for m in folded.finditer(fold_chars(text))] if folded else []
    spans += [m.span() for m in exact.finditer(text)] if exact else []
    found: list[ActorMention] = []
    for start, end in spans:
        canonical = canonical_group(text[start:end], on=on, iso3=iso3)
        if canonical is not None:
            found.append(ActorMention(start, end, text[start:end], canonical))
    found.sort(key=lambda m: (m.start, m.start - m.end))
    kept: list[ActorMention] = []
    for mention in found:
        if not kept or mention.start >= kept[-1].end:
            kept.append(mention)
    return kept
