"""The "Add from report" page through Streamlit's AppTest: seed in, two incidents to the store."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from unittest import mock

import folium
import pytest
from streamlit.testing.v1 import AppTest

from sahel.store import IncidentStore

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "pages" / "1_Add_from_report.py"
SEED = ROOT / "tests" / "fixtures" / "rfi_2023-11-25_jnim_niafunke_goundam.txt"


@pytest.fixture
def maps() -> Any:
    """Capture the folium maps the page hands to st_folium (AppTest cannot run JavaScript)."""
    captured: list[folium.Map] = []
    with mock.patch("streamlit_folium.st_folium",
                    lambda fmap, **kwargs: captured.append(fmap)):
        yield captured


def _extract(store: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(store))
    app = AppTest.from_file(str(PAGE), default_timeout=60).run()
    app.text_area(key="report_text").set_value(SEED.read_text(encoding="utf-8"))
    app.date_input(key="report_published").set_value(date(2023, 11, 25))
    app.text_input(key="report_source").set_value("RFI")
    app.button(key="extract").click().run()
    assert not app.exception
    return app


def test_seed_proposes_two_incidents_and_marks_kidal_background(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, maps: list[folium.Map]) -> None:
    app = _extract(tmp_path / "store", monkeypatch)
    assert [s.value for s in app.subheader] == ["2 proposed incident(s)"]
    assert "Kidal" in app.info[0].value
    claims = " ".join(m.value for m in app.markdown)
    assert "sources locales" in claims and "JNIM" in claims and "armée" in claims
    html = maps[-1].get_root().render()
    assert "Niafunk" in html and "Goundam" in html
    assert IncidentStore(tmp_path / "store").load().empty


def test_add_to_store_writes_the_incidents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           maps: list[folium.Map]) -> None:
    app = _extract(tmp_path / "store", monkeypatch)
    app.button(key="add_to_store").click().run()
    assert not app.exception
    assert "2 added" in app.success[0].value
    stored = IncidentStore(tmp_path / "store").load()
    assert sorted(stored["location"]) == ["Goundam", "Niafunké"]
    assert set(stored["source"]) == {"RFI"} and set(stored["dataset"]) == {"report"}


def test_empty_form_warns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                          maps: list[folium.Map]) -> None:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path / "store"))
    app = AppTest.from_file(str(PAGE), default_timeout=60).run()
    app.button(key="extract").click().run()
    assert [w.value for w in app.warning] == ["Paste a report or upload a file first."]


def test_report_without_a_date_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       maps: list[folium.Map]) -> None:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path / "store"))
    app = AppTest.from_file(str(PAGE), default_timeout=60).run()
    app.text_area(key="report_text").set_value(SEED.read_text(encoding="utf-8"))
    app.button(key="extract").click().run()
    assert not app.exception
    assert any(w.value.startswith("No publication date") and "Published" in w.value
               for w in app.warning)
    assert any("published unknown" in c.value for c in app.caption)


HEADED = ("PUBLISHED: {day}\n---\nAu Mali, des hommes armés ont attaqué vendredi le camp "
          "militaire de Goundam, tuant trois soldats.\n")


@pytest.mark.parametrize(("upload", "says"), [
    (("report.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00", "text/plain"), "binary file"),
    (("report.txt", b"\xe9t\xe9 \x81\x8d", "text/plain"), "not text"),
    (("report.txt", b"", "text/plain"), "empty"),
    (("report.txt", b"  \n\n", "text/plain"), "empty"),
    (("report.txt", b"PUBLISHED: 2023-11-25\n---\n", "text/plain"), "no text after"),
    (("report.txt", b"Boni. " * 40_000, "text/plain"), "over the limit of 200,000"),
    (("report.txt", b"ok \x1b[2J", "text/plain"), "control character"),
], ids=["binary", "undecodable", "empty", "blank", "header-only", "too-long", "escape-codes"])
def test_hostile_upload_shows_an_error_not_a_stack(
        upload: tuple[str, bytes, str], says: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, maps: list[folium.Map]) -> None:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path / "store"))
    app = AppTest.from_file(str(PAGE), default_timeout=60).run()
    app.file_uploader(key="report_file").set_value(upload)
    app.button(key="extract").click().run()
    assert not app.exception
    [error] = app.error
    assert error.value.startswith("This report cannot be read:") and says in error.value
    assert not app.subheader  # no proposals shown


def test_too_long_paste_shows_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       maps: list[folium.Map]) -> None:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path / "store"))
    app = AppTest.from_file(str(PAGE), default_timeout=60).run()
    app.text_area(key="report_text").set_value("Boni. " * 40_000)
    app.button(key="extract").click().run()
    assert not app.exception
    assert "200,000" in app.error[0].value and "split it" in app.error[0].value


@pytest.mark.parametrize("day", ["2023-02-30", "0000-01-01", "9999-12-31"])
def test_impossible_published_day_warns_and_extracts_undated(
        day: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        maps: list[folium.Map]) -> None:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path / "store"))
    app = AppTest.from_file(str(PAGE), default_timeout=60).run()
    upload = HEADED.format(day=day).encode()
    app.file_uploader(key="report_file").set_value(("r.txt", upload, "text/plain"))
    app.button(key="extract").click().run()
    assert not app.exception and not app.error
    assert any(f"Publication date {day} is not a calendar day" in w.value for w in app.warning)
    assert [s.value for s in app.subheader] == ["1 proposed incident(s)"]


@pytest.mark.parametrize("encoding", ["utf-16", "cp1252"])
def test_windows_encodings_upload(encoding: str, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch,
                                  maps: list[folium.Map]) -> None:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path / "store"))
    app = AppTest.from_file(str(PAGE), default_timeout=60).run()
    upload = HEADED.format(day="2023-11-25").encode(encoding)
    app.file_uploader(key="report_file").set_value(("r.txt", upload, "text/plain"))
    app.button(key="extract").click().run()
    assert not app.exception and not app.error
    assert [s.value for s in app.subheader] == ["1 proposed incident(s)"]
    assert "Goundam" in maps[-1].get_root().render()


def test_a_failing_extraction_shows_an_error_and_drops_older_proposals(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, maps: list[folium.Map]) -> None:
    app = _extract(tmp_path / "store", monkeypatch)
    assert [s.value for s in app.subheader] == ["2 proposed incident(s)"]

    def broken(report: object) -> object:
        raise RuntimeError("boom")

    with mock.patch("sahel.extract.extract_report", broken):
        app.button(key="extract").click().run()
    assert not app.exception
    assert app.error[0].value.startswith("Could not extract incidents from this report")
    assert not app.subheader
