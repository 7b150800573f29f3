"""Add from report: paste or upload a news report, check the proposed incidents, add them.

Streamlit only: extraction, review edits, messages and the store are in `sahel`. The page speaks
the session's language (the sidebar's switch, the same on every page: dashboard_language). After
adding, every cached resource is cleared so the main map (dashboard.py) reloads the store.

Only people whose role may add incidents from reports (editors, admins; everyone without
sign-in, see dashboard_access) get the form; viewers are told they may read but not add. Adding
checks the role in the store again right before writing, and refuses if it no longer allows it.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Hashable
from dataclasses import replace
from datetime import date
from typing import Any, NamedTuple

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

import dashboard_cache
from dashboard_access import admit_or_stop, store_for_writing
from dashboard_language import draw_language_switch, page_language
from dashboard_link_review import describe_record, plain, writer
from dashboard_nav import REPORT_PAGE, draw_page_links
from sahel import link_upkeep
from sahel.access import Action, Refused
from sahel.extract import Extraction, extract_report, make_report, read_report
from sahel.extract.messages import sentence_case, shown
from sahel.extract.report import MAX_REPORT_CHARS, NO_PUBLISHED, Report, ReportError
from sahel.extract.review import (
    KEEP,
    PRECISIONS,
    REVIEW_LABELS,
    apply_review,
    keep_known_values,
    place_options,
    review_table,
    stored_source,
)
from sahel.i18n import N_, _, format_date, format_number, ngettext
from sahel.link_review import ProposalMatch, proposal_matches
from sahel.map_sources import reasons_html
from sahel.map_text import CLAIM_KINDS, CLAIM_ROLES
from sahel.maps import build_map
from sahel.schema import EVENT_TYPES
from sahel.store import StoreError, default_store_dir, open_store

SUB_TYPES = sorted({s for subs in EVENT_TYPES.values() for s in subs})
# A report is at most MAX_REPORT_CHARS characters: under 1 MB in any encoding the reader takes.
MAX_UPLOAD_MB = 1
# The report's language: detected from its words, or said by the analyst.
REPORT_LANGUAGES: dict[str, str] = {"detect": N_("Detect"), "fr": N_("French"),
                                    "en": N_("English")}
# Where a date typed in the Published field is said to come from (see sahel.extract.messages).
FROM_FIELD = "the Published field"
DAY = "d MMM yyyy"
# What the analyst makes of a proposal that matches a record already on hand: another source of
# that event (stored, and linked to it by hand: "confirmed"), or a new incident (stored, and
# kept apart from it: "rejected").
AS_SOURCE, AS_NEW = "source", "new"
MATCH_CHOICES: dict[str, str] = {
    AS_SOURCE: N_("Another source for this event (linked)"),
    AS_NEW: N_("A new incident"),
}
DECISION_OF = {AS_SOURCE: "confirmed", AS_NEW: "rejected"}

page_language(REPORT_PAGE)  # before the spinner's words below are read


@st.cache_resource(show_spinner=_("Loading the language model and gazetteer…"))
def warm_up() -> bool:
    """Load spaCy and the gazetteer once per server, by extracting a one-line report."""
    extract_report(make_report("Au Mali, le camp de Boni a été attaqué vendredi.",
                               published="2023-11-25", lang="fr"))
    return True


def report_form() -> Extraction | None:
    """Draw the input form; return a fresh extraction when the button is pressed."""
    upload = st.file_uploader(
        _("Report file (header lines, ---, body) or plain text"), type=["txt"],
        key="report_file", max_upload_size=MAX_UPLOAD_MB,
        help=_("UTF-8, UTF-16 or Windows-1252 text, at most {count} characters.").format(
            count=format_number(MAX_REPORT_CHARS)))
    text = st.text_area(_("…or paste the report"), key="report_text", height=220)
    left, middle, right = st.columns(3)
    published = left.date_input(_("Published"), value=None, key="report_published",
                                help=_("Dates like “vendredi” or “hier” count from this day."))
    # Labels looked up now: a format function may be called outside this run's language.
    languages = {code: _(name) for code, name in REPORT_LANGUAGES.items()}
    lang = middle.selectbox(_("Language"), list(languages), key="report_lang",
                            format_func=languages.__getitem__)
    source = right.text_input(
        _("Source"), key="report_source", placeholder="RFI",
        help=_("Who published the report. Left blank when adding a report again, the source "
               "already stored is kept."))
    url = st.text_input(_("URL"), key="report_url", placeholder="https://…",
                        help=_("Link to the report; popups link to it."))
    if not st.button(_("Extract incidents"), key="extract", type="primary"):
        return None
    if upload is None and not text.strip():
        st.warning(_("Paste a report or upload a file first."))
        return None
    try:
        # Pasted text is only ever text: never taken for a path on the server.
        report = (read_report(upload, name=upload.name) if upload is not None
                  else read_report(io.BytesIO(text.encode("utf-8", "replace")), name="pasted"))
    except ReportError as error:
        st.error(_("This report cannot be read: {reason}.").format(reason=shown(str(error))))
        return None
    for warning in report.warnings:
        st.warning(_("{warning}. Set “Published” if you know the day.").format(
            warning=sentence_case(shown(warning))))
    return _extract(report, published, str(lang), source, url,
                    from_upload=upload is not None)


def _extract(report: Report, published: object, lang: str, source: str, url: str,
             from_upload: bool) -> Extraction | None:
    """Apply the form's fields to a read report and extract it; say so when extraction fails."""
    report = make_report(
        report.text,
        published=published if isinstance(published, date) else (
            report.published.isoformat() if report.published else None),
        lang=None if lang == "detect" and not from_upload else (lang if lang != "detect"
                                                                else report.lang),
        source=source.strip() or report.source, url=url.strip() or report.url,
        title=report.title, name=report.name,
        published_from=FROM_FIELD if isinstance(published, date) else report.published_from)
    try:
        extraction = extract_report(report)
        if not report.source:
            extraction = _with_stored_source(extraction)
    except Exception as error:  # noqa: BLE001 - a report must never show the page a stack
        st.error(_("Could not extract incidents from this report ({error}). Check that it is a "
                   "news report in French or English, or paste a shorter part.").format(
                       error=type(error).__name__))
        return None
    return extraction


