"""Event groups from accepted links, and counting each event once.

A group is a connected component of accepted links holding at most one record per dataset.
Links are taken best first (hand-confirmed ones before all others, then by score): a link
that would put two records of one dataset in a group is left out ("outscored" by the links
already taken). A group is named after the smallest `event_id` among its records.

One exception, the days of a range: a record spanning several days (UCDP's date_start ..
date_end) is one event that ACLED codes as one event per day. Its links to exact days inside
its range (reason `within_span`, the range's record first, `days_apart` the day's offset in
it) may bring into its group several records of one other dataset, one per day: each record
still in no group, its link to the range's record accepted, every record of its dataset in
the group being another day of that range. Two records of one dataset are never linked to
each other; the range's record holds them together.

Counting once (`count_once`): one row per group, the group's most precise record (place, then
date precision, then a coded record before the tool's reading of a report, then smallest
event_id) standing for it, with the toll rule: `fatalities` is the
lowest of the coded records' best figures (ACLED's most conservative convention; a figure the
tool itself read from a report counts only when no coded record of the event gives one: the
coders of ACLED, UCDP or the analyst's own files read the same words with their rules),
`fatalities_low` and `fatalities_high` the range over every figure of every record and every
claim of deaths (claims are listed, never averaged). A dataset with several records in a group
(the days of a range) gives the sum of its records' figures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sahel.link_scores import toll_ranges

GROUP_COLUMNS: tuple[str, ...] = ("event_id", "event_group", "dataset_key")
# The `dataset` (source kind) of incidents the tool read from a news report itself.
MACHINE_READ = "report"
# The time reason of a link from a record spanning days to one of its days (sahel.link_reasons).
SPAN_REASON = "within_span"


def group_positions(u: np.ndarray, v: np.ndarray, dataset: np.ndarray, rank: np.ndarray,
                    accepted: np.ndarray, span_offset: np.ndarray | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Return (group label of every node, whether each link was kept).

    Links join nodes `u` and `v` (ints < len(dataset)); `dataset` is each node's dataset code,
    `rank` each link's place in the best-first order (distinct), `accepted` which links count,
    `span_offset` (optional) the offset of `v`'s day in `u`'s date range for `within_span`
    links, -1 for the others (see the module docstring and `_attach_days`).
    Best first, as a loop over the links in that order would do, but in rounds over whole
    arrays: a link that is the best remaining one of both its groups is taken by that loop too
    (no better link touches either group, and a link refused once stays refused), so each
    round takes all such links at once and merges their groups.
    """
    kept = np.zeros(len(u), dtype=bool)
    nodes = len(dataset)
    holds = np.zeros((nodes, int(dataset.max(initial=0)) + 1), dtype=bool)
    holds[np.arange(nodes), dataset] = True
    group = np.arange(nodes)
    live = np.flatnonzero(accepted)
    while len(live):
        gu, gv = group[u[live]], group[v[live]]
        inside = gu == gv
        kept[live[inside]] = True
        allowed = ~inside & ~(holds[gu] & holds[gv]).any(axis=1)
        live, gu, gv = live[allowed], gu[allowed], gv[allowed]
        if not len(live):
            break
        best = np.full(nodes, np.iinfo("int64").max)
        np.minimum.at(best, gu, rank[live])
        np.minimum.at(best, gv, rank[live])
        take = (best[gu] == rank[live]) & (best[gv] == rank[live])
        kept[live[take]] = True
        into = np.arange(nodes)
        into[gv[take]] = gu[take]
        holds[gu[take]] |= holds[gv[take]]
        group = into[group]
        live = live[~take]
    if span_offset is not None:
        _attach_days(u, v, dataset, rank, accepted, span_offset, group, kept)
    return group, kept


