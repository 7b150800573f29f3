"""News report → proposed incidents (canonical frame), background events and unresolved places."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import geopandas as gpd
import pandas as pd

from sahel.extract import geocode
from sahel.extract.actors_in_text import (
    UNIDENTIFIED,
    Mention,
    Sides,
    assign_sides,
    is_state,
    kind_of,
    mask_perpetrators,
)
from sahel.extract.attribution import Attribution, attributed_group, find_attributions
from sahel.extract.claims import (
    Claimant,
    find_claims,
    toll,
)
from sahel.extract.dates import is_background_date
from sahel.extract.events import (
    CIVILIAN_TARGET,
    EVENT_CUES,
    MILITARY_TARGET,
    REMOTE_CUES,
    decide_event_type,
)
from sahel.extract.location import locate_draft
from sahel.extract.report import Report
from sahel.extract.sentences import clean_text, split_sentences
from sahel.extract.split import Draft, SentenceInfo, is_opinion, read_sentences, split_incidents
from sahel.extract.tolls import incident_claims, piece_of
from sahel.schema import Claim, claims_to_json, conform, empty_incidents

# Attackers who came in person ("venus à moto"): rockets they fired are part of a ground attack.
ON_THE_GROUND = re.compile(r"assaillants|attackers|gunmen|hommes armés|venus|arrivés|arrived|"
                           r"motos?|motorbikes?|motorcycles?|deux roues|pick-up", re.IGNORECASE)
# Civilians as the object of a killing ("killing civilians", "s'en prendre aux habitants").
KILLING_CIVILIANS = re.compile(
    r"(?:killing|killed|shooting|shot|executing|executed|massacring|massacred|tuant|tué|"
    r"exécutant|exécuté|massacrant|massacré|abattant|s'en prendre aux|attacking|door to door|"
    r"porte à porte)\s+(?:[\w'-]+\s+){0,3}?(?:civil\w*|villag\w*|habitants|residents|people|"
    r"personnes|passengers|passagers|women|femmes)", re.IGNORECASE)
# An incident with no time at all (no date word, no publication date) is a general statement
# ("the violence that has killed thousands"), not an event: it is dropped.
NO_TIME = "neither the text nor the publication date dates it"


@dataclass(frozen=True)
class UnresolvedPlace:
    """A place name the gazetteer could not settle, with its closest candidates."""

    name: str
    candidates: tuple[Any, ...]
    sentence: str = ""


@dataclass
class Extraction:
    """What one report yields: incidents (canonical frame), background events, unresolved places."""

    report: Report
    incidents: gpd.GeoDataFrame
    background: list[dict[str, Any]] = field(default_factory=list)
    unresolved: list[UnresolvedPlace] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)


def extract_report(report: Report) -> Extraction:
    """Propose the incidents a report describes, with claims kept apart, for an analyst to check."""
    if is_opinion(report) or not report.text.strip():
        return Extraction(report, empty_incidents())
    text = clean_text(report.text)
    sentences = split_sentences(text, report.lang)
    ctx = geocode.scan_context(f"{report.title}\n{text}")
    infos = read_sentences(sentences, report, ctx)
    drafts, past = split_incidents(infos, ctx.main_country())
    drafts = _merge_same_day(drafts, infos, report)
    said = find_attributions(infos)
    found = [r for draft in drafts for r in _records_for(draft, infos, report, ctx, said)
             if r["date_reason"] != NO_TIME]
    background = [r for draft in past for r in _records_for(draft, infos, report, ctx, ())]
    background += [r for r in found if r["background"]]
    records = [r for r in found if not r["background"]]
    for r in background:
        r["background"] = True
    unresolved = _unresolved(infos)
    frame = conform(pd.DataFrame(records)) if records else empty_incidents()
    return Extraction(report, frame, background, unresolved, records)


def _merge_same_day(drafts: list[Draft], infos: Sequence[SentenceInfo], report: Report
                    ) -> list[Draft]:
    """Fold incidents of one kind on the same day within 25 km into the better-attested one.

    "Air strikes on the villages of Bounti and Kikara" is one event for ACLED, coded at the place
    the report dwells on.
    """
    days = {id(d): _event_date(d, infos, report)[0] for d in drafts}
    ranked = sorted(drafts, key=lambda d: (-len(d.primary), min(d.sentences())))
    kept: list[Draft] = []
    for draft in ranked:
        home = next((k for k in kept if k.category == draft.category
                     and k.episode == draft.episode and days[id(k)] == days[id(draft)]
                     and _within(k, draft, 25.0) and not _own_tolls(k, draft, infos)), None)
        if home is None:
            kept.append(draft)
        else:
            home.secondary.extend(draft.primary + draft.secondary)
            home.claim_only.extend(draft.claim_only)
    return sorted(kept, key=lambda d: min(d.sentences()))


def _own_tolls(a: Draft, b: Draft, infos: Sequence[SentenceInfo]) -> bool:
    """Tell whether one sentence gives each of two places its own toll ("40 at A, 12 at B")."""
    return any(piece_of(a, infos[i]) and piece_of(b, infos[i])
               for i in set(a.primary) & set(b.primary))


def _within(a: Draft, b: Draft, km: float) -> bool:
    pa, pb = a.place.place, b.place.place
    if pa is None or pb is None:
        return False
    return geocode.distance_km(pa.latitude, pa.longitude, pb.latitude, pb.longitude) <= km


def _unresolved(infos: Sequence[SentenceInfo]) -> list[UnresolvedPlace]:
    seen: dict[str, UnresolvedPlace] = {}
    for info in infos:
        for p in info.places:
            if not p.resolved and p.text not in seen:
                seen[p.text] = UnresolvedPlace(p.text, p.candidates, info.sentence.text)
    return list(seen.values())


def _event_date(draft: Draft, infos: Sequence[SentenceInfo], report: Report
                ) -> tuple[date | None, int, str, bool]:
    """Return (date, time precision, reason when None, is background) for a draft."""
    def usable(info: SentenceInfo) -> list[Any]:
        return [d for d in info.dates if not d.reported and d.kind != "past"]

    for group in (draft.primary, draft.secondary):
        for i in sorted(group):
            for d in usable(infos[i]):
                if d.day is not None:
                    return d.day, d.precision, "", is_background_date(d, report.published)
    reasons = [d.reason for i in draft.primary + draft.secondary for d in usable(infos[i])
               if d.reason]
    if reasons:
        return None, 1, reasons[0], False
    # No date of its own: the date the text last gave before it, else the report's first.
    first = min(draft.primary + draft.secondary)
    earlier = [d for info in infos[:first] for d in usable(info) if d.day is not None]
    if earlier:
        d = earlier[-1]
        return d.day, d.precision, "", is_background_date(d, report.published)
    later = [d for info in infos if info.is_event and not info.background
             for d in usable(info) if d.day is not None]
    if later:
        return later[0].day, later[0].precision, "", False
    said = [d.day for i in draft.primary + draft.secondary for d in infos[i].dates
            if d.reported and d.day is not None and d.kind != "past"
            and (report.published is None or d.day <= report.published)]
    if said:
        # "The army said on Sunday that gunmen killed 12 soldiers": on or before that Sunday.
        return max(said), 2, "", False
    if report.published is not None and report.published_precision == "day":
        # A wire story with no day word reports the news of the day: ACLED's "within a week".
        return report.published, 2, "", False
    return None, 1, NO_TIME, False


def _own_days(info: SentenceInfo) -> set[date]:
    return {d.day for d in info.dates if d.day is not None and not d.reported}


def _is_lead(draft: Draft, infos: Sequence[SentenceInfo]) -> bool:
    """Tell whether the draft holds the report's first event sentence (its news)."""
    first = next((i.sentence.index for i in infos if i.is_event), None)
    return first is not None and first in draft.sentences() and not infos[first].background


