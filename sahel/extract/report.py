"""Read a news report: the report-file format of the evaluation set, or plain text plus metadata."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import BinaryIO

# Header keys we use; any other key (NOTE, KIND, ...) is read and ignored on purpose: it may hold
# annotator's remark that must not leak into extraction.
HEADER_KEYS = ("URL", "SOURCE", "PUBLISHED", "LANG", "TITLE")
_HEADER_LINE = re.compile(r"^([A-Z][A-Z_]*):\s?(.*)$")
# A publication day in a file name: "rfi_2023-11-25_jnim_niafunke_goundam.txt".
_NAME_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
NO_PUBLISHED = ("no publication date (a PUBLISHED: header line, or a date like 2023-11-25 in the "
                "file name): events dated only by a weekday, \"yesterday\" or a day and month "
                "without a year cannot be placed in time and are left out")

# Small function-word lists are enough to tell French from English in a news report.
_FRENCH_WORDS = frozenset("le la les des du une est sont dans avec pour selon ont été qui sur au "
                          "aux cette ces leur lors".split())
_ENGLISH_WORDS = frozenset("the of and in to was were is are with for said on by at from has have "
                           "that which their".split())


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


def detect_language(text: str) -> str:
    """Return "fr" or "en" by counting common function words."""
    words = re.findall(r"[a-zà-ÿ]+", text.lower())
    french = sum(w in _FRENCH_WORDS for w in words)
    english = sum(w in _ENGLISH_WORDS for w in words)
    return "en" if english > french else "fr"


def parse_published(value: str) -> tuple[date | None, str]:
    """Parse `YYYY-MM-DD`, `YYYY-MM`, `YYYY` or `unknown` into a date and its precision."""
    value = value.strip()
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value):
        return date(int(m[1]), int(m[2]), int(m[3])), "day"
    if m := re.fullmatch(r"(\d{4})-(\d{2})", value):
        return date(int(m[1]), int(m[2]), 1), "month"
    if m := re.fullmatch(r"(\d{4})", value):
        return date(int(m[1]), 1, 1), "year"
    return None, "unknown"


def make_report(text: str, published: date | str | None = None, lang: str | None = None,
                source: str = "", url: str = "", title: str = "", name: str = "",
                published_from: str = "") -> Report:
    """Build a Report from plain text; the language is detected when not given."""
    if isinstance(published, str):
        day, precision = parse_published(published)
    else:
        day, precision = published, ("day" if published else "unknown")
    return Report(text=text, published=day, published_precision=precision,
                  lang=lang or detect_language(f"{title}\n{text}"), source=source, url=url,
                  title=title, name=name, published_from=published_from if day else "")


def date_in_name(name: str) -> date | None:
    """Return the YYYY-MM-DD day a file name holds ("rfi_2023-11-25_….txt"), if a real one."""
    for m in _NAME_DATE.finditer(name):
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            continue
    return None


def with_published(report: Report, day: date | None, source: str) -> Report:
    """Return `report` published on `day` (from `source`) when it has no publication date."""
    if report.published is not None or day is None:
        return report
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


def read_report(source: str | Path | BinaryIO, name: str | None = None) -> Report:
    """Read a report from a path, a binary file object, or the report text itself.

    A file whose header gives no publication date is taken as published on the day its name
    holds, if any (`published_from` says "the file name").
    """
    if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source
                                    and len(source) < 500 and Path(source).is_file()):
        path = Path(source)
        report = parse_report_text(path.read_text(encoding="utf-8"), name=name or path.stem)
        return with_published(report, date_in_name(path.name), "the file name")
    if isinstance(source, str):
        return parse_report_text(source, name=name or "")
    data = source.read()
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else str(data)
    file_name = str(getattr(source, "name", "") or "")
    label = name or Path(file_name or "report").stem
    report = parse_report_text(text, name=label)
    return with_published(report, date_in_name(Path(file_name or label).name),
                          "the file name")


__all__ = ["Report", "detect_language", "make_report", "parse_published", "parse_report_text",
           "read_report"]
