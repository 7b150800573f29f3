"""Benchmark floor: a Streamlit page with one metric, to measure Streamlit's own shell time."""

from __future__ import annotations

import streamlit as st

st.metric("Incidents", 0)
