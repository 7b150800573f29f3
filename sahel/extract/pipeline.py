"""News report → proposed incidents (canonical frame), background events and unresolved places."""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
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
from sahel.extract.attribution import AttributionIndex, find_attributions
from sahel.extract.claims import (
    Claimant,
    find_claims,
    toll,
)
from sahel.extract.dates import DateMention, is_background_date
from sahel.extract.events import (
    CIVILIAN_TARGET,
    EVENT_CUES,
    MILITARY_TARGET,
    REMOTE_CUES,
    decide_event_type,
)
from sahel.extract.location import locate_draft
from sahel.extract.report import Report, report_dataset_name
from sahel.extract.sentences import clean_text, split_sentences
from sahel.extract.split import Draft, SentenceInfo, is_opinion, read_sentences, split_incidents
from sahel.extract.tolls import Speaker, claim_speakers, incident_claims, piece_of
from sahel.schema import Claim, claims_to_json, conform, empty_incidents

# Attackers who came in person ("venus à moto"): rockets they fired are part of a ground attack.
ON_THE_GROUND = re.compile(r"assaillants|attackers|gunmen|hommes armés|venus|arrivés|arrived|"
                           r"motos?|motorbikes?|motorcycles?|deux roues|pick-up", re.IGNORECASE)
# Civilians as the object of a killing ("killing civilians", "s'en prendre aux habitants").
# The dead are an armed self-defence group: ACLED codes the attack on them as a battle.
ARMED_VICTIMS = re.compile(r"(?<![\w-])(?:self-defen[cs]e (?:group|fighters|militia)|"
                           r"groupes? d'autodéfense|miliciens|militiamen|vigilantes|"
                           r"volunteer fighters|koglweogos?)(?![\w-])", re.IGNORECASE)
KILLING_CIVILIANS = re.compile(
    r"(?:killing|killed|shooting|shot|executing|executed|massacring|massacred|tuant|tué|"
    r"exécutant|exécuté|massacrant|massacré|abattant|s'en prendre aux|attacking|door to door|"
    r"porte à porte)\s+(?:[\w'-]+\s+){0,3}?(?:civil\w*|villag\w*|habitants|residents|people|"
    r"personnes|passengers|passagers|women|femmes)", re.IGNORECASE)
# An incident with no time at all (no date word, no publication date) is a general statement
# ("the violence that has killed thousands"), not an event: it is dropped.
NO_TIME = "neither the text nor the publication date dates it"
# An incident whose own sentences name no armed actor takes them from the event sentences
# around it (at most this many on each side) or from the sentences before it (at most this
# many): the whole report in any real one (the evaluation set's longest has 31 sentences),
# and a bounded amount of work per incident in a huge one.
ACTOR_WINDOW = 50


@dataclass(frozen=True)
class UnresolvedPlace:
    """A place name the gazetteer could not settle, with its closest candidates."""

    name: str
    candidates: tuple[Any, ...]
    sentence: str = ""


@dataclass
class _Reading:
    """What every incident of one report looks up, computed once (linear in the report)."""

    infos: Sequence[SentenceInfo]
    texts: dict[int, str]
    speakers: list[Speaker]
    lead: int | None  # the first event sentence, when it is the report's news
    dated_before: list[DateMention | None]  # per sentence: the last date told before it
    first_dated_event: DateMention | None
    event_sentences: list[int]  # current (not background) event sentences, in order

    @classmethod
    def of(cls, infos: Sequence[SentenceInfo], report: Report) -> _Reading:
        """Read what the incidents share from the analysed sentences of a report."""
        dated_before: list[DateMention | None] = []
        last: DateMention | None = None
        for info in infos:
            dated_before.append(last)
            dated = [d for d in _usable(info) if d.day is not None]
            last = dated[-1] if dated else last
        first = next((i.sentence.index for i in infos if i.is_event), None)
        events = [i.sentence.index for i in infos if i.is_event and not i.background]
        first_dated = next((d for i in events for d in _usable(infos[i]) if d.day is not None),
                           None)
        return cls(infos, {i: info.sentence.text for i, info in enumerate(infos)},
                   claim_speakers(infos, report),
                   first if first is not None and not infos[first].background else None,
                   dated_before, first_dated, events)


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
    reading = _Reading.of(infos, report)
    drafts = _merge_same_day(drafts, reading, report)
    said = AttributionIndex(find_attributions(infos))
    found = [r for draft in drafts for r in _records_for(draft, reading, report, ctx, said)
             if r["date_reason"] != NO_TIME]
    background = [r for draft in past
                  for r in _records_for(draft, reading, report, ctx, AttributionIndex([]))]
    background += [r for r in found if r["background"]]
    records = [r for r in found if not r["background"]]
    for r in background:
        r["background"] = True
    unresolved = _unresolved(infos)
    frame = conform(pd.DataFrame(records)) if records else empty_incidents()
    return Extraction(report, frame, background, unresolved, records)


