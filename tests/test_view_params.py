"""A view ↔ its link's query string: compact parameters without defaults, read back the same, any
spelling the tables know, and what cannot be read left out and listed."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sahel.i18n import use_language
from sahel.option_search import Match
from sahel.overview import FilterChoices
from sahel.query import IncidentQuery
from sahel.view_params import (
    PARAMS,
    Dropped,
    ViewExtras,
    describe_dropped,
    describe_read_as,
    from_params,
    normalised,
    to_params,
)

ROOT = Path(__file__).resolve().parents[1]
FIRST, LAST = date(2008, 1, 1), date(2025, 3, 10)
CHOICES = FilterChoices(
    groups=("Civilians", "FAMa", "Islamic State Sahel", "JNIM", "Katiba Macina"),
    countries={"BFA": "Burkina Faso", "MLI": "Mali", "NER": "Niger"},
    regions={"BFA": ("Centre-Nord", "Sahel"), "MLI": ("Gao", "Mopti", "Tombouctou"),
             "NER": ("Tillabéri",)},
    event_types=("Battles", "Explosions/Remote violence", "Violence against civilians"),
    first_date=FIRST, last_date=LAST,
    datasets=("acled 2024", "demo: UCDP GED sample"))


def read(query_string: str) -> tuple[IncidentQuery, ViewExtras, list[str], list[str]]:
    """Read a link's query string: the query, extras, what was dropped and read as."""
    view = from_params(parse_qs(query_string, keep_blank_values=True), CHOICES)
    return (view.query, view.extras, [f"{d.param}={d.value}" for d in view.dropped],
            [f"{m.given}→{m.option}" for m in view.read_as])


def test_the_default_view_has_a_clean_url() -> None:
    assert to_params(IncidentQuery(), ViewExtras()) == {}
    assert read("") == (IncidentQuery(), ViewExtras(), [], [])


def test_params_are_short_readable_and_in_a_fixed_order() -> None:
    query = IncidentQuery(groups=frozenset({"JNIM", "Islamic State Sahel"}),
                          regions=frozenset({"Tombouctou"}), start=date(2023, 1, 1),
                          end=date(2023, 12, 31), min_fatalities=5, include_uncertain=True)
    params = to_params(query, ViewExtras(lang="fr"))
    assert urlencode(params, doseq=True) == (
        "group=Islamic+State+Sahel&group=JNIM&uncertain=1&region=Tombouctou&from=2023-01-01"
        "&to=2023-12-31&min_fat=5&lang=fr")
    assert list(params) == [name for name in PARAMS if name in params]


def test_defaults_are_left_out_whatever_they_are() -> None:
    # Without data of one's own the demonstration data is in by default, with it out: a link
    # says demo only when it differs from the page's default; the language likewise.
    default = IncidentQuery(include_demo=False)
    assert to_params(IncidentQuery(include_demo=False), ViewExtras(lang="fr"), default,
                     ViewExtras(lang="fr")) == {}
    assert to_params(IncidentQuery(include_demo=True), ViewExtras(lang="en"), default,
                     ViewExtras(lang="fr")) == {"demo": "1", "lang": "en"}
    assert from_params({"demo": "1"}, CHOICES, default).query.include_demo is True
    assert from_params({}, CHOICES, default).query.include_demo is False


def _dates(draw: st.DrawFn) -> tuple[date | None, date | None]:
    days = (LAST - FIRST).days
    start = draw(st.none() | st.integers(1, days - 1).map(lambda d: FIRST + timedelta(d)))
    low = (start - FIRST).days if start else 1
    end = draw(st.none() | st.integers(low, days - 1).map(lambda d: FIRST + timedelta(d)))
    return start, end


@st.composite
def views(draw: st.DrawFn) -> tuple[IncidentQuery, ViewExtras]:
    """Return a view the page can show with CHOICES."""
    countries = draw(st.frozensets(st.sampled_from(sorted(CHOICES.countries))))
    include_demo = draw(st.booleans())
    datasets = [d for d in CHOICES.datasets if include_demo or not d.startswith("demo: ")]
    start, end = _dates(draw)
    text = draw(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                        max_size=30).map(str.strip))
    query = IncidentQuery(
        groups=draw(st.frozensets(st.sampled_from(CHOICES.groups))),
        include_components=draw(st.booleans()), include_associated=draw(st.booleans()),
        include_uncertain=draw(st.booleans()), countries=countries,
        regions=draw(st.frozensets(st.sampled_from(CHOICES.regions_in(countries)))),
        start=start, end=end,
        event_types=draw(st.frozensets(st.sampled_from(CHOICES.event_types))),
        min_fatalities=draw(st.integers(0, 100_000)),
        precisions=draw(st.frozensets(st.sampled_from([1, 2, 3]))), text=text,
        datasets=draw(st.frozensets(st.sampled_from(datasets))), include_demo=include_demo)
    layers = draw(st.none() | st.lists(st.sampled_from(["Incidents", "Regions", "Towns"]),
                                       unique=True).map(tuple))
    extras = ViewExtras(region_metric=draw(st.sampled_from(["incidents", "fatalities"])),
                        layers=layers, lang=draw(st.sampled_from(["en", "fr"])))
    return query, extras


