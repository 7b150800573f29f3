"""`python -m sahel import FILE...`, `datasets [--remove NAME]` and
`export ... --csv/--geojson/--parquet OUT`."""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sahel.store import RowsRefused, open_store

if TYPE_CHECKING:
    import pandas as pd

    from sahel.sources import ImportResult
    from sahel.store import Store

EXIT_OK = 0
EXIT_OUTPUT_CLOSED = 1
EXIT_UNREADABLE = 2
EXIT_FAILED = 2
TOP_UNKNOWN_ACTORS = 20
TOP_REASONS = 3
# What a terminal would act on rather than show: C0 and C1 controls (ESC starts escape codes),
# DEL, bidi embeddings, overrides and isolates (they reorder the rest of the line), line and
# paragraph separators, and the lone surrogates an undecodable file name is read with.
UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                         "\ud800-\udfff]")

IMPORT_DESCRIPTION = """\
Read each file (ACLED export, UCDP GED/Candidate, or this project's canonical CSV, GeoJSON or
GeoParquet), keep its valid rows in the store and report the rejected ones.

Every file is a named dataset (default: its file name; --name to choose). Importing a file of
the same name again updates that dataset; several files imported under one --name form one
dataset. `python -m sahel datasets` lists them.

Revisions: an event_id already stored is replaced only by a row with a later ACLED `timestamp`;
an older export imported after a newer one never overwrites it (counted as "older than stored").
Rows without timestamps: the latest import wins when the content differs; an undated row never
replaces a dated one.

--deletions applies ACLED's published deletions (event_id_cnty with deleted_timestamp, Unix
seconds or a date) before the files: a stored row not newer than its deletion is removed and
recorded (<store>/removals.jsonl, or the PostgreSQL store's history); the deletions are kept,
so a later import of an older export does not bring the event back (a revision newer than the
deletion does).

The store is the configured one: PostgreSQL when SAHEL_DATABASE_URL is set, else the folder
--store, $SAHEL_STORE_DIR or ./store (docs/deploy.md). Rejected rows go to
<store>/rejects/<file>-<time>-rejects.csv (with PostgreSQL too: the reports are files on this
machine); actor names the alias table does not resolve are printed by frequency (the first 20)
and all written beside it (…-unresolved-actors.csv). Exit status 2 when a file cannot be read or
keeps no row (with its commonest reject reasons).
"""


def add_import_command(sub: Any) -> None:
    """Register `import FILE... [--name N] [--deletions FILE]` on the sub-command parsers."""
    parser = sub.add_parser(
        "import", help="import ACLED/UCDP/canonical files as named datasets; apply deletions",
        description=IMPORT_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", metavar="FILE", type=Path,
                        help="incident file: CSV, XLSX, GeoJSON or GeoParquet")
    parser.add_argument("--name", metavar="N",
                        help="dataset name for the files (default: each file's name)")
    parser.add_argument("--deletions", action="append", default=[], metavar="FILE", type=Path,
                        help="ACLED deletions list (CSV or XLSX: event_id_cnty and "
                             "deleted_timestamp or timestamp), applied before the files; "
                             "may be repeated")
    _add_store_option(parser)
    parser.set_defaults(func=run_import)


def add_datasets_command(sub: Any) -> None:
    """Register `datasets [--remove NAME]` on the sub-command parsers."""
    parser = sub.add_parser(
        "datasets", help="list the named datasets (imports and demonstration data); remove one",
        description="List every dataset: the shipped demonstration data (`demo: …`) and each "
                    "import, with its source type, rows in the store now, when it was imported "
                    "and its licence and attribution.")
    parser.add_argument("--remove", metavar="NAME",
                        help="remove an imported dataset's rows from the store (recorded in "
                             "<store>/removals.jsonl, or the PostgreSQL store's history); a "
                             "demonstration dataset is shipped and can only be left out by the "
                             "dataset filter")
    _add_store_option(parser)
    parser.set_defaults(func=run_datasets)


