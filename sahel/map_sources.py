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
    """Return each facet's rendered cell per member, in the members' order."""
    cells = {}
    for name in ("dataset", *(facet for _label, facet in SOURCE_ROWS)):
        facet = FACETS[name]
        cells[name] = facet.render(members[list(facet.columns)].reset_index(drop=True))
    return cells


def group_html(members: pd.DataFrame, links: pd.DataFrame) -> str:
    """Return one event group's block: its records (`members`, canonical columns) side by side,
    and its links (`links`: LINK_COLUMNS rows between them) with their reasons."""
    members = members.sort_values(list(SOURCE_ORDER), na_position="last", kind="mergesort")
    cells = _cells(members)
    ids = [shown_html(e) for e in members["event_id"].astype("object")]
    head = "".join(f"<th>{d}<br><small>{i}</small></th>"
                   for d, i in zip(cells["dataset"], ids, strict=True))
    rows = [f"<tr><th></th>{head}</tr>"]
    for label, name in SOURCE_ROWS:
        values = cells[name]
        if not any(values):
            continue
        rows.append(f"<tr><th>{html.escape(_(label))}</th>"
                    + "".join(f"<td>{v or '–'}</td>" for v in values) + "</tr>")
    title = _("{count} sources of this event, side by side").format(
        count=format_number(len(members)))
    parts = [f"<div class='sahel-sources'><b>{html.escape(title)}</b>",
             f"<div class='sahel-sources-scroll'><table>{''.join(rows)}</table></div>"]
    if len(links):
        lines = []
        texts = reasons_json(links)
        for a, b, score, reasons in zip(links["event_id_a"].astype("object"),
                                        links["event_id_b"].astype("object"),
                                        links["score"], texts, strict=True):
            scored = ("" if pd.isna(score) else " · " + html.escape(
                _("score {score}").format(score=format_number(round(float(score), 2)))))
            lines.append(f"<li>{shown_html(a)} ↔ {shown_html(b)}{scored}: "
                         f"{reasons_html(reasons)}</li>")
        why = html.escape(_("Why they are linked"))
        parts.append(f"<b>{why}</b><ul class='sahel-reasons'>{''.join(lines)}</ul>")
    parts.append("</div>")
    return "".join(parts)


def sources_blocks(members: pd.DataFrame, links: pd.DataFrame) -> dict[str, str]:
    """Return each event group's block by its name: `members` are the records of the groups
    (canonical columns and `event_group`), `links` the links kept in the groups."""
    blocks: dict[str, str] = {}
    if not len(members):
        return blocks
    by_id = dict(zip(members["event_id"].astype("object"), members["event_group"],
                     strict=True))
    group_a = links["event_id_a"].astype("object").map(by_id)
    group_b = links["event_id_b"].astype("object").map(by_id)
    inside = links.loc[(group_a == group_b).to_numpy(dtype=bool) & group_a.notna().to_numpy()]
    inside_groups = group_a.loc[inside.index]
    for name, records in members.groupby("event_group", sort=True):
        blocks[str(name)] = group_html(records, inside.loc[(inside_groups == name).to_numpy()])
    return blocks
