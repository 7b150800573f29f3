"""Rows read back from the store or a shipped file: the sound ones, and why the others are skipped.

What the store holds has passed validation, but a file written by an older version (or edited by
hand) may hold a row this version cannot show: a claims cell that is not a list of claims
(`schema.claims_problem`), a number or date that does not fit its column, no event_id, no
coordinates. Such a row is skipped and reported, never raised: one bad row must not take every
colleague's dashboard down.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd

from sahel.i18n import format_number, ngettext
from sahel.reasons import translate_reason
from sahel.schema import COLUMNS, claims_problem, conform

# How many distinct reasons a report's sentence names; the rest are counted.
SHOWN_REASONS = 3
# Bounds of the integer columns (pandas' nullable integers raise outside them).
INTEGER_BOUNDS: dict[str, tuple[float, float]] = {"Int8": (-(2**7), 2**7 - 1),
                                                   "Int64": (-(2**63), 2**63 - 1)}
# The dates a datetime64[ns] column holds (1677-09-22 to 2262-04-11).
EARLIEST_STORABLE = pd.Timestamp.min.ceil("D")
LATEST_STORABLE = pd.Timestamp.max.floor("D")
COORDINATE_LIMITS = {"latitude": 90.0, "longitude": 180.0}


@dataclass(frozen=True)
class SkippedRow:
    """One stored row not loaded: its file, its position there (from 0), its event_id, why."""

    file: str
    row: int
    event_id: str
    reason: str


@dataclass(frozen=True)
class LoadReport:
    """The stored rows a load skipped, with their reasons (empty: every row was loaded)."""

    skipped: tuple[SkippedRow, ...] = ()

    def __len__(self) -> int:
        return len(self.skipped)

    def __add__(self, other: LoadReport) -> LoadReport:
        return LoadReport(self.skipped + other.skipped)

    def reasons(self) -> list[tuple[str, int]]:
        """Return each reason with its number of rows, commonest first."""
        counts = Counter(row.reason for row in self.skipped)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    def reasons_text(self) -> str:
        """Return the commonest reasons with their counts ("claims is not valid JSON (2); …"),
        in the current language."""
        reasons = self.reasons()
        shown = "; ".join(f"{translate_reason(reason)} ({format_number(count)})"
                          for reason, count in reasons[:SHOWN_REASONS])
        more = len(reasons) - SHOWN_REASONS
        if more <= 0:
            return shown
        return shown + "; " + ngettext("{count} other reason", "{count} other reasons",
                                       more).format(count=format_number(more))

    def message(self) -> str:
        """Return one sentence for people ("2 stored rows were skipped: …"), or "" if none."""
        if not self.skipped:
            return ""
        files = ", ".join(sorted({row.file for row in self.skipped}))
        return ngettext("{count} stored row was skipped ({files}): {reasons}",
                        "{count} stored rows were skipped ({files}): {reasons}",
                        len(self)).format(count=format_number(len(self)), files=files,
                                          reasons=self.reasons_text())


class SoundRows(NamedTuple):
    """The rows that load (canonical), the report of the others, and the others as stored."""

    incidents: gpd.GeoDataFrame
    report: LoadReport
    unsound: pd.DataFrame


def sound_rows(raw: pd.DataFrame, file: str) -> SoundRows:
    """Return the rows of `raw` (as read from `file`) that conform, and report the others.

    A row is skipped when a cell does not fit its column (a number that is not one or overflows,
    a date outside 1677–2262 or unreadable), its claims are not a valid list of claims, or it has
    no event_id or no coordinates (or coordinates outside ±90/±180). Nothing raises.
    """
    raw = raw.reset_index(drop=True)
    reasons = np.full(len(raw), "", dtype=object)
    bad = np.zeros(len(raw), dtype=bool)

    def skip(mask: np.ndarray | pd.Series, reason: str | np.ndarray) -> None:
        new = np.asarray(mask, dtype=bool) & ~bad
        if new.any():
            reasons[new] = reason if isinstance(reason, str) else reason[new]
            bad[new] = True

    columns: dict[str, pd.Series] = {}
    for column in COLUMNS:
        values = (raw[column.name] if column.name in raw.columns
                  else pd.Series(None, index=raw.index, dtype="object"))
        columns[column.name], misfit = _cast(values, column.dtype)
        skip(misfit, f"{column.name} {_MISFIT.get(column.dtype, 'not readable')}")
    ids = columns["event_id"]
    skip(ids.isna() | ids.str.strip().eq("").fillna(True), "no event_id")
    for name, limit in COORDINATE_LIMITS.items():
        skip(columns[name].isna(), f"no {name}")
        skip((columns[name].abs() > limit).fillna(False), f"{name} outside ±{limit:g}")
    problems = _claims_problems(columns["claims"])
    skip(problems != "", problems)
    frame = pd.DataFrame(columns)
    if bad.any():
        frame = frame.loc[~bad]
    incidents, failed = _conform_each(frame)
    if failed:
        positions = np.flatnonzero(~bad)
        for position, reason in failed.items():
            reasons[positions[position]] = reason
            bad[positions[position]] = True
    rows = np.flatnonzero(bad)
    report = LoadReport(tuple(
        SkippedRow(file, int(k), _shown_id(raw, int(k)), str(reasons[k])) for k in rows))
    unsound = raw.iloc[rows].assign(skipped_because=reasons[rows])
    return SoundRows(incidents, report, unsound)


_MISFIT = {"Int8": "not a whole number from -128 to 127",
           "Int64": "not a whole number within 64 bits",
           "float64": "not a finite number",
           "datetime64[ns]": "not a date from 1677-09-22 to 2262-04-11"}


def _cast(values: pd.Series, dtype: str) -> tuple[pd.Series, np.ndarray]:
    """Return the values cast to `dtype` (misfits missing) and which cells did not fit."""
    if dtype == "str":
        return _texts(values), np.zeros(len(values), dtype=bool)
    if dtype.startswith("datetime64"):
        return _dates(values, dtype)
    return _numbers(values, dtype)


def _texts(values: pd.Series) -> pd.Series:
    try:
        return values.astype("str")
    except (TypeError, ValueError):  # e.g. bytes that are not UTF-8
        return values.astype("object").map(
            lambda v: v if v is None or isinstance(v, str) or _missing(v) else repr(v)
        ).astype("str")


def _numbers(values: pd.Series, dtype: str) -> tuple[pd.Series, np.ndarray]:
    if pd.api.types.is_integer_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
            values.dtype) and dtype in INTEGER_BOUNDS:
        low, high = INTEGER_BOUNDS[dtype]
        misfit = ((values < low) | (values > high)).fillna(False).to_numpy(dtype=bool)
        return values.where(~misfit).astype(dtype), misfit
    blank = _blank(values)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            numbers = pd.to_numeric(values.where(~blank), errors="coerce")
        floats = pd.Series(np.asarray(numbers, dtype="float64"), index=values.index)
    except (TypeError, ValueError, OverflowError):
        floats = values.astype("object").where(~blank).map(_one_number).astype("float64")
    low, high = INTEGER_BOUNDS.get(dtype, (-math.inf, math.inf))
    finite = np.isfinite(floats.to_numpy(dtype="float64", na_value=np.nan))
    # Strictly inside the bounds: 2**63 - 1 is 2**63 as a float.
    misfit = ~blank.to_numpy(dtype=bool) & ~(finite & (floats > low).to_numpy()
                                             & (floats < high).to_numpy())
    kept = floats.where(~misfit)
    if dtype in INTEGER_BOUNDS:
        kept = kept.round()
    return kept.astype(dtype), misfit


def _one_number(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return math.nan


def _dates(values: pd.Series, dtype: str) -> tuple[pd.Series, np.ndarray]:
    blank = _blank(values)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        dates = values
    else:
        texts = values.astype("object").where(~blank).map(_date_text)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dates = pd.to_datetime(texts, errors="coerce", format="ISO8601", utc=True)
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_convert("UTC").dt.tz_localize(None)
    inside = ((dates >= EARLIEST_STORABLE) & (dates <= LATEST_STORABLE)).fillna(False)
    misfit = ~blank.to_numpy(dtype=bool) & ~inside.to_numpy(dtype=bool)
    return dates.where(~misfit).astype(dtype), misfit


def _date_text(value: object) -> object:
    if isinstance(value, str):
        return value
    isoformat = getattr(value, "isoformat", None)
    return isoformat() if callable(isoformat) else None


def _blank(values: pd.Series) -> pd.Series:
    """Return True where a cell is missing or blank text (as a missing value)."""
    blank = values.isna()
    if pd.api.types.is_string_dtype(values.dtype):
        blank |= values.astype("str").str.strip().eq("").fillna(True)
    elif values.dtype == object:
        blank |= values.map(lambda v: isinstance(v, str) and not v.strip())
    return blank.astype(bool)


def _missing(value: object) -> bool:
    return isinstance(value, float) and value != value


def _claims_problems(claims: pd.Series) -> np.ndarray:
    """Return why each row's claims cell is invalid ("" where it is valid or empty)."""
    out = np.full(len(claims), "", dtype=object)
    present = (claims.notna() & claims.str.strip().ne("").fillna(False)).to_numpy(dtype=bool)
    if not present.any():
        return out
    problems = {value: claims_problem(value) for value in claims[present].unique()}
    found = claims[present].map(problems).fillna("")
    out[present] = found.to_numpy(dtype=object)
    return out


def _conform_each(frame: pd.DataFrame) -> tuple[gpd.GeoDataFrame, dict[int, str]]:
    """Return `frame` conformed; should that still fail, conform row by row and say which not."""
    try:
        return conform(frame), {}
    except Exception:  # noqa: BLE001 - the promise is that a bad row never stops a load
        pass
    good, failed = [], {}
    for position in range(len(frame)):
        try:
            conform(frame.iloc[[position]])
            good.append(position)
        except Exception as error:  # noqa: BLE001 - same promise, row by row
            failed[position] = f"unreadable ({type(error).__name__})"
    return conform(frame.iloc[good]), failed


def _shown_id(raw: pd.DataFrame, position: int) -> str:
    if "event_id" not in raw.columns:
        return ""
    value = raw["event_id"].iloc[position]
    return "" if value is None or _missing(value) else str(value)[:80]
