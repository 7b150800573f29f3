"""`python -m sahel links [--dataset A --dataset B] [--csv OUT] [--threshold T] [--recompute]`
and `python -m sahel links confirm|reject|undo A B`.

Lists the stored links between records of different datasets that describe one event (shipped
demonstration data and the configured store; `sahel.link_upkeep`), best first, with their
scores and reasons; `--csv` writes them (one row per link, spreadsheet-safe). An editor confirms
or rejects a pair by hand.
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

The links listed are those the store keeps, brought up to date after every import, report
added, deletion and dataset removal; --recompute links every record again (and stores the
links); --threshold T other than the default links anew at T and lists, without storing.
--dataset NAME (repeatable) lists only the links between the datasets named (`python -m sahel
datasets` lists them); --csv OUT writes every link with its scores and reason codes ('-' for
standard output).

An editor's decisions hold through re-imports of either record: `links confirm A B` links two
records whatever their score (of different datasets), `links reject A B` never links them,
`links undo A B` forgets the decision. The decider is $SAHEL_USER (else the login name).
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
    parser.add_argument("--recompute", action="store_true",
                        help="link every record again and store the links (after an upgrade, "
                             "or a links file moved aside)")
    parser.add_argument("action", nargs="?", choices=tuple(DECISION_OF),
                        help="an editor's decision on the pair A B (undo: forget it)")
    parser.add_argument("ids", nargs="*", metavar="EVENT_ID", help="the pair A B")
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
    """List the stored links (or link anew: --recompute, another --threshold), write --csv;
    or record an editor's decision (`confirm|reject|undo A B`)."""
    from sahel.cli import EXIT_FAILED, EXIT_OK, Output, _write_output, plural, warn
    from sahel.incidents import load_incidents_checked
    from sahel.link_upkeep import relink, stored_links
    from sahel.links import THRESHOLD, build_groups, link_records
    from sahel.store import open_store

    store = open_store(args.store)
    if args.action is not None or args.ids:
        return _decide(store, args)
    incidents, report = load_incidents_checked(store)
    if len(report):
        warn(f"links: {plural(len(report), 'stored row')} could not be read and are left out")
    chosen = choose_datasets(incidents, args.dataset)
    out = Output() if args.csv is None or str(args.csv) != "-" else None
    if args.recompute and args.threshold == THRESHOLD:
        summary = relink(store)
        if out is not None:
            out.line(f"relinked every record: {summary.text()}")
    elif args.recompute:
        warn(f"links: --recompute stores links at {THRESHOLD:g} only; with --threshold the "
             "links are computed and listed, not stored")
        return EXIT_FAILED
    if args.threshold == THRESHOLD:
        links = stored_links(store)
        if args.dataset:
            names = set(args.dataset)
            links = links.loc[links["dataset_a"].isin(names) & links["dataset_b"].isin(names)]
            links = links.reset_index(drop=True)
        groups, kept = build_groups(links)
        links["grouped"] = kept
        how = "stored; --recompute links everything again"
    else:
        result = link_records(chosen, threshold=args.threshold)
        links, groups = result.links, result.groups
        how = f"{plural(result.candidates, 'candidate pair')} compared"
    table = links_table(links, groups)
    accepted = table["accepted"].to_numpy(dtype=bool)
    if out is not None:
        datasets = (table.loc[accepted, ["dataset_a", "dataset_b"]].stack().nunique()
                    if accepted.any() else 0)
        count = plural(groups["event_group"].nunique(), "event group")
        out.line(f"{plural(int(accepted.sum()), 'link')} at {args.threshold:g} or above between "
                 f"{plural(int(datasets), 'dataset')} ({how}); {count}")
        for row in table.itertuples(index=False):
            state = ("rejected by hand" if row.decision == "rejected" else
                     "grouped" if row.grouped else "outscored")
            score = "hand " if pd.isna(row.score) else f"{row.score:.3f}"
            out.line(f"{score}  {row.event_id_a} ({row.dataset_a}) ↔ "
                     f"{row.event_id_b} ({row.dataset_b})  [{state}]")
            out.line(f"       {row.reasons_text}")
    status = EXIT_OK
    if args.csv is not None:
        status = _write_output(to_csv_bytes(table), args.csv)
        if out is not None and status == EXIT_OK:
            out.line(f"written: {args.csv}")
    return out.finish(status) if out is not None else status


DECISION_OF = {"confirm": "confirmed", "reject": "rejected", "undo": None}


def _decide(store: Any, args: argparse.Namespace) -> int:
    """`links confirm|reject|undo A B`: record the decision, relink the pair, say so."""
    from sahel.cli import EXIT_FAILED, EXIT_OK, Output, warn
    from sahel.incidents import load_incidents_checked
    from sahel.link_candidates import dataset_keys
    from sahel.link_upkeep import decide, decider

    if args.action is None or len(args.ids) != 2:
        warn("links: name a decision and two event ids: links confirm|reject|undo A B")
        return EXIT_FAILED
    first, second = (i.strip() for i in args.ids)
    if first == second:
        warn("links: a link joins two different event ids")
        return EXIT_FAILED
    incidents, _ = load_incidents_checked(store)
    keys = dict(zip(incidents["event_id"], dataset_keys(incidents), strict=True))
    if args.action != "undo":
        missing = [i for i in (first, second) if i not in keys]
        if missing:
            warn(f"links: no record has the event id {', '.join(missing)} "
                 "(`python -m sahel export` lists them)")
            return EXIT_FAILED
        if keys[first] == keys[second]:
            warn(f"links: {first} and {second} are both of the dataset \"{keys[first]}\": records "
                 "of one dataset are never linked")
            return EXIT_FAILED
    who = decider()
    summary = decide(store, first, second, DECISION_OF[args.action], by=who)
    out = Output()
    done = {"confirm": "confirmed", "reject": "rejected", "undo": "decision undone"}
    out.line(f"{first} ↔ {second}: {done[args.action]} by {who}")
    out.line(summary.text())
    return out.finish(EXIT_OK)
