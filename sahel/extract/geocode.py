"""Place names in report text → gazetteer places, with country/region context and precision.

Candidate spans are runs of capitalised words; the gazetteer (`sahel.places.load_gazetteer`) and
the country/region/actor tables decide what they are. A span in a locating phrase ("entre X et Y",
"à 400 km de X", "north of the capital X") only locates; "near X", "outside X", "la région de X"
(X a town) give precision 2; a region alone gives precision 3.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Generic, TypeVar

from sahel import actors, places
from sahel.extract.areas import admin2_area
from sahel.extract.place_words import (
    DEMONYM,
    DEMONYMS,
    GIVEN_NAMES,
    NON_PLACES,
    PERSON_BEFORE,
    STOP_WORDS,
)

# "le préfet de X", "évacués vers X": X locates an office or a hospital, not the event.
_LOCATOR_OFFICE = re.compile(
    r"(?:prefect|préfet|governor|gouverneur|mayor|maire|hôpital|hospital|"
    r"évacuée?s? (?:vers|à|sur)|evacuated to|transférée?s? (?:vers|à|sur)|taken to|"
    # Where survivors went, where a communiqué was signed ("Fait à Niamey, le 16 août").
    r"réfugiée?s? (?:à|au|en)|(?:fled|escaped) to|(?:ont|a|avaient|avait) fui (?:vers|à)|"
    r"^\s*fait)\s+(?:for|of|de|du|d'|à|in|at|to)?\s*(?:la |the )?$", re.IGNORECASE)
# "Fin juillet", "Début mars": a part of a month, not a place called Fin.
_MONTH_AFTER = re.compile(r"^[\s-]+(?:janvier|février|fevrier|mars|avril|mai|juin|juillet|août|"
                          r"aout|septembre|octobre|novembre|décembre|decembre)\b", re.IGNORECASE)

# "entre Boni et Hombori": the event lies between; either name is a fair precision-2 point when
# the sentence names no other place.
_BETWEEN_BEFORE = re.compile(r"\b(?:entre|between)\s+(?:les localités de\s+|the towns of\s+)?$",
                             re.IGNORECASE)
_LOCATOR_BEFORE = re.compile(
    r"(?:\b(?:capitale|capital)\s+(?:\w+\s+)?$|\bfrom\s+$|\bvers\s+$|\btowards?\s+$|"
    r"\b(?:reliait|reliant|relie|linking|links|à destination de|en provenance de|bound for|"
    r"heading (?:to|for))\s+(?:\S+\s+(?:à|to|and|et)\s+)?$|"
    r"\bborder with\s+$|\bfrontière avec (?:le |la |l')?$)", re.IGNORECASE)
# "10 km au sud de X", "north of X": the event is near X (ACLED precision 2), unless X is only
# a far-off reference ("1,500 km from the capital").
_OFFSET_BEFORE = re.compile(
    r"(?:\d[\d\s,.]*\s*(?:km|kilomètres?|kilometres?|kilometers?|miles?)\b[^.]{0,40}?"
    r"\b(?:de|d'|from|of)\s+(?:la ville de\s+|the town of\s+)?$|"
    r"\b(?:north|south|east|west|northeast|northwest|southeast|southwest|north-east|"
    r"north-west|south-east|south-west|nord|sud|est|ouest|nord-est|nord-ouest|sud-est|"
    r"sud-ouest)\s+(?:de|d'|of)\s+(?:la\s+|the\s+|la ville de\s+|the town of\s+)?$)",
    re.IGNORECASE)
_NEAR_BEFORE = re.compile(
    r"(?:(?:près|non loin|aux environs|dans les environs|à proximité|dans la zone|"
    r"dans le secteur|la région|la zone|dans la périphérie|"
    r"à la périphérie|au large) d(?:e\s+|')|(?:near|close to|outside(?: the (?:town|city|"
    r"village) of)?|around|in the vicinity of|in the area of|on the outskirts of)\s+)$",
    re.IGNORECASE)
# "dans le cercle de X", "département de Ouallam": a unit that contains the event; it stands
# for the event's place (precision 2 or 3) only when the sentence names no town.
_AREA_BEFORE = re.compile(r"(?:le cercle|la commune|le département|département|la préfecture|"
                          r"le district|the district|the department|the commune|cercle) "
                          r"d(?:e\s+|')$", re.IGNORECASE)
_UNIT_AFTER = re.compile(r"^\s+(?:department|cercle|commune|prefecture)\b", re.IGNORECASE)
_REGION_BEFORE = re.compile(r"(?:région|region|province|préfecture|wilaya)\s+(?:de\s+|d'|du\s+|"
                            r"of\s+(?:the\s+)?)?$", re.IGNORECASE)
_DATELINE_AFTER = re.compile(
    r"^\s*(?:,\s*(?:\d{1,2}\s+\w+|\w+\.?\s+\d{1,2})\b[^-—–]{0,25})?\s*"
    r"(?:\((?:AFP|Reuters|AP|APA|Xinhua|ANP|AIB|ATOP|Anadolu)\)\s*)?[-—–]", re.IGNORECASE)
_AXIS_BEFORE = re.compile(r"(?:axe|route|tronçon|road|highway|corridor)\s+(?:de\s+|d')?$",
                          re.IGNORECASE)
_REGION_AFTER = re.compile(r"^\s+(?:region|province)\b", re.IGNORECASE)
_AREA_AFTER = re.compile(r"^\s+(?:area|zone|district)\b", re.IGNORECASE)
_PLACE_BEFORE = re.compile(
    r"(?:\bà|\bau|\ben|\bde|\bd'|\bdu|\bin|\bat|\bnear|\bvillage de|\blocalité de|\bville de|"
    r"\bcommune de|\btown of|\bvillage of|\bcity of|\btown|\bvillage|\bîle de|"
    r"\bisland of)\s+$", re.IGNORECASE)

_MONTH_PARTS = frozenset({"fin", "debut", "mi", "courant"})
_WORD = r"[A-ZÀ-ÝŒ][\w'-]*"
_SPAN = re.compile(rf"{_WORD}(?:(?:\s+|\s+(?:du|de|des|el|al|ag|n)\s+){_WORD})*")


@dataclass(frozen=True)
class PlaceMention:
    """A place named in a sentence and what it resolved to."""

    start: int
    end: int
    text: str
    role: str  # "event" (where it happened), "near"/"between" (precision 2), "area" (a unit
    # that contains the event), "locator", "region",
    # or "country" (no place named at all)
    place: Any = None  # sahel.gazetteer Place when resolved
    admin1: str | None = None  # canonical region (region mentions)
    iso3: str | None = None
    candidates: tuple[Any, ...] = ()

    @property
    def resolved(self) -> bool:
        """Tell whether the mention has coordinates."""
        return self.place is not None or self.admin1 is not None


T = TypeVar("T")
# Cells of NearIndex, in degrees of latitude and longitude (a degree of latitude is ~111 km).
_CELL_DEGREES = 1.0
_COLUMNS = int(360 / _CELL_DEGREES)


class NearIndex(Generic[T]):
    """Items at points, found by distance without looking at the far ones (a grid of cells)."""

    def __init__(self) -> None:
        self._cells: dict[tuple[int, int], list[tuple[float, float, T]]] = {}

    def add(self, lat: float, lon: float, item: T) -> None:
        """Put `item` at (lat, lon), in degrees (WGS 84)."""
        self._cells.setdefault(_cell(lat, lon), []).append((lat, lon, item))

    def near(self, lat: float, lon: float, km: float) -> list[T]:
        """Return the items within `km` of (lat, lon), in no particular order."""
        row, col = _cell(lat, lon)
        rows = math.ceil(km / (111.0 * _CELL_DEGREES))
        # A degree of longitude shrinks towards the poles: look at more columns there.
        narrowest = math.cos(math.radians(min(89.0, abs(lat) + (rows + 1) * _CELL_DEGREES)))
        cols = math.ceil(km / (111.0 * _CELL_DEGREES * narrowest))
        columns = ({(col + c) % _COLUMNS for c in range(-cols, cols + 1)}
                   if 2 * cols + 1 < _COLUMNS else set(range(_COLUMNS)))
        return [item for r in range(row - rows, row + rows + 1) for c in columns
                for plat, plon, item in self._cells.get((r, c), ())
                if distance_km(lat, lon, plat, plon) <= km]

    def __bool__(self) -> bool:
        return bool(self._cells)


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / _CELL_DEGREES), math.floor(lon / _CELL_DEGREES) % _COLUMNS


@dataclass
class Context:
    """What the whole report says about where things are: countries and regions named."""

    countries: dict[str, int] = field(default_factory=dict)
    regions: dict[tuple[str, str], int] = field(default_factory=dict)
    points: NearIndex[None] = field(default_factory=NearIndex)  # event places named so far
    persons: set[str] = field(default_factory=set)

    def main_country(self) -> str | None:
        """Return the country named most often (ties: the first Sahel-5 country)."""
        if not self.countries:
            return None
        order = {iso3: i for i, iso3 in enumerate(places.SAHEL5)}
        return max(self.countries, key=lambda c: (self.countries[c], -order.get(c, 99)))


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Return our stop words plus spaCy's French and English ones, folded.

    Capitalised at a sentence start they are not places even when a hamlet somewhere bears the
    name ("Some", "Même", "Divers"). Imported here, not at module level: spaCy takes seconds.
    """
    from spacy.lang.en.stop_words import STOP_WORDS as english
    from spacy.lang.fr.stop_words import STOP_WORDS as french

    return STOP_WORDS | frozenset(places.fold(w) for w in french | english)


