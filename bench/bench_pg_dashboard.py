"""Time the dashboard's filter → map on the PostgreSQL store against the embedded one, same run.

    python bench/bench_pg_dashboard.py [--sizes 100000 1000000] [--repeat 3]
                                       [--browser-max 100000]

For each size, seeded synthetic incidents (sahel.synthetic: 100,000 made, then copied with new
ids and points moved by up to ~1 km to reach 1,000,000) are written into an embedded store and
into PostgreSQL (a throwaway cluster, sahel.store.local_cluster, migrated). Then, for each store:

Server side, in this process, as a dashboard process does it (dashboard_cache's functions are
sahel's, called here without Streamlit):
- load: the first read of the whole store by a dashboard process (sahel.incidents.Replica),
  shipped data included;
- version check: one `Store.version()` (what every session's watcher asks every 2 s; a process
  asks at most twice a second);
- filter → map: a new view computed: the filter and its figures (query.filter_incidents,
  overview.headline), the map layer (maps.incident_layer with the popups' codes made once per
  store, as the dashboard caches them) and the layer as streamlit-folium sends it (its
  JavaScript, size given): "narrow" one region, "broad" minimum fatalities 1, 2, …, "all" the
  default view (the user's incidents); the incidents are in memory, so this is the same work on
  both stores;
- a write seen: another store object writes 10 (then 10,000) new incidents and the replica is
  brought up to date (`Replica.refresh`): PostgreSQL reads only the rows the history names, the
  embedded store is read again.

In the browser (sizes up to --browser-max; headless chromium, bench/bench_dashboard.py's
harness): the dashboard served by serve.py on each store: the first visit (a new browser
profile, the server's caches warm), filter → map painted (narrow / widen / broad as
bench_dashboard.py), and a write by another process seen on the page: from its commit until
the page's Incidents figure changed (the watcher's period, SAHEL_REFRESH_SECONDS=2, then the
rerun). Medians of --repeat runs, fastest–slowest.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "e2e")]

import bench_dashboard as browser_bench  # noqa: E402  (bench/ is the script's folder)
import harness  # noqa: E402
from streamlit_folium import _get_feature_group_string  # noqa: E402

from sahel.incidents import Replica  # noqa: E402
from sahel.map_payload import facet_codes  # noqa: E402
from sahel.maps import base_map, incident_layer  # noqa: E402
from sahel.overview import headline  # noqa: E402
from sahel.query import IncidentQuery, filter_incidents, normalise_query  # noqa: E402
from sahel.schema import conform  # noqa: E402
from sahel.store import DATABASE_ENV, IncidentStore, Store, migrate  # noqa: E402
from sahel.store.local_cluster import throwaway_cluster  # noqa: E402
from sahel.store.postgres import PostgresStore  # noqa: E402
from sahel.synthetic import synthetic_incidents  # noqa: E402

MADE = 100_000  # incidents made by sahel.synthetic; larger sizes are copies of these
REGIONS = ("Mopti", "Gao", "Tombouctou", "Ségou", "Kidal")
STORES = ("embedded", "postgresql")
# Points of a copy move by up to this many degrees (~1 km), so copies are not stacked.
JITTER = 0.01


def incidents(n: int, seed: int) -> pd.DataFrame:
    """Return `n` synthetic incidents: sahel.synthetic's, copied with new ids past MADE."""
    made = synthetic_incidents(min(n, MADE), seed)
    if n <= MADE:
        return made
    rng = np.random.default_rng(seed)
    parts = [made]
    for copy_number in range(1, -(-n // MADE)):
        part = pd.DataFrame(made.drop(columns="geometry"))
        part["event_id"] = part["event_id"] + f"-c{copy_number}"
        for column in ("latitude", "longitude"):
            part[column] = part[column] + rng.uniform(-JITTER, JITTER, len(part))
        parts.append(part)
    return conform(pd.concat(parts, ignore_index=True).iloc[:n])


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    """Return how long `action` took (seconds) and what it returned."""
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def stats(values: list[float]) -> dict[str, float]:
    """Return the median, fastest and slowest of `values`."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def cell(stat: dict[str, float], unit: str = "s", scale: float = 1.0, digits: int = 2) -> str:
    """Return "median unit (min–max)"."""
    m, lo, hi = (stat[k] * scale for k in ("median", "min", "max"))
    return f"{m:.{digits}f} {unit} ({lo:.{digits}f}–{hi:.{digits}f})"


def view_queries(repeat: int) -> dict[str, list[IncidentQuery]]:
    """Return the views timed, by kind: a new one each time (the dashboard caches views)."""
    return {
        "narrow": [normalise_query(IncidentQuery(regions=frozenset({REGIONS[k % len(REGIONS)]}),
                                                 include_demo=False)) for k in range(repeat)],
        "broad": [IncidentQuery(min_fatalities=k + 1, include_demo=False)
                  for k in range(repeat)],
        "all": [IncidentQuery(include_demo=False)],
    }


def filter_to_map(frame: pd.DataFrame, codes: Any, query: IncidentQuery) -> dict[str, float]:
    """Compute one view as the dashboard does; return each step's seconds and the payload."""
    filtering, (selected, figures) = timed(
        lambda: (lambda s: (s, headline(s, query.include_associated)))(
            filter_incidents(frame, query)))
    layering, layer = timed(lambda: incident_layer(selected, known=codes, tell_streamlit=True))
    sending, payload = timed(lambda: _get_feature_group_string(copy.deepcopy(layer),
                                                               base_map(620)))
    return {"filter": filtering, "layer": layering, "send": sending,
            "total": filtering + layering + sending, "mb": len(payload.encode()) / 1e6,
            "rows": float(len(selected))}


def server_side(make_store: Callable[[], Store], n: int, repeat: int) -> dict[str, Any]:
    """Time a dashboard process's work on one store (see the module's docstring)."""
    out: dict[str, Any] = {}
    loads = []
    replica = Replica(make_store())
    for _ in range(repeat):
        replica = Replica(make_store())
        seconds, _ = timed(replica.loaded)
        loads.append(seconds)
    out["load"] = stats(loads)
    store = make_store()
    store.version()
    out["version"] = stats([timed(store.version)[0] for _ in range(20)])
    frame = replica.loaded().incidents
    out["codes"], codes = timed(lambda: facet_codes(frame))
    for kind, queries in view_queries(repeat).items():
        views = [filter_to_map(frame, codes, q) for q in queries]
        out[kind] = {part: stats([v[part] for v in views]) for part in views[0]}
    for size in (10, 10_000):
        written = incidents(size, seed=n + size).assign(
            event_id=lambda f, s=size: "NEW" + str(s) + "-" + f["event_id"])
        make_store().add(written)
        seconds, changed = timed(replica.refresh)
        assert changed and len(replica.loaded().incidents) == len(frame) + size, "not seen"
        out[f"seen_{size}"] = seconds
        frame = replica.loaded().incidents
    out["full_loads"], out["updates"] = replica.full_loads, replica.updates
    return out


def incidents_shown(page: Any) -> str:
    """Return the text of the page's Incidents figure."""
    return str(page.locator('[data-testid="stMetric"]').first.locator(
        '[data-testid="stMetricValue"]').inner_text())


def browser_side(browser: Any, store_dir: Path, env: dict[str, str],
                 make_store: Callable[[], Store], repeat: int) -> dict[str, Any]:
    """Time the served dashboard on one store in chromium (see the module's docstring)."""
    out: dict[str, Any] = {}
    log: list[str] = []
    started = time.perf_counter()
    with harness.running_app(store_dir, log=log, extra_env=env) as url:
        ready = wait_for_warm(log)
        out["warm"] = ready
        out["start"] = time.perf_counter() - started
        first = []
        for _ in range(repeat):
            with harness.blocked_page(browser, intercept=False) as blocked:
                first.append(browser_bench.load_page(blocked.page, url, False).painted)
        out["first_visit"] = stats(first)
        with harness.blocked_page(browser, intercept=False) as blocked:
            page = blocked.page
            token = browser_bench.load_page(page, url, False).token
            narrow, widen, broad, seen = [], [], [], []
            for k in range(repeat):
                from_pick, _, token, _ = browser_bench.pick_region(
                    page, token, browser_bench.FILTER_REGIONS[k % len(REGIONS)])
                narrow.append(from_pick)
                from_pick, _, token, _ = browser_bench.pick_region(page, token, None)
                widen.append(from_pick)
                from_pick, _, token, _ = browser_bench.set_min_fatalities(page, token, k + 1)
                broad.append(from_pick)
                token = browser_bench.set_min_fatalities(page, token, 0)[2]
            for k in range(repeat):
                before = incidents_shown(page)
                written = incidents(3, seed=900 + k).assign(
                    event_id=lambda f, k=k: f"LIVE{k}-" + f["event_id"])
                make_store().add(written)
                wrote = time.perf_counter()  # committed: the page's wait starts
                page.wait_for_function(
                    """(before) => { const m = document.querySelector(
                         '[data-testid="stMetric"] [data-testid="stMetricValue"]');
                       return m && m.innerText !== before; }""",
                    arg=before, timeout=browser_bench.TIMEOUT_MS, polling=50)
                seen.append(time.perf_counter() - wrote)
                page.wait_for_selector(harness.APP_IDLE, timeout=browser_bench.TIMEOUT_MS)
            out["narrow"], out["widen"], out["broad"] = stats(narrow), stats(widen), stats(broad)
            out["write_seen"] = stats(seen)
            assert not blocked.disallowed(), blocked.disallowed()
    return out


def wait_for_warm(log: list[str], timeout: float = 1800) -> float:
    """Wait for serve.py's "data are ready" line; return the seconds it says warming took."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in list(log):
            if "the dashboard's data are ready" in line:
                return float(line.rsplit(", ", 1)[1].split(" s)")[0])
            if "could not prepare the dashboard's data" in line:
                raise RuntimeError("".join(log))
        time.sleep(0.2)
    raise TimeoutError("the dashboard's caches were not ready in time:\n" + "".join(log))


def new_stores(folder: Path, cluster: Any, n: int
               ) -> tuple[Path, str, dict[str, Callable[[], Store]]]:
    """Return an empty embedded store's folder and PostgreSQL database (migrated) for size `n`,
    and a factory of store objects of each, by STORES label."""
    store_dir = folder / f"store_{n}"
    store_dir.mkdir()
    database = f"bench_{n}"
    with psycopg.connect(cluster.url(), autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {database}")
    url = cluster.url(database)
    migrate.upgrade(url)
    makers: dict[str, Callable[[], Store]] = {
        "embedded": lambda d=store_dir: IncidentStore(d),
        "postgresql": lambda u=url, d=store_dir: PostgresStore(
            u, user="bench", reports_dir=d / "rejects")}
    return store_dir, url, makers


def main() -> None:
    """Fill both stores for each size, time them, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median shown)")
    parser.add_argument("--browser-max", type=int, default=100_000,
                        help="time the page in chromium up to this size (0: never)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    results: dict[tuple[int, str], dict[str, Any]] = {}
    pages: dict[tuple[int, str], dict[str, Any]] = {}
    writes: dict[tuple[int, str], float] = {}
    with tempfile.TemporaryDirectory() as folder, throwaway_cluster() as cluster:
        for n in args.sizes:
            made, frame = timed(lambda n=n: incidents(n, args.seed))
            print(f"{n:,} synthetic incidents made in {made:.1f} s", flush=True)
            store_dir, url, makers = new_stores(Path(folder), cluster, n)
            envs = {"embedded": {}, "postgresql": {DATABASE_ENV: url}}
            for label in STORES:
                writes[n, label], _ = timed(lambda m=makers[label], f=frame: m().add(f))
                print(f"{label}: {n:,} written in {writes[n, label]:.1f} s", flush=True)
            del frame
            for label in STORES:
                results[n, label] = server_side(makers[label], n, args.repeat)
                print(f"{label} {n:,}: server side done", flush=True)
            if n <= args.browser_max:
                with harness.chromium() as browser:
                    for label in STORES:
                        pages[n, label] = browser_side(browser, store_dir, envs[label],
                                                       makers[label], args.repeat)
                        print(f"{label} {n:,}: browser done", flush=True)
    print_tables(args, results, pages, writes)


def print_tables(args: argparse.Namespace, results: dict[tuple[int, str], dict[str, Any]],
                 pages: dict[tuple[int, str], dict[str, Any]],
                 writes: dict[tuple[int, str], float]) -> None:
    """Print the server-side table, then the browser's."""
    print(f"\nServer side, medians of {args.repeat} runs (fastest–slowest)")
    print("| incidents | store | written (once) | load (first read) | version check "
          "| filter → map: narrow | broad | all | payload: narrow / all | a write seen: 10 rows "
          "| 10,000 rows |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (n, label), r in results.items():
        print(f"| {n:,} | {label} | {writes[n, label]:.1f} s | {cell(r['load'])} | "
              f"{cell(r['version'], 'ms', 1000)} | {cell(r['narrow']['total'])} | "
              f"{cell(r['broad']['total'])} | {r['all']['total']['median']:.2f} s | "
              f"{r['narrow']['mb']['median']:.1f} / {r['all']['mb']['median']:.1f} MB | "
              f"{r['seen_10']:.2f} s | {r['seen_10000']:.2f} s |")
    print("\nfilter → map split (median seconds): filter + figures / layer / layer as sent")
    for (n, label), r in results.items():
        parts = " · ".join(
            f"{kind}: " + " / ".join(f"{r[kind][p]['median']:.2f}"
                                     for p in ("filter", "layer", "send"))
            for kind in ("narrow", "broad", "all"))
        print(f"  {n:,} {label}: {parts} (rows: narrow "
              f"{r['narrow']['rows']['median']:,.0f}, all {r['all']['rows']['median']:,.0f}); "
              f"popup codes once {r['codes']:.2f} s; loads {r['full_loads']}, "
              f"updates {r['updates']}")
    if not pages:
        return
    print(f"\nIn chromium, medians of {args.repeat} runs (fastest–slowest)")
    print("| incidents | store | caches warmed at start | first visit | filter → map: narrow "
          "| widen | broad | another process's write on the page |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for (n, label), p in pages.items():
        print(f"| {n:,} | {label} | {p['warm']:.1f} s | {cell(p['first_visit'])} | "
              f"{cell(p['narrow'])} | {cell(p['widen'])} | {cell(p['broad'])} | "
              f"{cell(p['write_seen'])} |")


if __name__ == "__main__":
    main()
