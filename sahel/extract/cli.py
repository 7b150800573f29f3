"""`python -m sahel extract REPORT... --jsonl OUT [--add] [--store DIR]`.

Each report is read and extracted on its own: one that cannot be read or extracted is named on
standard error with one sentence, the others go on, and the command exits 2 at the end.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the pipeline loads spaCy: only `extract` itself should pay for it
    from sahel.extract.pipeline import Extraction

# Keys of one JSON line: the scorer's fields first, then what an analyst needs to check them.
JSONL_KEYS: tuple[str, ...] = (
    "article", "event_id", "event_date", "time_precision", "date_reason", "location",
    "latitude", "longitude", "geo_precision", "country", "country_name", "admin1", "admin2",
    "actor1", "actor1_text", "actor1_qualifier", "actor2", "actor2_text", "event_type",
    "sub_event_type", "fatalities", "fatalities_low", "fatalities_high", "claims", "flags",
    "source", "source_url", "background",
)
EXIT_FAILED = 2  # some report could not be read or extracted (argparse's usage errors are 2 too)
# Control characters (terminal escapes) and bidirectional overrides in a file name or message
# must not reach the terminal.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def add_extract_command(sub: Any) -> None:
    """Register `extract REPORT... --jsonl OUT [--add] [--store DIR]` on the sub-commands."""
    parser = sub.add_parser(
        "extract", help="propose incidents from news reports (French or English)",
        description="Read report files (header lines, '---', body; or plain text), write one "
                    "proposed incident per JSON line, and optionally add them to the store.",
        epilog="Reports are UTF-8 (with or without BOM), UTF-16 with a BOM, or Windows-1252 "
               "text of at most 200,000 characters. A report that cannot be read or extracted "
               "is named on standard error and skipped; the others are extracted, and the "
               "command then exits with status 2 (0 when every report was extracted).")
    parser.add_argument("reports", nargs="+", type=Path, metavar="REPORT")
    parser.add_argument("--jsonl", required=True, type=Path, metavar="OUT",
                        help="output file ('-' for standard output)")
    parser.add_argument("--add", action="store_true",
                        help="add the incidents (not the background events) to the store")
    parser.add_argument("--store", type=Path, default=None, metavar="DIR",
                        help="store directory (default: $SAHEL_STORE_DIR or ./store)")
    parser.add_argument("--published", type=_day, default=None, metavar="YYYY-MM-DD",
                        help="publication day of the reports whose header gives none (else "
                             "a date in the file name is taken, e.g. rfi_2023-11-25_….txt)")
    parser.set_defaults(func=run_extract)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a day (YYYY-MM-DD): {value!r}") from None


def to_json_lines(extraction: Extraction) -> list[dict[str, Any]]:
    """Return one JSON-ready dict per incident and background event of an extraction."""
    lines = []
    for record in extraction.records + extraction.background:
        line = {
            "article": extraction.report.name,
            **{k: record.get(k) for k in JSONL_KEYS if k in record},
            "country": record.get("iso3"),
            "country_name": record.get("country"),
            "actor1": record.get("group1"),
            "actor1_text": record.get("actor1"),
            "actor2": record.get("group2"),
            "actor2_text": record.get("actor2"),
            "claims": record.get("claims_list", []),
            "background": bool(record.get("background")),
        }
        lines.append({k: line.get(k) for k in JSONL_KEYS})
    return lines


def run_extract(args: argparse.Namespace) -> int:
    """Extract every report, write the JSON lines, add to the store when asked."""
    out = sys.stdout if str(args.jsonl) == "-" else args.jsonl.open("w", encoding="utf-8")
    total = 0
    failed = 0
    try:
        for path in args.reports:
            try:
                found = _extract_one(path, args, out)
            except Exception as error:  # noqa: BLE001 - one report must not stop the batch
                failed += 1
                print(f"{_plain(str(path))}: {_reason(error)}", file=sys.stderr)
                continue
            total += found
    finally:
        if out is not sys.stdout:
            out.close()
    print(f"{total} incident(s) from {len(args.reports) - failed} report(s)"
          + (f"; {failed} report(s) could not be extracted" if failed else ""), file=sys.stderr)
    return EXIT_FAILED if failed else 0


def _extract_one(path: Path, args: argparse.Namespace, out: Any) -> int:
    """Extract one report file, write its lines, add to the store; return its incident count."""
    from sahel.extract.pipeline import extract_report
    from sahel.extract.report import NO_PUBLISHED, read_report, with_published

    name = _plain(path.name)
    report = with_published(read_report(path), args.published, "--published")
    for warning in report.warnings:
        print(f"{name}: {_plain(warning)}", file=sys.stderr)
    if report.published is None:
        print(f"{name}: {NO_PUBLISHED}; give --published", file=sys.stderr)
    elif report.published_from == "the file name":
        print(f"{name}: publication date {report.published} from the file name",
              file=sys.stderr)
    extraction = extract_report(report)
    lines = [json.dumps(line, ensure_ascii=False) + "\n" for line in to_json_lines(extraction)]
    out.write("".join(lines))  # all of a report's lines or none of them
    print(f"{name}: {len(extraction.incidents)} incident(s), "
          f"{len(extraction.background)} background, "
          f"{len(extraction.unresolved)} unresolved place(s)", file=sys.stderr)
    if args.add and len(extraction.incidents):
        from sahel.link_upkeep import after_write
        from sahel.store import open_store

        store = open_store(args.store)
        summary = store.add(extraction.incidents)
        print(f"  store: {summary.added} added, {summary.updated} updated, "
              f"{summary.unchanged} unchanged (dataset \"{_plain(summary_dataset(extraction))}\")",
              file=sys.stderr)
        print(f"  {_plain(after_write(store, summary).text())}", file=sys.stderr)
    return len(extraction.incidents)


def summary_dataset(extraction: Extraction) -> str:
    """Return the dataset name a report's incidents are added under."""
    from sahel.extract.report import report_dataset_name

    return report_dataset_name(extraction.report)


def _reason(error: Exception) -> str:
    """Return one printable sentence for why a report failed."""
    from sahel.extract.report import ReportError

    if isinstance(error, ReportError):
        return _plain(str(error))
    if isinstance(error, OSError) and error.strerror:
        return f"could not extract: {_plain(error.strerror)}"
    detail = _plain(str(error))[:200]
    return f"could not extract: {type(error).__name__}" + (f" ({detail})" if detail else "")


def _plain(text: str) -> str:
    """Return `text` with control characters and direction overrides shown as "?"."""
    return _UNPRINTABLE.sub("?", text)
