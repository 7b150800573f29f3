"""The page's downloads (dashboard_downloads.py): three buttons, built only on click, each file
byte for byte what `python -m sahel export` writes with the same filters."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import dashboard_downloads
from sahel.__main__ import main
from sahel.incidents import load_incidents
from sahel.query import IncidentQuery, filter_incidents, normalise_query
from sahel.sources import read_incidents

FORMATS = [("csv", "--csv"), ("geojson", "--geojson"), ("parquet", "--parquet")]


def downloads_page(store_dir: str, language: str) -> None:
    """A page of the three buttons only (AppTest runs this function as a script)."""
    import streamlit as st

    import dashboard_downloads
    from sahel.i18n import use_language
    from sahel.query import IncidentQuery

    use_language(language)
    dashboard_downloads.draw_downloads(st.container(horizontal=True), store_dir,
                                       IncidentQuery(include_demo=True))


@pytest.mark.parametrize(("language", "labels"), [
    ("en", ["Download CSV", "Download GeoJSON", "Download GeoParquet"]),
    ("fr", ["Télécharger le CSV", "Télécharger le GeoJSON", "Télécharger le GeoParquet"]),
])
def test_three_buttons_in_the_pages_language_and_nothing_built_before_a_click(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, language: str,
        labels: list[str]) -> None:
    built: list[str] = []
    monkeypatch.setattr(dashboard_downloads, "filter_incidents",
                        lambda *args: built.append("filtered"))
    at = AppTest.from_function(downloads_page, args=(str(tmp_path), language),
                               default_timeout=60).run()
    assert not at.exception, at.exception
    buttons = {key: at.download_button(key=f"download_{key}") for key, _ in FORMATS}
    assert [button.label for button in buttons.values()] == labels
    assert all(button.help for button in buttons.values())
    assert built == []


@pytest.fixture
def shipped(monkeypatch: pytest.MonkeyPatch) -> pd.DataFrame:
    """Serve the builders the shipped incidents (the page's cached frame needs a server)."""
    incidents = load_incidents(None)
    monkeypatch.setattr(dashboard_downloads, "incidents_frame", lambda store_dir: incidents)
    return incidents


@pytest.mark.parametrize(("export_format", "option"), FORMATS)
@pytest.mark.parametrize(("cli_filters", "filters"), [
    (["--region", "Tombouctou"], {"regions": frozenset({"Tombouctou"})}),
    (["--group", "JNIM"], {"groups": frozenset({"JNIM"})}),
    ([], {}),
])
def test_each_download_is_what_the_cli_writes_and_holds_exactly_the_filtered_rows(
        shipped: pd.DataFrame, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes],
        export_format: str, option: str, cli_filters: list[str],
        filters: dict[str, Any]) -> None:
    query = normalise_query(IncidentQuery(include_demo=True, **filters))
    data = dashboard_downloads.builder(str(tmp_path), query, export_format)()
    assert main(["export", "--store", str(tmp_path), "--demo", *cli_filters, option, "-"]) == 0
    assert data == capsysbinary.readouterr().out
    expected = filter_incidents(shipped, query)
    back = read_incidents(io.BytesIO(data), name=f"download.{export_format}").incidents
    assert len(back) == len(expected) > 0
    assert list(back["event_id"]) == list(expected["event_id"])
