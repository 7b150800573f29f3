"""Read each sentence, then split a report into incidents and background events.

A sentence with event cues that names a place opens or extends the incident at that place (one per
place and category: violence, abduction, protest). Sentences that name no place attach to the
incident in focus (the one the previous sentences were about); in a lead that names no place yet
they wait and join the first incident. Sentences about the past ("en mars dernier", "days after the
capture of X", a date weeks before publication) give background events, not incidents.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sahel.extract import geocode
from sahel.extract.actors_in_text import Mention, find_mentions, kind_of
from sahel.extract.claims import find_claims, is_no_toll
from sahel.extract.dates import ANCHOR_DAYS, DateMention, find_dates, is_background_date
from sahel.extract.events import EVENT_CUES, find_cues, incident_categories
from sahel.extract.report import Report
from sahel.extract.sentences import Sentence

# Numbers of years written out ("il y a dix ans", "Vingt ans plus tard").
NUMBER_WORDS = ("deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|"
                "quinze|seize|vingt|trente|quarante|cinquante")
# A past event named as context inside a sentence about something else.
PAST_EVENT = re.compile(
    r"(?:quelques|plusieurs|several|a few|\d+|deux|trois|dix) (?:jours|semaines|mois|days|weeks|"
    r"months)(?: seulement| only| just)? (?:après|after|plus tôt|earlier|before|avant)|"
    r"(?:since|depuis) (?:the|l'|la|le) (?:attack|attaque|massacre|prise|capture)|"
    r"anniversa\w+|commémor\w*|(?:un|\d+|" + NUMBER_WORDS + r") ans? (?:après|plus tard|"
    r"jour pour jour)|"
    r"years? (?:ago|after|later)|il y a (?:un|\d+|" + NUMBER_WORDS + r") ans|retrospective|"
    r"rétrospective|"
    # "the deadliest raid since jihadists killed 71 soldiers at X": X is the yardstick.
    r"(?:deadliest|bloodiest|worst|most deadly|plus meurtri\w+|plus lourde?s?|plus graves?)"
    r"\b[^.]{0,80}?\b(?:since|depuis)\b|"
    # A recollection or a flight told in a feature ("she recalls", "il a fui après ...").
    r"\b(?:recalls?|recalled|remembers?|remembered|se souvient|se souviennent|se rappelle\w*|"
    r"se remémore|(?:fled|left) (?:his|her|their|the) (?:village|home|town)\w* (?:after|when)|"
    r"(?:a|ont) fui (?:son|leur|le) (?:village|domicile|hameau)\w* (?:après|quand|lorsque))\b",
    re.IGNORECASE)
# Habitual or generic wording: "est régulièrement la cible d'attaques", "frequently attacked".
HABITUAL = re.compile(r"régulièrement|souvent|fréquemment|de plus en plus|régulières|récurrent\w*|"
                      r"regularly|often|frequently|repeatedly|increasingly|recurring|routinely|"
                      # Trends and tallies over a period: "les attaques se sont multipliées".
                      r"se (?:sont )?multipli\w*|have multiplied|recrudescence|upsurge|"
                      r"depuis le début de (?:l'année|l'an|ce mois)|since the (?:start|beginning) "
                      r"of the (?:year|month)|"
                      # A state over years: "est confrontée depuis plusieurs années aux attaques".
                      r"depuis (?:plusieurs|des|de nombreuses) (?:années|mois)|"
                      r"for (?:several|many) (?:years|months)|for years",
                      re.IGNORECASE)
# "had killed", "avaient attaqué": told as earlier than the story's present.
PLUPERFECT = re.compile(r"(?<![\w-])(?:had|avai(?:en)?t)\s+(?:\w+\s+)?(?:been\s+|été\s+)?"
                        r"\w+(?:ed|é|ée|és|ées|u|us|is|it|pris)(?![\w-])", re.IGNORECASE)
# A sentence that announces another event, even at the same place: "Le même jour, ...".
SEPARATE = re.compile(r"^\W*(?:le même jour|the same day|par ailleurs|dans un autre incident|"
                      r"in (?:a|another) separate (?:incident|attack)|"
                      r"in another (?:incident|attack)|"
                      r"separately|ailleurs|elsewhere|meanwhile|plus tard|later)\b", re.IGNORECASE)
# A sentence without a place name that says it happened where the last event did.
SAME_PLACE = re.compile(r"au même endroit|dans la même localité|dans le même village|sur place|"
                        r"dans la zone|dans le secteur|in the same (?:place|village|town|area)|"
                        r"at the same (?:place|spot|site)|in the area|(?<![\w-])there(?![\w-])",
                        re.IGNORECASE)
LEAD_MAX_AGE_DAYS = 180
# An event told in the pluperfect at least this many days before the news is context ("Le 15
# avril, ... avaient été tués"); "quelques heures plus tôt, vendredi soir, ... avait frappé" the
# night before is an incident of the same news.
PLUPERFECT_CONTEXT_DAYS = 3
# Match reports: "l'attaque malienne", "a tué le match", "frappe" are football, not violence.
SPORT = re.compile(r"(?<![\w-])(?:match|matchs|penalty|penalties|pénalty|coup de sifflet|"
                   r"sélectionneur|coupe d'afrique|championnat|mi-temps|gardien de but|football|"
                   r"footballeurs?|équipe nationale|buts? à zéro|"
                   r"half-time|national team|world cup|kick-off|goalkeeper|striker)(?![\w-])",
                   re.IGNORECASE)
# Violence that is part of a demonstration (rioters storm, loot, burn, clash with the police):
# the protest is a riot, not a second incident.
PROTEST_VIOLENCE = frozenset({"riot", "loot", "clash", "attack", "kill"})
# "No toll was given" without a place is true of every incident; a few such sentences say all
# there is to say, and each one more is read once per incident.
NO_TOLL_SENTENCES_MAX = 10
# What looting or arson alone must name to be an event (ACLED: looting/property destruction).
PROPERTY = re.compile(r"(?<![\w-])(?:villages?|maisons|houses|homes|greniers|granaries|marchés?|"
                      r"markets?|boutiques|shops|écoles?|schools?|églises?|churches|mosquées?|"
                      r"mosques?|bétail|cattle|livestock|véhicules?|vehicles?|camions?|trucks?|"
                      r"bus|buses|cars?|voitures?|boats?|bateaux?|pirogues?)(?![\w-])",
                      re.IGNORECASE)
# A total over several incidents, which belongs to none of them.
SUMMARY = re.compile(r"(?:plusieurs|several|multiple|a series of|une série d'|deux|trois|two|three|"
                     r"simultaneous|coordinated|coordonnées)\s+(?:\w+\s+)?(?:attaques|attacks|"
                     r"raids|assauts|assaults|opérations|operations|incidents|villages|"
                     r"localités|localities|towns|camps|bases|positions)", re.IGNORECASE)
# Reports whose first lines or title say they are opinion yield no incidents.
OPINION = re.compile(r"^\s*(?:opinion|éditorial|editorial|tribune|op-ed|commentaire|chronique|"
                     r"point de vue|lettre ouverte|analysis|analyse)\b|\béditorial\b|\beditorial\b",
                     re.IGNORECASE | re.MULTILINE)


@dataclass
class SentenceInfo:
    """What one sentence says: cues, dates, places, actors and whether it is about the past."""

    sentence: Sentence
    cues: frozenset[str]
    categories: frozenset[str]
    dates: list[DateMention]
    places: list[geocode.PlaceMention]
    mentions: list[Mention]
    background: bool

    @property
    def is_event(self) -> bool:
        """Tell whether the sentence describes an event (has event categories)."""
        return bool(self.categories)

    def event_places(self) -> list[geocode.PlaceMention]:
        """Return the places where the event happened (towns first, then "near" places)."""
        towns = [p for p in self.places if p.role == "event"]
        near = [p for p in self.places if p.role == "near"]
        between = [p for p in self.places if p.role == "between"][:1]
        return towns or near or between or [p for p in self.places if p.role == "area"][:1]

    def regions(self) -> list[geocode.PlaceMention]:
        """Return the regions named in the sentence."""
        return [p for p in self.places if p.role == "region"]


@dataclass
class Draft:
    """An incident (or background event) being assembled from sentences."""

    key: str
    category: str
    place: geocode.PlaceMention
    primary: list[int] = field(default_factory=list)
    secondary: list[int] = field(default_factory=list)
    claim_only: list[int] = field(default_factory=list)
    inferred_place: bool = False
    background: bool = False
    episode: int = 0  # drafts of different episodes ("Le même jour, ...") are never merged

    def sentences(self) -> list[int]:
        """Return every sentence index of the draft, in text order."""
        return sorted(set(self.primary + self.secondary + self.claim_only))


def is_opinion(report: Report) -> bool:
    """Tell whether the report presents itself as opinion (editorial, op-ed, commentary)."""
    head = report.text[:120]
    return bool(OPINION.search(report.title) or OPINION.match(head))


def read_sentences(sentences: Sequence[Sentence], report: Report,
                   ctx: geocode.Context) -> list[SentenceInfo]:
    """Analyse every sentence of a report in order."""
    infos: list[SentenceInfo] = []
    anchor = None
    lead_seen = False
    sport = bool(SPORT.search(report.title))  # a match report: its "attaque" is a team's
    for s in sentences:
        dates = find_dates(s.text, report.published, report.published_precision, anchor)
        resolved = [d.day for d in dates if d.day is not None and not d.reported]
        anchor = resolved[-1] if resolved else anchor
        mentions = find_mentions(s.index, s.text)
        spans = [(m.start, m.end) for m in mentions]
        found = geocode.find_places(s.text, ctx, spans)
        geocode.remember_points(ctx, found)
        cues = find_cues(s.text)
        current = [d for d in dates if not d.reported and d.day is not None
                   and not is_background_date(d, report.published)]
        # A past date is past even in "also claimed the November 2015 siege".
        past = [d for d in dates if is_background_date(d, report.published)]
        background = bool((past and not current) or PAST_EVENT.search(s.text))
        categories = frozenset() if HABITUAL.search(s.text) else incident_categories(cues, s.text)
        if cues & EVENT_CUES == frozenset() and not (
                PROPERTY.search(s.text) or any(m.canonical != "Civilians" for m in mentions)):
            categories = frozenset()  # "the rest was burned": no one, nothing named
        if categories and (SPORT.search(s.text) or sport) and not cues - {"attack", "clash"} \
                and not _armed(mentions):
            categories = frozenset()  # "l'attaque malienne s'est heurtée à un bloc"
        if {"protest", "violence"} <= categories and (cues & EVENT_CUES) - {"protest"} \
                <= PROTEST_VIOLENCE and not _armed(mentions):
            categories = categories - {"violence"}  # "les manifestants ont saccagé ..."
        if categories and not lead_seen:
            lead_seen = True
            # The lead is the report's news even when it comes weeks later (an NGO's inquiry):
            # only a retrospective ("three years after") or a date over six months old is context.
            if background and not PAST_EVENT.search(s.text) and not PLUPERFECT.search(
                    s.text) and report.published and all(
                    d.day is not None and (report.published - d.day).days <= LEAD_MAX_AGE_DAYS
                    for d in past):
                background = False
        infos.append(SentenceInfo(s, cues, categories, dates, found, mentions, background))
    _resolve_forward_anchors(infos)
    _earlier_in_pluperfect(infos)
    return infos


def _armed(mentions: Sequence[Mention]) -> bool:
    """Tell whether a sentence names an armed actor other than the state (a group, a militia)."""
    return any(kind_of(m.canonical) in ("jihadist", "rebel", "militia", "unidentified")
               for m in mentions)


def _latest_day(mention: DateMention) -> object:
    """The last day a date may mean: the end of the month for "fin juillet", "in March"."""
    assert mention.day is not None
    if mention.precision < 3:
        return mention.day
    return (mention.day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _earlier_in_pluperfect(infos: Sequence[SentenceInfo]) -> None:
    """Mark as background an event told in the pluperfect days before the news.

    "Le 15 avril, une quarantaine de soldats avaient été tués près de X", in a report of an attack
    on the 20th: an earlier event recalled as context, though within the three weeks that
    `is_background_date` allows.
    """
    lead_day = next((d.day for info in infos if info.is_event and not info.background
                     for d in info.dates if d.day is not None and not d.reported
                     and d.kind != "past"), None)
    if lead_day is None:
        return
    for info in infos:
        if info.background or not info.is_event or not PLUPERFECT.search(info.sentence.text):
            continue
        own = [d for d in info.dates if d.day is not None and not d.reported]
        if own and all(_latest_day(d) < lead_day - timedelta(days=PLUPERFECT_CONTEXT_DAYS)
                       for d in own):
            info.background = True


def _resolve_forward_anchors(infos: Sequence[SentenceInfo]) -> None:
    """Date "au lendemain d'une autre attaque" from the other attack's date, told later on."""
    later = [d for info in infos for d in info.dates
             if d.day is not None and not d.reported and d.kind != "past"]
    for info in infos:
        for n, d in enumerate(info.dates):
            if d.kind != "anchor" or d.day is not None:
                continue
            # Nothing before it was dated (or find_dates would have used it): the base is the
            # first date the text gives afterwards.
            base = later[0].day if later else None
            if base is None:
                continue
            info.dates[n] = DateMention(d.start, d.end, d.text,
                                        base + timedelta(days=ANCHOR_DAYS[d.text.lower()]),
                                        d.precision, d.kind)


