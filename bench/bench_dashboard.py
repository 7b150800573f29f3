"""Benchmark the dashboard in headless chromium: load → map painted, filter → map updated.

Seeded synthetic stores of 10,000 and 100,000 incidents (sahel.synthetic) are written to temporary
store directories; the app is started as `make run` does; the browser has no internet. The baseline
is the usual page with one folium.Marker per incident (bench/baseline_app.py), same run, same data.

    python bench/bench_dashboard.py [--sizes 10000 100000] [--baseline-max 10000]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "e2e")]

import harness  # noqa: E402

from sahel.synthetic import write_store  # noqa: E402

FILTER_REGION = "Mopti"
TIMEOUT_MS = 180_000


def time_dashboard(browser: object, url: str) -> dict[str, float]:
    """Return cold load, warm load and filter-change times (seconds) for one running dashboard."""
    out: dict[str, float] = {}
    for label in ("load_cold", "load_warm"):
        with harness.blocked_page(browser) as blocked:
            page = blocked.page
            started = time.perf_counter()
            page.goto(url)  # type: ignore[attr-defined]
            _, token = harness.wait_for_map(page, timeout_ms=TIMEOUT_MS)
            out[label] = time.perf_counter() - started
            if label == "load_warm":
                page.wait_for_selector(harness.APP_IDLE, timeout=TIMEOUT_MS)  # type: ignore[attr-defined]
                started = time.perf_counter()
                harness.choose_in_multiselect(page, "Region", FILTER_REGION)
                harness.wait_for_map(page, previous_token=token, timeout_ms=TIMEOUT_MS)
                out["filter"] = time.perf_counter() - started
            assert not blocked.disallowed(), blocked.disallowed()
    return out


def time_baseline(browser: object, url: str, n: int) -> float:
    """Return seconds from navigation until all `n` folium markers are in the map's DOM."""
    with harness.blocked_page(browser) as blocked:
        page = blocked.page
        started = time.perf_counter()
        page.goto(url)  # type: ignore[attr-defined]
        page.wait_for_function(  # type: ignore[attr-defined]
            """(n) => { const f = document.querySelector('iframe[title*="st_folium"]');
                        const d = f && f.contentDocument;
                        return d && d.querySelectorAll('.leaflet-marker-icon').length >= n; }""",
            arg=n, timeout=600_000, polling=200)
        return time.perf_counter() - started


def baseline_script(tmp: Path) -> str:
    """Return a copy of baseline_app.py placed beside a link to `static/` (served per script dir)."""
    folder = tmp / "baseline"
    folder.mkdir(exist_ok=True)
    (folder / "static").symlink_to(ROOT / "static", target_is_directory=True)
    script = folder / "baseline_app.py"
    shutil.copyfile(ROOT / "bench" / "baseline_app.py", script)
    return str(script)


def main() -> None:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--baseline-max", type=int, default=10_000,
                        help="run the marker-per-incident baseline up to this size")
    args = parser.parse_args()
    rows = []
    with harness.chromium() as browser, tempfile.TemporaryDirectory() as tmp:
        baseline_app = baseline_script(Path(tmp))
        for n in args.sizes:
            store = Path(tmp) / f"store_{n}"
            write_store(store, n, seed=n)
            with harness.running_app(store) as url:
                timings = time_dashboard(browser, url)
            baseline = float("nan")
            if n <= args.baseline_max:
                with harness.running_app(store, script=baseline_app) as url:
                    baseline = time_baseline(browser, url, n)
            rows.append((n, timings, baseline))
            print(f"done {n}: {timings} baseline {baseline:.1f}s", file=sys.stderr)
    print("| incidents | load (cold server) | load (warm) | filter → map updated | "
          "baseline: Marker per incident | baseline / warm load |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n, t, baseline in rows:
        ratio = baseline / t["load_warm"] if baseline == baseline else float("nan")
        base = f"{baseline:.1f} s" if baseline == baseline else "not run"
        ratio_text = f"{ratio:.0f}×" if ratio == ratio else "–"
        print(f"| {n:,} | {t['load_cold']:.2f} s | {t['load_warm']:.2f} s | {t['filter']:.2f} s | "
              f"{base} | {ratio_text} |")


if __name__ == "__main__":
    main()