@settings(max_examples=200, deadline=None, derandomize=True)
@given(views())
def test_a_view_read_back_from_its_link_is_the_same(view: tuple[IncidentQuery, ViewExtras]
                                                    ) -> None:
    query, extras = view
    # Through a real query string, as a browser sends it back.
    query_string = urlencode(to_params(query, extras), doseq=True)
    assert read(query_string) == (query, extras, [], [])


@pytest.mark.parametrize(("query_string", "expected", "read_as"), [
    ("region=Timbuktu", IncidentQuery(regions=frozenset({"Tombouctou"})), ["Timbuktu→Tombouctou"]),
    ("region=tillaberi", IncidentQuery(regions=frozenset({"Tillabéri"})), []),
    ("group=GSIM&group=EIGS", IncidentQuery(groups=frozenset({"JNIM", "Islamic State Sahel"})),
     ["GSIM→JNIM", "EIGS→Islamic State Sahel"]),
    ("country=Burkina&region=Liptako", IncidentQuery(countries=frozenset({"BFA"}),
                                                     regions=frozenset({"Sahel"})),
     ["Burkina→Burkina Faso", "Liptako→Sahel"]),
    ("country=Mali&country=NER", IncidentQuery(countries=frozenset({"MLI", "NER"})), []),
    ("type=battles", IncidentQuery(event_types=frozenset({"Battles"})), []),
    ("precision=exact+place", IncidentQuery(precisions=frozenset({1})), []),
    ("components=off&associated=no&uncertain=true",
     IncidentQuery(include_components=False, include_associated=False, include_uncertain=True),
     []),
])
def test_a_link_is_read_by_any_spelling_the_tables_know(query_string: str,
                                                        expected: IncidentQuery,
                                                        read_as: list[str]) -> None:
    assert read(query_string) == (expected, ViewExtras(), [], read_as)


@pytest.mark.parametrize(("query_string", "expected", "dropped"), [
    ("group=Wagner&group=JNIM", IncidentQuery(groups=frozenset({"JNIM"})), ["group=Wagner"]),
    ("region=Atlantis", IncidentQuery(), ["region=Atlantis"]),
    ("country=NER&region=Mopti", IncidentQuery(countries=frozenset({"NER"})), ["region=Mopti"]),
    ("dataset=nope", IncidentQuery(), ["dataset=nope"]),
    ("demo=0&dataset=demo:+UCDP+GED+sample", IncidentQuery(include_demo=False),
     ["dataset=demo: UCDP GED sample"]),
    ("from=2023-13-45&to=2023-12-31", IncidentQuery(end=date(2023, 12, 31)),
     ["from=2023-13-45"]),
    ("from=2024-01-01&to=2023-01-01", IncidentQuery(), ["from=2024-01-01", "to=2023-01-01"]),
    ("from=2030-01-01", IncidentQuery(), ["from=2030-01-01"]),
    ("to=1990-01-01", IncidentQuery(), ["to=1990-01-01"]),
    ("min_fat=many", IncidentQuery(), ["min_fat=many"]),
    ("min_fat=-3", IncidentQuery(), ["min_fat=-3"]),
    ("min_fat=100001", IncidentQuery(), ["min_fat=100001"]),
    ("precision=9&precision=2", IncidentQuery(precisions=frozenset({2})), ["precision=9"]),
    ("uncertain=maybe", IncidentQuery(), ["uncertain=maybe"]),
    ("colour=red", IncidentQuery(), ["colour=red"]),
    ("q=" + "x" * 501, IncidentQuery(), ["q=" + "x" * 501]),
])
def test_what_a_link_holds_that_cannot_be_shown_is_left_out_and_listed(
        query_string: str, expected: IncidentQuery, dropped: list[str]) -> None:
    assert read(query_string) == (expected, ViewExtras(), dropped, [])


def test_bounds_at_or_beyond_the_data_are_no_filter() -> None:
    query, _, dropped, _ = read("from=1990-01-01&to=2030-01-01")
    assert (query.start, query.end, dropped) == (None, None, [])
    assert read(f"from={FIRST}&to={LAST}")[0] == IncidentQuery()


def test_no_dated_incident_means_no_date_filter() -> None:
    empty = replace(CHOICES, first_date=None, last_date=None)
    view = from_params({"from": "2023-01-01"}, empty)
    assert view.query.start is None and view.dropped == (Dropped("from", "2023-01-01"),)


def test_the_last_of_a_repeated_single_value_counts() -> None:
    assert read("min_fat=3&min_fat=7")[0].min_fatalities == 7
    assert read("shade=nope&shade=fatalities")[1:] == (ViewExtras("fatalities"),
                                                       ["shade=nope"], [])


