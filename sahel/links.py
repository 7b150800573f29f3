"""Records of one event across datasets and reports: candidate pairs, scores, reasons, groups.

Pure (pandas/numpy). `link_records(incidents)` takes canonical incidents (`sahel.schema`) of
several datasets and returns the links between records of different datasets that describe one
event, each with its score (0–1) and its reasons, and the event groups they form:

* candidates within a time window and a distance that respect each record's precisions
  (`sahel.link_candidates`);
* scored on time, place, event type (`data/links/event_types.csv`, `sahel.link_taxonomy`),
  actors (`sahel.link_actors`) and toll plausibility (`sahel.link_scores`);
* accepted at `THRESHOLD` or above (chosen on the labelled set, docs/linking.md);
* grouped, at most one record per dataset (`sahel.link_groups`).

Reasons are codes with parameters (`sahel.link_reasons`), so a page can say them in its
language. Hand decisions ("confirmed" / "rejected" pairs) override the scores.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sahel import link_actors, link_candidates, link_scores, link_taxonomy
from sahel.link_groups import (
    assign_groups,
    best_first,
    build_groups,
    count_once,
    group_frame,
    group_positions,
    span_offsets,
)
from sahel.link_reasons import (
    REASON_COLUMNS,
    REASONS,
    describe_reasons,
    reason_columns,
    reasons_json,
)

__all__ = ["DECISIONS", "LINK_COLUMNS", "REASONS", "THRESHOLD", "LinkResult", "Scored",
           "assign_groups", "build_groups", "count_once", "describe_reasons", "link_records",
           "links_from_scores", "reasons_json", "score_pairs"]

# Chosen on the labelled set (`python -m sahel.link_eval`, docs/linking.md).
THRESHOLD = 0.6
SCORE_COLUMNS: tuple[str, ...] = ("time_score", "place_score", "type_score", "actor_score",
                                  "toll_score")
LINK_COLUMNS: tuple[str, ...] = (
    "event_id_a", "event_id_b", "dataset_a", "dataset_b", "score", "accepted", "grouped",
    "decision", *SCORE_COLUMNS, *REASON_COLUMNS)
DECISIONS: tuple[str, ...] = ("confirmed", "rejected")


@dataclass(frozen=True)
class LinkResult:
    """Links (`LINK_COLUMNS`), the records' event groups and how many pairs were compared."""

    links: pd.DataFrame
    groups: pd.DataFrame
    candidates: int

    def event_groups(self, incidents: pd.DataFrame) -> pd.Series:
        """Return each incident's event group (missing when in none)."""
        return assign_groups(incidents, self.groups)


@dataclass(frozen=True)
class Scored:
    """Every candidate pair with its part scores (`pairs`), and what the reasons need."""

    pairs: pd.DataFrame
    records: link_candidates.Records
    type_keys: list[str]
    outcomes: list[tuple[str, tuple[str, ...]]]
    tolls: link_scores.Tolls


def score_pairs(incidents: pd.DataFrame, among: np.ndarray | None = None) -> Scored:
    """Return every candidate pair of records of different datasets with its part scores.

    Columns of `pairs`: `a`, `b` (positions in `incidents`), `score`, `time_score`,
    `place_score`, `type_score`, `actor_score`, `toll_score`, `days_apart`, `distance_km`,
    `outcome` (the actor outcome's index in `outcomes`). `among`: see `candidate_pairs`.
    """
    frame = incidents.reset_index(drop=True)
    rec = link_candidates.prepare(frame)
    a, b, km = link_candidates.candidate_pairs(rec, among)
    # A record spanning days comes first in its pairs with the days inside it (link_groups).
    turn = link_scores.inside_span(rec, b, a)
    a, b = np.where(turn, b, a), np.where(turn, a, b)
    sig_codes, sigs = link_actors.signatures(frame)
    keys = link_taxonomy.type_keys(frame, link_actors.names_government(sigs, sig_codes))
    type_codes, matrix, type_names = link_taxonomy.compatibility_matrix(keys)
    actor, outcome, outcomes = link_actors.agreement_table(sigs, sig_codes[a], sig_codes[b])
    tolls = link_scores.toll_ranges(frame)
    time, days = link_scores.time_scores(rec, a, b)
    parts = {"time": time, "place": link_scores.place_scores(rec, a, b, km),
             "type": matrix[type_codes[a], type_codes[b]] if len(a) else np.zeros(0),
             "actors": actor, "toll": link_scores.toll_scores(tolls, a, b)}
    pairs = pd.DataFrame({
        "a": a, "b": b, "score": link_scores.combine(parts), "time_score": parts["time"],
        "place_score": parts["place"], "type_score": parts["type"],
        "actor_score": parts["actors"], "toll_score": parts["toll"], "days_apart": days,
        "distance_km": np.round(km, 1), "outcome": outcome})
    return Scored(pairs, rec, [type_names[c] for c in type_codes], outcomes, tolls)


def link_records(incidents: pd.DataFrame, threshold: float = THRESHOLD,
                 decisions: pd.DataFrame | None = None, among: np.ndarray | None = None,
                 keep_all: bool = False) -> LinkResult:
    """Return the links between records of different datasets and the event groups.

    `links` holds the pairs scoring at least `threshold` (every candidate with `keep_all`),
    and hand-decided pairs, with whether each was accepted and kept in a group, one row per
    pair, best first. `decisions`: rows `event_id_a`, `event_id_b`, `decision` ("confirmed"
    or "rejected"); a confirmed pair is accepted whatever its score (made by hand when it was
    no candidate: no score, no reasons but "confirmed"), a rejected one never is. `among`: a
    boolean mask of the records whose links are wanted (new records of an import); the groups
    then only hold those links.
    """
    frame = incidents.reset_index(drop=True)
    scored = score_pairs(frame, among)
    return links_from_scores(frame, scored, threshold, decisions, keep_all)


