"""The popup of a linked event: every source side by side, and why they were linked.

A record in an event group (`sahel.links`) stands on the map for every record of its group
("Count each event once" on the page). Its popup then shows the sources in columns — dataset,
date and its precision, place, actors, event type, toll, each report's claims with who made them,
event id — and the reasons of the links between them, in the page's language (the reason codes
of `sahel.link_reasons` stay codes in the data; their English texts are translated here through
the `linking` catalogue). Every value is HTML-escaped as in the rest of the popup
(`sahel.map_text`); the browser only inserts the fragment.
"""

from __future__ import annotations

import html
import json
from typing import Any

import numpy as np
import pandas as pd

from sahel.i18n import N_, _, format_number
from sahel.link_reasons import REASONS, reasons_json
from sahel.map_text import FACETS, shown_html

# The rows of the side-by-side table: label, and the popup facet rendering the cell.
SOURCE_ROWS: tuple[tuple[str, str], ...] = (
    (N_("Date"), "date"), (N_("Place"), "place"), (N_("Actors"), "actors"),
    (N_("Event type"), "type"), (N_("Fatalities"), "toll"), (N_("Claims"), "claims"),
    (N_("Source"), "source"))
# The order in which a group's sources are shown: the record that stands for the event first
# (sahel.link_groups.count_once picks it the same way).
SOURCE_ORDER: tuple[str, ...] = ("geo_precision", "time_precision", "event_id")


