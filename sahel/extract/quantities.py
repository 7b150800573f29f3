"""Numbers of people in French and English news text, with documented rules for vague quantities.

Vague-quantity rules (ACLED codes the most conservative reading; we keep the exact words too):
- "une cinquantaine", "about 50", "près de 50", "environ 50": low = high = 50 (approximate).
- "une douzaine"/"a dozen" = 12, "une dizaine" = 10, "une vingtaine" = 20, ... "une centaine" = 100.
- "des dizaines", "plusieurs dizaines", "tens of": low 10, high unknown (ACLED: "tens" = 10).
- "dozens", "several dozen": low 12, high unknown (ACLED: "dozens" = 12).
- "des centaines", "hundreds", "several hundred": low 100; "thousands", "des milliers": low 1000.
- "plusieurs", "several", "quelques", "a few": low 2 (the least the word can mean), high unknown.
- "at least N", "au moins N", "more than N", "plus de N", "over N": low N, high unknown.
- "up to N", "jusqu'à N": low unknown, high N.
- "N to M", "N ou M", "entre N et M", "between N and M": low N, high M.
- "heavy losses", "pertes importantes", "a significant number": low and high unknown.
- A number over MAX_COUNT (10,000) is not a count of people in one event: no toll in the region
  comes near it (the deadliest claims are in the hundreds); such a figure is a population, a sum
  or noise ("99999999999999999999999 civils") and is not read as a toll at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

UNITS: dict[str, int] = {
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
    "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14,
    "quinze": 15, "seize": 16, "vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50,
    "soixante": 60, "cent": 100, "cents": 100, "mille": 1000,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six_": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100, "a hundred": 100, "thousand": 1000,
}
# Approximate round numbers: "une cinquantaine" means about 50.
APPROX_NOUNS: dict[str, int] = {
    "dizaine": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30,
    "quarantaine": 40, "cinquantaine": 50, "soixantaine": 60, "centaine": 100, "millier": 1000,
    "dozen": 12, "score": 20,
}
# Plural vague quantities: (low, high); None = unknown.
VAGUE: dict[str, tuple[int | None, int | None]] = {
    "plusieurs dizaines": (10, None), "des dizaines": (10, None), "dizaines": (10, None),
    "tens of": (10, None), "several dozen": (12, None), "dozens": (12, None),
    "plusieurs centaines": (100, None), "des centaines": (100, None), "centaines": (100, None),
    "several hundred": (100, None), "hundreds": (100, None), "des milliers": (1000, None),
    "thousands": (1000, None), "plusieurs": (2, None), "several": (2, None),
    "quelques": (2, None), "a few": (2, None), "a number of": (2, None),
    "heavy losses": (None, None), "heavy casualties": (None, None),
    "pertes importantes": (None, None), "lourdes pertes": (None, None),
    "de nombreux": (None, None), "many": (None, None), "significant number": (None, None),
    "unspecified number": (None, None), "nombre indéterminé": (None, None),
}
AT_LEAST = ("au moins", "at least", "plus de", "plus d'", "more than", "over", "upwards of",
            "pas moins de", "no fewer than")
AT_MOST = ("jusqu'à", "up to", "as many as", "moins de", "fewer than", "less than")
ABOUT = ("environ", "about", "around", "près de", "nearly", "almost", "approximately", "some",
         "roughly", "quelque")

_WORDS = "|".join(sorted((w for w in UNITS if not w.endswith("_")), key=len, reverse=True)) + "|six"
_NUMBER = rf"(?:\d{{1,3}}(?:[ ,.]\d{{3}})+|\d+|(?:{_WORDS})(?:[- ](?:et[- ])?(?:{_WORDS}))*)"
_PREFIX = "|".join(re.escape(p) for p in sorted(AT_LEAST + AT_MOST + ABOUT, key=len, reverse=True))
_APPROX = "|".join(APPROX_NOUNS)
_VAGUE = "|".join(re.escape(v) for v in sorted(VAGUE, key=len, reverse=True))
QUANTITY = re.compile(
    rf"(?<![\w-])(?:(?P<prefix>{_PREFIX})\s+)?(?:"
    rf"(?:entre|between)\s+(?P<lo>{_NUMBER})\s+(?:et|and)\s+"
    rf"(?:(?P<hi>{_NUMBER})|(?:several|plusieurs)\s+(?:hundred|centaines)|hundreds)"
    rf"|(?P<a>{_NUMBER})(?:\s+(?:à|ou|to|or)\s+|\s*[-–]\s*(?=\d))(?P<b>{_NUMBER})"
    rf"(?!\s*(?:h\b|heures|hours))"
    rf"|(?:une?|a|an)\s+(?P<approx>{_APPROX})s?"
    rf"|(?P<vague>{_VAGUE})"
    rf"|(?P<n>{_NUMBER}))(?![\w-])",
    re.IGNORECASE)


MAX_COUNT = 10_000


@dataclass(frozen=True)
class Quantity:
    """A number of people (or things) in text: span and low/high (None when unknown)."""

    start: int
    end: int
    text: str
    low: int | None
    high: int | None


def number_value(text: str) -> int | None:
    """Return the value of a written number ("71", "5,100", "quatre-vingt", "twenty-five")."""
    text = text.strip().lower()
    digits = re.sub(r"[ ,.]", "", text)
    if digits.isdigit():
        return int(digits)
    total = 0
    current = 0
    for word in re.split(r"[- ]+", text):
        if word == "et":
            continue
        value = UNITS.get(word)
        if value is None:
            return None
        if value in (100, 1000):
            current = max(current, 1) * value
            if value == 1000:
                total, current = total + current, 0
        elif word == "vingt" and current == 4:  # quatre-vingt
            current = 80
        else:
            current += value
    return total + current or None


def find_quantities(text: str) -> list[Quantity]:
    """Return the quantities in `text` with their low/high by the rules of this module."""
    out: list[Quantity] = []
    for m in QUANTITY.finditer(text):
        prefix = (m["prefix"] or "").lower()
        low: int | None
        high: int | None
        if m["lo"] or m["a"]:
            low = number_value(m["lo"] or m["a"])
            upper = m["hi"] or m["b"]
            high = number_value(upper) if upper else None
        elif m["approx"]:
            low = high = APPROX_NOUNS[m["approx"].lower()]
        elif m["vague"]:
            low, high = VAGUE[m["vague"].lower()]
        else:
            low = high = number_value(m["n"])
            if low is None:
                continue
            # A four-digit number in 1900-2099 is a year, not a toll.
            if m["n"].isdigit() and len(m["n"]) == 4 and 1900 <= low <= 2099 and not prefix:
                continue
        if prefix in AT_LEAST:
            high = None
        elif prefix in AT_MOST:
            low = None
        if m["n"] and m["n"].lower() in ("un", "une", "one") and not prefix:
            continue  # the article "un/une", not a count
        if any(v is not None and v > MAX_COUNT for v in (low, high)):
            continue
        out.append(Quantity(m.start(), m.end(), m.group(0), low, high))
    return out
