"""Add from report: paste or upload a news report, check the proposed incidents, add them.

Streamlit only: extraction, review edits and the store are in `sahel`. After adding, every cached
resource is cleared so the main map (dashboard.py) reloads the store.
"""

from __future__ import annotations

from datetime import date

import streamlit as st
from streamlit_folium import st_folium

from sahel.extract import Extraction, extract_report, make_report, read_report
from sahel.extract.report import MAX_REPORT_CHARS, NO_PUBLISHED, Report, ReportError
from sahel.extract.review import KEEP, apply_review, place_options, review_table
from sahel.maps import build_map
from sahel.schema import EVENT_TYPES
from sahel.store import IncidentStore, default_store_dir

SUB_TYPES = sorted({s for subs in EVENT_TYPES.values() for s in subs})
# A report is at most MAX_REPORT_CHARS characters: under 1 MB in any encoding the reader takes.
MAX_UPLOAD_MB = 1


@st.cache_resource(show_spinner="Loading the language model and gazetteer…")
def warm_up() -> bool:
    """Load spaCy and the gazetteer once per server, by extracting a one-line report."""
    extract_report(make_report("Au Mali, le camp de Boni a été attaqué vendredi.",
                               published="2023-11-25", lang="fr"))
    return True


def report_form() -> Extraction | None:
    """Draw the input form; return a fresh extraction when the button is pressed."""
    upload = st.file_uploader("Report file (header lines, ---, body) or plain text",
                              type=["txt"], key="report_file", max_upload_size=MAX_UPLOAD_MB,
                              help=f"UTF-8, UTF-16 or Windows-1252 text, at most "
                                   f"{MAX_REPORT_CHARS:,} characters.")
    text = st.text_area("…or paste the report", key="report_text", height=220)
    left, middle, right = st.columns(3)
    published = left.date_input("Published", value=None, key="report_published",
                                help="Dates like 'vendredi' or 'hier' count from this day.")
    lang = middle.selectbox("Language", ["detect", "fr", "en"], key="report_lang")
    source = right.text_input("Source", key="report_source", placeholder="RFI")
    url = st.text_input("URL", key="report_url", placeholder="https://…")
    if not st.button("Extract incidents", key="extract", type="primary"):
        return None
    if upload is None and not text.strip():
        st.warning("Paste a report or upload a file first.")
        return None
    try:
        report = (read_report(upload, name=upload.name) if upload is not None
                  else read_report(text, name="pasted"))
    except ReportError as error:
        st.error(f"This report cannot be read: {error}.")
        return None
    for warning in report.warnings:
        st.warning(warning[0].upper() + warning[1:] + ". Set “Published” if you know the day.")
    return _extract(report, published, lang, source, url, from_upload=upload is not None)


def _extract(report: Report, published: object, lang: str, source: str, url: str,
             from_upload: bool) -> Extraction | None:
    """Apply the form's fields to a read report and extract it; say so when extraction fails."""
    report = make_report(
        report.text,
        published=published if isinstance(published, date) else (
            report.published.isoformat() if report.published else None),
        lang=None if lang == "detect" and not from_upload else (lang if lang != "detect"
                                                                else report.lang),
        source=source or report.source, url=url or report.url, title=report.title,
        name=report.name,
        published_from="the Published field" if isinstance(published, date)
        else report.published_from)
    try:
        return extract_report(report)
    except Exception as error:  # noqa: BLE001 - a report must never show the page a stack
        st.error(f"Could not extract incidents from this report ({type(error).__name__}). "
                 "Check that it is a news report in French or English, or paste a shorter part.")
        return None


def review(extraction: Extraction) -> None:
    """Show the proposals on a small map and in an editable table; add the kept ones."""
    report = extraction.report
    st.subheader(f"{len(extraction.records)} proposed incident(s)")
    from_where = f" (from {report.published_from})" if report.published_from else ""
    st.caption(f"{report.source or 'unknown source'} · published "
               f"{report.published or 'unknown'}{from_where} · language {report.lang}")
    if report.published is None:
        st.warning(NO_PUBLISHED[0].upper() + NO_PUBLISHED[1:] + ". Set “Published” and extract "
                   "again.")
    if extraction.background:
        st.info("Background (past events, not added): " + "; ".join(
            f"{b['location']} ({b['event_date'] or 'undated'})" for b in extraction.background))
    if extraction.unresolved:
        names = "; ".join(u.name for u in extraction.unresolved)
        st.warning(f"Places not found in the gazetteer (pick a candidate in the table): {names}")
    if not extraction.records:
        return
    options = [KEEP, *place_options(extraction)]
    edited = st.data_editor(
        review_table(extraction), key="review_table", hide_index=True, num_rows="fixed",
        column_config={
            "add": st.column_config.CheckboxColumn("Add"),
            "event_date": st.column_config.DateColumn("Date"),
            "place_choice": st.column_config.SelectboxColumn("Gazetteer candidate",
                                                             options=options),
            "latitude": st.column_config.NumberColumn("Latitude", format="%.5f"),
            "longitude": st.column_config.NumberColumn("Longitude", format="%.5f"),
            "geo_precision": st.column_config.SelectboxColumn("Precision", options=[1, 2, 3]),
            "event_type": st.column_config.SelectboxColumn("Event type",
                                                           options=list(EVENT_TYPES)),
            "sub_event_type": st.column_config.SelectboxColumn("Sub-event type",
                                                               options=SUB_TYPES),
            "flags": st.column_config.TextColumn("Flags", disabled=True),
        })
    with st.expander("Casualty claims, as each party made them (never averaged)"):
        for record in extraction.records:
            lines = [f"- **{c['by']}** ({c['role']}, {c['kind']}): “{c['text']}”"
                     + (f" → {c['low']}" if c["low"] is not None else "")
                     + (f"–{c['high']}" if c["high"] not in (None, c["low"]) else "")
                     for c in record["claims_list"]]
            st.markdown(f"**{record['location']}** ({record['event_date'] or 'undated'})\n"
                        + ("\n".join(lines) if lines else "- no claim in the text"))
    incidents = apply_review(extraction, edited)
    st_folium(build_map(incidents, height=360), height=360, use_container_width=True,
              returned_objects=[], key="report_map")
    if st.button(f"Add {len(incidents)} incident(s) to the store", key="add_to_store",
                 disabled=not len(incidents)):
        summary = IncidentStore(default_store_dir()).add(incidents)
        # The main page caches the whole frame and its maps: drop them so it reloads.
        st.cache_resource.clear()
        st.session_state.pop("extraction", None)
        st.success(f"Store: {summary.added} added, {summary.updated} updated, "
                   f"{summary.unchanged} unchanged. They now show on the main map.")


def main() -> None:
    """Render the page."""
    st.set_page_config(page_title="Add from report", page_icon="📰", layout="wide")
    st.title("Add incidents from a news report")
    st.caption("French or English. Proposals only: check each one before adding it.")
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
