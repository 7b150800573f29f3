"""Benchmark baseline: the usual Streamlit/folium page, one folium.Marker per incident.

Same store and offline assets as the dashboard; only the point layer differs. Not part of the app.
"""

from __future__ import annotations

import folium
import streamlit as st
from streamlit_folium import st_folium

from sahel.incidents import load_incidents
from sahel.maps import SAHEL_CENTER, OfflineMap

incidents = load_incidents()
fmap = OfflineMap(location=SAHEL_CENTER, zoom_start=5, tiles=None)
for row in incidents[["latitude", "longitude", "location", "event_date"]].itertuples(index=False):
    folium.Marker([row.latitude, row.longitude],
                  tooltip=f"{row.event_date:%Y-%m-%d} · {row.location}").add_to(fmap)
st.metric("Incidents", len(incidents))
st_folium(fmap, height=600, use_container_width=True, returned_objects=[])