def reason_text(reason: dict[str, Any], plain: bool = False) -> str:
    """Return one reason ({"code": …, parameters}) as escaped HTML in the current language (as
    plain text with `plain`); an unknown code is shown as it is."""
    show = str if plain else shown_html
    code = str(reason.get("code", ""))
    params: dict[str, str] = {}
    for key, value in reason.items():
        if key == "code":
            continue
        if isinstance(value, list):
            params[key] = ", ".join(show(v) for v in value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            params[key] = format_number(value)
        else:
            params[key] = show(value)
    template = REASONS.get(code)
    if template is None:
        return show(code)
    words = _(template) if plain else html.escape(_(template), quote=False)
    try:
        return words.format(**params)
    except (KeyError, IndexError, ValueError):
        return words


def reasons_html(reasons: str, plain: bool = False) -> str:
    """Return a link's reasons (the JSON text of `reasons_json`) as one escaped line (plain
    text with `plain`)."""
    try:
        parsed = json.loads(reasons) if reasons else []
    except ValueError:
        return ""
    return "; ".join(reason_text(r, plain) for r in parsed if isinstance(r, dict))


def _cells(members: pd.DataFrame) -> dict[str, list[str]]:
    """Return each facet's rendered cell per member, in the members' order (each distinct value
    rendered once)."""
    cells = {}
    for name in ("dataset", *(facet for _label, facet in SOURCE_ROWS)):
        facet = FACETS[name]
        frame = members[list(facet.columns)].reset_index(drop=True)
        codes = _value_codes(frame)
        _, first = np.unique(codes, return_index=True)
        rendered = facet.render(frame.iloc[first].reset_index(drop=True))
        lookup = dict(zip(codes[first].tolist(), rendered, strict=True))
        cells[name] = [lookup[c] for c in codes.tolist()]
    return cells


def _value_codes(frame: pd.DataFrame) -> np.ndarray:
    """Return one code per distinct row of `frame` (missing values alike)."""
    codes = np.zeros(len(frame), dtype="int64")
    for column in frame.columns:
        own, _ = pd.factorize(frame[column].astype("object"), use_na_sentinel=False)
        codes, _ = pd.factorize(codes * (int(own.max(initial=0)) + 1) + own)
    return codes.astype("int64")


def _block(cells: dict[str, list[str]], ids: list[str], rows: range, links: list[str]) -> str:
    """Return one group's block from its members' rendered cells (`rows` of `cells`) and its
    links' lines."""
    head = "".join(f"<th>{cells['dataset'][i]}<br><small>{ids[i]}</small></th>" for i in rows)
    lines = [f"<tr><th></th>{head}</tr>"]
    for label, name in SOURCE_ROWS:
        values = [cells[name][i] for i in rows]
        if not any(values):
            continue
        lines.append(f"<tr><th>{html.escape(_(label))}</th>"
                     + "".join(f"<td>{v or '–'}</td>" for v in values) + "</tr>")
    title = _("{count} sources of this event, side by side").format(
        count=format_number(len(rows)))
    parts = [f"<div class='sahel-sources'><b>{html.escape(title)}</b>",
             f"<div class='sahel-sources-scroll'><table>{''.join(lines)}</table></div>"]
    if links:
        why = html.escape(_("Why they are linked"))
        parts.append(f"<b>{why}</b><ul class='sahel-reasons'>{''.join(links)}</ul>")
    parts.append("</div>")
    return "".join(parts)


def _link_lines(links: pd.DataFrame) -> list[str]:
    """Return each link as one escaped list item: its records, score and reasons."""
    lines = []
    for a, b, score, reasons in zip(links["event_id_a"].astype("object"),
                                    links["event_id_b"].astype("object"), links["score"],
                                    reasons_json(links), strict=True):
        scored = ("" if pd.isna(score) else " · " + html.escape(
            _("score {score}").format(score=format_number(round(float(score), 2)))))
        lines.append(f"<li>{shown_html(a)} ↔ {shown_html(b)}{scored}: "
                     f"{reasons_html(reasons)}</li>")
    return lines


def group_html(members: pd.DataFrame, links: pd.DataFrame) -> str:
    """Return one event group's block: its records (`members`, canonical columns) side by side,
    and its links (`links`: LINK_COLUMNS rows between them) with their reasons."""
    members = members.sort_values(list(SOURCE_ORDER), na_position="last", kind="mergesort")
    ids = [shown_html(e) for e in members["event_id"].astype("object")]
    return _block(_cells(members), ids, range(len(members)),
                  _link_lines(links) if len(links) else [])


def sources_blocks(members: pd.DataFrame, links: pd.DataFrame) -> dict[str, str]:
    """Return each event group's block by its name: `members` are the records of the groups
    (canonical columns and `event_group`), `links` the links kept in the groups."""
    if not len(members):
        return {}
    members = members.sort_values(["event_group", *SOURCE_ORDER], na_position="last",
                                  kind="mergesort").reset_index(drop=True)
    by_id = dict(zip(members["event_id"].astype("object"), members["event_group"],
                     strict=True))
    group_a = links["event_id_a"].astype("object").map(by_id)
    group_b = links["event_id_b"].astype("object").map(by_id)
    inside = (group_a == group_b).to_numpy(dtype=bool) & group_a.notna().to_numpy()
    lines: dict[str, list[str]] = {}
    if inside.any():
        for name, line in zip(group_a.loc[inside], _link_lines(links.loc[inside]), strict=True):
            lines.setdefault(str(name), []).append(line)
    cells = _cells(members)
    ids = [shown_html(e) for e in members["event_id"].astype("object")]
    names = members["event_group"].astype("str").to_numpy()
    starts = np.flatnonzero(np.r_[True, names[1:] != names[:-1]])
    ends = np.r_[starts[1:], len(names)]
    return {str(names[a]): _block(cells, ids, range(a, b), lines.get(str(names[a]), []))
            for a, b in zip(starts.tolist(), ends.tolist(), strict=True)}


def too_many_html(count: int) -> str:
    """Return the popup note of a linked event in a view of too many groups to send them all."""
    note = _("This event has {count} sources; narrow the filters to fewer linked events to see "
             "them side by side.").format(count=format_number(count))
    return f"<div class='sahel-sources'><i>{html.escape(note)}</i></div>"
