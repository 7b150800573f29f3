"""The "Add from report" page through Streamlit's AppTest: seed in, two incidents to the store."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any
from unittest import mock

import folium
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard_access import RequestFacts
from sahel.extract.review import REVIEW_COLUMNS, keep_known_values
from sahel.schema import conform
from sahel.store import IncidentStore
from sahel.store.roles import roles_for

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


def _extract(store: Path, monkeypatch: pytest.MonkeyPatch, source: str = "RFI",
             language: str | None = None) -> AppTest:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(store))
    app = AppTest.from_file(str(PAGE), default_timeout=60)
    if language is not None:
        app.session_state["lang"] = language
    app.run()
    app.text_area(key="report_text").set_value(SEED.read_text(encoding="utf-8"))
    app.date_input(key="report_published").set_value(date(2023, 11, 25))
    app.text_input(key="report_source").set_value(source)
    app.button(key="extract").click().run()
    assert not app.exception
    return app


def test_seed_proposes_two_incidents_and_marks_kidal_background(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, maps: list[folium.Map]) -> None:
    app = _extract(tmp_path / "store", monkeypatch)
    assert app.subheader[0].value == "2 proposed incidents"
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
    assert app.subheader[0].value == "1 proposed incident"


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
    assert app.subheader[0].value == "1 proposed incident"
    assert "Goundam" in maps[-1].get_root().render()


def test_a_failing_extraction_shows_an_error_and_drops_older_proposals(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, maps: list[folium.Map]) -> None:
    app = _extract(tmp_path / "store", monkeypatch)
    assert app.subheader[0].value == "2 proposed incidents"

    def broken(report: object) -> object:
        raise RuntimeError("boom")

    with mock.patch("sahel.extract.extract_report", broken):
        app.button(key="extract").click().run()
    assert not app.exception
    assert app.error[0].value.startswith("Could not extract incidents from this report")
    assert not app.subheader


def _add_again(app: AppTest, source: str) -> AppTest:
    app.text_input(key="report_source").set_value(source)
    app.button(key="extract").click().run()
    app.button(key="add_to_store").click().run()
    assert not app.exception
    return app


def test_a_report_added_again_with_source_blank_keeps_the_stored_source(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, maps: list[folium.Map]) -> None:
    store = tmp_path / "store"
    app = _extract(store, monkeypatch)
    app.button(key="add_to_store").click().run()
    assert "2 added" in app.success[0].value
    _add_again(app, "")
    # Nothing the store knew is lost: the blank field took the stored value, so nothing changed.
    assert "0 added, 0 updated, 2 unchanged" in app.success[0].value
    stored = IncidentStore(store).load()
    assert len(stored) == 2 and set(stored["source"]) == {"RFI"}
    # A source typed in does replace it.
    _add_again(app, "Jeune Afrique")
    assert "2 updated" in app.success[0].value
    assert set(IncidentStore(store).load()["source"]) == {"Jeune Afrique"}


def test_keep_known_values_fills_only_blank_cells_of_ids_already_stored() -> None:
    stored = conform(pd.DataFrame([
        {"event_id": "RPT-1", "event_date": "2023-11-24", "latitude": 15.93, "longitude": -3.99,
         "source": "RFI", "source_url": "https://www.rfi.fr/a", "notes": "old notes",
         "fatalities": 12, "flags": "undated"}]))
    incoming = conform(pd.DataFrame([
        {"event_id": "RPT-1", "event_date": "2023-11-24", "latitude": 15.93, "longitude": -3.99,
         "source": "  ", "source_url": None, "notes": "new notes", "fatalities": None,
         "flags": None},
        {"event_id": "RPT-2", "event_date": "2023-11-24", "latitude": 16.41, "longitude": -3.67,
         "source": None}]))
    kept = keep_known_values(incoming, stored).set_index("event_id")
    assert kept.loc["RPT-1", "source"] == "RFI"
    assert kept.loc["RPT-1", "source_url"] == "https://www.rfi.fr/a"
    assert kept.loc["RPT-1", "fatalities"] == 12
    assert kept.loc["RPT-1", "notes"] == "new notes"  # a filled field replaces
    assert pd.isna(kept.loc["RPT-1", "flags"])  # no flag now is a fact, not a blank
    assert pd.isna(kept.loc["RPT-2", "source"])  # a new incident has nothing to keep


def _review_labels(app: AppTest) -> dict[str, str]:
    columns = json.loads(app.dataframe[0].proto.columns)
    return {name: config["label"] for name, config in columns.items() if "label" in config}


@pytest.mark.parametrize(("language", "expected"), [
    ("en", {"admin1": "Region", "group1": "Armed group", "group2": "Target",
            "fatalities_low": "Fatalities (low)", "location": "Place"}),
    ("fr", {"admin1": "Région", "group1": "Groupe armé", "group2": "Cible",
            "fatalities_low": "Victimes (bas)", "location": "Lieu"}),
])
def test_every_review_column_has_a_human_label(
        language: str, expected: dict[str, str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, maps: list[folium.Map]) -> None:
    app = _extract(tmp_path / "store", monkeypatch, language=language)
    labels = _review_labels(app)
    assert set(labels) == set(REVIEW_COLUMNS)
    assert expected.items() <= labels.items()
    # No raw field name shows: neither a column name nor a claim's role or kind.
    assert not set(labels.values()) & set(REVIEW_COLUMNS)
    claims = " ".join(m.value for m in app.markdown)
    assert "local_sources" not in claims and "armed_group" not in claims


def _visible_text(app: AppTest) -> list[str]:
    texts = [*(e.value for e in (*app.title, *app.subheader, *app.caption, *app.info,
                                 *app.warning)),
             *(w.label for w in (*app.button, *app.text_input, *app.text_area,
                                 *app.date_input, *app.selectbox, *app.file_uploader))]
    texts += [*(w.help or "" for w in (*app.text_input, *app.date_input)),
              *app.selectbox(key="report_lang").options]
    return texts + list(_review_labels(app).values())


def test_the_page_speaks_french_every_string_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, maps: list[folium.Map]) -> None:
    english = _visible_text(_extract(tmp_path / "en", monkeypatch))
    french_app = _extract(tmp_path / "fr", monkeypatch, language="fr")
    french = _visible_text(french_app)
    assert len(english) == len(french) > 30
    # Words that are the same in both languages, and data values, stay as they are.
    same = {"Date", "Latitude", "Longitude", "URL", "Source", "", "Kidal"}
    unchanged = [e for e, f in zip(english, french, strict=True) if e == f and e not in same]
    assert unchanged == []
    assert french_app.title[0].value == "Ajouter des incidents à partir d’un article de presse"
    assert french_app.subheader[0].value == "2 incidents proposés"
    assert french_app.button(key="add_to_store").label == "Ajouter 2 incidents à la base"
    claims = " ".join(m.value for m in french_app.markdown)
    assert "24 nov. 2023" in claims and "**JNIM** (groupe armé, tués)" in claims


def test_french_errors_from_reading_a_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             maps: list[folium.Map]) -> None:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path / "store"))
    app = AppTest.from_file(str(PAGE), default_timeout=60)
    app.session_state["lang"] = "fr"
    app.run()
    app.text_area(key="report_text").set_value("Boni. " * 40_000)
    app.button(key="extract").click().run()
    assert [e.value for e in app.error] == [
        "Ce reportage ne peut pas être lu : le reportage compte 240\u202f000 caractères, au-delà "
        "de la limite de 200\u202f000 : découpez-le en plusieurs reportages."]


def test_a_pasted_path_is_text_never_a_file_read_on_the_server(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, maps: list[folium.Map]) -> None:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path / "store"))
    app = AppTest.from_file(str(PAGE), default_timeout=60).run()
    app.text_area(key="report_text").set_value(str(SEED))
    app.date_input(key="report_published").set_value(date(2023, 11, 25))
    app.button(key="extract").click().run()
    assert not app.exception and not app.error
    # The seed file read from disk would give its two attacks.
    assert [s.value for s in app.subheader] == ["0 proposed incidents"]


def test_a_proposal_matching_a_record_on_hand_is_offered_as_another_source(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, maps: list[folium.Map]) -> None:
    # The seed report's two incidents are the shipped seed incidents: each is shown with its
    # match (date, place, groups, toll, reasons) and added as another source by default.
    app = _extract(tmp_path / "store", monkeypatch)
    assert app.subheader[1].value == "2 proposals are already on hand from another source"
    shown = " ".join(m.value for m in app.markdown)
    assert "**Matches:** 24 Nov 2023 · Niafunké, Tombouctou, Mali · JNIM – FAMa · toll 12" in shown
    assert "SEED\\-RFI\\-20231124\\-1" in shown and "SEED\\-RFI\\-20231124\\-2" in shown
    assert any(c.value.startswith("Score 0.9") and "same day" in c.value for c in app.caption)
    radios = [r for r in app.radio if r.key.startswith("match_")]
    assert len(radios) == 2 and {r.value for r in radios} == {"source"}
    # Goundam as a new incident, Niafunké as another source.
    goundam = next(r for r in radios if r.key.endswith(_proposed_id(app, "Goundam")))
    goundam.set_value("new").run()
    app.button(key="add_to_store").click().run()
    assert not app.exception
    assert "2 added" in app.success[0].value
    assert app.info[-1].value == ("1 of them is another source of an event already on hand: "
                                  "linked to it.")
    store = IncidentStore(tmp_path / "store")
    decisions = store.load_decisions()
    pairs = {tuple(sorted((a, b))): d for a, b, d in zip(
        decisions["event_id_a"], decisions["event_id_b"], decisions["decision"], strict=True)}
    stored = store.load()
    ids = dict(zip(stored["location"], stored["event_id"], strict=True))
    assert pairs == {
        tuple(sorted((ids["Niafunké"], "SEED-RFI-20231124-1"))): "confirmed",
        tuple(sorted((ids["Goundam"], "SEED-RFI-20231124-2"))): "rejected"}
    # Stored and linked: the Niafunké pair is one event group, Goundam stays apart.
    from sahel.link_upkeep import current_groups
    groups = current_groups(store)
    assert set(groups["event_id"]) == {ids["Niafunké"], "SEED-RFI-20231124-1"}


def _proposed_id(app: AppTest, place: str) -> str:
    """Return the event id the page proposes for the incident at `place`."""
    extraction = app.session_state["extraction"]
    return next(str(r["event_id"]) for r in extraction.records if r["location"] == place)


def test_the_signed_in_editor_is_named_as_the_decider_on_the_embedded_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, maps: list[folium.Map]) -> None:
    # With sign-in by a proxy, the embedded store has no writer's name of its own: the decision
    # a report's match records names the editor, not the server's login.
    monkeypatch.setenv("SAHEL_AUTH", "proxy")
    monkeypatch.setenv("USER", "server-login")
    monkeypatch.delenv("SAHEL_USER", raising=False)
    roles_for(IncidentStore(tmp_path / "store")).grant("amina", "editor", "jean")
    facts = RequestFacts(headers=(("X-Sahel-User", "amina"),), peer="127.0.0.1")
    with mock.patch("dashboard_access.request_facts", return_value=facts):
        app = _extract(tmp_path / "store", monkeypatch)
        app.button(key="add_to_store").click().run()
    assert not app.exception and "2 added" in app.success[0].value
    decisions = IncidentStore(tmp_path / "store").load_decisions()
    assert list(decisions["decided_by"]) == ["amina", "amina"]
