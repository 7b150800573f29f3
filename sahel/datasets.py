"""Named datasets: every import, and each shipped demonstration file, with its rows and licence.

An import is registered in `<store>/datasets.json` under its name (by default the file name; a
second import of the same name updates it). The shipped files of `data/incidents/` are the
demonstration datasets `demo: …`, with the licences `data/README.md` gives them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np
import pandas as pd
from rapidfuzz import process

from sahel import DATA_DIR, places
from sahel.sources.errors import UnreadableSourceError
from sahel.sources.tabular import read_csv_table, read_xlsx_table

if TYPE_CHECKING:
    from sahel.store import Store

DEMO_PREFIX = "demo: "
SHIPPED_DIR = DATA_DIR / "incidents"
REGISTRY_FILE = "datasets.json"
# Stored rows written before rows carried a dataset name.
EARLIER_IMPORTS = "imported earlier"
# Shipped file → its demonstration dataset's name (a new file gets `demo: <file stem>`).
DEMO_NAMES: dict[str, str] = {
    "ucdp_ged_sample.parquet": DEMO_PREFIX + "UCDP GED sample",
    "reports_dev.parquet": DEMO_PREFIX + "news reports",
    "seed_rfi_2023-11-24.parquet": DEMO_PREFIX + "seed report",
}
# Source type (the rows' `dataset` column) → the licence and attribution its rows come under.
LICENCES: dict[str, str] = {
    "acled": (
        "ACLED Terms of Use: for the user's own analysis, raw rows are not to be redistributed; "
        "attribution required: \"Armed Conflict Location & Event Data (ACLED), "
        "www.acleddata.com\" (Raleigh, Linke, Hegre and Karlsen 2010, \"Introducing ACLED\", "
        "Journal of Peace Research 47(5))"),
    "ucdp_ged": (
        "CC BY 4.0 — credit: Sundberg, Ralph and Erik Melander (2013) \"Introducing the UCDP "
        "Georeferenced Event Dataset\", Journal of Peace Research 50(4)"),
    "ucdp_candidate": (
        "CC BY 4.0 — credit: Hegre, Håvard, Mihai Croicu, Kristine Eck and Stina Högbladh (2020) "
        "\"Introducing the UCDP Candidate Events Dataset\", Research & Politics 7(3)"),
    "report": "facts from news reports; quoted words under quotation right; credit the outlet",
    "seed": "facts hand-coded from news reports; quoted words under quotation right",
    "canonical": "as given by whoever made the file (this project's format carries no licence)",
}


# ACLED's deletions list: `event_id_cnty` and `deleted_timestamp`; the other spellings accepted.
DELETION_ID_COLUMNS: tuple[str, ...] = ("event_id_cnty", "event_id")
DELETION_TIME_COLUMNS: tuple[str, ...] = ("deleted_timestamp", "timestamp")
DAY_SECONDS = 86_400


class DatasetError(ValueError):
    """A dataset that cannot be removed or named as asked; the message is for people."""


class UnknownDatasetError(DatasetError):
    """No dataset has this name; `suggestions` are the closest known names."""

    def __init__(self, name: str, suggestions: tuple[str, ...]) -> None:
        self.name = name
        self.suggestions = suggestions
        hint = (" Did you mean: " + ", ".join(f'"{s}"' for s in suggestions) + "?"
                if suggestions else "")
        super().__init__(f'Unknown dataset "{name}".{hint}')


@dataclass(frozen=True)
class Dataset:
    """One named dataset: where its rows came from, how many the store holds now, its licence.

    `rows` counts the rows shown now (a row revised by a later import belongs to that import);
    `read`/`kept`/`rejected` are the import's own counts (summed over its files).
    """

    name: str
    source_type: str
    rows: int
    imported_at: datetime | None
    file: str
    licence: str
    demo: bool
    read: int = 0
    kept: int = 0
    rejected: int = 0
    # Who imported it last (None: shipped, or imported before the name was recorded).
    imported_by: str | None = None


def demo_name(file_name: str) -> str:
    """Return the demonstration dataset name of a shipped file of `data/incidents/`."""
    return DEMO_NAMES.get(file_name, DEMO_PREFIX + Path(file_name).stem)


def check_import_name(name: str) -> str:
    """Return an import's dataset name trimmed, or raise DatasetError if it cannot be one."""
    trimmed = name.strip()
    if not trimmed:
        raise DatasetError("a dataset name cannot be empty")
    if trimmed.startswith(DEMO_PREFIX.strip()):
        raise DatasetError(f'"{trimmed}" cannot name an import: names starting with '
                           f'"{DEMO_PREFIX}" are the shipped demonstration data.')
    return trimmed


def licence_for(source_types: Iterable[str]) -> str:
    """Return the licence and attribution text of rows of these source types (`dataset` values)."""
    texts = [LICENCES.get(t, f"unknown source type {t!r}: as given by the file's provider")
             for t in dict.fromkeys(source_types) if t]
    return " · ".join(texts) if texts else LICENCES["canonical"]


