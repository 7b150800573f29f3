"""Town names of the offline base map: the main places first, labels that never overlap."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sahel.map_assets import STATIC_DIR, TOWNS, js_string_value, towns_text
from sahel.map_towns import (
    CHAR_PX,
    FIRST_ZOOM,
    LAST_ZOOM,
    LINE_PX,
    OFFSET_PX,
    _mercator,
    candidate_towns,
    label_zooms,
    town_labels,
)


@pytest.fixture(scope="module")
def labels() -> list[list[object]]:
    text = (STATIC_DIR / TOWNS).read_text(encoding="utf-8")
    literal = text[text.index("JSON.parse(") + len("JSON.parse("):text.rindex(")")]
    return json.loads(js_string_value(literal))


def test_towns_file_is_current(labels: list[list[object]]) -> None:
    assert (STATIC_DIR / TOWNS).read_text(encoding="utf-8") == towns_text(), (
        "stale towns: run python -m sahel.map_assets")
    assert labels == town_labels()


def test_capitals_show_first_and_conflict_towns_by_zoom_eight(labels: list[list[object]]
                                                             ) -> None:
    zoom = {str(name): int(z) for _, _, name, z in labels}  # type: ignore[call-overload]
    for capital in ("Bamako", "Ouagadougou", "Nouakchott", "N'Djamena", "Abuja"):
        assert zoom[capital] <= FIRST_ZOOM + 1, capital
    for town in ("Gao", "Mopti", "Timbuktu", "Kidal", "Ménaka", "Djibo", "Diffa", "Agadez"):
        assert zoom[town] <= 8, town
    counts = [sum(1 for z in zoom.values() if z <= level) for level in
              range(FIRST_ZOOM, LAST_ZOOM + 1)]
    assert counts == sorted(counts) and counts[0] < 150 < 1000 < counts[-1]


@pytest.mark.parametrize("zoom", [FIRST_ZOOM, 6, 8])
def test_labels_shown_at_a_zoom_never_overlap(zoom: int) -> None:
    towns = candidate_towns()
    zooms = label_zooms(towns)
    shown = towns[(zooms > 0) & (zooms <= zoom)]
    x, y = _mercator(shown["latitude"].to_numpy(), shown["longitude"].to_numpy())
    scale = 256.0 * 2**zoom
    left = x * scale + OFFSET_PX
    right = left + shown["name"].str.len().to_numpy() * CHAR_PX
    bottom = y * scale - OFFSET_PX
    top = bottom - LINE_PX
    overlap = ((left[:, None] < right[None, :]) & (left[None, :] < right[:, None])
               & (top[:, None] < bottom[None, :]) & (top[None, :] < bottom[:, None]))
    np.fill_diagonal(overlap, False)
    assert len(shown) > 20 and not overlap.any()


def test_names_are_the_gazetteers_plain_text(labels: list[list[object]]) -> None:
    # Drawn with the canvas's fillText, never as HTML: the names stay as the sources spell them.
    names = {str(name) for _, _, name, _ in labels}
    assert "N'Djamena" in names and "Ségou" in names
    assert not any("&#" in name or "&amp;" in name for name in names)