def candidate_spans(text: str) -> list[tuple[int, int, str]]:
    """Return (start, end, name) of capitalised word runs that might be place names.

    A run is cut at function and title words: "Mali's Prime Minister Moussa Mara" gives
    "Mali's" and "Moussa Mara".
    """
    out = []
    stops = stop_words()
    for m in _SPAN.finditer(text):
        pieces: list[tuple[int, int]] = []
        for w in re.finditer(r"\S+", m.group(0)):
            if places.fold(w.group(0)) in stops:
                pieces.append((-1, -1))
            else:
                pieces.append((m.start() + w.start(), m.start() + w.end()))
        run: list[tuple[int, int]] = []
        for piece in pieces + [(-1, -1)]:
            if piece[0] >= 0:
                run.append(piece)
                continue
            if run:
                start, end = run[0][0], run[-1][1]
                name = text[start:end]
                if name.lower().startswith(("l'", "d'")):
                    name, start = name[2:], start + 2
                if name.endswith("'s"):
                    name, end = name[:-2], end - 2
                if len(places.fold(name)) >= 3 and not re.fullmatch(r"(?:\w\.?\s?)", name):
                    out.append((start, end, name))
            run = []
    return out


def scan_context(text: str) -> Context:
    """Return the countries and regions a report names (for disambiguating places)."""
    ctx = Context()
    for m in DEMONYM.finditer(text):
        iso3 = DEMONYMS[m.group(1).lower()]
        ctx.countries[iso3] = ctx.countries.get(iso3, 0) + 2
    for start, end, name in candidate_spans(text):
        if _is_person(text, start, name) and len(name.split()) >= 2:
            # Later mentions of a person's surname alone ("Lele said") are not places either.
            ctx.persons.update(places.fold(w) for w in name.split()[1:])
            continue
        country = places.country_iso3(name)
        if country:
            ctx.countries[country] = ctx.countries.get(country, 0) + 2
            continue
        if _REGION_BEFORE.search(text[max(0, start - 25):start]) or \
                _REGION_AFTER.match(text[end:end + 12]):
            region = places.canonical_region(name, ctx.main_country()) or \
                places.canonical_region(name)
            if region:
                key = (_region_iso3(region, ctx.main_country()), region)
                ctx.regions[key] = ctx.regions.get(key, 0) + 1
    for iso3, _region in list(ctx.regions):
        ctx.countries[iso3] = ctx.countries.get(iso3, 0) + 2
    return ctx


