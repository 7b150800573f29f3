"""The sidebar's "Add data" panel: import an uploaded file into the store once, say what it did.
Streamlit only, beside dashboard.py.

Only people whose role may import files (editors, admins; everyone without sign-in) get the
uploader, and the import checks the role in the store again right before writing: a file that
reaches the server from anyone else (a page older than a change of role, a forged request) is
refused and nothing is written.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple

import streamlit as st

import dashboard_cache
from dashboard_access import may, store_for_writing
from sahel import link_upkeep, sources
from sahel.access import Action, Refused
from sahel.datasets import DatasetError
from sahel.i18n import _, format_number, ngettext
from sahel.reasons import translate_reason
from sahel.sources import ImportResult, SourceError
from sahel.store import AddSummary
from sahel.validation import event_type_note

UPLOAD_TYPES = ["csv", "xlsx", "geojson", "json", "parquet"]


class UploadOutcome(NamedTuple):
    """What importing one uploaded file did, as the sidebar reports it. Kept for the session:
    its message is written when shown, in the page's language of that run."""

    name: str
    failed: bool
    rejects: bytes
    message: Callable[[], str]


def import_upload(store_dir: str) -> UploadOutcome | None:
    """Add the file in the uploader (drawn later, by `upload_panel`) to the store, once."""
    upload = st.session_state.get("upload")
    if upload is None:
        return None
    done: dict[str, UploadOutcome] = st.session_state.setdefault("imported_uploads", {})
    if upload.file_id not in done:
        try:
            store_for_writing(Action.UPLOAD, store_dir)  # refuses before reading the file
        except Refused as refusal:
            return UploadOutcome(upload.name, True, b"", partial(str, refusal))
        done[upload.file_id] = _import(store_dir, upload)
    return done[upload.file_id]


def _import(store_dir: str, upload: Any) -> UploadOutcome:
    try:
        return _import_checked(store_dir, upload)
    except Exception as error:  # a bug of ours: one sentence here, the traceback in the log
        traceback.print_exc(file=sys.stderr)
        kind = type(error).__name__
        return _refused(upload.name, lambda: _(
            "an unexpected {error} (the server's log has the details; please report it)"
        ).format(error=kind))


def _refused(name: str, why: Callable[[], str], rejects: bytes = b"") -> UploadOutcome:
    """Return the outcome of a file not imported, `why` giving the reason when shown."""
    return UploadOutcome(name, True, rejects, lambda: _("{name} was not imported: {why}").format(
        name=name, why=why()))


def _import_checked(store_dir: str, upload: Any) -> UploadOutcome:
    try:
        result = sources.read_incidents(upload, name=upload.name)
    except SourceError as error:
        return _refused(upload.name, partial(str, error))
    try:
        # The role again, at the moment of writing (reading a large file takes a while).
        store = store_for_writing(Action.UPLOAD, store_dir)
    except Refused as refusal:
        return UploadOutcome(upload.name, True, b"", partial(str, refusal))
    try:
        summary = store.add_import(result)
        link_upkeep.after_write(store, summary)
        rejects = (store.write_rejects(result.rejected, result.source_name).read_bytes()
                   if len(result.rejected) else b"")
    except (OSError, DatasetError) as error:
        return _refused(upload.name, partial(str, error))
    if result.failed:
        return _refused(upload.name, partial(_none_kept, result), rejects)
    dashboard_cache.clear()
    return UploadOutcome(upload.name, False, rejects, partial(_imported, result, summary))


def _none_kept(result: ImportResult) -> str:
    """Say that no row of the file could be kept, and the commonest reasons."""
    none = ngettext("none of its {count} row could be kept",
                    "none of its {count} rows could be kept",
                    result.rows_read).format(count=format_number(result.rows_read))
    reasons = "; ".join(f"{translate_reason(reason)} ({format_number(count)})"
                        for reason, count in result.top_reasons(3))
    if not reasons:
        return none + "."
    return none + ". " + _("Commonest reasons: {reasons}.").format(reasons=reasons)


def _imported(result: ImportResult, summary: AddSummary) -> str:
    """Say what importing the file did: rows read, kept, flagged, rejected; the store's change."""
    def counted(text: str, count: int) -> str:
        return text.format(count=format_number(count))

    read, kept, flagged = result.rows_read, result.kept, result.flagged
    rejected = len(result.rejected)
    changes = (counted(ngettext("{count} added", "{count} added", summary.added), summary.added)
               + ", " + counted(ngettext("{count} updated", "{count} updated", summary.updated),
                                summary.updated))
    if summary.older:
        changes += ", " + counted(ngettext("{count} older than stored",
                                           "{count} older than stored", summary.older),
                                  summary.older)
    return " · ".join([
        f"{result.source_name} ({result.format}): "
        + counted(ngettext("{count} row read", "{count} rows read", read), read),
        counted(ngettext("{count} kept", "{count} kept", kept), kept) + " ("
        + counted(ngettext("{count} flagged", "{count} flagged", flagged), flagged) + ")",
        counted(ngettext("{count} rejected", "{count} rejected", rejected), rejected),
        _("store: {changes}").format(changes=changes),
        _('dataset "{name}"').format(name=summary.dataset)]) + (
        " · " + event_type_note(result.unknown_event_types) if result.unknown_event_types else "")


def upload_panel(outcome: UploadOutcome | None) -> None:
    """Draw the uploader with what importing its file did; for people whose role may not import
    files, no uploader (only a refusal, should a file have reached the server from them)."""
    side = st.sidebar
    if not may(Action.UPLOAD):
        if outcome is not None and outcome.failed:
            side.error(outcome.message())
        return
    side.header(_("Add data"))
    side.file_uploader(_("ACLED / UCDP export or canonical CSV, GeoJSON, GeoParquet"),
                       type=UPLOAD_TYPES, key="upload")
    if outcome is None:
        return
    if outcome.failed:
        side.error(outcome.message())
    else:
        side.success(outcome.message())
    if outcome.rejects:
        side.download_button(_("Download rejected rows (CSV)"), outcome.rejects, key="rejects",
                             file_name=f"rejected_{outcome.name}.csv", mime="text/csv",
                             on_click="ignore")