def split_incidents(infos: Sequence[SentenceInfo], country: str | None = None
                    ) -> tuple[list[Draft], list[Draft]]:
    """Group sentences into incident drafts and background drafts (`country`: the report's)."""
    drafts: dict[tuple[str, str], Draft] = {}
    by_place: dict[str, list[Draft]] = {}  # the drafts of `drafts` by place key, in order
    background: dict[tuple[str, str], Draft] = {}
    days = _DraftDays(infos)
    focus: list[Draft] = []
    pending: list[SentenceInfo] = []
    pending_claims: list[int] = []
    episode = 0  # bumped by "Le même jour, ...": a new event even where one already happened
    in_past = False  # the previous event sentence told a past event
    for info in infos:
        index = info.sentence.index
        if info.is_event and SEPARATE.search(info.sentence.text):
            episode += 1
        places = info.event_places()
        if info.background:
            for place in places:
                for category in info.categories or frozenset({"violence"}):
                    key = (geocode.place_key(place), category)
                    background.setdefault(key, Draft(key[0], category, place,
                                                     background=True)).primary.append(index)
            focus = []
            in_past = in_past or info.is_event
            continue
        if info.is_event and places:
            focus = []
            in_past = False
            for place in places:
                for category in sorted(info.categories):
                    key = (geocode.place_key(place) + (f"#{episode}" if episode else ""),
                           category)
                    if key in background and key not in drafts:
                        background.pop(key)
                    if key not in drafts:
                        drafts[key] = Draft(key[0], category, place, episode=episode)
                        by_place.setdefault(key[0], []).append(drafts[key])
                    draft = drafts[key]
                    draft.primary.append(index)
                    if draft.place.role != "event" and place.role == "event":
                        draft.place = place
                    focus.append(draft)
            continue
        if info.is_event:
            if SUMMARY.search(info.sentence.text):
                continue  # "30 morts dans plusieurs attaques": a total over several incidents
            if in_past and not _dated(info):
                continue  # "They killed my husband," after a recollection: the same past
            targets = [d for d in focus if d.category in info.categories]
            if targets and days.other_day(info, targets[0]):
                focus = []  # "Dimanche, un engin explosif..." after Saturday's attack: not it
                if same := SAME_PLACE.search(info.sentence.text):
                    # "Vendredi, quarante autres ont été enlevées au même endroit": another
                    # event at the same place.
                    episode += 1
                    for category in sorted(info.categories):
                        draft = Draft(targets[0].key + f"#{episode}", category, targets[0].place,
                                      episode=episode, inferred_place=not re.search(
                                          "même|same", same.group(0), re.IGNORECASE))
                        draft.primary.append(index)
                        if (draft.key, category) not in drafts:
                            by_place.setdefault(draft.key, []).append(draft)
                        drafts[(draft.key, category)] = draft
                        focus.append(draft)
                continue
            if len({d.key for d in focus}) == 1 and targets:
                for d in targets:
                    d.secondary.append(index)
            elif not focus:
                pending.append(info)
            continue
        if places or info.regions():
            keys = {geocode.place_key(p) for p in places}
            order = {id(d): n for n, d in enumerate(drafts.values())}
            named = sorted((d for k in keys for d in by_place.get(k, ()) if id(d) in order),
                           key=lambda d: order[id(d)])
            if named:
                focus = named
                for d in named:
                    d.claim_only.append(index)
            continue
        if len({d.key for d in focus}) == 1:
            for d in focus:
                d.claim_only.append(index)
        elif focus and _says_no_toll(info):
            for d in focus:
                d.claim_only.append(index)
        elif not focus:
            pending_claims.append(index)
    incidents = list(drafts.values())
    _place_pending(incidents, pending, pending_claims, infos, country)
    return _merge_near(incidents), list(background.values())