def _with_stored_source(extraction: Extraction) -> Extraction:
    """Extract again with the source the store holds for this report, when it holds one.

    A report added again with Source left blank must not erase the stored source: the source
    names the outlet's own claims too, so the report is read again with it, as when it was
    first added.
    """
    known = stored_source(extraction, open_store().load_columns(["event_id", "source"]))
    if known is None:
        return extraction
    st.info(_("Source left blank: this report's incidents are already stored with the source "
              "“{source}”, which is kept.").format(source=known))
    return extract_report(replace(extraction.report, source=known))


def day_text(day: str | None) -> str:
    """Return an ISO day ("2023-11-24") as the language writes it, or "undated"."""
    return format_date(date.fromisoformat(day), DAY) if day else _("undated")


def describe_report(report: Report) -> str:
    """Return the caption under the proposals: source, publication day and where it came from,
    language."""
    day = (format_date(report.published, DAY) if report.published is not None
           else _("unknown"))
    if report.published_from:
        day = _("{day} (from {where})").format(day=day, where=shown(report.published_from))
    language = REPORT_LANGUAGES.get(report.lang)
    return _("{source} · published {day} · language: {language}").format(
        source=report.source or _("unknown source"), day=day,
        language=_(language) if language else report.lang)


def column_config(options: list[str]) -> dict[str, Any]:
    """Return the review grid's columns: every one headed by its label, never its raw name."""
    label = {column: _(text) for column, text in REVIEW_LABELS.items()}
    keep = _(KEEP)
    precisions = {level: _(text) for level, text in PRECISIONS.items()}
    config: dict[str, Any] = {column: st.column_config.Column(label[column])
                              for column in REVIEW_LABELS}
    config.update({
        "add": st.column_config.CheckboxColumn(label["add"],
                                               help=_("Untick to leave this incident out.")),
        "event_date": st.column_config.DateColumn(label["event_date"], format="YYYY-MM-DD"),
        "place_choice": st.column_config.SelectboxColumn(
            label["place_choice"], options=options,
            format_func=lambda option: keep if option == KEEP else str(option),
            help=_("Pick another place of the same name to move the incident there.")),
        "latitude": st.column_config.NumberColumn(label["latitude"], format="%.5f"),
        "longitude": st.column_config.NumberColumn(label["longitude"], format="%.5f"),
        "geo_precision": st.column_config.SelectboxColumn(
            label["geo_precision"], options=list(PRECISIONS),
            format_func=lambda level: precisions.get(int(level), str(level))),
        "event_type": st.column_config.SelectboxColumn(label["event_type"],
                                                       options=list(EVENT_TYPES)),
        "sub_event_type": st.column_config.SelectboxColumn(label["sub_event_type"],
                                                           options=SUB_TYPES),
        "fatalities_low": st.column_config.NumberColumn(label["fatalities_low"], min_value=0,
                                                        format="%d"),
        "fatalities_high": st.column_config.NumberColumn(label["fatalities_high"], min_value=0,
                                                         format="%d"),
        "flags": st.column_config.TextColumn(label["flags"], disabled=True),
    })
    return config


