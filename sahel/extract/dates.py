"""Find and resolve date expressions in French and English against the publication date.

Rules (ACLED time_precision: 1 exact day, 2 within a week, 3 only the month):
- "24 novembre 2023", "Nov 14", "les 10 et 11 mars": that day (first day of a range, precision 2
  for ranges); a missing year is the publication year, or the year before when that would put the
  day more than a week after publication (year rollover).
- A weekday alone ("vendredi", "on Tuesday", "overnight Tuesday to Wednesday"): the latest such
  day on or before publication (same day allowed); the first night of an overnight span.
- A weekday that disagrees with its day number: the nearest day with that weekday (ties: earlier),
  because reporters mistype day numbers more often than weekdays.
- "hier"/"yesterday" = publication - 1; "la veille"/"the previous day" = the date mentioned before.
- A weekday, "hier", etc. without a day-precise publication date resolves to None with a reason.
Mentions in a clause of saying ("said on Monday", "a déclaré samedi") are marked `reported`: they
date the statement, not the event.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS: dict[str, int] = {
    "janvier": 1, "fevrier": 2, "février": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "aout": 8, "août": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "decembre": 12, "décembre": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}
WEEKDAYS: dict[str, int] = {
    "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5, "dimanche": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6,
}
# Days relative to publication.
RELATIVE_DAYS: dict[str, int] = {
    "avant-hier": -2, "avant hier": -2, "the day before yesterday": -2,
    "hier": -1, "yesterday": -1, "la nuit dernière": -1, "last night": -1,
    "aujourd'hui": 0, "today": 0, "ce matin": 0, "this morning": 0, "cette nuit": 0,
    "ce jour": 0,
}
# Spans of a few days before publication: (days back, or the weekday to go back to) and precision 2.
RELATIVE_PERIODS: dict[str, tuple[int | None, int | None]] = {
    "la semaine dernière": (7, None), "la semaine passée": (7, None), "last week": (7, None),
    "earlier this week": (None, 0), "en début de semaine": (None, 0), "cette semaine": (None, 0),
    "this week": (None, 0), "le week-end dernier": (None, 5), "ce week-end": (None, 5),
    "over the weekend": (None, 5), "last weekend": (None, 5), "this weekend": (None, 5),
    "au cours du week-end": (None, 5), "during the weekend": (None, 5),
}
# Part of a month: "début novembre", "mid-October" → that day, precision 3 (month known).
MONTH_PARTS: dict[str, int] = {"début": 5, "debut": 5, "early": 5, "mi": 15, "mid": 15,
                               "fin": 25, "late": 25}
# Days relative to the previously mentioned date.
ANCHOR_DAYS: dict[str, int] = {
    "le même jour": 0, "the same day": 0, "ce même jour": 0, "that same day": 0,
    "la veille": -1, "the previous day": -1, "the previous morning": -1,
    "the previous evening": -1, "the previous night": -1, "the day before": -1,
    "le lendemain": 1, "au lendemain": 1, "the next day": 1, "the following day": 1,
    "the next morning": 1, "the following morning": 1,
    "a day earlier": -1, "un jour plus tôt": -1, "a day later": 1, "un jour plus tard": 1,
    "two days earlier": -2, "deux jours plus tôt": -2, "two days later": 2,
    "deux jours plus tard": 2, "le surlendemain": 2,
}
# Phrases that place an event clearly in the past (background), with a rough offset in days.
PAST_PHRASES: dict[str, int] = {
    "le mois dernier": 30, "last month": 30, "l'an dernier": 365, "l'année dernière": 365,
    "last year": 365, "il y a quelques mois": 90, "months ago": 90, "years ago": 730,
    "il y a un an": 365, "a year ago": 365, "ans plus tôt": 730, "years earlier": 730,
    "jours plus tôt": 7, "days earlier": 7, "quelques jours après": 7, "days after": 7,
}
# A clause of saying or publishing just before a date: the date is when it was said.
SPEECH_BEFORE = re.compile(
    r"\b(said|says|told|announced|reported|stated|added|confirmed|posted|claimed|published|"
    r"déclaré|declare|indiqué|annoncé|affirmé|livré|publié|diffusé|dit|précisé|confirmé|"
    r"revendiqué|rapporté|communiqué|message|vowed|promised|pledged|warned|urged|called|"
    r"promis|juré|averti|appelé|exhorté|reconnu|reconnaît|admitted|acknowledged)\b[^.;:]{0,40}$",
    re.IGNORECASE)
# "Selon le communiqué, le jeudi 20 ...", "According to the statement, on Monday ...": the source
# is named first, and the date after its comma is the event's, not the statement's.
_SOURCE_FIRST = re.compile(r"\b(?:selon|d'après|according to|citing)\s+[^,.;]{1,60},\s*"
                           r"(?:le\s+|la\s+|on\s+|in\s+the\s+)?$", re.IGNORECASE)

_FILED_AFTER = re.compile(r"^\s*(?:\((?:AFP|Reuters|AP|APA|Xinhua|Anadolu|AIB|ANP)\)\s*)?[-—–]|"
                          r"^\s*\((?:AFP|Reuters|AP|APA|Xinhua|Anadolu|AIB|ANP)\)")
_OF_DAY = re.compile(r"\b(?:de|du|of|d')\s*$", re.IGNORECASE)
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY = "|".join(WEEKDAYS)
_DAY = r"(\d{1,2})(?:er|st|nd|rd|th)?"
# "vendredi 24 novembre 2023", "les 10 et 11 mars", "24-25 November"
_DAY_MONTH = re.compile(
    rf"\b(?:({_WEEKDAY}),?\s+)?{_DAY}(?:\s*(?:et|au|and|to|-|–)\s*(\d{{1,2}}))?\s+({_MONTH})\.?"
    rf"(?:,?\s+(\d{{4}}))?\b", re.IGNORECASE)
# "Sunday, August 25", "Nov 14, 2023", "November 14 2023"
_MONTH_DAY = re.compile(
    rf"\b(?:({_WEEKDAY}),?\s+)?({_MONTH})\.?\s+{_DAY}(?:\s*(?:-|–|and|to)\s*(\d{{1,2}}))?"
    rf"(?:,?\s+(\d{{4}}))?\b", re.IGNORECASE)
_NUMERIC = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b|\b(\d{4})-(\d{2})-(\d{2})\b")
# "le 20 courant", "le jeudi 3 courant": a day of the month of publication (French
# administrative style); a day after publication is of the month before.
_CURRENT = re.compile(rf"\b(?:({_WEEKDAY})\s+)?{_DAY}\s+(?:courant|du mois (?:en )?cours|"
                      r"de ce mois)\b", re.IGNORECASE)
_MONTH_YEAR = re.compile(rf"\b({_MONTH})\.?\s+(?:de\s+l'année\s+)?(\d{{4}})\b", re.IGNORECASE)
_MONTH_LAST = re.compile(rf"\b(?:en|in|au mois de|last)\s+({_MONTH})(?:\s+(dernier))?\b(?!\s+\d)",
                         re.IGNORECASE)
_YEAR = re.compile(r"\b(?:en|in|depuis|since|de|of)\s+((?:19|20)\d{2})\b", re.IGNORECASE)
_WEEKDAY_ALONE = re.compile(
    rf"\b(?:(?:dans\s+)?la\s+nuit\s+(?:de|du)\s+|overnight\s+(?:on\s+)?|(?:on\s+)?the\s+night\s+of\s+)?"
    rf"({_WEEKDAY})(?:\s+(?:à|au|to|into)\s+({_WEEKDAY}))?\b", re.IGNORECASE)


# "vers 2 heures du matin", "at about 3 a.m." right after an overnight span: past midnight.
_SMALL_HOURS = re.compile(r"^[^.;]{0,25}?\b(?:vers|à|aux alentours de|around|at about|at|about)\s+"
                          r"(\d{1,2})\s*(?:h\b|heures?|a\.?m\.?|o'clock)", re.IGNORECASE)
_NIGHT_OF = re.compile(r"(?:nuit|night)\s+(?:du|de|of)\s*$", re.IGNORECASE)
# "jusqu'au 31 mars", "until March 31": the end of a span that began on an earlier told date.
_UNTIL = re.compile(r"(?:jusqu'au|jusqu'à|until|till|through|up to)\s+(?:le\s+|the\s+)?$",
                    re.IGNORECASE)
SPAN_MAX_DAYS = 31
# Years a date in the text may have; others ("le 3 mars 0000", "31 December 9999") are not
# calendar dates of a news event (and would overflow the day arithmetic).
YEARS = range(1900, 2101)


def calendar_day(year: int, month: int, day: int) -> date | None:
    """Return the day, or None when it is not a calendar day in YEARS (30 February, year 0)."""
    if year not in YEARS:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _phrase_pattern(phrases: Mapping[str, object]) -> re.Pattern[str]:
    words = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])({words})(?![\w-])", re.IGNORECASE)


_RELATIVE = _phrase_pattern(RELATIVE_DAYS)
_PERIOD = _phrase_pattern(RELATIVE_PERIODS)
_MONTH_PART = re.compile(
    rf"\b({'|'.join(MONTH_PARTS)})[- ](?:de |d'|du mois de )?({_MONTH})\b(?:\s+(\d{{4}}))?",
    re.IGNORECASE)
_ANCHOR = _phrase_pattern(ANCHOR_DAYS)
_PAST = _phrase_pattern(PAST_PHRASES)


@dataclass(frozen=True)
class DateMention:
    """A date expression found in text and what it resolves to (None when it cannot)."""

    start: int
    end: int
    text: str
    day: date | None
    precision: int  # ACLED time_precision: 1 day, 2 week, 3 month
    kind: str  # "absolute", "weekday", "relative", "anchor", "month", "past"
    reported: bool = False
    reason: str = ""


def _year_for(month: int, day_number: int, published: date | None,
              pub_precision: str = "day") -> int | None:
    if published is None:
        return None
    # A month- or year-precise publication date may be any day of that month or year.
    latest = published
    if pub_precision == "month":
        latest = (published.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    elif pub_precision == "year":
        latest = published.replace(month=12, day=31)
    year = latest.year
    try:
        if date(year, month, day_number) > latest + timedelta(days=7):
            year -= 1
    except ValueError:
        return None
    return year


def _weekday_on_or_before(weekday: int, published: date) -> date:
    return published - timedelta(days=(published.weekday() - weekday) % 7)


def _nearest_weekday(weekday: int, around: date) -> date:
    back = (around.weekday() - weekday) % 7
    ahead = (weekday - around.weekday()) % 7
    return around - timedelta(days=back) if back <= ahead else around + timedelta(days=ahead)


def _absolute(m: re.Match[str], weekday_name: str | None, day_s: str, day2: str | None,
              month_name: str, year_s: str | None, published: date | None,
              pub_precision: str) -> DateMention:
    month = MONTHS[month_name.lower()]
    number = int(day_s)
    year = int(year_s) if year_s else (
        _year_for(month, number, published, pub_precision)
        if pub_precision in ("day", "month", "year") else None)
    if year is None:
        return DateMention(m.start(), m.end(), m.group(0), None, 1, "absolute",
                           reason="day and month without a year or a publication date")
    found = calendar_day(year, month, number)
    if found is None:
        return DateMention(m.start(), m.end(), m.group(0), None, 1, "absolute",
                           reason="not a calendar date")
    day = found
    reason = ""
    if weekday_name and WEEKDAYS[weekday_name.lower()] != day.weekday():
        stated = day
        day = _nearest_weekday(WEEKDAYS[weekday_name.lower()], stated)
        if abs((day - stated).days) > 3:
            day = stated
        reason = f"weekday and day number disagree ({stated.isoformat()}); weekday kept"
    precision = 2 if day2 else 1
    if day2 and _NIGHT_OF.search(m.string[max(0, m.start() - 25):m.start()]):
        # "la nuit du 4 au 5 juin": one night, the first day; after midnight, the second.
        precision = 1
        hour = _SMALL_HOURS.match(m.string[m.end():])
        if hour and int(hour[1]) < 6:
            day += timedelta(days=1)
    return DateMention(m.start(), m.end(), m.group(0), day, precision, "absolute",
                       reason=reason)


def _current_month_day(m: re.Match[str], published: date | None, pub_precision: str
                       ) -> DateMention:
    """Resolve "le (jeudi) 20 courant" against the month of publication."""
    if published is None or pub_precision not in ("day", "month"):
        return DateMention(m.start(), m.end(), m[0], None, 1, "absolute",
                           reason="day of the current month without a publication date")
    number = int(m[2])
    day = calendar_day(published.year, published.month, number)
    if pub_precision == "day" and (day is None or day > published):
        last_month = published.replace(day=1) - timedelta(days=1)
        day = calendar_day(last_month.year, last_month.month, number)
    if day is None:
        return DateMention(m.start(), m.end(), m[0], None, 1, "absolute",
                           reason="not a calendar date")
    reason = ""
    if m[1] and WEEKDAYS[m[1].lower()] != day.weekday():
        stated = day
        nearest = _nearest_weekday(WEEKDAYS[m[1].lower()], stated)
        if abs((nearest - stated).days) <= 3:
            day = nearest
        reason = f"weekday and day number disagree ({stated.isoformat()}); weekday kept"
    return DateMention(m.start(), m.end(), m[0], day, 1, "absolute", reason=reason)


def find_dates(text: str, published: date | None, pub_precision: str = "day",
               anchor: date | None = None) -> list[DateMention]:
    """Return the date mentions of `text` in order, resolved against `published` and `anchor`."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []

    def free(m: re.Match[str]) -> bool:
        return not any(m.start() < e and s < m.end() for s, e in taken)

    def add(mention: DateMention) -> None:
        # "a revendiqué l'attaque de mardi" dates the attack; "a revendiqué mardi" the claim.
        reported = bool(SPEECH_BEFORE.search(text[:mention.start])) and not _OF_DAY.search(
            text[:mention.start]) and not _SOURCE_FIRST.search(text[:mention.start])
        found.append(DateMention(**{**mention.__dict__, "reported": reported}))
        taken.append((mention.start, mention.end))

    day_known = published is not None and pub_precision == "day"
    for m in _NUMERIC.finditer(text):
        if m[1]:
            parts = int(m[3]), int(m[2]), int(m[1])
        else:
            parts = int(m[4]), int(m[5]), int(m[6])
        if (numeric := calendar_day(*parts)) is not None:
            add(DateMention(m.start(), m.end(), m[0], numeric, 1, "absolute"))
    for m in _DAY_MONTH.finditer(text):
        if free(m):
            add(_absolute(m, m[1], m[2], m[3], m[4], m[5], published, pub_precision))
    for m in _MONTH_DAY.finditer(text):
        if free(m) and not (m[2].lower() == "may" and not m[1] and not m[5]
                            and text[m.start(2)].islower()):
            add(_absolute(m, m[1], m[3], m[4], m[2], m[5], published, pub_precision))
    for m in _CURRENT.finditer(text):
        if free(m):
            add(_current_month_day(m, published, pub_precision))
    for m in _MONTH_PART.finditer(text):
        month = MONTHS[m[2].lower()]
        year = int(m[3]) if m[3] else _year_for(month, MONTH_PARTS[m[1].lower()], published,
                                                pub_precision)
        part = calendar_day(year, month, MONTH_PARTS[m[1].lower()]) if year else None
        if part is not None:
            add(DateMention(m.start(), m.end(), m[0], part, 3, "month"))
    for m in _PERIOD.finditer(text):
        if not free(m):
            continue
        if not day_known:
            add(DateMention(m.start(), m.end(), m[0], None, 2, "relative",
                            reason="relative period without a day-precise publication date"))
            continue
        assert published is not None
        back, weekday = RELATIVE_PERIODS[m[1].lower()]
        day = (published - timedelta(days=back) if back is not None
               else _weekday_on_or_before(weekday or 0, published))
        add(DateMention(m.start(), m.end(), m[0], day, 2, "relative"))
    for m in _MONTH_YEAR.finditer(text):
        if free(m) and (middle := calendar_day(int(m[2]), MONTHS[m[1].lower()], 15)):
            add(DateMention(m.start(), m.end(), m[0], middle, 3, "month"))
    for m in _MONTH_LAST.finditer(text):
        if free(m) and published is not None:
            month = MONTHS[m[1].lower()]
            last = bool(m[2]) or m[0].lower().startswith("last")
            year = published.year if month < published.month or (
                month == published.month and not last) else published.year - 1
            add(DateMention(m.start(), m.end(), m[0], date(year, month, 15), 3,
                            "past" if last else "month"))
    for m in _YEAR.finditer(text):
        if free(m):
            add(DateMention(m.start(), m.end(), m[0], date(int(m[1]), 7, 1), 3, "past"))
    anchors = [(a.start(), a.end()) for a in _ANCHOR.finditer(text)]
    for m in _PAST.finditer(text):
        # "two days earlier" is an anchor to a told date, not a vague past.
        if free(m) and not any(m.start() < e and s < m.end() for s, e in anchors):
            back = PAST_PHRASES[m[1].lower()]
            past_day = published - timedelta(days=back) if published else None
            add(DateMention(m.start(), m.end(), m[0], past_day, 3, "past"))
    for m in _WEEKDAY_ALONE.finditer(text):
        if not free(m):
            continue
        if not day_known:
            add(DateMention(m.start(), m.end(), m[0], None, 1, "weekday",
                            reason="weekday without a day-precise publication date"))
            continue
        assert published is not None
        day = _weekday_on_or_before(WEEKDAYS[m[1].lower()], published)
        hour = _SMALL_HOURS.match(text[m.end():])
        if m[2] and hour and int(hour[1]) < 6:
            # "la nuit de vendredi à samedi, vers 2 heures": the event is on the Saturday.
            day = _weekday_on_or_before(WEEKDAYS[m[2].lower()], published)
        add(DateMention(m.start(), m.end(), m[0], day, 1, "weekday"))
    for m in _RELATIVE.finditer(text):
        if not free(m):
            continue
        if not day_known:
            add(DateMention(m.start(), m.end(), m[0], None, 1, "relative",
                            reason="relative day without a day-precise publication date"))
            continue
        assert published is not None
        add(DateMention(m.start(), m.end(), m[0],
                        published + timedelta(days=RELATIVE_DAYS[m[1].lower()]), 1, "relative"))
    for m in _ANCHOR.finditer(text):
        if not free(m):
            continue
        before = [d.day for d in sorted(found, key=lambda d: d.start)
                  if d.start < m.start() and d.day is not None]
        base = before[-1] if before else anchor
        anchored = base + timedelta(days=ANCHOR_DAYS[m[1].lower()]) if base else None
        add(DateMention(m.start(), m.end(), m[0], anchored, 1, "anchor",
                        reason="" if anchored else "relative to an earlier date that is not given"))
    found.sort(key=lambda d: d.start)
    found = [_span_start(d, text, anchor) for d in found]
    # "NIAMEY, Jan 13 (Reuters) -": the day the story was filed.
    found = [DateMention(**{**d.__dict__, "reported": True})
             if _FILED_AFTER.match(text[d.end:d.end + 30]) else d for d in found]
    if found and _is_dateline(text, found):
        found = [DateMention(**{**d.__dict__, "reported": True}) for d in found]
    return found


