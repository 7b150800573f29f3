"""The page's downloads of the filtered incidents: CSV, GeoJSON and GeoParquet. Streamlit only.

Each file is built only when its button is clicked (`data` is a callable), from the same rows as
the map and the same writers as `python -m sahel export`, with the same event groups (the
store's, `link_upkeep.current_groups`): a download of every record is byte for byte what the
CLI writes with the same filters, with its `event_group` column. With "Count each event once"
(and some records linked), a download has one row per event in view, as the page counts them
(`sahel.query.filter_once`), written by the CLI's `--once` writer (`sahel.export.once_rows`:
the toll rule, and the sources listed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

import dashboard_cache
from dashboard_cache import incidents_frame
from sahel.export import EXPORT_FORMATS, once_view_rows
from sahel.i18n import N_, _
from sahel.query import IncidentQuery, filter_incidents

FILE_STEM = "sahel_incidents"


@dataclass(frozen=True)
class Download:
    """One download button: the export format (a key of EXPORT_FORMATS), its label and help."""

    format: str
    label: str
    help: str


DOWNLOADS: tuple[Download, ...] = (
    Download("csv", N_("Download CSV"),
             N_("Exactly the filtered rows, every column; opens in Excel.")),
    Download("geojson", N_("Download GeoJSON"),
             N_("Exactly the filtered rows as points (EPSG:4326) with every column; opens in "
                "QGIS or any web map.")),
    Download("parquet", N_("Download GeoParquet"),
             N_("Exactly the filtered rows as GeoParquet, every column with its type; for QGIS, "
                "geopandas or DuckDB, and much smaller than the others.")),
)
ONCE_HELP = N_("Each event once: one row per event in view, standing on its most precise "
               "record, with the toll rule and the records it stands for (`sources`).")


def draw_downloads(container: Any, store_dir: str, query: IncidentQuery) -> None:
    """Draw the CSV, GeoJSON and GeoParquet download buttons of the filtered rows in `container`."""
    once = counts_once(store_dir, query)
    for download in DOWNLOADS:
        export = EXPORT_FORMATS[download.format]
        words = _(download.help) + (" " + _(ONCE_HELP) if once else "")
        container.download_button(
            _(download.label), builder(store_dir, query, download.format),
            key=f"download_{download.format}", file_name=FILE_STEM + export.extension,
            mime=export.mime, on_click="ignore", help=words)


def counts_once(store_dir: str, query: IncidentQuery) -> bool:
    """Return whether a download counts each event once: "Count each event once" is on and
    some records of the query's sources are linked (else it changes nothing, as on the page)."""
    return query.once and dashboard_cache.has_links(store_dir, query)


def event_groups(store_dir: str) -> pd.DataFrame:
    """Return the store's event groups (those the CLI's export writes)."""
    return dashboard_cache.linked(store_dir).groups


def builder(store_dir: str, query: IncidentQuery, export_format: str) -> Callable[[], bytes]:
    """Return a callable writing the filtered rows in `export_format`, so it runs only on click."""
    write = EXPORT_FORMATS[export_format].write

    def build() -> bytes:
        incidents = incidents_frame(store_dir)
        groups = event_groups(store_dir)
        if not counts_once(store_dir, query):
            return write(filter_incidents(incidents, query), groups=groups)
        return write(once_view(store_dir, query, incidents, groups))

    return build


def once_view(store_dir: str, query: IncidentQuery, incidents: pd.DataFrame,
              groups: pd.DataFrame) -> pd.DataFrame:
    """Return the events in view, one row each, as `python -m sahel export --once` writes them
    (`sahel.export.once_view_rows`, from this page's cached view)."""
    shown, _figures = dashboard_cache.selection(store_dir, query)
    counted = dashboard_cache.counted_once(store_dir, query)
    return once_view_rows(incidents, groups, counted.group_of, shown)
