"""`python -m sahel links [--dataset A --dataset B] [--csv OUT] [--threshold T]`.

Lists the links between records of different datasets that describe one event (shipped
demonstration data and the configured store), best first, with their scores and reasons;
`--csv` writes them (one row per link, spreadsheet-safe).
"""

from __future__ import annotations

import argparse
import difflib
import io
from pathlib import Path
from typing import Any

import pandas as pd

from sahel.datasets import DatasetError
from sahel.export import neutralise_cell

LINKS_DESCRIPTION = """\
Link the records of different datasets (ACLED, UCDP, reports, each import) that describe one
event, and list the links best first: score (0–1), the two records with their datasets, whether
the link is in an event group, and its reasons (time, place, event type, actors, toll). Records
of one dataset are never linked to each other; an event group holds at most one record per
dataset (docs/linking.md).

--dataset NAME (repeatable) links only the datasets named (`python -m sahel datasets` lists
them); --csv OUT writes every link with its scores and reason codes ('-' for standard output).
"""
CSV_EXTRA: tuple[str, ...] = ("event_group", "reasons", "reasons_text")


def add_links_command(sub: Any) -> None:
    """Register `links [--dataset NAME]... [--csv OUT] [--threshold T] [--store DIR]`."""
    from sahel.links import THRESHOLD

    parser = sub.add_parser(
        "links", help="link records of different datasets that describe one event",
        description=LINKS_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", action="append", default=[], metavar="NAME",
                        help="a dataset to link (repeatable; default: all)")
    parser.add_argument("--csv", type=Path, metavar="OUT",
                        help="write the links as CSV ('-' for standard output)")
    parser.add_argument("--threshold", type=_score, default=THRESHOLD, metavar="T",
                        help=f"lowest score of a link (0–1; default {THRESHOLD})")
    parser.add_argument("--store", type=Path, default=None, metavar="DIR",
                        help="store directory (default: $SAHEL_STORE_DIR or ./store; "
                             "PostgreSQL when SAHEL_DATABASE_URL is set)")
    parser.set_defaults(func=run_links)


def _score(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"not between 0 and 1: {text!r}")
    return value


def choose_datasets(incidents: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Return the incidents of the datasets named (all without names); DatasetError for a name
    no record carries, with the closest known names."""
    from sahel.link_candidates import dataset_keys

    keys = dataset_keys(incidents)
    if not names:
        return incidents
    known = sorted(set(keys))
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
            hint = f" Did you mean: {', '.join(close)}?" if close else (
                f" Known: {', '.join(known[:10])}.")
            raise DatasetError(f'Unknown dataset "{name}".{hint}')
    return incidents.loc[keys.isin(names).to_numpy()].reset_index(drop=True)


def links_table(links: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """Return the links with their event group, reasons as JSON and in English (CSV columns)."""
    from sahel.links import describe_reasons, reasons_json

    table = links.copy()
    group_of = dict(zip(groups["event_id"], groups["event_group"], strict=True))
    grouped = table["grouped"].to_numpy(dtype=bool)
    table["event_group"] = pd.Series(table["event_id_a"].astype("object").map(group_of)
                                     .to_numpy(), dtype="object").where(grouped)
    table["reasons"] = reasons_json(table).to_numpy()
    table["reasons_text"] = ["; ".join(describe_reasons(r)) for r in table["reasons"]]
    return table


def to_csv_bytes(table: pd.DataFrame) -> bytes:
    """Return the links table as CSV: UTF-8 with a BOM, text cells made inert for spreadsheets."""
    out = table.copy()
    for column in out.columns:
        if out[column].dtype == object or isinstance(out[column].dtype, (pd.CategoricalDtype,
                                                                        pd.StringDtype)):
            out[column] = out[column].astype("object").map(
                lambda v: neutralise_cell(v) if isinstance(v, str) else v)
    buffer = io.StringIO()
    out.to_csv(buffer, index=False, lineterminator="\n")
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def run_links(args: argparse.Namespace) -> int:
    """Load shipped + stored incidents, link them, list the links; write --csv when asked."""
    from sahel.cli import EXIT_OK, Output, _write_output, plural, warn
    from sahel.incidents import load_incidents_checked
    from sahel.links import link_records
    from sahel.store import open_store

    incidents, report = load_incidents_checked(open_store(args.store))
    if len(report):
        warn(f"links: {plural(len(report), 'stored row')} could not be read and are left out")
    chosen = choose_datasets(incidents, args.dataset)
    result = link_records(chosen, threshold=args.threshold)
    table = links_table(result.links, result.groups)
    out = Output() if args.csv is None or str(args.csv) != "-" else None
    if out is not None:
        datasets = table[["dataset_a", "dataset_b"]].stack().nunique() if len(table) else 0
        compared = plural(result.candidates, "candidate pair")
        groups = plural(result.groups["event_group"].nunique(), "event group")
        out.line(f"{plural(len(table), 'link')} at {args.threshold:g} or above between "
                 f"{plural(int(datasets), 'dataset')} ({compared} compared); {groups}")
        for row in table.itertuples(index=False):
            state = "grouped" if row.grouped else "outscored"
            out.line(f"{row.score:.3f}  {row.event_id_a} ({row.dataset_a}) ↔ "
                     f"{row.event_id_b} ({row.dataset_b})  [{state}]")
            out.line(f"       {row.reasons_text}")
    status = EXIT_OK
    if args.csv is not None:
        status = _write_output(to_csv_bytes(table), args.csv)
        if out is not None and status == EXIT_OK:
            out.line(f"written: {args.csv}")
    return out.finish(status) if out is not None else status
