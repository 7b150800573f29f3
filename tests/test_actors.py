import csv
import re
import time
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sahel import actors
from sahel.actors import (
    GROUP_KINDS,
    TEXT_MATCH_MODES,
    UNCERTAIN_SEPARATOR,
    all_groups,
    candidate_groups,
    canonical_group,
    expand_groups,
    find_actor_mentions,
    fold_chars,
    group_info,
    is_uncertain,
    resolve_actor_column,
    resolve_actor_list_column,
)

# AQIM as a whole is never a JNIM component.
JNIM_FAMILY = {"JNIM", "Katiba Macina", "Ansar Dine", "Al-Mourabitoune", "Katiba Serma"}


def _rows(name: str) -> list[dict[str, str]]:
    with (actors.ACTORS_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize(("name", "expected"), [
    # ACLED actor names, with their country and period suffixes
    ("JNIM: Group for Support of Islam and Muslims", "JNIM"),
    ("Military Forces of Mali (2013-2020)", "FAMa"),
    ("Military Forces of Mali (2021-)", "FAMa"),
    ("Military Forces of Mali (2021-) Prison Guards", "FAMa"),
    ("Police Forces of Mali (2021-)", "FAMa"),
    ("Military Forces of Burkina Faso (2022-)", "Burkina Faso forces"),
    ("Military Forces of Niger (2023-)", "Niger forces"),
    ("Civilians (Mali)", "Civilians"),
    ("Civilians (Burkina Faso)", "Civilians"),
    ("Protesters (Niger)", "Protesters"),
    ("Rioters (Mali)", "Rioters"),
    ("Unidentified Armed Group (Burkina Faso)", "Unidentified armed group"),
    ("Fulani Ethnic Militia (Mali)", "Communal militias"),
    ("Unidentified Communal Militia (Mali)", "Communal militias"),
    ("Dogon Ethnic Militia (Mali)", "Communal militias"),
    ("Wagner Group", "Wagner / Africa Corps"),
    ("Islamic State Sahel Province", "Islamic State Sahel"),
    ("Islamic State (West Africa) - Greater Sahara Faction", "Islamic State Sahel"),
    ("Islamic State (West Africa)", "ISWAP"),
    ("MINUSMA: United Nations Multidimensional Integrated Stabilization Mission in Mali",
     "MINUSMA"),
    ("VDP: Volunteers for the Defense of the Homeland", "VDP"),
    ("CMA: Coordination of Azawad Movements", "Azawad rebels"),
    ("GATIA: Imghad Tuareg and Allies Self-Defense Group", "GATIA/MSA"),
    ("AQIM: Al Qaeda in the Islamic Maghreb", "AQIM"),
    ("Boko Haram - Jamaatu Ahli is-Sunnah lid-Dawati wal-Jihad", "Boko Haram (JAS)"),
    # UCDP side names
    ("Government of Mali", "FAMa"),
    ("Government of Mali (2021-)", "FAMa"),
    ("Government of Burkina Faso", "Burkina Faso forces"),
    ("JNIM", "JNIM"),
    ("IS", "Islamic State Sahel"),
    ("CMA", "Azawad rebels"),
    ("Civilians", "Civilians"),
    ("Ansarullah", "Ansarul Islam"),
    ("MSA", "GATIA/MSA"),
    ("GATIA", "GATIA/MSA"),
    ("Al-Mourabitoun", "Al-Mourabitoune"),
    # French and English press, any case, accents or punctuation
    ("le Jnim", "JNIM"),
    ("GSIM", "JNIM"),
    ("Groupe de soutien à l'islam et aux musulmans", "JNIM"),
    ("GROUPE DE SOUTIEN A L’ISLAM ET AUX MUSULMANS", "JNIM"),
    ("Jama'at Nusrat al-Islam wal-Muslimin", "JNIM"),
    ("Forces armées maliennes", "FAMa"),
    ("Fama", "FAMa"),
    ("l'armée malienne", "FAMa"),
    ("soldats maliens", "FAMa"),
    ("mercenaires russes", "Wagner / Africa Corps"),
    ("instructeurs russes", "Wagner / Africa Corps"),
    ("Africa Corps", "Wagner / Africa Corps"),
    ("Etat islamique au Grand Sahara", "Islamic State Sahel"),
    ("EIGS", "Islamic State Sahel"),
    ("ISGS", "Islamic State Sahel"),
    ("Front de libération du Macina", "Katiba Macina"),
    ("FLM", "Katiba Macina"),
    ("Amadou Koufa", "Katiba Macina"),
    ("Ansar Eddine", "Ansar Dine"),
    ("AQMI", "AQIM"),
    ("Ansaroul Islam", "Ansarul Islam"),
    ("CSP-PSD", "Azawad rebels"),
    ("CSP-DPA", "Azawad rebels"),
    ("FLA", "Azawad rebels"),
    ("Front de libération de l'Azawad", "Azawad rebels"),
    ("MNLA", "Azawad rebels"),
    ("HCUA", "Azawad rebels"),
    ("Volontaires pour la défense de la patrie", "VDP"),
    ("Barkhane", "French forces"),
    ("Casques bleus", "MINUSMA"),
    ("chasseurs dozos", "Dozo militias"),
    ("Dan Na Ambassagou", "Dan Na Ambassagou"),
    ("Koglweogo", "Koglweogo"),
    ("hommes armés non identifiés", "Unidentified armed group"),
    ("présumés jihadistes", "Unidentified armed group"),
    ("individus armés", "Unidentified armed group"),
    ("gunmen", "Unidentified armed group"),
    ("suspected jihadists", "Unidentified armed group"),
    ("terroristes", "Unidentified armed group"),
    ("  Katiba   Macina ", "Katiba Macina"),
])
def test_canonical_group_resolves_aliases(name, expected):
    assert canonical_group(name) == expected


@pytest.mark.parametrize("name", ["Military Forces of Ruritania", "Famille", "EIX", "", "   ",
                                  None, float("nan"), "Islamic State Mozambiqu",
                                  "JNIM: Group for Support of Islam and Muslims and/or Islamic "
                                  "State (Greater Sahara)", "JNIM and/or Strange Militia"])
def test_canonical_group_unknown_is_none(name):
    assert canonical_group(name) is None


@pytest.mark.parametrize(("name", "on", "expected"), [
    ("Iyad Ag Ghali", date(2013, 1, 15), "Ansar Dine"),
    ("Iyad Ag Ghali", "2017-03-01", "Ansar Dine"),
    ("Iyad Ag Ghali", "2017-03-02", "JNIM"),
    ("Iyad Ag Ghali", pd.Timestamp("2023-11-24"), "JNIM"),
    ("Iyad Ag Ghali", None, "JNIM"),
    ("Adnan Abu Walid al-Sahrawi", date(2012, 6, 1), "MUJAO"),
    ("Adnan Abu Walid al-Sahrawi", date(2014, 6, 1), "Al-Mourabitoune"),
    ("Adnan Abu Walid al-Sahrawi", date(2019, 6, 1), "Islamic State Sahel"),
    # A name valid over a period still resolves outside it: names never become unknown.
    ("Military Forces of Mali (2013-2020)", date(2023, 11, 24), "FAMa"),
    ("Barkhane", date(2024, 1, 1), "French forces"),
])
def test_canonical_group_respects_validity_windows(name, on, expected):
    assert canonical_group(name, on=on) == expected


def test_expand_groups_with_and_without_components():
    assert expand_groups(["JNIM"]) == JNIM_FAMILY
    assert expand_groups(["GSIM"]) == JNIM_FAMILY
    assert expand_groups(["JNIM"], include_components=False) == {"JNIM"}
    assert expand_groups(["Katiba Macina"]) == {"Katiba Macina"}
    assert expand_groups(["EIGS", "FAMa"]) == {"Islamic State Sahel", "FAMa"}
    assert expand_groups(["Nobody"]) == {"Nobody"}
    assert expand_groups([]) == frozenset()


def test_resolve_actor_column_keeps_and_counts_unknown_names():
    names = pd.Series(["Military Forces of Mali (2021-)", "Strange Militia", None,
                       "le Jnim", "Strange Militia", "", "Civilians (Mali)"],
                      index=[10, 11, 12, 13, 14, 15, 16], name="actor1", dtype="str")
    groups, unknown = resolve_actor_column(names)
    assert list(groups.index) == list(names.index) and groups.name == "actor1"
    assert str(groups.dtype) == "str"
    assert groups.tolist()[:2] == ["FAMa", "Strange Militia"]
    assert pd.isna(groups.loc[12])
    assert groups.loc[[13, 14, 15, 16]].tolist() == ["JNIM", "Strange Militia", "",
                                                     "Civilians"]
    assert unknown == {"Strange Militia": 2}


def test_resolve_actor_column_uses_dates_for_names_that_change_meaning():
    names = pd.Series(["Iyad Ag Ghali", "Iyad Ag Ghali", "GSIM"], dtype="str")
    dates = pd.Series(pd.to_datetime(["2013-01-15", "2020-05-01", "2020-05-01"]))
    groups, _ = resolve_actor_column(names, on=dates)
    assert groups.tolist() == ["Ansar Dine", "JNIM", "JNIM"]


def _random_column(size: int, seed: int) -> tuple[pd.Series, pd.Series, pd.Series]:
    rng = np.random.default_rng(seed)
    pool = [a.alias for a in actors.load_aliases()] + [f"Unknown band {i}" for i in range(50)]
    names = pd.Series(rng.choice(pool, size=size), dtype="str")
    days = pd.Series(pd.Timestamp("2011-01-01")
                     + pd.to_timedelta(rng.integers(0, 5000, size=size), unit="D"))
    iso3 = pd.Series(rng.choice(["MLI", "BFA", "NER", "TCD", "MRT", "NGA", None], size=size))
    return names, days, iso3


def test_resolve_actor_column_is_fast_on_100k_rows():
    names, days, iso3 = _random_column(100_000, seed=7)
    resolve_actor_column(names.iloc[:10])  # warm the table
    started = time.perf_counter()
    groups, unknown = resolve_actor_column(names)
    in_context, _ = resolve_actor_column(names, on=days, iso3=iso3)
    elapsed = time.perf_counter() - started
    assert len(groups) == len(in_context) == 100_000
    assert {f"Unknown band {i}" for i in range(50)} <= set(unknown)
    assert elapsed < 1.0


def test_resolve_actor_column_agrees_with_canonical_group_row_by_row():
    names, days, iso3 = _random_column(3_000, seed=11)
    groups, unknown = resolve_actor_column(names, on=days, iso3=iso3)
    found = [canonical_group(n, on=d, iso3=i) for n, d, i in zip(names, days, iso3, strict=True)]
    assert groups.tolist() == [f or n for f, n in zip(found, names, strict=True)]
    assert sum(unknown.values()) == found.count(None)


@pytest.mark.parametrize(("text", "expected"), [
    ("Le Jnim a revendiqué l'attaque du camp des FAMa à Niafunké.",
     [("Jnim", "JNIM"), ("FAMa", "FAMa")]),
    ("Des hommes armés non identifiés ont tué trois civils.",
     [("hommes armés non identifiés", "Unidentified armed group"), ("civils", "Civilians")]),
    ("L'armée malienne et ses instructeurs russes ont repris Kidal.",
     [("armée malienne", "FAMa"), ("instructeurs russes", "Wagner / Africa Corps")]),
    ("Le Front de libération du Macina d'Amadou Koufa est actif.",
     [("Front de libération du Macina", "Katiba Macina"), ("Amadou Koufa", "Katiba Macina")]),
    ("Selon l'EI, l'attaque visait l'armée nigérienne.",
     [("EI", "Islamic State Sahel"), ("armée nigérienne", "Niger forces")]),
    ("Gunmen suspected to be jihadists attacked VDP positions in Djibo.",
     [("Gunmen", "Unidentified armed group"), ("jihadists", "Unidentified armed group"),
      ("VDP", "VDP")]),
    ("The Islamic State Sahel Province claimed the ambush on Nigerien soldiers.",
     [("Islamic State Sahel Province", "Islamic State Sahel"),
      ("Nigerien soldiers", "Niger forces")]),
    ("Une famille a fui; il n'y a ni FAMa ni EIGS ici, et ei n'est pas un sigle.",
     [("FAMa", "FAMa"), ("EIGS", "Islamic State Sahel")]),
    ("This is a report; it is quiet and the ant is small.", []),
    ("Le GSIM (Groupe de soutien à l’islam et aux musulmans) et le\nCSP-PSD.",
     [("GSIM", "JNIM"), ("Groupe de soutien à l’islam et aux musulmans", "JNIM"),
      ("CSP-PSD", "Azawad rebels")]),
])
def test_find_actor_mentions_in_french_and_english(text, expected):
    mentions = find_actor_mentions(text)
    assert [(m.text, m.canonical) for m in mentions] == expected
    assert all(text[m.start:m.end] == m.text for m in mentions)


def test_find_actor_mentions_prefers_the_longest_alias():
    text = "les soldats maliens et les forces armées maliennes"
    assert [m.text for m in find_actor_mentions(text)] == ["soldats maliens",
                                                           "forces armées maliennes"]


def test_text_fold_agrees_with_the_name_fold_on_every_alias():
    assert [a.alias for a in actors.load_aliases()
            if " ".join(fold_chars(a.alias).split()) != actors.fold_name(a.alias)] == []


def test_fold_chars_keeps_length_and_strips_accents():
    text = "Tombouctou: l’armée, Ségou — İ"
    assert len(fold_chars(text)) == len(text)
    assert fold_chars("Niafunké L'ÉTAT") == "niafunke l etat"


def test_every_alias_points_to_a_group_and_every_field_is_valid():
    groups = {row["name"]: row for row in _rows("groups.csv")}
    aliases = _rows("aliases.csv")
    assert [a["canonical"] for a in aliases
            if a["canonical"] not in groups and a["canonical"] != actors.STATE_FORCES] == []
    assert {c for a in aliases for c in a["iso3"].split()} <= {"MLI", "BFA", "NER", "TCD", "MRT",
                                                               "NGA", "CMR"}
    assert [a["alias"] for a in aliases if a["in_text"] not in TEXT_MATCH_MODES] == []
    assert [a["alias"] for a in aliases if a["lang"] not in ("en", "fr", "any")] == []
    for alias in aliases:
        start, end = (date.fromisoformat(alias[k]) if alias[k] else None
                      for k in ("valid_from", "valid_to"))
        assert start is None or end is None or start <= end, alias["alias"]
    assert [g for g, row in groups.items() if row["kind"] not in GROUP_KINDS] == []
    assert [g for g, row in groups.items()
            if row["coalition"] and row["coalition"] not in groups] == []
    assert [g for g, row in groups.items() if not re.fullmatch(r"#[0-9A-Fa-f]{6}", row["color"])
            ] == []
    colors = [row["color"].upper() for row in groups.values()]
    assert len(set(colors)) == len(colors)


def test_no_alias_is_listed_twice_for_the_same_group_and_period():
    seen = [(actors.fold_name(a.alias), a.canonical, a.valid_from, a.valid_to, a.iso3)
            for a in actors.load_aliases()]
    assert len(seen) == len(set(seen))


def test_only_jnim_has_components():
    assert {g.coalition for g in all_groups()} == {"", "JNIM"}


def test_group_info_accepts_canonical_names_and_aliases():
    assert group_info("JNIM").kind == "jihadist"
    assert group_info("GSIM").name == "JNIM"
    assert group_info("Katiba Macina").coalition == "JNIM"
    assert group_info("FAMa").color == "#0072B2"
    with pytest.raises(KeyError):
        group_info("Nobody at all")


@pytest.mark.parametrize(("name", "iso3", "expected"), [
    ("l'armée", "MLI", "FAMa"),
    ("l'armée", "BFA", "Burkina Faso forces"),
    ("soldiers", "NER", "Niger forces"),
    ("the military", "TCD", "Chad forces"),
    ("gendarmes", "MRT", "Mauritania forces"),
    ("FDS", "MLI", "FAMa"),
    ("FDS", None, "Burkina Faso forces"),  # Burkina's usual term when no country is known
    ("IS", "TCD", "ISWAP"),
    ("IS", "MLI", "Islamic State Sahel"),
    ("État islamique", "NGA", "ISWAP"),
    ("FAMa", "BFA", "FAMa"),  # a named force keeps its name anywhere
    ("l'armée", None, None),  # generic words need a country
    ("soldiers", "NGA", "Nigeria forces"),
    ("soldiers", "USA", None),  # no state group for a country outside the covered region
    ("supplétifs civils", "BFA", "VDP"),
    ("supplétifs civils", "MLI", None),
    ("CNSP", "NER", "Niger forces"),  # two juntas, one acronym
    ("CNSP", "MLI", "FAMa"),
    ("CNSP", None, None),
])
def test_canonical_group_uses_the_country_for_generic_and_local_names(name, iso3, expected):
    assert canonical_group(name, iso3=iso3) == expected


def test_state_forces_by_country():
    assert [actors.state_forces(c) for c in ("MLI", "bfa", "NER", "TCD", "MRT", "NGA", "USA",
                                              None)] == [
        "FAMa", "Burkina Faso forces", "Niger forces", "Chad forces", "Mauritania forces",
        "Nigeria forces", None, None]


def test_resolve_actor_column_uses_the_country_per_row():
    names = pd.Series(["soldats", "soldats", "soldats", "IS", "JNIM"], dtype="str")
    iso3 = pd.Series(["MLI", "NER", None, "TCD", "TCD"], dtype="str")
    groups, unknown = resolve_actor_column(names, iso3=iso3)
    assert groups.tolist() == ["FAMa", "Niger forces", "soldats", "ISWAP", "JNIM"]
    assert unknown == {"soldats": 1}
    same, _ = resolve_actor_column(names.iloc[:2], iso3="BFA")
    assert same.tolist() == ["Burkina Faso forces"] * 2


def test_find_actor_mentions_with_country_date_and_language():
    text = "L'armée a repoussé les militants; les soldats ont perdu trois hommes."
    assert find_actor_mentions(text, lang="fr") == []
    assert [(m.text, m.canonical) for m in find_actor_mentions(text, lang="fr", iso3="MLI")] == [
        ("armée", "FAMa"), ("soldats", "FAMa")]
    english = "Militants attacked the army base; Iyad Ag Ghali's men were blamed."
    assert [(m.text, m.canonical) for m in find_actor_mentions(english, lang="en", iso3="BFA",
                                                               on="2015-06-01")] == [
        ("Militants", "Unidentified armed group"), ("army", "Burkina Faso forces"),
        ("Iyad Ag Ghali", "Ansar Dine")]
    assert [m.canonical for m in find_actor_mentions("Selon l'EI.", iso3="TCD")] == ["ISWAP"]


_TEXT = st.lists(st.sampled_from(["le Jnim", "FAMa", "famille", "EI", "ei", "l'armée", "Gunmen",
                                  "Iyad Ag Ghali", "soldats maliens", " ", ", ", "é", "\n", "(",
                                  "CSP-PSD", "IS", "is", "terroristes"]), max_size=30).map("".join)


@settings(max_examples=200, deadline=None)
@given(text=_TEXT, iso3=st.sampled_from([None, "MLI", "TCD"]))
def test_find_actor_mentions_offsets_are_exact_ordered_and_disjoint(text, iso3):
    mentions = find_actor_mentions(text, iso3=iso3)
    names = {g.name for g in all_groups()}
    assert all(text[m.start:m.end] == m.text and m.canonical in names for m in mentions)
    assert all(a.end <= b.start for a, b in zip(mentions, mentions[1:], strict=False))


def test_every_group_is_documented_in_docs_data_md():
    doc = (actors.DATA_DIR.parent / "docs" / "data.md").read_text(encoding="utf-8")
    assert [g.name for g in all_groups() if f"| {g.name} | {g.kind} |" not in doc] == []


JNIM_ACLED = "JNIM: Group for Support of Islam and Muslims"
JAS_ACLED = "Boko Haram - Jamatu Ahli is-Sunnah lid-Dawatai wal-Jihad"


@pytest.mark.parametrize(("name", "expected", "unknown"), [
    (f"{JNIM_ACLED} and/or Islamic State (Greater Sahara)", "JNIM and/or Islamic State Sahel", {}),
    (f"Islamic State (West Africa) and/or {JAS_ACLED}", "ISWAP and/or Boko Haram (JAS)", {}),
    (f"Islamic State (Greater Sahara) and/or {JNIM_ACLED}", "Islamic State Sahel and/or JNIM", {}),
    # three candidates, in the order written, repeats kept once
    (f"{JNIM_ACLED} and/or Ansaroul Islam and/or GSIM", "JNIM and/or Ansarul Islam", {}),
    # every candidate names one group: certain
    ("Military Forces of Mali (2021-) and/or FAMa", "FAMa", {}),
    # spacing and case of the separator are tolerated; "/" is not folded away first
    ("ISGS and / or  JNIM", "Islamic State Sahel and/or JNIM", {}),
    ("ISGS AND/OR JNIM", "Islamic State Sahel and/or JNIM", {}),
    ("Refugees/IDPs (Mali)", "Civilians", {}),
    # an unknown candidate keeps its name in its place and is counted
    ("Strange Militia and/or ISGS", "Strange Militia and/or Islamic State Sahel",
     {"Strange Militia": 1}),
])
def test_resolve_actor_column_keeps_uncertain_attributions_apart(name, expected, unknown):
    groups, found = resolve_actor_column(pd.Series([name], dtype="str"))
    assert groups.tolist() == [expected]
    assert found == unknown
    assert is_uncertain(expected) == (UNCERTAIN_SEPARATOR in expected)


def test_uncertain_candidates_use_the_date_and_the_country():
    names = pd.Series(["Iyad Ag Ghali and/or soldats"] * 2, dtype="str")
    groups, unknown = resolve_actor_column(
        names, on=pd.Series(pd.to_datetime(["2013-01-15", "2020-05-01"])),
        iso3=pd.Series(["MLI", "NER"]))
    assert groups.tolist() == ["Ansar Dine and/or FAMa", "JNIM and/or Niger forces"]
    assert unknown == {}
    groups, unknown = resolve_actor_column(names)
    assert groups.tolist() == ["JNIM and/or soldats"] * 2 and unknown == {"soldats": 2}


@pytest.mark.parametrize(("value", "expected"), [
    ("JNIM", ("JNIM",)),
    ("JNIM and/or Islamic State Sahel", ("JNIM", "Islamic State Sahel")),
    ("ISWAP and/or Boko Haram (JAS) and/or Unidentified armed group",
     ("ISWAP", "Boko Haram (JAS)", "Unidentified armed group")),
    ("Refugees/IDPs", ("Refugees/IDPs",)),
    ("", ()),
    (None, ()),
])
def test_candidate_groups_and_is_uncertain(value, expected):
    assert candidate_groups(value) == expected
    assert is_uncertain(value) == (len(expected) > 1)


def test_resolve_actor_list_column_splits_resolves_and_counts():
    cells = pd.Series(["Wagner Group; Dozo Communal Militia (Mali)",
                       "Fulani Ethnic Group (Mali); Civilians (Mali); Strange Band",
                       f"{JNIM_ACLED} and/or Islamic State (Sahel); VDP",
                       "Wagner Group;Africa Corps ;  ; Wagner",
                       None, "", " ; ", "Strange Band"],
                      index=list("abcdefgh"), name="assoc_actor_1", dtype="str")
    groups, unknown = resolve_actor_list_column(cells)
    assert list(groups.index) == list("abcdefgh") and groups.name == "assoc_actor_1"
    assert groups.tolist()[:4] == ["Wagner / Africa Corps; Dozo militias",
                                   "Civilians; Strange Band",
                                   "JNIM and/or Islamic State Sahel; VDP",
                                   "Wagner / Africa Corps"]
    assert groups.iloc[4:7].isna().all()
    assert groups.iloc[7] == "Strange Band"
    assert unknown == {"Strange Band": 2}


def test_resolve_actor_list_column_uses_dates_and_countries():
    cells = pd.Series(["Iyad Ag Ghali; soldats", "Iyad Ag Ghali; soldats"], dtype="str")
    groups, _ = resolve_actor_list_column(
        cells, on=pd.Series(pd.to_datetime(["2013-01-15", "2020-05-01"])), iso3="BFA")
    assert groups.tolist() == ["Ansar Dine; Burkina Faso forces", "JNIM; Burkina Faso forces"]


def test_resolve_actor_list_column_is_fast_on_100k_rows():
    rng = np.random.default_rng(3)
    pool = [a.alias for a in actors.load_aliases()][:300] + ["Band A", "", "Band B"]
    cells = ["; ".join(rng.choice(pool, size=rng.integers(1, 4))) for _ in range(400)]
    values = pd.Series(rng.choice(cells, size=100_000), dtype="str")
    names, days, iso3 = _random_column(100_000, seed=5)
    resolve_actor_list_column(values.iloc[:10])
    started = time.perf_counter()
    groups, _ = resolve_actor_list_column(values, on=days, iso3=iso3)
    elapsed = time.perf_counter() - started
    assert len(groups) == 100_000
    assert elapsed < 1.0


def test_every_pattern_is_valid_and_names_a_group():
    groups = {row["name"] for row in _rows("groups.csv")}
    for row in _rows("patterns.csv"):
        regex = re.compile(row["pattern"])
        assert row["canonical"] in groups or row["canonical"] == actors.STATE_FORCES, row
        assert (row["canonical"] == actors.STATE_FORCES) == ("country" in regex.groupindex), row
        bare = row["pattern"].replace("(?P<", "(?<")
        assert bare == bare.lower(), f"patterns match folded (lower-case) names: {row}"