def _region_iso3(region: str, hint: str | None) -> str:
    for iso3 in ([hint] if hint else []) + list(places.SAHEL5):
        if places.canonical_region(region, iso3) == region:
            return iso3
    return hint or ""


def _is_person(text: str, start: int, name: str) -> bool:
    if PERSON_BEFORE.search(text[max(0, start - 20):start]):
        return True
    first = places.fold(name).split()[0]
    return len(name.split()) >= 2 and first in GIVEN_NAMES


def _candidate_score(place: Any, ctx: Context) -> float:
    score = float(getattr(place, "score", 0) or 0) / 100
    if place.iso3 in ctx.countries:
        score += 3 + min(ctx.countries[place.iso3], 5) * 0.2
    elif place.iso3 in places.SAHEL5:
        score += 0.5
    if any(region == place.admin1 for _iso3, region in ctx.regions):
        score += 4
    if ctx.points.near(place.latitude, place.longitude, 150):
        score += 2
    population = getattr(place, "population", 0) or 0
    if isinstance(population, int | float) and not math.isnan(population):
        score += math.log10(population + 1) / 10
    return score


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, a)))


def resolve_name(name: str, ctx: Context, fuzzy: bool = False,
                 prefer: frozenset[str] = frozenset()) -> tuple[Any, tuple[Any, ...]]:
    """Return (best exact gazetteer match or None, candidates best first) for a place name.

    Exact (folded) matches only, unless `fuzzy`: the fuzzy search scans every name and is kept for
    names that read as places but match nothing. `prefer`: the countries the sentence itself
    names ("in Niger", "nigérien"), which beat the report's main country.
    """
    gazetteer = places.load_gazetteer()
    rows = gazetteer.names().get(places.fold(name), ())
    if rows:
        # lookup() ranks exact matches by importance; `limit` stops it from going fuzzy.
        found = gazetteer.lookup(name, iso3=ctx.main_country(), limit=len(rows))
        order = {id(p): i for i, p in enumerate(found)}
        ranked = sorted(found, key=lambda p: (-_candidate_score(p, ctx) - 5 * (p.iso3 in prefer),
                                              order[id(p)]))
        return ranked[0], tuple(ranked[:5])
    if fuzzy:
        return None, tuple(gazetteer.lookup(name, iso3=ctx.main_country(), limit=5))
    return None, ()


