"""Row checks that lose nothing: every input row is kept (maybe flagged) or rejected with a reason.

Vectorised over the whole table. Works on canonical column names holding the source's raw cells
(text from CSV/XLSX, typed values from GeoJSON/GeoParquet) and returns parsed values. Row numbers
are the readers' (see `sahel.sources`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sahel import places
from sahel.i18n import _, format_number, ngettext
from sahel.schema import (
    MAX_CLAIM_FIGURE,
    OTHER_EVENT_TYPE,
    acled_event_types,
    claims_problem,
    outside_taxonomy,
)

INTEGER_COLUMNS: tuple[str, ...] = ("time_precision", "geo_precision", "fatalities",
                                    "fatalities_low", "fatalities_high", "timestamp",
                                    "iso_numeric", "population_1km", "population_2km",
                                    "population_5km", "population_best")
PRECISION_COLUMNS: tuple[str, ...] = ("time_precision", "geo_precision")
FATALITY_COLUMNS: tuple[str, ...] = ("fatalities", "fatalities_low", "fatalities_high")
SWAPPED = "latitude/longitude swapped?"
OUTSIDE = "point in the sea or outside Africa"
ZERO_POINT = "coordinates 0,0 (a placeholder, not a place)"
UNKNOWN_EVENT_TYPE = "unknown_event_type"
# How many of the unknown event types an import message names.
NAMED_EVENT_TYPES = 3

# Plausible values of whole-number columns (documented in docs/data.md, "Reading rules"): a
# value outside its range rejects the row. Fatalities share the bound of claimed figures.
EARLIEST_TIMESTAMP = 631_152_000  # 1990-01-01, before ACLED's first release
INTEGER_RANGES: dict[str, tuple[int, int]] = {
    "time_precision": (1, 3), "geo_precision": (1, 3),
    "fatalities": (0, MAX_CLAIM_FIGURE), "fatalities_low": (0, MAX_CLAIM_FIGURE),
    "fatalities_high": (0, MAX_CLAIM_FIGURE), "iso_numeric": (0, 999),
    "population_1km": (0, 1_000_000_000), "population_2km": (0, 1_000_000_000),
    "population_5km": (0, 1_000_000_000), "population_best": (0, 1_000_000_000),
}
# Event dates: from the first year of modern conflict datasets to a year ahead (clock skew,
# planned events), never what a datetime64[ns] cannot hold (1677–2262).
EARLIEST_DATE = pd.Timestamp("1946-01-01")


def latest_date() -> pd.Timestamp:
    """Return the latest plausible event date: one year after today."""
    return pd.Timestamp(dt.date.today()) + pd.DateOffset(years=1)


def latest_timestamp() -> int:
    """Return the latest plausible `timestamp` (Unix seconds): one year from now."""
    return int(dt.datetime.now(dt.UTC).timestamp()) + 366 * 86_400


@dataclass
class Checked:
    """Parsed rows: `kept` (with `flags` and located `loc_*` columns), `rejected` (row, reason)."""

    kept: pd.DataFrame
    rejected: pd.DataFrame


# Control, zero-width, bidi and other format characters, soft hyphen, BOM.
INVISIBLE = ("[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
             "\u2060-\u206f\ufeff\ufff9-\ufffb]")


def is_blank(values: pd.Series) -> pd.Series:
    """Return True where a cell is missing or only whitespace."""
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        return values.isna() | values.astype("str").str.strip().eq("")
    return values.isna()


def parse_dates(values: pd.Series, year: pd.Series | None = None) -> pd.Series:
    """Return the cells as dates (NaT where unparseable or ambiguous); see `read_dates`."""
    return read_dates(values, year).dates


@dataclass
class DateReading:
    """Parsed dates and, where a day/month order could not be decided, why (else "")."""

    dates: pd.Series
    ambiguous: pd.Series
    beyond: pd.Series | None = None  # True: a real calendar day datetime64[ns] cannot hold


def read_dates(values: pd.Series, year: pd.Series | None = None) -> DateReading:
    """Parse dates as sources and spreadsheets write them, deciding day/month order per file.

    Accepted (with or without a time of day): `2021-02-16`, `16 February 2021`, `16 Feb 2021`,
    `16-Feb-21`, `16-Feb-2021`, `February 16, 2021`, `2/16/2021`, `16/02/2021`, `16.02.2021`,
    English or French month names. A two-digit year takes its century from `year` (ACLED's and
    UCDP's `year` column) where that agrees, else 00–29 → 20xx, 30–99 → 19xx (Excel's rule). A
    numeric date valid both day-first and month-first (`02/03/2021`) takes the order of the
    file's unambiguous numeric dates (`16/02/2021` or `2/16/2021`); when the file has none, or
    both orders, it is ambiguous (NaT, with the reason in `ambiguous`).
    """
    blank = pd.Series("", index=values.index, dtype="object")
    if pd.api.types.is_datetime64_any_dtype(values):
        return _typed_dates(values, blank)
    codes, uniques = pd.factorize(values.astype("str").str.strip())
    parts = _date_parts(pd.Series(uniques, dtype="object"))
    # Per row from here: codes index the unique texts' parts (-1 = missing cell).
    pick = {name: np.where(codes >= 0, column.to_numpy()[np.maximum(codes, 0)], -1)
            for name, column in parts.items()}
    y = pick["y"]
    # Only a year written with two digits takes a century ("0000-01-01" is year 0, not 2000).
    two_digit = pick["yd"] == 2
    if year is not None:
        given = _numbers(year).fillna(-1).to_numpy().astype("int64")
        same = two_digit & (given >= 0) & (given % 100 == y)
        y = np.where(same, given, y)
        two_digit &= ~same
    y = np.where(two_digit & (y < 30), y + 2000, np.where(two_digit, y + 1900, y))
    first = _valid_date(y, pick["m"], pick["d"])
    has_alt = pick["m2"] >= 0
    second = has_alt & _valid_date(y, pick["m2"], pick["d2"])
    # Day-first readings are (d, m); the month-first alternative is (d2, m2).
    day_first = has_alt & first & ~second
    month_first = has_alt & second & ~first
    undecided = has_alt & first & second
    use_second = month_first.copy()
    reason = ""
    if undecided.any():
        if day_first.any() and not month_first.any():
            pass
        elif month_first.any() and not day_first.any():
            use_second |= undecided
        else:
            reason = ("day or month first? the file has dates of both orders"
                      if day_first.any() else "day or month first? no date of the file decides")
    ok = (first & ~undecided) | second & use_second | (undecided & (reason == ""))
    month = np.where(use_second, pick["m2"], pick["m"])
    day = np.where(use_second, pick["d2"], pick["d"])
    holdable = (y >= 1678) & (y <= 2261)  # what a datetime64[ns] holds
    beyond = pd.Series(ok & ~holdable, index=values.index)
    ok &= holdable
    stamps = pd.to_datetime(pd.DataFrame({"year": np.where(ok, y, 1970),
                                          "month": np.where(ok, month, 1),
                                          "day": np.where(ok, day, 1)}))
    dates = pd.Series(stamps.to_numpy(), index=values.index).where(ok).astype("datetime64[ns]")
    dates = dates.fillna(_excel_serials(values))
    ambiguous = blank.where(~(undecided & (reason != "")), reason)
    return DateReading(dates, ambiguous, beyond)


# Excel counts days from 1899-12-30: a date column formatted as a number (or saved from one)
# holds 45254 for 2023-11-24. Five digits (10000 is 1927-05-18) with an optional time fraction.
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")


def _excel_serials(values: pd.Series) -> pd.Series:
    """Return the cells that are Excel serial day numbers as dates (NaT elsewhere)."""
    text = values.astype("str").str.strip()
    serial = text.str.fullmatch(_SERIAL.pattern, na=False).to_numpy(dtype=bool)
    days = np.floor(pd.to_numeric(text.where(serial), errors="coerce").to_numpy(dtype="float64"))
    return (EXCEL_EPOCH + pd.to_timedelta(days, unit="D")).to_series(index=values.index)


def _typed_dates(values: pd.Series, blank: pd.Series) -> DateReading:
    # Typed dates (GeoParquet) may be in a unit wider than nanoseconds (year 1 or 9999).
    stamps = values.dt.tz_localize(None) if getattr(values.dt, "tz", None) else values
    years = stamps.dt.year
    holdable = years.between(1678, 2261) | stamps.isna()
    inside = stamps.where(holdable)
    dates = inside.dt.normalize().astype("datetime64[ns]")
    return DateReading(dates, blank, pd.Series(~holdable.to_numpy(), index=values.index))


_MONTHS: dict[str, int] = {
    name: number for number, names in enumerate((
        ("january", "jan", "janvier", "janv"), ("february", "feb", "fevrier", "fevr", "fev"),
        ("march", "mar", "mars"), ("april", "apr", "avril", "avr"), ("may", "mai"),
        ("june", "jun", "juin"), ("july", "jul", "juillet", "juil"),
        ("august", "aug", "aout"), ("september", "sep", "sept", "septembre"),
        ("october", "oct", "octobre"), ("november", "nov", "novembre"),
        ("december", "dec", "decembre")), start=1) for name in names}
_TIME_OF_DAY = (r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp]\.?[Mm]\.?)?"
                r"(?:Z|[+-]\d{2}:?\d{2})?)?$")
_DATE_PATTERNS: tuple[str, ...] = (
    r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})",
    r"^(?P<d>\d{1,2})[ ./-]+(?P<mon>[^\W\d_]+)\.?[ ./,-]+(?P<y>\d{4}|\d{2})",
    r"^(?P<mon>[^\W\d_]+)\.? +(?P<d>\d{1,2}),? +(?P<y>\d{4})",
    r"^(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4}|\d{2})",
)


def _date_parts(texts: pd.Series) -> dict[str, pd.Series]:
    """Return year (its digit count), month, day (and month-first month2, day2); -1 if none."""
    parts = {k: pd.Series(-1, index=texts.index, dtype="int64")
             for k in ("y", "yd", "m", "d", "m2", "d2")}
    todo = pd.Series(True, index=texts.index)
    for number, pattern in enumerate(_DATE_PATTERNS):
        found = texts[todo].str.extract(pattern + _TIME_OF_DAY).dropna(how="all")
        if found.empty:
            continue
        if "mon" in found.columns:
            folded = found["mon"].map(lambda m: places.fold(m).replace(" ", ""))
            found["m"] = folded.map(_MONTHS)
            found = found.dropna(subset=["m"])
        index = found.index
        for key in ("y", "m", "d"):
            parts[key][index] = found[key].astype("int64")
        parts["yd"][index] = found["y"].str.len().astype("int64")
        if number == len(_DATE_PATTERNS) - 1:  # numeric a/b/y: day-first, month-first as alt
            swap = found["d"].astype("int64").ne(found["m"].astype("int64"))
            parts["m2"][index[swap]] = found.loc[swap, "d"].astype("int64")
            parts["d2"][index[swap]] = found.loc[swap, "m"].astype("int64")
        todo[index] = False
    return parts


_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _valid_date(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    month_ok = (m >= 1) & (m <= 12)
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    days = _DAYS_IN_MONTH[np.where(month_ok, m, 0)] + ((m == 2) & leap)
    return month_ok & (d >= 1) & (d <= days) & (y >= 1)


def check_rows(frame: pd.DataFrame, rows: np.ndarray, ordered_counts: bool = False) -> Checked:
    """Parse and check canonical-named raw cells; return kept rows and (row, reason) rejects.

    A `year` column (ACLED's, UCDP's), when present, helps read two-digit years. With
    `ordered_counts` (UCDP, whose codebook makes low <= best <= high), counts out of that order
    reject their row; canonical files keep what they hold, as the store does.
    """
    frame = frame.reset_index(drop=True)
    reasons = _Reasons(len(frame))
    out = frame.copy()
    for column in ("event_id", "event_date", "latitude", "longitude"):
        if column not in out.columns:
            out[column] = None
    blank_id = is_blank(out["event_id"])
    reasons.add(blank_id, "missing event_id")
    # Ids are compared trimmed, here and in the store: " MLI1" is MLI1.
    out["event_id"] = out["event_id"].astype("str").str.strip().where(~blank_id)
    # An invisible character (pasted from a web page, a bidi mark) would make another event of
    # the same id, and a control character act in a terminal: the row is rejected instead.
    reasons.add(out["event_id"].str.contains(INVISIBLE, regex=True, na=False),
                "event_id with an invisible or control character")

    reading = read_dates(out["event_date"], out["year"] if "year" in out.columns else None)
    dates = reading.dates
    blank_date = is_blank(out["event_date"])
    ambiguous = reading.ambiguous.ne("")
    reasons.add(blank_date, "missing event_date")
    beyond = (reading.beyond if reading.beyond is not None
              else pd.Series(False, index=out.index))
    span = f"{EARLIEST_DATE:%Y-%m-%d} to {latest_date():%Y-%m-%d}"
    implausible = beyond | dates.notna() & ((dates < EARLIEST_DATE) | (dates > latest_date()))
    reasons.add_each(implausible, f"event_date {{!r}} outside {span}", out["event_date"])
    reasons.add_each(dates.isna() & ~blank_date & ~ambiguous & ~beyond,
                     "unparseable event_date {!r}", out["event_date"])
    for why in reading.ambiguous[ambiguous].unique():
        reasons.add_each(reading.ambiguous.eq(why), f"ambiguous event_date {{!r}} ({why})",
                         out["event_date"])
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
            # A count of 1.5 is a typo or a mean, not a count: never rounded silently.
            fraction = number.notna() & np.isfinite(number) & (number % 1 != 0)
            reasons.add_each(fraction, f"{column} {{!r}} is not a whole number", out[column])
            _check_range(column, number, out[column], reasons)
            out[column] = number.where(~bad)
    if ordered_counts:
        _check_fatality_order(out, reasons)

    if "claims" in out.columns:
        problems = _claims_problems(out["claims"])
        reasons.add_texts(problems.notna().to_numpy(),
                          [f"invalid claims: {p}" for p in problems.dropna()])

    usable = coords_ok & ~out_of_range & ~zero
    located = _locate(lon.where(usable), lat.where(usable))
    named = _named_country(out)
    # A point off land, or in another country than the row names, may have its coordinates
    # swapped: say so only when reading them back swapped lands in the named country.
    suspect = usable & named.notna() & (located["iso3"].isna() | located["iso3"].ne(named))
    swapped_to = _locate(lat.where(suspect), lon.where(suspect))["iso3"]
    swapped = suspect & swapped_to.eq(named)
    reasons.add(swapped, SWAPPED)
    reasons.add(usable & located["iso3"].isna() & ~swapped, OUTSIDE)

    _reject_revisions(out, rows, reasons)

    for column in ("iso3", "country", "admin1"):
        out[f"loc_{column}"] = located[column]
    existing = out["flags"] if "flags" in out.columns else pd.Series("", index=out.index)
    # One coordinate exactly 0 is usually a filler; the point may still be real (0° runs
    # through Burkina Faso), so keep it and say so.
    out["flags"] = add_flag(existing, coords_ok & (lat.eq(0) ^ lon.eq(0)), "zero_coordinates")
    if "event_type" in out.columns:
        # Kept as given (a newer ACLED type, a typo, an invented one), but flagged: the Event
        # type filter groups such values under one "Other" option.
        out["event_type"] = acled_event_types(out["event_type"])
        out["flags"] = add_flag(out["flags"], outside_taxonomy(out["event_type"]),
                                UNKNOWN_EVENT_TYPE)

    rejected_mask = reasons.text.ne("")
    rejected = pd.DataFrame({"row": rows[rejected_mask.to_numpy()],
                             "reason": reasons.text[rejected_mask].to_numpy()},
                            index=out.index[rejected_mask])
    kept = out.loc[~rejected_mask]
    kept.insert(0, "row", rows[~rejected_mask.to_numpy()])
    assert len(kept) + len(rejected) == len(frame), "validation lost rows"
    return Checked(kept=kept, rejected=rejected)


def _check_range(column: str, number: pd.Series, cells: pd.Series, reasons: _Reasons) -> None:
    """Reject whole-number cells outside their plausible range (and never past Int64)."""
    if column == "timestamp":
        low, high = EARLIEST_TIMESTAMP, latest_timestamp()
    else:
        low, high = INTEGER_RANGES[column]
    if column in PRECISION_COLUMNS:
        reasons.add(number.notna() & ~number.isin([1, 2, 3]), f"{column} not 1, 2 or 3")
        return
    if column in FATALITY_COLUMNS:
        reasons.add(number < 0, f"negative {column}")
        reasons.add_each(number > high, f"{column} {{!r}} above {high:,}", cells)
        return
    reasons.add_each((number < low) | (number > high),
                     f"{column} {{!r}} outside {low:,}–{high:,}", cells)


def _check_fatality_order(out: pd.DataFrame, reasons: _Reasons) -> None:
    """Reject rows whose low, best and high counts are out of order: best 9 with high 5 is no
    range, and a filter on either would count it wrongly."""
    present = [c for c in FATALITY_COLUMNS if c in out.columns]
    numbers = {c: pd.to_numeric(pd.Series(out[c], dtype="object"), errors="coerce")
               .to_numpy(dtype="float64", na_value=np.nan) for c in present}
    for lower, upper in (("fatalities_low", "fatalities"), ("fatalities", "fatalities_high"),
                         ("fatalities_low", "fatalities_high")):
        if lower in numbers and upper in numbers:
            with np.errstate(invalid="ignore"):
                above = pd.Series(numbers[lower] > numbers[upper], index=out.index)
            reasons.add(above, f"{lower} above {upper}")


def _claims_problems(cells: pd.Series) -> pd.Series:
    """Return per cell why it is not a valid `claims` list (NA where valid or empty)."""
    seen: dict[str, str | None] = {}
    problems: list[str | None] = []
    for value in cells.to_numpy():
        if isinstance(value, str):
            if value not in seen:
                seen[value] = claims_problem(value)
            problems.append(seen[value])
        else:
            problems.append(claims_problem(value) if _present(value) else None)
    return pd.Series(problems, index=cells.index, dtype="object")


def _present(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return False
    return not (isinstance(value, float) and math.isnan(value))


def _reject_revisions(out: pd.DataFrame, rows: np.ndarray, reasons: _Reasons) -> None:
    """Keep one row per event_id: the latest `timestamp`, else the first; reject the others."""
    ids = out["event_id"]
    codes, _ = pd.factorize(ids)  # missing ids get -1 and are never duplicates
    stamps = (out["timestamp"] if "timestamp" in out.columns
              else pd.Series(np.nan, index=out.index)).astype("float64").to_numpy()
    position = np.arange(len(out))
    # Sorted by id, newest first (no timestamp = oldest), then file order: the first wins.
    order = np.lexsort((position, np.where(np.isnan(stamps), np.inf, -stamps), codes))
    first_of_id = np.r_[True, codes[order][1:] != codes[order][:-1]]
    winner_sorted = order[np.maximum.accumulate(np.where(first_of_id, np.arange(len(order)),
                                                         0))]
    winner = np.empty(len(out), dtype="int64")
    winner[order] = winner_sorted
    loser = (codes >= 0) & (winner != position)
    if not loser.any():
        return
    newer = loser & (np.isnan(stamps) | (stamps < stamps[winner])) & ~np.isnan(stamps[winner])
    winner_row = pd.Series(rows[winner], index=out.index)
    reasons.add_each(pd.Series(loser & ~newer, index=out.index),
                     "duplicate event_id (first at row {})", winner_row)
    if newer.any():
        reasons.add_texts(newer, [f"older revision of event_id {_short(i)!r} (newer at row {r})"
                                  for i, r in zip(ids[newer], winner_row[newer], strict=True)])


def _named_country(out: pd.DataFrame) -> pd.Series:
    """Return the ISO3 code of the country each row names (iso3, country or ISO number)."""
    named = pd.Series(None, index=out.index, dtype="object")
    for column, lookup in (("iso3", places.any_country_iso3),
                           ("country", places.any_country_iso3),
                           ("iso_numeric", places.iso3_of_numeric)):
        if column in out.columns and named.isna().any():
            text = out[column].astype("str").str.strip()
            found = {v: lookup(v) for v in text[named.isna()].dropna().unique() if v}
            named = named.fillna(text.map(found))
    return named


def unknown_event_types(incidents: pd.DataFrame) -> dict[str, int]:
    """Return each event type outside ACLED's taxonomy with its row count, commonest first."""
    types = incidents["event_type"]
    counts = types[outside_taxonomy(types)].astype("str").value_counts()
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def event_type_note(counts: dict[str, int]) -> str:
    """Return the import message's sentence on rows with an unknown event type ("" if none), in
    the current language; the types themselves are data, quoted as given."""
    rows = sum(counts.values())
    if not rows:
        return ""
    named = ", ".join(f"“{name[:40]}”" for name in list(counts)[:NAMED_EVENT_TYPES])
    more = len(counts) - NAMED_EVENT_TYPES
    if more > 0:
        named += " " + ngettext("and {n} more", "and {n} more", more).format(
            n=format_number(more))
    return ngettext(
        "{count} row has an event type outside ACLED's taxonomy ({types}): kept, flagged "
        "unknown_event_type, and offered as “{other}” in the Event type filter.",
        "{count} rows have an event type outside ACLED's taxonomy ({types}): kept, flagged "
        "unknown_event_type, and offered as “{other}” in the Event type filter.", rows,
    ).format(count=format_number(rows), types=named, other=_(OTHER_EVENT_TYPE))


