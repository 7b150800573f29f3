"""Write the labelled set for linking (tests/fixtures/links/), deterministically.

    python scripts/make_link_set.py [--out tests/fixtures/links] [--seed 17]

Real records: the shipped UCDP GED sample (100 events), the shipped report codings (dev gold and
the seed report) and the held-out gold codings of tests/fixtures/holdout/gold.jsonl (written
here as canonical report rows: facts only, no report text). Synthetic records describe the same
events as other datasets would, with realistic noise, in the sources' own layouts so the real
readers read them:

* ACLED-layout rows (never real ACLED rows): the day or the next (sometimes the week), the point
  moved (another village, the region's centre), era-correct ACLED actor names or an unidentified
  attacker, other sub-event types, ACLED's conservative tolls;
* UCDP GED-layout rows for the report events that UCDP would code (deadly organised violence):
  UCDP's side names, where_prec / date_prec, low/best/high;
* near-misses that must not link: the same place on another day; the same place and day with
  other actors or another kind of event (ACLED splits events by actors); the same day in a
  neighbouring town; and background events.

Two splits: "tune" (UCDP events with an even id, the dev and seed reports) chooses the
threshold; "check" (odd ids, the held-out reports) is scored with it. truth.csv names the event
every record describes (its own id for near-misses).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sahel import PROJECT_ROOT, actors, places  # noqa: E402
from sahel.incidents import load_shipped  # noqa: E402
from sahel.schema import COLUMN_NAMES, claims_to_json  # noqa: E402

OUT = PROJECT_ROOT / "tests" / "fixtures" / "links"
HOLDOUT = PROJECT_ROOT / "tests" / "fixtures" / "holdout" / "gold.jsonl"
ACLED_COLUMNS: tuple[str, ...] = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2",
    "admin3", "location", "latitude", "longitude", "geo_precision", "source", "source_scale",
    "notes", "fatalities", "tags", "timestamp")
UCDP_COLUMNS: tuple[str, ...] = (
    "id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_dset_id",
    "conflict_new_id", "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name",
    "side_a_dset_id", "side_a_new_id", "side_a", "side_b_dset_id", "side_b_new_id", "side_b",
    "number_of_sources", "source_article", "source_office", "source_date", "source_headline",
    "source_original", "where_prec", "where_coordinates", "where_description", "adm_1", "adm_2",
    "latitude", "longitude", "geom_wkt", "priogrid_gid", "country", "country_id", "region",
    "event_clarity", "date_prec", "date_start", "date_end", "deaths_a", "deaths_b",
    "deaths_civilians", "deaths_unknown", "best", "high", "low", "gwnoa", "gwnob")
ISO_NUMERIC = {"MLI": 466, "BFA": 854, "NER": 562, "TCD": 148, "MRT": 478, "DZA": 12}
COUNTRY = {"MLI": "Mali", "BFA": "Burkina Faso", "NER": "Niger", "TCD": "Chad",
           "MRT": "Mauritania", "DZA": "Algeria"}
GWNO = {"MLI": 432, "BFA": 439, "NER": 436, "TCD": 483, "MRT": 435, "DZA": 615}
# Region names as ACLED and UCDP spell them where they differ from the canonical ones.
REGION_SPELLINGS = {"Tombouctou": ["Timbuktu", "Tombouctou"], "Ségou": ["Segou", "Ségou"],
                    "Tillabéri": ["Tillaberi", "Tillabéri"], "Ménaka": ["Menaka", "Ménaka"]}
GOLD_CANONICAL = {"Dogon militia": "Dan Na Ambassagou", "IS Sahel": "Islamic State Sahel",
                  "Niger army": "Niger forces", "CSP (Azawad rebels)": "Azawad rebels",
                  "Wagner-Africa Corps": "Wagner / Africa Corps", "civilians": "Civilians",
                  "unknown": "Unidentified armed group", "Burkina army": "Burkina Faso forces"}
STATE = {"MLI": "FAMa", "BFA": "Burkina Faso forces", "NER": "Niger forces",
         "TCD": "Chad forces", "MRT": "Mauritania forces", "DZA": "Algeria forces"}
WORLDS = 5  # independent draws of the noise per split: more pairs, a steadier measure
BACKGROUND = 60  # unrelated ACLED rows per split and draw
NOTE = "Synthetic row of the linking test set, not a real event."


def _acled_state(iso3: str, year: int) -> str:
    country = COUNTRY[iso3]
    periods = {"MLI": [(1992, 2002), (2002, 2012), (2012, 2020), (2020, 2021)],
               "BFA": [(1987, 2014), (2015, 2022)], "NER": [(2011, 2021), (2021, 2023)],
               "TCD": [(1990, 2021)], "MRT": [(2009, 2019)]}.get(iso3, [])
    for start, end in periods:
        if start <= year <= end:
            return f"Military Forces of {country} ({start}-{end})"
    return f"Military Forces of {country} ({year - year % 4}-)"


def acled_name(group: str, iso3: str, year: int, rng: np.random.Generator) -> str:
    """Return how ACLED would name a canonical group in `year` (one of its spellings)."""
    country = COUNTRY.get(iso3, "Mali")
    if group in STATE.values():
        return _acled_state(iso3, year)
    names: dict[str, list[str]] = {
        "JNIM": ["JNIM: Group for Support of Islam and Muslims"],
        "Islamic State Sahel": (["Islamic State (Greater Sahara)"] if year < 2019 else
                                ["Islamic State (West Africa) - Greater Sahara Faction"]
                                if year < 2022 else ["Islamic State Sahel Province"]),
        "Azawad rebels": (["MPA: Popular Movement of Azawad"] if year < 2000 else
                          ["MNLA: National Movement for the Liberation of Azawad"]
                          if year < 2015 else ["CMA: Coordination of Azawad Movements"]
                          if year < 2023 else ["CSP-PSD: Permanent Strategic Framework"]),
        "Ansar Dine": ["Ansar Dine"], "AQIM": ["AQIM: Al Qaeda in the Islamic Maghreb"],
        "MUJAO": ["MUJAO: Movement for Unity and Jihad in West Africa"],
        "Ansarul Islam": ["Ansaroul Islam"], "VDP": ["VDP: Volunteers for the Defense of the "
                                                     "Homeland"],
        "Boko Haram (JAS)": ["Boko Haram - Jamaatu Ahli is-Sunnah lid-Dawati wal-Jihad"],
        "ISWAP": ["Islamic State West Africa Province"],
        "Wagner / Africa Corps": ["Wagner Group"], "French forces": ["Military Forces of France"],
        "Dan Na Ambassagou": ["Dan Na Ambassagou: Dogon Self-Defense Militia"],
        "Communal militias": [f"Fulani Ethnic Militia ({country})",
                              f"Dogon Ethnic Militia ({country})"],
        "Chadian rebels": ["FACT: Front for Change and Concord in Chad"],
        "Unidentified armed group": [f"Unidentified Armed Group ({country})"],
        "Civilians": [f"Civilians ({country})"], "Koglweogo": ["Koglweogo Militia"],
    }
    options = names.get(group, [group])
    return str(options[int(rng.integers(len(options)))])


def ucdp_name(group: str, iso3: str) -> str:
    """Return UCDP's side name of a canonical group."""
    names = {"JNIM": "JNIM", "Islamic State Sahel": "IS", "Azawad rebels": "CMA",
             "Ansar Dine": "Ansar Dine", "AQIM": "AQIM", "MUJAO": "MUJAO",
             "Ansarul Islam": "Ansarul Islam", "French forces": "Government of France",
             "Wagner / Africa Corps": "Government of Mali", "VDP": f"Government of "
             f"{COUNTRY.get(iso3, 'Mali')}", "Dan Na Ambassagou": "Dan Na Ambassagou",
             "Civilians": "Civilians", "Communal militias": "Fulani"}
    if group in STATE.values():
        return f"Government of {COUNTRY[iso3]}"
    return names.get(group, group)