def _span_start(mention: DateMention, text: str, anchor: date | None) -> DateMention:
    """Date "jusqu'au 31 mars" by the start of its span, the date told before it (ACLED)."""
    if mention.day is None or not _UNTIL.search(text[:mention.start]):
        return mention
    if anchor is not None and 0 <= (mention.day - anchor).days <= SPAN_MAX_DAYS:
        return DateMention(**{**mention.__dict__, "day": anchor, "precision": 2})
    return DateMention(**{**mention.__dict__, "precision": max(mention.precision, 2)})


def _is_dateline(text: str, found: list[DateMention]) -> bool:
    """Tell whether a sentence is only a publication line ("Latest update: 2014-05-18")."""
    rest = text
    for d in reversed(found):
        rest = rest[:d.start] + rest[d.end:]
    words = re.findall(r"[^\W\d_]{3,}", rest)
    return len(words) <= 4 and not re.search(r"attaqu|attack|tué|killed", rest, re.IGNORECASE)


def is_background_date(mention: DateMention, published: date | None) -> bool:
    """Tell whether a date lies well before publication (more than three weeks): context."""
    if mention.kind == "past":
        return True
    if mention.day is None or published is None:
        return False
    latest = mention.day
    if mention.kind == "month":
        # "in August", told in mid-September: any day of August, up to its last, may be meant.
        next_month = (mention.day.replace(day=28) + timedelta(days=4)).replace(day=1)
        latest = next_month - timedelta(days=1)
    return (published - latest).days > 21
