"""Time the places layer: gazetteer load, exact and fuzzy look-ups, locate() on 100k points.

    python bench/bench_places.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sahel import places  # noqa: E402
from sahel.gazetteer import Gazetteer  # noqa: E402


def _best_of(runs: int, func: object) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        func()  # type: ignore[operator]
        timings.append(time.perf_counter() - start)
    return min(timings)


def main() -> None:
    """Print the timings."""
    load = _best_of(3, Gazetteer)
    gazetteer = Gazetteer()
    exact = _best_of(5, lambda: [gazetteer.lookup("Niafunké", iso3="MLI") for _ in range(1000)])
    fuzzy = _best_of(3, lambda: [gazetteer.lookup("Niafounkee") for _ in range(20)])
    rng = np.random.default_rng(0)
    lon, lat = rng.uniform(-18, 24, 100_000), rng.uniform(4, 28, 100_000)
    places.locate(lon[:10], lat[:10])  # load the boundaries and the tree once
    locate = _best_of(3, lambda: places.locate(lon, lat))
    print(f"gazetteer load ({len(gazetteer):,} places): {load * 1000:.0f} ms")
    print(f"exact lookup: {exact * 1e3:.1f} µs")  # 1000 calls: seconds × 1e6 / 1000
    print(f"fuzzy lookup: {fuzzy * 1000 / 20:.1f} ms")
    print(f"locate() on 100,000 points: {locate * 1000:.0f} ms")


if __name__ == "__main__":
    main()
