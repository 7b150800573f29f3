"""Benchmark extraction: start-up (spaCy model + gazetteer), then a 5,000-character report.

The report is the seed (tests/fixtures, RFI 2023) followed by synthetic sentences written for this
benchmark until it is 5,000 characters long. With `--dev DIR` it also times every report of an
evaluation directory (e.g. ../shared/eval/dev), which is read, never copied.

    python bench/bench_extract.py [--repeat 5] [--dev ../shared/eval/dev]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEED = ROOT / "tests" / "fixtures" / "rfi_2023-11-25_jnim_niafunke_goundam.txt"
FILLER = (
    "Selon des habitants, des hommes armés ont attaqué le village de Boni mardi et tué trois "
    "civils. L'armée malienne affirme avoir repoussé les assaillants près de Douentza. "
    "Le lendemain, une mine a frappé un convoi militaire entre Hombori et Gossi, sans faire de "
    "victimes selon une source sécuritaire. "
)


def build_report(length: int = 5000) -> str:
    """Return the seed text extended with synthetic sentences to `length` characters."""
    text = SEED.read_text(encoding="utf-8")
    while len(text) < length:
        text += "\n" + FILLER
    return text[:length].rsplit(".", 1)[0] + "."


def main() -> int:
    """Time start-up and warm extraction; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dev", type=Path, default=None)
    args = parser.parse_args()

    started = time.perf_counter()
    from sahel.extract import extract_report, make_report, read_report

    text = build_report()
    report = make_report(text, published="2023-11-25", lang="fr", source="bench")
    first = extract_report(report)
    startup = time.perf_counter() - started
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        extract_report(report)
        times.append(time.perf_counter() - t0)
    print(f"start-up + first report: {startup:.2f} s")
    print(f"{len(text):,}-character report: median {statistics.median(times):.3f} s, "
          f"max {max(times):.3f} s over {args.repeat} runs "
          f"({len(first.incidents)} incidents)")
    if args.dev:
        files = sorted((args.dev / "articles").glob("*.txt")) + sorted(
            (args.dev / "negatives").glob("*.txt"))
        t0 = time.perf_counter()
        for path in files:
            extract_report(read_report(path))
        total = time.perf_counter() - t0
        print(f"{len(files)} evaluation reports: {total:.2f} s ({total / len(files):.3f} s each)")
    return 0 if statistics.median(times) < 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
