"""The chart over time and the regions' trends on the page, through AppTest: the trends table
against plain pandas, and a brush on the chart or a click in the trends setting the filters.

AppTest has no interaction for chart and table selections, so `send_selection` runs the script
with the selection in the widget states, as the browser sends it (Streamlit's own test harness
does the same for its widgets); tests/e2e/test_chart_e2e.py drags on the real chart.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any
from unittest import mock

import pandas as pd
import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.testing.v1 import AppTest

from sahel.datasets import DEMO_PREFIX
from sahel.incidents import load_incidents
from sahel.synthetic import write_store

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "dashboard.py")


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("trends_store")
    write_store(directory, 600, seed=21)
    return directory


@pytest.fixture(scope="module")
def everything(store_dir: Path) -> pd.DataFrame:
    """Return the rows of the default view: the user's (demonstration data left out)."""
    rows = load_incidents(store_dir)
    return rows[~rows["dataset_name"].fillna("").str.startswith(DEMO_PREFIX)]


@pytest.fixture
def app(store_dir: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(store_dir))
    at = AppTest.from_file(APP, default_timeout=60).run()
    return at.run()  # the whole page, as after the map's "painted" message


def element(at: AppTest, kind: str, key: str) -> Any:
    (found,) = [e for e in at.get(kind) if e.proto.id.endswith(f"-{key}")]
    return found


def send_selection(at: AppTest, kind: str, key: str, value: dict[str, Any]) -> AppTest:
    """Run the script as after the user selected `value` in the chart or table `key`."""
    states = WidgetStates()
    states.CopyFrom(at._tree.get_widget_states())  # noqa: SLF001 (no public way, see above)
    state = states.widgets.add()
    state.id = element(at, kind, key).proto.id
    state.string_value = json.dumps(value)
    return at._run(states)  # noqa: SLF001


def count(at: AppTest) -> int:
    value = next(m.value for m in at.metric if m.label == "Incidents")
    return int(value.replace(",", ""))


def trends(at: AppTest) -> pd.DataFrame:
    return element(at, "dataframe", "trends_table").value


