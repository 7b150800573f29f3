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

import numpy as np
import pandas as pd

from sahel import DATA_DIR

ACTORS_DIR: Path = DATA_DIR / "actors"
GROUP_KINDS: tuple[str, ...] = ("jihadist", "rebel", "state", "foreign", "militia", "un",
                                "unidentified", "civilians", "other")
TEXT_MATCH_MODES: tuple[str, ...] = ("fold", "case", "no")
_ARTICLES: tuple[str, ...] = ("le ", "la ", "les ", "l ", "the ")
_PARENTHESISED = re.compile(r"\([^)]*\)")


@dataclass(frozen=True)
class Group:
    """One canonical armed group (or non-armed actor) and how it is shown."""

    name: str
    kind: str
    coalition: str  # the parent canonical group, or "" when it belongs to none
    color: str  # "#RRGGBB"
    label: str
    doc: str = ""


@dataclass(frozen=True)
class Alias:
    """One name for a canonical group, as read from ``aliases.csv``."""

    alias: str
    canonical: str
    lang: str
    valid_from: date | None
    valid_to: date | None
    in_text: str
    note: str = ""

    def distance(self, on: date) -> int:
        """Return how many days `on` lies outside this alias's validity window (0 inside)."""
        if self.valid_from is not None and on < self.valid_from:
            return (self.valid_from - on).days
        if self.valid_to is not None and on > self.valid_to:
            return (on - self.valid_to).days
        return 0


@dataclass(frozen=True)
class ActorMention:
    """An alias found in free text: character offsets into the text, the words, the group."""

    start: int
    end: int
    text: str
    canonical: str