def attacker(iso3: str, year: int, lon: float, rng: np.random.Generator) -> str:
    """Return a plausible named perpetrator for an event UCDP's extract leaves unnamed."""
    if iso3 == "MLI":
        options = (["Azawad rebels"] if year < 2012 else
                   ["Azawad rebels", "Ansar Dine", "MUJAO", "AQIM"] if year < 2017 else
                   ["JNIM", "JNIM", "JNIM", "Islamic State Sahel"])
    elif iso3 == "BFA":
        options = (["Ansarul Islam", "JNIM"] if year < 2019 else
                   ["JNIM", "JNIM", "Islamic State Sahel"])
    elif iso3 == "NER":
        options = (["Boko Haram (JAS)", "ISWAP"] if lon > 10 else
                   ["Islamic State Sahel", "Islamic State Sahel", "JNIM"])
    elif iso3 == "TCD":
        options = ["Boko Haram (JAS)", "ISWAP"] if year >= 2009 else ["Chadian rebels"]
    else:
        options = ["AQIM"]
    return str(options[int(rng.integers(len(options)))])


class Places:
    """The shipped gazetteer, for naming a point as a source would (its nearest place)."""

    def __init__(self) -> None:
        gaz = pd.read_parquet(PROJECT_ROOT / "data" / "places" / "gazetteer.parquet",
                              columns=["name", "iso3", "admin1", "admin2", "latitude",
                                       "longitude", "kind", "importance"])
        self.gaz = gaz[gaz["kind"].isin(["town", "city", "village"])].reset_index(drop=True)
        self.lat = self.gaz["latitude"].to_numpy()
        self.lon = self.gaz["longitude"].to_numpy()

    def nearest(self, lat: float, lon: float) -> pd.Series:
        """Return the nearest town or village to a point."""
        d = (self.lat - lat) ** 2 + ((self.lon - lon) * np.cos(np.radians(lat))) ** 2
        return self.gaz.iloc[int(np.argmin(d))]

    def in_region(self, admin1: str, rng: np.random.Generator) -> pd.Series | None:
        """Return a random town of a region (weighted by importance)."""
        rows = self.gaz[(self.gaz["admin1"] == admin1) & self.gaz["kind"].isin(["town", "city"])]
        if not len(rows):
            return None
        weights = rows["importance"].fillna(1).to_numpy(dtype="float64") + 0.1
        return rows.iloc[int(rng.choice(len(rows), p=weights / weights.sum()))]


