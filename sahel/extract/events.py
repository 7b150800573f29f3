"""ACLED event type and sub-event type from cue words, as data tables (French, English).

A sentence carries cues (attack, clash, air strike, ...). An incident's type is decided from the
cues of the sentences that name its place ("primary") and of those attached to it ("secondary"),
by the ordered rules in `decide_event_type`.
"""

from __future__ import annotations

import re

# cue -> pattern on lower-cased text (accents kept: the text is French or English as written).
CUES: dict[str, str] = {
    "kill": r"tué(?:e|s|es)?|tuant|morts?|abattus?|décès|massacr\w*|exécut\w*|égorgé\w*|"
            r"neutralis\w*|neutraliz\w*|"
            r"killed|killing|dead|died|deaths?|death toll|massacr\w*|executed|shot dead|"
            r"gunned down|bodies|corps sans vie",
    "attack": r"attaqu\w*|attentat\w*|assaillants?|embuscade\w*|ciblée?s?|visée?s?|raid|"
              r"ouvert le feu|tiré sur|mitraill\w*|fusill\w*|pris(?:e|es)? pour cible|"
              r"pris(?:e|es)? à partie|"
              r"attack\w*|ambush\w*|raided|raids?|stormed|targeted|opened fire|fired on|"
              r"machine-gunned|bombings?|bomb attacks?",
    "clash": r"affrontements?|combats?|accrochages?|échanges? de tirs|repouss\w*|"
             r"mis en déroute|assauts?|"
             r"clash\w*|fighting|fought|battles?|gunfights?|firefights?|repelled|repulsed|"
             r"assault|combat",
    "overtake": r"pris le contrôle|prise de contrôle|pris possession|emparés?|s'est emparé\w*|"
                r"repris(?:e)?(?: en main)?|contrôle total|"
                r"took control|taken control|total control|taken over|took over|seized|"
                r"captured|recaptured|retook|retaken|(?:has|had) taken(?! (?:\w+ )?(?:weeks|days|"
                r"months|hours|years))",
    "suicide": r"kamikazes?|suicide|attentat-suicide|véhicule piégé|car bomb|svbied|vbied",
    "shelling": r"obus|mortiers?|roquettes?|artillerie|tirs indirects|"
                r"shell(?:s|ing|ed)?|mortars?|rockets?|artillery",
    "air": r"frappes? aériennes?|frappes? de drones?|bombardements? aériens?|raids? aériens?|"
           r"appui aérien|"
           r"air ?strikes?|airstrikes?|drone strikes?|air raids?|air support|aerial bombing|"
           r"(?:a|an|the) (?:\w+ )?strikes? (?:by|on|against|targeting|carried out)|"
           r"(?:une|la|des|les) frappes?(?= (?:de |d'|du |des |par |contre |menées? |française|"
           r"américaine))|"
           r"bombed from the air",
    # Aircraft alone are no event ("the army received two drones"); firing aircraft are.
    "aircraft": r"hélicoptères?|drones?|avions?|helicopters?|aircraft|planes?|jets?",
    "ied": r"engins? explosifs?|mines?|eei|bombe artisanale|"
           r"ieds?|landmines?|roadside bombs?|explosive devices?",
    "abduct": r"enl[eè]v\w*|kidnapp\w*|rapt|otages?|séquestr\w*|"
              r"(?:were|was|have been|had been) (?:seized|taken away|taken captive|taken)|"
              r"ont été emmenée?s|a été emmenée?|"
              r"kidnap\w*|abduct\w*|hostages?|taken captive",
    "protest": r"manifest\w*|marche de protestation|sit-in|rassemblement|"
               r"(?:se sont|s'est|ont|s'étaient|s'était) rassemblée?s?|"
               r"descendue?s? dans (?:la|les) rues?|"
               r"protest\w*|demonstrat\w*|rall(?:y|ies|ied)|took to the streets?|marched",
    "riot": r"émeut\w*|saccag\w*|riot\w*|mob|foule en colère|jeunes en colère|heurts|barricades?|"
            r"angry (?:youths?|crowds?|residents)|lynch\w*|vandalis\w*",
    "loot": r"pill\w*|butin|emporté|incendi\w*|brûl\w*|mis le feu|looted|looting|loot|torched|"
            r"burned|set (?:on )?fire|set ablaze",
}
CUE_PATTERNS: dict[str, re.Pattern[str]] = {
    cue: re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.IGNORECASE)
    for cue, pattern in CUES.items()
}
# Cues that make a sentence describe an event (rather than context or opinion).
EVENT_CUES = frozenset({"kill", "attack", "clash", "overtake", "suicide", "shelling", "air", "ied",
                        "abduct", "protest", "riot"})