def _merge_same_day(drafts: list[Draft], reading: _Reading, report: Report) -> list[Draft]:
    """Fold incidents of one kind on the same day within 25 km into the better-attested one.

    "Air strikes on the villages of Bounti and Kikara" is one event for ACLED, coded at the place
    the report dwells on.
    """
    ranked = sorted(drafts, key=lambda d: (-len(d.primary), min(d.sentences())))
    kept: list[Draft] = []
    # Kept incidents by (kind, episode, day), each group indexed by place: a draft is compared
    # with the kept ones near it only, not with every incident of the report.
    groups: dict[tuple[str, int, date | None], geocode.NearIndex[tuple[int, Draft]]] = {}
    for draft in ranked:
        group = groups.setdefault(
            (draft.category, draft.episode, _event_date(draft, reading, report)[0]),
            geocode.NearIndex())
        place = draft.place.place
        near = [] if place is None else group.near(place.latitude, place.longitude, 25.0)
        home = min(((order, k) for order, k in near
                    if not _own_tolls(k, draft, reading.infos)),
                   key=lambda pair: pair[0], default=None)
        if home is None:
            if place is not None:
                group.add(place.latitude, place.longitude, (len(kept), draft))
            kept.append(draft)
        else:
            home[1].secondary.extend(draft.primary + draft.secondary)
            home[1].claim_only.extend(draft.claim_only)
    return sorted(kept, key=lambda d: min(d.sentences()))


def _own_tolls(a: Draft, b: Draft, infos: Sequence[SentenceInfo]) -> bool:
    """Tell whether one sentence gives each of two places its own toll ("40 at A, 12 at B")."""
    return any(piece_of(a, infos[i]) and piece_of(b, infos[i])
               for i in set(a.primary) & set(b.primary))


def _unresolved(infos: Sequence[SentenceInfo]) -> list[UnresolvedPlace]:
    seen: dict[str, UnresolvedPlace] = {}
    for info in infos:
        for p in info.places:
            if not p.resolved and p.text not in seen:
                seen[p.text] = UnresolvedPlace(p.text, p.candidates, info.sentence.text)
    return list(seen.values())


def _usable(info: SentenceInfo) -> list[DateMention]:
    return [d for d in info.dates if not d.reported and d.kind != "past"]


def _event_date(draft: Draft, reading: _Reading, report: Report
                ) -> tuple[date | None, int, str, bool]:
    """Return (date, time precision, reason when None, is background) for a draft."""
    infos = reading.infos
    for group in (draft.primary, draft.secondary):
        for i in sorted(group):
            for d in _usable(infos[i]):
                if d.day is not None:
                    return d.day, d.precision, "", is_background_date(d, report.published)
    reasons = [d.reason for i in draft.primary + draft.secondary for d in _usable(infos[i])
               if d.reason]
    if reasons:
        return None, 1, reasons[0], False
    # No date of its own: the date the text last gave before it, else the report's first.
    earlier = reading.dated_before[min(draft.primary + draft.secondary)]
    if earlier is not None:
        return earlier.day, earlier.precision, "", is_background_date(earlier, report.published)
    later = reading.first_dated_event
    if later is not None:
        return later.day, later.precision, "", False
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


def _is_lead(draft: Draft, reading: _Reading) -> bool:
    """Tell whether the draft holds the report's first event sentence (its news)."""
    return reading.lead is not None and reading.lead in draft.sentences()


def _event_mentions_around(reading: _Reading, index: int) -> list[Mention]:
    """Return the actors of the current event sentences around sentence `index`."""
    events = reading.event_sentences
    at = bisect.bisect_left(events, index)
    return [m for i in events[max(0, at - ACTOR_WINDOW):at + ACTOR_WINDOW]
            for m in reading.infos[i].mentions]