def moved(lat: float, lon: float, km: float, rng: np.random.Generator) -> tuple[float, float]:
    """Return a point `km` away from (lat, lon) in a random direction."""
    angle = rng.uniform(0, 2 * np.pi)
    return (lat + km * np.cos(angle) / 111.32,
            lon + km * np.sin(angle) / (111.32 * np.cos(np.radians(lat))))


def _region_spelling(admin1: str, rng: np.random.Generator) -> str:
    options = REGION_SPELLINGS.get(admin1, [admin1])
    return options[int(rng.integers(len(options)))]


# --- the events: real records as anchors -------------------------------------------------


def _first_known(groups: list[str]) -> str:
    known = [GOLD_CANONICAL.get(g, actors.canonical_group(g) or g) for g in groups]
    named = [g for g in known if g != "Unidentified armed group"]
    return (named or known or ["Unidentified armed group"])[0]


def real_anchors() -> pd.DataFrame:
    """Return the real records every synthetic row describes or misses, with their split."""
    shipped = load_shipped()
    rows: list[dict[str, Any]] = []
    for r in shipped.itertuples(index=False):
        ucdp = r.dataset == "ucdp_ged"
        split = ("tune" if int(r.event_id.split("-")[1]) % 2 == 0 else "check") if ucdp else "tune"
        event = r.event_id if ucdp else "GOLD-" + r.event_id.split("-", 2)[2].replace(
            "20231124-", "001-")
        violence = None
        if ucdp:
            violence = 3 if r.event_type == "Violence against civilians" else (
                1 if isinstance(r.group1, str) else 2)
        rows.append({
            "event_id": r.event_id, "event": event, "split": split, "ucdp": ucdp,
            "date": pd.Timestamp(r.event_date), "tp": int(r.time_precision) if pd.notna(
                r.time_precision) else 1,
            "lat": r.latitude, "lon": r.longitude, "gp": int(r.geo_precision) if pd.notna(
                r.geo_precision) else 1, "iso3": r.iso3, "admin1": r.admin1,
            "group1": r.group1 if isinstance(r.group1, str) else None,
            "group2": r.group2 if isinstance(r.group2, str) else None,
            "event_type": r.event_type, "sub_event_type": r.sub_event_type,
            "violence": violence, "best": r.fatalities if pd.notna(r.fatalities) else None,
            "low": r.fatalities_low if pd.notna(r.fatalities_low) else None,
            "high": r.fatalities_high if pd.notna(r.fatalities_high) else None})
    for line in HOLDOUT.read_text(encoding="utf-8").splitlines():
        gold = json.loads(line)
        if gold.get("gold_lat") is None or not gold.get("event_date") or gold.get("optional"):
            continue
        figures = [f[k] for f in gold["fatalities"] for k in ("low", "high")
                   if f.get(k) is not None]
        rows.append({
            "event_id": "HOLD-" + gold["event_id"], "event": "HOLD-" + gold["event_id"],
            "split": "check", "ucdp": False, "date": pd.Timestamp(gold["event_date"]), "tp": 1,
            "lat": gold["gold_lat"], "lon": gold["gold_lon"], "gp": gold.get("geo_precision") or 1,
            "iso3": gold["country"], "admin1": gold["admin1"],
            "group1": _first_known(gold["actor1"]["canonical"]),
            "group2": _first_known(gold["actor2"]["canonical"]),
            "event_type": gold["event_type"], "sub_event_type": gold["sub_event_type"],
            "violence": None, "best": min(figures) if figures else 0,
            "low": min(figures) if figures else None, "high": max(figures) if figures else None,
            "claims": gold["fatalities"], "location": gold["location"]})
    return pd.DataFrame(rows)