def _says_no_toll(info: SentenceInfo) -> bool:
    return is_no_toll(info.sentence.text)


def _own_days(info: SentenceInfo) -> set[object]:
    return {d.day for d in info.dates if d.day is not None and not d.reported}


class _DraftDays:
    """The days each draft's own sentences give, kept up to date as sentences join it."""

    def __init__(self, infos: Sequence[SentenceInfo]) -> None:
        self._infos = infos
        self._seen: dict[int, tuple[int, set[object]]] = {}  # id(draft) -> (primary read, days)

    def other_day(self, info: SentenceInfo, draft: Draft) -> bool:
        """Tell whether a sentence dates itself to another day than the draft's own sentences."""
        read, theirs = self._seen.get(id(draft), (0, set()))
        for i in draft.primary[read:]:
            theirs |= _own_days(self._infos[i])
        self._seen[id(draft)] = (len(draft.primary), theirs)
        mine = _own_days(info)
        return bool(mine and theirs and not mine & theirs)


def _dated(info: SentenceInfo) -> bool:
    return any(d.day is not None and not d.reported for d in info.dates)


def _place_pending(incidents: list[Draft], pending: list[SentenceInfo], pending_claims: list[int],
                   infos: Sequence[SentenceInfo], country: str | None) -> None:
    """Attach lead sentences that named no place; make a report-level incident if needed."""
    first_of: dict[str, Draft] = {}
    for d in incidents:
        first_of.setdefault(d.category, d)
    for info in pending:
        for category in sorted(info.categories):
            if category in first_of:
                first_of[category].secondary.append(info.sentence.index)
                continue
            # A lead sentence opens its own incident only when nothing else does, or when it
            # counts victims ("the abduction of dozens of civil servants"): generic context
            # ("groups carry out attacks on the army") must not become an incident.
            if incidents and not any(c.low is not None for c in find_claims(info.sentence.text)):
                continue
            if not info.cues - {"loot"}:
                continue  # "the rest was burned": too little to stand as an incident
            place = _main_place(infos, region_ok=True)
            if place is None and country and not incidents and _dated(info) and any(
                    c.kind == "killed" and c.low for c in find_claims(info.sentence.text)):
                # "Gunmen killed 12 soldiers in northern Burkina Faso on Sunday": the country
                # is all the text says; ACLED would still code it (precision 3).
                place = geocode.PlaceMention(0, 0, country, "country", iso3=country)
            if place is None:
                continue
            draft = Draft(geocode.place_key(place), category, place, inferred_place=True)
            draft.secondary.append(info.sentence.index)
            incidents.append(draft)
            first_of.setdefault(category, draft)
    if incidents:
        incidents[0].claim_only.extend(pending_claims)
    # "The army gave no toll", with no place named, is true of every incident of the report.
    no_toll = [info.sentence.index for info in infos
               if not info.background and not info.places and _says_no_toll(info)]
    for d in incidents:
        own = set(d.sentences())
        d.claim_only.extend([i for i in no_toll if i not in own][:NO_TOLL_SENTENCES_MAX])


