"""Why two records were linked: reason codes with parameters, as columns of the links frame.

Each link carries one reason per part of its score, as a code (`REASONS`) and the values it
names: `time_reason` (`days_apart`, `time_precision`), `place_reason` and `place_match`
(`distance_km`), `type_reason` (`type_a`, `type_b`), `actor_reason` (`actor_groups`) and
`toll_reason` (`toll_a`, `toll_b`). Codes and parameters, not sentences, so a page can say them
in its language; `reasons_json` gives them as one JSON list per link and `describe_reasons`
in English. Repeated values are categoricals: a million links cost little memory.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from sahel.link_actors import AGREEMENT
from sahel.link_candidates import Records
from sahel.link_scores import Tolls, inside_span

# Reason code → English text; parameters in braces. A page translates the text, not the code.
REASONS: dict[str, str] = {
    "same_day": "same day",
    "within_span": "on one of the days the other record spans",
    "days_apart": "{days} day(s) apart",
    "dates_overlap": "dates overlap (precision {precision})",
    "distance_km": "{km} km apart",
    "same_place_name": "same place name",
    "same_admin2": "same admin-2 unit",
    "same_region": "same region (a region-level point)",
    "type_same": "same event type ({a})",
    "type_compatible": "compatible event types ({a} / {b})",
    "type_weak": "event types rarely agree ({a} / {b})",
    "actors_shared": "same actors ({groups})",
    "actor_shared": "same actor ({groups})",
    "actors_uncertain": "an uncertain attribution names {groups}",
    "actors_related": "related groups that sources confuse ({groups})",
    "actors_generic": "one side names a generic group ({groups})",
    "actors_unnamed": "one side names no armed group",
    "actors_differ": "different actors ({groups})",
    "tolls_overlap": "tolls agree ({a} / {b})",
    "tolls_differ": "tolls differ ({a} / {b})",
    "toll_unknown": "toll not given on one side",
    "outscored": "not in the event group: a better link holds a record of the same dataset",
    "confirmed": "confirmed by hand",
    "rejected": "rejected by hand",
}
REASON_COLUMNS: tuple[str, ...] = (
    "time_reason", "days_apart", "time_precision", "place_reason", "distance_km", "place_match",
    "type_reason", "type_a", "type_b", "actor_reason", "actor_groups", "toll_reason", "toll_a",
    "toll_b")
TYPE_CODES: tuple[str, ...] = ("type_same", "type_compatible", "type_weak")


def _categorical(codes: np.ndarray, names: list[str]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, categories=pd.Index(names, dtype="object"))


def _choice(conditions: list[np.ndarray], names: list[str], default: int = -1
            ) -> pd.Categorical:
    codes = np.select(conditions, list(range(len(conditions))), default=default)
    return _categorical(codes.astype("int64"), names)


def toll_texts(tolls: Tolls) -> np.ndarray:
    """Return each record's toll range as text ("12", "12–50"; "" when unknown)."""
    low, high = tolls.low, tolls.high
    texts = np.full(len(low), "", dtype=object)
    for i in np.flatnonzero(~np.isnan(low)):
        texts[i] = f"{low[i]:.0f}" if low[i] == high[i] else f"{low[i]:.0f}–{high[i]:.0f}"
    return texts


def reason_columns(pairs: pd.DataFrame, rec: Records, type_keys: list[str],
                   outcomes: list[tuple[str, tuple[str, ...]]], tolls: Tolls
                   ) -> dict[str, Any]:
    """Return the reason columns of scored pairs (`a`, `b`, the part scores, `outcome`)."""
    a, b = pairs["a"].to_numpy(), pairs["b"].to_numpy()
    days = pairs["days_apart"].to_numpy()
    exact = (rec.time_precision[a] == 1) & (rec.time_precision[b] == 1)
    span = inside_span(rec, a, b)
    coarse = np.maximum(rec.geo_precision[a], rec.geo_precision[b])
    named = (rec.place[a] >= 0) & (rec.place[a] == rec.place[b]) & (coarse < 3)
    same2 = (coarse == 2) & (rec.admin2[a] >= 0) & (rec.admin2[a] == rec.admin2[b])
    type_score = pairs["type_score"].to_numpy()
    keys, key_codes = np.unique(np.array(type_keys, dtype=object), return_inverse=True)
    levels = [AGREEMENT[level][1] for level, _ in outcomes]
    level_names = list(dict.fromkeys(levels))
    outcome_level = np.array([level_names.index(x) for x in levels], dtype="int64")
    groups = ["; ".join(g) for _, g in outcomes]
    toll_text = toll_texts(tolls)
    toll_names, toll_codes = np.unique(toll_text, return_inverse=True)
    known = (toll_text[a] != "") & (toll_text[b] != "")
    # Pairs made by hand have no actor outcome (-1); their reasons are blanked below, and
    # with no candidate pair at all there is no outcome to point at.
    outcome = np.maximum(pairs["outcome"].to_numpy(), 0) if outcomes else np.zeros(0, "int64")
    columns = {
        "time_reason": _choice([span, exact & (days == 0), exact, ~exact],
                               ["within_span", "same_day", "days_apart", "dates_overlap"]),
        "days_apart": days.astype("int64"),
        "time_precision": np.maximum(rec.time_precision[a], rec.time_precision[b]),
        "place_reason": _choice([coarse == 3, coarse < 3], ["same_region", "distance_km"]),
        "distance_km": pairs["distance_km"].to_numpy(),
        "place_match": _choice([named, same2], ["same_place_name", "same_admin2"]),
        "type_reason": _choice([type_score >= 1, type_score >= 0.5, type_score < 0.5],
                               list(TYPE_CODES)),
        "type_a": _categorical(key_codes[a], [str(k) for k in keys]),
        "type_b": _categorical(key_codes[b], [str(k) for k in keys]),
        "actor_reason": _categorical(outcome_level[outcome] if outcomes else
                                     np.full(len(a), -1, dtype="int64"), level_names),
        "actor_groups": pd.Categorical(np.array(groups, dtype=object)[outcome] if outcomes
                                       else np.full(len(a), None, dtype=object)),
        "toll_reason": _choice([known & (pairs["toll_score"].to_numpy() >= 1), known, ~known],
                               ["tolls_overlap", "tolls_differ", "toll_unknown"]),
        "toll_a": _categorical(toll_codes[a], [str(t) for t in toll_names]),
        "toll_b": _categorical(toll_codes[b], [str(t) for t in toll_names]),
    }
    unscored = pairs["score"].isna().to_numpy()
    if unscored.any():  # pairs made by hand have no reasons of their own
        for name, values in columns.items():
            if isinstance(values, pd.Categorical):
                values[unscored] = np.nan
            else:
                columns[name] = np.where(unscored, -1 if values.dtype.kind == "i" else np.nan,
                                         values)
    return columns


