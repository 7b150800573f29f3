"""Benchmark the dashboard in headless chromium: load → map painted, filter → map updated.

Seeded synthetic stores of 10,000 and 100,000 incidents (sahel.synthetic) are written to temporary
store directories; the app is started as `make run` does; the browser has no internet. The baseline
is the usual page with one folium.Marker per incident (bench/baseline_app.py), and the floor is a
one-metric Streamlit page (bench/empty_app.py); "map only" is the dashboard's map and one metric
without the sidebar, table and chart (bench/map_only_app.py); same run, same machine.

    python bench/bench_dashboard.py [--sizes 0 10000 100000] [--repeat 5] [--baseline-max 10000]
                                    [--phases]

Size 0 is the shipped data alone (empty store). Each figure is the median of --repeat runs, with
the fastest and slowest: this machine's timings vary by a few hundred milliseconds run to run.
A load is timed from the navigation's start to the map's first painted frame, by the page's own
clocks (`performance.timeOrigin`, incidents.js's `sahelTiming`): on a first run the dashboard
draws the map first and the rest once the map has painted, and drawing the rest keeps the page
busy, so Playwright sees the paint up to ~0.8 s late. The second table gives that "seen" time
and "complete": the sidebar's filters and the table drawn, the script idle, with the server's
CPU time (user + system, from /proc) spent on each first visit until then.
- first visit after start: the first page load after the server started (its caches empty);
- first visit: a browser with an empty cache (a new profile each time), the server warm; each
  is followed by a first visit to the one-metric page, and the third table gives the median of
  the differences, which the machine's slow drifts (a few hundred milliseconds over minutes)
  leave alone;
- returning visit: the same browser loading the page again (its cache holds Streamlit's and the
  map's scripts), as an analyst opening the dashboard every morning;
- filter: from the moment a filter is set in the sidebar (Enter after typing) until the map has
  painted the new view. "narrow": all incidents → one region, a different region each run, so
  the server computes each view afresh; "widen": that region removed, back to all incidents (a
  view the page showed before); "broad": minimum fatalities 0 → 1, 2, … (40–80 % of the
  incidents, each a new view). The time spent typing is printed apart (`filter_from_typing`).
With --phases, the last load and filter are also split into where the time goes: browser marks
(ms after navigation or after the pick) and the server's script timings (SAHEL_TIMINGS=1, s).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "e2e")]

import harness  # noqa: E402

from sahel.synthetic import write_store  # noqa: E402

# Regions of Mali picked in turn (their names are typed; each is the first option it matches).
FILTER_REGIONS = ("Mopti", "Gao", "Tombouctou", "Ségou", "Kidal")
TIMEOUT_MS = 180_000
# Marks in the page, in epoch milliseconds: Streamlit's shell mounted, the script started and
# ended (data-test-script-state), the map iframe attached. Runs in every frame; only the top acts.
# Only with --phases: observing every change of the page slows a load down.
MARKS_SCRIPT = """
(() => {
  if (window.top !== window) return;
  window.__sahelMarks = {};
  const mark = (k) => {
    const m = window.__sahelMarks;
    if (!(k in m)) m[k] = performance.timeOrigin + performance.now();
  };
  new MutationObserver(() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) return;
    mark('shell');
    const state = app.getAttribute('data-test-script-state');
    if (state === 'running') mark('script_running');
    if (state === 'notRunning' && 'script_running' in window.__sahelMarks) mark('script_done');
    if (document.querySelector('iframe[title="streamlit_folium.st_folium"]')) mark('iframe');
  }).observe(document, {subtree: true, childList: true, attributes: true,
                        attributeFilter: ['data-test-script-state']});
})();
"""
# Inside the map iframe: when it started, when its scripts arrived, when the layer rendered.
FRAME_SCRIPT = """() => {
  const o = performance.timeOrigin;
  const res = performance.getEntriesByType('resource');
  const end = (part) => Math.max(
    0, ...res.filter(e => e.name.includes(part)).map(e => o + e.responseEnd));
  const t = window.sahelTiming || {};
  return {frame_start: o, component_js: end('/static/js/main'), assets: end('/app/static/'),
          leaflet_js: end('leaflet.js'), last_js: end('.js'),
          render_start: o + t.start, layer_drawn: o + t.drawn, painted: o + t.painted};
}"""
PHASES = ("shell", "script_done", "iframe", "frame_start", "component_js", "leaflet_js", "last_js",
          "assets", "render_start", "painted")


def browser_phases(page: Any, frame: Any, since: float) -> dict[str, float]:
    """Return each mark as ms after `since` (epoch ms), in the order things happen."""
    marks = {**page.evaluate("() => window.__sahelMarks"), **frame.evaluate(FRAME_SCRIPT)}
    return {k: round(marks[k] - since) for k in PHASES if marks.get(k)}


def script_timings(log: list[str]) -> list[dict[str, float]]:
    """Return the dashboard's per-run script timings printed on the server's output."""
    return [json.loads(line.split(" ", 1)[1]) for line in log if line.startswith("sahel-timings")]


def median_range(values: list[float]) -> dict[str, float]:
    """Return the median, fastest and slowest of `values`."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


