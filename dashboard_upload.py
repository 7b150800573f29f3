"""The sidebar's "Add data" panel: import an uploaded file into the store once, say what it did.
Streamlit only, beside dashboard.py.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any, NamedTuple

import streamlit as st

import dashboard_cache
from sahel import sources
from sahel.datasets import DatasetError
from sahel.sources import SourceError
from sahel.store import IncidentStore

UPLOAD_TYPES = ["csv", "xlsx", "geojson", "json", "parquet"]


class UploadOutcome(NamedTuple):
    """What importing one uploaded file did, as the sidebar reports it."""

    name: str
    message: str
    failed: bool
    rejects: bytes


def import_upload(store_dir: str) -> UploadOutcome | None:
    """Add the file in the uploader (drawn later, by `upload_panel`) to the store, once."""
    upload = st.session_state.get("upload")
    if upload is None:
        return None
    done: dict[str, UploadOutcome] = st.session_state.setdefault("imported_uploads", {})
    if upload.file_id not in done:
        done[upload.file_id] = _import(store_dir, upload)
    return done[upload.file_id]


def _import(store_dir: str, upload: Any) -> UploadOutcome:
    try:
        return _import_checked(store_dir, upload)
    except Exception as error:  # a bug of ours: one sentence here, the traceback in the log
        traceback.print_exc(file=sys.stderr)
        return UploadOutcome(upload.name, f"{upload.name} was not imported: an unexpected "
                             f"{type(error).__name__} (the server's log has the details; "
                             "please report it)", True, b"")


def _import_checked(store_dir: str, upload: Any) -> UploadOutcome:
    try:
        result = sources.read_incidents(upload, name=upload.name)
    except SourceError as error:
        return UploadOutcome(upload.name, f"{upload.name} was not imported: {error}", True, b"")
    store = IncidentStore(store_dir)
    try:
        summary = store.add_import(result)
        rejects = (store.write_rejects(result.rejected, result.source_name).read_bytes()
                   if len(result.rejected) else b"")
    except (OSError, DatasetError) as error:
        return UploadOutcome(upload.name, f"{upload.name} was not imported: {error}", True, b"")
    if result.failed:
        reasons = "; ".join(f"{reason} ({count:,})" for reason, count in result.top_reasons(3))
        message = (f"{upload.name} was not imported: none of its {result.rows_read:,} rows "
                   f"could be kept" + (f". Commonest reasons: {reasons}." if reasons else "."))
        return UploadOutcome(upload.name, message, True, rejects)
    dashboard_cache.clear()
    older = f", {summary.older:,} older than stored" if summary.older else ""
    message = (f"{upload.name} ({result.format}): {result.rows_read:,} rows read · "
               f"{result.kept:,} kept ({result.flagged:,} flagged) · {len(result.rejected):,} "
               f"rejected · store: {summary.added:,} added, {summary.updated:,} updated{older} "
               f"· dataset \"{summary.dataset}\"")
    return UploadOutcome(upload.name, message, False, rejects)


def upload_panel(outcome: UploadOutcome | None) -> None:
    """Draw the uploader with what importing its file did."""
    side = st.sidebar
    side.header("Add data")
    side.file_uploader("ACLED / UCDP export or canonical CSV, GeoJSON, GeoParquet",
                       type=UPLOAD_TYPES, key="upload")
    if outcome is None:
        return
    if outcome.failed:
        side.error(outcome.message)
    else:
        side.success(outcome.message)
    if outcome.rejects:
        side.download_button("Download rejected rows (CSV)", outcome.rejects, key="rejects",
                             file_name=f"rejected_{outcome.name}.csv", mime="text/csv",
                             on_click="ignore")


