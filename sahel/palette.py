"""Colours for armed groups that stay apart: one categorical palette for the map and the charts.

The palette is Okabe and Ito's eight colours ("Color Universal Design", 2008), told apart with
every common form of colour blindness. A view shows at most `len(PALETTE)` groups in colour;
everything else is one grey entry, `OTHER_COLOR`, which no group gets. A group keeps the same
colour from view to view where it can: the alias table (`data/actors/groups.csv`) gives the main
groups one of the palette's colours (JNIM vermilion, FAMa blue, Islamic State Sahel black, …),
which they take whenever it is free; the others take the free colours in palette order.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sahel import actors

# Okabe–Ito, in the order free colours are handed out (the strongest first; yellow, the palest
# on a light map, last).
PALETTE: tuple[str, ...] = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
                            "#000000", "#F0E442")
# "Other groups" and incidents naming no actor: a grey no palette colour is near.
OTHER_COLOR = "#8C8C8C"


def preferred_color(name: str) -> str | None:
    """Return the palette colour the alias table gives group `name`, or None."""
    try:
        color = actors.group_info(name).color.upper()
    except KeyError:
        return None
    return color if color in PALETTE else None


def group_colors(names: Sequence[str], grey: Collection[str] = ()) -> list[str]:
    """Return one colour per name, in order: distinct palette colours, grey for names in
    `grey` and empty names.

    `names` come most important first: past the palette's size colours repeat, so callers show
    at most `len(PALETTE)` groups and merge the rest into one grey "Other groups".
    """
    colors: list[str | None] = [None] * len(names)
    free = list(PALETTE)
    for k, name in enumerate(names):
        if not name or name in grey:
            colors[k] = OTHER_COLOR
            continue
        wanted = preferred_color(name)
        if wanted in free:
            colors[k] = wanted
            free.remove(wanted)
    left = [k for k, c in enumerate(colors) if c is None]
    for turn, k in enumerate(left):
        # Free colours first, then the palette again (only past its size).
        colors[k] = free[turn] if turn < len(free) else PALETTE[(turn - len(free)) % len(PALETTE)]
    return [c or OTHER_COLOR for c in colors]
