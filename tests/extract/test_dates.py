"""Date resolution against the publication date, French and English (sahel.extract.dates)."""

from __future__ import annotations

from datetime import date

import pytest

from sahel.extract.dates import find_dates, is_background_date

# Publication days used below: Saturday 25 Nov 2023, Thursday 12 Dec 2019, Tuesday 2 Jan 2024.
SAT = date(2023, 11, 25)
THU = date(2019, 12, 12)
NEW_YEAR = date(2024, 1, 2)


@pytest.mark.parametrize(("text", "published", "expected", "precision"), [
    ("L'attaque a eu lieu vendredi 24 novembre 2023.", SAT, date(2023, 11, 24), 1),
    ("Les combats du vendredi 24 novembre ont duré.", SAT, date(2023, 11, 24), 1),
    ("Des hommes armés ont attaqué le poste vendredi.", SAT, date(2023, 11, 24), 1),
    ("Des hommes armés ont attaqué le poste samedi matin.", SAT, date(2023, 11, 25), 1),
    ("Le convoi a été attaqué hier.", SAT, date(2023, 11, 24), 1),
    ("Le camp a été visé avant-hier.", SAT, date(2023, 11, 23), 1),
    ("Dans la nuit de mardi à mercredi, le village a été attaqué.", SAT, date(2023, 11, 21), 1),
    ("Gunmen attacked the base on Tuesday.", THU, date(2019, 12, 10), 1),
    ("Gunmen attacked the base overnight Tuesday to Wednesday.", THU, date(2019, 12, 10), 1),
    ("Militants struck the town yesterday.", THU, date(2019, 12, 11), 1),
    ("The attack happened on Sunday, December 8.", THU, date(2019, 12, 8), 1),
    ("The raid of Nov 14 left ten dead.", THU, date(2019, 11, 14), 1),
    ("Dozens were killed on 10 and 11 December.", THU, date(2019, 12, 10), 2),
    ("des dizaines de personnes ont été tuées les 10 et 11 mars", date(2025, 3, 17),
     date(2025, 3, 10), 2),
    # Year rollover: "30 décembre" read in early January is last year's.
    ("Le 30 décembre, une mine a explosé.", NEW_YEAR, date(2023, 12, 30), 1),
    ("On Saturday, December 30, gunmen attacked.", NEW_YEAR, date(2023, 12, 30), 1),
    ("Le 19/07/2016 à 16h08", date(2016, 7, 19), date(2016, 7, 19), 1),
    ("Des hommes armés ont tué la semaine dernière neuf personnes.", date(2021, 5, 10),
     date(2021, 5, 3), 2),
    ("Over the weekend, fighters ambushed a patrol.", date(2023, 8, 15), date(2023, 8, 12), 2),
    ("Début novembre, des affrontements ont eu lieu.", date(2023, 11, 20), date(2023, 11, 5), 3),
    ("Fighting broke out in mid-October.", date(2023, 11, 20), date(2023, 10, 15), 3),
])
def test_first_date_resolves(text: str, published: date, expected: date, precision: int) -> None:
    found = find_dates(text, published)
    assert found, text
    assert (found[0].day, found[0].precision) == (expected, precision)


def test_weekday_that_disagrees_with_its_day_number_keeps_the_weekday() -> None:
    # 16 January 2016 was a Saturday; the nearest Friday is the 15th.
    [found] = find_dates("lancée vendredi 16 janvier 2016", date(2016, 1, 16))
    assert found.day == date(2016, 1, 15)
    assert "disagree" in found.reason


@pytest.mark.parametrize(("text", "published", "precision"), [
    ("Les combats se sont déroulés jeudi et vendredi.", date(2024, 7, 1), "month"),
    ("The attack happened on Tuesday.", None, "unknown"),
    ("Le village a été attaqué hier.", None, "unknown"),
    ("Le 17 février, 51 soldats sont morts.", None, "unknown"),
])
def test_undatable_gives_none_with_a_reason(text: str, published: date | None,
                                            precision: str) -> None:
    found = find_dates(text, published, precision)
    assert found and all(d.day is None and d.reason for d in found)


@pytest.mark.parametrize(("text", "expected"), [
    ("On Sunday, August 25, a video circulated. Two days later, gunmen attacked.",
     date(2024, 8, 27)),
    ("Dimanche 25 août, une vidéo a circulé. Le surlendemain, des hommes armés ont attaqué.",
     date(2024, 8, 27)),
])
def test_days_later(text: str, expected: date) -> None:
    assert find_dates(text, date(2024, 8, 28))[-1].day == expected


def test_anchor_words_count_from_the_previous_date() -> None:
    text = "On Sunday, August 25, a video circulated. The previous morning, gunmen attacked."
    days = [d.day for d in find_dates(text, date(2024, 8, 27))]
    assert days == [date(2024, 8, 25), date(2024, 8, 24)]


def test_date_of_a_statement_is_marked_reported() -> None:
    found = find_dates("Ten people were killed on Sunday, a health worker said on Tuesday.",
                       date(2021, 1, 6))
    assert [(d.day, d.reported) for d in found] == [
        (date(2021, 1, 3), False), (date(2021, 1, 5), True)]


def test_the_attack_of_a_day_is_not_the_day_of_the_claim() -> None:
    found = find_dates("Le JNIM a revendiqué l'attaque de mardi contre un convoi.",
                       date(2022, 9, 28))
    assert [(d.day, d.reported) for d in found] == [(date(2022, 9, 27), False)]


def test_publication_line_is_not_an_event_date() -> None:
    [found] = find_dates("Latest update : 2014-05-18", date(2014, 5, 18))
    assert found.reported


@pytest.mark.parametrize(("text", "published", "background"), [
    ("l'EI avait lancé en mars dernier une attaque", date(2022, 10, 31), True),
    ("In June 2021, 160 people were killed", date(2024, 8, 27), True),
    ("in two attacks in May and July", THU, True),
    ("four soldiers were killed in 2017", THU, True),
    ("Le 2 octobre, des hommes armés ont attaqué", date(2022, 10, 31), True),
    ("Gunmen attacked the base on Tuesday.", THU, False),
    ("Le 28 octobre, des hommes armés ont attaqué", date(2022, 10, 31), False),
])
def test_background_dates(text: str, published: date, background: bool) -> None:
    found = find_dates(text, published)
    assert found
    assert any(is_background_date(d, published) for d in found) is background


@pytest.mark.parametrize(("text", "published", "expected"), [
    ("Les combats du 25 juillet ont fait dix morts.", date(2024, 7, 1), date(2024, 7, 25)),
    ("Le 28 décembre, une mine a explosé.", date(2024, 1, 1), date(2023, 12, 28)),
])
def test_missing_year_with_a_month_precise_publication(text: str, published: date,
                                                       expected: date) -> None:
    assert find_dates(text, published, "month")[0].day == expected