def _attach_days(u: np.ndarray, v: np.ndarray, dataset: np.ndarray, rank: np.ndarray,
                 accepted: np.ndarray, span_offset: np.ndarray, group: np.ndarray,
                 kept: np.ndarray) -> None:
    """Bring the other days of a date range into its record's group, in place (best first).

    A `within_span` link left out (`u` spans days, `v` is one of them) is kept when `v` is in
    no group yet and every record of `v`'s dataset in `u`'s group is another day of `u`'s
    range (a kept `within_span` link of `u` at another offset).
    """
    spans = np.flatnonzero(accepted & ~kept & (span_offset >= 0))
    if not len(spans):
        return
    size = np.bincount(group, minlength=len(group))
    members: dict[tuple[int, int], int] = {}
    for g, d in zip(group.tolist(), dataset.tolist(), strict=True):
        members[(g, d)] = members.get((g, d), 0) + 1
    days: dict[tuple[int, int], set[int]] = {}
    for link in np.flatnonzero(kept & (span_offset >= 0)).tolist():
        days.setdefault((int(u[link]), int(dataset[v[link]])), set()).add(int(span_offset[link]))
    for link in spans[np.argsort(rank[spans], kind="stable")].tolist():
        host, day = int(u[link]), int(v[link])
        where, alone, kind = int(group[host]), int(group[day]), int(dataset[day])
        held = days.setdefault((host, kind), set())
        offset = int(span_offset[link])
        if size[alone] != 1 or offset in held or members.get((where, kind), 0) != len(held):
            continue
        group[day] = where
        size[where] += 1
        size[alone] -= 1
        members[(where, kind)] = members.get((where, kind), 0) + 1
        held.add(offset)
        kept[link] = True


def best_first(score: np.ndarray, confirmed: np.ndarray, first: np.ndarray,
               second: np.ndarray) -> np.ndarray:
    """Return each link's rank: confirmed links first, then by score, then by the ranks of its
    records' event_ids (`first`, `second`), so ties fall the same way every time."""
    order = np.lexsort((second, first, -np.nan_to_num(score, nan=1.0), ~confirmed))
    rank = np.empty(len(score), dtype="int64")
    rank[order] = np.arange(len(score))
    return rank


def group_frame(ids: np.ndarray, datasets: np.ndarray, group: np.ndarray) -> pd.DataFrame:
    """Return the record → group frame of the nodes in groups of two or more."""
    size = np.bincount(group, minlength=len(ids))
    member = size[group] > 1
    frame = pd.DataFrame({"event_id": ids[member], "root": group[member],
                          "dataset_key": datasets[member]})
    frame["event_group"] = frame.groupby("root")["event_id"].transform("min")
    frame = frame.sort_values(["event_group", "event_id"], ignore_index=True)
    return frame[list(GROUP_COLUMNS)]


