"""Benchmark reference: the dashboard's map and one metric, with no sidebar, table or chart.

The same base map and incident layer as dashboard.py, built once. Its first visit against the
dashboard's says what the filters, figures, table and chart add; against the one-metric page
(empty_app.py) what the map adds. Not part of the app.
"""

from __future__ import annotations

import copy

import streamlit as st
from streamlit_folium import st_folium

from sahel.incidents import load_incidents
from sahel.maps import base_map, incident_layer


@st.cache_resource
def layer() -> object:
    """Return the layer of every incident in the store, built once."""
    incidents = load_incidents()
    return len(incidents), incident_layer(incidents)


count, group = layer()
st.metric("Incidents", f"{count:,}")
st_folium(base_map(620), feature_group_to_add=copy.deepcopy(group), key="incident_map",
          height=620, use_container_width=True, returned_objects=[])
