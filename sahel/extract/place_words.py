"""Word tables that tell place names from other capitalised words (French, English).

Nationality adjectives place a report in a country; stop words, non-places, titles and given
names keep people, months and far-away areas out of the gazetteer look-up.
"""

from __future__ import annotations

import re

# Adjectives of nationality that place a report in a country.
DEMONYMS: dict[str, str] = {
    "malien": "MLI", "malienne": "MLI", "maliens": "MLI", "maliennes": "MLI", "malian": "MLI",
    "burkinabè": "BFA", "burkinabé": "BFA", "burkinabe": "BFA", "burkinabés": "BFA",
    "burkinabè s": "BFA", "nigérien": "NER", "nigérienne": "NER", "nigériens": "NER",
    "nigerien": "NER", "nigerienne": "NER", "tchadien": "TCD", "tchadienne": "TCD",
    "tchadiens": "TCD", "chadian": "TCD", "mauritanien": "MRT", "mauritanienne": "MRT",
    "mauritanian": "MRT", "nigérian": "NGA", "nigérianes": "NGA", "nigerian": "NGA",
    "béninois": "BEN", "beninese": "BEN", "togolais": "TGO", "togolese": "TGO",
    "algérien": "DZA", "algérienne": "DZA", "algerian": "DZA",
}
DEMONYM = re.compile(r"(?<![\w-])(" + "|".join(sorted(DEMONYMS, key=len, reverse=True))
                      + r")(?![\w-])", re.IGNORECASE)

# Capitalised words that start sentences or name things other than places.
STOP_WORDS = frozenset("""
le la les l un une des du de d au aux à a en dans sur selon après avant depuis pendant avec pour
par et ou mais ce cet cette ces il ils elle elles on nous vous leur leurs son sa ses qui que quoi
lors alors ainsi puis enfin déjà encore aussi même tous toutes plus moins très trois deux quatre
the a an in on at of for from with by after before since during and or but this that these those
he she it they we you his her its their who which what when where while as according
lundi mardi mercredi jeudi vendredi samedi dimanche monday tuesday wednesday thursday friday
saturday sunday janvier février fevrier mars avril mai juin juillet août aout septembre octobre
novembre décembre january february march april may june july august september october november
december jan feb mar apr jun jul aug sep sept oct nov dec janv févr fév avr juil déc
mr mrs m mme colonel col captain capitaine général general president président ministre minister
prime premier chef sergent lieutenant commandant lt gen
afp reuters rfi ap bbc le monde ap photo photo opinion éditorial editorial
nord sud est ouest north south east west centre center central
islam islamic islamique etat état state groupe group forces force armée army mission
near outside around between entre along across inside towards toward close près
""".split())
# Names of continents, areas and far-away countries that gazetteers also hold as hamlets.
NON_PLACES = frozenset({
    "africa", "afrique", "west africa", "afrique de l ouest", "sahel", "sahara", "maghreb",
    "azawad", "europe", "america", "amerique", "france", "russia", "russie", "egypt", "egypte",
    "united states", "etats unis", "chine", "china", "turquie", "turkey", "ukraine", "maroc",
    "morocco", "tunisie", "tunisia", "qatar", "iran", "israel", "more", "most", "many", "some",
    "al qaida", "al qaeda", "al qaïda", "islam",
    # "le procureur du Faso", "the Faso": Burkina Faso itself, never a village of that name.
    "faso",
})
# Titles before a person's name.
PERSON_BEFORE = re.compile(
    r"(?:colonel|capitaine|captain|général|general|président|president|ministre|minister|"
    r"prefect|préfet|mr\.?|mrs\.?|m\.|mme|dr\.?|imam|chef|leader|spokesman|porte-parole|"
    r"sergent|lieutenant|commandant|chercheuse|chercheur|prédicateur|jihadist|jihadiste|"
    r"juge|judge|maire|mayor|said|dit|by|par)\s+$", re.IGNORECASE)
GIVEN_NAMES = frozenset("""
amadou ahmadou mahamadou mohamed mohammed mamadou moussa ibrahim ibrahima boubacar assimi iyad
abou abu ali oumar omar ousmane souleymane hamadoun hama adama issa idrissa ilaria paul serge
wassim sam roch blaise emmanuel salif bakary modibo moctar mokhtar hassan ahmed abdoulaye yacouba
aminata fatoumata mariam christophe jean pierre michel
""".split())
