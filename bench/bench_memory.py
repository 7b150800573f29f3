"""Peak memory and time of `python -m sahel import` on a ~100 MB ACLED CSV and a large XLSX.

    python bench/bench_memory.py [--csv-rows 270000] [--xlsx-rows 100000] [--keep DIR]

Each import runs under `/usr/bin/time -v` (Debian: `apt-get install time`) into a fresh store;
the rows are bench_import's synthetic ones (never ACLED's).
"""

from __future__ import annotations

import argparse
import csv
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_import import ROOT, write_acled_csv  # noqa: E402


def write_xlsx(source: Path, target: Path, rows: int) -> None:
    """Write the first `rows` records of a CSV as an XLSX sheet (streamed, write-only)."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    with source.open(newline="", encoding="utf-8") as handle:
        for number, record in enumerate(csv.reader(handle)):
            if number > rows:
                break
            sheet.append(record)
    workbook.save(target)


def measure(path: Path, store: Path) -> tuple[float, float, str]:
    """Import `path` under /usr/bin/time -v; return peak RSS (MB), wall seconds, CLI summary."""
    done = subprocess.run(
        ["/usr/bin/time", "-v", sys.executable, "-m", "sahel", "import", "--store", str(store),
         str(path)], cwd=ROOT, capture_output=True, text=True, check=False)
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)",
                     done.stderr)
    if not peak or not wall:
        raise SystemExit(f"no measurement from /usr/bin/time:\n{done.stderr[-2000:]}")
    hours, minutes, seconds = (float(part or 0) for part in wall.groups())
    summary = next((line.strip() for line in done.stdout.splitlines() if "rows read" in line),
                   done.stdout.strip()[-300:] or done.stderr.strip()[-300:])
    return int(peak.group(1)) / 1024, hours * 3600 + minutes * 60 + seconds, summary


def main() -> None:
    """Generate the files, import each in a fresh store, print peak RSS and seconds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv-rows", type=int, default=270_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="write the files and stores here")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="sahel-bench-memory-"))
    work.mkdir(parents=True, exist_ok=True)
    big_csv = work / "acled_100mb.csv"
    write_acled_csv(big_csv, args.csv_rows, 0.03, 2026)
    big_xlsx = work / "acled_large.xlsx"
    write_xlsx(big_csv, big_xlsx, args.xlsx_rows)
    for path in (big_csv, big_xlsx):
        size = path.stat().st_size / 1e6
        peak, seconds, summary = measure(path, work / f"store-{path.suffix[1:]}")
        print(f"{path.name}: {size:.1f} MB → peak RSS {peak:,.0f} MB, {seconds:.1f} s wall")
        print(f"  {summary}")


if __name__ == "__main__":
    main()
