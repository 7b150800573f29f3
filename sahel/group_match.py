"""Which incidents count for an armed group, and under which name: the group filter's semantics.

An incident names groups in three ways (see docs/data.md, "The group filter"):

* its main actors, `group1` and `group2` (ACLED `actor1`/`actor2`, UCDP `side_a`/`side_b`);
* its associated actors, `assoc_groups1` and `assoc_groups2` (ACLED `assoc_actor_1/2`), counted
  when `include_associated` is on;
* uncertain attributions: a value "X and/or Y" (`actors.UNCERTAIN_SEPARATOR`) names candidates,
  none of them for sure; counted only when `include_uncertain` is on, and then apart.

A coalition's components count for it only while they were members (`actors.coalition_windows`:
Ansar Dine is JNIM from 2 March 2017, never before). Everything is computed once per distinct
cell value, so 100,000 incidents cost a few factorisations, not a Python loop over rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from sahel import actors

MAIN_COLUMNS: tuple[str, ...] = ("group1", "group2")
ASSOCIATED_COLUMNS: tuple[str, ...] = ("assoc_groups1", "assoc_groups2")
LIST_SEPARATOR = ";"
# How the legend names the incidents a group has only through an uncertain attribution.
UNCERTAIN_LABEL = "{group} (uncertain)"

Window = tuple[date | None, date | None]


@dataclass(frozen=True)
class GroupRule:
    """How rows count for groups: coalition components, associated actors, uncertain ones."""

    include_components: bool = True
    include_associated: bool = True
    include_uncertain: bool = False

    def columns(self) -> tuple[str, ...]:
        """Return the group columns this rule reads."""
        return MAIN_COLUMNS + (ASSOCIATED_COLUMNS if self.include_associated else ())


def _parts(value: str, is_list: bool) -> list[tuple[str, ...]]:
    """Return the candidate groups of each actor named in one cell (one tuple per actor)."""
    pieces = value.split(LIST_SEPARATOR) if is_list else [value]
    return [actors.candidate_groups(p.strip()) for p in pieces if p.strip()]


def _cell_windows(value: str, is_list: bool, windows: dict[str, Window]
                  ) -> tuple[list[Window], list[Window]]:
    """Return the windows a cell matches through certain and through uncertain actors."""
    certain: list[Window] = []
    uncertain: list[Window] = []
    for candidates in _parts(value, is_list):
        found = [windows[c] for c in candidates if c in windows]
        (uncertain if len(candidates) > 1 else certain).extend(found)
    return certain, uncertain


def _dated_mask(codes: np.ndarray, by_code: dict[int, list[Window]],
                days: np.ndarray) -> np.ndarray:
    """Return, per row, whether its cell's windows hold its day (missing day: only open ones)."""
    out = np.zeros(len(codes), dtype=bool)
    by_windows: dict[tuple[Window, ...], list[int]] = {}
    for code, found in by_code.items():
        by_windows.setdefault(tuple(sorted(set(found), key=str)), []).append(code)
    for windows, cell_codes in by_windows.items():
        rows = np.isin(codes, cell_codes)
        ok = np.zeros(len(codes), dtype=bool)
        for start, end in windows:
            inside = np.ones(len(codes), dtype=bool)
            if start is not None:
                inside &= days >= np.datetime64(start, "ns")
            if end is not None:
                inside &= days <= np.datetime64(end, "ns")
            ok |= inside
        out |= rows & ok
    return out


def _column_masks(values: pd.Series, days: np.ndarray, windows: dict[str, Window],
                  is_list: bool) -> tuple[np.ndarray, np.ndarray]:
    """Return (certain, uncertain) row masks of one group column against `windows`."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    certain: dict[int, list[Window]] = {}
    uncertain: dict[int, list[Window]] = {}
    for code, value in enumerate(uniques):
        sure, unsure = _cell_windows(str(value), is_list, windows)
        if sure:
            certain[code] = sure
        if unsure:
            uncertain[code] = unsure
    return _dated_mask(codes, certain, days), _dated_mask(codes, uncertain, days)


def group_masks(incidents: pd.DataFrame, groups: Iterable[str], rule: GroupRule
                ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Return, per requested canonical group, row masks (certain, uncertain-only) under `rule`.

    "Uncertain-only" rows name the group only through an "X and/or Y" attribution; they count
    only when `rule.include_uncertain` is on (the caller decides). Rows are positional.
    """
    days = pd.to_datetime(incidents["event_date"]).to_numpy(dtype="datetime64[ns]")
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for group in sorted(set(groups)):
        windows = actors.coalition_windows([group], rule.include_components)
        certain = np.zeros(len(incidents), dtype=bool)
        uncertain = np.zeros(len(incidents), dtype=bool)
        for column in rule.columns():
            if column not in incidents.columns:
                continue
            sure, unsure = _column_masks(incidents[column], days, windows,
                                         column in ASSOCIATED_COLUMNS)
            certain |= sure
            uncertain |= unsure
        out[group] = (certain, uncertain & ~certain)
    return out


def group_labels(incidents: pd.DataFrame, groups: Iterable[str], rule: GroupRule) -> pd.Series:
    """Return the requested group each incident counts under ("" when it matches none).

    A row naming several requested groups counts under the first in alphabetical order; a row
    matching only through an uncertain attribution counts as "<group> (uncertain)", and only
    when `rule.include_uncertain` is on. The map legend and the filter use this one function,
    so the legend counts what the filter counts.
    """
    labels = np.full(len(incidents), "", dtype=object)
    masks = group_masks(incidents, groups, rule)
    for group, (certain, _) in masks.items():
        labels[(labels == "") & certain] = group
    if rule.include_uncertain:
        for group, (_, uncertain) in masks.items():
            labels[(labels == "") & uncertain] = UNCERTAIN_LABEL.format(group=group)
    return pd.Series(labels, index=incidents.index, dtype="object")


def uncertain_rows(incidents: pd.DataFrame) -> pd.Series:
    """Return True where a main actor is an uncertain attribution ("X and/or Y")."""
    mask = pd.Series(False, index=incidents.index)
    for column in MAIN_COLUMNS:
        values = incidents[column].astype("object").fillna("").astype("str")
        mask |= values.str.contains(actors.UNCERTAIN_SEPARATOR, regex=False)
    return mask


def _mentions(incidents: pd.DataFrame, columns: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """Yield the candidate groups of every distinct actor mention in `columns`."""
    for column in columns:
        if column not in incidents.columns:
            continue
        for value in incidents[column].dropna().astype("str").unique():
            yield from _parts(value, column in ASSOCIATED_COLUMNS)


def distinct_groups(incidents: pd.DataFrame, include_associated: bool) -> set[str]:
    """Return every group value named for sure in `incidents` (uncertain candidates left out)."""
    columns = MAIN_COLUMNS + (ASSOCIATED_COLUMNS if include_associated else ())
    return {c[0] for c in _mentions(incidents, columns) if len(c) == 1 and c[0].strip()}


def all_candidates(incidents: pd.DataFrame) -> set[str]:
    """Return every group an incident names, for sure or as an uncertain candidate (the group
    filter's choices)."""
    return {name for candidates in _mentions(incidents, MAIN_COLUMNS + ASSOCIATED_COLUMNS)
            for name in candidates if name.strip()}
