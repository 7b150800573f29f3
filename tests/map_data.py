"""Test data shared by the map tests: three incidents with hostile text wherever a user types."""

from __future__ import annotations

import pandas as pd

from sahel.schema import claims_to_json, conform

HOSTILE = "<img src=x onerror=alert(1)>"


def map_incidents() -> pd.DataFrame:
    """Return three canonical incidents: the seed's Niafunké claims, a hostile row, an ACLED row."""
    rows = [
        {"event_id": "T-1", "event_date": "2023-11-24", "event_type": "Battles",
         "sub_event_type": "Armed clash", "actor1": "JNIM", "actor2": "FAMa", "group1": "JNIM",
         "group2": "FAMa", "country": "Mali", "iso3": "MLI", "admin1": "Tombouctou",
         "location": "Niafunké", "latitude": 15.932, "longitude": -3.991, "geo_precision": 1,
         "fatalities": 12, "fatalities_low": 12, "fatalities_high": 50, "dataset": "seed",
         "source": "RFI", "source_url": "https://www.rfi.fr/fr/afrique/x",
         "claims": claims_to_json([{"by": "JNIM", "role": "armed_group", "kind": "killed",
                                    "text": "plusieurs dizaines", "low": 12, "high": None},
                                   {"by": "sources locales", "role": "local_sources",
                                    "kind": "killed", "text": HOSTILE, "low": 50, "high": 50}])},
        {"event_id": "T-2", "event_date": "2023-11-20", "event_type": "Violence against civilians",
         "sub_event_type": "Attack", "actor1": HOSTILE, "group1": HOSTILE, "country": "Mali",
         "iso3": "MLI", "admin1": "Mopti", "location": HOSTILE, "notes": HOSTILE,
         "latitude": 14.49, "longitude": -4.2, "geo_precision": 3, "fatalities": 3,
         "dataset": "ucdp_ged", "source": HOSTILE, "source_url": "javascript:alert(1)"},
        {"event_id": "T-3", "event_date": "2022-01-05", "event_type": "Battles",
         "sub_event_type": "Armed clash", "actor1": "Military Forces of Mali", "group1": "FAMa",
         "actor2": "JNIM", "group2": "JNIM", "country": "Mali", "iso3": "MLI", "admin1": "Mopti",
         "location": "Djenné", "latitude": 13.906, "longitude": -4.553, "geo_precision": 2,
         "fatalities": 0, "dataset": "acled", "source": "AFP"},
    ]
    return conform(pd.DataFrame(rows))