def test_layers_are_the_maps_in_its_order_and_unknown_ones_are_left_out() -> None:
    names = ("regions", "towns", "points")
    view = from_params({"layers": ["points", "moon", "regions"]}, CHOICES, layer_names=names)
    assert view.extras.layers == ("regions", "points")
    assert view.dropped == (Dropped("layers", "moon"),)
    view = from_params({"layers": ["moon"]}, CHOICES, layer_names=names)
    assert view.extras.layers is None and view.dropped == (Dropped("layers", "moon"),)
    assert from_params({"layers": [""]}, CHOICES, layer_names=names).extras.layers == ()


def test_layers_every_one_off_differs_from_the_maps_own_choice() -> None:
    assert to_params(IncidentQuery(), ViewExtras(layers=())) == {"layers": [""]}
    assert read("layers=")[1].layers == ()
    assert read("")[1].layers is None
    assert read("layers=Incidents&layers=Towns")[1].layers == ("Incidents", "Towns")


def test_region_shading_and_language() -> None:
    assert read("shade=fatalities&lang=fr")[1] == ViewExtras("fatalities", None, "fr")
    assert read("lang=de")[1:] == (ViewExtras(), ["lang=de"], [])


def test_normalised_gives_every_value_as_a_list() -> None:
    assert normalised({"group": ["A", "B"], "min_fat": "5"}) == {"group": ["A", "B"],
                                                                "min_fat": ["5"]}


def test_notes_name_each_value_in_the_pages_language() -> None:
    dropped = (Dropped("region", "Atlantis"), Dropped("colour", "red"))
    read_as = (Match("Timbuktu", "Tombouctou", "Timbuktu", True),)
    use_language("en")
    assert describe_dropped(dropped) == (
        "Left out of this link, as this page has no such value or cannot read it: region "
        '"Atlantis", setting "colour".')
    assert describe_read_as(read_as) == "Read as: Timbuktu → Tombouctou."
    try:
        use_language("fr")
        french = describe_dropped(dropped)
        assert '"Atlantis"' in french and "région" in french and french != describe_dropped(())
        assert "Timbuktu → Tombouctou" in describe_read_as(read_as)
    finally:
        use_language("en")


def test_docs_list_every_parameter_in_order() -> None:
    table = re.findall(r"^\| `(\w+)`(?:, `(\w+)`)? \|", (ROOT / "docs" / "links.md").read_text(
        encoding="utf-8"), flags=re.MULTILINE)
    assert [name for row in table for name in row if name] == list(PARAMS)


@pytest.mark.parametrize("value", [
    "[Your session expired: sign in again](https://elsewhere.example/login)",
    "![](https://elsewhere.example/pixel.png)", "<https://elsewhere.example>",
    "www.elsewhere.example", "**bold** _it_ `code` # title", ":red[alarm] $x^2$",
    "\u202eevil\u200b\x1b[2J", "x" * 100_000])
def test_a_links_values_are_inert_in_the_note(value: str) -> None:
    # The note is Markdown on the page: a value must not become a link, an image or formatting
    # ("group=[Sign in again](https://elsewhere)" sent to a colleague), nor fill the page.
    view = from_params({"group": value, value[:50]: "1", "q": value}, CHOICES)
    note = describe_dropped(view.dropped)
    assert len(note) < 600
    assert all(c.isprintable() for c in note)
    unescaped = re.sub(r"\\[\\`*_\[\]()<>!#|~$:.@]", "", note)
    assert not re.search(r"[\[\]()<>!*_`#$:|~]", unescaped.split(": ", 1)[1]), note
    read_as = describe_read_as([Match(value, "JNIM", value, True)])
    assert len(read_as) < 200 and "](" not in read_as


def test_a_note_lists_ten_values_and_counts_the_others() -> None:
    view = from_params({"group": [f"G{i}" for i in range(10_000)]}, CHOICES)
    note = describe_dropped(view.dropped)
    assert note.count("armed group") == 10 and note.endswith(", … (+9990).")


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.dictionaries(st.sampled_from([*PARAMS, "", "x" * 300, "group\x00", "FROM"]),
                       st.lists(st.text(max_size=40) | st.sampled_from(
                           ["9" * 400, "-1", "2023-02-30", "0001-01-01", "9999-12-31", "1e9",
                            "\x00", "NaN", "true", "", " ", "fr", "EN"]), max_size=5),
                       max_size=8))
def test_any_parameters_give_a_view_and_never_an_error(params: dict[str, list[str]]) -> None:
    view = from_params(params, CHOICES, layer_names=("Incidents", "Regions"))
    assert view.extras.lang in ("en", "fr")
    assert view.query.min_fatalities is None or 0 <= view.query.min_fatalities <= 100_000
    start, end = view.query.start, view.query.end
    assert start is None or FIRST < start <= LAST
    assert end is None or FIRST <= end < LAST
    assert start is None or end is None or start <= end
    describe_dropped(view.dropped)
    describe_read_as(view.read_as)
    to_params(view.query, view.extras)