def holdout_reports(anchors: pd.DataFrame) -> pd.DataFrame:
    """Return the held-out gold incidents as canonical report rows (facts, no report text)."""
    rows = []
    for a in anchors[anchors["event_id"].str.startswith("HOLD-")].itertuples(index=False):
        claims = [{"by": str(c.get("by") or "source")[:80], "role": "other", "kind": "killed",
                   "text": "", "low": c.get("low"), "high": c.get("high")} for c in a.claims]
        rows.append({
            "event_id": a.event_id, "event_date": a.date.date().isoformat(), "time_precision": 1,
            "event_type": a.event_type, "sub_event_type": a.sub_event_type,
            "actor1": a.group1, "actor2": a.group2, "group1": a.group1, "group2": a.group2,
            "iso3": a.iso3, "country": COUNTRY[a.iso3], "admin1": a.admin1,
            "location": a.location, "latitude": a.lat, "longitude": a.lon,
            "geo_precision": a.gp, "fatalities": int(a.best),
            "fatalities_low": a.low, "fatalities_high": a.high,
            "claims": claims_to_json(claims), "source": "held-out gold coding",
            "dataset": "report", "notes": "Held-out gold coding (facts only) for the linking set."})
    frame = pd.DataFrame(rows)
    return frame.reindex(columns=[c for c in COLUMN_NAMES if c in frame.columns])


# --- synthetic rows ------------------------------------------------------------------------

INTER = {"state": "State forces", "rebel": "Rebel group", "jihadist": "Rebel group",
         "militia": "Identity militia", "foreign": "External/Other forces",
         "civilians": "Civilians", "unidentified": "Political militia", "other": "Protesters",
         "un": "External/Other forces"}
# (event_type, sub_event_type) alternatives a second coder may choose for the same event.
ALTERNATIVES: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("Battles", "Armed clash"): [("Explosions/Remote violence", "Suicide bomb"),
                                 ("Explosions/Remote violence",
                                  "Shelling/artillery/missile attack"),
                                 ("Battles", "Non-state actor overtakes territory")],
    ("Violence against civilians", "Attack"): [("Explosions/Remote violence",
                                                "Remote explosive/landmine/IED")],
    ("Battles", "Non-state actor overtakes territory"): [("Battles", "Armed clash")],
    ("Explosions/Remote violence", "Suicide bomb"): [("Battles", "Armed clash")],
}


