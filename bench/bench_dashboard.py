"""Benchmark the dashboard in headless chromium: load → map painted, filter → map updated.

Seeded synthetic stores of 10,000 and 100,000 incidents (sahel.synthetic) are written to temporary
store directories; the app is started as `make run` does; the browser has no internet. The baseline
is the usual page with one folium.Marker per incident (bench/baseline_app.py), and the floor is a
one-metric Streamlit page (bench/empty_app.py); same run, same machine.

    python bench/bench_dashboard.py [--sizes 0 10000 100000] [--baseline-max 10000] [--phases]

Size 0 is the shipped data alone (empty store). With --phases, each load and filter is also split
into where the time goes: browser marks (ms after navigation or after the filter was picked) and
the server's script timings (SAHEL_TIMINGS=1, seconds).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "e2e")]

import harness  # noqa: E402

from sahel.synthetic import write_store  # noqa: E402

FILTER_REGION = "Mopti"
TIMEOUT_MS = 180_000
# Marks in the page, in epoch milliseconds: Streamlit's shell mounted, the script started and
# ended (data-test-script-state), the map iframe attached. Runs in every frame; only the top acts.
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


def time_dashboard(browser: Any, url: str, log: list[str], phases: bool) -> dict[str, Any]:
    """Return cold load, warm load and filter-change times (seconds) for one running dashboard."""
    out: dict[str, Any] = {}
    for label in ("load_cold", "load_warm"):
        with harness.blocked_page(browser, intercept=False) as blocked:
            page = blocked.page
            page.add_init_script(MARKS_SCRIPT)
            runs = len(script_timings(log))
            started = time.perf_counter()
            page.goto(url)
            frame, token = harness.wait_for_map(page, timeout_ms=TIMEOUT_MS)
            out[label] = time.perf_counter() - started
            if phases:
                origin = page.evaluate("() => performance.timeOrigin")
                out[label + "_phases"] = browser_phases(page, frame, origin)
            if label == "load_warm":
                page.wait_for_selector(harness.APP_IDLE, timeout=TIMEOUT_MS)
                out["load_warm_script"] = script_timings(log)[runs:]
                runs = len(script_timings(log))
                page.evaluate("() => { window.__sahelMarks = {}; }")
                clicked = page.evaluate("() => performance.timeOrigin + performance.now()")
                started = time.perf_counter()
                harness.choose_in_multiselect(page, "Region", FILTER_REGION)
                frame, _ = harness.wait_for_map(page, previous_token=token,
                                                timeout_ms=TIMEOUT_MS)
                out["filter"] = time.perf_counter() - started
                if phases:
                    out["filter_phases"] = browser_phases(page, frame, clicked)
                    page.wait_for_selector(harness.APP_IDLE, timeout=TIMEOUT_MS)
                    out["filter_script"] = script_timings(log)[runs:]
            else:
                page.wait_for_selector(harness.APP_IDLE, timeout=TIMEOUT_MS)
                out["load_cold_script"] = script_timings(log)[runs:]
            assert not blocked.disallowed(), blocked.disallowed()
    return out


def time_empty(browser: Any, url: str) -> float:
    """Return seconds from navigation until the one-metric page shows its metric."""
    with harness.blocked_page(browser, intercept=False) as blocked:
        started = time.perf_counter()
        blocked.page.goto(url)
        blocked.page.wait_for_selector('[data-testid="stMetric"]', timeout=TIMEOUT_MS)
        return time.perf_counter() - started


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


def main() -> None:
    """Run the benchmark and print a table (and the phases as JSON lines with --phases)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 10_000, 100_000])
    parser.add_argument("--baseline-max", type=int, default=10_000,
                        help="run the marker-per-incident baseline up to this size")
    parser.add_argument("--phases", action="store_true", help="print where the time goes")
    args = parser.parse_args()
    rows = []
    timing_env = {"SAHEL_TIMINGS": "1"}
    with harness.chromium() as browser, tempfile.TemporaryDirectory() as tmp:
        with harness.running_app(Path(tmp) / "empty", script=bench_script(Path(tmp),
                                                                          "empty_app.py")) as url:
            floor = [time_empty(browser, url) for _ in range(2)]
        for n in args.sizes:
            store = Path(tmp) / f"store_{n}"
            store.mkdir()
            if n:
                write_store(store, n, seed=n)
            log: list[str] = []
            with harness.running_app(store, log=log, extra_env=timing_env) as url:
                timings = time_dashboard(browser, url, log, args.phases)
            baseline = float("nan")
            if 0 < n <= args.baseline_max:
                with harness.running_app(store, script=bench_script(Path(tmp),
                                                                    "baseline_app.py")) as url:
                    baseline = time_baseline(browser, url, n)
            rows.append((n, timings, baseline))
            if args.phases:
                print(json.dumps({"incidents": n, **timings}, default=str))
    print(f"\nOne-metric Streamlit page (floor): cold {floor[0]:.2f} s, warm {floor[1]:.2f} s\n")
    print("| incidents in store | load (cold server) | load (warm) | filter → map updated | "
          "baseline: Marker per incident | baseline / warm load |")
    print("|---|---:|---:|---:|---:|---:|")
    for n, t, baseline in rows:
        ratio = baseline / t["load_warm"] if baseline == baseline else float("nan")
        base = f"{baseline:.1f} s" if baseline == baseline else "not run"
        ratio_text = f"{ratio:.0f}×" if ratio == ratio else "–"
        label = f"{n:,}" if n else "0 (shipped data only)"
        print(f"| {label} | {t['load_cold']:.2f} s | {t['load_warm']:.2f} s | "
              f"{t['filter']:.2f} s | {base} | {ratio_text} |")


if __name__ == "__main__":
    main()
