"""Perpetrator and target of an incident from the actor mentions of its sentences.

Mentions come from the alias table (`sahel.actors.find_actor_mentions`). Each mention earns
perpetrator or target points from the words around it ("revendiquée par X", "X a attaqué" →
perpetrator; "contre X", "X ont été tués" → target); named armed groups get a small prior as
perpetrators. Civilians are the target when the incident's victims are civilians.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from sahel import actors

# State forces per country, for "soldiers" and "the army" when the text names no force.
STATE_FORCES: dict[str, str] = {
    "MLI": "FAMa", "BFA": "Burkina Faso forces", "NER": "Niger forces", "TCD": "Chad forces",
    "MRT": "Mauritania forces",
    # Neighbours the alias table has no group for yet: named like the others.
    "BEN": "Benin forces", "TGO": "Togo forces", "NGA": "Nigeria forces",
    "CMR": "Cameroon forces", "DZA": "Algeria forces", "CIV": "Côte d'Ivoire forces",
    "GHA": "Ghana forces", "SEN": "Senegal forces", "GIN": "Guinea forces",
}
UNIDENTIFIED = "Unidentified armed group"
STATE = "state forces"  # a generic "the army" until the incident's country is known
_GENERIC_STATE = re.compile(
    r"(?<![\w-])(?:armée|army|military|troops|soldiers|soldats|militaires|forces armées|"
    r"security forces|forces de défense et de sécurité|forces de sécurité|armed forces|"
    r"defen[cs]e and security forces)(?![\w-])|(?<![\w-])FDS(?![\w-])",
    re.IGNORECASE)
# Names every Sahel state uses for its own forces ("FDS" in Niger, Burkina and Mali): the alias
# table may tie them to one country; in a report they are the incident's country's forces.
_SHARED_STATE = re.compile(r"(?:les |the )?(?:forces de défense et de sécurité|FDS|"
                           r"defen[cs]e and security forces|armed forces)", re.IGNORECASE)
NON_STATE_KINDS = frozenset({"jihadist", "rebel", "militia", "unidentified"})
STATE_KINDS = frozenset({"state", "foreign", "un"})
PASSIVE_KINDS = frozenset({"civilians", "other"})

_ARTICLE = r"(?:des |les |le |la |l'|du |d'|the |a |an |deux |two |leur |their )?"
_PERP_BEFORE = re.compile(
    rf"(?:\bpar|\bby|imputée?s? à|attribuée?s? à|attributed to|blamed on|revendiquée?s? par|"
    rf"claimed by|carried out by|menée?s? par|l'œuvre d[e']|accus\w*|blamed|"
    rf"held responsible|frappes? (?:aériennes? )?(?:de|d'))\s+{_ARTICLE}(?:[\w']+\s+){{0,2}}$",
    re.IGNORECASE)
_TARGET_BEFORE = re.compile(
    rf"(?:contre|against|\bon|ciblant|visant|targeting|targeted|\bsur|attaque (?:du|de la|des)|"
    rf"attacks? on|ambush of|embuscade contre|opposé \w+ \w+ aux?|aux? combattants d[ue]|"
    rf"\bfrom|aux mains d[ue]s?|des mains d[ue]s?|killed|killing|tué|tuant|neutralisé|"
    rf"clashed with|clashes with|fought|fighting|affrontements? avec|aux prises avec|"
    rf"combats? contre|affronté|attaqué|attacked|targeted|ciblé|visé|struck|"
    rf"neutralised|neutralized|exécuté|executed|abattu|captured|capturé|arrested|arrêté|"
    rf"kidnapped|enlevé|abducted|"
    # "quatorze personnes, dont un membre des VDP": one of the victims.
    rf"dont|including|among them|parmi (?:eux|elles|lesquels|lesquelles))\s+"
    rf"{_ARTICLE}(?:\w+\s+){{0,3}}$", re.IGNORECASE)
_PERP_AFTER = re.compile(
    r"^\s*(?:\([^)]*\)\s*)?,?\s*(?:,[^,]{0,80},\s*)?(?:\w+\s+){0,5}?"
    r"(?:revendiqu|attaqu|tu[ée]|killed|attacked|struck|stormed|took|retook|seized|captur|"
    r"recaptur|regained|reprend|exécut|execut|neutralis|neutraliz|bombard|frapp|shot|"
    r"clash|affront|fought|combatt|engag|tendu|"
    r"(?:a|ont|avoir) pris|repris|kidnapp|enlev|abduct|ambush|ouvert le feu|opened fire|fired|"
    r"tiré|machine-gunned|mitraill|said it had taken|had taken|claimed|launched|lancé|"
    r"carried out|mené|avance un bilan|affirme|massacr|encercl|surround|rounded up|raflé)",
    re.IGNORECASE)
_TARGET_AFTER = re.compile(
    r"^\W*(?:\w+\s+){0,3}?(?:ont|a|avaient|avait|were|was|have|has|had)\s+(?:\w+\s+)?"
    r"(?:été|been)\s+"
    r"(?:\w+\s+)?(?:tué|attaqu|killed|attacked|ciblé|targeted|kidnapped|enlev|abduct|wounded|"
    r"blessé|exécut|executed|massacr|abattu|shot)|"
    # "Eight members of the armed forces were killed": as "have been killed".
    r"^\W*(?:\w+\s+){0,3}?(?:were|was)\s+(?:\w+\s+)?(?:killed|attacked|targeted|kidnapped|"
    r"abducted|wounded|executed|massacred|shot)", re.IGNORECASE)
# "Fighters from X", "des éléments de X": the group itself acts, "from" names no target.
# "Fighters from X", "des éléments de X": the group itself acts, "from" names no target.
_MEMBERS_OF = re.compile(r"(?:fighters|members|militants|elements|gunmen|combattants|éléments|"
                         r"membres|hommes|jihadistes|jihadists|rebels|rebelles|insurgents|"
                         r"insurgés|combatants|attackers|assaillants)\s+(?:from|of|du|de|des|d')\s*"
                         r"(?:the\s+|l'|la\s+|le\s+)?$", re.IGNORECASE)
# "15 soldats tués", "soldiers killed in the attack": a participle right after the noun is
# passive ("ont tué", "a attaqué" are not).
_PARTICIPLE_AFTER = re.compile(
    r"^\s*(?:(?!(?:a|ont|avait|avaient|aurait|auraient|ayant|avoir)\b)\w+\s+)?"
    r"(?:tué|attaqué|exécuté|neutralisé|enlevé|blessé|capturé|massacré)(?:e|s|es)?(?![\w-])|"
    r"^\s*(?:killed|wounded|abducted|kidnapped|captured|executed)\s+(?:in|during|on|by|"
    r"at(?! least| most)|when|and|,)", re.IGNORECASE)
_OF = re.compile(r"\s*(?:from the|of the|from|of|de l'|de la|du|des|d'|de)\s*", re.IGNORECASE)
_SUSPECTED = re.compile(r"présumés?|suspect\w*|alleged|presumed|soupçonn\w*|imput\w*|"
                        r"attribu\w*|believed to be|serait|seraient|probabl\w*", re.IGNORECASE)
_CLAIMED = re.compile(r"revendiqu\w*|claimed responsibility|claimed the attack|claim\w*",
                      re.IGNORECASE)


@dataclass(frozen=True)
class Mention:
    """An actor named in a sentence, with the sentence it is in."""

    sentence: int
    start: int
    end: int
    text: str
    canonical: str


@dataclass(frozen=True)
class Sides:
    """The two sides of an incident: canonical names, the words used, and a qualifier."""

    actor1: str | None
    actor1_text: str
    actor2: str | None
    actor2_text: str
    qualifier: str  # "", "suspected" or "claimed"


def kind_of(canonical: str) -> str:
    """Return the group kind of a canonical actor ("unknown" when not in the table)."""
    try:
        return actors.group_info(canonical).kind
    except (KeyError, ValueError):
        return "unknown"


def find_mentions(index: int, text: str) -> list[Mention]:
    """Return the actor mentions of one sentence (longest alias wins).

    "The army", "les soldats" name no country: they come out as `STATE` and stand for the state
    forces of the incident's country (see `assign_sides`).
    """
    found = [Mention(index, m.start, m.end, m.text,
                     STATE if _SHARED_STATE.fullmatch(m.text) else m.canonical)
             for m in actors.find_actor_mentions(text)]
    taken = [(m.start, m.end) for m in found]
    for m in _GENERIC_STATE.finditer(text):
        if not any(m.start() < e and s < m.end() for s, e in taken):
            found.append(Mention(index, m.start(), m.end(), m.group(0), STATE))
    found.sort(key=lambda m: m.start)
    # "Rebels from the CSP", "des éléments de l'EIGS": the generic word is the named group.
    return [m for i, m in enumerate(found)
            if not (m.canonical == UNIDENTIFIED and i + 1 < len(found)
                    and kind_of(found[i + 1].canonical) in NON_STATE_KINDS - {"unidentified"}
                    and _OF.fullmatch(text[m.end:found[i + 1].start]))]


def _points(mention: Mention, text: str) -> tuple[float, float]:
    return _points_at(text, mention.start, mention.end)


# An incident with no armed actor of its own reads those of the sentences around it: the same
# mentions are scored for many incidents of a long report.
@lru_cache(maxsize=8192)
def _points_at(text: str, start: int, end: int) -> tuple[float, float]:
    members = _MEMBERS_OF.search(text[max(0, start - 40):start])
    if members:
        start -= len(members.group(0))
    before = text[max(0, start - 60):start]
    # "Islamic State's Sahel branch attacked": the possessive is part of the name.
    after = re.sub(r"^'s\b", "", text[end:end + 90])
    passive = bool(_PARTICIPLE_AFTER.match(after))
    perp = 2.0 * bool(_PERP_BEFORE.search(before)) + 1.0 * bool(
        _PERP_AFTER.search(after) and not passive)
    target = 2.0 * bool(_TARGET_BEFORE.search(before)) + 1.0 * bool(
        _TARGET_AFTER.search(after) or passive)
    return perp, target


def assign_sides(mentions: Sequence[Mention], texts: dict[int, str], weights: dict[int, float],
                 target: str, iso3: str | None, category: str) -> Sides:
    """Pick actor1 (perpetrator) and actor2 (target) for an incident."""
    if category == "protest":
        return Sides("Protesters", "protesters", None, "", "")
    scores: dict[str, float] = {}
    target_points: dict[str, float] = {}
    words: dict[str, str] = {}
    first: dict[str, int] = {}
    qualifier = ""
    state = STATE_FORCES.get(iso3 or "", "")
    mentions = [m if m.canonical != STATE else Mention(m.sentence, m.start, m.end, m.text, state)
                for m in mentions if m.canonical != STATE or state]
    for order, m in enumerate(mentions):
        kind = kind_of(m.canonical)
        if kind in PASSIVE_KINDS:
            continue
        weight = weights.get(m.sentence, 0.5)
        perp, against = _points(m, texts[m.sentence])
        prior = {"jihadist": 0.6, "rebel": 0.6, "militia": 0.5, "unidentified": 0.3}.get(kind, 0)
        scores[m.canonical] = scores.get(m.canonical, 0) + weight * (perp - against + prior)
        target_points[m.canonical] = target_points.get(m.canonical, 0) + weight * against
        words.setdefault(m.canonical, m.text)
        first.setdefault(m.canonical, order)
    actor1 = None
    if scores:
        actor1 = max(scores, key=lambda c: (scores[c], -first[c]))
        if scores[actor1] <= 0 and kind_of(actor1) in STATE_KINDS:
            actor1 = None  # state forces are perpetrators only on the text's word
        elif scores[actor1] < 0:
            actor1 = None  # named only as a victim ("dont un membre des VDP")
    if actor1 is None and category in ("violence", "abduction"):
        actor1 = UNIDENTIFIED
    if actor1 is not None:
        for m in mentions:
            if m.canonical == actor1:
                window = texts[m.sentence][max(0, m.start - 40):m.end + 60]
                if _SUSPECTED.search(window):
                    qualifier = "suspected"
                elif _CLAIMED.search(window):
                    qualifier = "claimed"
                    break
    actor2: str | None
    if target == "civilians":
        actor2 = "Civilians"
    else:
        others = [c for c in scores if c != actor1 and (
            target_points[c] > 0 or kind_of(c) in STATE_KINDS | {"jihadist", "rebel"})]
        actor2 = max(others, key=lambda c: (target_points[c], -first[c])) if others else None
        if actor2 is None and target == "military" and iso3 in STATE_FORCES:
            actor2 = STATE_FORCES[iso3] if STATE_FORCES[iso3] != actor1 else None
    return Sides(actor1, words.get(actor1 or "", actor1 or ""), actor2,
                 words.get(actor2 or "", actor2 or ""), qualifier)


def mask_perpetrators(text: str) -> str:
    """Return `text` with the actors that act in it blanked ("Malian troops killed …").

    What is left names the victims, so "troops" in "troops killed 300 civilians" does not make
    the incident an attack on the military.
    """
    for m in reversed(find_mentions(0, text)):
        perp, against = _points(m, text)
        if perp > against:
            text = text[:m.start] + " " * (m.end - m.start) + text[m.end:]
    return text


def is_state(canonical: str | None) -> bool:
    """Tell whether a canonical actor is a state force (national or foreign) or the UN."""
    return canonical is not None and kind_of(canonical) in STATE_KINDS