class Load(NamedTuple):
    """One page load, in seconds from the navigation's start."""

    painted: float  # the map's first view painted, by the page's own clocks
    seen: float  # Playwright saw it painted (later when the page is busy drawing the rest)
    complete: float  # the filters and the table drawn too, the script idle
    frame: Any
    token: str
    marks: dict[str, float]


# Drawn last on a dashboard's first run: the sidebar's filters and the table.
COMPLETE = ('[data-testid="stSidebar"] [data-testid="stMultiSelect"]',
            '[data-testid="stDataFrame"]')


def load_page(page: Any, url: str, phases: bool, complete: tuple[str, ...] = COMPLETE) -> Load:
    """Navigate to the page; return when its map painted, was seen painted and the page was
    complete (every `complete` selector present, the script idle), with the map's frame, its
    token and (with `phases`) the browser marks."""
    started = time.perf_counter()
    page.goto(url)
    frame, token = harness.wait_for_map(page, timeout_ms=TIMEOUT_MS)
    seen = time.perf_counter() - started
    origin = page.evaluate("() => performance.timeOrigin")
    painted = (frame.evaluate(FRAME_SCRIPT)["painted"] - origin) / 1000
    marks = browser_phases(page, frame, origin) if phases else {}
    for selector in complete:
        page.wait_for_selector(selector, timeout=TIMEOUT_MS)
    page.wait_for_selector(harness.APP_IDLE, timeout=TIMEOUT_MS)
    return Load(painted, seen, time.perf_counter() - started, frame, token, marks)


def timed_pick(page: Any, token: str, prepare: Callable[[], None], key: str
               ) -> tuple[float, float, str, Any]:
    """Run `prepare` (typing), then press `key` (the pick); return seconds from the pick and
    from the start of typing until the map painted the new view, its token and its frame."""
    page.evaluate("() => { if (window.__sahelMarks) window.__sahelMarks = {}; }")
    typing = time.perf_counter()
    prepare()
    page.evaluate("() => { window.__sahelPicked = performance.timeOrigin + performance.now(); }")
    picked = time.perf_counter()
    page.keyboard.press(key)
    frame, token = harness.wait_for_map(page, previous_token=token, timeout_ms=TIMEOUT_MS)
    done = time.perf_counter()
    page.keyboard.press("Escape")
    page.wait_for_selector(harness.APP_IDLE, timeout=TIMEOUT_MS)
    return done - picked, done - typing, token, frame


def pick_region(page: Any, token: str, region: str | None) -> tuple[float, float, str, Any]:
    """Pick `region` in the Region filter (None: remove the picked one) and time it."""
    if region is None:
        return timed_pick(page, token, harness.multiselect_input(page, "Region").click,
                          "Backspace")
    return timed_pick(page, token, lambda: harness.type_in_multiselect(page, "Region", region),
                      "Enter")


