"""The view in the URL, through AppTest: a view's query string opens the same view in a new
session; Back, Forward and the way back from "Add from report" keep it; a link's unknown values
are left out with a note; the Region, Country and Armed-group boxes find any alias."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from sahel.synthetic import write_store

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "dashboard.py")
ADD_PAGE = "pages/1_Add_from_report.py"


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("url_store")
    write_store(directory, 300, seed=5)
    return directory


@pytest.fixture(autouse=True)
def _store(store_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(store_dir))


def open_page(params: dict[str, Any] | None = None, **context: Any) -> AppTest:
    """Open the page in a new session with the URL's `params`, as a browser does: the map's
    first run, then the whole page."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params = dict(params or {})
    at.context = {"locale": "en-GB", **context}
    at.run()
    return at.run()


def view(at: AppTest) -> tuple[str, list[tuple[str, str]]]:
    """Return what the page says it shows: the query's caption and the headline figures."""
    assert not at.exception, at.exception
    return at.caption[0].value, [(m.label, m.value) for m in at.metric]


def box(at: AppTest, key: str) -> Any:
    return at.multiselect(key=key)


def test_a_first_visit_keeps_a_clean_url() -> None:
    at = open_page()
    assert at.query_params == {}
    box(at, "regions").set_value([]).run()  # a run that changes nothing writes nothing
    assert at.query_params == {}


def test_a_views_url_opens_the_same_view_in_a_new_session() -> None:
    at = open_page()
    box(at, "groups").set_value(["JNIM"]).run()
    box(at, "countries").set_value(["MLI"]).run()
    box(at, "regions").set_value(["Tombouctou", "Mopti"]).run()
    at.date_input(key="dates").set_value((date(2015, 1, 1), date(2023, 12, 31))).run()
    at.number_input(key="min_fatalities").set_value(2).run()
    at.checkbox(key="include_uncertain").check().run()
    at.radio(key="region_metric").set_value("fatalities").run()
    shown = view(at)
    assert at.query_params == {
        "group": "JNIM", "uncertain": "1", "country": "MLI", "region": ["Mopti", "Tombouctou"],
        "from": "2015-01-01", "to": "2023-12-31", "min_fat": "2", "shade": "fatalities"}

    again = open_page(at.query_params)
    assert view(again) == shown
    assert again.query_params == at.query_params
    assert box(again, "regions").value == ["Mopti", "Tombouctou"]
    assert again.radio(key="region_metric").value == "fatalities"
    assert not again.info  # nothing to say about a link the page wrote


def test_the_first_run_already_shows_the_links_view() -> None:
    # The map comes first: the first run draws no filter, yet reads the link.
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params = {"region": "Mopti"}
    at.run()
    assert at.caption[0].value.startswith("Incidents: region Mopti")
    assert box(at.run(), "regions").value == ["Mopti"]


def test_a_link_reads_aliases_and_says_so() -> None:
    at = open_page({"region": "Timbuktu", "group": "GSIM"})
    assert box(at, "regions").value == ["Tombouctou"] and box(at, "groups").value == ["JNIM"]
    (note,) = at.info
    assert "Timbuktu → Tombouctou" in note.value and "GSIM → JNIM" in note.value
    # The URL now says the names the page uses.
    assert at.query_params == {"group": "JNIM", "region": "Tombouctou"}


def test_unknown_values_in_a_link_are_left_out_with_a_note() -> None:
    clean = view(open_page())
    at = open_page({"group": "Wagner Group of Atlantis", "region": "Atlantis",
                    "dataset": "nope", "from": "2023-13-45", "min_fat": "lots",
                    "colour": "red"})
    assert view(at) == clean  # nothing of it could be shown: the whole view
    (note,) = at.info
    for said in ('armed group "Wagner Group of Atlantis"', 'region "Atlantis"',
                 'dataset "nope"', 'start date "2023-13-45"', 'minimum fatalities "lots"',
                 'setting "colour"'):
        assert said in note.value
    assert at.query_params == {}
    box(at, "regions").set_value(["Mopti"]).run()
    assert not at.info  # the note is about the link's view only


def test_back_and_forward_show_each_views_filters() -> None:
    at = open_page()
    box(at, "regions").set_value(["Mopti"]).run()
    first = (view(at), dict(at.query_params))
    box(at, "regions").set_value(["Mopti", "Gao"]).run()
    second = (view(at), dict(at.query_params))
    assert first[1] == {"region": "Mopti"} and second[1] == {"region": ["Gao", "Mopti"]}
    # Back: the browser reruns the page with the earlier entry's query string.
    at.query_params = first[1]
    at.run()
    assert (view(at), at.query_params) == first and box(at, "regions").value == ["Mopti"]
    at.query_params = second[1]  # Forward
    at.run()
    assert (view(at), at.query_params) == second
    at.query_params = {}  # Back to the first visit's clean URL
    at.run()
    assert box(at, "regions").value == [] and at.caption[0].value == open_page().caption[0].value


