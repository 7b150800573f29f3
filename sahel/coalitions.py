"""Canonical groups (``data/actors/groups.csv``) and their coalitions in time.

Membership is dated data: a group row names its ``coalition`` (the parent group) and the window
``member_from``..``member_to`` (inclusive, either end open) during which its events count for the
parent. Before JNIM's founding on 2 March 2017, Ansar Dine, Al-Mourabitoune, Katiba Macina and
Katiba Serma are groups of their own; from that day a JNIM filter that includes components counts
them too. Everything here works on canonical names; `sahel.actors` resolves aliases first.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sahel import DATA_DIR
from sahel.i18n import _, format_date

GROUPS_PATH = DATA_DIR / "actors" / "groups.csv"
GROUP_KINDS: tuple[str, ...] = ("jihadist", "rebel", "state", "foreign", "militia", "un",
                                "unidentified", "civilians", "other")
# Kinds that count as armed or state actors (the "Armed groups" figure); the rest do not.
ARMED_KINDS: frozenset[str] = frozenset({"jihadist", "rebel", "state", "foreign", "militia", "un"})

Window = tuple[date | None, date | None]  # first and last event day, inclusive; None = open
ALWAYS: Window = (None, None)


@dataclass(frozen=True)
class Group:
    """One canonical armed group (or non-armed actor) and how it is shown."""

    name: str
    kind: str
    coalition: str  # the parent canonical group, or "" when it belongs to none
    color: str  # "#RRGGBB"
    label: str
    iso3: str = ""  # for a country's state forces: its ISO3 code
    doc: str = ""
    member_from: date | None = None  # first day its events count for `coalition`
    member_to: date | None = None  # last such day


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text.strip() else None


@lru_cache(maxsize=1)
def load_groups() -> dict[str, Group]:
    """Return every canonical group by name, in the order of ``groups.csv`` (JNIM first)."""
    with GROUPS_PATH.open(encoding="utf-8", newline="") as handle:
        rows = [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]
    return {r["name"]: Group(name=r["name"], kind=r["kind"], coalition=r["coalition"],
                             color=r["color"], label=r["label"], iso3=r["iso3"], doc=r["doc"],
                             member_from=_day(r["member_from"]), member_to=_day(r["member_to"]))
            for r in rows}


def _intersect(outer: Window, inner: Window) -> Window | None:
    starts = [d for d in (outer[0], inner[0]) if d is not None]
    ends = [d for d in (outer[1], inner[1]) if d is not None]
    start, end = (max(starts) if starts else None), (min(ends) if ends else None)
    return None if start is not None and end is not None and start > end else (start, end)


def _hull(a: Window, b: Window) -> Window:
    start = None if a[0] is None or b[0] is None else min(a[0], b[0])
    end = None if a[1] is None or b[1] is None else max(a[1], b[1])
    return (start, end)


def component_windows(groups: Iterable[str], include_components: bool = True
                      ) -> dict[str, Window]:
    """Return each canonical group that counts for `groups`, with the event days it counts on.

    The requested names always count (``(None, None)``); a component counts during its
    membership window, a component of a component during both windows. Names are taken as
    canonical: an unknown one maps to itself.
    """
    windows: dict[str, Window] = {g: ALWAYS for g in groups}
    if not include_components:
        return windows
    members: dict[str, list[Group]] = {}
    for group in load_groups().values():
        if group.coalition:
            members.setdefault(group.coalition, []).append(group)
    todo = list(windows)
    while todo:
        parent = todo.pop()
        for member in members.get(parent, []):
            window = _intersect(windows[parent], (member.member_from, member.member_to))
            if window is None:
                continue
            merged = _hull(windows[member.name], window) if member.name in windows else window
            if windows.get(member.name) != merged:
                windows[member.name] = merged
                todo.append(member.name)
    return windows


def _day_text(day: date) -> str:
    return format_date(day, "d MMMM yyyy")


def _names(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return _("{names} and {last}").format(names=", ".join(items[:-1]), last=items[-1])


def describe_components(group: str) -> str:
    """Return one sentence saying what "include coalition components" adds for canonical `group`."""
    windows = component_windows([group])
    added = [(name, window) for name, window in windows.items() if name != group]
    if not added:
        return _("{group} has no coalition components: including them adds nothing.").format(
            group=group)
    by_window: dict[Window, list[str]] = {}
    for name, window in added:
        by_window.setdefault(window, []).append(name)
    parts = []
    for (start, end), names in by_window.items():
        part = _names(names)
        if start and end:
            part = _("{names} from {start} until {end}").format(
                names=part, start=_day_text(start), end=_day_text(end))
        elif start:
            part = _("{names} from {start}").format(names=part, start=_day_text(start))
        elif end:
            part = _("{names} until {end}").format(names=part, end=_day_text(end))
        parts.append(part)
    return _("{group} also counts {components}.").format(group=group,
                                                        components="; ".join(parts))


def describe_all_coalitions() -> str:
    """Return the help text for "include coalition components": one sentence per coalition."""
    parents = dict.fromkeys(g.coalition for g in load_groups().values() if g.coalition)
    sentences = [describe_components(p) for p in parents]
    return " ".join(sentences) if sentences else _("No group has coalition components.")
