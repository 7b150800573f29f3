"""The `source_extra` column: a source's cells that no canonical column holds, as compact JSON."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from sahel.sources.tabular import cell_text


def source_extra(raw: pd.DataFrame, consumed: frozenset[str],
                 dates: pd.Series | None = None) -> pd.Series:
    """Return per row `{header: cell}` of the columns not in `consumed` (file order), or NA.

    Empty cells are left out; cells are text as a CSV file would hold them. A `year` column is
    kept only where it disagrees with `dates` (the parsed event dates), since it is derived.
    """
    pieces = []
    for header in raw.columns:
        if header in consumed:
            continue
        cells = _text(raw[header])
        present = cells.str.strip().ne("").to_numpy().copy()
        if header == "year" and dates is not None:
            same = pd.to_numeric(cells, errors="coerce").to_numpy() == dates.dt.year.to_numpy()
            present &= ~same
        if present.any():
            key = json.dumps(str(header), ensure_ascii=False) + ":"
            encoded = cells.map(_json_string)
            pieces.append(np.where(present, key + encoded.to_numpy(dtype=object), ""))
    if not pieces:
        return pd.Series(None, index=raw.index, dtype="object")
    joined = pd.DataFrame(np.column_stack(pieces), index=raw.index)
    # Join the non-empty pieces of each row with commas, without a Python loop over rows.
    text = joined.iloc[:, 0].astype(object)
    for column in joined.columns[1:]:
        piece = joined[column]
        both = text.ne("") & piece.ne("")
        text = text.where(piece.eq(""), text.where(~both, text + ",") + piece)
    return ("{" + text + "}").where(text.ne(""), None)


def _text(values: pd.Series) -> pd.Series:
    if pd.api.types.is_string_dtype(values) and not values.isna().any():
        return values.astype("object")
    return values.map(_cell, na_action=None).astype("object")


def _cell(value: object) -> str:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return cell_text(value)


def _json_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)
