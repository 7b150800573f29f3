"""Rows on their way into a store, whichever the backend: checked, ids trimmed, one per id; and
the CSV reports (rejects, unresolved actors) an import leaves for people."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd

from sahel.export import neutralise_cell
from sahel.store.interface import RowsRefused
from sahel.stored_rows import sound_rows


def refuse_unsound(incidents: pd.DataFrame) -> gpd.GeoDataFrame:
    """Return the incidents conformed, or raise RowsRefused if a row could not be loaded back."""
    found = sound_rows(incidents, "incoming")
    if len(found.report):
        raise RowsRefused(f"not stored: {len(found.report)} of {len(incidents)} rows could not "
                          f"be read back: {found.report.reasons_text()}")
    return found.incidents


def prepare(incidents: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy with ids trimmed and one row per id (the newest revision)."""
    out = incidents.copy()
    out["event_id"] = out["event_id"].str.strip()
    return newest_per_id(out).reset_index(drop=True)


def newest_per_id(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Keep one row per event_id: the latest timestamp; among equals, the last given."""
    if frame["event_id"].is_unique:
        return frame
    order = frame.sort_values("timestamp", kind="stable", na_position="first")
    winners = order.drop_duplicates("event_id", keep="last").index
    return frame.loc[frame.index.isin(winners)].reset_index(drop=True)


def write_report(folder: Path, frame: pd.DataFrame, source_name: str, kind: str) -> Path:
    """Write `frame` as `<folder>/<file stem>-<UTC time>-<kind>.csv`; return its path.

    The folder itself is created (not its parents). Opened in spreadsheets, so every cell is
    neutralised (a leading `=` cannot become a formula).
    """
    folder.mkdir(exist_ok=True)
    stem = Path(source_name).stem or "import"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{stem}-{stamp}-{kind}.csv"
    text = frame.astype("object").where(frame.notna(), "").astype("str")
    safe = text.map(neutralise_cell)
    safe.to_csv(target, index=False, encoding="utf-8-sig", lineterminator="\n")
    return target


def unresolved_actors_frame(counts: dict[str, int]) -> pd.DataFrame:
    """Return unresolved actor names with their row counts, commonest first."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return pd.DataFrame(ordered, columns=["actor", "rows"])
