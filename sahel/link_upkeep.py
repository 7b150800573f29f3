"""Links kept in the store, up to date after every write (docs/linking.md, "In the store").

`relink(store, changed_ids)` links the changed records against everything stored and shipped
(`sahel.links.link_records(..., among=)`), with the editors' hand decisions, and replaces the
stored links touching those records (links of records gone are dropped too). Relinking the
changed records gives the links relinking everything gives (tests/test_link_upkeep.py), so
each write pays for its own records only. `after_write(store, what)` is the one call every
write path makes after it wrote (CLI import, extract --add, deletions, dataset removal, the
page's upload and report page). `current_groups(store)` reads the event groups from the stored
links, without relinking. `decide(store, a, b, decision, by)` records a hand decision and
relinks the pair. Pure of streamlit; works over any `sahel.store.Store`.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sahel.link_groups import GROUP_COLUMNS, build_groups
from sahel.store import AddSummary, Store, StoreError, StoreUnreadable, is_in
from sahel.store.interface import default_user
from sahel.store.link_rows import kept_links, pair_key, plain_links, replace_links, touching

__all__ = ["LinkSummary", "after_write", "current_groups", "decide", "decider", "relink",
           "stored_links"]


@dataclass(frozen=True)
class LinkSummary:
    """What a relinking did to the stored links.

    `added` links stored now that were not before; `kept` links of the changed records stored
    before and again; `dropped` links of the changed records (or of records gone) no longer
    stored; `records` the records linked anew; `groups` the event groups after; `seconds` how
    long it took; `error` one sentence when the links could not be brought up to date (the write
    before it stands).
    """

    added: int = 0
    kept: int = 0
    dropped: int = 0
    records: int = 0
    groups: int = 0
    seconds: float = 0.0
    error: str = ""

    def text(self) -> str:
        """Return the summary as one line for people."""
        if self.error:
            return f"links not updated: {self.error}"
        return (f"links: {self.added} added, {self.kept} kept, {self.dropped} dropped "
                f"({self.records} record(s) linked anew; {self.groups} event group(s); "
                f"{self.seconds:.1f} s)")


def decider() -> str:
    """Return who decides by hand: `$SAHEL_USER`, else the operating-system login."""
    return default_user()


def relink(store: Store, changed_ids: Collection[str] | None = None) -> LinkSummary:
    """Link the changed records (every record: None) against all stored and shipped ones, with
    the stored hand decisions, and store the links; return what changed.

    The stored links touching a changed record, or a record no longer there, are replaced by
    the new ones; the others stay as they are. A store never linked (`Store.links_kept`) is
    linked whole: an upgraded store's older records are linked by its first write.
    """
    from sahel.incidents import load_incidents_checked
    from sahel.links import link_records

    started = time.perf_counter()
    incidents, _ = load_incidents_checked(store)
    try:
        stored = store.load_links()
    except StoreUnreadable:
        if changed_ids is not None:
            raise
        stored = plain_links(pd.DataFrame())  # every link made again: the file is replaced
    decisions = store.load_decisions()
    ids = incidents["event_id"].astype("object")
    if changed_ids is not None and not store.links_kept():
        # Never linked (a store from before links were kept, or a links file moved aside):
        # link everything, so that the store's older records are linked too.
        changed_ids = None
    if changed_ids is None:
        replacing: set[str] | None = None
        before = stored
        mask = np.ones(len(incidents), dtype=bool)
        chosen = decisions
    else:
        linked = pd.Index(pd.concat([stored["event_id_a"], stored["event_id_b"]]).unique())
        gone = set(linked[~is_in(linked, ids)]) if len(linked) else set()
        replacing = {str(i).strip() for i in changed_ids} | gone
        if not replacing:
            return LinkSummary(groups=_group_count(stored),
                               seconds=time.perf_counter() - started)
        before = stored.loc[touching(stored, replacing)]
        mask = is_in(ids, pd.Index(sorted(replacing), dtype="str"))
        chosen = decisions.loc[touching(decisions, replacing)] if len(decisions) else decisions
    fresh = plain_links(pd.DataFrame())
    if mask.any():
        among = None if changed_ids is None else mask
        result = link_records(incidents, decisions=chosen, among=among)
        fresh = kept_links(result.links)
    union = replace_links(stored, fresh, replacing)
    groups, kept = build_groups(union)
    fresh = fresh.assign(grouped=kept[len(union) - len(fresh):]) if len(fresh) else fresh
    store.save_links(fresh, replacing)
    old, new = _pairs(before), _pairs(fresh)
    return LinkSummary(added=len(new - old), kept=len(new & old), dropped=len(old - new),
                       records=int(mask.sum()), groups=int(groups["event_group"].nunique()),
                       seconds=time.perf_counter() - started)


def after_write(store: Store, what: object = None) -> LinkSummary:
    """Bring the stored links up to date after a write; never raises for the store's sake.

    `what` is the write's `AddSummary` (its `ids` are linked anew), event ids, or anything
    else (a deletion's or a removal's summary, a count, None): the links of records gone are
    dropped. A store that cannot relink (PostgreSQL not upgraded to revision 0003, out of reach)
    gives a summary whose `error` says so: the write itself stands.
    """
    if isinstance(what, AddSummary):
        if not what.ids:
            return LinkSummary()
        ids: Collection[str] = what.ids
    elif isinstance(what, str):
        ids = (what,)
    elif isinstance(what, Collection):
        ids = [str(i) for i in what]
    else:
        ids = ()
    try:
        return relink(store, ids)
    except (StoreError, ValueError) as error:
        return LinkSummary(error=str(error))


def stored_links(store: Store) -> pd.DataFrame:
    """Return the stored links with `grouped` as the stored links group now."""
    links = store.load_links()
    if len(links):
        _, kept = build_groups(links)
        links["grouped"] = kept
    return links


def current_groups(store: Store) -> pd.DataFrame:
    """Return the event groups of the stored links: `event_id`, `event_group`, `dataset_key`.

    Only records in a group of two or more; no relinking (the links were kept up to date by
    `after_write`).
    """
    groups, _ = build_groups(store.load_links())
    return groups[list(GROUP_COLUMNS)].astype("object").reset_index(drop=True)


def decide(store: Store, first: str, second: str, decision: str | None,
           by: str | None = None) -> LinkSummary:
    """Record an editor's decision on a pair ("confirmed", "rejected", None: undo) and relink
    the two records; the decision holds through re-imports of either."""
    a, b = pair_key(first, second)
    store.decide_link(a, b, decision, by or decider())
    return relink(store, {a, b})


def _pairs(links: pd.DataFrame) -> set[tuple[str, str]]:
    a = links["event_id_a"].astype("object").to_numpy()
    b = links["event_id_b"].astype("object").to_numpy()
    return {(x, y) if x < y else (y, x) for x, y in zip(a.tolist(), b.tolist(), strict=True)}


def _group_count(links: pd.DataFrame) -> int:
    groups, _ = build_groups(links)
    return int(groups["event_group"].nunique())