@cache
def shipped_licence(file_name: str) -> str:
    """Return the licence `data/README.md` gives a shipped incident file (its table's last cell)."""
    readme = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    start = f"| `incidents/{file_name}` |"
    for line in readme.splitlines():
        if line.startswith(start):
            return line.rstrip().rstrip("|").rsplit(" | ", 1)[-1].strip()
    return "see data/README.md"


def read_registry(directory: Path) -> list[dict[str, Any]]:
    """Return the registry's entries (import order), or [] when the store has none."""
    path = directory / REGISTRY_FILE
    if not path.exists():
        return []
    document = json.loads(path.read_text(encoding="utf-8"))
    return list(document.get("datasets", []))


def registry_bytes(entries: list[dict[str, Any]]) -> bytes:
    """Return the registry file's content for these entries."""
    document = {"version": 1, "datasets": entries}
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def register(entries: list[dict[str, Any]], name: str, file_entry: dict[str, Any]) -> None:
    """Record one file's import under `name` in place; the same file again replaces its record."""
    entry = next((e for e in entries if e["name"] == name), None)
    if entry is None:
        entries.append({"name": name, "files": [file_entry]})
        return
    entry["files"] = [f for f in entry["files"] if f["file"] != file_entry["file"]]
    entry["files"].append(file_entry)


def list_datasets(store_dir: Store | str | Path | None = None) -> list[Dataset]:
    """Return the shipped demonstration datasets, then every imported one, with rows now.

    `store_dir` is a store, or the embedded store's folder (see `sahel.store.open_store`).
    """
    from sahel.store import is_in, open_or_use  # the store builds on this module

    store = open_or_use(store_dir)
    shipped = _shipped_names()
    stored = store.load_columns(["event_id", "dataset_name", "dataset"])
    stored["dataset_name"] = stored["dataset_name"].fillna(EARLIER_IMPORTS)
    visible = shipped.loc[~is_in(shipped["event_id"], stored["event_id"])]
    counts = pd.concat([visible["dataset_name"], stored["dataset_name"]]).value_counts()
    found = [_demo_dataset(file, name, int(counts.get(name, 0)), total)
             for file, name, total in _shipped_files(shipped)]
    registered = store.registry()
    for entry in registered:
        found.append(_imported_dataset(entry, int(counts.get(entry["name"], 0))))
    # Rows whose import is not registered (older versions, or a registry lost).
    known = {d.name for d in found}
    unregistered = stored.loc[~stored["dataset_name"].isin(known)]
    for name, rows in unregistered.groupby("dataset_name", sort=True):
        types = rows["dataset"].dropna().value_counts().index.tolist()
        found.append(Dataset(name=str(name), source_type=", ".join(types), rows=len(rows),
                             imported_at=None, file="", licence=licence_for(types), demo=False))
    return found


def remove_dataset(name: str, store_dir: Store | str | Path | None = None) -> int:
    """Remove an imported dataset's rows from the store; return how many (recorded in the log).

    A demonstration dataset is shipped and cannot be removed: leave it out with the filter.
    """
    from sahel.store import open_or_use  # the store builds on this module

    store = open_or_use(store_dir)
    known = [d.name for d in list_datasets(store)]
    if name.startswith(DEMO_PREFIX) and name in known:
        raise DatasetError(
            f'"{name}" is shipped demonstration data and cannot be removed; leave it out with '
            "the dataset filter instead.")
    if name not in known:
        raise UnknownDatasetError(name, closest_names(name, known))
    return store.remove_dataset_rows(name, match_unnamed=name == EARLIER_IMPORTS)


def closest_names(name: str, known: Iterable[str], limit: int = 3,
                  score_cutoff: float = 50) -> tuple[str, ...]:
    """Return up to `limit` known names closest to `name` (folded: case, accents and
    punctuation ignored; rapidfuzz WRatio of at least `score_cutoff`), best first."""
    choices = {k: places.fold(k) for k in known}
    matches = process.extract(places.fold(name), choices, limit=limit, score_cutoff=score_cutoff)
    return tuple(key for _, _, key in matches)


def is_demo(name: object) -> bool:
    """Return whether a dataset name is one of the shipped demonstration datasets."""
    return isinstance(name, str) and name.startswith(DEMO_PREFIX)


def demo_rows(incidents: pd.DataFrame) -> pd.Series:
    """Return True for the incidents of the shipped demonstration datasets."""
    return incidents["dataset_name"].fillna("").astype("str").str.startswith(DEMO_PREFIX)


def _shipped_names(directory: Path = SHIPPED_DIR) -> pd.DataFrame:
    parts = [pd.read_parquet(f, columns=["event_id"]).assign(dataset_name=demo_name(f.name),
                                                             file=f.name)
             for f in sorted(directory.glob("*.parquet"))]
    if not parts:
        return pd.DataFrame({"event_id": [], "dataset_name": [], "file": []}, dtype="str")
    return pd.concat(parts, ignore_index=True)


