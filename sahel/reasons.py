"""Why a row was rejected or skipped, in the reader's language.

The readers write their reasons in English, and the rejects CSV and the CLI keep them so (they
are read by scripts and quoted in bug reports). A page shows them translated: each kind of
reason is a pattern here with its message marked for translation, and the names it holds
(column names, listed vocabularies) are kept as written. A reason no pattern knows is shown as
it is, in English.
"""

from __future__ import annotations

import re

from sahel.i18n import DEFAULT_LANGUAGE, N_, _, current_language, format_number

# A column or field name as the readers write it (`event_date`, `claims`, `low`).
_NAME = r"`?(?P<column>[a-z_0-9]+)`?"
_COUNT = r"(?P<{}>-?[\d,]+)"
# (pattern over a whole reason or its kind, message): first match wins; numbers named low,
# high, count are re-formatted for the language.
REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), message) for pattern, message in (
        (r"missing " + _NAME, N_("missing {column}")),
        (r"no " + _NAME, N_("no {column}")),
        (r"unparseable " + _NAME + r"(?P<value> .+)?", N_("unparseable {column}{value}")),
        (r"negative " + _NAME, N_("negative {column}")),
        (_NAME + r"(?P<value> .+)? is not a whole number", N_("{column}{value} is not a whole "
                                                              "number")),
        (_NAME + r" not 1, (?:2 )?or(?: 3)?", N_("{column} not 1, 2 or 3")),
        (_NAME + r"(?P<value> .+)? above " + _COUNT.format("high"),
         N_("{column}{value} above {high}")),
        (_NAME + r"(?P<value> '.+')? outside (?P<first>\d{4}-\d\d-\d\d) to "
         r"(?P<last>\d{4}-\d\d-\d\d)", N_("{column}{value} outside {first} to {last}")),
        (_NAME + r"(?P<value> .+)? outside " + _COUNT.format("low") + "–" + _COUNT.format("high"),
         N_("{column}{value} outside {low}–{high}")),
        (_NAME + r" outside ±(?P<high>\d+)", N_("{column} outside ±{high}")),
        (r"ambiguous " + _NAME + r"(?P<value> .+)? \(day or month first\? the file has dates of "
         r"both orders\)", N_("ambiguous {column}{value} (day or month first? the file has "
                              "dates of both orders)")),
        (r"ambiguous " + _NAME + r"(?P<value> .+)? \(day or month first\? no date of the file "
         r"decides\)", N_("ambiguous {column}{value} (day or month first? no date of the file "
                          "decides)")),
        (r"latitude/longitude out of range", N_("latitude/longitude out of range")),
        (r"latitude/longitude swapped\?", N_("latitude/longitude swapped?")),
        (r"point in the sea or outside Africa", N_("point in the sea or outside Africa")),
        (r"coordinates 0,0 \(a placeholder, not a place\)",
         N_("coordinates 0,0 (a placeholder, not a place)")),
        (r"duplicate event_id(?P<value> .+)?", N_("duplicate event_id{value}")),
        (r"older revision of event_id(?P<value> .+)?", N_("older revision of event_id{value}")),
        (r"wrong number of cells", N_("wrong number of cells")),
        (r"a cell longer than " + _COUNT.format("count") + " characters",
         N_("a cell longer than {count} characters")),
        (r"the file ends inside a quoted cell \(cut off\?\): this record is incomplete",
         N_("the file ends inside a quoted cell (cut off?): this record is incomplete")),
        (r"feature is not valid JSON", N_("feature is not valid JSON")),
        (r"feature nested too deeply to read", N_("feature nested too deeply to read")),
        (r"invalid claims: (?P<problem>.+)", N_("invalid claims: {problem}")),
        (r"claims is not valid JSON", N_("claims is not valid JSON")),
        (r"claims is not a JSON list", N_("claims is not a JSON list")),
        (r"claims is not text but (?P<value>\w+)", N_("claims is not text but {value}")),
        (r"claims longer than " + _COUNT.format("count") + " characters",
         N_("claims longer than {count} characters")),
        (r"more than " + _COUNT.format("count") + " claims", N_("more than {count} claims")),
        (r"claim (?P<count>\d+): (?P<problem>.+)", N_("claim {count}: {problem}")),
        (r"not a JSON object", N_("not a JSON object")),
        (r"unknown field(?P<value> .+)?", N_("unknown field{value}")),
        (_NAME + r" missing or not text", N_("{column} missing or not text")),
        (r"(?P<column>role|kind)(?P<value> .+)? is not one of (?P<names>.+)",
         N_("{column}{value} is not one of {names}")),
        (r"`low` above `high`", N_("`low` above `high`")),
        (r"(?P<column>[a-z_0-9]+) not a whole number from -128 to 127",
         N_("{column} not a whole number from -128 to 127")),
        (r"(?P<column>[a-z_0-9]+) not a whole number within 64 bits",
         N_("{column} not a whole number within 64 bits")),
        (r"(?P<column>[a-z_0-9]+) not a finite number", N_("{column} not a finite number")),
        (r"(?P<column>[a-z_0-9]+) not a date from 1677-09-22 to 2262-04-11",
         N_("{column} not a date from 1677-09-22 to 2262-04-11")),
        (r"(?P<column>[a-z_0-9]+) not readable", N_("{column} not readable")),
        (r"not a readable Parquet file", N_("not a readable Parquet file")),
    ))
# Fields holding a nested reason, translated in turn.
_NESTED = ("problem",)
_NUMBERS = ("count", "low", "high")


def translate_reason(reason: str) -> str:
    """Return a reject or skip reason (or several, "; "-joined) in the current language."""
    if current_language() == DEFAULT_LANGUAGE:
        return reason
    return "; ".join(_translate_one(part) for part in reason.split("; "))


def _translate_one(reason: str) -> str:
    for pattern, message in REASONS:
        match = pattern.fullmatch(reason)
        if match is None:
            continue
        fields = {name: value or "" for name, value in match.groupdict().items()}
        for name in _NESTED:
            if name in fields:
                fields[name] = _translate_one(fields[name])
        for name in _NUMBERS:
            if fields.get(name):
                fields[name] = format_number(int(fields[name].replace(",", "")))
        return _(message).format(**fields)
    return reason
