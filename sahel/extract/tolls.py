"""The toll claims of one incident: who said what, in which sentence, about which place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sahel.extract import geocode
from sahel.extract.actors_in_text import kind_of
from sahel.extract.claims import (
    SAME_SPEAKER,
    Claimant,
    dedupe_claims,
    find_claimants,
    find_claims,
    place_piece,
)
from sahel.extract.report import Report
from sahel.extract.split import Draft, SentenceInfo
from sahel.schema import Claim

# (paragraph, the last claimant named so far) of one sentence.
Speaker = tuple[int, Claimant]


def claim_speakers(infos: Sequence[SentenceInfo], report: Report) -> list[Speaker]:
    """Return per sentence its paragraph and the last claimant named up to it (else the outlet)."""
    outlet = Claimant(0, report.source or "outlet", "outlet")
    speakers: list[Speaker] = []
    for info in infos:
        found = find_claimants(info.sentence.text, claimant_groups(info))
        previous = speakers[-1] if speakers else None
        speakers.append((info.sentence.paragraph, found[-1]) if found else
                        previous or (info.sentence.paragraph, outlet))
    return speakers


def incident_claims(draft: Draft, infos: Sequence[SentenceInfo], report: Report,
                    civilians: bool | None = None, speakers: Sequence[Speaker] | None = None
                    ) -> list[Claim]:
    """Return the claims an incident's sentences make about its toll, each with its claimant.

    `speakers`: `claim_speakers(infos, report)`, when the caller has it (it reads every sentence).
    """
    outlet = Claimant(0, report.source or "outlet", "outlet")
    claims: list[Claim] = []
    if speakers is None:
        speakers = claim_speakers(infos, report)
    for i in draft.sentences():
        info = infos[i]
        default = outlet
        if i and (SAME_SPEAKER.search(info.sentence.text)
                  or speakers[i - 1][0] == info.sentence.paragraph):
            default = speakers[i - 1][1]  # "Il a fait état d'un bilan", "It said ..."
        masked = [(d.start, d.end) for d in info.dates] + [(p.start, p.end) for p in info.places]
        piece = piece_of(draft, info)
        stated = find_claims(info.sentence.text, claimant_groups(info), default=default,
                             masked=masked, within=piece, civilians=civilians)
        sharing = _sharing_places(info)
        if piece is None and sharing > 1 and draft.key.split("#")[0] in _place_keys(info):
            # "Attacks on A and B killed 23": each place's toll lies between an even share
            # (ACLED's split) and the whole total.
            stated = [replace(c, low=c.low // sharing, high=c.high if c.high else c.low)
                      if c.kind == "killed" and c.low else c for c in stated]
        claims += stated
    return dedupe_claims(claims)


def _place_keys(info: SentenceInfo) -> list[str]:
    return list(dict.fromkeys(geocode.place_key(p) for p in info.event_places()))


def _sharing_places(info: SentenceInfo) -> int:
    """Return how many places one sentence gives a single toll for ("A and B: 23 dead")."""
    return len(_place_keys(info))


def piece_of(draft: Draft, info: SentenceInfo) -> tuple[int, int] | None:
    """Return the part of a sentence naming several places that is about the draft's place."""
    towns = sorted({geocode.place_key(p): p for p in info.event_places()}.values(),
                   key=lambda p: p.start)
    keys = [geocode.place_key(p) for p in towns]
    mine = geocode.place_key(draft.place)
    if mine not in keys:
        return None
    return place_piece(info.sentence.text, [(p.start, p.end) for p in towns], keys.index(mine))


def claimant_groups(info: SentenceInfo) -> list[tuple[int, str]]:
    """Return (offset, canonical) of the armed groups named in a sentence, as claimants."""
    return [(m.start, m.canonical) for m in info.mentions
            if kind_of(m.canonical) in ("jihadist", "rebel", "militia")]
