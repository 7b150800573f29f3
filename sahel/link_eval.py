"""Precision and recall of linking on the labelled set (`python -m sahel.link_eval`).

The set (tests/fixtures/links/, made by scripts/make_link_set.py) has two splits. Each split
holds real records (the shipped UCDP GED sample's events of that split, the shipped report
codings or the held-out ones) and, in several independent draws ("worlds"), synthetic ACLED-
and UCDP-layout rows read by the real readers; truth.csv names the event each record describes.
Each world is linked on its own (the real records with that world's rows) and the counts are
pooled. A pair of records of different datasets is a true link when they describe the same
event; a found link is a pair of records of different datasets in one event group. The
threshold is chosen on "tune" (the middle of the thresholds whose F1 is within 0.005 of the
best) and "check" is scored with it: both must reach 0.90.

A third split, "realistic" (`*_realistic.csv`, written by hand, tests/fixtures/links/README.md),
codes real events as UCDP GED and ACLED each would, in their full layouts and by their own
conventions (date ranges ACLED splits by day, where_prec centroids, both datasets' actor names
and tolls), with near misses; it is scored at the threshold and printed, never used to choose it.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sahel import PROJECT_ROOT
from sahel.incidents import load_shipped
from sahel.links import THRESHOLD, Scored, links_from_scores, score_pairs
from sahel.schema import conform
from sahel.sources import read_incidents

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "links"
SPLITS: tuple[str, ...] = ("tune", "check")
REALISTIC = "realistic"
THRESHOLDS: tuple[float, ...] = tuple(round(0.4 + 0.025 * i, 3) for i in range(19))
TARGET = 0.90
PLATEAU = 0.005
# Dataset names of the set's files (the shipped files keep their demonstration names).
SYNTHETIC_ACLED = "links: ACLED layout (synthetic)"
SYNTHETIC_UCDP = "links: UCDP GED layout (synthetic)"
CHECK_REPORTS = "links: held-out report codings"
REALISTIC_ACLED = "links: ACLED layout (realistic)"
REALISTIC_UCDP = "links: UCDP GED layout (realistic)"


@dataclass(frozen=True)
class Measure:
    """Precision and recall of found links against the true ones at one threshold."""

    threshold: float
    true_links: int
    found: int
    correct: int

    @property
    def precision(self) -> float:
        """Return correct / found (1 when nothing was found)."""
        return self.correct / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        """Return correct / true links (1 when there are none)."""
        return self.correct / self.true_links if self.true_links else 1.0

    @property
    def f1(self) -> float:
        """Return the harmonic mean of precision and recall."""
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def load_split(split: str, fixtures: Path = FIXTURES
               ) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """Return one split's worlds: (records, truth) each, canonical incidents and their events."""
    truth = pd.read_csv(fixtures / "truth.csv", dtype="str")
    truth = truth[truth["split"] == split]
    shipped = load_shipped()
    real = shipped[shipped["event_id"].isin(truth["event_id"])]
    read = [real]
    for file, name in ((f"acled_{split}.csv", SYNTHETIC_ACLED),
                       (f"ucdp_{split}.csv", SYNTHETIC_UCDP),
                       (f"reports_{split}.csv", CHECK_REPORTS)):
        if (fixtures / file).exists():
            result = read_incidents(fixtures / file)
            if len(result.rejected):
                raise ValueError(f"{file}: {len(result.rejected)} rows rejected")
            read.append(result.incidents.assign(dataset_name=name))
    records = conform(pd.concat(read, ignore_index=True))
    world_of = dict(zip(truth["event_id"], truth["world"], strict=True))
    worlds = records["event_id"].map(world_of)
    if worlds.isna().any():
        raise ValueError(f"records without truth: {list(records['event_id'][worlds.isna()])[:5]}")
    out = []
    for world in sorted(set(worlds) - {"0"}, key=int):
        chosen = worlds.isin(["0", world]).to_numpy()
        ids = set(records["event_id"][chosen])
        out.append((records[chosen].reset_index(drop=True),
                    truth[truth["event_id"].isin(ids)][["event_id", "event", "role"]]
                    .reset_index(drop=True)))
    return out


def load_realistic(fixtures: Path = FIXTURES) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """Return the realistic split as one world: (records, truth), read by the real readers."""
    truth = pd.read_csv(fixtures / f"truth_{REALISTIC}.csv", dtype="str")
    read = []
    for file, name in ((f"acled_{REALISTIC}.csv", REALISTIC_ACLED),
                       (f"ucdp_{REALISTIC}.csv", REALISTIC_UCDP)):
        result = read_incidents(fixtures / file)
        if len(result.rejected):
            raise ValueError(f"{file}: {len(result.rejected)} rows rejected")
        read.append(result.incidents.assign(dataset_name=name))
    records = conform(pd.concat(read, ignore_index=True))
    missing = set(records["event_id"]) ^ set(truth["event_id"])
    if missing:
        raise ValueError(f"records and truth differ: {sorted(missing)[:5]}")
    return [(records, truth[["event_id", "event", "role"]].reset_index(drop=True))]


def true_pairs(records: pd.DataFrame, truth: pd.DataFrame) -> set[frozenset[str]]:
    """Return the pairs of records of different datasets that describe one event."""
    event = dict(zip(truth["event_id"], truth["event"], strict=True))
    frame = pd.DataFrame({"event_id": records["event_id"].astype("str"),
                          "dataset": records["dataset_name"].astype("str")})
    frame["event"] = frame["event_id"].map(event)
    pairs: set[frozenset[str]] = set()
    for _, rows in frame.groupby("event"):
        items = list(rows.itertuples(index=False))
        for i, first in enumerate(items):
            for second in items[i + 1:]:
                if first.dataset != second.dataset:
                    pairs.add(frozenset((first.event_id, second.event_id)))
    return pairs


