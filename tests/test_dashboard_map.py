"""The dashboard's map through AppTest: the page's language and the layers kept in the session
reach the map's layer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sahel.maps import DEFAULT_LAYERS

APP = str(Path(__file__).resolve().parents[1] / "dashboard.py")


def map_settings(at: AppTest) -> str:
    """Return the script of the layer the page sent to the map (st_folium's feature group)."""
    (element,) = at.get("component_instance")
    return json.loads(element.proto.json_args)["feature_group"]


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path))
    return AppTest.from_file(APP, default_timeout=60).run()


def test_the_map_shows_the_default_layers_in_english(app: AppTest) -> None:
    sent = map_settings(app)
    assert '"layers":' + json.dumps(list(DEFAULT_LAYERS), separators=(",", ":")) in sent
    assert '"lang":"en"' in sent and "Town names" in sent


def test_the_sessions_layers_and_language_reach_the_map(app: AppTest) -> None:
    app.session_state["map_layers"] = ("heat", "points", "nonsense")
    app.session_state["lang"] = "fr"
    sent = map_settings(app.run())
    assert '"layers":["points","heat"]' in sent
    assert '"lang":"fr"' in sent and "Noms des villes" in sent and "Town names" not in sent