def _text(values: pd.Series) -> np.ndarray:
    return values.astype("object").where(values.notna(), "").astype("str").to_numpy(
        dtype=object)


def _quoted(values: pd.Series) -> np.ndarray:
    distinct = pd.Series(values.astype("object").where(values.notna(), "").unique())
    encoded = dict(zip(distinct, [json.dumps(str(v), ensure_ascii=False) for v in distinct],
                       strict=True))
    return values.astype("object").where(values.notna(), "").map(encoded).to_numpy(dtype=object)


def reasons_json(links: pd.DataFrame) -> pd.Series:
    """Return each link's reasons as JSON text: a list of {"code": …, parameters…}."""
    if not len(links):
        return pd.Series([], dtype="object", index=links.index)
    time_code = _text(links["time_reason"])
    time = np.where(time_code == "days_apart",
                    '{"code":"days_apart","days":' + _text(links["days_apart"]) + "}",
                    np.where(time_code == "dates_overlap",
                             '{"code":"dates_overlap","precision":'
                             + _text(links["time_precision"]) + "}",
                             '{"code":"' + time_code + '"}'))
    place = np.where(_text(links["place_reason"]) == "same_region", '{"code":"same_region"}',
                     '{"code":"distance_km","km":' + _text(links["distance_km"]) + "}")
    match = _text(links["place_match"])
    place = place + np.where(match != "", ',{"code":"' + match + '"}', "")
    kind = ('{"code":"' + _text(links["type_reason"]) + '","a":' + _quoted(links["type_a"])
            + ',"b":' + _quoted(links["type_b"]) + "}")
    groups = links["actor_groups"].astype("object").where(links["actor_groups"].notna(), "")
    group_lists = groups.map({g: json.dumps([x for x in str(g).split("; ") if x],
                                            ensure_ascii=False, separators=(",", ":"))
                              for g in groups.unique()})
    actor = ('{"code":"' + _text(links["actor_reason"]) + '","groups":'
             + group_lists.to_numpy(dtype=object) + "}")
    toll_code = _text(links["toll_reason"])
    toll = np.where(toll_code == "toll_unknown", '{"code":"toll_unknown"}',
                    '{"code":"' + toll_code + '","a":' + _quoted(links["toll_a"]) + ',"b":'
                    + _quoted(links["toll_b"]) + "}")
    extra = np.full(len(links), "", dtype=object)
    if "grouped" in links and "accepted" in links:
        lost = links["accepted"].to_numpy(dtype=bool) & ~links["grouped"].to_numpy(dtype=bool)
        extra = np.where(lost, ',{"code":"outscored"}', extra)
    if "decision" in links:
        decision = _text(links["decision"])
        extra = extra + np.where(decision != "", ',{"code":"' + decision + '"}', "")
    scored = links["score"].notna().to_numpy()
    body = time + "," + place + "," + kind + "," + actor + "," + toll + extra
    alone = np.array([e.lstrip(",") for e in extra], dtype=object)  # made by hand: no parts
    text = np.where(scored, "[" + body + "]", "[" + alone + "]")
    return pd.Series(text, index=links.index, dtype="object")


def describe_reasons(reasons: str) -> list[str]:
    """Return a link's reasons (JSON text of `reasons_json`) in English, one phrase each."""
    phrases = []
    for reason in json.loads(reasons) if reasons else []:
        params = {k: (", ".join(v) if isinstance(v, list) else v) for k, v in reason.items()
                  if k != "code"}
        template = REASONS.get(reason.get("code", ""), reason.get("code", ""))
        try:
            phrases.append(template.format(**params))
        except (KeyError, IndexError):
            phrases.append(template)
    return phrases