def claim_markdown(claim: dict[str, Any]) -> str:
    """Return one claim as a Markdown list item: who (role, kind): “words” → figures."""
    role, kind, low, high = claim["role"], claim["kind"], claim["low"], claim["high"]
    role = _(CLAIM_ROLES[role]) if role in CLAIM_ROLES else role
    kind = _(CLAIM_KINDS[kind]) if kind in CLAIM_KINDS else kind
    figures = ""
    if low is not None:
        figures = " → " + format_number(low)
        if high not in (None, low):
            figures += "–" + format_number(high)
    return f"- **{claim['by']}** ({role}, {kind}): “{claim['text']}”{figures}"


class Match(NamedTuple):
    """A proposed incident's best link to a record already on hand (stored or shipped)."""

    existing: pd.Series  # the record on hand (canonical columns)
    score: float
    reasons: str  # the link's reasons, plain text in the page's language


def find_matches(proposed: pd.DataFrame) -> dict[str, Match]:
    """Return, by proposed event_id, the record on hand each proposal links to best
    (`sahel.link_review.proposal_matches`: as `link_records` with `among=` the proposals, against
    the stored and shipped incidents within reach of them). A proposal already stored (the same
    report added again) is not matched with itself. Computed once per version of the store and
    proposals (every click on the page reruns it); the reasons are said in the page's language."""
    if not len(proposed):
        return {}
    store_dir = str(default_store_dir())
    try:
        dashboard_cache.incidents_frame(store_dir)
    except StoreError:
        return {}
    shown = pd.DataFrame(proposed).drop(columns="geometry", errors="ignore")
    key = hashlib.sha1(shown.to_csv(index=False).encode("utf-8")).hexdigest()
    found = _matches(store_dir, dashboard_cache.held_version(store_dir), key, proposed)
    return {new: Match(match.existing, match.score, reasons_html(match.reasons, plain=True))
            for new, match in found.items()}


@st.cache_resource(show_spinner=False, max_entries=8)
def _matches(store_dir: str, version: Hashable, key: str, _proposed: pd.DataFrame
             ) -> dict[str, ProposalMatch]:
    # Keyed by the store's version and the proposals' text (`key`); never mutated.
    return proposal_matches(dashboard_cache.incidents_frame(store_dir), _proposed)