def _target(texts: Sequence[str]) -> str:
    """Return "civilians", "military" or "unknown": who the incident's words say was hit."""
    texts = [mask_perpetrators(t) for t in texts]
    civilians = sum(len(CIVILIAN_TARGET.findall(t)) for t in texts)
    military = sum(len(MILITARY_TARGET.findall(t)) for t in texts)
    if civilians > military:
        return "civilians"
    return "military" if military else "unknown"


def _records_for(draft: Draft, reading: _Reading, report: Report,
                 ctx: geocode.Context, said: AttributionIndex) -> list[dict[str, Any]]:
    indices = draft.sentences()
    infos, texts = reading.infos, reading.texts
    if draft.background:
        # Context: only the past date its own words give ("en mars dernier"), never the news's.
        own = [d for i in draft.primary for d in infos[i].dates
               if d.day is not None and not d.reported]
        day, precision = (own[0].day, own[0].precision) if own else (None, 3)
        reason = "" if own else "a past event the report mentions without a date"
    else:
        day, precision, reason, past = _event_date(draft, reading, report)
        if past and not _is_lead(draft, reading):
            draft.background = True
    where = locate_draft(draft, infos, ctx)
    primary_texts = [texts[i] for i in draft.primary] or [texts[i] for i in indices]
    target = _target(primary_texts)
    if target == "unknown":
        target = _target([texts[i] for i in indices])
    if target == "unknown" and draft.category == "abduction":
        target = "civilians"
    if target == "civilians" and draft.category == "violence" and any(
            "kill" in infos[i].cues and ARMED_VICTIMS.search(mask_perpetrators(texts[i]))
            for i in indices):
        target = "military"  # "69 members of a self-defence group were killed"
    mentions: list[Mention] = [m for i in sorted(set(draft.primary + draft.secondary))
                               for m in infos[i].mentions]
    def armed(found: list[Mention]) -> bool:
        return any(kind_of(m.canonical) not in ("civilians", "other") for m in found)

    if not armed(mentions):
        mentions = _event_mentions_around(reading, min(indices))
    if not armed(mentions):
        # "Des militaires ont encerclé le marché. Trente civils ont été exécutés.": the actors
        # were named in the sentence that set the scene.
        mentions = [m for info in infos[max(0, max(indices) + 1 - ACTOR_WINDOW):max(indices) + 1]
                    if not info.background for m in info.mentions]
    weights = {i: 1.0 for i in draft.primary} | {i: 0.5 for i in draft.secondary}
    sides = assign_sides(mentions, texts, weights, target, where["iso3"], draft.category)
    claimed = said.covering(geocode.place_key(draft.place), min(draft.primary or indices))
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
    claims = incident_claims(draft, infos, report, speakers=reading.speakers)
    if _is_lead(draft, reading) and report.title and not any(
            c.kind == "killed" and c.low is not None for c in claims):
        # A toll given only in the headline ("quatre soldats tués") belongs to the lead incident.
        outlet = Claimant(0, report.source or "outlet", "outlet")
        claims += [c for c in find_claims(clean_text(report.title), default=outlet)
                   if c.kind == "killed"]
    if event_type == "Battles" and not draft.background:
        # "Clashing with rival militants and killing dozens of civilians": ACLED codes the
        # battle and the killings of civilians as two events at the same place and day.
        on_civilians = [c for c in incident_claims(draft, infos, report, civilians=True,
                                                   speakers=reading.speakers)
                        if c.kind == "killed" and c.low]
        rivals = assign_sides(mentions, texts, weights, "military", where["iso3"], draft.category)
        targeted = target == "civilians" or any(
            KILLING_CIVILIANS.search(texts[i]) for i in draft.primary + draft.secondary)
        if on_civilians and targeted and rivals.actor2 not in (None, "Civilians", sides.actor1):
            fighting = incident_claims(draft, infos, report, civilians=False,
                                       speakers=reading.speakers)
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
    origin = report.url or _text_digest(report.text)
    digest = hashlib.sha1(f"{origin}|{key}".encode()).hexdigest()[:12]
    return f"RPT-{digest}"


@lru_cache(maxsize=4)
def _text_digest(text: str) -> str:
    """Return the SHA-1 of a report's text, hashed once per report, not once per incident."""
    return hashlib.sha1(text.encode()).hexdigest()


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
        "dataset_name": report_dataset_name(report),
        "timestamp": None, "background": draft.background, "category": draft.category,
        "sentences": indices, "candidates": where["candidates"],
    }
    record["event_id"] = event_id(report, record)
    return record