def expected_trends(rows: pd.DataFrame, days: int, weight: str | None = None,
                    end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Return the trends the page should show, computed with plain pandas: over the `days`
    days to `end` (default: the last incident)."""
    located = rows.dropna(subset=["admin1"])
    day = located["event_date"].dt.normalize()
    end = day.max() if end is None else end
    values = (located[weight].fillna(0) if weight else pd.Series(1, index=located.index))

    def total(last: pd.Timestamp) -> pd.Series:
        inside = (day > last - pd.Timedelta(days=days)) & (day <= last)
        return values[inside].groupby([located["country"][inside],
                                       located["admin1"][inside]]).sum()

    found = pd.DataFrame({"recent": total(end), "previous": total(end - pd.Timedelta(days=days)),
                          "year": total(end - pd.DateOffset(years=1))}).fillna(0).astype(int)
    found["change"] = found["recent"] - found["previous"]
    return found[(found[["recent", "previous", "year"]] > 0).any(axis=1)]


def check_trends(at: AppTest, rows: pd.DataFrame, days: int, weight: str | None = None,
                 end: pd.Timestamp | None = None) -> None:
    shown = trends(at)
    wanted = expected_trends(rows, days, weight, end)
    got = shown.set_index(["Country", "Region"])
    assert sorted(got.index) == sorted(wanted.index)
    got = got.loc[wanted.index]
    assert got[f"Last {days} days"].tolist() == wanted["recent"].tolist()
    assert got[f"{days} days before"].tolist() == wanted["previous"].tolist()
    assert got["A year earlier"].tolist() == wanted["year"].tolist()
    assert got["Change"].tolist() == wanted["change"].tolist()
    # Largest rise first.
    assert shown["Change"].is_monotonic_decreasing


def test_trends_table_matches_pandas(app: AppTest, everything: pd.DataFrame) -> None:
    assert not app.exception, app.exception
    check_trends(app, everything, 30)
    caption = next(c.value for c in app.caption if c.value.startswith("Incidents per region"))
    end = everything["event_date"].max()
    assert f"to {end.day} {end:%b} {end.year}" in caption
    assert "Every filter applies but the dates and regions" in caption


def test_trends_follow_the_days_the_measure_and_the_filters(
        app: AppTest, everything: pd.DataFrame) -> None:
    app.button_group(key="trends_days").set_value(365).run()
    check_trends(app, everything, 365)
    app.button_group(key="over_time_measure").set_value("fatalities").run()
    check_trends(app, everything, 365, weight="fatalities")
    app.multiselect(key="event_types").set_value(["Battles"]).run()
    check_trends(app, everything[everything["event_type"] == "Battles"], 365,
                 weight="fatalities")
    # The dates' start and the regions do not narrow the trends; the dates' end is their end.
    app.multiselect(key="regions").set_value(["Mopti"]).run()
    app.date_input(key="dates").set_value((date(2024, 1, 1), date(2024, 12, 31))).run()
    battles = everything[(everything["event_type"] == "Battles")
                         & (everything["event_date"] <= pd.Timestamp("2024-12-31"))]
    assert not app.exception, app.exception
    check_trends(app, battles, 365, weight="fatalities", end=pd.Timestamp("2024-12-31"))
    assert len(trends(app)) > 1


def test_clicking_a_trend_row_filters_to_its_region(app: AppTest,
                                                    everything: pd.DataFrame) -> None:
    region, country = trends(app).loc[1, ["Region", "Country"]]
    send_selection(app, "dataframe", "trends_table",
                   {"selection": {"rows": [1], "columns": [], "cells": []}})
    assert not app.exception, app.exception
    assert app.multiselect(key="regions").value == [region]
    assert count(app) == int(((everything["admin1"] == region)
                              & (everything["country"] == country)).sum())
    # The trends still list every region, to pick another.
    assert len(trends(app)) > 1


def test_clicking_a_region_keeps_the_countries_picked(app: AppTest) -> None:
    app.multiselect(key="countries").set_value(["MLI"]).run()
    shown = trends(app)
    assert set(shown["Country"]) == {"Mali"}
    send_selection(app, "dataframe", "trends_table",
                   {"selection": {"rows": [0], "columns": [], "cells": []}})
    assert app.multiselect(key="countries").value == ["MLI"]
    assert app.multiselect(key="regions").value == [shown.loc[0, "Region"]]


def test_brushing_the_chart_sets_the_dates(app: AppTest, everything: pd.DataFrame) -> None:
    (chart,) = app.get("vega_lite_chart")
    assert list(chart.proto.selection_mode) == ["span"]
    spec = json.loads(chart.proto.spec)
    assert spec["params"][0]["select"]["encodings"] == ["x"]

    def ms(day: str) -> int:
        return int(pd.Timestamp(day, tz="UTC").timestamp() * 1000)

    # Months for a view of several years: the brush widens to whole months.
    send_selection(app, "vega_lite_chart", "over_time_chart",
                   {"selection": {"span": {"start": [ms("2024-02-10"), ms("2024-04-03")]}}})
    assert not app.exception, app.exception
    assert app.date_input(key="dates").value == (date(2024, 2, 1), date(2024, 4, 30))
    inside = everything["event_date"].between(pd.Timestamp("2024-02-01"),
                                              pd.Timestamp("2024-04-30"))
    assert count(app) == int(inside.sum())
    # A three-month view has a bar a week; "All dates" shows every date again.
    spec = json.loads(app.get("vega_lite_chart")[0].proto.spec)
    assert spec["encoding"]["y"]["title"] == "Incidents per week"
    app.button(key="over_time_all_dates").click().run()
    assert count(app) == len(everything)
    assert not [b for b in app.button if b.key == "over_time_all_dates"]


def test_an_empty_brush_changes_nothing(app: AppTest, everything: pd.DataFrame) -> None:
    send_selection(app, "vega_lite_chart", "over_time_chart", {"selection": {"span": {}}})
    assert not app.exception and count(app) == len(everything)


def test_table_and_chart_words_in_french(app: AppTest) -> None:
    app.radio(key="lang").set_value("fr").run()
    assert not app.exception, app.exception
    table = app.dataframe[0].value  # the incidents (the trends come after)
    assert list(table.columns[:7]) == ["Date", "Lieu", "Région", "Groupes armés",
                                       "Type d’événement", "Victimes", "Source"]
    assert "30 derniers jours" in trends(app).columns
    spec = json.loads(app.get("vega_lite_chart")[0].proto.spec)
    assert spec["encoding"]["y"]["title"] == "Incidents par mois"
    assert [s.value for s in app.subheader][:2] == ["Dans le temps", "Tendances par région"]


def test_nothing_in_view_says_so(app: AppTest) -> None:
    app.text_input(key="text").input("no such place anywhere").run()
    assert not app.exception, app.exception
    assert count(app) == 0
    captions = [c.value for c in app.caption]
    assert "No incidents in view." in captions
    assert not app.get("vega_lite_chart")


def test_warmed_caches_hold_the_first_visits_chart_and_trends(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dashboard_cache

    write_store(tmp_path, 50, seed=5)
    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path))
    with mock.patch("dashboard_cache.timeline_chart", side_effect=dashboard_cache.timeline_chart
                    ) as charted, \
            mock.patch("dashboard_cache.region_trends",
                       side_effect=dashboard_cache.region_trends) as counted:
        dashboard_cache.warm(str(tmp_path))  # what serve.py does while the server starts
        at = AppTest.from_file(APP, default_timeout=60).run()
        at.run()  # the whole page
        assert not at.exception and trends(at) is not None
        assert (charted.call_count, counted.call_count) == (1, 1)
        at.button_group(key="trends_days").set_value(90).run()
        assert (charted.call_count, counted.call_count) == (1, 2)