def build_groups(links: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Return (record → group frame, whether each link was kept) from accepted links.

    `links` needs `event_id_a`, `event_id_b`, `dataset_a`, `dataset_b`, `score` and
    `accepted`; an optional `decision` column puts "confirmed" links first. Rows of the group
    frame: `event_id`, `event_group`, `dataset_key` (only records in a group of two or more).
    """
    if not len(links):
        return pd.DataFrame({c: pd.Series(dtype="object") for c in GROUP_COLUMNS}), np.zeros(
            0, dtype=bool)
    ids_a = links["event_id_a"].astype("object").to_numpy()
    ids_b = links["event_id_b"].astype("object").to_numpy()
    codes, nodes = pd.factorize(np.concatenate([ids_a, ids_b]), sort=True)
    u, v = codes[:len(links)], codes[len(links):]
    node_dataset = np.empty(len(nodes), dtype=object)
    node_dataset[u] = links["dataset_a"].astype("object").to_numpy()
    node_dataset[v] = links["dataset_b"].astype("object").to_numpy()
    dataset_codes, _ = pd.factorize(pd.Series(node_dataset, dtype="object"))
    confirmed = (links["decision"].eq("confirmed").to_numpy(dtype=bool) if "decision" in links
                 else np.zeros(len(links), dtype=bool))
    rank = best_first(links["score"].to_numpy(dtype="float64"), confirmed, u, v)
    group, kept = group_positions(u, v, dataset_codes, rank,
                                  links["accepted"].to_numpy(dtype=bool), span_offsets(links))
    return group_frame(np.asarray(nodes, dtype=object), node_dataset, group), kept


def span_offsets(links: pd.DataFrame) -> np.ndarray | None:
    """Return each link's `within_span` offset (`days_apart`), -1 for other links; None when
    no link is one (or the links carry no reasons)."""
    if "time_reason" not in links or "days_apart" not in links:
        return None
    span = links["time_reason"].astype("object").eq(SPAN_REASON).to_numpy(dtype=bool)
    if not span.any():
        return None
    days = pd.to_numeric(links["days_apart"], errors="coerce").fillna(-1).to_numpy("int64")
    return np.where(span, days, -1)


def assign_groups(incidents: pd.DataFrame, groups: pd.DataFrame) -> pd.Series:
    """Return each incident's `event_group` (missing for a record in no group)."""
    lookup = dict(zip(groups["event_id"], groups["event_group"], strict=True))
    return incidents["event_id"].map(lookup).astype("object")


def count_once(incidents: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """Return the incidents with each event group counted once (see the module docstring).

    Columns: the incidents' own, plus `event_group` (missing for a record in no group),
    `group_records` (how many records the row stands for) and `group_datasets` (their dataset
    keys, "; "-separated). Ungrouped records are kept as they are.
    """
    frame = incidents.reset_index(drop=True).copy()
    frame["event_group"] = assign_groups(frame, groups)
    grouped = frame["event_group"].notna()
    singles = frame.loc[~grouped].assign(group_records=1)
    if "dataset_name" in singles:
        singles["group_datasets"] = singles["dataset_name"].astype("object")
    if not grouped.any():
        return singles.reset_index(drop=True)
    inside = frame.loc[grouped].copy()
    tolls = toll_ranges(inside)
    inside["_low"], inside["_high"] = tolls.low, tolls.high
    best = pd.to_numeric(inside["fatalities"], errors="coerce").astype("float64")
    inside["_best"] = best.where(~np.isnan(tolls.high))
    inside["_given"] = best
    # A machine's reading of a report stands back when a coded record of the event gives a toll.
    read = (inside["dataset"].eq(MACHINE_READ).to_numpy() if "dataset" in inside
            else np.zeros(len(inside), dtype=bool))
    coded = inside["_best"].notna() & ~read
    has_coded = coded.groupby(inside["event_group"]).transform("any").to_numpy()
    inside["_best"] = inside["_best"].where(~(read & has_coded))
    datasets = dict(zip(groups["event_id"], groups["dataset_key"], strict=True))
    inside["_dataset"] = inside["event_id"].map(datasets)
    by_dataset = inside.groupby(["event_group", "_dataset"], sort=False)
    if by_dataset.ngroups < len(inside):  # the days of a range: each dataset's sum
        sums = by_dataset[["_best", "_given", "_low", "_high"]].transform("sum", min_count=1)
        first = ~inside.duplicated(["event_group", "_dataset"])
        for column in ("_best", "_given", "_low", "_high"):
            inside[column] = sums[column].where(first)
    summary = inside.groupby("event_group").agg(
        _best=("_best", "min"), _given=("_given", "min"), _low=("_low", "min"),
        _high=("_high", "max"),
        group_records=("event_id", "size"),
        group_datasets=("_dataset", lambda s: "; ".join(sorted(set(s.astype("str"))))))
    # The most precise record stands for the event; of equally precise ones, a coded record
    # before the tool's own reading of a report, then the smallest event_id.
    inside["_read"] = read
    chosen = inside.sort_values(
        ["event_group", "geo_precision", "time_precision", "_read", "event_id"],
        na_position="last").drop_duplicates("event_group")
    chosen = chosen.drop(columns=["_best", "_given", "_low", "_high", "_dataset",
                                  "_read"]).set_index(
        "event_group", drop=False)
    # A group none of whose records gives a toll keeps the figure they carry (0: none given).
    summary["_best"] = summary["_best"].fillna(summary.pop("_given"))
    chosen = chosen.join(summary, how="left")
    for column, source in (("fatalities", "_best"), ("fatalities_low", "_low"),
                           ("fatalities_high", "_high")):
        figures = chosen.pop(source)
        chosen[column] = figures.round().astype("Int64")
    return pd.concat([singles, chosen.reset_index(drop=True)], ignore_index=True)
