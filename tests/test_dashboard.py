"""The dashboard through AppTest: each filter by its key; figures and table checked with pandas."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from unittest import mock

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from sahel import actors
from sahel.datasets import DEMO_PREFIX
from sahel.export import to_csv_bytes
from sahel.incidents import Replica, load_incidents
from sahel.store import IncidentStore
from sahel.synthetic import synthetic_incidents, write_store

ROOT = Path(__file__).resolve().parents[1]
# The store holds the user's rows: the default view leaves the shipped examples out, and says so.
DEFAULT_CAPTION = "Incidents: demonstration data left out"
APP = str(ROOT / "dashboard.py")
Mask = Callable[[pd.DataFrame], pd.Series]


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("dash_store")
    write_store(directory, 400, seed=7)
    return directory


@pytest.fixture(scope="module")
def everything(store_dir: Path) -> pd.DataFrame:
    """Return what the default view counts: the user's rows (the store has some, so the shipped
    demonstration data is left out)."""
    return user_rows(load_incidents(store_dir))


def user_rows(incidents: pd.DataFrame) -> pd.DataFrame:
    return incidents[~incidents["dataset_name"].fillna("").str.startswith(DEMO_PREFIX)]


def open_dashboard() -> AppTest:
    """Return the dashboard as a browser has it once the map has painted: the first run draws
    the map first, and the map's "painted" message reruns the script (a second run here)."""
    at = AppTest.from_file(APP, default_timeout=60).run()
    return at.run()


@pytest.fixture
def app(store_dir: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(store_dir))
    return open_dashboard()


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def count(at: AppTest, label: str) -> int:
    return int(metric(at, label).replace(",", ""))


def map_args(at: AppTest) -> dict:
    (element,) = at.get("component_instance")
    return json.loads(element.proto.json_args)


def map_count(at: AppTest) -> int:
    found = re.search(r'\{"n":(\d+),', map_args(at)["feature_group"])
    assert found is not None
    return int(found.group(1))


def expected(incidents: pd.DataFrame, mask: pd.Series) -> pd.DataFrame:
    chosen = incidents[mask.fillna(False).astype(bool)]
    return chosen.sort_values(["event_date", "event_id"], ascending=[False, True])


def check_view(at: AppTest, rows: pd.DataFrame) -> None:
    assert not at.exception, at.exception
    assert count(at, "Incidents") == len(rows)
    assert count(at, "Fatalities (best)") == int(rows["fatalities"].sum())
    table = at.dataframe[0].value
    assert table["Event ID"].tolist() == rows["event_id"].head(len(table)).tolist()
    assert map_count(at) == len(rows)


def test_default_view_shows_every_incident(app: AppTest, everything: pd.DataFrame) -> None:
    check_view(app, expected(everything, pd.Series(True, index=everything.index)))
    assert app.caption[0].value == DEFAULT_CAPTION
    # A missing place or toll reads as a dash, not "None".
    assert app.dataframe[0].proto.placeholder == "–"
    assert count(app, "Regions") == len(everything[["iso3", "admin1"]].dropna().drop_duplicates())


def test_first_run_draws_the_map_then_the_rest(
        store_dir: Path, monkeypatch: pytest.MonkeyPatch, everything: pd.DataFrame) -> None:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(store_dir))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    assert map_count(at) == len(everything)
    # Above the map: the title, the query and the figures' box, empty until the next run.
    assert at.title[0].value == "Sahel incidents" and at.caption[0].value == DEFAULT_CAPTION
    assert not at.metric
    # The map is asked to say when it has painted; the sidebar waits for it, under its header.
    assert '"tellStreamlit":true' in map_args(at)["feature_group"]
    assert [h.value for h in at.sidebar.header] == ["Filters"]
    assert not at.sidebar.multiselect and not at.dataframe and not at.get("download_button")
    at.run()  # what the map's message (or the fallback timer) starts
    assert not at.exception, at.exception
    assert count(at, "Incidents") == len(everything)
    assert at.multiselect(key="groups").value == [] and at.dataframe[0].value is not None
    assert at.download_button(key="download_csv").label == "Download CSV"
    assert map_count(at) == len(everything)


def test_warmed_caches_serve_the_first_visit_without_building_anything(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dashboard_cache

    write_store(tmp_path, 50, seed=5)
    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path))
    with mock.patch("dashboard_cache.incident_layer", side_effect=dashboard_cache.incident_layer
                    ) as built, mock.patch.object(Replica, "_reload", autospec=True,
                                                  side_effect=Replica._reload) as loaded, \
            mock.patch("dashboard_cache.timeline_chart",
                       side_effect=dashboard_cache.timeline_chart) as charted:
        dashboard_cache.warm(str(tmp_path))  # what serve.py does while the server starts
        assert (built.call_count, loaded.call_count, charted.call_count) == (1, 1, 1)
        at = AppTest.from_file(APP, default_timeout=60).run()
        assert (built.call_count, loaded.call_count) == (1, 1)  # the first run found them all
        assert not at.exception and map_count(at) == len(user_rows(load_incidents(tmp_path)))
        at.run()  # the whole page, after the map has painted: the chart was made already
        assert charted.call_count == 1 and len(at.dataframe[0].value) == count(at, "Incidents")
        at.multiselect(key="regions").set_value(["Mopti"]).run()
        # A new view and its chart are built.
        assert (built.call_count, loaded.call_count, charted.call_count) == (2, 1, 2)


