"""What the page shows under the map: the downloads, the table, the chart over time and the
sources' attribution. Streamlit only, beside dashboard.py.
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import streamlit as st

import dashboard_cache
from dashboard_cache import incidents_frame
from sahel.export import to_csv_bytes
from sahel.maps import attributions
from sahel.query import IncidentQuery, filter_incidents


def draw_below_map(store_dir: str, query: IncidentQuery, selected: gpd.GeoDataFrame) -> None:
    """Draw the CSV download, the table, the chart over time and the sources' attribution."""
    left, right = st.columns([3, 2])
    left.download_button("Download CSV", csv_builder(store_dir, query), key="download_csv",
                         file_name="sahel_incidents.csv", mime="text/csv", on_click="ignore",
                         help="Exactly the filtered rows, every column; opens in Excel.")
    shown, timeline = dashboard_cache.below_map(store_dir, query)
    if len(shown) < len(selected):
        left.caption(f"Table shows the newest {len(shown):,} of {len(selected):,} incidents; "
                     "the CSV has them all.")
    left.dataframe(shown, key="incident_table", hide_index=True, height=360, placeholder="–")
    right.subheader("Incidents over time")
    if timeline is None:
        right.caption("No incidents in view.")
    else:
        # An image: st.html's sanitiser drops SVG elements.
        right.image(timeline)
    st.caption("Sources: " + " · ".join(attributions(selected)))


def csv_builder(store_dir: str, query: IncidentQuery) -> Callable[[], bytes]:
    """Return a callable building the filtered CSV, so it is built only when clicked."""
    return lambda: to_csv_bytes(filter_incidents(incidents_frame(store_dir), query))


