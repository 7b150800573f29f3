"""The page's downloads of the filtered incidents: CSV, GeoJSON and GeoParquet. Streamlit only.

Each file is built only when its button is clicked (`data` is a callable), from the same rows as
the map and the same writers as `python -m sahel export`, so a download is byte for byte what the
CLI writes with the same filters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dashboard_cache import incidents_frame
from sahel.export import EXPORT_FORMATS
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


def draw_downloads(container: Any, store_dir: str, query: IncidentQuery) -> None:
    """Draw the CSV, GeoJSON and GeoParquet download buttons of the filtered rows in `container`."""
    for download in DOWNLOADS:
        export = EXPORT_FORMATS[download.format]
        container.download_button(
            _(download.label), builder(store_dir, query, download.format),
            key=f"download_{download.format}", file_name=FILE_STEM + export.extension,
            mime=export.mime, on_click="ignore", help=_(download.help))


def builder(store_dir: str, query: IncidentQuery, export_format: str) -> Callable[[], bytes]:
    """Return a callable writing the filtered rows in `export_format`, so it runs only on click."""
    write = EXPORT_FORMATS[export_format].write
    return lambda: write(filter_incidents(incidents_frame(store_dir), query))
