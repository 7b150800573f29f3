"""UCDP GED / UCDP Candidate events (49 columns) and reduced extracts → canonical columns.

UCDP data is CC BY 4.0: credit Sundberg & Melander 2013 (GED), Hegre et al. 2020 (Candidate).
"""

from __future__ import annotations

import re

import pandas as pd

REQUIRED_FULL: tuple[str, ...] = (
    "id", "type_of_violence", "side_a", "side_b", "where_prec", "adm_1", "latitude", "longitude",
    "date_prec", "date_start", "best", "low", "high")
# Reduced extracts (e.g. the shipped stratified sample) keep only a few columns.
REQUIRED_EXTRACT: tuple[str, ...] = (
    "id", "latitude", "longitude", "date", "type_of_violence", "best", "country")

# type_of_violence → (event_type, sub_event_type): state-based and non-state fighting are ACLED
# battles; one-sided violence (side_b "Civilians") is violence against civilians.
VIOLENCE_TYPES: dict[str, tuple[str, str]] = {
    "1": ("Battles", "Armed clash"),
    "2": ("Battles", "Armed clash"),
    "3": ("Violence against civilians", "Attack"),
}
# where_prec 1 exact, 2 within ~25 km → same ACLED codes; 3–7 (ADM2, ADM1, wider, country,
# waters) → 3, a centroid only.
WHERE_PREC: dict[str, int] = {"1": 1, "2": 2, "3": 3, "4": 3, "5": 3, "6": 3, "7": 3}
# date_prec 1 exact day; 2–3 within a week; 4–5 a month or more.
DATE_PREC: dict[str, int] = {"1": 1, "2": 2, "3": 2, "4": 3, "5": 3}
# UCDP writes "Tombouctou region", "Soum province": the suffix is not part of the name.
_ADMIN_SUFFIX = re.compile(r"\s+(region|province|department|prefecture|cercle|district)$",
                           re.IGNORECASE)
# Columns whose every value a canonical column holds; the rest go to source_extra, including
# the codes mapped many-to-one (type_of_violence, where_prec, date_prec) and `year` where it
# disagrees with date_start. geom_wkt repeats latitude/longitude.
CONSUMED: frozenset[str] = frozenset({
    "id", "side_a", "side_b", "dyad_name", "conflict_name", "country", "region", "adm_1",
    "adm_2", "where_coordinates", "latitude", "longitude", "geom_wkt", "best", "low", "high",
    "source_office", "source_headline", "date_start", "date"})
# UCDP Candidate releases are versioned vYY_0_N (monthly); GED releases vYY_1.
_CANDIDATE_NAME = re.compile(r"candidate|v\d+_0_\d+", re.IGNORECASE)


def dataset_of(name: str) -> str:
    """Return `ucdp_candidate` when the file name says Candidate, else `ucdp_ged`."""
    return "ucdp_candidate" if _CANDIDATE_NAME.search(name) else "ucdp_ged"


def _code(values: pd.Series) -> pd.Series:
    # "1", "1.0" and 1 are the same code.
    return values.astype("str").str.strip().str.replace(r"\.0+$", "", regex=True)


def _fill_reduced_sides(out: pd.DataFrame, raw: pd.DataFrame, violence: pd.Series) -> None:
    # A reduced extract without side names still says, through the UCDP codebook, who one side is:
    # in state-based conflict (type 1) side A is always a government; in one-sided violence
    # (type 3) side B is always "Civilians".
    if "side_a" not in raw.columns and "country" in raw.columns:
        government = "Government of " + raw["country"].astype("str").str.strip()
        out["actor1"] = government.where(violence.eq("1") & raw["country"].notna())
    if "side_b" not in raw.columns:
        out["actor2"] = pd.Series("Civilians", index=raw.index).where(violence.eq("3"))


def to_canonical(raw: pd.DataFrame, name: str) -> pd.DataFrame:
    """Map a UCDP table (full or reduced) to canonical columns, values still unparsed."""
    out = pd.DataFrame(index=raw.index)
    text_id = _code(raw["id"])
    out["event_id"] = ("UCDP-" + text_id).where(text_id.ne(""), "")
    out["event_date"] = raw["date_start"] if "date_start" in raw.columns else raw["date"]
    violence = _code(raw["type_of_violence"])
    out["event_type"] = violence.map(lambda v: VIOLENCE_TYPES.get(v, ("", ""))[0])
    out["sub_event_type"] = violence.map(lambda v: VIOLENCE_TYPES.get(v, ("", ""))[1])
    for canonical, column in (("actor1", "side_a"), ("actor2", "side_b"),
                              ("dyad_name", "dyad_name"), ("conflict_name", "conflict_name"),
                              ("world_region", "region"), ("country", "country"),
                              ("admin2", "adm_2"), ("location", "where_coordinates"),
                              ("latitude", "latitude"), ("longitude", "longitude"),
                              ("fatalities", "best"), ("fatalities_low", "low"),
                              ("fatalities_high", "high"), ("source", "source_office"),
                              ("notes", "source_headline")):
        if column in raw.columns:
            out[canonical] = raw[column]
    _fill_reduced_sides(out, raw, violence)
    if "adm_1" in raw.columns:
        out["admin1_source"] = raw["adm_1"]
        out["region_name"] = raw["adm_1"].astype("str").str.replace(_ADMIN_SUFFIX, "",
                                                                    regex=True)
    if "where_prec" in raw.columns:
        out["geo_precision"] = _code(raw["where_prec"]).map(WHERE_PREC)
    if "date_prec" in raw.columns:
        out["time_precision"] = _code(raw["date_prec"]).map(DATE_PREC)
    if "year" in raw.columns:
        out["year"] = raw["year"]  # read by validation for two-digit years; not canonical
    out["dataset"] = dataset_of(name)
    return out