def _groups(incidents: pd.DataFrame, wanted: frozenset[str]) -> pd.Series:
    return incidents["group1"].isin(wanted) | incidents["group2"].isin(wanted)


def _folded_contains(incidents: pd.DataFrame, needle: str) -> pd.Series:
    columns = ["location", "actor1", "actor2", "group1", "group2", "notes"]
    text = incidents[columns].fillna("").agg(" ".join, axis=1).str.lower()
    return text.str.contains(needle, regex=False)


FILTERS: list[tuple[str, Callable[[AppTest], object], Mask]] = [
    ("groups", lambda at: at.multiselect(key="groups").set_value(["Islamic State Sahel"]),
     lambda d: _groups(d, actors.expand_groups({"Islamic State Sahel"}))),
    ("include_components",
     lambda at: (at.multiselect(key="groups").set_value(["JNIM"]),
                 at.checkbox(key="include_components").uncheck()),
     lambda d: _groups(d, frozenset({"JNIM"}))),
    ("countries", lambda at: at.multiselect(key="countries").set_value(["BFA"]),
     lambda d: d["iso3"] == "BFA"),
    ("regions", lambda at: at.multiselect(key="regions").set_value(["Mopti"]),
     lambda d: d["admin1"] == "Mopti"),
    ("dates", lambda at: at.date_input(key="dates").set_value((date(2024, 1, 1),
                                                               date(2024, 6, 30))),
     lambda d: d["event_date"].between(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-06-30"))),
    ("event_types", lambda at: at.multiselect(key="event_types").set_value(["Battles"]),
     lambda d: d["event_type"] == "Battles"),
    ("min_fatalities", lambda at: at.number_input(key="min_fatalities").set_value(10),
     lambda d: d["fatalities"].fillna(0) >= 10),
    ("precisions", lambda at: at.multiselect(key="precisions").set_value([3]),
     lambda d: d["geo_precision"] == 3),
    ("text", lambda at: at.text_input(key="text").input("djibo"),
     lambda d: _folded_contains(d, "djibo")),
]


@pytest.mark.parametrize(("key", "act", "mask"), FILTERS, ids=[f[0] for f in FILTERS])
def test_each_filter_narrows_figures_table_and_map(app: AppTest, everything: pd.DataFrame,
                                                   key: str, act: Callable[[AppTest], object],
                                                   mask: Mask) -> None:
    act(app)
    app.run()
    rows = expected(everything, mask(everything))
    assert 0 < len(rows) < len(everything), f"filter {key} should select a strict subset"
    check_view(app, rows)
    assert app.caption[0].value != DEFAULT_CAPTION


def test_region_choices_follow_the_country(app: AppTest, store_dir: Path) -> None:
    app.multiselect(key="regions").set_value(["Mopti"]).run()
    app.multiselect(key="countries").set_value(["BFA"]).run()
    # Choices come from every dataset on hand, the demonstration ones too.
    every = load_incidents(store_dir)
    burkina = set(every.loc[every["iso3"] == "BFA", "admin1"].dropna())
    # Each option's label may name its aliases after " · " (sahel.option_search.search_label).
    assert {o.split(" · ")[0] for o in app.multiselect(key="regions").options} == burkina
    assert app.multiselect(key="regions").value == []  # Mopti is not in Burkina Faso
    assert not app.exception


def test_caption_describes_the_query(app: AppTest) -> None:
    app.multiselect(key="regions").set_value(["Mopti"]).run()
    app.number_input(key="min_fatalities").set_value(5).run()
    assert app.caption[0].value == ("Incidents: region Mopti · at least 5 fatalities · "
                                    "demonstration data left out")


def test_map_assets_are_served_by_the_app(app: AppTest) -> None:
    args = map_args(app)
    assert args["js_links"] and args["css_links"]
    for url in args["js_links"] + args["css_links"]:
        assert url.startswith("/app/static/"), url
    assert args["returned_objects"] == []  # panning and zooming rerun nothing


def test_csv_is_built_only_when_clicked(store_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(store_dir))
    with mock.patch("sahel.export.to_csv_bytes", side_effect=to_csv_bytes) as built:
        at = open_dashboard()
        at.multiselect(key="regions").set_value(["Mopti"]).run()
    assert at.download_button(key="download_csv").label == "Download CSV"
    assert built.call_count == 0


def test_attribution_names_ucdp_for_shipped_ucdp_rows(app: AppTest) -> None:
    app.checkbox(key="include_demo").check().run()
    (credits,) = [c.value for c in app.caption if c.value.startswith("Sources: ")]
    assert "Sundberg" in credits and "CC BY 4.0" in credits
    assert "OpenStreetMap contributors" in credits and "Natural Earth" in credits


def test_upload_adds_to_the_store_and_reports_counts(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path))
    at = open_dashboard()
    before = count(at, "Incidents")
    upload = to_csv_bytes(synthetic_incidents(25, seed=99))
    at.file_uploader(key="upload").set_value(("mine.csv", upload, "text/csv")).run()
    assert not at.exception and not at.error
    assert "25 kept" in at.sidebar.success[0].value
    # The user now has data of their own: the demonstration data is left out, and said so.
    assert count(at, "Incidents") == 25
    assert "demonstration data left out" in at.caption[0].value
    at.checkbox(key="include_demo").check().run()
    assert count(at, "Incidents") == before + 25



def test_an_upload_with_an_event_type_outside_the_taxonomy_says_so_and_offers_one_other_option(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path))
    at = open_dashboard()
    frame = synthetic_incidents(4, seed=3)
    frame.loc[0, "event_type"] = "Unicorn attack"
    at.file_uploader(key="upload").set_value(("odd.csv", to_csv_bytes(frame), "text/csv")).run()
    assert not at.exception and not at.error
    message = at.sidebar.success[0].value
    assert "4 kept" in message and "outside ACLED's taxonomy" in message and "Unicorn" in message
    options = at.multiselect(key="event_types").options
    assert "Unicorn attack" not in options
    assert "Other (not in ACLED's taxonomy)" in options

