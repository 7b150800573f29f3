"""What reading a report says (refusals, warnings, where the publication day came from), in the
page's language.

`report.py` writes its sentences in English: the command line prints them so, and tests and bug
reports quote them. The "Add from report" page shows them through `shown`: each sentence is a
pattern here with its message marked for translation; the values it holds (a byte, a date, a
count) are kept, numbers re-formatted for the language. A sentence no pattern knows is shown as
it is, in English.
"""

from __future__ import annotations

import re

from sahel.extract.report import NO_PUBLISHED
from sahel.i18n import N_, _, format_number

# A count as report.py writes it ("200,000"): re-formatted for the language when shown.
_COUNT = r"(?P<{}>[\d,]+)"
NUMBERS: tuple[str, ...] = ("count", "limit", "size", "position", "line")
MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern + "$"), message) for pattern, message in (
        (r"the file starts like UTF-16 text but is not: save the report as UTF-8 text",
         N_("the file starts like UTF-16 text but is not: save the report as UTF-8 text")),
        (r"a binary file, not text \(it holds NUL bytes\): give a \.txt report",
         N_("a binary file, not text (it holds NUL bytes): give a .txt report")),
        (r"not text \(byte (?P<byte>0x[0-9a-f]{2}) on line " + _COUNT.format("line")
         + r" is neither UTF-8 nor Windows-1252\): upload or give a \.txt report saved as UTF-8",
         N_("not text (byte {byte} on line {line} is neither UTF-8 nor Windows-1252): upload "
            "or give a .txt report saved as UTF-8")),
        (r"the report is " + _COUNT.format("count") + r" characters long, over the limit of "
         + _COUNT.format("limit") + r": split it into several reports",
         N_("the report is {count} characters long, over the limit of {limit}: split it into "
            "several reports")),
        (r"not text: control character (?P<char>U\+[0-9A-F]{4,6}) at character "
         + _COUNT.format("position") + r" \(is this a binary file\?\); give a \.txt report",
         N_("not text: control character {char} at character {position} (is this a binary "
            "file?); give a .txt report")),
        (r"the report is empty: there is no text to extract from",
         N_("the report is empty: there is no text to extract from")),
        (r"the file is over " + _COUNT.format("size") + r" bytes, longer than the limit of "
         + _COUNT.format("limit") + r" characters: split it into several reports",
         N_("the file is over {size} bytes, longer than the limit of {limit} characters: split "
            "it into several reports")),
        (r"empty file: there is no text to extract from",
         N_("empty file: there is no text to extract from")),
        (r"the report has a header but no text after its '---' line",
         N_("the report has a header but no text after its '---' line")),
        (r"publication date (?P<value>.+) is not a calendar day between (?P<first>\S+) and "
         r"(?P<last>\S+): the report is taken as undated",
         N_("publication date {value} is not a calendar day between {first} and {last}: the "
            "report is taken as undated")),
        # The same words as NO_PUBLISHED, written out so the catalogue tools find them.
        (re.escape(NO_PUBLISHED),
         N_("no publication date (a PUBLISHED: header line, or a date like 2023-11-25 in the "
            "file name): events dated only by a weekday, \"yesterday\" or a day and month "
            "without a year cannot be placed in time and are left out")),
        # Where the publication day came from (`Report.published_from`).
        (r"the header", N_("the header")),
        (r"the file name", N_("the file name")),
        (r"the Published field", N_("the Published field")),
    ))


def shown(sentence: str) -> str:
    """Return one of report.py's sentences in the current language (as it is if unknown)."""
    for pattern, message in MESSAGES:
        found = pattern.match(sentence)
        if found is None:
            continue
        values = found.groupdict()
        for name in NUMBERS:
            if values.get(name):
                values[name] = format_number(int(values[name].replace(",", "")))
        return _(message).format(**values)
    return sentence


def sentence_case(text: str) -> str:
    """Return `text` with its first letter a capital, as a message on its own starts."""
    return text[:1].upper() + text[1:]