def add_flag(flags: pd.Series, mask: pd.Series, flag: str) -> pd.Series:
    """Return `flags` with `flag` appended (semicolon-separated, no repeats) where `mask`."""
    current = flags.fillna("").astype("str")
    target = mask.fillna(False).astype(bool).to_numpy()
    if not target.any():
        return current
    # Only the masked rows are looked at: most flags concern few rows of a big file.
    picked = current[target]
    has = picked.str.split(";").map(lambda parts: flag in parts).to_numpy(dtype=bool)
    joined = picked.where(picked.eq(""), picked + ";") + flag
    out = current.astype("object")
    out.iloc[np.flatnonzero(target)[~has]] = joined[~has].to_numpy()
    return out.astype("str")


_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"


def _numbers(values: pd.Series) -> pd.Series:
    """Return cells as floats: NaN where not a finite number (text, a boolean, inf, NaN)."""
    if pd.api.types.is_bool_dtype(values):
        return pd.Series(np.nan, index=values.index)  # GeoJSON true/false is not a count
    if pd.api.types.is_numeric_dtype(values):
        number = values.astype("float64")
        return number.where(np.isfinite(number))
    if values.dtype == object:
        values = values.map(_number_text)
    text = values.astype("str").str.strip()
    # Spreadsheets in French locales write decimal commas.
    text = text.str.replace(r"^(-?\d+),(\d+)$", r"\1.\2", regex=True)
    # Python's own float syntax only (no inf/nan, no 1_000); at most 400 characters, so a
    # 5,000-digit cell is text, not a number.
    plain = text.str.fullmatch(_NUMBER) & text.str.len().le(400)
    number = pd.to_numeric(text.where(plain, None), errors="coerce").astype("float64")
    return number.where(np.isfinite(number))


