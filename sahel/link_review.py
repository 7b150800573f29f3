"""An editor's look at one record's links, and a report's proposals against the records on hand.

Both link a few records against everything on hand. `link_records(..., among=)` does so exactly,
but reads every record (its dates, places, actors, tolls: ~1 s at 100,000 records); the records
that can pair with a few are a small part of them, found first by `within_reach` (a superset of
`link_candidates.candidate_pairs`' partners: the same pairs come out, tests/test_dashboard_link_
review.py). Pure; the page's dialog is `dashboard_link_review.py`, the report page's matches are
`pages/1_Add_from_report.py`.

Taking a record out of its event group (`take_out`: which links tie it to the group's other
records, and the groups after rejecting them, with `sahel.link_groups` as the page groups) is
pure too; `decide_all` records such decisions in a store and relinks their records once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from sahel import places
from sahel.link_candidates import (
    MAX_ADMIN2_KM,
    MAX_SPAN_DAYS,
    RADIUS_KM,
    SLACK_DAYS,
    dataset_keys,
    distance_km,
)
from sahel.link_groups import build_groups
from sahel.link_upkeep import LinkSummary, relink
from sahel.links import link_records, reasons_json
from sahel.store import Store

__all__ = ["REACH_DAYS", "REACH_KM", "ProposalMatch", "TakeOut", "decide_all",
           "decision_refusal", "proposal_matches", "record_candidates", "take_out",
           "within_reach"]

# Two records' event dates are at most this many days apart when their day intervals (a month's
# first day to a UCDP range's last, MAX_SPAN_DAYS at most) lie within SLACK_DAYS of each other.
REACH_DAYS = MAX_SPAN_DAYS + 2 * 31 + SLACK_DAYS
# Two records whose points are farther apart than this are candidates only when they name the
# same admin-2 unit (MAX_ADMIN2_KM at most) or one point is only its region's (same admin-1).
REACH_KM = max(RADIUS_KM.values()) + 1.0
_EPOCH = np.datetime64("1970-01-01", "D")
# Why an editor's decision on a pair cannot be recorded (the page says it in its language).
SAME_RECORD, UNKNOWN_RECORD, SAME_DATASET = "same_record", "unknown_record", "same_dataset"


def within_reach(incidents: pd.DataFrame, among: np.ndarray) -> np.ndarray:
    """Return which records may pair with one of `among` (a boolean mask, positional), those
    included: every record whose event date is within REACH_DAYS of one of theirs and whose
    point lies within REACH_KM of it, or within MAX_ADMIN2_KM when both name an admin-2 unit and
    neither is only a region's point, or in the same admin-1 region when either is (geo
    precision 3). A record
    with no date or point is kept, and if one of `among` has none, every record is: the mask
    never leaves out a candidate (`link_candidates.within_reach` is the finer test).

    Meant for a few records (a report's proposals, one record on the page): one pass over the
    records each.
    """
    chosen = np.asarray(among, dtype=bool)
    frame = incidents.reset_index(drop=True)
    days = pd.to_datetime(frame["event_date"]).to_numpy(dtype="datetime64[D]")
    lat = pd.to_numeric(frame["latitude"], errors="coerce").to_numpy(dtype="float64")
    lon = pd.to_numeric(frame["longitude"], errors="coerce").to_numpy(dtype="float64")
    unplaced = np.isnat(days) | np.isnan(lat) | np.isnan(lon)
    if unplaced[chosen].any():
        return np.ones(len(frame), dtype=bool)
    number = np.where(np.isnat(days), 0, (days - _EPOCH).astype("int64"))
    precision = pd.to_numeric(frame["geo_precision"], errors="coerce").fillna(1).to_numpy()
    has_admin2 = (frame["admin2"].notna().to_numpy(dtype=bool) if "admin2" in frame
                  else np.zeros(len(frame), dtype=bool))
    keep = chosen | unplaced
    for i in np.flatnonzero(chosen):
        near = np.flatnonzero(np.abs(number - number[i]) <= REACH_DAYS)
        km = distance_km(lat[i], lon[i], lat[near], lon[near])
        coarse = np.maximum(precision[near], precision[i])
        # The admin-2 names are not compared: both named is enough to keep a record.
        close = (km <= REACH_KM) | ((coarse == 2) & has_admin2[near] & has_admin2[i]
                                     & (km <= MAX_ADMIN2_KM))
        region = np.flatnonzero(~close & (coarse >= 3))
        if len(region):
            keys = _regions(frame, np.r_[i, near[region]])
            close[region] = (keys[1:] == keys[0]) & (keys[0] != "")
        keep[near[close]] = True
    return keep


def _regions(frame: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """Return some records' admin-1 region keys as linking compares them ("" when unknown):
    "iso3|admin1", Ménaka and Taoudénit as Gao and Tombouctou, whose polygons hold them."""
    admin1 = frame["admin1"].iloc[rows].astype("object").replace(places.POLYGON_PARENT)
    iso3 = (frame["iso3"].iloc[rows].astype("object").fillna("") if "iso3" in frame
            else pd.Series("", index=admin1.index))
    key = (iso3 + "|" + admin1.astype("str")).where(admin1.notna(), "")
    return key.to_numpy(dtype=object)


def _linked_within_reach(incidents: pd.DataFrame, among: np.ndarray) -> tuple[pd.DataFrame,
                                                                              pd.DataFrame]:
    """Return the records within reach of `among` and every candidate pair touching `among`
    among them, scored (link_records' links with keep_all: best first)."""
    frame = incidents.reset_index(drop=True)
    reach = within_reach(frame, among)
    nearby = frame.loc[reach].reset_index(drop=True)
    links = link_records(nearby, among=np.asarray(among, dtype=bool)[reach], keep_all=True).links
    return nearby, links


class ProposalMatch(NamedTuple):
    """A proposed incident's best link to a record on hand."""

    existing: pd.Series  # the record on hand (canonical columns)
    score: float
    reasons: str  # the link's reasons as JSON (`sahel.links.reasons_json`)


def proposal_matches(on_hand: pd.DataFrame, proposed: pd.DataFrame) -> dict[str, ProposalMatch]:
    """Return, by proposed event_id, the record on hand each proposal links to best (accepted
    links only; as `link_records(among=the proposals)` over them all, reading only the records
    within reach). A proposal already on hand (the same report added again) is not matched with
    itself, nor with another proposal."""
    if not len(proposed):
        return {}
    ids = set(proposed["event_id"].astype("str"))
    others = on_hand.loc[~on_hand["event_id"].astype("str").isin(ids).to_numpy()]
    frame = pd.concat([pd.DataFrame(others), pd.DataFrame(proposed)], ignore_index=True)
    nearby, links = _linked_within_reach(frame, np.arange(len(frame)) >= len(others))
    links = links.loc[links["accepted"].to_numpy(dtype=bool)]
    by_id = dict(zip(nearby["event_id"].astype("str"), range(len(nearby)), strict=False))
    found: dict[str, ProposalMatch] = {}
    for a, b, score, reasons in zip(links["event_id_a"].astype("str"),
                                    links["event_id_b"].astype("str"), links["score"],
                                    reasons_json(links), strict=True):
        new, old = (a, b) if a in ids else (b, a)
        if new in found or old in ids:  # best first: the first link of a proposal is its best
            continue
        found[new] = ProposalMatch(nearby.iloc[by_id[old]], float(score), str(reasons))
    return found


def record_candidates(incidents: pd.DataFrame, event_id: str) -> pd.DataFrame:
    """Return every candidate pair of one record, best first: `event_id` (the other record),
    `score`, `accepted` (at the threshold or above) and `reasons` (JSON); no row when the record
    is not on hand. Hand decisions are not applied: the scores are the records' own."""
    columns = ["event_id", "score", "accepted", "reasons"]
    ids = incidents["event_id"].astype("str").str.strip().to_numpy(dtype=object)
    among = ids == str(event_id).strip()
    if not among.any():
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    _nearby, links = _linked_within_reach(incidents, among)
    a = links["event_id_a"].astype("str").to_numpy(dtype=object)
    b = links["event_id_b"].astype("str").to_numpy(dtype=object)
    return pd.DataFrame({"event_id": np.where(a == str(event_id).strip(), b, a),
                         "score": links["score"].to_numpy(dtype="float64"),
                         "accepted": links["accepted"].to_numpy(dtype=bool),
                         "reasons": reasons_json(links).to_numpy(dtype=object)})


def decision_refusal(incidents: pd.DataFrame, first: str, second: str) -> str | None:
    """Return why a hand link between two event ids cannot be recorded, or None when it can:
    SAME_RECORD, UNKNOWN_RECORD (no record on hand has the second id) or SAME_DATASET (records
    of one dataset are never linked: each dataset tells its own events apart)."""
    a, b = str(first).strip(), str(second).strip()
    if a == b:
        return SAME_RECORD
    ids = incidents["event_id"].astype("str").str.strip()
    found = ids.isin([a, b]).to_numpy()
    keys = dict(zip(ids[found], dataset_keys(incidents.loc[found]), strict=True))
    if a not in keys or b not in keys:
        return UNKNOWN_RECORD
    return SAME_DATASET if keys[a] == keys[b] else None


class TakeOut(NamedTuple):
    """What taking a record out of its event group does (`take_out`)."""

    record: str
    # The pairs to reject, (record, another record), by the other's id: the accepted links
    # between the record and the group's other records; and, when rejecting those would let a
    # link the group had outscored bring the record back beside them, that link too.
    pairs: tuple[tuple[str, str], ...]
    # The group's other records as they are grouped afterwards, one tuple per event (a record
    # left alone is an event of its own), largest first: two or more when the record tied them.
    others: tuple[tuple[str, ...], ...]
    # The records the taken-out record is grouped with afterwards (links of its that its group
    # outscored, freed): none as a rule.
    joined: tuple[str, ...]

    @property
    def splits(self) -> bool:
        """Return whether the group's other records are no longer one event afterwards."""
        return len(self.others) > 1


def _within_component(links: pd.DataFrame, event_id: str) -> pd.DataFrame:
    """Return the accepted links joined to `event_id` through accepted links: the groups of
    these records are decided by these links alone (others touch none of them), in the same
    best-first order (`link_groups.best_first` ranks by score, then by the ids' order)."""
    accepted = links.loc[links["accepted"].to_numpy(dtype=bool)]
    a = accepted["event_id_a"].astype("str").to_numpy(dtype=object)
    b = accepted["event_id_b"].astype("str").to_numpy(dtype=object)
    reached = {event_id}
    while True:
        touch = np.isin(a, list(reached)) | np.isin(b, list(reached))
        found = set(a[touch]) | set(b[touch]) | reached
        if found == reached:
            return accepted.loc[touch].reset_index(drop=True)
        reached = found


def _group_map(links: pd.DataFrame) -> dict[str, str]:
    groups, _ = build_groups(links)
    return dict(zip(groups["event_id"].astype("str"), groups["event_group"].astype("str"),
                    strict=True))


def take_out(links: pd.DataFrame, event_id: str) -> TakeOut | None:
    """Return what taking `event_id` out of its event group does, None when it is in none.

    `links`: the stored links (`sahel.store.link_rows`: accepted ones and those rejected by
    hand). The groups before and after are `link_groups.build_groups`' of them, the page's, with
    the pairs rejected (not accepted) for after.
    """
    event_id = str(event_id).strip()
    near = _within_component(links, event_id)
    before = _group_map(near)
    if event_id not in before:
        return None
    members = sorted(k for k, g in before.items() if g == before[event_id] and k != event_id)
    a = near["event_id_a"].astype("str").to_numpy(dtype=object)
    b = near["event_id_b"].astype("str").to_numpy(dtype=object)
    mine = (a == event_id) | (b == event_id)
    tie = mine & (np.isin(b, members) | np.isin(a, members))
    while True:
        after = near.copy()
        after.loc[tie, "accepted"] = False
        after.loc[tie, "decision"] = "rejected"
        regrouped = _group_map(after)
        theirs = {regrouped.get(m, m) for m in members}
        if regrouped.get(event_id, event_id) not in theirs:
            break
        # Its ties rejected, a link its group had outscored brings it back beside them (the
        # record of a dataset they held is gone): that link ties it to them too.
        beside = [k for k, g in regrouped.items() if g == regrouped[event_id]]
        tie = tie | (mine & (np.isin(b, beside) | np.isin(a, beside)))
    pairs = tuple(sorted((event_id, str(o)) for o in np.where(a[tie] == event_id, b[tie],
                                                              a[tie])))
    parts: dict[str, list[str]] = {}
    for member in members:
        parts.setdefault(regrouped.get(member, member), []).append(member)
    others = tuple(sorted((tuple(p) for p in parts.values()), key=lambda p: (-len(p), p)))
    own = regrouped.get(event_id)
    joined = tuple(sorted(k for k, g in regrouped.items() if own and g == own
                          and k != event_id))
    return TakeOut(event_id, pairs, others, joined)


def decide_all(store: Store, decisions: Sequence[tuple[str, str, str | None]],
               by: str) -> LinkSummary:
    """Record hand decisions on several pairs ((first, second, "confirmed" / "rejected" /
    None: undo), as `link_upkeep.decide` does one), then relink their records once."""
    for first, second, decision in decisions:
        store.decide_link(first, second, decision, by)
    return relink(store, {str(i).strip() for first, second, _ in decisions
                          for i in (first, second)})