def test_rows_imported_from_the_cli_show_without_a_restart(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path))
    write_store(tmp_path, 30, seed=5)
    at = open_dashboard()
    assert count(at, "Incidents") == 30
    export = tmp_path / "more.csv"
    export.write_bytes(to_csv_bytes(synthetic_incidents(12, seed=6)))
    done = subprocess.run([sys.executable, "-m", "sahel", "import", str(export),
                           "--store", str(tmp_path)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    at.run()
    assert count(at, "Incidents") == 42


def test_group_options_change_what_is_counted(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path))
    frame = synthetic_incidents(4, seed=3)
    frame["group1"] = ["JNIM", "JNIM and/or Islamic State Sahel", "FAMa", "Ansar Dine"]
    frame["assoc_groups1"] = [None, None, "JNIM", None]
    frame["event_date"] = pd.to_datetime(["2023-01-01", "2023-01-02", "2023-01-03",
                                          "2016-01-04"])
    IncidentStore(tmp_path).add(frame)
    at = open_dashboard()
    assert "1 uncertain attribution" in " ".join(c.value for c in at.caption)
    at.multiselect(key="groups").set_value(["JNIM"]).run()
    assert count(at, "Incidents") == 2  # main and associated; not the uncertain one, not 2016
    at.checkbox(key="include_uncertain").check().run()
    assert count(at, "Incidents") == 3
    at.checkbox(key="include_associated").uncheck().run()
    assert count(at, "Incidents") == 2
    assert map_count(at) == 2
    assert not at.exception


def test_unreadable_upload_is_an_error_message_not_a_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path))
    at = open_dashboard()
    at.file_uploader(key="upload").set_value(("notes.csv", b"what,ever\n1,2\n", "text/csv"))
    at.run()
    assert not at.exception
    assert "notes.csv was not imported" in at.sidebar.error[0].value


def test_a_file_with_no_row_kept_is_an_error_with_its_commonest_reasons(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path))
    at = open_dashboard()
    frame = synthetic_incidents(3, seed=4)
    frame["latitude"] = 95.0  # out of range in every row
    at.file_uploader(key="upload").set_value(("bad.csv", to_csv_bytes(frame), "text/csv")).run()
    assert not at.exception
    error = at.sidebar.error[0].value
    assert "bad.csv was not imported: none of its 3 rows could be kept" in error
    assert "out of range (3)" in error
    assert at.download_button(key="rejects").label == "Download rejected rows (CSV)"


def test_a_poisoned_store_row_is_skipped_and_said(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path))
    frame = synthetic_incidents(6, seed=8)
    frame["claims"] = frame["claims"].astype("object")
    frame.loc[0, "claims"] = "{not json"  # as an older version could have written it
    pd.DataFrame(frame.drop(columns="geometry")).to_parquet(IncidentStore(tmp_path).path)
    at = open_dashboard()
    assert not at.exception
    assert count(at, "Incidents") == 5
    assert "1 stored row was skipped" in at.warning[0].value


def test_an_unreadable_store_is_an_error_message(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path))
    IncidentStore(tmp_path).path.write_bytes(b"this is not parquet")
    at = open_dashboard()
    assert not at.exception
    assert "not" in at.error[0].value.lower() and "Traceback" not in at.error[0].value


def test_an_unexpected_error_in_an_upload_is_a_sentence_not_a_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path))
    at = open_dashboard()
    # The script imports read_incidents from sahel.sources on each run.
    with mock.patch("sahel.sources.read_incidents", side_effect=ZeroDivisionError("boom")):
        upload = to_csv_bytes(synthetic_incidents(2, seed=1))
        at.file_uploader(key="upload").set_value(("x.csv", upload, "text/csv")).run()
    assert not at.exception
    assert "unexpected ZeroDivisionError" in at.sidebar.error[0].value