def _number_text(value: object) -> object:
    # Typed cells (GeoJSON): a boolean is not a number; a huge int becomes text safely.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and abs(value) >= 10**18:
        return "1e400"  # beyond any range; str() of a 5,000-digit int would raise
    return value


def _locate(lon: pd.Series, lat: pd.Series) -> pd.DataFrame:
    """Return iso3/country/admin1 from the shipped regions, else iso3/country from the land."""
    located = pd.DataFrame({c: pd.Series(None, index=lon.index, dtype="object")
                            for c in ("iso3", "country", "admin1")})
    usable = lon.notna() & lat.notna() & (lat.abs() <= 90) & (lon.abs() <= 180)
    if usable.any():
        found = places.locate(lon[usable].to_numpy(), lat[usable].to_numpy())
        for column in located.columns:
            located.loc[usable, column] = found[column].to_numpy()
    beyond = usable & located["iso3"].isna()
    if beyond.any():
        found = places.locate_land(lon[beyond].to_numpy(), lat[beyond].to_numpy())
        for column in ("iso3", "country"):
            located.loc[beyond, column] = found[column].to_numpy()
    return located


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

    def add_texts(self, mask: np.ndarray, texts: list[str]) -> None:
        self._append(mask, pd.Series(texts, index=self.text.index[mask]))

    def _append(self, mask: np.ndarray, reasons: pd.Series) -> None:
        old = self.text[mask]
        self.text[mask] = old.where(old.eq(""), old + "; ") + reasons


def _short(value: object) -> str:
    """Return a cell as at most 40 characters of text for a reason (its repr escapes controls)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**40:
        return f"{'-' if value < 0 else ''}a {value.bit_length() * 3 // 10}-digit number"
    text = value if isinstance(value, str) else str(value)
    return text[:40] + "…" if len(text) > 40 else text
