"""The page in English and French through AppTest: the switch changes every word, never a filter;
the language picked holds on every page of the app and on the way back (dashboard_language)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from sahel.incidents import load_incidents
from sahel.synthetic import write_store

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "dashboard.py")
REPORT_PAGE, MANAGE_PAGE = "pages/1_Add_from_report.py", "pages/2_Manage.py"
TITLES = {"en": {"dashboard.py": "Sahel incidents",
                 REPORT_PAGE: "Add incidents from a news report",
                 MANAGE_PAGE: "Datasets and people"},
          "fr": {"dashboard.py": "Incidents au Sahel",
                 REPORT_PAGE: "Ajouter des incidents à partir d’un article de presse",
                 MANAGE_PAGE: "Jeux de données et personnes"}}
# Words the same in both languages (the switch names each language in its own words).
SAME_IN_BOTH = {"Incidents", "Dates", "Source", "Sources", "English", "Français", "CSV",
                "GeoJSON", "GeoParquet", "Date", "Notes", "Actions", "Type", "Total", "Max",
                "Min", "Region", "–"}
# Text fields of the elements' messages that people read.
TEXT_FIELDS = ("body", "label", "help", "placeholder", "caption", "text", "title")
# Widgets whose options are names from the data (armed groups, datasets, places, types).
DATA_WIDGETS = {"groups", "datasets", "countries", "regions", "event_types"}
# A string with no word in it: numbers, dates, signs.
NO_WORDS = re.compile(r"[\d\s\W_]*")


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("language_store")
    write_store(directory, 300, seed=17)
    return directory


@pytest.fixture(scope="module")
def data_values(store_dir: Path) -> set[str]:
    """Return the names the data hold (groups, places, types, datasets): never translated."""
    incidents = load_incidents(store_dir)
    columns = ("group1", "group2", "actor1", "actor2", "admin1", "admin2", "location",
               "country", "iso3", "event_type", "sub_event_type", "dataset_name", "source")
    return {str(value) for column in columns if column in incidents.columns
            for value in incidents[column].dropna().unique()}


@pytest.fixture
def app(store_dir: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(store_dir))
    at = AppTest.from_file(APP, default_timeout=60).run()
    return at.run()  # the map's "painted" message: the whole page


def page_texts(at: AppTest) -> set[str]:
    """Return every string the page shows: headings, captions, figures' labels and help,
    widgets' labels, help, placeholders and options, buttons, alerts, tabs, table headers."""
    texts: set[str] = set()
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None or not hasattr(proto, "ListFields") or type(node).__name__ == "Html":
            continue  # st.html carries the page's style, not words
        for field, value in proto.ListFields():
            if field.name in TEXT_FIELDS and isinstance(value, str):
                texts.add(value)
            elif field.name == "options" and getattr(node, "key", None) not in DATA_WIDGETS:
                texts.update(option for option in value if isinstance(option, str))
        if type(node).__name__ == "Dataframe":
            texts.update(str(column) for column in node.value.columns)
    return {text.strip() for text in texts if text.strip()}


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    children = getattr(node, "children", None)
    for child in (children.values() if isinstance(children, dict) else ()):
        yield from _nodes(child)


def words(texts: set[str], data: set[str]) -> set[str]:
    """Return the texts that must change with the language: not data, numbers or the same
    words in both languages."""
    return {text for text in texts
            if text not in data and text not in SAME_IN_BOTH and not NO_WORDS.fullmatch(text)}


def switch_to(at: AppTest, language: str) -> AppTest:
    return at.radio(key="lang").set_value(language).run()


def test_the_switch_changes_every_word_on_the_page(app: AppTest, data_values: set[str]) -> None:
    english = page_texts(app)
    assert {"Sahel incidents", "Armed groups", "Add data"} <= english
    french = page_texts(switch_to(app, "fr"))
    assert not app.exception, app.exception
    assert {"Incidents au Sahel", "Groupes armés", "Ajouter des données"} <= french
    unchanged = sorted(words(english, data_values) & french)
    assert not unchanged, "the same in French:\n" + "\n".join(unchanged)
    # And back: the English page again, word for word.
    assert page_texts(switch_to(app, "en")) == english