def _shipped_files(shipped: pd.DataFrame) -> list[tuple[str, str, int]]:
    sizes = shipped.groupby("file", sort=True)["dataset_name"].agg(["first", "size"])
    return [(str(file), str(row["first"]), int(row["size"])) for file, row in sizes.iterrows()]


def _demo_dataset(file: str, name: str, rows: int, total: int) -> Dataset:
    source_types = pd.read_parquet(SHIPPED_DIR / file, columns=["dataset"])["dataset"]
    return Dataset(name=name, source_type=", ".join(source_types.dropna().unique()), rows=rows,
                   imported_at=None, file=f"data/incidents/{file}",
                   licence=shipped_licence(file), demo=True, read=total, kept=total)


def _imported_dataset(entry: dict[str, Any], rows: int) -> Dataset:
    files = entry["files"]
    types = [t for f in files for t in f.get("source_types", [])]
    times = [datetime.fromisoformat(f["imported_at"]) for f in files if f.get("imported_at")]
    return Dataset(name=entry["name"], source_type=", ".join(dict.fromkeys(types)), rows=rows,
                   imported_at=max(times) if times else None,
                   file=", ".join(f["file"] for f in files), licence=licence_for(types),
                   demo=False, read=sum(int(f.get("read", 0)) for f in files),
                   kept=sum(int(f.get("kept", 0)) for f in files),
                   rejected=sum(int(f.get("rejected", 0)) for f in files),
                   imported_by=_last_importer(files))


def _last_importer(files: list[dict[str, Any]]) -> str | None:
    """Return who imported the latest of a dataset's files, when recorded."""
    dated = [f for f in files if f.get("imported_at")]
    latest = max(dated, key=lambda f: datetime.fromisoformat(f["imported_at"]), default=None)
    name = latest.get("imported_by") if latest is not None else None
    return str(name) if isinstance(name, str) and name.strip() else None


@dataclass(frozen=True)
class DeletionList:
    """A published deletions list: `event_id` and `deleted_timestamp` (Unix seconds, UTC).

    `skipped` counts the lines left out by reason (no id, unreadable timestamp).
    """

    name: str
    deletions: pd.DataFrame
    skipped: dict[str, int] = field(default_factory=dict)


def read_deletions(source: str | Path | BinaryIO, name: str | None = None) -> DeletionList:
    """Read ACLED's deletions list (CSV or XLSX; path or binary file object).

    Timestamps are Unix seconds or dates; a date without a time (or at midnight, as spreadsheets
    write dates) stands for the end of that day (UTC), so rows of that day count as deleted.
    """
    if isinstance(source, (str, Path)):
        try:
            data = Path(source).read_bytes()
        except OSError as error:
            raise UnreadableSourceError(f"cannot read {source}: {error.strerror}") from None
        name = name or Path(source).name
    else:
        data = source.read()
        name = name or Path(str(getattr(source, "name", "deletions"))).name
    if not data.strip():
        raise UnreadableSourceError("empty file: no header and no rows")
    table = read_xlsx_table(data) if data[:4] == b"PK\x03\x04" else read_csv_table(data)
    frame = table.frame
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    id_column = next((c for c in DELETION_ID_COLUMNS if c in frame.columns), None)
    time_column = next((c for c in DELETION_TIME_COLUMNS if c in frame.columns), None)
    if id_column is None or time_column is None:
        raise UnreadableSourceError(
            "not a deletions list: it needs the columns event_id_cnty and deleted_timestamp "
            f"(or timestamp); found {', '.join(map(str, frame.columns[:8]))}")
    ids = frame[id_column].astype("str").str.strip()
    hxl = ids.str.startswith("#")  # HDX's hashtag row is no deletion
    stamps = deletion_seconds(frame[time_column])
    no_id = ids.eq("") & ~hxl
    unreadable = stamps.isna() & ~no_id & ~hxl
    skipped = {reason: int(mask.sum()) for reason, mask in (
        ("missing event_id", no_id), ("unreadable deletion timestamp", unreadable)) if mask.any()}
    if len(table.broken):
        skipped["broken line"] = len(table.broken)
    good = ~(hxl | no_id | unreadable)
    deletions = pd.DataFrame({"event_id": ids[good].to_numpy(),
                              "deleted_timestamp": stamps[good].to_numpy()})
    return DeletionList(name=name, deletions=deletions.astype({"deleted_timestamp": "Int64"}),
                        skipped=skipped)


def deletion_seconds(values: pd.Series) -> pd.Series:
    """Return deletion times as Unix seconds (Int64): numbers as given, dates at end of day."""
    text = values.astype("str").str.strip()
    numbers = pd.to_numeric(text, errors="coerce")
    out = numbers.round().astype("Int64")
    dated = numbers.isna() & text.ne("")
    if dated.any():
        parsed = pd.to_datetime(text[dated], errors="coerce", format="mixed", dayfirst=False,
                                utc=True)
        midnight = parsed.dt.floor("D") == parsed
        seconds = (parsed - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)
        seconds = seconds + np.where(midnight, DAY_SECONDS - 1, 0)
        out[dated] = seconds.astype("Int64")
    return out
