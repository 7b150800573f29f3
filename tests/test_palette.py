"""The groups' palette: distinct colour-blind-safe colours, one grey for the rest, stable."""

from __future__ import annotations

import pytest

from sahel import actors
from sahel.palette import OTHER_COLOR, PALETTE, group_colors, preferred_color

MAIN = ["JNIM", "Islamic State Sahel", "FAMa", "Wagner / Africa Corps", "Burkina Faso forces",
        "Niger forces", "Azawad rebels", "VDP"]


def test_palette_is_okabe_ito_without_grey() -> None:
    assert sorted(PALETTE) == sorted(["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2",
                                      "#D55E00", "#CC79A7", "#000000"])
    assert OTHER_COLOR not in PALETTE


@pytest.mark.parametrize("names", [
    MAIN, MAIN[::-1], ["Ansar Dine", "Katiba Macina", "AQIM", "MUJAO", "Koglweogo",
                       "Dozo militias", "Civilians", "Unidentified armed group"],
    ["US forces", "European forces", "Other foreign forces", "MINUSMA", "JNIM"]])
def test_up_to_eight_groups_get_distinct_palette_colours(names: list[str]) -> None:
    colors = group_colors(names)
    assert len(set(colors)) == len(names) and set(colors) <= set(PALETTE)


def test_main_groups_keep_their_colour_whatever_else_is_shown() -> None:
    alone = dict(zip(MAIN, group_colors(MAIN), strict=True))
    for name in MAIN:
        assert alone[name] == actors.group_info(name).color.upper() == preferred_color(name)
    # A group with no palette colour of its own never takes a shown main group's colour.
    mixed = ["Ansar Dine", "JNIM", "FAMa"]
    colors = group_colors(mixed)
    assert colors[1:] == [alone["JNIM"], alone["FAMa"]] and colors[0] not in colors[1:]


def test_other_groups_and_no_actor_are_grey() -> None:
    assert group_colors(["JNIM", "", "Other groups"], grey={"Other groups"}) == [
        preferred_color("JNIM"), OTHER_COLOR, OTHER_COLOR]
    assert preferred_color("No such group") is None


def test_past_the_palette_colours_repeat_rather_than_fail() -> None:
    names = [f"Group {k}" for k in range(10)]
    assert group_colors(names)[8:] == list(PALETTE[:2])
