"""Finding a box's option by any name the tables know: labels the browser can filter, and names
typed or linked read as the option they name."""

from __future__ import annotations

import pytest

from sahel import actors, places
from sahel.option_search import (
    LABEL_ALIASES,
    LABEL_SEPARATOR,
    Match,
    browser_finds,
    resolve,
    said,
    search_label,
    unaccented,
)

REGIONS = ("Boucle du Mouhoun", "Centre", "Gao", "Mopti", "Ménaka", "Sahel", "Tillabéri",
           "Tombouctou")
GROUPS = ("AQIM", "Azawad rebels", "Burkina Faso forces", "FAMa", "Islamic State Sahel", "JNIM",
          "Katiba Macina", "VDP")
COUNTRIES = ("BFA", "MLI", "NER", "TCD")


@pytest.mark.parametrize(("typed", "label", "found"), [
    ("Tomb", "Tombouctou", True), ("tbt", "Tombouctou", True), ("TOMBOUCTOU", "Tombouctou", True),
    ("Timbuktu", "Tombouctou", False), ("Tillaberi", "Tillabéri", False),
    ("gsim", "JNIM — Jama'at Nusrat al-Islam wal-Muslimin (JNIM / GSIM)", True), ("", "Gao", True)])
def test_browser_finds_the_typed_letters_in_order(typed: str, label: str, found: bool) -> None:
    assert browser_finds(typed, label) is found


@pytest.mark.parametrize(("kind", "option", "label", "typed"), [
    ("region", "Tombouctou", "Tombouctou", "Timbuktu"),
    ("region", "Tillabéri", "Tillabéri", "Tillaberi"),
    ("region", "Ménaka", "Ménaka", "Menaka"),
    ("region", "Sahel", "Sahel", "Liptako"),
    ("country", "TCD", "Chad", "Tchad"),
])
def test_a_label_names_what_the_browser_would_not_find(kind: str, option: str, label: str,
                                                       typed: str) -> None:
    shown = search_label(kind, option, label)  # type: ignore[arg-type]
    assert shown.startswith(label + LABEL_SEPARATOR)
    assert not browser_finds(typed, label) and browser_finds(typed, shown)


@pytest.mark.parametrize("option", ["Gao", "Kidal", "Mopti", "Tombouctou", "Tillabéri", "Sahel"])
def test_a_label_adds_few_names_each_needed(option: str) -> None:
    shown = search_label("region", option, option)
    extra = shown.split(LABEL_SEPARATOR)[1].split(", ") if LABEL_SEPARATOR in shown else []
    assert len(extra) <= LABEL_ALIASES
    for i, name in enumerate(extra):
        # Each one would not be found in the label without it.
        before = option + (LABEL_SEPARATOR + ", ".join(extra[:i]) if i else "")
        assert not browser_finds(name, before)


def test_a_country_label_keeps_its_name_first() -> None:
    assert search_label("country", "MLI", "Mali").split(LABEL_SEPARATOR)[0] == "Mali"
    assert search_label("country", "NER", "Niger") == "Niger"


@pytest.mark.parametrize(("kind", "given", "options", "option", "alias", "exact"), [
    ("region", "Tombouctou", REGIONS, "Tombouctou", "Tombouctou", True),
    ("region", "Timbuktu", REGIONS, "Tombouctou", "Timbuktu", True),
    ("region", "  tillaberi ", REGIONS, "Tillabéri", "Tillabéri", True),
    ("region", "Région de Mopti", REGIONS, "Mopti", "Région de Mopti", True),
    ("region", "Liptako", REGIONS, "Sahel", "Liptako", True),
    ("region", "Tombuktu", REGIONS, "Tombouctou", "Tombouktou", False),
    ("group", "GSIM", GROUPS, "JNIM", "GSIM", True),
    ("group", "EIGS", GROUPS, "Islamic State Sahel", "EIGS", True),
    ("group", "Islamic State (Sahel)", GROUPS, "Islamic State Sahel", "Islamic State Sahel", True),
    ("group", "jnim", GROUPS, "JNIM", "JNIM", True),
    ("country", "Burkina", COUNTRIES, "BFA", "Burkina", True),
    ("country", "Tchad", COUNTRIES, "TCD", "Tchad", True),
    ("country", "mali", COUNTRIES, "MLI", "Mali", True),
])
def test_resolve_finds_the_option_by_any_name(kind: str, given: str, options: tuple[str, ...],
                                              option: str, alias: str, exact: bool) -> None:
    assert resolve(kind, given, options) == Match(given, option, alias, exact)  # type: ignore[arg-type]


@pytest.mark.parametrize(("kind", "given", "options"), [
    ("region", "Tomb", REGIONS),  # a part of a name is not a misspelling of it
    ("region", "Atlantis", REGIONS), ("region", "", REGIONS), ("region", "Kidal", REGIONS),
    ("group", "Wagner", GROUPS), ("group", "Burkina", GROUPS), ("country", "Nigeria", COUNTRIES),
])
def test_resolve_finds_nothing_when_nothing_is_close(kind: str, given: str,
                                                     options: tuple[str, ...]) -> None:
    assert resolve(kind, given, options) is None  # type: ignore[arg-type]


def test_every_region_alias_of_the_table_finds_its_region() -> None:
    # As the box offers them: the regions of the country picked.
    table = places.region_aliases()
    for alias, iso3, canonical in zip(table["alias"], table["iso3"], table["canonical"],
                                      strict=True):
        options = set(table.loc[table["iso3"] == iso3, "canonical"])
        match = resolve("region", alias, options, countries=(iso3,))
        assert match is not None and match.option == canonical, (alias, iso3)


def test_every_group_acronym_finds_its_group() -> None:
    groups = {g.name for g in actors.all_groups()}
    for alias in actors.load_aliases():
        if alias.alias.isupper() and not alias.iso3 and alias.canonical in groups \
                and actors.canonical_group(alias.alias) == alias.canonical:
            match = resolve("group", alias.alias, groups)
            assert match is not None and match.option == alias.canonical, alias.alias


def test_resolve_prefers_the_picked_countrys_region() -> None:
    # "Centre" is a region of Burkina Faso and of Cameroon: the picked country decides.
    assert resolve("region", "Center", ["Centre"], countries=("CMR",)) == Match(
        "Center", "Centre", "Center", True)


@pytest.mark.parametrize(("kind", "match", "expected"), [
    ("region", Match("Timbuktu", "Tombouctou", "Timbuktu", True),
     Match("Timbuktu", "Tombouctou", "Timbuktu", True)),
    ("region", Match("tillaberi", "Tillabéri", "Tillabéri", True), None),
    ("country", Match("MLI", "MLI", "MLI", True), None),
    ("country", Match("mali", "MLI", "Mali", True), None),
    ("country", Match("Tchad", "TCD", "Tchad", True), Match("Tchad", "Chad", "Tchad", True)),
])
def test_said_names_only_another_name_and_a_country_by_its_name(kind: str, match: Match,
                                                                 expected: Match | None) -> None:
    assert said(kind, match) == expected  # type: ignore[arg-type]


def test_unaccented_keeps_case_and_punctuation() -> None:
    assert unaccented("Ségou-Tillabéri d'Été") == "Segou-Tillaberi d'Ete"
