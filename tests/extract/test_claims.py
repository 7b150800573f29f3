"""Vague quantities and casualty claims (sahel.extract.quantities, sahel.extract.claims)."""

from __future__ import annotations

import pytest

from sahel.extract.claims import find_claims, toll
from sahel.extract.quantities import find_quantities, number_value
from sahel.schema import Claim


@pytest.mark.parametrize(("text", "low", "high"), [
    ("71 soldats", 71, 71),
    ("5,100 personnes", 5100, 5100),
    ("quatre-vingt-dix morts", 90, 90),
    ("seventy-one soldiers", 71, 71),
    ("une cinquantaine de soldats", 50, 50),
    ("une vingtaine de rebelles", 20, 20),
    ("a dozen villagers", 12, 12),
    ("plusieurs dizaines de morts", 10, None),
    ("des dizaines de civils", 10, None),
    ("dozens of people", 12, None),
    ("several dozen fighters", 12, None),
    ("hundreds of civilians", 100, None),
    ("plusieurs soldats", 2, None),
    ("at least eight soldiers", 8, None),
    ("au moins 58 morts", 58, None),
    ("more than 20 people", 20, None),
    ("up to 30 people", None, 30),
    ("about 50 soldiers", 50, 50),
    ("12 à 13 morts", 12, 13),
    ("entre 12 et 13 morts", 12, 13),
    ("between 100 and several hundred", 100, None),
    ("heavy losses", None, None),
    ("des pertes importantes", None, None),
])
def test_vague_quantity_rules(text: str, low: int | None, high: int | None) -> None:
    first = find_quantities(text)[0]
    assert (first.low, first.high) == (low, high)


def test_years_and_articles_are_not_counts() -> None:
    assert find_quantities("une attaque en 2012") == []


@pytest.mark.parametrize(("words", "value"), [("trois", 3), ("vingt et un", 21),
                                              ("twenty-five", 25), ("cent", 100)])
def test_number_words(words: str, value: int) -> None:
    assert number_value(words) == value


def test_each_claimant_keeps_its_own_figure() -> None:
    text = ("Les rebelles ont déclaré avoir tué des dizaines de soldats, après que l'armée a "
            "déclaré avoir perdu deux soldats.")
    claims = find_claims(text, groups=[(4, "Azawad rebels")])
    assert [(c.by, c.role, c.kind, c.low, c.high) for c in claims] == [
        ("Azawad rebels", "armed_group", "killed", 10, None),
        ("armée", "army", "killed", 2, 2),
    ]


@pytest.mark.parametrize(("text", "expected"), [
    ("Des sources locales évoquent une cinquantaine de soldats tués.",
     [("local_sources", "killed", 50, 50)]),
    ("Quatre morts et dix blessés, selon une source sécuritaire.",
     [("other", "killed", 4, 4), ("other", "wounded", 10, 10)]),
    ("Militants killed at least eight soldiers and injured five others, security sources said.",
     [("other", "killed", 8, None), ("other", "wounded", 5, 5)]),
    ("The death toll varies between 100 and several hundred, according to local sources.",
     [("local_sources", "killed", 100, None)]),
    ("Deux soldats ont été faits prisonniers.", [("outlet", "prisoners", 2, 2)]),
    ("Cinq véhicules auraient été pillés.", [("outlet", "looting", None, None)]),
    ("Sollicitée, l'armée n'a pas souhaité donner de bilan.", [("army", "killed", None, None)]),
    ("Human Rights Watch counted at least 58 bodies.", [("ngo", "killed", 58, None)]),
])
def test_claims_in_context(text: str, expected: list[tuple[str, str, int | None, int | None]]
                           ) -> None:
    claims = find_claims(text)
    assert [(c.role, c.kind, c.low, c.high) for c in claims] == expected


def test_toll_is_never_averaged_and_takes_the_most_conservative_figure() -> None:
    claims = [Claim("JNIM", "armed_group", "killed", "plusieurs dizaines", 10, None),
              Claim("sources locales", "local_sources", "killed", "une cinquantaine", 50, 50),
              Claim("armée", "army", "killed", "pas de bilan"),
              Claim("JNIM", "armed_group", "prisoners", "deux", 2, 2)]
    assert toll(claims) == (10, 10, 50)
    assert toll([]) == (0, 0, None)
    assert toll([Claim("armée", "army", "killed", "pas de bilan")]) == (0, 0, None)


@pytest.mark.parametrize(("text", "role"), [
    ("Des hommes armés ont attaqué le camp militaire et tué 12 soldats.", "outlet"),
    ("L'attaque contre l'armée a fait 12 morts, selon des habitants.", "local_sources"),
    ("Twelve soldiers were killed at the military base, an army spokesman said.", "army"),
])
def test_a_name_claims_only_where_it_speaks(text: str, role: str) -> None:
    [claim] = find_claims(text)
    assert claim.role == role


def test_one_statement_counting_several_groups_adds_up() -> None:
    claims = find_claims('"Eight members of the armed forces were killed and 25 were wounded while '
                         '28 of the attackers were killed," the defence ministry said.')
    assert toll(claims) == (36, 8, 36)


@pytest.mark.parametrize("text", [
    "Le village, situé à une quinzaine de kilomètres, a été attaqué.",
    "Un deuil national de 72 heures a été décrété après l'attaque.",
])
def test_measures_are_not_tolls(text: str) -> None:
    assert find_claims(text) == []