EXPORT_DESCRIPTION = """\
Filter shipped + stored incidents and write them as the dashboard's downloads: CSV (--csv),
GeoJSON (--geojson, RFC 7946) and GeoParquet (--parquet), one or several at once, each with
exactly the filtered rows and every canonical column; `python -m sahel import` reads each back
as it was. Names (groups, regions,
countries) accept any alias the tables know; a name that neither the tables nor the data know is
an error that suggests the closest known names.

Every output has an `event_group` column: the event group of records of different datasets that
describe one event (`python -m sahel links`; empty for a record in no group). --once writes one
row per event group instead (its most precise record, the lowest of the coded records' tolls,
the range over every source and claim) with group_records, group_datasets and sources (each
record as "dataset: event_id"); docs/data.md, "Event groups in exports".

The group filter (docs/data.md, "The group filter"): a row counts for --group G when G is a main
actor (actor1/actor2); also, by default, when G is an associated actor (--no-associated: not)
and, by default, through a coalition component while it was a member (JNIM: Ansar Dine,
Al-Mourabitoune, Katiba Macina and Katiba Serma from 2 March 2017; --no-components: not). An
uncertain attribution ("X and/or Y") counts only with --uncertain.

The shipped demonstration datasets are counted only while the store holds none of your data,
unless --demo or --no-demo says otherwise; --dataset NAME keeps one dataset (repeatable; see
`python -m sahel datasets`).
"""


# Export option → what it writes (the writer is picked in run_export).
EXPORT_OUTPUTS: dict[str, str] = {
    "csv": "the dashboard's CSV (UTF-8 with BOM, spreadsheet-safe, claims_text added)",
    "geojson": "a GeoJSON FeatureCollection (EPSG:4326, properties = canonical columns)",
    "parquet": "GeoParquet (WKB points, EPSG:4326, canonical columns and types)",
}


def add_export_command(sub: Any) -> None:
    """Register `export [filters] --csv/--geojson/--parquet OUT` on the sub-command parsers."""
    parser = sub.add_parser(
        "export", help="write the filtered incidents as CSV, GeoJSON or GeoParquet",
        description=EXPORT_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--group", action="append", default=[], metavar="G")
    parser.add_argument("--no-components", action="store_true",
                        help="match the named groups only, not their coalition components")
    parser.add_argument("--no-associated", action="store_true",
                        help="count a group only as a main actor, not as an associated actor")
    parser.add_argument("--uncertain", action="store_true",
                        help='also count uncertain attributions ("X and/or Y")')
    parser.add_argument("--dataset", action="append", default=[], metavar="NAME")
    demo = parser.add_mutually_exclusive_group()
    demo.add_argument("--demo", dest="demo", action="store_const", const=True, default=None,
                      help="count the shipped demonstration data")
    demo.add_argument("--no-demo", dest="demo", action="store_const", const=False,
                      help="leave the shipped demonstration data out")
    parser.add_argument("--region", action="append", default=[], metavar="R")
    parser.add_argument("--country", action="append", default=[], metavar="C")
    parser.add_argument("--start", type=date.fromisoformat, metavar="YYYY-MM-DD")
    parser.add_argument("--end", type=date.fromisoformat, metavar="YYYY-MM-DD")
    parser.add_argument("--event-type", action="append", default=[], metavar="T")
    parser.add_argument("--min-fatalities", type=int, default=0, metavar="N")
    parser.add_argument("--text", default="", metavar="S",
                        help="words in places, actors or notes, or a region, country or group "
                             "by any alias")
    parser.add_argument("--once", action="store_true",
                        help="one row per event group (records of one event across datasets, "
                             "docs/linking.md) with the sources listed, instead of one per record")
    for option, what in EXPORT_OUTPUTS.items():
        parser.add_argument(f"--{option}", type=Path, metavar="OUT",
                            help=f"write {what} to OUT ('-' for standard output)")
    _add_store_option(parser)
    parser.set_defaults(func=run_export)


def _add_store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", type=Path, default=None, metavar="DIR",
                        help="store directory (default: $SAHEL_STORE_DIR or ./store); with "
                             "SAHEL_DATABASE_URL set, the incidents are in PostgreSQL and this "
                             "folder only receives the import reports")


