"""Claims of responsibility and blame stated apart from the event ("X a revendiqué l'attaque").

Reports often tell the attack first with "unidentified gunmen" and only later say who claimed it or
whom the government blamed. A sentence of the current news that names one armed group beside a
claim or blame verb attributes the report's incidents to that group: the incidents at the places
it names, or all of them when it names none ("les deux opérations", "the attack").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sahel.extract import geocode
from sahel.extract.actors_in_text import kind_of
from sahel.extract.split import SentenceInfo

ARMED_KINDS = frozenset({"jihadist", "rebel", "militia"})
# verb -> qualifier: a claim by the group itself, or a blame by someone else.
CLAIM = re.compile(r"revendiqu\w*|claim(?:ed|s|ing)? (?:responsibility|the|it|both|an?)\b|"
                   r"claimed by|responsibility for|(?:its|ses|leurs) (?:fighters|combattants|"
                   r"hommes|moudjahidines?)\b[^.]{0,30}\b(?:carried out|conducted|mené|"
                   r"perpétré)", re.IGNORECASE)
BLAME = re.compile(r"(?<![\w-])(?:attribu\w*|imput\w*|accus\w*|blam\w*|tenu\w* pour responsables?|"
                   r"held responsible|responsabilité|belong\w*|appartena\w*|appartiendrai\w*|"
                   r"appartenant|hallmarks?|porte la (?:marque|signature)|"
                   r"behind the (?:attack|raid|ambush)|derrière (?:l'attaque|"
                   r"l'embuscade|cette attaque))(?![\w-])", re.IGNORECASE)
# "n'a pas été revendiquée", "no group has claimed", "not claimed": no attribution at all.
# "a revendiqué l'opération", "claimed the attack": one operation, the one already told; an
# incident first told after the claim ("Samedi, un soldat a été tué par un engin ...") is another.
ONE_OPERATION = re.compile(r"(?:revendiqu\w*|claim\w*(?: responsibility for)?)\s+"
                           r"(?:l'(?:attaque|opération|assaut|embuscade|attentat)|cette attaque|"
                           r"the (?:attack|assault|ambush|raid|operation|bombing)|this attack)"
                           r"(?![\w-])", re.IGNORECASE)
NEGATED = re.compile(r"\b(?:n'(?:a|avait|ont|avaient)\s+(?:\w+\s+){0,2}pas|aucun\w*\b[^.]{0,40}"
                     r"revendiqu|no (?:group|one)\b[^.]{0,30}claim|not (?:yet )?(?:been )?claimed|"
                     r"has not claimed|had not claimed|unclaimed|sans revendication|non revendiqu)",
                     re.IGNORECASE)


@dataclass(frozen=True)
class Attribution:
    """A named group a sentence says claimed or was blamed for the report's incidents."""

    sentence: int
    group: str
    qualifier: str  # "claimed" or "suspected"
    place_keys: frozenset[str]  # empty: true of every incident of the report
    told_before: bool = False  # it claims one operation: only incidents told before it


def find_attributions(infos: Sequence[SentenceInfo]) -> list[Attribution]:
    """Return the attributions of the current news, in text order."""
    found: list[Attribution] = []
    for info in infos:
        if info.background:
            continue  # "une opération déjà revendiquée par le JNIM" is about an older event
        text = info.sentence.text
        claimed, blamed = CLAIM.search(text), BLAME.search(text)
        if not (claimed or blamed) or NEGATED.search(text):
            continue
        groups = list(dict.fromkeys(
            m.canonical for m in info.mentions if kind_of(m.canonical) in ARMED_KINDS))
        if len(groups) != 1:
            continue  # two groups named: the sentence does not say which one
        keys = frozenset(geocode.place_key(p) for p in info.event_places())
        qualifier = "claimed" if claimed else "suspected"
        found.append(Attribution(info.sentence.index, groups[0], qualifier, keys,
                                 told_before=bool(ONE_OPERATION.search(text))))
    return found


def attributed_group(attributions: Sequence[Attribution], place_key: str) -> Attribution | None:
    """Return the attribution that covers an incident at `place_key` (named place first)."""
    return AttributionIndex(attributions).covering(place_key)


class AttributionIndex:
    """The attributions of a report by the places they name, for one look-up per incident."""

    def __init__(self, attributions: Sequence[Attribution]) -> None:
        self._named: dict[str, Attribution] = {}
        self._general: list[Attribution] = []
        for a in attributions:
            for key in a.place_keys:
                self._named.setdefault(key, a)
            if not a.place_keys:
                self._general.append(a)

    def covering(self, place_key: str, first_sentence: int | None = None) -> Attribution | None:
        """Return the first attribution naming `place_key`, else the first naming no place.

        `first_sentence`: where the incident is first told; a claim of one operation covers
        only incidents told before it.
        """
        if place_key in self._named:
            return self._named[place_key]
        return next((a for a in self._general if not (
            a.told_before and first_sentence is not None and first_sentence > a.sentence)), None)
