"""Time `python -m sahel import` on a seeded 100,000-row ACLED-layout CSV (target: < 10 s).

    python bench/bench_import.py [--rows 100000] [--bad 0.03] [--seed 2026] [--keep DIR]
                                 [--excel-dates]

The rows are synthetic (never ACLED's): points scattered within ~5 km of real towns of the
covered countries, a realistic mix of actor names, regions and event types, both ACLED date styles
(with --excel-dates: as Excel writes them back instead, `16-Feb-21` and `2/16/2021`), and a few
per cent of bad rows of every kind the validation rejects.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
HEADER = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,"
    "assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,"
    "country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,"
    "notes,fatalities,tags,timestamp").split(",")
# (town, admin1 as ACLED spells it, country, ISO numeric, latitude, longitude): public facts.
TOWNS: tuple[tuple[str, str, str, str, float, float], ...] = (
    ("Niafunke", "Timbuktu", "Mali", "466", 15.9322, -3.9906),
    ("Goundam", "Timbuktu", "Mali", "466", 16.4145, -3.6708),
    ("Timbuktu", "Timbuktu", "Mali", "466", 16.7735, -3.0074),
    ("Gao", "Gao", "Mali", "466", 16.2717, -0.0447),
    ("Menaka", "Menaka", "Mali", "466", 15.9182, 2.4022),
    ("Kidal", "Kidal", "Mali", "466", 18.4411, 1.4078),
    ("Mopti", "Mopti", "Mali", "466", 14.4843, -4.1827),
    ("Boni", "Mopti", "Mali", "466", 15.0713, -2.2226),
    ("Bandiagara", "Mopti", "Mali", "466", 14.3501, -3.6104),
    ("Djenne", "Mopti", "Mali", "466", 13.9061, -4.5533),
    ("Segou", "Segou", "Mali", "466", 13.4317, -6.2157),
    ("Nampala", "Segou", "Mali", "466", 15.2734, -5.5535),
    ("Djibo", "Sahel", "Burkina Faso", "854", 14.1022, -1.6306),
    ("Dori", "Sahel", "Burkina Faso", "854", 14.0354, -0.0345),
    ("Arbinda", "Sahel", "Burkina Faso", "854", 14.2306, -0.8681),
    ("Kaya", "Centre-Nord", "Burkina Faso", "854", 13.0917, -1.0844),
    ("Barsalogho", "Centre-Nord", "Burkina Faso", "854", 13.4139, -1.0558),
    ("Fada N'gourma", "Est", "Burkina Faso", "854", 12.0616, 0.3584),
    ("Ouahigouya", "Nord", "Burkina Faso", "854", 13.5828, -2.4216),
    ("Solenzo", "Boucle du Mouhoun", "Burkina Faso", "854", 12.1742, -4.0848),
    ("Tillaberi", "Tillaberi", "Niger", "562", 14.2117, 1.4531),
    ("Ayorou", "Tillaberi", "Niger", "562", 14.7308, 0.9174),
    ("Tahoua", "Tahoua", "Niger", "562", 14.8888, 5.2692),
    ("Diffa", "Diffa", "Niger", "562", 13.3154, 12.6113),
    ("Agadez", "Agadez", "Niger", "562", 16.9733, 7.9911),
    ("Bol", "Lac", "Chad", "148", 13.4586, 14.7147),
    ("Nema", "Hodh ech Chargui", "Mauritania", "478", 16.6170, -7.2565),
)
ACTORS: tuple[tuple[str, float], ...] = (
    ("JNIM: Group for Support of Islam and Muslims", 0.25),
    ("Islamic State (Sahel)", 0.10), ("Military Forces of Mali (2021-)", 0.12),
    ("Wagner Group", 0.04), ("Military Forces of Burkina Faso (2022-)", 0.10),
    ("VDP: Volunteers for the Defense of the Homeland", 0.05),
    ("Military Forces of Niger (2023-)", 0.05), ("Unidentified Armed Group (Mali)", 0.10),
    ("Fulani Ethnic Militia (Mali)", 0.03), ("Dozo Communal Militia (Mali)", 0.02),
    ("Civilians (Mali)", 0.08), ("Civilians (Burkina Faso)", 0.05),
    ("Katiba Macina", 0.005), ("Invented Local Brigade", 0.005),
)
EVENTS: tuple[tuple[str, str, float], ...] = (
    ("Battles", "Armed clash", 0.40),
    ("Violence against civilians", "Attack", 0.25),
    ("Explosions/Remote violence", "Remote explosive/landmine/IED", 0.10),
    ("Explosions/Remote violence", "Air/drone strike", 0.07),
    ("Violence against civilians", "Abduction/forced disappearance", 0.08),
    ("Strategic developments", "Looting/property destruction", 0.05),
    ("Protests", "Peaceful protest", 0.05),
)
BAD_KINDS = ("no_date", "bad_date", "swapped", "sea", "out_of_range", "duplicate", "ragged",
             "zero")


def _weighted(rng: np.random.Generator, weights: list[float], size: int) -> np.ndarray:
    p = np.asarray(weights, dtype="float64")
    return rng.choice(len(p), size=size, p=p / p.sum())


def write_acled_csv(path: Path, rows: int, bad_share: float, seed: int,
                    excel_dates: bool = False) -> dict[str, int]:
    """Write the synthetic export; return how many bad rows of each kind it holds."""
    rng = np.random.default_rng(seed)
    towns = rng.integers(0, len(TOWNS), rows)
    actor1 = _weighted(rng, [w for _, w in ACTORS], rows)
    actor2 = _weighted(rng, [w for _, w in ACTORS], rows)
    events = _weighted(rng, [w for *_, w in EVENTS], rows)
    days = rng.integers(0, 365 * 12, rows)
    jitter = rng.uniform(-0.05, 0.05, (rows, 2))
    fatalities = rng.poisson(2.5, rows)
    bad = np.where(rng.random(rows) < bad_share, rng.integers(0, len(BAD_KINDS), rows), -1)
    start = np.datetime64("2012-01-01")
    counts = dict.fromkeys(BAD_KINDS, 0)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            town, admin1, country, iso, lat, lon = TOWNS[towns[i]]
            lat, lon = round(lat + jitter[i, 0], 4), round(lon + jitter[i, 1], 4)
            day = (start + days[i]).astype(object)
            if excel_dates:
                date = (day.strftime("%d-%b-%y") if i % 2
                        else f"{day.month}/{day.day}/{day.year}")
            else:
                date = day.isoformat() if i % 2 else day.strftime("%d %B %Y")
            event_type, sub_event_type, _ = EVENTS[events[i]]
            event_id = f"BEN{i + 1}"
            kind = BAD_KINDS[bad[i]] if bad[i] >= 0 else ""
            if kind:
                counts[kind] += 1
            if kind == "no_date":
                date = ""
            elif kind == "bad_date":
                date = "31 Smarch 2020"
            elif kind == "swapped":
                lat, lon = lon, lat
            elif kind == "sea":
                lat, lon = 2.0 + jitter[i, 0], -20.0
            elif kind == "out_of_range":
                lat = 123.4
            elif kind == "duplicate":
                event_id = "BEN1"
            elif kind == "zero":
                lat, lon = 0.0, 0.0
            row = [event_id, date, str(day.year), "1", "Political violence", event_type,
                   sub_event_type, ACTORS[actor1[i]][0], "", "Rebel group",
                   ACTORS[actor2[i]][0], "", "State forces", "Rebel group-State forces", "",
                   iso, "Western Africa", country, admin1, town, town, town, f"{lat}", f"{lon}",
                   "1", "Synthetic Wire; Local Source", "Other",
                   f"Synthetic row {i + 1}: an incident near {town}.", str(fatalities[i]), "",
                   str(1_600_000_000 + i)]
            writer.writerow(row[:12] if kind == "ragged" else row)
    return counts


def main() -> None:
    """Generate the file, run the import as a subprocess and print the timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--bad", type=float, default=0.03)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", type=Path, help="write the CSV and store here and keep them")
    parser.add_argument("--excel-dates", action="store_true",
                        help="dates as Excel writes them back (16-Feb-21, 2/16/2021)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sahel-bench-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        source = folder / "acled_synthetic.csv"
        started = time.perf_counter()
        counts = write_acled_csv(source, args.rows, args.bad, args.seed, args.excel_dates)
        print(f"generated {args.rows} rows ({source.stat().st_size / 1e6:.1f} MB) in "
              f"{time.perf_counter() - started:.1f} s; bad rows by kind: {counts}")
        command = [sys.executable, "-m", "sahel", "import", str(source), "--store",
                   str(folder / "store")]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        print(done.stdout + done.stderr, end="")
        verdict = "OK" if wall < 10 and done.returncode == 0 else "TOO SLOW OR FAILED"
        print(f"`python -m sahel import` wall time: {wall:.2f} s for {args.rows} rows "
              f"(target < 10 s): {verdict}")


if __name__ == "__main__":
    main()
