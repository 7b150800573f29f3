"""Read a news report: the report-file format of the evaluation set, or plain text plus metadata.

Whatever is handed in, a read either gives a Report or raises ReportError with one sentence that
says what is wrong and what to do: bytes are UTF-8 (with or without BOM), UTF-16 with a BOM, or
else Windows-1252 when they are valid in it; binary data, an empty report and one over
MAX_REPORT_CHARS are refused. A publication day that is not a calendar day between
EARLIEST_PUBLISHED and a year after today is not used: the report counts as undated and
`Report.warnings` says why.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import BinaryIO

# Header keys we use; any other key (NOTE, KIND, ...) is read and ignored on purpose: it may hold
# annotator's remark that must not leak into extraction.
HEADER_KEYS = ("URL", "SOURCE", "PUBLISHED", "LANG", "TITLE")
_HEADER_LINE = re.compile(r"^([A-Z][A-Z_]*):\s?(.*)$")
# A publication day in a file name: "rfi_2023-11-25_jnim_niafunke_goundam.txt".
_NAME_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
# The longest report read (characters of the whole file or paste). Extraction is linear, ~5 s per
# 100,000 characters on a small machine; real reports are under 20,000. Longer text is refused
# with a message, not cut, so no incident is silently lost.
MAX_REPORT_CHARS = 200_000
# UTF-8 takes at most 4 bytes a character: a file larger than this cannot be within the limit.
MAX_REPORT_BYTES = 4 * MAX_REPORT_CHARS + 4
EARLIEST_PUBLISHED = date(1946, 1, 1)
# Bytes Windows-1252 leaves undefined: a file holding them is not Windows text either.
_CP1252_HOLES = frozenset(b"\x81\x8d\x8f\x90\x9d")
# Control characters other than tab, line breaks (Word writes \x0b for a manual one), form feed
# and carriage return: binary data.
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
NO_PUBLISHED = ("no publication date (a PUBLISHED: header line, or a date like 2023-11-25 in the "
                "file name): events dated only by a weekday, \"yesterday\" or a day and month "
                "without a year cannot be placed in time and are left out")

# Small function-word lists are enough to tell French from English in a news report.
_FRENCH_WORDS = frozenset("le la les des du une est sont dans avec pour selon ont été qui sur au "
                          "aux cette ces leur lors".split())
_ENGLISH_WORDS = frozenset("the of and in to was were is are with for said on by at from has have "
                           "that which their".split())


# Each report added is a dataset of its own, so that two reports of one event can be linked
# (records of one dataset never are): "report: <title or file name> [<6 hex>]".
DATASET_PREFIX = "report: "
DATASET_LABEL_CHARS = 80


class ReportError(ValueError):
    """A report that cannot be read: one sentence that says why and what to do."""


@dataclass(frozen=True)
class Report:
    """One news report: body text and what is known about its publication."""

    text: str
    published: date | None = None
    published_precision: str = "unknown"  # "day", "month", "year" or "unknown"
    lang: str = "fr"
    source: str = ""
    url: str = ""
    title: str = ""
    name: str = ""  # the file stem ("001") or a caller-chosen label
    published_from: str = ""  # where the date came from: "the header", "the file name", …
    warnings: tuple[str, ...] = ()  # what was read but not used (an impossible PUBLISHED day)


def report_dataset_name(report: Report) -> str:
    """Return the dataset name of a report's incidents: its title (else its file name, its
    outlet) and 6 hex digits of its URL or, without one, of its text.

    Two reports never share a name (the digits), and the same report added again keeps its
    name (its incidents' ids are made from the same URL or text).
    """
    label = " ".join((report.title or report.name or report.source or "pasted text").split())
    if len(label) > DATASET_LABEL_CHARS:
        label = label[:DATASET_LABEL_CHARS - 1].rstrip() + "…"
    origin = report.url or report.text
    digest = hashlib.sha1(origin.encode("utf-8", "replace")).hexdigest()[:6]
    return f"{DATASET_PREFIX}{label} [{digest}]"


def detect_language(text: str) -> str:
    """Return "fr" or "en" by counting common function words."""
    words = re.findall(r"[a-zà-ÿ]+", text.lower())
    french = sum(w in _FRENCH_WORDS for w in words)
    english = sum(w in _ENGLISH_WORDS for w in words)
    return "en" if english > french else "fr"


def latest_published() -> date:
    """Return the latest plausible publication day: a year after today."""
    return date.today() + timedelta(days=366)


def plausible_published(day: date) -> bool:
    """Tell whether `day` can be a publication day (EARLIEST_PUBLISHED to a year ahead)."""
    return EARLIEST_PUBLISHED <= day <= latest_published()


def implausible_published(value: object) -> str:
    """Return the warning for a publication day that is not used."""
    return (f"publication date {value} is not a calendar day between "
            f"{EARLIEST_PUBLISHED.isoformat()} and {latest_published().isoformat()}: "
            "the report is taken as undated")


def parse_published(value: str) -> tuple[date | None, str]:
    """Parse `YYYY-MM-DD`, `YYYY-MM`, `YYYY` or `unknown` into a date and its precision.

    A value that is not a plausible day (2023-02-30, 0000-01-01, 9999-12-31) is unknown.
    """
    value = value.strip()
    for pattern, precision in ((r"(\d{4})-(\d{2})-(\d{2})", "day"), (r"(\d{4})-(\d{2})", "month"),
                               (r"(\d{4})", "year")):
        if m := re.fullmatch(pattern, value, re.ASCII):
            parts = [int(g) for g in m.groups()] + [1, 1]
            try:
                day = date(parts[0], parts[1], parts[2])
            except ValueError:
                return None, "unknown"
            return (day, precision) if plausible_published(day) else (None, "unknown")
    return None, "unknown"


def make_report(text: str, published: date | str | None = None, lang: str | None = None,
                source: str = "", url: str = "", title: str = "", name: str = "",
                published_from: str = "") -> Report:
    """Build a Report from plain text; the language is detected when not given."""
    warnings: tuple[str, ...] = ()
    if isinstance(published, str):
        day, precision = parse_published(published)
        if day is None and published.strip().lower() not in ("", "unknown") and re.match(
                r"\d", published.strip()):
            warnings = (implausible_published(published.strip()),)
    else:
        day, precision = published, ("day" if published else "unknown")
        if day is not None and not plausible_published(day):
            day, precision, warnings = None, "unknown", (implausible_published(day),)
    return Report(text=text, published=day, published_precision=precision,
                  lang=lang or detect_language(f"{title}\n{text}"), source=source, url=url,
                  title=title, name=name, published_from=published_from if day else "",
                  warnings=warnings)


def date_in_name(name: str) -> date | None:
    """Return the YYYY-MM-DD day a file name holds ("rfi_2023-11-25_….txt"), if a real one."""
    for m in _NAME_DATE.finditer(name):
        try:
            day = date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            continue
        if plausible_published(day):
            return day
    return None


def with_published(report: Report, day: date | None, source: str) -> Report:
    """Return `report` published on `day` (from `source`) when it has no publication date."""
    if report.published is not None or day is None:
        return report
    if not plausible_published(day):
        return replace(report, warnings=(*report.warnings, implausible_published(day)))
    return replace(report, published=day, published_precision="day", published_from=source)


def parse_report_text(raw: str, name: str = "") -> Report:
    """Parse report-file text (header lines, `---`, body); text without a header is the body."""
    raw = raw.replace("\r\n", "\n").lstrip("\ufeff")
    lines = raw.split("\n")
    header: dict[str, str] = {}
    if "---" in (line.strip() for line in lines):
        cut = [line.strip() for line in lines].index("---")
        head = lines[:cut]
        if head and all(_HEADER_LINE.match(line) or not line.strip() for line in head):
            for line in head:
                if m := _HEADER_LINE.match(line):
                    header[m[1]] = m[2].strip()
            lines = lines[cut + 1:]
    body = "\n".join(lines).strip()
    lang = header.get("LANG", "").lower() or None
    return make_report(body, published=header.get("PUBLISHED", "unknown"),
                       lang=lang if lang in ("fr", "en") else None, source=header.get("SOURCE", ""),
                       url=header.get("URL", ""), title=header.get("TITLE", ""), name=name,
                       published_from="the header")


def decode_report(data: bytes) -> str:
    """Return the text of report bytes (UTF-8 with or without BOM, UTF-16 with BOM, cp1252).

    Raise ReportError for binary data and for bytes that are none of these.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise ReportError("the file starts like UTF-16 text but is not: save the report "
                              "as UTF-8 text") from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            if b"\x00" in data:
                raise ReportError("a binary file, not text (it holds NUL bytes): give a .txt "
                                  "report") from None
            if not _CP1252_HOLES.isdisjoint(data):
                line = data[:error.start].count(b"\n") + 1
                raise ReportError(
                    f"not text (byte 0x{data[error.start]:02x} on line {line} is neither UTF-8 "
                    "nor Windows-1252): upload or give a .txt report saved as UTF-8") from None
            # Word and Notepad on Windows save "ANSI" text in cp1252: accents must survive.
            text = data.decode("cp1252")
    check_text(text)
    return text


def check_text(text: str) -> None:
    """Raise ReportError when `text` is binary data, empty or longer than MAX_REPORT_CHARS."""
    if len(text) > MAX_REPORT_CHARS:
        raise ReportError(f"the report is {len(text):,} characters long, over the limit of "
                          f"{MAX_REPORT_CHARS:,}: split it into several reports")
    if (found := _BINARY.search(text)) is not None:
        raise ReportError(f"not text: control character U+{ord(found.group(0)):04X} at "
                          f"character {found.start() + 1:,} (is this a binary file?); give a "
                          ".txt report")
    if not text.strip("\ufeff \t\r\n\x0c"):
        raise ReportError("the report is empty: there is no text to extract from")


def read_report(source: str | Path | BinaryIO, name: str | None = None) -> Report:
    """Read a report from a path, a binary file object, or the report text itself.

    A file whose header gives no publication date is taken as published on the day its name
    holds, if any (`published_from` says "the file name"). Raise ReportError when it cannot be
    read (missing, a folder, not text, empty, too long, or a header with no body).
    """
    if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source
                                    and len(source) < 500 and _is_file(source)):
        path = Path(source)
        report = parse_report_text(decode_report(_read_bytes(path)), name=name or path.stem)
        return _with_body(with_published(report, date_in_name(path.name), "the file name"))
    if isinstance(source, str):
        check_text(source)
        return _with_body(parse_report_text(source, name=name or ""))
    data = source.read(MAX_REPORT_BYTES + 1)
    if isinstance(data, bytes):
        if len(data) > MAX_REPORT_BYTES:
            raise ReportError(f"the file is over {MAX_REPORT_BYTES:,} bytes, longer than the "
                              f"limit of {MAX_REPORT_CHARS:,} characters: split it into several "
                              "reports")
        text = decode_report(data)
    else:
        text = str(data)
        check_text(text)
    file_name = str(getattr(source, "name", "") or "")
    label = name or Path(file_name or "report").stem
    report = parse_report_text(text, name=label)
    return _with_body(with_published(report, date_in_name(Path(file_name or label).name),
                                     "the file name"))