def _target(texts: Sequence[str]) -> str:
    """Return "civilians", "military" or "unknown": who the incident's words say was hit."""
    texts = [mask_perpetrators(t) for t in texts]
    civilians = sum(len(CIVILIAN_TARGET.findall(t)) for t in texts)
    military = sum(len(MILITARY_TARGET.findall(t)) for t in texts)
    if civilians > military:
        return "civilians"
    return "military" if military else "unknown"


def _records_for(draft: Draft, infos: Sequence[SentenceInfo], report: Report,
                 ctx: geocode.Context, said: Sequence[Attribution]) -> list[dict[str, Any]]:
    indices = draft.sentences()
    texts = {i: infos[i].sentence.text for i in range(len(infos))}
    if draft.background:
        # Context: only the past date its own words give ("en mars dernier"), never the news's.
        own = [d for i in draft.primary for d in infos[i].dates
               if d.day is not None and not d.reported]
        day, precision = (own[0].day, own[0].precision) if own else (None, 3)
        reason = "" if own else "a past event the report mentions without a date"
    else:
        day, precision, reason, past = _event_date(draft, infos, report)
        if past and not _is_lead(draft, infos):
            draft.background = True
    where = locate_draft(draft, infos, ctx)
    primary_texts = [texts[i] for i in draft.primary] or [texts[i] for i in indices]
    target = _target(primary_texts)
    if target == "unknown":
        target = _target([texts[i] for i in indices])
    if target == "unknown" and draft.category == "abduction":
        target = "civilians"
    mentions: list[Mention] = [m for i in sorted(set(draft.primary + draft.secondary))
                               for m in infos[i].mentions]
    def armed(found: list[Mention]) -> bool:
        return any(kind_of(m.canonical) not in ("civilians", "other") for m in found)

    if not armed(mentions):
        mentions = [m for info in infos if info.is_event and not info.background
                    for m in info.mentions]
    if not armed(mentions):
        # "Des militaires ont encerclé le marché. Trente civils ont été exécutés.": the actors
        # were named in the sentence that set the scene.
        mentions = [m for info in infos[:max(indices) + 1] if not info.background
                    for m in info.mentions]
    weights = {i: 1.0 for i in draft.primary} | {i: 0.5 for i in draft.secondary}
    sides = assign_sides(mentions, texts, weights, target, where["iso3"], draft.category)
    claimed = attributed_group(said, geocode.place_key(draft.place))
    if claimed and sides.actor1 in (None, UNIDENTIFIED) and draft.category != "protest":
        # "X a revendiqué l'attaque", told after the attack by "unidentified gunmen".
        sides = Sides(claimed.group, claimed.group,
                      None if sides.actor2 == claimed.group else sides.actor2,
                      sides.actor2_text, claimed.qualifier)
    cues_primary = frozenset().union(*(infos[i].cues for i in draft.primary)) \
        if draft.primary else frozenset()
    cues_secondary = frozenset().union(*(infos[i].cues for i in draft.secondary)) \
        if draft.secondary else frozenset()
    if not draft.primary:
        cues_primary, cues_secondary = cues_secondary, frozenset()
    elif cues_primary & EVENT_CUES <= {"attack"}:
        # "The boat was targeted near X. Witnesses reported rockets": the next sentence says how.
        cues_primary |= frozenset().union(*(infos[i + 1].cues & REMOTE_CUES for i in draft.primary
                                             if i + 1 in draft.secondary
                                             and not ON_THE_GROUND.search(texts[i + 1])))
    event_type, sub_type = decide_event_type(draft.category, cues_primary, cues_secondary, target,
                                             is_state(sides.actor1))
    if event_type == "Riots":
        sides = Sides("Rioters", "rioters", sides.actor2 if sides.actor2 != "Rioters" else None,
                      sides.actor2_text, "")
    claims = incident_claims(draft, infos, report)
    if _is_lead(draft, infos) and report.title and not any(
            c.kind == "killed" and c.low is not None for c in claims):
        # A toll given only in the headline ("quatre soldats tués") belongs to the lead incident.
        outlet = Claimant(0, report.source or "outlet", "outlet")
        claims += [c for c in find_claims(clean_text(report.title), default=outlet)
                   if c.kind == "killed"]
    if event_type == "Battles" and not draft.background:
        # "Clashing with rival militants and killing dozens of civilians": ACLED codes the
        # battle and the killings of civilians as two events at the same place and day.
        on_civilians = [c for c in incident_claims(draft, infos, report, civilians=True)
                        if c.kind == "killed" and c.low]
        rivals = assign_sides(mentions, texts, weights, "military", where["iso3"], draft.category)
        targeted = target == "civilians" or any(
            KILLING_CIVILIANS.search(texts[i]) for i in draft.primary + draft.secondary)
        if on_civilians and targeted and rivals.actor2 not in (None, "Civilians", sides.actor1):
            fighting = incident_claims(draft, infos, report, civilians=False)
            battle = Sides(sides.actor1, sides.actor1_text, rivals.actor2, rivals.actor2_text,
                           sides.qualifier)
            killers = Sides(sides.actor1, sides.actor1_text, "Civilians", "Civilians",
                            sides.qualifier)
            return [_record(report, draft, where, day, precision, reason, battle, event_type,
                            sub_type, fighting, *toll(fighting), indices, infos),
                    _record(report, draft, where, day, precision, reason, killers,
                            "Violence against civilians", "Attack", on_civilians,
                            *toll(on_civilians), indices, infos)]
    best, low, high = toll(claims)
    base = _record(report, draft, where, day, precision, reason, sides, event_type, sub_type,
                   claims, best, low, high, indices, infos)
    if draft.category not in ("protest", "abduction") or draft.background:
        return [base]
    # ACLED codes each day of a protest as its own event, and abductions told day by day
    # ("40 women were seized on Thursday, 20 more on Friday") likewise.
    sentences = draft.primary if draft.category == "protest" else [
        i for i in draft.primary + draft.secondary if len(_own_days(infos[i])) > 1]
    days: list[date] = sorted({d for i in sentences for d in _own_days(infos[i])})
    out = []
    each_day: list[date | None] = list(days) if days else [day]
    for extra in each_day:
        record = dict(base, event_date=extra.isoformat() if extra else None)
        record["event_id"] = event_id(report, record)
        out.append(record)
    return out


