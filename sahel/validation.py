"""Row checks that lose nothing: every input row is kept (maybe flagged) or rejected with a reason.

Vectorised over the whole table. Works on canonical column names holding the source's raw cells
(text from CSV/XLSX, typed values from GeoJSON/GeoParquet) and returns parsed values. Row numbers
are the readers' (see `sahel.sources`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sahel import places

# Tried in order; ACLED writes `24 November 2023` or ISO, spreadsheets add a time of day.
DATE_FORMATS: tuple[str, ...] = ("%Y-%m-%d", "%d %B %Y", "%Y-%m-%d %H:%M:%S",
                                 "%Y-%m-%dT%H:%M:%S", "%d-%B-%Y", "%d %b %Y")
INTEGER_COLUMNS: tuple[str, ...] = ("time_precision", "geo_precision", "fatalities",
                                    "fatalities_low", "fatalities_high", "timestamp")
PRECISION_COLUMNS: tuple[str, ...] = ("time_precision", "geo_precision")
FATALITY_COLUMNS: tuple[str, ...] = ("fatalities", "fatalities_low", "fatalities_high")
SWAPPED = "latitude/longitude swapped?"
OUTSIDE = "point in the sea or outside the covered countries"
ZERO_POINT = "coordinates 0,0 (a placeholder, not a place)"


@dataclass
class Checked:
    """Parsed rows: `kept` (with `flags` and located `loc_*` columns), `rejected` (row, reason)."""

    kept: pd.DataFrame
    rejected: pd.DataFrame


def is_blank(values: pd.Series) -> pd.Series:
    """Return True where a cell is missing or only whitespace."""
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        return values.isna() | values.astype("str").str.strip().eq("")
    return values.isna()


def parse_dates(values: pd.Series) -> pd.Series:
    """Return the cells as dates (NaT where no accepted format fits); see DATE_FORMATS."""
    if pd.api.types.is_datetime64_any_dtype(values):
        stamps = values.dt.tz_localize(None) if getattr(values.dt, "tz", None) else values
        return stamps.dt.normalize().astype("datetime64[ns]")
    text = values.astype("str").str.strip()
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    for fmt in DATE_FORMATS:
        todo = out.isna() & text.ne("") & text.notna()
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        out[todo] = parsed.dt.normalize().astype("datetime64[ns]")
    return out


def check_rows(frame: pd.DataFrame, rows: np.ndarray) -> Checked:
    """Parse and check canonical-named raw cells; return kept rows and (row, reason) rejects."""
    frame = frame.reset_index(drop=True)
    reasons = _Reasons(len(frame))
    out = frame.copy()
    for column in ("event_id", "event_date", "latitude", "longitude"):
        if column not in out.columns:
            out[column] = None
    reasons.add(is_blank(out["event_id"]), "missing event_id")

    dates = parse_dates(out["event_date"])
    blank_date = is_blank(out["event_date"])
    reasons.add(blank_date, "missing event_date")
    reasons.add_each(dates.isna() & ~blank_date, "unparseable event_date {!r}", out["event_date"])
    out["event_date"] = dates

    coords_ok = pd.Series(True, index=out.index)
    for column in ("latitude", "longitude"):
        number = _numbers(out[column])
        blank = is_blank(out[column])
        reasons.add(blank, f"missing {column}")
        reasons.add_each(number.isna() & ~blank, f"unparseable {column} {{!r}}", out[column])
        coords_ok &= number.notna()
        out[column] = number
    lat, lon = out["latitude"], out["longitude"]
    out_of_range = coords_ok & ((lat.abs() > 90) | (lon.abs() > 180))
    reasons.add(out_of_range, "latitude/longitude out of range")
    zero = coords_ok & lat.eq(0) & lon.eq(0)
    reasons.add(zero, ZERO_POINT)

    for column in INTEGER_COLUMNS:
        if column in out.columns:
            number = _numbers(out[column])
            bad = number.isna() & ~is_blank(out[column])
            reasons.add_each(bad, f"unparseable {column} {{!r}}", out[column])
            if column in PRECISION_COLUMNS:
                reasons.add(number.notna() & ~number.isin([1, 2, 3]), f"{column} not 1, 2 or 3")
            if column in FATALITY_COLUMNS:
                reasons.add(number < 0, f"negative {column}")
            out[column] = number.where(~bad)

    located = _locate(out, coords_ok & ~out_of_range & ~zero)
    outside = coords_ok & ~out_of_range & ~zero & located["iso3"].isna()
    # Read back as (lon, lat) = (lat, lon): does the point then fall inside the coverage?
    swapped = outside & _in_coverage(lat.where(outside), lon.where(outside))
    reasons.add(swapped, SWAPPED)
    reasons.add(outside & ~swapped, OUTSIDE)

    ids = out["event_id"].astype("str").str.strip()
    duplicate = ids.duplicated(keep="first") & ~is_blank(out["event_id"])
    first_row = pd.Series(rows, index=out.index).groupby(ids).transform("first")
    reasons.add_each(duplicate, "duplicate event_id (first at row {})", first_row)

    for column in ("iso3", "country", "admin1"):
        out[f"loc_{column}"] = located[column]
    existing = out["flags"] if "flags" in out.columns else pd.Series("", index=out.index)
    # One coordinate exactly 0 is usually a filler; the point may still be real (0° runs
    # through Burkina Faso), so keep it and say so.
    out["flags"] = add_flag(existing, coords_ok & (lat.eq(0) ^ lon.eq(0)), "zero_coordinates")

    rejected_mask = reasons.text.ne("")
    rejected = pd.DataFrame({"row": rows[rejected_mask.to_numpy()],
                             "reason": reasons.text[rejected_mask].to_numpy()},
                            index=out.index[rejected_mask])
    kept = out.loc[~rejected_mask]
    kept.insert(0, "row", rows[~rejected_mask.to_numpy()])
    assert len(kept) + len(rejected) == len(frame), "validation lost rows"
    return Checked(kept=kept, rejected=rejected)


def add_flag(flags: pd.Series, mask: pd.Series, flag: str) -> pd.Series:
    """Return `flags` with `flag` appended (semicolon-separated, no repeats) where `mask`."""
    current = flags.fillna("").astype("str")
    has = current.str.split(";").map(lambda parts: flag in parts)
    target = mask.fillna(False).astype(bool) & ~has
    joined = current.where(current.eq(""), current + ";") + flag
    return current.where(~target, joined)


def _numbers(values: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("float64")
    text = values.astype("str").str.strip()
    # Spreadsheets in French locales write decimal commas.
    text = text.str.replace(r"^(-?\d+),(\d+)$", r"\1.\2", regex=True)
    return pd.to_numeric(text.where(text.ne(""), None), errors="coerce").astype("float64")


def _locate(frame: pd.DataFrame, usable: pd.Series) -> pd.DataFrame:
    located = pd.DataFrame({"iso3": pd.Series(np.nan, index=frame.index, dtype="object"),
                            "country": pd.Series(np.nan, index=frame.index, dtype="object"),
                            "admin1": pd.Series(np.nan, index=frame.index, dtype="object")})
    if usable.any():
        found = places.locate(frame.loc[usable, "longitude"].to_numpy(),
                              frame.loc[usable, "latitude"].to_numpy())
        for column in located.columns:
            located.loc[usable, column] = found[column].to_numpy()
    return located


def _in_coverage(lon: pd.Series, lat: pd.Series) -> pd.Series:
    usable = lon.notna() & lat.notna() & (lat.abs() <= 90)
    inside = pd.Series(False, index=lon.index)
    if usable.any():
        found = places.locate(lon[usable].to_numpy(), lat[usable].to_numpy())
        inside[usable] = found["iso3"].notna().to_numpy()
    return inside


class _Reasons:
    """Accumulates '; '-joined reasons per row without a Python loop over clean rows."""

    def __init__(self, size: int) -> None:
        self.text = pd.Series("", index=range(size), dtype="object")

    def add(self, mask: pd.Series, reason: str) -> None:
        mask = mask.fillna(False).astype(bool).to_numpy()
        if mask.any():
            self._append(mask, pd.Series(reason, index=self.text.index[mask]))

    def add_each(self, mask: pd.Series, template: str, values: pd.Series) -> None:
        mask = mask.fillna(False).astype(bool).to_numpy()
        if mask.any():
            picked = values.to_numpy()[mask]
            self._append(mask, pd.Series([template.format(_short(v)) for v in picked],
                                         index=self.text.index[mask]))

    def _append(self, mask: np.ndarray, reasons: pd.Series) -> None:
        old = self.text[mask]
        self.text[mask] = old.where(old.eq(""), old + "; ") + reasons


def _short(value: object) -> object:
    if isinstance(value, str) and len(value) > 40:
        return value[:40] + "…"
    return value