def find_places(text: str, ctx: Context, actor_spans: Sequence[tuple[int, int]] = ()
                ) -> list[PlaceMention]:
    """Return the place mentions of one sentence, resolved with the report context."""
    out: list[PlaceMention] = []
    named = frozenset(DEMONYMS[m.group(1).lower()] for m in DEMONYM.finditer(text)) | frozenset(
        iso3 for _s, _e, name in candidate_spans(text) if (iso3 := places.country_iso3(name)))
    for start, end, name in candidate_spans(text):
        if any(start < e and s < end for s, e in actor_spans) or name.isupper():
            continue  # actors, acronyms and datelines ("NIAMEY —")
        if re.search(r"[«\"“]\s*$", text[max(0, start - 3):start]) and re.match(
                r"\s*[»\"”]", text[end:end + 3]):
            continue  # a name in quotes is a boat, an operation, a slogan: « Tombouctou »
        folded = places.fold(name)
        if folded in _MONTH_PARTS and _MONTH_AFTER.match(text[end:end + 12]):
            continue
        if places.country_iso3(name) or folded in DEMONYMS or DEMONYM.fullmatch(name) \
                or text[end:end + 2] in ("'s", "’s"):
            continue
        before = text[max(0, start - 60):start]
        if _is_person(text, start, name) or folded in ctx.persons:
            continue
        region_words = bool(_REGION_BEFORE.search(before[-25:]) or
                            _REGION_AFTER.match(text[end:end + 12]))
        if folded in NON_PLACES and not region_words:
            continue
        region = places.canonical_region(name, ctx.main_country()) or (
            places.canonical_region(name) if region_words else None)
        if region and region_words:
            out.append(PlaceMention(start, end, name, "region", admin1=region,
                                    iso3=_region_iso3(region, ctx.main_country())))
            continue
        listed = bool(out and out[-1].place is not None and re.fullmatch(
            r"\s*(?:,|et|and|:)\s*", text[out[-1].end:start])) or before.rstrip().endswith(":")
        place_like = bool(_PLACE_BEFORE.search(before[-20:])) or listed or region_words
        if "-" in name and _AXIS_BEFORE.search(before[-25:]):
            road = _road_start(name, ctx)
            if road is not None:
                # "l'axe Dori-Gorom-Gorom": somewhere on the road from its first town.
                out.append(PlaceMention(start, end, name, "between", place=road,
                                        iso3=road.iso3))
                continue
        place, candidates = resolve_name(name, ctx, fuzzy=place_like, prefer=named)
        if place is None and region_words:
            place = admin2_area(name, ctx)
        if place is None and region:
            out.append(PlaceMention(start, end, name, "region", admin1=region,
                                    iso3=_region_iso3(region, ctx.main_country())))
            continue
        if place is None and candidates:
            place = _close_enough(name, candidates, ctx)
        if place is None and not (place_like and candidates) or (
                place is None and actors.canonical_group(name) is not None):
            continue
        if start <= 2 and _DATELINE_AFTER.match(text[end:end + 40]):
            role = "locator"  # "Niamey, 12 janvier (AFP) -": where the story was filed
        elif _BETWEEN_BEFORE.search(before[-40:]):
            role = "between"
        elif _OFFSET_BEFORE.search(before) and not re.search(r"\d{3}|capital", before[-45:]):
            role = "near"  # "20 km from Ayorou": near it, though "from" usually only locates
        elif _LOCATOR_BEFORE.search(before) or _LOCATOR_OFFICE.search(before[-40:]) or (
                _OFFSET_BEFORE.search(before) and re.search(r"\d{3}|capital", before[-45:])):
            role = "locator"  # hundreds of km away, or measured from the capital
        elif _OFFSET_BEFORE.search(before):
            role = "near"
        elif _AREA_BEFORE.search(before[-30:]) or _UNIT_AFTER.match(text[end:end + 14]):
            role = "area"
        elif _NEAR_BEFORE.search(before[-40:]) or _AREA_AFTER.match(text[end:end + 10]):
            role = "near"
        else:
            role = "event"
        out.append(PlaceMention(start, end, name, role, place=place,
                                iso3=getattr(place, "iso3", None), candidates=candidates))
    # "entre X et Y": the second name locates in the same way as the first.
    for i, mention in enumerate(out):
        if i and out[i - 1].role in ("locator", "between") and re.fullmatch(
                r"\s*(?:et|and)\s*", text[out[i - 1].end:mention.start]):
            out[i] = PlaceMention(**{**mention.__dict__, "role": out[i - 1].role})
    return out


