"""The gazetteer: place names of the Sahel and its neighbours → coordinates and admin units.

One table (``data/places/gazetteer.parquet``) merged from GeoNames, OpenStreetMap, OCHA Mali and
curated conflict localities (see ``data/README.md``; the table is ODbL because OSM is in it).
Look-ups match folded names (``places.fold``) exactly first, then fuzzily with rapidfuzz.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
from rapidfuzz import fuzz, process

from sahel.places import PLACES_DIR, POLYGON_PARENT, canonical_region, country_iso3, fold

GAZETTEER_PATH = PLACES_DIR / "gazetteer.parquet"
EXACT_SCORE = 100.0
# Below this rapidfuzz ratio a "candidate" is mostly noise for names of 4–12 letters.
FUZZY_CUTOFF = 80.0


class Place(NamedTuple):
    """One gazetteer entry as a look-up answer; `score` is 100 for an exact (folded) match."""

    name: str
    iso3: str | None
    admin1: str | None
    admin2: str | None
    latitude: float
    longitude: float
    source: str
    population: int | None
    kind: str
    score: float
    matched: str = ""  # the name (or alias) that matched, as the source spells it


class Gazetteer:
    """Name → places index over the gazetteer table; build it with `load_gazetteer()`."""

    def __init__(self, path: Path = GAZETTEER_PATH) -> None:
        table = pq.read_table(path)
        self._cols = {name: table.column(name).to_numpy(zero_copy_only=False)
                      for name in ("name", "iso3", "admin1", "admin2", "latitude", "longitude",
                                   "source", "kind", "importance")}
        population = table.column("population")
        self._population = np.where(pc.is_null(population).to_numpy(zero_copy_only=False), -1,
                                    population.fill_null(-1).to_numpy())
        self._names = table.column("names").combine_chunks()
        folded = table.column("folded_names").combine_chunks()
        parents = pc.list_parent_indices(folded).to_numpy().tolist()
        index: dict[str, list[int]] = {}
        for key, row in zip(pc.list_flatten(folded).to_pylist(), parents, strict=True):
            rows = index.get(key)
            if rows is None:
                index[key] = [row]
            elif rows[-1] != row:
                rows.append(row)
        self._index = {key: tuple(rows) for key, rows in index.items()}
        self._keys = list(self._index)
        self.max_name_tokens: int = max(key.count(" ") + 1 for key in self._keys)

    def __len__(self) -> int:
        return len(self._cols["name"])

    def names(self) -> Mapping[str, tuple[int, ...]]:
        """Return the read-only map of every folded name and alias → row numbers of its places.

        For scanning text: fold n-grams of up to `max_name_tokens` tokens and test membership.
        """
        return MappingProxyType(self._index)

    def place(self, row: int, score: float = EXACT_SCORE, matched: str = "") -> Place:
        """Return the place at `row` (a number from `names()`)."""
        c = self._cols
        population = int(self._population[row])
        return Place(name=c["name"][row], iso3=c["iso3"][row], admin1=c["admin1"][row],
                     admin2=c["admin2"][row], latitude=float(c["latitude"][row]),
                     longitude=float(c["longitude"][row]), source=c["source"][row],
                     population=population if population >= 0 else None, kind=c["kind"][row],
                     score=score, matched=matched or c["name"][row])

    def lookup(self, name: str, iso3: str | None = None, admin1: str | None = None,
               limit: int = 5, fuzzy: bool | None = None) -> list[Place]:
        """Return up to `limit` places called `name`, best first.

        Exact folded matches come first, ranked by the country/region hint, then importance
        (population, kind, number and quality of sources). Fuzzy candidates (rapidfuzz ratio ≥
        80, `score` below 100) fill the rest when `fuzzy` is True, or by default only when
        nothing matched exactly. Hints rank, they never exclude.
        """
        key = fold(name)
        if not key or limit <= 0:
            return []
        if key not in self._index and "(" in name:
            # "Kidal (regional airport)": an analyst's gloss after the name.
            key = fold(name.split("(", 1)[0]) or key
        country = country_iso3(iso3) if iso3 else None
        region = canonical_region(admin1, country) if admin1 else None
        region = POLYGON_PARENT.get(region, region) if region else None
        found = [(EXACT_SCORE, row, key) for row in self._index.get(key, ())]
        if len(found) < limit and (fuzzy or (fuzzy is None and not found)):
            seen = {row for _, row, _ in found}
            for other, score, _ in process.extract(key, self._keys, scorer=fuzz.ratio,
                                                   score_cutoff=FUZZY_CUTOFF, limit=limit * 4):
                if other == key:
                    continue
                found.extend((float(score), row, other) for row in self._index[other]
                             if row not in seen)
                seen.update(self._index[other])
        found.sort(key=lambda f: self._rank(f[0], f[1], country, region))
        return [self.place(row, score, self._spelling(row, matched))
                for score, row, matched in found[:limit]]

    def _spelling(self, row: int, key: str) -> str:
        names = self._names[row].as_py()
        return next((n for n in names if fold(n) == key), names[0])

    def _rank(self, score: float, row: int, iso3: str | None,
              admin1: str | None) -> tuple[float, int, int, float, int]:
        c = self._cols
        return (-score, -(iso3 is not None and c["iso3"][row] == iso3),
                -(admin1 is not None and c["admin1"][row] == admin1), -c["importance"][row], row)


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """Return the shipped gazetteer, loaded once per process."""
    return Gazetteer()