GROUND_CUES = frozenset({"clash", "overtake"})
REMOTE_CUES = frozenset({"air", "shelling", "ied", "suicide"})
REMOTE_SUB_TYPES: tuple[tuple[str, str], ...] = (
    ("suicide", "Suicide bomb"),
    ("ied", "Remote explosive/landmine/IED"),
    ("shelling", "Shelling/artillery/missile attack"),
)

# Who was targeted: words for civilians and for military targets.
CIVILIAN_TARGET = re.compile(
    r"(?<![\w-])(?:civils?|civiles?|villageois|habitants|populations?|personnes|femmes|enfants|"
    r"fidèles|passagers|commerçants|orpailleurs|déplacés|mariage|hôtel|restaurant|marché|école|"
    r"fonctionnaires|ressortissants?|otages?|villages?|hameaux?|humanitaires|journalistes?|"
    r"enseignants?|élèves|"
    r"civilians?|villagers|residents|people|women|children|worshippers|passengers|traders|"
    r"wedding|marriage|ceremony|hotel|market|school|civil servants|citizens?|hostages?|"
    r"hamlets?|aid workers?|journalists?|teachers?|pupils|students)(?![\w-])",
    re.IGNORECASE)
MILITARY_TARGET = re.compile(
    r"(?<![\w-])(?:soldats?|militaires?|camps? militaires?|bases? militaires?|postes?|"
    r"garnisons?|détachements?|convois? militaires?|patrouilles?|gendarmes?|gendarmerie|"
    r"policiers?|armée|emprises|"
    r"soldiers?|troops|military|army|base|camp|outpost|post|garrison|detachment|convoy|"
    r"patrol|gendarmes?|police|policemen|members of the armed forces|"
    # Armed self-defence groups: an attack on them is a battle (ACLED), not one on civilians.
    r"self-defen[cs]e (?:group|fighters|militia)|groupes? d'autodéfense|miliciens?|militiamen|"
    r"vigilantes|volunteer fighters|koglweogos?)(?![\w-])",
    re.IGNORECASE)


def find_cues(text: str) -> frozenset[str]:
    """Return the cue names present in `text` ("aircraft" counts as "air" only when it fires)."""
    found = {cue for cue, pattern in CUE_PATTERNS.items() if pattern.search(text)}
    if "aircraft" in found and found & {"attack", "kill"}:
        found.add("air")
    found.discard("aircraft")
    return frozenset(found)


def incident_categories(cues: frozenset[str], text: str) -> frozenset[str]:
    """Split a sentence's cues into incident categories: violence, abduction, protest.

    ACLED codes an abduction apart from a battle in the same place, and each protest apart.
    """
    out = set()
    violent = cues & {"kill", "attack", "clash", "overtake", "suicide", "shelling", "air", "ied",
                      "riot", "loot"}
    if "abduct" in cues and violent <= {"overtake"}:
        violent = frozenset()  # "about 40 women were seized": people taken, not a place
    if violent:
        out.add("violence")
    if "abduct" in cues and (not out or "kill" not in cues):
        out.add("abduction")
    if "protest" in cues:
        out.add("protest")
    if out == {"violence", "abduction"} and "kill" in cues:
        out.discard("abduction")
    return frozenset(out)


def decide_event_type(category: str, primary: frozenset[str], secondary: frozenset[str],
                      target: str, actor1_is_state: bool) -> tuple[str, str]:
    """Return (event_type, sub_event_type) for an incident by ordered rules."""
    cues = primary | secondary
    if category == "protest":
        if cues & {"riot", "loot"} or "clash" in primary:
            # Protesters who storm, loot, burn or clash: ACLED's violent demonstration.
            return "Riots", "Violent demonstration"
        return "Protests", "Peaceful protest"
    if category == "abduction":
        return "Violence against civilians", "Abduction/forced disappearance"
    if "riot" in primary:
        return "Riots", "Mob violence"
    remote = primary & REMOTE_CUES
    if target == "civilians" and cues & {"kill", "attack"} and "clash" not in cues \
            and not remote:
        return "Violence against civilians", "Attack"
    if cues & GROUND_CUES:
        if "overtake" in cues:
            return "Battles", ("Government regains territory" if actor1_is_state
                               else "Non-state actor overtakes territory")
        return "Battles", "Armed clash"
    if "air" in primary:
        return "Explosions/Remote violence", "Air/drone strike"
    for cue, sub_type in REMOTE_SUB_TYPES:
        if cue in primary:
            return "Explosions/Remote violence", sub_type
    if target == "civilians" and cues & {"kill", "attack"}:
        return "Violence against civilians", "Attack"
    if "riot" in cues:
        return "Riots", "Mob violence"
    if cues & {"loot"} and not cues & {"kill", "attack"}:
        return "Strategic developments", "Looting/property destruction"
    return "Battles", "Armed clash"
