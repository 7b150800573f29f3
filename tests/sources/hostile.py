"""What every hostile-input test asserts: typed errors only, nothing lost, nothing bad kept."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pandas as pd

from sahel.schema import claims_problem
from sahel.sources import ImportResult, SourceError, read_incidents
from sahel.store import IncidentStore
from sahel.validation import (
    EARLIEST_DATE,
    EARLIEST_TIMESTAMP,
    INTEGER_RANGES,
    latest_date,
    latest_timestamp,
)


def import_safely(data: bytes, name: str, store_dir: Path | None = None) -> ImportResult | None:
    """Read `data`; return the result (None for a typed whole-file error) after checking it."""
    try:
        result = read_incidents(io.BytesIO(data), name=name)
    except SourceError as error:
        assert_printable(str(error))
        assert len(str(error)) < 400
        return None
    assert result.kept + len(result.rejected) == result.rows_read
    assert_clean(result.incidents)
    for reason in result.rejected["reason"]:
        assert_printable(reason)
        assert len(reason) < 600
    if store_dir is not None:
        store = IncidentStore(store_dir)
        store.add(result.incidents)
        assert len(store.load()) >= result.incidents["event_id"].nunique()
    return result


def assert_printable(text: str) -> None:
    """Fail when text holds a control or bidi character (a terminal would act on it)."""
    assert all(c.isprintable() or c == " " for c in text), repr(text)


def assert_clean(kept: pd.DataFrame) -> None:
    """Fail when a kept row holds a value validation should have rejected."""
    assert all(claims_problem(v) is None for v in kept["claims"])
    for column, (low, high) in INTEGER_RANGES.items():
        values = kept[column].dropna()
        assert values.between(low, high).all(), (column, values.tolist()[:5])
    stamps = kept["timestamp"].dropna()
    assert stamps.between(EARLIEST_TIMESTAMP, latest_timestamp()).all()
    dates = kept["event_date"]
    assert dates.notna().all()
    assert dates.between(EARLIEST_DATE, latest_date()).all()
    for column, bound in (("latitude", 90), ("longitude", 180)):
        assert all(math.isfinite(v) and abs(v) <= bound for v in kept[column])
