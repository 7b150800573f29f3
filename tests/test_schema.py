import subprocess
import sys

import pandas as pd
import pytest

from sahel import PROJECT_ROOT
from sahel.schema import COLUMNS, Claim, claims_from_json, claims_to_json, conform, empty_incidents


def test_every_column_is_documented_in_docs_data_md():
    doc = (PROJECT_ROOT / "docs" / "data.md").read_text(encoding="utf-8")
    missing = [c.name for c in COLUMNS if f"`{c.name}`" not in doc]
    assert missing == []


def test_empty_frame_has_canonical_columns_and_crs():
    frame = empty_incidents()
    assert list(frame.columns[:-1]) == [c.name for c in COLUMNS]
    assert frame.crs.to_epsg() == 4326


def test_conform_builds_points_and_casts():
    frame = conform(pd.DataFrame({"event_id": ["x"], "event_date": ["2023-11-24"],
                                  "latitude": [15.93], "longitude": [-3.99],
                                  "fatalities": [12.0], "extra": [1]}))
    assert "extra" not in frame.columns
    assert frame.geometry.iloc[0].x == pytest.approx(-3.99)
    assert frame["fatalities"].iloc[0] == 12


def test_claims_round_trip_keeps_each_claim_apart():
    claims = [Claim("JNIM", "armed_group", "killed", "plusieurs dizaines", 12, None),
              Claim("sources locales", "local_sources", "killed", "une cinquantaine", 50, 50)]
    assert claims_from_json(claims_to_json(claims)) == claims


def test_sahel_never_imports_streamlit():
    code = ("import sys, pkgutil, importlib, sahel\n"
            "for m in pkgutil.walk_packages(sahel.__path__, 'sahel.'):\n"
            "    importlib.import_module(m.name)\n"
            "print('streamlit' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=PROJECT_ROOT, check=True)
    assert out.stdout.strip() == "False"