def event_id(report: Report, record: dict[str, Any]) -> str:
    """Return the stable `RPT-<hash>` id of an incident from its report, place, day and type."""
    key = "|".join(str(record.get(k)) for k in ("location", "event_date", "sub_event_type"))
    # Without a URL the text itself names the report: two pasted reports never share ids.
    origin = report.url or hashlib.sha1(report.text.encode()).hexdigest()
    digest = hashlib.sha1(f"{origin}|{key}".encode()).hexdigest()[:12]
    return f"RPT-{digest}"


def _record(report: Report, draft: Draft, where: dict[str, Any], day: date | None,
            precision: int, reason: str, sides: Sides, event_type: str, sub_type: str,
            claims: list[Claim], best: int | None, low: int | None, high: int | None,
            indices: list[int], infos: Sequence[SentenceInfo]) -> dict[str, Any]:
    flags = list(where["flags"])
    if day is None:
        flags.append("undated")
    if draft.inferred_place:
        flags.append("place_inferred")
    notes = " ".join(infos[i].sentence.text for i in draft.primary[:1])
    record = {
        "event_date": day.isoformat() if day else None,
        "time_precision": precision if day else None,
        "date_reason": reason,
        "event_type": event_type, "sub_event_type": sub_type,
        "actor1": sides.actor1_text or sides.actor1, "actor2": sides.actor2_text or sides.actor2,
        "group1": sides.actor1, "group2": sides.actor2, "actor1_qualifier": sides.qualifier,
        "country": where["country"], "iso3": where["iso3"], "admin1": where["admin1"],
        "admin1_source": None, "admin2": where["admin2"], "location": where["location"],
        "latitude": where["latitude"], "longitude": where["longitude"],
        "geo_precision": where["geo_precision"],
        "fatalities": best, "fatalities_low": low, "fatalities_high": high,
        "claims": claims_to_json(claims), "claims_list": [c.to_dict() for c in claims],
        "source": report.source, "source_url": report.url,
        "notes": notes[:500], "dataset": "report", "flags": ";".join(flags),
        "timestamp": None, "background": draft.background, "category": draft.category,
        "sentences": indices, "candidates": where["candidates"],
    }
    record["event_id"] = event_id(report, record)
    return record