def set_min_fatalities(page: Any, token: str, value: int) -> tuple[float, float, str, Any]:
    """Type `value` in "Minimum fatalities" and press Enter; time it."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stNumberInput"] input')
    return timed_pick(page, token, lambda: box.fill(str(value)), "Enter")


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user + system) process `pid` has used so far; NaN off Linux."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def time_dashboard(browser: Any, url: str, log: list[str], repeat: int,
                   phases: bool, server_pid: int, floor_url: str) -> dict[str, Any]:
    """Return load and filter-change times (seconds) for one running dashboard, and the
    server's CPU time per first visit (navigation to the page complete). Each first visit is
    followed by one to the one-metric page at `floor_url`, so the two are timed in the same
    state of the machine."""
    out: dict[str, Any] = {}
    with harness.blocked_page(browser, intercept=False) as blocked:
        if phases:
            blocked.page.add_init_script(MARKS_SCRIPT)
        runs = len(script_timings(log))
        cold = load_page(blocked.page, url, phases)
        out["load_cold"], out["load_cold_complete"] = cold.painted, cold.complete
        out["load_cold_phases"], out["load_cold_script"] = cold.marks, script_timings(log)[runs:]
        assert not blocked.disallowed(), blocked.disallowed()
    first, server_cpu, floor = [], [], []
    for _ in range(repeat):
        with harness.blocked_page(browser, intercept=False) as blocked:
            if phases:
                blocked.page.add_init_script(MARKS_SCRIPT)
            runs = len(script_timings(log))
            cpu_before = cpu_seconds(server_pid)
            load = load_page(blocked.page, url, phases)
            server_cpu.append(cpu_seconds(server_pid) - cpu_before)
            first.append(load)
            out["load_first_phases"] = load.marks
            out["load_first_script"] = script_timings(log)[runs:]
            assert not blocked.disallowed(), blocked.disallowed()
        floor.append(time_empty(browser, floor_url))
    for part in ("painted", "seen", "complete"):
        out[f"load_first_{part}"] = median_range([getattr(load, part) for load in first])
    out["load_first_floor"] = median_range(floor)
    out["load_first_over_floor"] = median_range(
        [load.painted - f for load, f in zip(first, floor, strict=True)])
    out["load_first_server_cpu"] = median_range(server_cpu)
    with harness.blocked_page(browser, intercept=False) as blocked:
        page = blocked.page
        if phases:
            page.add_init_script(MARKS_SCRIPT)
        load_page(page, url, False)  # fills this browser's cache
        again = [load_page(page, url, False) for _ in range(repeat)]
        for part in ("painted", "seen", "complete"):
            out[f"load_returning_{part}"] = median_range([getattr(load, part) for load in again])
        token = load_page(page, url, False).token
        narrow, widen, broad, typed = [], [], [], []
        for k in range(repeat):
            # A new region and a new minimum each time: the server has not seen the view yet.
            runs = len(script_timings(log))
            from_pick, from_typing, token, frame = pick_region(
                page, token, FILTER_REGIONS[k % len(FILTER_REGIONS)])
            narrow.append(from_pick)
            typed.append(from_typing)
            if phases:
                picked = page.evaluate("() => window.__sahelPicked")
                out["filter_phases"] = browser_phases(page, frame, picked)
                out["filter_script"] = script_timings(log)[runs:]
            from_pick, _, token, _ = pick_region(page, token, None)
            widen.append(from_pick)
            from_pick, _, token, _ = set_min_fatalities(page, token, k + 1)
            broad.append(from_pick)
            token = set_min_fatalities(page, token, 0)[2]
        out["filter_narrow"] = median_range(narrow)
        out["filter_widen"] = median_range(widen)
        out["filter_broad"] = median_range(broad)
        out["filter_from_typing"] = median_range(typed)
        assert not blocked.disallowed(), blocked.disallowed()
    return out


def time_empty(browser: Any, url: str) -> float:
    """Return seconds from the navigation's start until the one-metric page shows its metric,
    by the page's clock (checked every frame)."""
    with harness.blocked_page(browser, intercept=False) as blocked:
        blocked.page.goto(url)
        shown = blocked.page.wait_for_function(
            "() => document.querySelector('[data-testid=\"stMetric\"]') && performance.now()",
            timeout=TIMEOUT_MS)
        return float(shown.json_value()) / 1000


def time_map_only(browser: Any, url: str, repeat: int) -> dict[str, float]:
    """Return first visits (new profile each, the server warm) to the map-only page."""
    times = []
    for k in range(repeat + 1):
        with harness.blocked_page(browser, intercept=False) as blocked:
            painted = load_page(blocked.page, url, False, complete=()).painted
            if k:  # the first visit warms the server
                times.append(painted)
    return median_range(times)


def time_baseline(browser: Any, url: str, n: int) -> float:
    """Return seconds from navigation until all `n` folium markers are in the map's DOM."""
    with harness.blocked_page(browser, intercept=False) as blocked:
        page = blocked.page
        started = time.perf_counter()
        page.goto(url)
        page.wait_for_function(
            """(n) => { const f = document.querySelector('iframe[title*="st_folium"]');
                        const d = f && f.contentDocument;
                        return d && d.querySelectorAll('.leaflet-marker-icon').length >= n; }""",
            arg=n, timeout=600_000, polling=200)
        return time.perf_counter() - started


def bench_script(tmp: Path, name: str) -> str:
    """Return a copy of bench/`name` placed beside a link to `static/` (served per script dir)."""
    folder = tmp / "apps"
    folder.mkdir(exist_ok=True)
    if not (folder / "static").exists():
        (folder / "static").symlink_to(ROOT / "static", target_is_directory=True)
    shutil.copyfile(ROOT / "bench" / name, folder / name)
    return str(folder / name)