class Writer:
    """Collects synthetic ACLED and UCDP rows and the truth of every record."""

    def __init__(self, rng: np.random.Generator, places_: Places, world: int = 1) -> None:
        self.rng = rng
        self.places = places_
        self.world = world
        self.acled: list[dict[str, Any]] = []
        self.ucdp: list[dict[str, Any]] = []
        self.truth: list[dict[str, str]] = []

    def _kind(self, group: str | None) -> str:
        if not group:
            return "other"
        try:
            return actors.group_info(group).kind
        except KeyError:
            return "other"

    def acled_row(self, split: str, event: str | None, role: str, date: pd.Timestamp, tp: int,
                  lat: float, lon: float, gp: int, iso3: str, first: str | None,
                  second: str | None, kind: tuple[str, str], deaths: int,
                  assoc: str = "", uncertain: str | None = None, admin1: str | None = None
                  ) -> None:
        """Add one ACLED-layout row (groups canonical; named as ACLED would); `admin1`: the
        region the source names (else the point's)."""
        rng, year = self.rng, date.year
        place = self.places.nearest(lat, lon)
        country = places.locate_land([lon], [lat]).iloc[0]["iso3"]
        if country != iso3 and admin1 is None:
            if country not in COUNTRY:
                return  # a near-miss pushed abroad or into the sea: left out
            iso3 = str(country)  # across the border: that country's row
        if admin1 is None:
            located = places.locate([lon], [lat]).iloc[0]
            admin1 = located["admin1"] if isinstance(located["admin1"], str) else place[
                "admin1"]
        if gp == 3:
            centre = places.region_centroid(admin1, iso3) if isinstance(admin1, str) else None
            if centre is not None:
                lat, lon = centre
            location, admin2 = str(admin1), ""
        else:
            location = str(place["name"])
            admin2 = str(place["admin2"]) if isinstance(place["admin2"], str) else ""
        name1 = acled_name(first, iso3, year, rng) if first else ""
        if uncertain and first:
            name1 = f"{name1} and/or {acled_name(uncertain, iso3, year, rng)}"
        name2 = acled_name(second, iso3, year, rng) if second else ""
        event_id = f"SYN{self.world}{iso3}{len(self.acled) + 1:05d}"
        inter1, inter2 = INTER.get(self._kind(first), ""), INTER.get(self._kind(second), "")
        self.acled.append({
            "event_id_cnty": event_id, "event_date": date.date().isoformat(), "year": year,
            "time_precision": tp, "disorder_type": "Political violence", "event_type": kind[0],
            "sub_event_type": kind[1], "actor1": name1, "assoc_actor_1": assoc,
            "inter1": inter1, "actor2": name2, "assoc_actor_2": "", "inter2": inter2,
            "interaction": f"{inter1}-{inter2}".strip("-"),
            "civilian_targeting": "Civilian targeting" if second == "Civilians" else "",
            "iso": ISO_NUMERIC.get(iso3, ""), "region": "Middle Africa" if iso3 == "TCD"
            else "Western Africa", "country": COUNTRY.get(iso3, iso3),
            "admin1": _region_spelling(str(admin1), rng) if isinstance(admin1, str) else "",
            "admin2": admin2, "admin3": "", "location": location,
            "latitude": round(lat, 4), "longitude": round(lon, 4), "geo_precision": gp,
            "source": "Synthetic", "source_scale": "National", "notes": NOTE,
            "fatalities": int(deaths), "tags": "", "timestamp": 1_700_000_000 + len(self.acled)})
        self.truth.append({"event_id": event_id, "event": event or event_id, "split": split,
                           "role": role, "world": str(self.world)})

    def ucdp_row(self, split: str, event: str | None, role: str, date: pd.Timestamp,
                 date_prec: int, end: pd.Timestamp, lat: float, lon: float, where_prec: int,
                 iso3: str, violence: int, side_a: str, side_b: str, low: int, best: int,
                 high: int, admin1: str) -> None:
        """Add one UCDP GED-layout row in region `admin1`."""
        place = self.places.nearest(lat, lon)
        if where_prec >= 4:
            centre = places.region_centroid(admin1, iso3)
            if centre is not None:
                lat, lon = centre
        number = 9_000_000 + 100_000 * self.world + len(self.ucdp) + 1
        dyad = f"{side_a} - {side_b}"
        self.ucdp.append({
            "id": number, "relid": f"SYN-{number}", "year": date.year, "active_year": 1,
            "code_status": "Clear", "type_of_violence": violence, "conflict_dset_id": "",
            "conflict_new_id": "", "conflict_name": f"{COUNTRY[iso3]}: Government"
            if violence == 1 else dyad, "dyad_dset_id": "", "dyad_new_id": "",
            "dyad_name": dyad, "side_a_dset_id": "", "side_a_new_id": "", "side_a": side_a,
            "side_b_dset_id": "", "side_b_new_id": "", "side_b": side_b,
            "number_of_sources": 2, "source_article": "", "source_office": "Synthetic",
            "source_date": "", "source_headline": NOTE, "source_original": "",
            "where_prec": where_prec, "where_coordinates": f"{place['name']} town",
            "where_description": "", "adm_1": f"{_region_spelling(str(admin1), self.rng)} region",
            "adm_2": f"{place['admin2']} cercle" if isinstance(place["admin2"], str) else "",
            "latitude": round(lat, 6), "longitude": round(lon, 6),
            "geom_wkt": f"POINT ({round(lon, 6)} {round(lat, 6)})", "priogrid_gid": "",
            "country": COUNTRY[iso3], "country_id": GWNO[iso3], "region": "Africa",
            "event_clarity": 1, "date_prec": date_prec,
            "date_start": date.date().isoformat() + " 00:00:00.000",
            "date_end": end.date().isoformat() + " 00:00:00.000", "deaths_a": 0,
            "deaths_b": best if violence != 3 else 0,
            "deaths_civilians": best if violence == 3 else 0, "deaths_unknown": 0,
            "best": best, "high": high, "low": low, "gwnoa": GWNO[iso3] if violence == 1 else "",
            "gwnob": ""})
        self.truth.append({"event_id": f"UCDP-{number}", "event": event or f"UCDP-{number}",
                           "split": split, "role": role, "world": str(self.world)})


# --- describing an anchor as another dataset would -------------------------------------------


def _pick(rng: np.random.Generator, options: list[Any], weights: list[float]) -> Any:
    p = np.array(weights, dtype="float64")
    return options[int(rng.choice(len(options), p=p / p.sum()))]


def ucdp_story(a: Any, rng: np.random.Generator) -> tuple[str | None, str | None,
                                                          tuple[str, str]]:
    """Return (first actor, second actor, ACLED type) for an event the UCDP extract codes."""
    year, state = a.date.year, STATE.get(a.iso3, "FAMa")
    if a.violence == 1:
        perp = attacker(a.iso3, year, a.lon, rng)
        kind = _pick(rng, [("Battles", "Armed clash"),
                           ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
                           ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
                           ("Explosions/Remote violence", "Air/drone strike"),
                           ("Battles", "Non-state actor overtakes territory"),
                           ("Battles", "Government regains territory")],
                     [70, 10, 5, 8, 4, 3])
        if kind[1] in ("Air/drone strike", "Government regains territory") or rng.random() < .3:
            return state, perp, kind
        return perp, state, kind
    if a.violence == 2:
        if a.iso3 == "MLI" and year >= 2019 and rng.random() < 0.4:
            pair = ("JNIM", "Islamic State Sahel")
        elif a.iso3 == "BFA":
            pair = ("Koglweogo", "Communal militias")
        else:
            pair = ("Communal militias", "Dan Na Ambassagou" if a.iso3 == "MLI" and year >= 2016
                    else "Communal militias")
        kind = _pick(rng, [("Battles", "Armed clash"), ("Violence against civilians", "Attack")],
                     [80, 20])
        return (pair[0], "Civilians", kind) if kind[0] != "Battles" else (*pair, kind)
    perp = (_pick(rng, ["Wagner / Africa Corps", state], [1, 1])
            if rng.random() < 0.3 and year >= 2022 and a.iso3 == "MLI"
            else state if rng.random() < 0.25 else attacker(a.iso3, year, a.lon, rng))
    kind = _pick(rng, [("Violence against civilians", "Attack"),
                       ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
                       ("Violence against civilians", "Abduction/forced disappearance")],
                 [80, 14, 6])
    if perp in STATE.values() and rng.random() < 0.3:
        kind = ("Explosions/Remote violence", "Air/drone strike")
    return perp, "Civilians", kind


