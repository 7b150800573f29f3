"""Casualty claims in a sentence: who claims, the exact words, numbers by the vague-quantity rules.

Claims are never averaged or summed across claimants. An incident's `fatalities` is the lowest
credible number among its "killed" claims (ACLED's most conservative convention),
`fatalities_low` the lowest low and `fatalities_high` the highest figure given (see `toll`); with
no figure at all, 0 as ACLED codes it (the claims still say "no toll given").
Quantity rules are in `sahel.extract.quantities`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sahel.extract.quantities import Quantity, find_quantities
from sahel.schema import Claim

# kind -> words that follow (or precede) a number of people.
KIND_WORDS: dict[str, str] = {
    "killed": r"tué(?:e|s|es)?|morts?|mortes|décès|décédé\w*|victimes|abattus?|exécuté\w*|"
              r"killed|dead|deaths?|died|lives|bodies|corpses|executed|shot dead",
    "wounded": r"blessé(?:e|s|es)?|blessures|wounded|injured|injuries|hurt",
    "prisoners": r"prisonniers?|faits? prisonniers?|capturés?|otages?|enlevés?|"
                 r"prisoners?|captured|taken prisoner|hostages?|held hostage|kidnapped|abducted",
    "missing": r"disparus?|portés? disparus?|missing|unaccounted",
}
_KIND = {kind: re.compile(rf"(?<![\w-])(?:{words})(?![\w-])", re.IGNORECASE)
         for kind, words in KIND_WORDS.items()}
# A verb right before the number: "killed 71 soldiers", "ont tué une vingtaine".
_B = r"(?<![\w-])"  # a word starts here ("situé" holds "tué")
_VERB_BEFORE = {
    "other": re.compile(_B + r"(?:tué|killed)\s+(?:et|and)\s+(?:blessé|wounded|injured)\s+$",
                        re.IGNORECASE),
    "killed": re.compile(_B + r"(?:killed|killing|kill|tué|tuer|tuant|abattu|lost|perdu|"
                         r"massacred|massacré|exécuté|executed|shot dead|neutralisé|neutralised|"
                         r"neutralized)\s+(?:(?!and\b|et\b|while\b|dont\b)[\w'-]+\s+){0,3}$",
                         re.IGNORECASE),
    "wounded": re.compile(_B + r"(?:injured|injuring|wounded|wounding|blessé|blesser|blessant)\s+$",
                          re.IGNORECASE),
    "prisoners": re.compile(_B + r"(?:captured|kidnapped|abducted|enlevé|capturé|abduction of|"
                            r"kidnapping of|enlèvement d[e']|rapt d[e'])\s*$", re.IGNORECASE),
}
_JOINED = re.compile(r"\s+[\w'-]+(?:\s+[\w'-]+){0,3}\s+(?:et|and|ainsi que|as well as)\s+",
                     re.IGNORECASE)
# "une quinzaine de kilomètres", "120 mm", "72 heures": measures, not people.
_UNIT_AFTER = re.compile(r"\s*(?:de |d')?(?:km\b|kilom|miles?\b|mètres|metres|meters|heures|hours|"
                         r"h\b|minutes|ans\b|years|jours|days|semaines|weeks|mois\b|months|mm\b|"
                         r"%|pour ?cent|per ?cent|francs|dollars|euros|tonnes|tons|fcfa)",
                         re.IGNORECASE)
# "70 personnes tuées à A et trente à B": the second number shares the first one's word.
_ELIDED = re.compile(r"^\s*(?:autres\s+|others?\s+|more\s+)?(?:à|at|in|dans|near|près d[e'])\s",
                     re.IGNORECASE)
_ELIDED_GAP = re.compile(r"^[^.;]{0,60}(?:\bet|\band|,)\s*$", re.IGNORECASE)
_TOLL_BEFORE = re.compile(r"(?:death toll|toll|bilan)\b[^.;]{0,40}$", re.IGNORECASE)
# "It said 30 assailants were killed": the speaker of an earlier sentence.
SAME_SPEAKER = re.compile(r"\b(?:it|he|she|they) (?:said|added|says|told)\b|"
                          r"\b(?:a|ont)-t-(?:il|elle|ils|elles) (?:dit|ajouté|précisé|indiqué)|"
                          r"\b(?:ajoute|précise|indique|poursuit)-t-(?:il|elle)|"
                          r"selon (?:lui|elle|eux)|\b(?:il|elle) a fait état|"
                          r"\bprécise le communiqué|\bthe statement said", re.IGNORECASE)
_LOOTING = re.compile(r"(?<![\w-])(?:pillé\w*|pillage|butin|emporté|saisi\w*|looted|looting|"
                      r"seized|carried off|made off with)(?![\w-])", re.IGNORECASE)
_NO_TOLL = re.compile(
    r"aucun bilan|pas (?:souhaité |voulu )?(?:apporter|donner|fournir)[^.]{0,40}bilan|"
    r"aucune information sur les conséquences|sans (?:donner|préciser) de bilan|"
    r"no (?:death )?toll|did not give a (?:death )?toll|gave no (?:death )?toll|"
    r"no information on casualties|declined to give a toll", re.IGNORECASE)

# Claimant table: (pattern, who, role). The claimant nearest before the number wins.
CLAIMANTS: tuple[tuple[str, str, str], ...] = (
    (r"sources? locales?|local sources?|habitants?|residents?|villageois|villagers?|témoins?|"
     r"witness(?:es)?|élus? locaux|notables?|local officials?", "local sources", "local_sources"),
    (r"état-major|armée(?: malienne| burkinabè| nigérienne| tchadienne| mauritanienne)?|"
     r"army|military|militaire|ministère de la défense|defen[cs]e ministry|"
     r"porte-parole de l'armée|army spokesman|FAMa|forces armées", "army", "army"),
    (r"sources? sécuritaires?|responsables? sécuritaires?|security sources?|"
     r"security officials?|source sécuritaire", "security sources", "other"),
    (r"gouvernement|government|ministre|minister|ministère|ministry|préfet|prefect|gouverneur|"
     r"governor|autorités|authorities|président|president|mayor|maire", "government",
     "government"),
    (r"Human Rights Watch|HRW|Amnesty|ONG|NGO|Croix-Rouge|Red Cross|MSF|health worker|"
     r"humanitarian sources?|sources humanitaires|agent de santé|médecin|doctor", "ngo", "ngo"),
    (r"ONU|Nations unies|United Nations|MINUSMA|OCHA|(?-i:UN)", "United Nations", "un"),
    (r"AFP|Reuters|Associated Press|RFI|journalistes?|correspondent|correspondant", "media",
     "media"),
    (r"(?:notre|nos|une|la|des|the|our|a|one|two|three|several) sources?|interlocuteur",
     "sources", "other"),
    (r"responsables?|officials?|officiels?", "officials", "other"),
)
# A name is a claimant only where it speaks: "selon X", "X said", "a indiqué X". Elsewhere
# "l'armée" or "military" is a target or an adjective ("camp militaire").
_SPEECH = (r"said|says|told|stated|reported|claimed|announced|added|confirmed|estimated|counted|"
           r"declared|indicated|put the toll|gave a toll|according|"
           r"déclar\w*|indiqu\w*|annonc\w*|affirm\w*|évoqu\w*|avanc\w*|rapport\w*|"
           r"confirm\w*|précis\w*|dit|fait état|fai(?:t|sait) état|estim\w*|dénombr\w*|"
           r"revendiqu\w*|assur\w*|reconna\w*|communiqué|statement|bilan|toll")
_SPEAKS_BEFORE = re.compile(rf"(?:selon|according to|d'après|d'apres|citing|cited by|"
                            rf"{_SPEECH})\W+(?:\w+\W+){{0,3}}$", re.IGNORECASE)
_SPEAKS_AFTER = re.compile(rf"^[^.;]{{0,70}}?\b(?:{_SPEECH})", re.IGNORECASE)
_CLAIMANTS = tuple((re.compile(rf"(?<![\w-])(?:{p})(?![\w-])", re.IGNORECASE), who, role)
                   for p, who, role in CLAIMANTS)


@dataclass(frozen=True)
class Claimant:
    """Who makes a statement in a sentence, where, and their role."""

    start: int
    by: str
    role: str


def find_claimants(text: str, groups: Sequence[tuple[int, str]] = ()) -> list[Claimant]:
    """Return claimants in `text`; `groups` are (offset, canonical name) of armed groups in it."""
    found = [Claimant(m.start(), m.group(0) if role != "other" else who, role)
             for pattern, who, role in _CLAIMANTS for m in pattern.finditer(text)
             if _speaks(text, m.start(), m.end())]
    found += [Claimant(start, name, "armed_group") for start, name in groups
              if _speaks(text, start, start + len(name))]
    return sorted(found, key=lambda c: c.start)


def _speaks(text: str, start: int, end: int) -> bool:
    return bool(_SPEAKS_BEFORE.search(text[max(0, start - 50):start])
                or _SPEAKS_AFTER.search(text[end:end + 90]))


def _clause(text: str, start: int, end: int) -> str:
    left = max(text.rfind(sep, 0, start) for sep in (",", ";", ":", "(", "«", "\""))
    right_candidates = [i for i in (text.find(sep, end) for sep in (",", ";", ".", ")", "»"))
                        if i != -1]
    right = min(right_candidates) if right_candidates else len(text)
    return text[left + 1:right].strip(" «»\"")


def _kind_of(text: str, q: Quantity, next_start: int) -> str | None:
    before = text[max(0, q.start - 40):q.start]
    for kind, pattern in _VERB_BEFORE.items():
        if pattern.search(before):
            return kind
    window = text[q.end:min(next_start, q.end + 70)]
    hits = [(m.start(), kind) for kind, pattern in _KIND.items()
            if (m := pattern.search(window))]
    if hits:
        return min(hits)[1]
    # "the death toll varies between 100 and several hundred", "un bilan de 12 à 13"
    return "killed" if _TOLL_BEFORE.search(text[max(0, q.start - 40):q.start]) else None


def _claimant_for(claimants: Sequence[Claimant], at: int, default: Claimant) -> Claimant:
    before = [c for c in claimants if c.start <= at]
    if before:
        return before[-1]
    return claimants[0] if claimants else default


# "Un soldat a été tué", "a civilian was killed": one person, which the article alone says.
_ONE_PERSON = re.compile(
    r"(?<![\w-])(?:un|une|a|an|one)\s+(?=(?:[\w'-]+\s+)?(?:soldat|militaire|civil|policier|gendarme|"
    r"villageois|habitant|enfant|femme|homme|enseignant|élève|élu|maire|imam|berger|commerçant|"
    r"membre|volontaire|casque bleu|chef|soldier|civilian|policeman|police officer|gendarme|"
    r"villager|resident|child|woman|man|teacher|pupil|mayor|imam|herder|trader|member|"
    r"volunteer|peacekeeper|chief|leader|commander)(?![\w-]))", re.IGNORECASE)


# "killed Islamic State's Sahel leader", "le chef du village a été tué": one person, by title.
_LEADER = re.compile(r"(?<![\w-])(?:leader|commander|emir|émir|chef|commandant)(?![\w-])",
                     re.IGNORECASE)
# Victims that are civilians by the noun right after their number ("40 civilians", "12 villageois").
CIVILIAN_VICTIMS = re.compile(
    r"^\s*(?:de |d')?(?:[\w'-]+\s+)?(?:civils?|civiles?|villageois|habitants|femmes|enfants|"
    r"passagers|fidèles|orpailleurs|déplacés|civilians?|villagers|residents|women|children|"
    r"passengers|worshippers|miners|displaced)(?![\w-])", re.IGNORECASE)
# "14 morts, dont un soldat": one of the dead already counted.
_AMONG = re.compile(r"(?:dont|including|among them|parmi eux|among whom|notamment)\s+$",
                    re.IGNORECASE)


def counted_quantities(text: str, masked: Iterable[tuple[int, int]] = ()
                       ) -> list[tuple[Quantity, str]]:
    """Return the numbers of people in a sentence with what happened to them (killed, ...)."""
    masked = list(masked)
    quantities = [q for q in find_quantities(text)
                  if not any(q.start < e and s < q.end for s, e in masked)
                  and not _UNIT_AFTER.match(text[q.end:q.end + 20])]
    singles = [m for m in _ONE_PERSON.finditer(text)] + [
        m for m in _LEADER.finditer(text)
        if not any(o.start() <= m.start() <= o.end() + 20 for o in _ONE_PERSON.finditer(text))]
    quantities += [Quantity(m.start(), m.end(), m.group(0).strip(), 1, 1)
                   for m in singles
                   if not any(m.start() < e and s < m.end() for s, e in masked)
                   and not _AMONG.search(text[max(0, m.start() - 25):m.start()])]
    quantities.sort(key=lambda q: q.start)
    kinds: list[str | None] = []
    for i, q in enumerate(quantities):
        next_start = quantities[i + 1].start if i + 1 < len(quantities) else len(text)
        kinds.append(_kind_of(text, q, next_start))
    for i in range(len(quantities) - 2, -1, -1):
        # "Sept soldats et cinq VDP ont été tués": the first number shares the second's word.
        if kinds[i] is None and _JOINED.fullmatch(text[quantities[i].end:quantities[i + 1].start]):
            kinds[i] = kinds[i + 1]
    for i in range(1, len(quantities)):
        if kinds[i] is None and kinds[i - 1] is not None and _ELIDED.match(
                text[quantities[i].end:]) and _ELIDED_GAP.match(
                text[quantities[i - 1].end:quantities[i].start]):
            kinds[i] = kinds[i - 1]
    return [(q, kind) for q, kind in zip(quantities, kinds, strict=True) if kind is not None]


def find_claims(text: str, groups: Sequence[tuple[int, str]] = (),
                default: Claimant | None = None, masked: Iterable[tuple[int, int]] = (),
                within: tuple[int, int] | None = None, civilians: bool | None = None
                ) -> list[Claim]:
    """Return the casualty, prisoner, missing and looting claims stated in one sentence.

    `masked` spans (dates, place names) are not read as numbers; `default` is the claimant when
    the sentence names none (the previous speaker or the outlet); `within`, when given, is the
    part of the sentence about one place: numbers outside it are another place's; `civilians`,
    when given, keeps only the dead the text calls civilians (True) or only the others (False).
    """
    default = default or Claimant(0, "outlet", "outlet")
    claimants = find_claimants(text, groups)
    claims: list[Claim] = []
    for q, kind in counted_quantities(text, masked):
        if within is not None and not within[0] <= q.start < within[1]:
            continue
        if civilians is not None and kind == "killed" and civilians != bool(
                CIVILIAN_VICTIMS.match(text[q.end:q.end + 40])):
            continue
        who = _claimant_for(claimants, q.start, default)
        claims.append(Claim(by=who.by, role=who.role, kind=kind,
                            text=_clause(text, q.start, q.end), low=q.low, high=q.high))
    if (m := _LOOTING.search(text)) and not any(c.kind == "looting" for c in claims):
        who = _claimant_for(claimants, m.start(), default)
        claims.append(Claim(by=who.by, role=who.role, kind="looting",
                            text=_clause(text, m.start(), m.end())))
    if (m := _NO_TOLL.search(text)) and not any(c.kind == "killed" for c in claims):
        who = _claimant_for(claimants, m.start(), default)
        claims.append(Claim(by=who.by, role=who.role, kind="killed",
                            text=_clause(text, m.start(), m.end())))
    return claims


def place_piece(text: str, places: Sequence[tuple[int, int]], index: int
                ) -> tuple[int, int] | None:
    """Return the part of a sentence that tells the toll of its `index`-th place, else None.

    "70 tués à A et 30 à B": the numbers come before their place, pieces end at each place;
    "à A, 70 morts ; à B, 30": after it, pieces start at each place. None when the sentence
    has fewer numbers than places (one toll for all of them).
    """
    numbers = [q.start for q, _ in counted_quantities(text, places)]
    if len(places) < 2 or len(numbers) < len(places):
        return None
    if min(numbers) < places[0][0]:
        start = places[index - 1][1] if index else 0
        return start, places[index][1]
    end = places[index + 1][0] if index + 1 < len(places) else len(text)
    return places[index][0], end


def is_no_toll(text: str) -> bool:
    """Tell whether a sentence says that no toll was given."""
    return bool(_NO_TOLL.search(text))


def toll(claims: Iterable[Claim]) -> tuple[int | None, int | None, int | None]:
    """Return (best, low, high) fatalities from claims: never averaged, most conservative best.

    One statement that counts several groups of dead ("eight soldiers ... and 28 attackers were
    killed", same claimant, same words) adds up, as ACLED counts all deaths of an event; different
    claimants or statements are never added. best = the smallest statement total; low = the
    smallest figure any claim gives; high = the largest statement total.
    """
    statements: dict[tuple[str, str], list[Claim]] = {}
    for c in claims:
        if c.kind == "killed" and (c.low is not None or c.high is not None):
            statements.setdefault((c.by, c.text), []).append(c)
    singles = [c.low for group in statements.values() for c in group if c.low is not None]
    totals = [sum(c.low for c in group if c.low is not None)
              for group in statements.values() if any(c.low is not None for c in group)]
    figures = [sum((c.high if c.high is not None else c.low) or 0 for c in group)
               for group in statements.values()]
    if not totals and not figures:
        # ACLED codes an incident with no reported death as 0; whether a toll was refused or
        # unknown stays in the claims.
        return 0, 0, None
    best = min(totals) if totals else None
    low = min(singles) if singles else None
    high = max(figures) if figures else None
    return best, low, high


def dedupe_claims(claims: Iterable[Claim]) -> list[Claim]:
    """Drop repeated claims (same claimant, kind and numbers), keeping the first wording."""
    seen: set[tuple[str, str, int | None, int | None]] = set()
    out = []
    for c in claims:
        key = (c.by.lower(), c.kind, c.low, c.high)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out
