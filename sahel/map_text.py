"""What the map says: popup text rendered per distinct value, and the words its browser code shows.

Popup text travels as "facets" (`sahel/map_payload.py`): each facet is a few canonical columns
rendered here as one HTML fragment per distinct value. Data values (places, actors, sources,
quoted claims) are escaped and never translated; the words around them (dates, "no actor given
by the source", claim roles, dataset kinds) are in the current language (`sahel.i18n`), as is
every label the browser's code shows (`browser_labels`): `static/sahel/incidents.js` holds no
word a user reads.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pandas as pd
from babel.numbers import get_decimal_symbol, get_group_symbol

from sahel.i18n import N_, _, babel_locale, format_number
from sahel.schema import Claim, claims_from_json

# Notes are cut to this length in popups.
POPUP_NOTES_CHARS = 280
# Text that can reorder what follows it on its line (a count "(50)" shown as "(05)"): right-to-
# left letters (Hebrew, Arabic, Syriac, Thaana, N'Ko, …) and the bidi controls (marks,
# embeddings, overrides, isolates). A shown value holding any is isolated in <bdi>.
BIDI_SENSITIVE = re.compile("[\u0590-\u08ff\u200e\u200f\u202a-\u202e\u2066-\u2069"
                            "\ufb1d-\ufdff\ufe70-\ufeff\U00010800-\U00010fff"
                            "\U0001e800-\U0001efff]")
# The explicit controls only: stripped from text that cannot hold markup (a title attribute).
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# A link a popup may hold: http(s), nothing that could end or bend the attribute.
SAFE_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f\"'<>`\\]+", re.IGNORECASE)
# The link facet's value for a UCDP GED event: the browser makes UCDP_EVENT_URL of its id.
UCDP_GED_LINK = "ucdp_ged"
UCDP_EVENT_URL = "https://ucdp.uu.se/event/{id}"
# How a popup names each kind of source (schema.DATASETS); proper names stay as they are.
DATASET_KINDS: dict[str, str] = {
    "acled": "ACLED",
    "ucdp_ged": N_("UCDP Georeferenced Event Dataset (GED)"),
    "ucdp_candidate": N_("UCDP Candidate Events Dataset"),
    "report": N_("extracted from a news report"),
    "seed": N_("hand-coded from a news report"),
    "canonical": N_("this project's file format"),
}
CLAIM_ROLES: dict[str, str] = {
    "armed_group": N_("armed group"), "army": N_("army"), "government": N_("government"),
    "local_sources": N_("local sources"), "media": N_("media"), "ngo": N_("NGO"),
    "un": N_("UN"), "outlet": N_("news outlet"), "other": N_("other source"),
}
CLAIM_KINDS: dict[str, str] = {
    "killed": N_("killed"), "wounded": N_("wounded"), "prisoners": N_("prisoners"),
    "missing": N_("missing"), "looting": N_("looting"), "other": N_("other"),
}


def shown_html(value: object) -> str:
    """Return a data value as HTML text: escaped, and in <bdi> if it holds right-to-left text
    or bidi controls (so it cannot reorder the text around it)."""
    text = html.escape(str(value))
    return f"<bdi>{text}</bdi>" if BIDI_SENSITIVE.search(text) else text


def title_text(value: object) -> str:
    """Return a data value for a title attribute: escaped, bidi controls dropped (no markup)."""
    return html.escape(BIDI_CONTROLS.sub("", str(value)))


def claim_line(claim: Claim) -> str:
    """Return one claim as escaped HTML: "who (role): kind n–m «words»", the words around the
    claimant's in the current language."""
    if claim.low is None and claim.high is None:
        figure = _("no figure")
    elif claim.low == claim.high or claim.high is None or claim.low is None:
        value = claim.low if claim.low is not None else claim.high
        figure = format_number(value or 0) + ("+" if claim.high is None else "")
    else:
        figure = f"{format_number(claim.low)}–{format_number(claim.high)}"
    role = _(CLAIM_ROLES[claim.role]) if claim.role in CLAIM_ROLES else shown_html(claim.role)
    kind = _(CLAIM_KINDS[claim.kind]) if claim.kind in CLAIM_KINDS else shown_html(claim.kind)
    words = f" «{shown_html(claim.text)}»" if claim.text else ""
    return _("{who} ({role}): {kind} {figure}{words}").format(
        who=shown_html(claim.by), role=role, kind=kind, figure=figure, words=words)