def test_a_change_sent_with_the_url_before_the_last_run_is_kept() -> None:
    # Two changes within one run: the browser sends the second with the query string it had
    # before the first run's URL reached it. That is no Back: both changes stay.
    at = open_page()
    before = dict(at.query_params)
    box(at, "regions").set_value(["Mopti"]).run()
    assert at.query_params == {"region": "Mopti"}
    at.query_params = before  # not yet the first change's URL
    at.radio(key="region_metric").set_value("fatalities").run()
    assert box(at, "regions").value == ["Mopti"]
    assert at.query_params == {"region": "Mopti", "shade": "fatalities"}
    # The same stale query string with no change on the page is Back.
    at.query_params = before
    at.run()
    assert box(at, "regions").value == [] and at.query_params == {}


def test_the_way_back_from_add_from_report_keeps_the_view() -> None:
    at = open_page()
    box(at, "regions").set_value(["Mopti"]).run()
    at.number_input(key="min_fatalities").set_value(3).run()
    shown = (view(at), dict(at.query_params))
    at.switch_page(ADD_PAGE).run()
    assert not at.exception
    at.query_params = {}  # Streamlit clears the query string on a page switch
    at.switch_page("dashboard.py").run()
    assert (view(at), at.query_params) == shown


def test_a_link_keeps_its_view_after_a_visit_to_another_page_and_later_picks() -> None:
    # The link's values are set on the widgets only once they are drawn: a later pick is what
    # comes back after "Add from report", not the link's first value.
    at = open_page({"region": "Mopti"})
    box(at, "regions").set_value(["Mopti", "Gao"]).run()
    at.switch_page(ADD_PAGE).run()
    at.query_params = {}
    at.switch_page("dashboard.py").run()
    assert sorted(box(at, "regions").value) == ["Gao", "Mopti"]


@pytest.mark.parametrize(("key", "typed", "option", "note"), [
    ("regions", "Timbuktu", "Tombouctou", "Read as: Timbuktu → Tombouctou."),
    ("regions", "tillaberi", "Tillabéri", None),
    ("groups", "GSIM", "JNIM", "Read as: GSIM → JNIM."),
    ("groups", "EIGS", "Islamic State Sahel", "Read as: EIGS → Islamic State Sahel."),
    ("countries", "Burkina", "BFA", "Read as: Burkina → Burkina Faso."),
])
def test_a_name_typed_in_a_box_is_read_as_its_option(key: str, typed: str, option: str,
                                                      note: str | None) -> None:
    at = open_page()
    box(at, key).set_value([typed]).run()
    assert box(at, key).value == [option]
    notes = [c.value for c in at.sidebar.caption if "→" in c.value]
    assert notes == ([note] if note else [])
    assert view(at) == view(open_page(at.query_params))


def test_a_typed_name_nothing_matches_is_left_out_with_a_note() -> None:
    at = open_page()
    box(at, "regions").set_value(["Mopti", "Atlantis"]).run()
    assert box(at, "regions").value == ["Mopti"]
    assert 'Nothing here is called "Atlantis".' in [c.value for c in at.sidebar.caption]
    at.number_input(key="min_fatalities").set_value(1).run()
    assert 'Nothing here is called "Atlantis".' not in [c.value for c in at.sidebar.caption]


def test_the_boxes_labels_name_the_aliases_the_browser_would_miss() -> None:
    at = open_page()
    labels = box(at, "regions").options
    assert any(label.startswith("Tombouctou · ") and "Timbuktu" in label for label in labels)
    assert any(label.startswith("Tillabéri · ") and "Tillaberi" in label for label in labels)
    assert "Mali" in box(at, "countries").options
    assert any("GSIM" in label for label in box(at, "groups").options)


def test_the_language_is_in_the_url_when_not_the_browsers() -> None:
    french = open_page({"lang": "fr"})
    assert "Filtres" in [h.value for h in french.sidebar.header]
    assert french.query_params == {"lang": "fr"}
    # A French browser gets French without saying so; English is then the choice to keep.
    at = open_page(locale="fr-FR")
    assert at.query_params == {} and at.session_state["lang"] == "fr"
    at.radio(key="lang").set_value("en").run()
    assert at.query_params == {"lang": "en"}


def test_the_map_layers_ride_along() -> None:
    at = open_page({"layers": ["towns", "heat", "points"]})
    assert at.session_state["map_layers"] == ("towns", "points", "heat")
    assert at.query_params == {"layers": ["towns", "points", "heat"]}
    assert open_page({"layers": ""}).session_state["map_layers"] == ()
    # The map's own first choice is no parameter; an unknown layer is left out with a note.
    default = open_page({"layers": ["regions", "borders", "towns", "points"]})
    assert default.query_params == {}
    odd = open_page({"layers": "moon"})
    assert odd.query_params == {} and 'map layers "moon"' in odd.info[0].value


def test_copy_link_holds_the_full_link_of_the_view() -> None:
    at = open_page({"region": "Mopti"}, url="http://analyst.example:8501/")
    (code,) = at.code
    assert code.value == "http://analyst.example:8501/?region=Mopti"
    box(at, "regions").set_value(["Mopti", "Gao"]).run()
    assert at.code[0].value == "http://analyst.example:8501/?region=Gao&region=Mopti"
