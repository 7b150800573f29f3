"""Reject and skip reasons in French on the page; in English (the files', the CLI's) unchanged."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from language import french  # noqa: F401 (a fixture; tests/ is on sys.path)

from sahel import sources
from sahel.export import to_csv_bytes
from sahel.reasons import REASONS, translate_reason
from sahel.synthetic import synthetic_incidents


@pytest.mark.parametrize(("reason", "expected"), [
    ("missing event_id", "event_id manquant"),
    ("unparseable fatalities 'x'", "fatalities 'x' illisible"),
    ("fatalities above 100,000", "fatalities supérieur à 100\u202f000"),
    ("geo_precision not 1, or", "geo_precision différent de 1, 2 ou 3"),
    ("event_date outside 1946-01-01 to 2027-12-03",
     "event_date hors de la période du 1946-01-01 au 2027-12-03"),
    ("invalid claims: claim 2: `low` above `high`",
     "claims invalide : revendication 2 : `low` supérieur à `high`"),
    ("latitude outside ±90", "latitude hors de ±90"),
    ("no event_id; claims is not valid JSON", "pas de event_id; claims n’est pas du JSON valide"),
    ("a reason not known here", "a reason not known here"),
])
@pytest.mark.usefixtures("french")
def test_reasons_are_translated_keeping_names_and_values(reason: str, expected: str) -> None:
    assert translate_reason(reason) == expected


def test_english_reasons_are_left_as_written() -> None:
    assert translate_reason("fatalities above 100,000") == "fatalities above 100,000"


def test_every_kind_of_reason_of_a_bad_file_has_a_pattern() -> None:
    frame = pd.read_csv(io.BytesIO(to_csv_bytes(synthetic_incidents(12, seed=2))), dtype=str,
                        keep_default_na=False)
    bad = {"event_id": "", "event_date": "garbage", "latitude": "95", "fatalities": "1.5",
           "geo_precision": "7", "claims": "{not json", "iso_numeric": "5000"}
    for row, (column, value) in enumerate(bad.items()):
        frame.loc[row, column] = value
    frame.loc[8, ["latitude", "longitude"]] = ["0", "0"]
    frame.loc[9, "event_date"] = "1800-01-01"
    frame.loc[10, "fatalities"] = "-2"
    result = sources.read_incidents(io.BytesIO(frame.to_csv(index=False).encode()),
                                    name="bad.csv")
    kinds = [kind for kind, _count in result.top_reasons(50)]
    assert len(kinds) >= 10
    unknown = [kind for kind in kinds
               if not any(pattern.fullmatch(kind) for pattern, _message in REASONS)]
    assert not unknown