def claim_lines(claims_json: object) -> list[str]:
    """Return one escaped line per claim of a claims cell (none for an invalid cell)."""
    return [claim_line(claim) for claim in claims_from_json(claims_json)]


def _text(values: pd.Series) -> pd.Series:
    return values.astype("object").fillna("").map(shown_html)


def short_date_parts(dates: pd.Series) -> pd.Series:
    """Return dates as "24 Nov 2023" / "24 nov. 2023" (Babel's "d MMM yyyy"), "" when missing."""
    names = babel_locale().months["format"]["abbreviated"]
    months = {m: names[m] for m in range(1, 13)}
    known = dates.notna()
    out = pd.Series("", index=dates.index, dtype="object")
    if known.any():
        day = dates[known]
        out[known] = (day.dt.day.astype("str") + " " + day.dt.month.map(months)
                      + " " + day.dt.year.astype("str").str.zfill(4))
    return out


def _render_dates(u: pd.DataFrame) -> list[str]:
    notes = {2: " (" + _("within a week") + ")", 3: " (" + _("month only") + ")"}
    shown = short_date_parts(u["event_date"])
    note = u["time_precision"].map(notes).fillna("")
    return (shown.where(shown != "", _("date unknown")) + note).tolist()


def date_keys(u: pd.DataFrame) -> np.ndarray:
    """Return each row's day number (days since 1970-01-01; unknown dates first), for sorting."""
    days = u["event_date"].to_numpy(dtype="datetime64[D]").astype("int64")
    return np.where(u["event_date"].isna().to_numpy(), -(2**31), days)


def _render_places(u: pd.DataFrame) -> list[str]:
    parts = u[["location", "admin1", "country"]].apply(_text)
    return [", ".join(p for p in row if p) for row in parts.itertuples(index=False)]


def _side(actor: str, group: str, associated: str) -> str:
    # The canonical group in brackets only when it says more than the actor's own name.
    text = actor or group
    if actor and group and group != actor:
        text += f" [{group}]"
    if text and associated:
        text = _("{side} with {associated}").format(side=text, associated=associated)
    return text


def _render_actors(u: pd.DataFrame) -> list[str]:
    t = u.apply(_text)
    none = "<i>" + _("no actor given by the source") + "</i>"
    out = []
    for a1, g1, s1, a2, g2, s2 in t.itertuples(index=False):
        first, second = _side(a1, g1, s1), _side(a2, g2, s2)
        if second:
            out.append(_("{first} vs {second}").format(first=first or none, second=second))
        else:
            out.append(first or none)
    return out


def _render_types(u: pd.DataFrame) -> list[str]:
    t = u.apply(_text)
    return ("<b>" + t["event_type"] + "</b>" + (" — " + t["sub_event_type"]).where(
        t["sub_event_type"] != "", "")).tolist()


def _render_tolls(u: pd.DataFrame) -> list[str]:
    out = []
    for best, low, high in u.itertuples(index=False):
        text = _("not given") if pd.isna(best) else format_number(int(best))
        if not (pd.isna(low) and pd.isna(high)):
            lo = "?" if pd.isna(low) else format_number(int(low))
            hi = "?" if pd.isna(high) else format_number(int(high))
            text = _("{best} (range {low}–{high})").format(best=text, low=lo, high=hi)
        out.append(text)
    return out


def _render_claims(u: pd.DataFrame) -> list[str]:
    lines = u["claims"].map(claim_lines)
    return ["<ul class='sahel-claims'><li>" + "</li><li>".join(c) + "</li></ul>" if c else ""
            for c in lines]


def _render_sources(u: pd.DataFrame) -> list[str]:
    return _text(u["source"]).tolist()