def _is_file(source: str) -> bool:
    try:
        return Path(source).is_file()
    except (OSError, ValueError):  # a NUL in the text, a name too long for the system
        return False


def _read_bytes(path: Path) -> bytes:
    """Return a report file's bytes, or raise ReportError saying why it cannot be read."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_REPORT_BYTES + 1)
    except FileNotFoundError:
        raise ReportError("no such file") from None
    except IsADirectoryError:
        raise ReportError("a folder, not a report file: name the .txt files in it") from None
    except PermissionError:
        raise ReportError("cannot be read: permission denied") from None
    except OSError as error:
        raise ReportError(f"cannot be read: {error.strerror or error}") from None
    if len(data) > MAX_REPORT_BYTES:
        raise ReportError(f"the file is over {MAX_REPORT_BYTES:,} bytes, longer than the limit "
                          f"of {MAX_REPORT_CHARS:,} characters: split it into several reports")
    if not data:
        raise ReportError("empty file: there is no text to extract from")
    return data


def _with_body(report: Report) -> Report:
    if not report.text.strip():
        raise ReportError("the report has a header but no text after its '---' line")
    return report


__all__ = ["DATASET_PREFIX", "MAX_REPORT_CHARS", "Report", "ReportError", "check_text",
           "decode_report", "detect_language", "make_report", "parse_published",
           "parse_report_text", "read_report", "report_dataset_name"]
