"""Benchmark extraction: start-up (spaCy model + gazetteer), then a 5,000-character report.

The report is the seed (tests/fixtures, RFI 2023) followed by synthetic sentences written for this
benchmark until it is 5,000 characters long. With `--dev DIR` it also times every report of an
evaluation directory (e.g. ../shared/eval/dev), which is read, never copied.

With `--sizes` it times big generated reports: sentences drawn (seeded) from templates, towns,
days, actors and tolls, so that every sentence differs, at 100,000 and 200,000 characters (the
reader's limit, through `read_report`) and 1,000,000 (through `extract_report`, bypassing the
limit); then one sentence repeated to `--repeated` characters (3,300,000 by default).

    python bench/bench_extract.py [--repeat 5] [--dev ../shared/eval/dev] [--sizes]
"""

from __future__ import annotations

import argparse
import random
import resource
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


TOWNS = ("Boni", "Douentza", "Hombori", "Gossi", "Niafunké", "Goundam", "Léré", "Ménaka",
         "Ansongo", "Bankass", "Djibo", "Dori", "Aribinda", "Sebba", "Kaya", "Titao", "Diapaga",
         "Tillabéri", "Ouallam", "Ayorou", "Banibangou", "Téra", "Diffa", "Bosso")
DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
ACTORS = ("des hommes armés", "des jihadistes du JNIM", "des combattants de l'EIGS",
          "des assaillants non identifiés", "des militaires")
TOLLS = ("trois", "cinq", "douze", "une vingtaine de", "au moins 14", "plusieurs", "7", "42")
VICTIMS = ("civils", "soldats", "villageois", "VDP", "personnes")
TEMPLATES = (
    "{day}, {actor} ont attaqué le village de {town}, tuant {toll} {victims}, selon des "
    "sources locales.",
    "Selon l'armée, {toll} {victims} ont été tués {day} près de {town} lors d'une embuscade.",
    "Le même jour, {actor} ont enlevé {toll} {victims} à {town}.",
    "Une mine a frappé un convoi entre {town} et {other} {day}, faisant {toll} morts.",
    "Des habitants de {town} ont manifesté {day} contre l'insécurité.",
    "Le JNIM a revendiqué l'attaque de {town} dans un communiqué.",
)
REPEATED = ("Vendredi, des hommes armés ont attaqué le village de Boni, tuant trois civils, selon "
            "des sources locales. ")


def generated_report(length: int, seed: int = 14) -> str:
    """Return `length` characters of varied synthetic French report text, in paragraphs."""
    rng = random.Random(seed)
    paragraphs: list[str] = []
    size = 0
    while size < length:
        sentences = [rng.choice(TEMPLATES).format(
            day=rng.choice(DAYS), actor=rng.choice(ACTORS), town=rng.choice(TOWNS),
            other=rng.choice(TOWNS), toll=rng.choice(TOLLS), victims=rng.choice(VICTIMS))
            for _ in range(rng.randint(2, 5))]
        paragraphs.append(" ".join(sentences))
        size += len(paragraphs[-1]) + 2
    return "\n\n".join(paragraphs)[:length]


def time_sizes(repeated: int) -> None:
    """Print the seconds and memory of extracting big generated reports."""
    from sahel.extract import extract_report, make_report, read_report

    header = "PUBLISHED: 2023-11-25\nLANG: fr\n---\n"
    cases = [(f"{n:,} characters, varied sentences", generated_report(n - len(header)),
              n <= 200_000) for n in (100_000, 200_000, 1_000_000)]
    cases.append((f"{repeated:,} characters, one sentence repeated",
                  (REPEATED * (repeated // len(REPEATED) + 1))[:repeated], False))
    for label, text, capped in cases:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        report = (read_report(header + text) if capped
                  else make_report(text, published="2023-11-25", lang="fr"))
        found = extract_report(report)
        seconds = time.perf_counter() - t0
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        print(f"{label} ({'read_report + ' if capped else ''}extract_report): {seconds:.1f} s, "
              f"{len(found.incidents):,} incidents, peak memory +{grown:.0f} MB")


def main() -> int:
    """Time start-up and warm extraction; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dev", type=Path, default=None)
    parser.add_argument("--sizes", action="store_true",
                        help="also time generated 100 KB, 200 KB and 1 MB reports")
    parser.add_argument("--repeated", type=int, default=3_300_000,
                        help="characters of the repeated-sentence report (with --sizes)")
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
    if args.sizes:
        time_sizes(args.repeated)
    return 0 if statistics.median(times) < 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