def run_import(args: argparse.Namespace) -> int:
    """Apply deletions, then import every file as a dataset; return 2 if any file failed."""
    from sahel.sources import SourceError, read_incidents
    from sahel.validation import event_type_note

    out = Output()
    if not args.files and not args.deletions:
        warn("import: name at least one FILE or --deletions FILE")
        return EXIT_UNREADABLE
    if args.name is not None:
        from sahel.datasets import DatasetError, check_import_name

        try:
            args.name = check_import_name(args.name)
        except DatasetError as error:
            warn(f"import: --name: {error}")
            return EXIT_UNREADABLE
    from sahel.link_upkeep import after_write

    store = open_store(args.store)
    status = EXIT_OK
    for path in args.deletions:
        if not _apply_deletions(store, path, out):
            status = EXIT_UNREADABLE
    for path in args.files:
        started = time.perf_counter()
        try:
            result = read_incidents(path)
        except SourceError as error:
            warn(f"{path}: not imported: {error}")
            status = EXIT_UNREADABLE
            continue
        written = time.perf_counter()
        try:
            summary = store.add_import(result, args.name)
        except RowsRefused as error:
            warn(f"{path}: {error}")
            status = EXIT_FAILED
            continue
        result.timings["store"] = time.perf_counter() - written
        dataset = "" if result.failed else f' → dataset "{summary.dataset}"'
        out.line(f"{path}: {result.format} ({result.container}){dataset}")
        out.line(f"  rows read {result.rows_read} · kept {result.kept} "
                 f"(flagged {result.flagged}) · rejected {len(result.rejected)}")
        held = f", {summary.held_back} held back by deletions" if summary.held_back else ""
        out.line(f"  store: {summary.added} added, {summary.updated} updated, "
                 f"{summary.unchanged} unchanged, {summary.older} older than stored{held} "
                 f"({store.location})")
        if summary.set_aside:
            out.line(f"  store: {plural(summary.set_aside, 'stored row')} this version cannot "
                     f"read removed ({store.last_report.reasons_text()}); saved in "
                     f"{store.set_aside_report}")
        for warning in result.warnings:
            out.line(f"  warning: {warning}")
        if result.unknown_event_types:
            out.line(f"  warning: {event_type_note(result.unknown_event_types)}")
        _report_unresolved(store, result, out)
        if summary.ids:
            out.line(f"  {after_write(store, summary).text()}")
        if len(result.rejected):
            report = store.write_rejects(result.rejected, result.source_name)
            out.line(f"  rejects report: {report}")
        phases = " ".join(f"{k}={v:.2f}s" for k, v in result.timings.items())
        out.line(f"  time {time.perf_counter() - started:.2f}s ({phases})")
        if result.failed:
            reasons = "; ".join(f"{kind} ({count})" for kind, count in
                                result.top_reasons(TOP_REASONS))
            warn(f"{path}: failed: no row kept of {result.rows_read}"
                 + (f"; commonest reasons: {reasons}" if reasons else ""))
            status = EXIT_FAILED
    return out.finish(status)


def _apply_deletions(store: Store, path: Path, out: Output) -> bool:
    from sahel.datasets import read_deletions
    from sahel.sources import SourceError

    try:
        listed = read_deletions(path)
    except SourceError as error:
        warn(f"{path}: deletions not applied: {error}")
        return False
    summary = store.apply_deletions(listed.deletions, listed.name)
    out.line(f"{path}: deletions list, {summary.listed} event ids")
    out.line(f"  store: {summary.removed} removed, {summary.not_in_store} not in the store, "
             f"{summary.newer_kept} kept (revised after their deletion)")
    if listed.skipped:
        out.line("  skipped lines: " + "; ".join(f"{reason} ({count})"
                                                 for reason, count in listed.skipped.items()))
    records = store.describe()
    out.line(f"  deletions kept in {records.deletions}"
             + (f"; removals logged in {records.removals}" if summary.removed else ""))
    if summary.removed:
        from sahel.link_upkeep import after_write

        out.line(f"  {after_write(store, summary).text()}")
    return True


