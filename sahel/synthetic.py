"""Seeded synthetic incident stores for benchmarks and tests: realistic shape, invented events.

Points cluster around real conflict-affected towns (approximate town coordinates), with a
country-specific mix of armed groups and event types. Regions come from the shipped boundaries by
point-in-polygon, groups from the alias table, so the frame is what a real import would produce.
Nothing here is a real incident: ids start with ``SYN-`` and notes say "Synthetic".
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

from sahel import actors, places
from sahel.schema import claims_to_json, conform

if TYPE_CHECKING:
    from sahel.store import Store


class Anchor(NamedTuple):
    """A real town incidents cluster around, with its relative weight in the mix."""

    name: str
    iso3: str
    latitude: float
    longitude: float
    weight: float


ANCHORS: tuple[Anchor, ...] = (
    Anchor("Niafunké", "MLI", 15.932, -3.991, 3), Anchor("Goundam", "MLI", 16.414, -3.670, 3),
    Anchor("Tombouctou", "MLI", 16.773, -3.007, 3), Anchor("Léré", "MLI", 15.722, -4.912, 2),
    Anchor("Gao", "MLI", 16.272, -0.044, 4), Anchor("Ansongo", "MLI", 15.659, 0.502, 3),
    Anchor("Ménaka", "MLI", 15.918, 2.402, 4), Anchor("Kidal", "MLI", 18.441, 1.407, 2),
    Anchor("Tessalit", "MLI", 20.198, 1.011, 1), Anchor("Mopti", "MLI", 14.484, -4.183, 4),
    Anchor("Djenné", "MLI", 13.906, -4.553, 3), Anchor("Bandiagara", "MLI", 14.350, -3.610, 5),
    Anchor("Bankass", "MLI", 14.078, -3.517, 4), Anchor("Douentza", "MLI", 15.003, -2.950, 3),
    Anchor("Ségou", "MLI", 13.431, -6.216, 2), Anchor("Niono", "MLI", 14.252, -5.993, 3),
    Anchor("Macina", "MLI", 13.963, -5.357, 2), Anchor("Nara", "MLI", 15.168, -7.286, 1),
    Anchor("Kati", "MLI", 12.744, -8.072, 1), Anchor("Bamako", "MLI", 12.650, -8.000, 1),
    Anchor("Kayes", "MLI", 14.447, -11.445, 0.5), Anchor("Sikasso", "MLI", 11.317, -5.667, 0.5),
    Anchor("Djibo", "BFA", 14.102, -1.627, 5), Anchor("Dori", "BFA", 14.035, -0.035, 4),
    Anchor("Aribinda", "BFA", 14.230, -0.866, 3), Anchor("Gorom-Gorom", "BFA", 14.443, -0.236, 2),
    Anchor("Sebba", "BFA", 13.437, 0.530, 3), Anchor("Kaya", "BFA", 13.092, -1.084, 3),
    Anchor("Kongoussi", "BFA", 13.326, -1.532, 2), Anchor("Barsalogho", "BFA", 13.417, -1.057, 3),
    Anchor("Ouahigouya", "BFA", 13.583, -2.421, 2), Anchor("Titao", "BFA", 13.766, -2.074, 2),
    Anchor("Fada N'Gourma", "BFA", 12.062, 0.358, 3), Anchor("Diapaga", "BFA", 12.071, 1.789, 3),
    Anchor("Pama", "BFA", 11.250, 0.700, 2), Anchor("Dédougou", "BFA", 12.463, -3.461, 2),
    Anchor("Tougan", "BFA", 13.069, -3.069, 2), Anchor("Ouagadougou", "BFA", 12.365, -1.534, 0.5),
    Anchor("Koupéla", "BFA", 12.177, -0.352, 1),
    Anchor("Bobo-Dioulasso", "BFA", 11.178, -4.297, 0.5),
    Anchor("Tillabéri", "NER", 14.211, 1.453, 3), Anchor("Ouallam", "NER", 14.318, 2.086, 3),
    Anchor("Ayorou", "NER", 14.731, 0.919, 2), Anchor("Banibangou", "NER", 15.040, 2.704, 2),
    Anchor("Téra", "NER", 14.008, 0.753, 3), Anchor("Niamey", "NER", 13.513, 2.112, 0.5),
    Anchor("Tahoua", "NER", 14.889, 5.266, 1), Anchor("Tillia", "NER", 16.134, 4.790, 1),
    Anchor("Diffa", "NER", 13.315, 12.611, 2), Anchor("Bosso", "NER", 13.698, 13.309, 2),
    Anchor("Maradi", "NER", 13.500, 7.102, 1), Anchor("Bol", "TCD", 13.459, 14.715, 2),
    Anchor("Baga Sola", "TCD", 13.528, 14.316, 1), Anchor("N'Djamena", "TCD", 12.107, 15.044, 0.5),
    Anchor("Bassikounou", "MRT", 15.867, -5.967, 0.5), Anchor("Néma", "MRT", 16.617, -7.257, 0.3),
)


class Scenario(NamedTuple):
    """Who did what to whom, as ACLED would name the actors, and how often in a country."""

    actor1: str
    actor2: str
    event_type: str
    sub_event_type: str
    weight: float
    mean_fatalities: float
    assoc_actor_1: str = ""
    assoc_actor_2: str = ""


_JNIM = "JNIM: Group for Support of Islam and Muslims"
_ISSP = "Islamic State Sahel Province"
SCENARIOS: dict[str, tuple[Scenario, ...]] = {
    "MLI": (
        Scenario(_JNIM, "Military Forces of Mali (2021-)", "Battles", "Armed clash", 5, 6),
        Scenario(_JNIM, "Civilians (Mali)", "Violence against civilians", "Attack", 2, 3),
        Scenario(_JNIM, "Military Forces of Mali (2021-)", "Explosions/Remote violence",
                 "Remote explosive/landmine/IED", 2, 3),
        Scenario(_ISSP, "Civilians (Mali)", "Violence against civilians", "Attack", 2, 6),
        Scenario(_ISSP, _JNIM, "Battles", "Armed clash", 1, 8),
        Scenario("Military Forces of Mali (2021-)", "Civilians (Mali)",
                 "Violence against civilians", "Attack", 2, 4),
        Scenario("Wagner Group", "Civilians (Mali)", "Violence against civilians",
                 "Abduction/forced disappearance", 1, 1),
        Scenario("Military Forces of Mali (2021-)", _JNIM, "Explosions/Remote violence",
                 "Air/drone strike", 2, 5, assoc_actor_1="Wagner Group"),
        Scenario("Military Forces of Mali (2021-)", _JNIM, "Battles", "Armed clash", 1, 6,
                 assoc_actor_1="Wagner Group; Dozo Communal Militia (Mali)"),
        Scenario("Dan Na Ambassagou", "Civilians (Mali)", "Violence against civilians", "Attack",
                 1, 4),
        Scenario("Katiba Macina", "Civilians (Mali)", "Violence against civilians",
                 "Abduction/forced disappearance", 1, 0.5),
        Scenario("CSP-DPA", "Military Forces of Mali (2021-)", "Battles", "Armed clash", 0.5, 7),
        Scenario("Unidentified Armed Group (Mali)", "Civilians (Mali)",
                 "Violence against civilians", "Attack", 1, 2),
        Scenario("Protesters (Mali)", "", "Protests", "Peaceful protest", 0.5, 0),
    ),
    "BFA": (
        Scenario(_JNIM, "Military Forces of Burkina Faso (2022-)", "Battles", "Armed clash", 5, 9),
        Scenario(_JNIM, "VDP: Volunteers for the Defense of the Homeland", "Battles",
                 "Armed clash", 3, 7),
        Scenario(_JNIM, "Civilians (Burkina Faso)", "Violence against civilians", "Attack", 3, 5),
        Scenario("Ansaroul Islam", "Civilians (Burkina Faso)", "Violence against civilians",
                 "Attack", 1, 4),
        Scenario(_ISSP, "Civilians (Burkina Faso)", "Violence against civilians", "Attack", 1, 5),
        Scenario("Military Forces of Burkina Faso (2022-)", "Civilians (Burkina Faso)",
                 "Violence against civilians", "Attack", 1, 8),
        Scenario("VDP: Volunteers for the Defense of the Homeland", "Civilians (Burkina Faso)",
                 "Violence against civilians", "Attack", 1, 4),
        Scenario(_JNIM, "", "Strategic developments", "Looting/property destruction", 1, 0),
        # ACLED's uncertain attributions: the sources do not say which of the two acted.
        Scenario(_JNIM + " and/or Islamic State (Greater Sahara)", "Civilians (Burkina Faso)",
                 "Violence against civilians", "Attack", 1, 4),
    ),
    "NER": (
        Scenario(_ISSP, "Military Forces of Niger (2023-)", "Battles", "Armed clash", 4, 9),
        Scenario(_ISSP, "Civilians (Niger)", "Violence against civilians", "Attack", 3, 6),
        Scenario(_JNIM, "Military Forces of Niger (2023-)", "Battles", "Armed clash", 2, 6),
        Scenario("Boko Haram - Jamaatu Ahli is-Sunnah lid-Dawati wal-Jihad", "Civilians (Niger)",
                 "Violence against civilians", "Abduction/forced disappearance", 1, 2),
        Scenario("Islamic State West Africa Province", "Military Forces of Niger (2023-)",
                 "Battles", "Armed clash", 1, 7),
    ),
    "TCD": (
        Scenario("Boko Haram - Jamaatu Ahli is-Sunnah lid-Dawati wal-Jihad", "Civilians (Chad)",
                 "Violence against civilians", "Attack", 2, 4),
        Scenario("Islamic State West Africa Province", "Military Forces of Chad (2021-)",
                 "Battles", "Armed clash", 1, 10),
    ),
    "MRT": (
        Scenario("Military Forces of Mali (2021-)", "Civilians (Mauritania)",
                 "Violence against civilians", "Attack", 1, 2),
    ),
}
SOURCES: tuple[str, ...] = ("RFI", "AFP", "Studio Tamani", "Reuters", "Le Faso", "Aïr Info",
                            "Local sources", "Jeune Afrique")
START = pd.Timestamp("2019-01-01")
END = pd.Timestamp("2025-06-30")


def synthetic_incidents(n: int, seed: int = 0) -> pd.DataFrame:
    """Return `n` seeded synthetic incidents as a canonical GeoDataFrame (same seed, same rows)."""
    rng = np.random.default_rng(seed)
    anchors = pd.DataFrame(ANCHORS)
    at = rng.choice(len(anchors), size=n, p=_normalised(anchors["weight"]))
    where = anchors.iloc[at].reset_index(drop=True)
    precision = rng.choice([1, 2, 3], size=n, p=[0.7, 0.2, 0.1])
    spread = np.where(precision == 1, 0.04, 0.18)
    lat = where["latitude"].to_numpy() + rng.normal(0, 1, n) * spread
    lon = where["longitude"].to_numpy() + rng.normal(0, 1, n) * spread
    located = places.locate(lon, lat)
    frame = pd.DataFrame({
        "event_id": [f"SYN-{seed}-{i:07d}" for i in range(n)],
        "event_date": _dates(rng, n), "time_precision": rng.choice([1, 2, 3], n, p=[.85, .1, .05]),
        "iso3": located["iso3"].fillna(where["iso3"]), "location": where["name"],
        "geo_precision": precision, "latitude": lat.round(5), "longitude": lon.round(5),
        "country": located["country"].fillna(where["iso3"].map(places.country_name)),
        "admin1": located["admin1"],
    })
    _region_only_to_centroid(frame)
    # Actors follow the anchor's conflict even when jitter crosses a border.
    scenario = _pick_scenarios(rng, where["iso3"])
    frame = pd.concat([frame, scenario], axis=1)
    frame["group1"], _ = actors.resolve_actor_column(frame["actor1"])
    frame["group2"], _ = actors.resolve_actor_column(frame["actor2"])
    frame["group2"] = frame["group2"].where(frame["actor2"] != "", "")
    for side in ("1", "2"):
        frame[f"assoc_groups{side}"], _ = actors.resolve_actor_list_column(
            frame[f"assoc_actor_{side}"].replace("", None))
    _add_fatalities(rng, frame)
    frame["source"] = rng.choice(SOURCES, n)
    # Like real stores: ACLED/UCDP rows carry no link, report-coded rows (~1 in 10) do.
    linked = rng.uniform(size=n) < 0.1
    frame["source_url"] = ("https://example.org/sahel-synthetic/" + frame["event_id"]).where(
        linked, "")
    frame["notes"] = ("Synthetic incident near " + frame["location"] + ": " + frame["actor1"]
                      + " — " + frame["sub_event_type"].str.lower() + ".")
    frame["dataset"] = "canonical"
    frame["flags"] = ""
    frame["admin1_source"] = ""
    frame["timestamp"] = 1_700_000_000 + np.arange(n)
    return conform(frame)


def write_store(store: Store | str | Path, n: int, seed: int = 0) -> int:
    """Add `n` synthetic incidents to a store, or to the configured store of folder `store`
    (`sahel.store.open_store`); return how many were added."""
    from sahel.store import open_or_use

    return open_or_use(store).add(synthetic_incidents(n, seed)).added


def _normalised(weights: pd.Series) -> np.ndarray:
    values = weights.to_numpy(dtype="float64")
    return values / values.sum()


def _dates(rng: np.random.Generator, n: int) -> pd.Series:
    # Violence rose over 2019–2025: draw days with a linearly increasing density.
    span = (END - START).days
    days = np.floor(np.sqrt(rng.uniform(0.05, 1.0, n)) * span).astype("int64")
    return START + pd.to_timedelta(days, unit="D")


def _region_only_to_centroid(frame: pd.DataFrame) -> None:
    # Precision 3 means only the region is known: ACLED puts such events at a central point.
    for index in frame.index[frame["geo_precision"] == 3]:
        admin1 = frame.at[index, "admin1"]
        centroid = places.region_centroid(admin1, frame.at[index, "iso3"]) if isinstance(
            admin1, str) else None
        if centroid is not None:
            frame.at[index, "latitude"], frame.at[index, "longitude"] = centroid
            frame.at[index, "location"] = admin1


def _pick_scenarios(rng: np.random.Generator, iso3: pd.Series) -> pd.DataFrame:
    parts = []
    for country, rows in iso3.groupby(iso3).groups.items():
        options = pd.DataFrame(SCENARIOS[str(country)])
        chosen = rng.choice(len(options), size=len(rows), p=_normalised(options["weight"]))
        parts.append(options.iloc[chosen].set_index(pd.Index(rows)))
    picked = pd.concat(parts).loc[iso3.index]
    return picked[["actor1", "assoc_actor_1", "actor2", "assoc_actor_2", "event_type",
                   "sub_event_type", "mean_fatalities"]]


def _add_fatalities(rng: np.random.Generator, frame: pd.DataFrame) -> None:
    mean = frame.pop("mean_fatalities").to_numpy(dtype="float64")
    # Heavy tail: most incidents kill few, a few kill dozens.
    best = np.where(mean > 0, rng.negative_binomial(1, 1 / (1 + mean)), 0)
    frame["fatalities"] = best
    disputed = (best >= 5) & (rng.uniform(size=len(frame)) < 0.08)
    frame["fatalities_low"] = np.where(disputed, best, pd.NA)
    frame["fatalities_high"] = np.where(disputed, best * rng.integers(2, 5, len(frame)), pd.NA)
    frame["claims"] = [
        claims_to_json([
            {"by": a1.split(":")[0], "role": "armed_group", "kind": "killed",
             "text": "dozens of soldiers killed", "low": int(hi), "high": None},
            {"by": "Local sources", "role": "local_sources", "kind": "killed", "text": "",
             "low": int(lo), "high": int(hi)},
        ]) if d else ""
        for a1, lo, hi, d in zip(frame["actor1"], best, frame["fatalities_high"], disputed,
                                 strict=True)
    ]