def test_switching_keeps_the_filters_and_the_figures(app: AppTest) -> None:
    group = app.multiselect(key="groups").options[0]
    app.multiselect(key="groups").set_value([group]).run()
    app.number_input(key="min_fatalities").set_value(2).run()
    before = [(m.value, m.help) for m in app.metric]
    incidents = app.metric[0].value
    switch_to(app, "fr")
    assert app.multiselect(key="groups").value == [group]
    assert app.number_input(key="min_fatalities").value == 2
    assert app.metric[0].value == incidents.replace(",", "\u202f")
    assert len(app.metric) == len(before)


def test_numbers_and_dates_follow_the_language(app: AppTest, store_dir: Path) -> None:
    incidents = load_incidents(store_dir)
    shown = incidents[~incidents["dataset_name"].fillna("").str.startswith("demo")]
    count = len(shown)
    switch_to(app, "fr")
    figures = {m.label: m.value for m in app.metric}
    assert figures["Incidents"] == f"{count:,}".replace(",", "\u202f")
    first = pd.Timestamp(shown["event_date"].min())
    months = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.",
              "oct.", "nov.", "déc.")
    exact = f"{first.day} {months[first.month - 1]} {first.year}"
    assert any(c.value.startswith(exact) for c in app.caption), [c.value for c in app.caption]


def test_the_browsers_language_is_the_default(store_dir: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(store_dir))

    def browser(field: str) -> str | None:
        return "fr-FR" if field == "locale" else None

    with mock.patch("streamlit.runtime.context._context_info_field", side_effect=browser):
        at = AppTest.from_file(APP, default_timeout=60).run()
        assert at.title[0].value == "Incidents au Sahel"
        at.run()
    assert at.radio(key="lang").value == "fr"
    assert "Groupes armés" in [m.label for m in at.metric]


def test_an_upload_is_reported_in_the_language_of_the_page(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=60).run().run()
    rows = "event_id,event_date,latitude,longitude\nA,2023-01-05,95,-3\nB,2023-01-06,95,-3\n"
    at.file_uploader(key="upload").set_value(("bad.csv", rows.encode(), "text/csv")).run()
    assert "none of its 2 rows could be kept" in at.sidebar.error[0].value
    switch_to(at, "fr")
    error = at.sidebar.error[0].value
    assert error.startswith("bad.csv n’a pas été importé : aucune de ses 2 lignes")
    # The reasons are translated on the page; the rejects CSV keeps them in English.
    assert "latitude/longitude hors limites (2)" in error
    rejects = at.download_button(key="rejects")
    assert rejects.label == "Télécharger les lignes rejetées (CSV)"


def go_to(at: AppTest, page: str) -> AppTest:
    """Open another page as its link in the sidebar does (Streamlit clears the query string)."""
    at.query_params = {}
    return at.switch_page(page).run()


def speaks(at: AppTest, page: str) -> str:
    """Return the language of the page's title and switch (they must agree)."""
    assert not at.exception, at.exception
    (language,) = [k for k, titles in TITLES.items() if at.title[0].value == titles[page]]
    assert at.radio(key="lang").value == language  # the switch is on every page
    return language


def test_the_language_picked_holds_on_every_page_and_on_the_way_back(app: AppTest) -> None:
    switch_to(app, "fr")
    for page in (REPORT_PAGE, MANAGE_PAGE, REPORT_PAGE):
        go_to(app, page)
        assert speaks(app, page) == "fr"
        # Its next run, which Streamlit makes without the map's switch, as any click does.
        assert speaks(app.run(), page) == "fr"
    switch_to(app, "en")
    assert speaks(app, REPORT_PAGE) == "en"
    go_to(app, "dashboard.py")
    assert speaks(app, "dashboard.py") == "en" and app.query_params == {}
    assert speaks(app.run(), "dashboard.py") == "en"
    switch_to(go_to(app, MANAGE_PAGE), "fr")
    go_to(app, "dashboard.py")
    assert speaks(app, "dashboard.py") == "fr" and app.query_params == {"lang": "fr"}


def test_a_links_language_holds_on_the_other_pages(store_dir: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(store_dir))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params = {"lang": "fr"}
    at.run().run()
    assert speaks(at, "dashboard.py") == "fr"
    assert speaks(go_to(at, REPORT_PAGE).run(), REPORT_PAGE) == "fr"
    # A link to another page in a new session speaks the link's language too.
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params = {"lang": "fr"}
    at.switch_page(MANAGE_PAGE).run()
    assert speaks(at, MANAGE_PAGE) == "fr"