def report_story(a: Any, rng: np.random.Generator) -> tuple[str | None, str | None,
                                                            tuple[str, str]]:
    """Return (first actor, second actor, ACLED type) for a report-coded event."""
    kind = (a.event_type, a.sub_event_type)
    if kind in ALTERNATIVES and rng.random() < 0.3:
        kind = _pick(rng, ALTERNATIVES[kind], [1] * len(ALTERNATIVES[kind]))
    first, second = a.group1, a.group2
    if first == "Unidentified armed group" and rng.random() < 0.4:
        first = attacker(a.iso3, a.date.year, a.lon, rng)  # ACLED names a group (a claim)
    if rng.random() < 0.35:
        first, second = second, first
    return first, second, kind


def acled_toll(a: Any, rng: np.random.Generator) -> int:
    """Return ACLED's figure for an event: the most conservative one, or a revised one."""
    best = a.best if a.best is not None and not pd.isna(a.best) else None
    low = a.low if a.low is not None and not pd.isna(a.low) else best
    if best is None:
        return int(rng.integers(0, 4))
    choice = rng.random()
    if choice < 0.5:
        return int(low if low is not None else best)
    if choice < 0.75:
        return int(best)
    if choice < 0.9:
        return int(round(best * rng.uniform(0.3, 0.9)))
    return int(best + rng.integers(1, 4))


def acled_date(a: Any, rng: np.random.Generator) -> tuple[pd.Timestamp, int]:
    """Return ACLED's day and time precision for an event."""
    if a.tp == 3:
        start = a.date.replace(day=1)
        day = start + pd.Timedelta(days=int(rng.integers(0, start.days_in_month)))
        return (day, 1) if rng.random() < 0.6 else (start + pd.Timedelta(days=14), 3)
    shift = _pick(rng, [0, 1, -1, 2, 3], [64, 17, 13, 3, 3])
    if abs(shift) >= 2 and rng.random() < 0.7:
        return a.date + pd.Timedelta(days=shift), 2  # "that week"
    return a.date + pd.Timedelta(days=shift), 1


def in_country(a: Any, rng: np.random.Generator, km: float) -> tuple[float, float]:
    """Return a point `km` from the event's that stays in its country (tried a few times)."""
    for _ in range(8):
        lat, lon = moved(a.lat, a.lon, km, rng)
        if places.locate_land([lon], [lat]).iloc[0]["iso3"] == a.iso3:
            return lat, lon
        km /= 2
    return a.lat, a.lon


def acled_point(a: Any, rng: np.random.Generator, places_: Places) -> tuple[float, float, int]:
    """Return ACLED's point and geo precision for an event."""
    if a.gp == 3:
        town = places_.in_region(a.admin1, rng) if rng.random() < 0.5 else None
        if town is not None:
            return float(town["latitude"]), float(town["longitude"]), 2
        return a.lat, a.lon, 3
    roll = rng.random()
    if roll < 0.06:
        return a.lat, a.lon, 3
    km = rng.uniform(9, 22) if roll < 0.16 else abs(rng.normal(0, 4))
    lat, lon = in_country(a, rng, km)
    return lat, lon, 1 if km < 8 else 2


def describe(a: Any, w: Writer, rng: np.random.Generator) -> None:
    """Add the synthetic rows describing anchor `a` and its near-misses (ACLED's rows only from
    1997, when its coverage of Africa begins)."""
    acled_era = a.date.year >= 1997
    if acled_era and rng.random() < 0.9:
        first, second, kind = ucdp_story(a, rng) if a.ucdp else report_story(a, rng)
        date, tp = acled_date(a, rng)
        lat, lon, gp = acled_point(a, rng, w.places)
        uncertain = None
        if first in ("JNIM", "Islamic State Sahel") and a.iso3 in ("BFA", "NER") and (
                2018 <= a.date.year <= 2022) and rng.random() < 0.15:
            uncertain = "Islamic State Sahel" if first == "JNIM" else "JNIM"
        assoc = ("Wagner Group" if "FAMa" in (first, second) and a.date.year >= 2022
                 and rng.random() < 0.4 else "")
        w.acled_row(a.split, a.event, "true", date, tp, lat, lon, gp, a.iso3, first, second,
                    kind, acled_toll(a, rng), assoc=assoc, uncertain=uncertain, admin1=a.admin1)
    else:
        first, second, kind = ucdp_story(a, rng) if a.ucdp else report_story(a, rng)
    if not a.ucdp:
        describe_in_ucdp(a, w, rng)
    if acled_era:
        near_misses(a, w, rng, first, second, kind)


