"""The filtered CSV analysts download: every canonical column, readable claims, spreadsheet-safe."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from sahel.schema import COLUMN_NAMES, COLUMNS_BY_NAME, Claim, claims_from_json

# A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
# Prefixed to such cells so they are shown as text; the canonical reader strips it (restore_cell).
FORMULA_GUARD = "'"
EXPORT_COLUMNS: tuple[str, ...] = (*COLUMN_NAMES, "claims_text")


def neutralise_cell(value: str) -> str:
    """Return `value` made inert for spreadsheets (a leading formula character gets a quote)."""
    if value.startswith(FORMULA_STARTS) or (
            value.startswith(FORMULA_GUARD) and value[1:].startswith(FORMULA_STARTS)):
        return FORMULA_GUARD + value
    return value


def restore_cell(value: str) -> str:
    """Undo neutralise_cell: the exact text that was exported."""
    if value.startswith(FORMULA_GUARD) and value[1:].startswith((*FORMULA_STARTS, FORMULA_GUARD)):
        return value[1:]
    return value


def claims_text(claims_json: object) -> str:
    """Return the claims of one incident as one readable line ("who (role): kind n–m «words»")."""
    return " | ".join(claim_line(claim) for claim in claims_from_json(claims_json))


def claim_line(claim: Claim, show: Callable[[str], str] = str) -> str:
    """Return one claim as "who (role): kind n–m «words»"; `show` renders who and the words.

    Role and kind are words of the schema's vocabularies, the figures digits: only who and the
    words are the source's text.
    """
    if claim.low is None and claim.high is None:
        figure = "no figure"
    elif claim.low == claim.high or claim.high is None or claim.low is None:
        figure = str(claim.low if claim.low is not None else claim.high)
        figure += "+" if claim.high is None and claim.low is not None else ""
    else:
        figure = f"{claim.low}–{claim.high}"
    role = claim.role.replace("_", " ")
    words = f" «{show(claim.text)}»" if claim.text else ""
    return f"{show(claim.by)} ({role}): {claim.kind} {figure}{words}"


def to_csv_bytes(incidents: pd.DataFrame) -> bytes:
    """Return the incidents as UTF-8 CSV bytes (with BOM so Excel keeps accents), in given order.

    Dates are YYYY-MM-DD; text cells that a spreadsheet would execute are neutralised.
    """
    out = pd.DataFrame(index=incidents.index)
    for name in COLUMN_NAMES:
        column = incidents[name]
        dtype = COLUMNS_BY_NAME[name].dtype
        if dtype.startswith("datetime64"):
            out[name] = column.dt.strftime("%Y-%m-%d")
        elif dtype == "str":
            out[name] = column.map(_text_cell, na_action="ignore")
        else:
            out[name] = column
    out["claims_text"] = incidents["claims"].map(claims_text).map(neutralise_cell)
    text = out.to_csv(index=False, lineterminator="\n")
    # "replace": a lone surrogate (from an undecodable name) must not stop the whole download.
    return ("\ufeff" + text).encode("utf-8", "replace")


def _text_cell(value: object) -> str:
    # A frame not conformed may hold other objects in a text column: written as their text.
    return neutralise_cell(value if isinstance(value, str) else str(value))