def _close_enough(name: str, candidates: Sequence[Any], ctx: Context) -> Any:
    """Accept a fuzzy candidate only when it is a near spelling in the report's area."""
    centres = [c for iso3, region in ctx.regions
               if (c := places.region_centroid(region, iso3)) is not None]
    for place in candidates:
        if place.score < 90 or place.iso3 not in ctx.countries:
            continue
        if place.score >= 92 and place.iso3 == ctx.main_country() and sum(
                p.iso3 == place.iso3 and p.score >= 90 for p in candidates) == 1:
            return place  # one near spelling in the report's country: take it, flagged
        in_region = any(place.admin1 == region for _iso3, region in ctx.regions)
        near = bool(ctx.points.near(place.latitude, place.longitude, 150)) or any(
            distance_km(place.latitude, place.longitude, lat, lon) < 150 for lat, lon in centres)
        if in_region or near:
            return place
    return None


def _road_start(name: str, ctx: Context) -> Any:
    """Return the first town of a road named by its ends ("Dori-Gorom-Gorom" → Dori)."""
    parts = name.split("-")
    for cut in range(1, len(parts)):
        first, rest = "-".join(parts[:cut]), "-".join(parts[cut:])
        place, _ = resolve_name(first, ctx)
        if place is not None and resolve_name(rest, ctx)[0] is not None:
            return place
    return None


def admin_for(lat: float, lon: float) -> tuple[str | None, str | None]:
    """Return (iso3, canonical admin1) of a point by point-in-polygon (None outside coverage)."""
    found = places.locate([lon], [lat])
    iso3, admin1 = found["iso3"].iloc[0], found["admin1"].iloc[0]
    return (iso3 if isinstance(iso3, str) else None, admin1 if isinstance(admin1, str) else None)


def place_key(mention: PlaceMention) -> str:
    """Return a key that is the same for two mentions of the same place."""
    if mention.place is not None:
        return f"{mention.place.iso3}:{mention.place.latitude:.3f}:{mention.place.longitude:.3f}"
    if mention.admin1:
        return f"region:{mention.iso3}:{mention.admin1}"
    if mention.role == "country":
        return f"country:{mention.iso3}"
    return f"name:{places.fold(mention.text)}"


def remember_points(ctx: Context, mentions: Iterable[PlaceMention]) -> None:
    """Add resolved event places to the context, so later names prefer nearby candidates."""
    for m in mentions:
        if m.place is not None and m.role in ("event", "near") and not ctx.points.near(
                m.place.latitude, m.place.longitude, 0.0):
            ctx.points.add(m.place.latitude, m.place.longitude, None)