def time_size(browser: Any, tmp: Path, n: int, args: argparse.Namespace,
              floor_url: str) -> tuple[int, dict[str, Any], float]:
    """Return (n, the dashboard's timings, the baseline's seconds or NaN) for a store of `n`
    synthetic incidents besides the shipped data."""
    store = tmp / f"store_{n}"
    store.mkdir()
    if n:
        write_store(store, n, seed=n)
    log: list[str] = []
    procs: list[Any] = []
    with harness.running_app(store, log=log, extra_env={"SAHEL_TIMINGS": "1"},
                             procs=procs) as url:
        timings = time_dashboard(browser, url, log, args.repeat, args.phases, procs[0].pid,
                                 floor_url)
    baseline = float("nan")
    if 0 < n <= args.baseline_max:
        with harness.running_app(store, script=bench_script(tmp, "baseline_app.py")) as url:
            baseline = time_baseline(browser, url, n)
    with harness.running_app(store, script=bench_script(tmp, "map_only_app.py")) as url:
        timings["map_only"] = time_map_only(browser, url, args.repeat)
    return n, timings, baseline


def size_label(n: int) -> str:
    """Return how the tables name a store of `n` synthetic incidents."""
    return f"{n:,}" if n else "0 (shipped data only)"


def cell(stat: dict[str, float]) -> str:
    """Return "median s (min–max)"."""
    return f"{stat['median']:.2f} s ({stat['min']:.2f}–{stat['max']:.2f})"


def main() -> None:
    """Run the benchmark and print a table (and the phases as JSON lines with --phases)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (median shown)")
    parser.add_argument("--baseline-max", type=int, default=10_000,
                        help="run the marker-per-incident baseline up to this size")
    parser.add_argument("--phases", action="store_true", help="print where the time goes")
    args = parser.parse_args()
    rows = []
    with harness.chromium() as browser, tempfile.TemporaryDirectory() as tmp:
        floor_app = harness.running_app(Path(tmp) / "empty",
                                        script=bench_script(Path(tmp), "empty_app.py"))
        with floor_app as floor_url:
            # The server's first page, not timed: each size times the page beside its own.
            time_empty(browser, floor_url)
            for n in args.sizes:
                rows.append(time_size(browser, Path(tmp), n, args, floor_url))
                if args.phases:
                    print(json.dumps({"incidents": n, **rows[-1][1]}, default=str))
    print(f"\nMedians of {args.repeat} runs (fastest–slowest).")
    for n, t, _ in rows:
        print(f"Map only (map + one metric, {n:,} incidents), first visit: {cell(t['map_only'])}")
    print()
    print("| incidents in store | first visit after server start | first visit "
          "| returning visit | filter → map: narrow | widen | broad "
          "| baseline: Marker per incident | baseline / first visit |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, t, baseline in rows:
        first = t["load_first_painted"]["median"]
        ratio = baseline / first if baseline == baseline else float("nan")
        base = f"{baseline:.1f} s" if baseline == baseline else "not run"
        ratio_text = f"{ratio:.0f}×" if ratio == ratio else "–"
        label = size_label(n)
        print(f"| {label} | {t['load_cold']:.2f} s | {cell(t['load_first_painted'])} | "
              f"{cell(t['load_returning_painted'])} | {cell(t['filter_narrow'])} | "
              f"{cell(t['filter_widen'])} | {cell(t['filter_broad'])} | {base} | {ratio_text} |")
    print("\nFirst visits alternated with first visits to the one-metric page (the same state "
          "of this machine, which drifts by a few hundred milliseconds over minutes)")
    print("| incidents in store | first visit | one-metric page | difference (median of pairs) |")
    print("|---|---:|---:|---:|")
    for n, t, _ in rows:
        label = size_label(n)
        print(f"| {label} | {cell(t['load_first_painted'])} | {cell(t['load_first_floor'])} | "
              f"{cell(t['load_first_over_floor'])} |")
    print("\nThe same loads: seen painted by Playwright, and the page complete (filters and table "
          "drawn, script idle); the server's CPU time for a first visit, to the page complete")
    print("| incidents in store | first visit after start: complete | first visit: seen "
          "| complete | server CPU | returning visit: seen | complete |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for n, t, _ in rows:
        label = size_label(n)
        print(f"| {label} | {t['load_cold_complete']:.2f} s | {cell(t['load_first_seen'])} | "
              f"{cell(t['load_first_complete'])} | {cell(t['load_first_server_cpu'])} | "
              f"{cell(t['load_returning_seen'])} | {cell(t['load_returning_complete'])} |")


if __name__ == "__main__":
    main()