def _report_unresolved(store: Store, result: ImportResult, out: Output) -> None:
    if not result.unknown_actors:
        return
    ranked = sorted(result.unknown_actors.items(), key=lambda item: (-item[1], item[0]))
    shown = "; ".join(f"{name} ({count})" for name, count in ranked[:TOP_UNKNOWN_ACTORS])
    more = len(ranked) - TOP_UNKNOWN_ACTORS
    rows = sum(count for _, count in ranked)
    out.line(f"  unresolved actors ({plural(len(ranked), 'name')}, {plural(rows, 'row')}): {shown}"
             + (f"; … {more} more" if more > 0 else ""))
    report = store.write_unresolved_actors(result.unknown_actors, result.source_name)
    out.line(f"  unresolved actors list: {report}")


# How a dataset came into the store, as `datasets` lists it (imports also say when).
ORIGIN_WORDS = {"shipped": "shipped", "report": "added from a report",
                "earlier": "imported by an earlier version"}


def run_datasets(args: argparse.Namespace) -> int:
    """List the datasets, or remove one (`--remove NAME`); 2 for a name that cannot go."""
    from sahel.admin import Origin, origin, remove_and_relink
    from sahel.datasets import DatasetError, list_datasets

    store = open_store(args.store)
    out = Output()
    if args.remove is not None:
        try:
            removal = remove_and_relink(args.remove, store)  # the page's rules too
        except DatasetError as error:
            warn(f"datasets: {error}")
            return EXIT_UNREADABLE
        out.line(f'removed dataset "{args.remove}": {plural(removal.rows, "row")} '
                 f"(recorded in {store.describe().removals})")
        if removal.links is not None:
            out.line(removal.links.text())
        return out.finish(EXIT_OK)
    datasets = list_datasets(store)
    for dataset in datasets:
        kind = origin(dataset)
        when = (f"imported {dataset.imported_at:%Y-%m-%d %H:%M} UTC" if kind is Origin.IMPORTED
                else ORIGIN_WORDS[kind.value])
        if kind is Origin.IMPORTED and dataset.imported_by:
            when += f" by {dataset.imported_by}"
        out.line(f"{dataset.name} · {dataset.source_type or 'source type unknown'} · "
                 f"{plural(dataset.rows, 'row')} · {when}")
        if not dataset.demo and dataset.file:
            out.line(f"  file {dataset.file}: read {dataset.read}, kept {dataset.kept}, "
                     f"rejected {dataset.rejected}")
        out.line(f"  licence: {dataset.licence}")
    if all(dataset.demo for dataset in datasets):
        out.line(f"(no imported dataset: the store {store.location} holds none yet)")
    return out.finish(EXIT_OK)