def _main_place(infos: Sequence[SentenceInfo], region_ok: bool) -> geocode.PlaceMention | None:
    """Return the place the report is about: the town named most often, else a region."""
    counts: dict[str, tuple[int, int, geocode.PlaceMention]] = {}
    for info in infos:
        if info.background:
            continue
        for p in info.places:
            if p.role in ("event", "near", "between", "area") or (
                    region_ok and p.role == "region"):
                key = geocode.place_key(p)
                weight = 2 if p.role in ("event", "near") else 1
                n, first, _ = counts.get(key, (0, info.sentence.index, p))
                counts[key] = (n + weight, first, p)
    if not counts:
        return None
    best = max(counts.values(), key=lambda v: (v[0], -v[1]))
    return best[2]


def _merge_near(incidents: list[Draft]) -> list[Draft]:
    """Fold a "near X" incident into a named-town incident of the same kind within 30 km."""
    towns: dict[tuple[str, int], geocode.NearIndex[tuple[int, Draft]]] = {}
    for order, draft in enumerate(incidents):
        if draft.place.role == "event" and draft.place.place is not None:
            # "Le même jour, ..." tells another event, however close: episodes stay apart.
            towns.setdefault((draft.category, draft.episode), geocode.NearIndex()).add(
                draft.place.place.latitude, draft.place.place.longitude, (order, draft))
    kept = []
    for draft in incidents:
        place = draft.place.place
        index = towns.get((draft.category, draft.episode))
        if draft.place.role == "event" or place is None or index is None:
            kept.append(draft)
            continue
        near = index.near(place.latitude, place.longitude, 30)
        if not near:
            kept.append(draft)
            continue
        _order, other = min(near, key=lambda pair: pair[0])
        other.secondary.extend(draft.primary + draft.secondary)
        other.claim_only.extend(draft.claim_only)
    return kept