def describe_in_ucdp(a: Any, w: Writer, rng: np.random.Generator) -> None:
    """Add a UCDP GED-layout row for a report event UCDP would code (deadly, organised)."""
    deadly = a.best is not None and not pd.isna(a.best) and a.best > 0
    if a.event_type in ("Protests", "Riots", "Strategic developments") or not deadly:
        return
    if rng.random() > 0.85:
        return
    state = STATE.get(a.iso3, "FAMa")
    g1, g2 = a.group1, a.group2
    if g1 == "Unidentified armed group":
        g1 = attacker(a.iso3, a.date.year, a.lon, rng)  # UCDP codes only known actors
    if "Civilians" in (g1, g2):
        violence, side_a, side_b = 3, g1 if g1 != "Civilians" else g2, "Civilians"
    elif state in (g1, g2) or "French forces" in (g1, g2):
        violence = 1
        side_a = state if state in (g1, g2) else "French forces"
        side_b = g2 if g1 == side_a else g1
    else:
        violence, side_a, side_b = 2, g1, g2
    date, date_prec, end = a.date, 1, a.date
    if a.tp == 3:
        if rng.random() < 0.5:
            date, date_prec = a.date.replace(day=1), 4
            end = date + pd.Timedelta(days=date.days_in_month - 1)
        else:
            date = a.date.replace(day=int(rng.integers(1, a.date.days_in_month + 1)))
            end = date
    elif rng.random() < 0.15:
        date = a.date + pd.Timedelta(days=int(_pick(rng, [-1, 1], [1, 1])))
        end = date
    elif rng.random() < 0.1:
        date_prec, end = 2, a.date + pd.Timedelta(days=int(rng.integers(1, 4)))
    where_prec = _pick(rng, [1, 2, 3], [75, 20, 5]) if a.gp < 3 else 4
    km = abs(rng.normal(0, 3)) if where_prec == 1 else rng.uniform(5, 20)
    lat, lon = in_country(a, rng, km)
    low = int(a.low if a.low is not None and not pd.isna(a.low) else a.best)
    high = int(a.high if a.high is not None and not pd.isna(a.high) else max(low, a.best) * 2)
    best = int(_pick(rng, [high, max(low, min(high, int(a.best * 1.5)))], [1, 1]))
    w.ucdp_row(a.split, a.event, "true", date, date_prec, end, lat, lon, where_prec, a.iso3,
               violence, ucdp_name(side_a, a.iso3), ucdp_name(side_b, a.iso3), min(low, best),
               best, max(high, best), a.admin1)


OTHER_EVENTS: list[tuple[str | None, str | None, tuple[str, str]]] = [
    ("Protesters", None, ("Protests", "Peaceful protest")),
    ("(state)", "Civilians", ("Strategic developments", "Arrests")),
    ("Communal militias", "Civilians", ("Violence against civilians", "Attack")),
    ("Unidentified armed group", None, ("Strategic developments",
                                        "Looting/property destruction")),
]