def _render_links(u: pd.DataFrame) -> list[str]:
    # A UCDP GED event has its page at UCDP (made from its id in the browser); otherwise the
    # report's address, when it is a plain http(s) one. Escaped: it goes into an href.
    urls = u["source_url"].astype("object").fillna("").astype("str").str.strip()
    safe = urls.map(lambda url: bool(SAFE_URL.fullmatch(url)))
    links = urls.map(html.escape).where(safe, "")
    return links.where(u["dataset"].astype("object") != "ucdp_ged", UCDP_GED_LINK).tolist()


def _render_datasets(u: pd.DataFrame) -> list[str]:
    kinds = u["dataset"].astype("object").fillna("").map(
        lambda k: _(DATASET_KINDS[k]) if k in DATASET_KINDS else shown_html(k))
    names = _text(u["dataset_name"])
    return (kinds + (" · " + names).where((names != "") & (kinds != ""), names)).tolist()


def _render_notes(u: pd.DataFrame) -> list[str]:
    return _text(u["notes"].astype("object").fillna("").str.slice(0, POPUP_NOTES_CHARS)).tolist()


class Facet(NamedTuple):
    """A popup facet: the canonical columns it shows, how their distinct values are rendered,
    and whether that depends on the language."""

    columns: tuple[str, ...]
    render: Callable[[pd.DataFrame], list[str]]
    translated: bool


FACETS: dict[str, Facet] = {
    "date": Facet(("event_date", "time_precision"), _render_dates, True),
    "place": Facet(("location", "admin1", "country"), _render_places, False),
    "actors": Facet(("actor1", "group1", "assoc_actor_1", "actor2", "group2", "assoc_actor_2"),
                    _render_actors, True),
    "type": Facet(("event_type", "sub_event_type"), _render_types, False),
    "toll": Facet(("fatalities", "fatalities_low", "fatalities_high"), _render_tolls, True),
    "claims": Facet(("claims",), _render_claims, True),
    "source": Facet(("source",), _render_sources, False),
    "link": Facet(("source_url", "dataset"), _render_links, False),
    "dataset": Facet(("dataset", "dataset_name"), _render_datasets, True),
    "notes": Facet(("notes",), _render_notes, False),
}


def browser_labels() -> dict[str, str]:
    """Return every word `static/sahel/incidents.js` shows, in the current language.

    Placeholders in braces are filled by the browser ({count}, {toll}, {name}, {error}).
    """
    return {
        "fatalitiesShort": _("fatalities: {toll}"),
        "approximateShort": _("approximate location (region only)"),
        "approximate": _("Approximate location: only the region is known; the point is not "
                         "the place."),
        "actors": _("Actors: {value}"),
        "fatalities": _("Fatalities (best): {value}"),
        "claims": _("Claims: {value}"),
        "source": _("Source: {value}"),
        "dataset": _("Dataset: {value}"),
        "atUcdp": _("This event at UCDP"),
        "report": _("the report"),
        "armedGroup": _("Armed group"),
        "approximateLegend": _("approximate location"),
        "size": _("size: fatalities (best)"),
        "legend": _("Legend"),
        "region": _("Region: {value}"),
        "country": _("Country: {value}"),
        "value": _("{label}: {value}"),
        "points": _("Incidents"),
        "heat": _("Heat map"),
        "borders": _("Country borders"),
        "towns": _("Town names"),
        "layers": _("Map layers"),
        "zoomInButton": _("Zoom in"),
        "zoomOutButton": _("Zoom out"),
        "closePopup": _("Close"),
        "history": _("History of this incident"),
        "links": _("Sources and links"),
        "here": _("{count} incidents here"),
        "inCluster": _("{count} incidents"),
        "back": _("Back to the list"),
        "zoomIn": _("Zoom in to separate them"),
        "more": _("and {count} more: zoom in or narrow the filters to list them"),
        "attribution": _("Boundaries: Natural Earth (public domain)"),
        "unpackFailed": _("The incidents could not be unpacked in this browser ({error}). A "
                          "current Chrome, Edge, Firefox or Safari shows them."),
    }


def number_symbols() -> dict[str, str]:
    """Return the current language's digit-group and decimal signs, for numbers the browser
    writes (cluster counts, region values)."""
    locale = babel_locale()
    return {"group": get_group_symbol(locale), "decimal": get_decimal_symbol(locale)}