def grouped_pairs(groups: pd.DataFrame) -> set[frozenset[str]]:
    """Return every pair of records of different datasets in one event group (the days of a
    range, records of one dataset, are in one group but never a link)."""
    pairs: set[frozenset[str]] = set()
    for _, rows in groups.groupby("event_group"):
        items = sorted(zip(rows["event_id"].astype("str"), rows["dataset_key"].astype("str"),
                           strict=True))
        pairs |= {frozenset((a, b)) for i, (a, da) in enumerate(items)
                  for b, db in items[i + 1:] if da != db}
    return pairs


def measure(records: pd.DataFrame, scored: Scored, truth_pairs: set[frozenset[str]],
            threshold: float) -> Measure:
    """Return precision and recall of the groups formed at `threshold`."""
    result = links_from_scores(records.reset_index(drop=True), scored, threshold)
    found = grouped_pairs(result.groups)
    return Measure(threshold, len(truth_pairs), len(found), len(found & truth_pairs))


def sweep(worlds: list[tuple[pd.DataFrame, pd.DataFrame]],
          thresholds: tuple[float, ...] = THRESHOLDS) -> list[Measure]:
    """Return the measure at every threshold, pooled over the worlds (each scored once)."""
    totals = {t: [0, 0, 0] for t in thresholds}
    for records, truth in worlds:
        frame = records.reset_index(drop=True)
        scored = score_pairs(frame)
        truth_pairs = true_pairs(frame, truth)
        for t in thresholds:
            m = measure(frame, scored, truth_pairs, t)
            totals[t][0] += m.true_links
            totals[t][1] += m.found
            totals[t][2] += m.correct
    return [Measure(t, *totals[t]) for t in thresholds]


def best_threshold(measures: list[Measure]) -> Measure:
    """Return the middle of the plateau: of the thresholds whose F1 is within PLATEAU of the
    best, the median one (the lower of two). Not the very best one: the F1 curve is flat over
    a range, and its middle leaves room for records noisier than the labelled set's."""
    best = max(m.f1 for m in measures)
    plateau = sorted((m for m in measures if m.f1 >= best - PLATEAU), key=lambda m: m.threshold)
    return plateau[(len(plateau) - 1) // 2]


def mistakes(records: pd.DataFrame, truth: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Return the wrong and the missed pairs at `threshold`, with their scores (for docs)."""
    frame = records.reset_index(drop=True)
    scored = score_pairs(frame)
    result = links_from_scores(frame, scored, threshold, keep_all=True)
    truth_pairs = true_pairs(frame, truth)
    found = grouped_pairs(result.groups)
    links = result.links.astype({"event_id_a": "str", "event_id_b": "str"})
    key = [frozenset(p) for p in zip(links["event_id_a"], links["event_id_b"], strict=True)]
    links["true"] = [k in truth_pairs for k in key]
    links["found"] = [k in found for k in key]
    wrong = links[links["found"] & ~links["true"]].assign(mistake="wrong")
    missed = links[~links["found"] & links["true"]].assign(mistake="missed")
    unseen = truth_pairs - set(key)
    never = pd.DataFrame({"event_id_a": [sorted(p)[0] for p in unseen],
                          "event_id_b": [sorted(p)[1] for p in unseen],
                          "mistake": "not a candidate"})
    return pd.concat([wrong, missed, never], ignore_index=True)


def main(argv: list[str] | None = None) -> int:
    """Print the sweep on "tune", the chosen threshold, and both splits' precision/recall."""
    parser = argparse.ArgumentParser(prog="python -m sahel.link_eval", description=__doc__)
    parser.add_argument("--fixtures", type=Path, default=FIXTURES)
    parser.add_argument("--mistakes", action="store_true", help="list wrong and missed pairs")
    args = parser.parse_args(argv)
    data = {split: load_split(split, args.fixtures) for split in SPLITS}
    realistic = load_realistic(args.fixtures)
    tune = sweep(data["tune"])
    print("threshold  precision  recall   F1     (tune, pooled over its worlds)")
    for m in tune:
        print(f"  {m.threshold:5.3f}    {m.precision:6.3f}   {m.recall:6.3f}  {m.f1:6.3f}")
    chosen = best_threshold(tune)
    print(f"chosen on tune: {chosen.threshold:.3f} (middle of the F1 plateau); "
          f"sahel.links.THRESHOLD = {THRESHOLD}")
    ok = True
    for split, worlds in (*data.items(), (REALISTIC, realistic)):
        m = sweep(worlds, (THRESHOLD,))[0]
        records = sum(len(r) for r, _ in worlds)
        print(f"{split:5}: precision {m.precision:.3f}  recall {m.recall:.3f}  "
              f"({m.correct} of {m.found} found links right, {m.correct} of {m.true_links} "
              f"true links found; {len(worlds)} worlds, {records} records)")
        if split in SPLITS:
            ok &= m.precision >= TARGET and m.recall >= TARGET
        if args.mistakes:
            with pd.option_context("display.width", 250, "display.max_columns", 30):
                for records_, truth in worlds:
                    print(mistakes(records_, truth, THRESHOLD)[[
                        "mistake", "event_id_a", "event_id_b", "score", "time_score",
                        "place_score", "type_score", "actor_score", "toll_score",
                        "distance_km", "days_apart"]].to_string())
    print(f"tune and check reach {TARGET:.2f} (realistic: printed, not a target)" if ok
          else f"BELOW {TARGET:.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