def plural(count: int, noun: str) -> str:
    """Return "1 row", "2 rows": a count with its noun."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class Output:
    """Standard output that outlives a reader gone early (`import … | head`): the work goes on."""

    def __init__(self) -> None:
        self.closed = False

    def line(self, text: str) -> None:
        """Print one line now, or nothing once the reader has gone."""
        if self.closed:
            return
        try:
            print(printable(text), flush=True)
        except BrokenPipeError:
            self.closed = True
            silence_stdout()

    def finish(self, status: int) -> int:
        """Return the exit status, non-zero (with one line on stderr) if output was cut short."""
        if not self.closed:
            return status
        with contextlib.suppress(OSError):
            print("output closed early (broken pipe); the command itself ran to the end",
                  file=sys.stderr)
        return status or EXIT_OUTPUT_CLOSED


def printable(text: object) -> str:
    """Return `text` with what a terminal would act on escaped (ESC as \\x1b, U+202E as \\u202e).

    Every line the CLI prints goes through here: file names, dataset and actor names, reasons
    and messages all come from files someone else may have written.
    """
    return UNPRINTABLE.sub(_escape, str(text))


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def warn(text: str) -> None:
    """Print one line on standard error, made printable; nothing if stderr is gone."""
    with contextlib.suppress(OSError):
        print(printable(text), file=sys.stderr, flush=True)


def silence_stdout() -> None:
    """Point standard output at the null device, so nothing more fails on a closed pipe."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def run_export(args: argparse.Namespace) -> int:
    """Write the filtered incidents to each output asked for and say how many."""
    from sahel.datasets import demo_rows
    from sahel.export import EXPORT_FORMATS, once_view_rows
    from sahel.incidents import load_incidents_checked
    from sahel.query import (
        IncidentQuery,
        count_sources_once,
        describe,
        filter_incidents,
        filter_once,
        normalise_query,
        unknown_names,
    )

    outputs = [(option, target) for option in EXPORT_OUTPUTS
               if (target := getattr(args, option)) is not None]
    if not outputs:
        warn("export: name an output: --csv OUT, --geojson OUT or --parquet OUT")
        return EXIT_FAILED
    if sum(str(target) == "-" for _, target in outputs) > 1:
        warn("export: only one output can go to standard output ('-')")
        return EXIT_FAILED
    store = open_store(args.store)
    incidents, report = load_incidents_checked(store)
    if len(report):
        warn(f"export: warning: {report.message()}")
    groups = _event_groups(store)
    has_user_data = not bool(demo_rows(incidents).all())
    query = normalise_query(IncidentQuery(
        groups=frozenset(args.group), include_components=not args.no_components,
        include_associated=not args.no_associated, include_uncertain=args.uncertain,
        datasets=frozenset(args.dataset),
        include_demo=(not has_user_data) if args.demo is None else args.demo,
        countries=frozenset(args.country), regions=frozenset(args.region),
        start=args.start, end=args.end, event_types=frozenset(args.event_type),
        min_fatalities=args.min_fatalities, text=args.text))
    unknown = unknown_names(query, incidents)
    if unknown:
        for name in unknown:
            warn(f"export: {name.message()}")
        return EXIT_FAILED
    selected = filter_incidents(incidents, query)
    rows = selected
    if args.once:
        # As the page counts each event once (sahel.query.filter_once): an event is in view
        # when any of its sources matches, and every source of it is listed.
        sources = count_sources_once(incidents, groups, query)
        rows = once_view_rows(incidents, groups, sources.group_of,
                              filter_once(incidents, sources, query))
    counted = (f"{plural(len(rows), 'event')} ({len(selected)} incidents)" if args.once
               else f"{len(selected)} incidents")
    status = EXIT_OK
    for option, target in outputs:
        data = EXPORT_FORMATS[option].write(rows, groups=None if args.once else groups)
        written = _write_output(data, target)
        if written == EXIT_OK and str(target) != "-":
            warn(f"{counted} → {target} · {describe(query)}")
        status = max(status, written)
    return status


def _event_groups(store: Store) -> pd.DataFrame:
    """Return the store's event groups; none (with a warning) when its links cannot be read."""
    import pandas as pd

    from sahel.link_upkeep import current_groups
    from sahel.store import StoreError

    try:
        return current_groups(store)
    except StoreError as error:
        warn(f"export: warning: event groups left empty: {error}")
        return pd.DataFrame({"event_id": [], "event_group": [], "dataset_key": []},
                            dtype="str")


def _write_output(data: bytes, target: Path) -> int:
    """Write `data` to a file or, for '-', standard output; return the exit status."""
    try:
        if str(target) == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            target.write_bytes(data)
    except BrokenPipeError:
        silence_stdout()
        with contextlib.suppress(OSError):
            print("export: output closed early (broken pipe)", file=sys.stderr)
        return EXIT_OUTPUT_CLOSED
    except OSError as error:
        warn(f"export: cannot write {target}: {error.strerror or error}")
        return EXIT_FAILED
    return EXIT_OK