def near_misses(a: Any, w: Writer, rng: np.random.Generator, first: str | None,
                second: str | None, kind: tuple[str, str]) -> None:
    """Add ACLED rows close to the event that describe other events."""
    state = STATE.get(a.iso3, "FAMa")
    if rng.random() < 0.35:  # the same place on another day
        shift = int(_pick(rng, [-1, 1], [1, 1]) * rng.integers(2, 13))
        tp = 1 if rng.random() < 0.9 else 2
        lat, lon = moved(a.lat, a.lon, rng.uniform(0, 2), rng)
        w.acled_row(a.split, None, "other_day", a.date + pd.Timedelta(days=shift), tp, lat, lon,
                    1, a.iso3, first, second, kind, int(rng.integers(0, 6)))
    if rng.random() < 0.25:  # the same place, that day or the next, another event
        other1, other2, other_kind = OTHER_EVENTS[int(rng.integers(len(OTHER_EVENTS)))]
        other1 = state if other1 == "(state)" else other1
        lat, lon = moved(a.lat, a.lon, rng.uniform(0, 3), rng)
        w.acled_row(a.split, None, "other_event", a.date + pd.Timedelta(
            days=int(rng.integers(0, 2))), 1, lat, lon, 1, a.iso3, other1, other2, other_kind,
            int(rng.integers(0, 3)))
    if rng.random() < 0.3:  # the same day in a neighbouring town
        lat, lon = moved(a.lat, a.lon, rng.uniform(30, 90), rng)
        w.acled_row(a.split, None, "other_town", a.date, 1, lat, lon, 1, a.iso3, first, second,
                    kind, int(rng.integers(0, 15)))
    if rng.random() < 0.2:  # close by, another group's attack
        other = "Islamic State Sahel" if first == "JNIM" else "JNIM"
        if a.iso3 in ("TCD",):
            other = "Chadian rebels"
        lat, lon = moved(a.lat, a.lon, rng.uniform(8, 22), rng)
        w.acled_row(a.split, None, "other_group", a.date + pd.Timedelta(
            days=int(rng.integers(0, 2))), 1, lat, lon, 1, a.iso3, other, "Civilians",
            ("Violence against civilians", "Attack"), int(rng.integers(0, 8)))
    if rng.random() < 0.15 and first:  # ACLED splits: the same attacker, other victims
        # Civilians killed beside a battle are ACLED's second event; beside a massacre, the
        # looting of the village is.
        split_kind = (("Violence against civilians", "Attack") if kind[0] == "Battles"
                      else ("Strategic developments", "Looting/property destruction"))
        attacker_ = first if first not in STATE.values() else (second or first)
        lat, lon = moved(a.lat, a.lon, rng.uniform(0, 1), rng)
        w.acled_row(a.split, None, "split", a.date, 1, lat, lon, 1, a.iso3, attacker_,
                    "Civilians", split_kind, int(rng.integers(0, 3)))


def background(w: Writer, split: str, count: int, rng: np.random.Generator) -> None:
    """Add ACLED rows of unrelated events anywhere in the five countries, 1997–2024."""
    from sahel.synthetic import SCENARIOS

    towns = w.places.gaz[w.places.gaz["iso3"].isin(list(SCENARIOS)) & w.places.gaz[
        "kind"].isin(["town", "city"])].reset_index(drop=True)
    for _ in range(count):
        town = towns.iloc[int(rng.integers(len(towns)))]
        iso3 = str(town["iso3"])
        scenario = SCENARIOS[iso3][int(rng.integers(len(SCENARIOS[iso3])))]
        day = pd.Timestamp("1997-01-01") + pd.Timedelta(days=int(rng.integers(0, 10_200)))
        g1 = actors.canonical_group(scenario.actor1, on=day, iso3=iso3)
        g2 = actors.canonical_group(scenario.actor2, on=day, iso3=iso3) if scenario.actor2 else None
        lat, lon = moved(float(town["latitude"]), float(town["longitude"]), abs(
            rng.normal(0, 3)), rng)
        w.acled_row(split, None, "background", day, 1, lat, lon, 1, iso3,
                    g1 or "Unidentified armed group", g2,
                    (scenario.event_type, scenario.sub_event_type),
                    int(rng.poisson(scenario.mean_fatalities)))


def main(argv: list[str] | None = None) -> int:
    """Write the labelled set: every split in `--worlds` independent draws of the noise."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--worlds", type=int, default=WORLDS)
    args = parser.parse_args(argv)
    anchors = real_anchors()
    places_ = Places()
    truth = [{"event_id": r.event_id, "event": r.event, "split": r.split, "role": "real",
              "world": "0"} for r in anchors.itertuples(index=False)]
    acled_rows: list[dict[str, Any]] = []
    ucdp_rows: list[dict[str, Any]] = []
    for world in range(1, args.worlds + 1):
        rng = np.random.default_rng([args.seed, world])
        writer = Writer(rng, places_, world)
        for row in anchors.itertuples(index=False):
            describe(row, writer, rng)
        for split in ("tune", "check"):
            background(writer, split, BACKGROUND, rng)
        truth += writer.truth
        acled_rows += writer.acled
        ucdp_rows += writer.ucdp
    args.out.mkdir(parents=True, exist_ok=True)
    frame_truth = pd.DataFrame(truth)
    split_of = dict(zip(frame_truth["event_id"], frame_truth["split"], strict=True))
    for name, rows, columns in (("acled", acled_rows, ACLED_COLUMNS),
                                ("ucdp", ucdp_rows, UCDP_COLUMNS)):
        frame = pd.DataFrame(rows, columns=list(columns))
        ids = (frame["event_id_cnty"].astype("str") if name == "acled"
               else "UCDP-" + frame["id"].astype("str"))
        for split in ("tune", "check"):
            part = frame[ids.map(split_of).eq(split).to_numpy()]
            part.to_csv(args.out / f"{name}_{split}.csv", index=False, quoting=csv.QUOTE_MINIMAL)
    holdout_reports(anchors).to_csv(args.out / "reports_check.csv", index=False)
    frame_truth.to_csv(args.out / "truth.csv", index=False)
    counts = frame_truth.groupby(["split", "role"]).size().unstack(fill_value=0)
    print(counts.to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