def links_from_scores(frame: pd.DataFrame, scored: Scored, threshold: float = THRESHOLD,
                      decisions: pd.DataFrame | None = None, keep_all: bool = False
                      ) -> LinkResult:
    """Return `link_records`' result from pairs already scored (`score_pairs` of `frame`)."""
    pairs, rec = scored.pairs, scored.records
    chosen = pairs if keep_all else pairs.loc[pairs["score"].to_numpy() >= threshold]
    a, b = chosen["a"].to_numpy(), chosen["b"].to_numpy()
    score = chosen["score"].to_numpy(dtype="float64")
    accepted = score >= threshold
    decision = np.full(len(chosen), None, dtype=object)
    if decisions is not None and len(decisions):
        a, b, score, accepted, decision, chosen = _apply_decisions(
            frame, rec, a, b, score, accepted, decision, chosen, decisions)
    id_codes, ids = pd.factorize(frame["event_id"].astype("object"), sort=True)
    rank = best_first(score, decision == "confirmed", id_codes[a], id_codes[b])
    reasons = reason_columns(chosen, rec, scored.type_keys, scored.outcomes, scored.tolls)
    offsets = span_offsets(pd.DataFrame({"time_reason": reasons["time_reason"],
                                         "days_apart": reasons["days_apart"]}))
    group, kept = group_positions(a, b, rec.dataset, rank, accepted, offsets)
    datasets = np.array(rec.datasets, dtype=object)
    order = np.argsort(rank, kind="stable")
    names = np.asarray(ids, dtype=object)
    links = pd.DataFrame({
        "event_id_a": pd.Categorical.from_codes(id_codes[a][order], categories=ids),
        "event_id_b": pd.Categorical.from_codes(id_codes[b][order], categories=ids),
        "dataset_a": pd.Categorical.from_codes(rec.dataset[a][order], categories=datasets),
        "dataset_b": pd.Categorical.from_codes(rec.dataset[b][order], categories=datasets),
        "score": score[order], "accepted": accepted[order], "grouped": kept[order],
        "decision": pd.Series(decision[order], dtype="object"),
        **{c: chosen[c].to_numpy()[order] for c in SCORE_COLUMNS},
        **{c: _reorder(v, order) for c, v in reasons.items()}})
    node_ids = names[id_codes]
    groups = group_frame(node_ids, datasets[rec.dataset], group)
    return LinkResult(links[list(LINK_COLUMNS)], groups, len(pairs))


def _reorder(values: object, order: np.ndarray) -> object:
    if isinstance(values, pd.Categorical):
        return values.take(order)
    return np.asarray(values)[order]


def _apply_decisions(frame: pd.DataFrame, rec: link_candidates.Records, a: np.ndarray,
                     b: np.ndarray, score: np.ndarray, accepted: np.ndarray,
                     decision: np.ndarray, chosen: pd.DataFrame, decisions: pd.DataFrame
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                pd.DataFrame]:
    """Mark hand decisions; add the confirmed pairs that were not among the chosen pairs."""
    position = {str(e): i for i, e in enumerate(frame["event_id"].astype("object"))}
    wanted: dict[tuple[int, int], str] = {}
    for first, second, choice in decisions[["event_id_a", "event_id_b", "decision"]].itertuples(
            index=False):
        i, j = position.get(str(first)), position.get(str(second))
        if choice in DECISIONS and i is not None and j is not None and (
                rec.dataset[i] != rec.dataset[j]):
            wanted[(min(i, j), max(i, j))] = str(choice)
    for row, (i, j) in enumerate(zip(a.tolist(), b.tolist(), strict=True)):
        pair = (min(i, j), max(i, j))
        if pair in wanted:
            decision[row] = wanted.pop(pair)
    added = [pair for pair, choice in wanted.items() if choice == "confirmed"]
    if added:
        extra = _unscored([p[0] for p in added], [p[1] for p in added], chosen)
        chosen = pd.concat([chosen, extra], ignore_index=True)
        a, b = chosen["a"].to_numpy(), chosen["b"].to_numpy()
        score = np.concatenate([score, np.full(len(added), np.nan)])
        accepted = np.concatenate([accepted, np.ones(len(added), dtype=bool)])
        decision = np.concatenate([decision, np.full(len(added), "confirmed", dtype=object)])
    decided = decision != None  # noqa: E711 - elementwise on an object array
    accepted = np.where(decided, decision == "confirmed", accepted)
    return a, b, score, accepted, decision, chosen


def _unscored(a: list[int], b: list[int], like: pd.DataFrame) -> pd.DataFrame:
    """Return pairs made by hand: no scores, no reasons of their own."""
    extra = pd.DataFrame({column: pd.Series([np.nan] * len(a)) for column in like.columns})
    extra["a"], extra["b"] = a, b
    extra["days_apart"], extra["outcome"] = -1, -1
    return extra.astype({"a": "int64", "b": "int64", "days_apart": "int64", "outcome": "int64"})
