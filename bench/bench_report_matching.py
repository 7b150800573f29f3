"""Time matching a report's proposals against the records on hand ("Add from report": each
proposal's best link to a record already stored or shipped), before and after
`sahel.link_review.proposal_matches` (`python bench/bench_report_matching.py [N] [REPEATS]`).

N synthetic incidents (`sahel.synthetic`, default 100,000) are stored in a temporary store; the
proposals are the seed report's (tests/fixtures/rfi_2023-11-25_jnim_niafunke_goundam.txt,
extracted as the page does). Before: `link_records(among=the proposals)` over every record, as
the page did on every rerun. After: the same links over the records within reach of the
proposals only (`proposal_matches`), once per version of the store and proposals; a rerun of
the page then costs the proposals' key (the SHA-1 of their CSV text) and a cache look-up.
Prints the median and best of REPEATS runs of each, and checks both give the same matches; and
the time the map page's "Sources and links" dialog takes for one record's candidates.
"""

from __future__ import annotations

import hashlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sahel.extract import extract_report, read_report  # noqa: E402
from sahel.extract.review import apply_review, review_table  # noqa: E402
from sahel.incidents import load_incidents  # noqa: E402
from sahel.link_review import (  # noqa: E402
    proposal_matches,
    record_candidates,
    within_reach,
)
from sahel.links import link_records  # noqa: E402
from sahel.synthetic import write_store  # noqa: E402

SEED = ROOT / "tests" / "fixtures" / "rfi_2023-11-25_jnim_niafunke_goundam.txt"


def before(on_hand: pd.DataFrame, proposed: pd.DataFrame) -> dict[str, tuple[str, float]]:
    """Return each proposal's best match as the page found it before: linking every record."""
    ids = set(proposed["event_id"].astype("str"))
    others = on_hand.loc[~on_hand["event_id"].astype("str").isin(ids).to_numpy()]
    frame = pd.concat([pd.DataFrame(others), pd.DataFrame(proposed)], ignore_index=True)
    links = link_records(frame, among=np.arange(len(frame)) >= len(others)).links
    links = links.loc[links["accepted"].to_numpy(dtype=bool)]
    found: dict[str, tuple[str, float]] = {}
    for a, b, score in zip(links["event_id_a"].astype("str"), links["event_id_b"].astype("str"),
                           links["score"], strict=True):
        new, old = (a, b) if a in ids else (b, a)
        if new not in found and old not in ids:
            found[new] = (old, float(score))
    return found


def after(on_hand: pd.DataFrame, proposed: pd.DataFrame) -> dict[str, tuple[str, float]]:
    """Return each proposal's best match through `proposal_matches`."""
    return {new: (str(m.existing["event_id"]), m.score)
            for new, m in proposal_matches(on_hand, proposed).items()}


def proposals_key(proposed: pd.DataFrame) -> str:
    """Return the page's cache key of the proposals (the SHA-1 of their CSV text)."""
    shown = pd.DataFrame(proposed).drop(columns="geometry", errors="ignore")
    return hashlib.sha1(shown.to_csv(index=False).encode("utf-8")).hexdigest()


def timed(step: Callable[[], Any], repeats: int) -> tuple[float, float, Any]:
    """Return the median and best seconds of `repeats` runs of `step`, and its last result."""
    seconds, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = step()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), min(seconds), result


def main(n: int = 100_000, repeats: int = 5) -> None:
    """Store n synthetic incidents, extract the seed report, time both ways of matching."""
    with tempfile.TemporaryDirectory() as folder:
        write_store(folder, n, seed=5)
        on_hand = load_incidents(Path(folder))
    extraction = extract_report(read_report(SEED))
    proposed = apply_review(extraction, review_table(extraction))
    among = np.r_[np.zeros(len(on_hand), dtype=bool), np.ones(len(proposed), dtype=bool)]
    reach = within_reach(pd.concat([pd.DataFrame(on_hand), pd.DataFrame(proposed)],
                                   ignore_index=True), among)
    print(f"{len(on_hand):,} records on hand, {len(proposed)} proposals; "
          f"{int(reach.sum()) - len(proposed):,} records within reach of them")
    old_median, old_best, old = timed(lambda: before(on_hand, proposed), repeats)
    new_median, new_best, new = timed(lambda: after(on_hand, proposed), repeats)
    key_median, key_best, _key = timed(lambda: proposals_key(proposed), repeats)
    # The map page's "Sources and links" dialog: one record's candidates, the same way.
    one_median, one_best, found = timed(
        lambda: record_candidates(on_hand, "SEED-RFI-20231124-1"), repeats)
    assert old == new, (old, new)
    print(f"matches: {new}")
    print(f"before (every record, every rerun): median {old_median:.3f} s, best {old_best:.3f} s")
    print(f"after (records within reach, once per store version and proposals): "
          f"median {new_median:.3f} s, best {new_best:.3f} s")
    print(f"a rerun after (the proposals' cache key): median {key_median * 1000:.1f} ms, "
          f"best {key_best * 1000:.1f} ms")
    print(f"one record's candidates (the map page's dialog): median {one_median:.3f} s, "
          f"best {one_best:.3f} s ({len(found)} candidates of SEED-RFI-20231124-1)")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