def match_choices(incidents: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Show each proposal that matches a record on hand, with the match, and ask what it is;
    return, by proposed event_id, (the matched event_id, the hand decision to record)."""
    found = find_matches(incidents)
    if not found:
        return {}
    st.subheader(ngettext("{count} proposal is already on hand from another source",
                          "{count} proposals are already on hand from another source",
                          len(found)).format(count=format_number(len(found))))
    st.caption(_("Added as another source, the report's incident is stored and linked to the "
                 "record on hand: with “Count each event once” the event counts once, and its "
                 "popup shows both sources side by side. Added as a new incident, it is stored "
                 "and kept apart from it."))
    decisions: dict[str, tuple[str, str]] = {}
    for event_id, match in found.items():
        proposed = incidents.loc[incidents["event_id"].astype("str") == event_id].iloc[0]
        with st.container(border=True):
            st.markdown(_("**Proposed:** {record}").format(record=describe_record(proposed)))
            st.markdown(_("**Matches:** {record}").format(
                record=describe_record(match.existing)))
            st.caption(_("Score {score}: {reasons}").format(
                score=format_number(round(match.score, 2)), reasons=plain(match.reasons)))
            labels = {choice: _(label) for choice, label in MATCH_CHOICES.items()}
            choice = st.radio(_("Add it as"), list(MATCH_CHOICES), key=f"match_{event_id}",
                              horizontal=True, format_func=labels.__getitem__)
        decisions[event_id] = (str(match.existing["event_id"]),
                               DECISION_OF[str(choice or AS_SOURCE)])
    return decisions


def review(extraction: Extraction) -> None:
    """Show the proposals on a small map and in an editable table; add the kept ones."""
    report = extraction.report
    count = len(extraction.records)
    st.subheader(ngettext("{count} proposed incident", "{count} proposed incidents",
                          count).format(count=format_number(count)))
    st.caption(describe_report(report))
    if report.published is None:
        st.warning(_("{warning}. Set “Published” and extract again.").format(
            warning=sentence_case(shown(NO_PUBLISHED))))
    if extraction.background:
        st.info(_("Background (past events, not added): {events}").format(events="; ".join(
            _("{place} ({day})").format(place=b["location"], day=day_text(b["event_date"]))
            for b in extraction.background)))
    if extraction.unresolved:
        st.warning(_("Places not found in the gazetteer (pick a candidate in the table): "
                     "{places}").format(places="; ".join(u.name for u in extraction.unresolved)))
    if not extraction.records:
        return
    edited = st.data_editor(
        review_table(extraction), key="review_table", hide_index=True, num_rows="fixed",
        column_config=column_config([KEEP, *place_options(extraction)]))
    with st.expander(_("Casualty claims, as each party made them (never averaged)")):
        for record in extraction.records:
            lines = [claim_markdown(claim) for claim in record["claims_list"]]
            st.markdown(f"**{record['location']}** ({day_text(record['event_date'])})\n"
                        + ("\n".join(lines) if lines else "- " + _("no claim in the text")))
    incidents = apply_review(extraction, edited)
    st_folium(build_map(incidents, height=360), height=360, use_container_width=True,
              returned_objects=[], key="report_map")
    decisions = match_choices(incidents)
    if st.button(ngettext("Add {count} incident to the store", "Add {count} incidents to the "
                          "store", len(incidents)).format(count=format_number(len(incidents))),
                 key="add_to_store", disabled=not len(incidents)):
        add_to_store(incidents, decisions)


def add_to_store(incidents: Any, decisions: dict[str, tuple[str, str]] | None = None) -> None:
    """Add the reviewed incidents; a blank field of a report added again keeps the stored value.
    `decisions`: by proposed event_id, the record on hand it matched and the analyst's hand
    decision on the pair ("confirmed": another source of that event; "rejected": a new
    incident), recorded before the links are brought up to date.

    Refused, with nothing written, unless the person's role (read again now) allows it.
    """
    try:
        store = store_for_writing(Action.ADD_REPORT)
    except Refused as refusal:
        st.error(str(refusal))
        return
    summary = store.add(keep_known_values(incidents, store.load()))
    # The signed-in name on either store (the embedded store has no writer of its own).
    by = writer()
    for new, (old, decision) in (decisions or {}).items():
        first, second = sorted((new, old))
        store.decide_link(first, second, decision, by)
    link_upkeep.after_write(store, summary)
    # The main page caches the whole frame and its maps: drop them so it reloads.
    st.cache_resource.clear()
    st.session_state.pop("extraction", None)
    st.success(_("Store: {added} added, {updated} updated, {unchanged} unchanged. They now "
                 "show on the main map.").format(added=format_number(summary.added),
                                                 updated=format_number(summary.updated),
                                                 unchanged=format_number(summary.unchanged)))
    linked = sum(1 for _old, decision in (decisions or {}).values() if decision == "confirmed")
    if linked:
        st.info(ngettext("{count} of them is another source of an event already on hand: "
                         "linked to it.",
                         "{count} of them are other sources of events already on hand: linked "
                         "to them.", linked).format(count=format_number(linked)))


def main() -> None:
    """Render the page."""
    st.set_page_config(page_title=_("Add from report"), page_icon="📰", layout="wide")
    person = admit_or_stop()
    draw_page_links()
    draw_language_switch()
    st.title(_("Add incidents from a news report"))
    if not person.may(Action.ADD_REPORT):
        st.info(_("You may read the incidents and download them, but not add incidents from "
                  "reports: ask an administrator for the role editor."))
        return
    st.caption(_("French or English. Proposals only: check each one before adding it."))
    warm_up()
    fresh = report_form()
    if fresh is not None:
        st.session_state["extraction"] = fresh
    elif st.session_state.get("extract"):
        # The button was pressed and gave nothing: the proposals of an earlier report must not
        # stay under the message as if they were this one's.
        st.session_state.pop("extraction", None)
    extraction = st.session_state.get("extraction")
    if extraction is not None:
        review(extraction)


main()