def fold_chars(text: str) -> str:
    """Return `text` lower-cased, accents dropped, non-alphanumerics as spaces; same length.

    Keeping the length lets offsets found in the folded text point into the original.
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
    """Return the look-up key of a name: folded, spaces collapsed and trimmed."""
    return " ".join(fold_chars(name).split())


def _parse_day(text: str) -> date | None:
    return date.fromisoformat(text) if text.strip() else None


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


@lru_cache(maxsize=1)
def _groups() -> dict[str, Group]:
    return {row["name"]: Group(name=row["name"], kind=row["kind"], coalition=row["coalition"],
                               color=row["color"], label=row["label"], doc=row["doc"])
            for row in _read_csv(ACTORS_DIR / "groups.csv")}


@lru_cache(maxsize=1)
def load_aliases() -> tuple[Alias, ...]:
    """Return every alias: the rows of ``aliases.csv`` plus each canonical name as its own alias."""
    rows = [Alias(alias=r["alias"], canonical=r["canonical"], lang=r["lang"] or "any",
                  valid_from=_parse_day(r["valid_from"]), valid_to=_parse_day(r["valid_to"]),
                  in_text=r["in_text"] or "fold", note=r["note"])
            for r in _read_csv(ACTORS_DIR / "aliases.csv")]
    listed = {fold_name(a.alias) for a in rows}
    own = [Alias(alias=g, canonical=g, lang="any", valid_from=None, valid_to=None, in_text="fold")
           for g in _groups() if fold_name(g) not in listed]
    return tuple(own + rows)


@lru_cache(maxsize=1)
def _alias_index() -> dict[str, tuple[Alias, ...]]:
    index: dict[str, list[Alias]] = {}
    for alias in load_aliases():
        index.setdefault(fold_name(alias.alias), []).append(alias)
    return {key: tuple(entries) for key, entries in index.items()}


def _candidate_keys(name: str) -> list[str]:
    """Return the look-up keys of a data value, most specific first (see the module docstring)."""
    forms = [name, name.split(": ", 1)[0], _PARENTHESISED.sub(" ", name), name.split("(", 1)[0]]
    keys: list[str] = []
    for form in forms:
        key = fold_name(form)
        bare = next((key[len(a):] for a in _ARTICLES if key.startswith(a)), key)
        for candidate in (key, bare):
            if candidate and candidate not in keys:
                keys.append(candidate)
    return keys


def _entries_for(name: str) -> tuple[Alias, ...]:
    index = _alias_index()
    return next((index[key] for key in _candidate_keys(name) if key in index), ())


def _pick(entries: tuple[Alias, ...], on: date | None) -> str:
    # min() keeps the first of equals, so table order breaks ties.
    return min(entries, key=lambda a: a.distance(on or date.max)).canonical


def _as_day(on: object) -> date | None:
    if on is None or (not isinstance(on, str) and pd.isna(on)):  # type: ignore[arg-type]
        return None
    if isinstance(on, datetime):
        return on.date()
    if isinstance(on, date):
        return on
    return pd.Timestamp(on).date()  # type: ignore[arg-type]


@lru_cache(maxsize=65536)
def _canonical_cached(name: str, on: date | None) -> str | None:
    entries = _entries_for(name)
    return _pick(entries, on) if entries else None


def canonical_group(name: object, on: date | datetime | str | None = None) -> str | None:
    """Return the canonical group `name` means (on the day `on`, if given); None if unknown."""
    if not isinstance(name, str) or not name.strip():
        return None
    return _canonical_cached(name, _as_day(on))


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


def expand_groups(groups: Iterable[str], include_components: bool = True) -> frozenset[str]:
    """Return the canonical names of `groups`, plus their coalition members when asked.

    Aliases are resolved ("GSIM" → JNIM); unknown names are kept as given so they match nothing.
    """
    wanted = {canonical_group(g) or g for g in groups}
    if include_components:
        members: dict[str, list[str]] = {}
        for group in _groups().values():
            if group.coalition:
                members.setdefault(group.coalition, []).append(group.name)
        todo = list(wanted)
        while todo:
            for member in members.get(todo.pop(), []):
                if member not in wanted:
                    wanted.add(member)
                    todo.append(member)
    return frozenset(wanted)


def _ambiguous_names() -> frozenset[str]:
    """Return the folded keys whose meaning depends on the date."""
    return frozenset(key for key, entries in _alias_index().items()
                     if len({a.canonical for a in entries}) > 1)


def resolve_actor_column(names: pd.Series, on: pd.Series | None = None
                         ) -> tuple[pd.Series, dict[str, int]]:
    """Return the canonical group of every name (the name itself when unknown) and unknown counts.

    Vectorised over the distinct names; missing or blank names stay as they are and are not
    counted. `on`, an optional series of event dates aligned with `names`, is only consulted for
    the few names whose meaning changes over time.
    """
    codes, uniques = pd.factorize(names, use_na_sentinel=True)
    unique_names = [str(u) for u in uniques]
    resolved = [canonical_group(u) for u in unique_names]
    kept = [r if r is not None else u for r, u in zip(resolved, unique_names, strict=True)]
    mapped = np.array([*kept, None], dtype=object)
    values = mapped[codes]  # code -1 (missing) picks the trailing None
    if on is not None:
        dates = pd.to_datetime(pd.Series(on).reset_index(drop=True), errors="coerce")
        ambiguous = _ambiguous_names()
        for code, name in enumerate(unique_names):
            if set(_candidate_keys(name)) & ambiguous:
                rows = np.flatnonzero(codes == code)
                values[rows] = [canonical_group(name, on=d) for d in dates.iloc[rows]]
    out = pd.Series(values, index=names.index, name=names.name, dtype="str")
    blank = [str(u).strip() == "" for u in unique_names]
    counts = np.bincount(codes[codes >= 0], minlength=len(unique_names))
    unknown = {u: int(n) for u, r, n, b in zip(unique_names, resolved, counts, blank, strict=True)
               if r is None and not b}
    return out, unknown


@dataclass(frozen=True)
class _TextMatcher:
    folded: re.Pattern[str] | None  # run over fold_chars(text)
    exact: re.Pattern[str] | None  # run over the text itself
    folded_groups: dict[str, str]
    exact_groups: dict[str, str]


def _alternation(patterns: dict[str, str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    # Longest first: at one starting point the regex takes the first alternative that matches.
    body = "|".join(patterns[k] for k in sorted(patterns, key=lambda k: (-len(k), k)))
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)")


@lru_cache(maxsize=1)
def _text_matcher() -> _TextMatcher:
    folded: dict[str, str] = {}
    exact: dict[str, str] = {}
    folded_groups: dict[str, str] = {}
    exact_groups: dict[str, str] = {}
    for key in _alias_index():
        text_entries = [a for a in _alias_index()[key] if a.in_text != "no"]
        for alias in text_entries:
            if alias.in_text == "case" and alias.alias not in exact:
                exact[alias.alias] = re.escape(alias.alias)
                exact_groups[alias.alias] = _pick(
                    tuple(a for a in text_entries if a.alias == alias.alias), None)
            elif alias.in_text == "fold" and key not in folded:
                folded[key] = r"\s+".join(re.escape(t) for t in key.split())
                folded_groups[key] = _pick(
                    tuple(a for a in text_entries if a.in_text == "fold"), None)
    return _TextMatcher(_alternation(folded), _alternation(exact), folded_groups, exact_groups)


def find_actor_mentions(text: str) -> list[ActorMention]:
    """Return the longest non-overlapping alias matches in free French/English text, in order.

    Matches respect word boundaries ("Fama" is not in "famille"); short acronyms listed with
    ``in_text=case`` match only in their exact case ("EI", not "ei"). A name that changes meaning
    over time resolves to its latest meaning; the extractor may re-resolve with
    ``canonical_group(mention.text, on=...)``. Generic words ("terroristes", "gunmen") resolve
    to "Unidentified armed group": prefer a named group when the text has one.
    """
    matcher = _text_matcher()
    found: list[ActorMention] = []
    if matcher.folded is not None:
        for m in matcher.folded.finditer(fold_chars(text)):
            found.append(ActorMention(m.start(), m.end(), text[m.start():m.end()],
                                      matcher.folded_groups[" ".join(m.group().split())]))
    if matcher.exact is not None:
        for m in matcher.exact.finditer(text):
            found.append(ActorMention(m.start(), m.end(), m.group(),
                                      matcher.exact_groups[m.group()]))
    found.sort(key=lambda m: (m.start, -(m.end - m.start)))
    kept: list[ActorMention] = []
    for mention in found:
        if not kept or mention.start >= kept[-1].end:
            kept.append(mention)
    return kept
