"""`python -m sahel import FILE...` and `python -m sahel export ... --csv OUT`."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from sahel.store import IncidentStore, default_store_dir

EXIT_OK = 0
EXIT_UNREADABLE = 2
TOP_UNKNOWN_ACTORS = 5


def add_import_command(sub: Any) -> None:
    """Register `import FILE...` on the sub-command parsers."""
    parser = sub.add_parser(
        "import", help="import ACLED/UCDP/canonical files into the incident store",
        description="Read each file, keep valid rows in the store, report rejected rows.")
    parser.add_argument("files", nargs="+", metavar="FILE", type=Path)
    _add_store_option(parser)
    parser.set_defaults(func=run_import)


def add_export_command(sub: Any) -> None:
    """Register `export [filters] --csv OUT` on the sub-command parsers."""
    parser = sub.add_parser(
        "export", help="write the filtered incidents as the dashboard's CSV",
        description="Filter shipped + stored incidents; names accept any known alias.")
    parser.add_argument("--group", action="append", default=[], metavar="G")
    parser.add_argument("--no-components", action="store_true",
                        help="match the named groups only, not their coalition components")
    parser.add_argument("--region", action="append", default=[], metavar="R")
    parser.add_argument("--country", action="append", default=[], metavar="C")
    parser.add_argument("--start", type=date.fromisoformat, metavar="YYYY-MM-DD")
    parser.add_argument("--end", type=date.fromisoformat, metavar="YYYY-MM-DD")
    parser.add_argument("--event-type", action="append", default=[], metavar="T")
    parser.add_argument("--min-fatalities", type=int, default=0, metavar="N")
    parser.add_argument("--text", default="", metavar="S")
    parser.add_argument("--csv", required=True, type=Path, metavar="OUT",
                        help="output file ('-' for standard output)")
    _add_store_option(parser)
    parser.set_defaults(func=run_export)


def _add_store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", type=Path, default=None, metavar="DIR",
                        help="store directory (default: $SAHEL_STORE_DIR or ./store)")


def run_import(args: argparse.Namespace) -> int:
    """Import every file; print per-file counts; return 2 if any file could not be read."""
    from sahel.sources import SourceError, read_incidents

    store = IncidentStore(args.store or default_store_dir())
    status = EXIT_OK
    for path in args.files:
        started = time.perf_counter()
        try:
            result = read_incidents(path)
        except SourceError as error:
            print(f"{path}: not imported: {error}", file=sys.stderr)
            status = EXIT_UNREADABLE
            continue
        written = time.perf_counter()
        summary = store.add(result.incidents)
        result.timings["store"] = time.perf_counter() - written
        print(f"{path}: {result.format} ({result.container})")
        print(f"  rows read {result.rows_read} · kept {result.kept} "
              f"(flagged {result.flagged}) · rejected {len(result.rejected)}")
        print(f"  store: {summary.added} added, {summary.updated} updated, "
              f"{summary.unchanged} unchanged ({store.path})")
        for warning in result.warnings:
            print(f"  warning: {warning}")
        if result.unknown_actors:
            top = list(result.unknown_actors.items())[:TOP_UNKNOWN_ACTORS]
            shown = "; ".join(f"{name} ({count})" for name, count in top)
            more = len(result.unknown_actors) - len(top)
            print(f"  unknown actors: {shown}" + (f"; … {more} more" if more > 0 else ""))
        if len(result.rejected):
            report = store.write_rejects(result.rejected, result.source_name)
            print(f"  rejects report: {report}")
        phases = " ".join(f"{k}={v:.2f}s" for k, v in result.timings.items())
        print(f"  time {time.perf_counter() - started:.2f}s ({phases})")
    return status


def run_export(args: argparse.Namespace) -> int:
    """Write the filtered incidents as CSV (the dashboard's download) and say how many."""
    from sahel.export import to_csv_bytes
    from sahel.incidents import load_incidents
    from sahel.query import IncidentQuery, describe, filter_incidents, normalise_query

    query = normalise_query(IncidentQuery(
        groups=frozenset(args.group), include_components=not args.no_components,
        countries=frozenset(args.country), regions=frozenset(args.region),
        start=args.start, end=args.end, event_types=frozenset(args.event_type),
        min_fatalities=args.min_fatalities, text=args.text))
    selected = filter_incidents(load_incidents(args.store), query)
    data = to_csv_bytes(selected)
    if str(args.csv) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        args.csv.write_bytes(data)
        print(f"{len(selected)} incidents → {args.csv} · {describe(query)}", file=sys.stderr)
    return EXIT_OK
