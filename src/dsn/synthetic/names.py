"""Curated name lists for synthetic Quebecers, and the rules for drawing from them.

Own lists rather than Faker: Quebec's naming has traits a generic locale lacks, and they
are exactly what identity matching and NAM rules must survive — accents (Bélanger,
Noémie), hyphenated given names (Marie-Ève, Jean-François), apostrophes and particles
(D'Amours, De la Fontaine), ``Saint-`` names (St-Pierre), two-letter names (Ng, Li),
double family names given to children since the late 1970s (Lévesque-Tremblay), and the
baptismal first names ``Marie``/``Joseph`` that older people carry before the name they
use.  The lists are also stable across library versions, which keeps seeded output
identical from one install to the next.

Names are common in the population; the generator combines them at random, so no
combination describes a real person.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["Heritage", "PersonName", "pick_heritage", "pick_name"]

Heritage = Literal["fr", "en", "other"]

FRENCH_FAMILY: Final = (
    "Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie",
    "Fortin", "Gagné", "Ouellet", "Pelletier", "Bélanger", "Lévesque", "Bergeron",
    "Leblanc", "Paquette", "Girard", "Simard", "Boucher", "Caron", "Beaulieu", "Cloutier",
    "Dubé", "Poirier", "Fournier", "Lapointe", "Leclerc", "Lefebvre", "Poulin", "Thibault",
    "St-Pierre", "Nadeau", "Martin", "Landry", "Martel", "Bédard", "Grenier", "Lessard",
    "Bernier", "Richard", "Michaud", "Hébert", "Desjardins", "Couture", "Turcotte",
    "Lachance", "Parent", "Blais", "Gosselin", "Savard", "Proulx", "Beaudoin", "Demers",
    "Perron", "Boudreau", "Lemieux", "Cyr", "Perreault", "Dufour", "Dion", "Mercier",
    "Bolduc", "Bérubé", "Boivin", "Langlois", "Ménard", "Vachon", "Champagne", "D'Amours",
    "Gingras", "Rousseau", "Deschênes", "Labelle", "Lacroix", "Brassard",
    "Gilbert", "Pépin", "Charbonneau", "Houle", "Ouellette", "Lalonde", "Bissonnette",
    "Guay", "Carrier", "Rioux", "Vaillancourt", "Chabot", "Drouin", "Laplante", "Bisson",
    "Tessier", "Brunet", "Lapierre", "Daigle", "Desrosiers", "Létourneau", "Arsenault",
    "Hamel", "Émond", "Séguin", "Thériault", "Légaré", "Godin", "Lebel", "Fréchette",
    "Giroux", "Jacques", "Labrecque", "Brisson", "Marcoux", "Gendron", "Duchesne",
    "Sainte-Marie", "St-Onge", "Saint-Laurent", "Ste-Croix", "St-Amand", "D'Anjou",
    "D'Aoust", "D'Astous", "L'Heureux", "L'Italien", "L'Écuyer", "De la Fontaine",
    "Des Rosiers", "De Grandpré", "Du Berger", "Lemay", "Auclair", "Després", "Huot",
    "Jobin", "Bélisle", "Turgeon", "Trudel", "Allard", "Morissette", "Vézina", "Grégoire",
    "Ducharme", "Gélinas", "Lajoie", "Pouliot", "Rivard", "Veilleux", "Beauchemin",
)  # fmt: skip

ENGLISH_FAMILY: Final = (
    "Smith", "Brown", "Wilson", "Johnson", "MacDonald", "Campbell", "Stewart", "Murphy",
    "Kelly", "O'Brien", "O'Neill", "O'Connor", "Ryan", "Walsh", "Graham", "Fraser",
    "Thompson", "Robertson", "Anderson", "Clarke", "Scott", "McKenzie", "McLean", "Ross",
    "Reid", "Young", "Hall", "Wright", "Evans", "Mitchell", "Burns", "Kennedy", "Hughes",
    "Taylor", "Morrison", "Sullivan", "Price", "Bennett", "Cooper", "Fitzgerald",
)  # fmt: skip

OTHER_FAMILY: Final = (
    "Nguyen", "Tran", "Pham", "Lê", "Ng", "Ho", "Li", "Vo", "Wu", "Lu", "Chen", "Wang",
    "Zhang", "Liu", "Huang", "Lin", "Kim", "Park", "Singh", "Patel", "Khan", "Haddad",
    "Khoury", "Benali", "Belkacem", "Bouzid", "El Amrani", "Saïdi", "Chérif", "Joseph",
    "Jean-Baptiste", "Pierre-Louis", "Saint-Fleur", "Desir", "Célestin", "Augustin",
    "Rossi", "Russo", "Ferraro", "Di Lorenzo", "De Luca", "Romano", "Ciccone", "Silva",
    "Sousa", "Ferreira", "Pereira", "Papadopoulos", "Georgiou", "García", "Rodríguez",
    "López", "Hernández", "Gómez", "Cohen", "Lévy", "Azoulay", "Kowalski", "Nowak",
)  # fmt: skip

# French given names by birth cohort: popular names shift by generation.
_FRENCH_GIVEN: Final = {
    ("female", "old"): (
        "Thérèse", "Jeannine", "Pierrette", "Huguette", "Gisèle", "Monique", "Micheline",
        "Lise", "Ginette", "Réjeanne", "Yvette", "Solange", "Madeleine", "Rita", "Cécile",
        "Jacqueline", "Françoise", "Lucille", "Raymonde", "Colette", "Georgette", "Denise",
    ),
    ("male", "old"): (
        "Gérard", "Marcel", "Roger", "Lucien", "Fernand", "Aurèle", "Rosaire", "Léopold",
        "Réal", "Gaétan", "Yvon", "Normand", "Jacques", "Gilles", "Claude", "André",
        "Raymond", "Maurice", "Rolland", "Conrad", "Ghislain", "Réjean", "Benoît",
    ),
    ("female", "middle"): (
        "Nathalie", "Julie", "Isabelle", "Sylvie", "Josée", "Stéphanie", "Mélanie",
        "Geneviève", "Véronique", "Annie", "Karine", "Valérie", "Marie-Claude",
        "Marie-Josée", "Anne-Marie", "Marie-Hélène", "Chantal", "Johanne", "Manon",
        "Caroline", "Émilie", "Mélissa", "Marie-Ève", "Marie-Pier",
    ),
    ("male", "middle"): (
        "Éric", "Stéphane", "Martin", "Patrick", "Sébastien", "François", "Jean-François",
        "Mathieu", "Maxime", "Simon", "Jean-Philippe", "Pierre-Luc", "Marc-André",
        "Jean-Sébastien", "Luc", "Michel", "Daniel", "Alain", "Guillaume", "Frédéric",
        "Jérôme", "Étienne", "Benoît", "Dominic",
    ),
    ("female", "young"): (
        "Léa", "Noémie", "Chloé", "Camille", "Zoé", "Florence", "Rosalie", "Alice",
        "Juliette", "Charlotte", "Olivia", "Emma", "Laurence", "Maëlle", "Anaïs", "Béatrice",
        "Éloïse", "Jade", "Mia", "Clara", "Marie-Soleil", "Ève", "Océane", "Mégane",
    ),
    ("male", "young"): (
        "Émile", "Gabriel", "Félix", "Olivier", "Thomas", "Samuel", "William", "Liam",
        "Noah", "Léo", "Louis", "Jacob", "Raphaël", "Mathis", "Antoine", "Alexandre",
        "Édouard", "Zachary", "Xavier", "Nathan", "Loïc", "Jérémy", "Charles-Antoine",
        "Jean-Christophe",
    ),
}  # fmt: skip

_ENGLISH_GIVEN: Final = {
    "female": (
        "Emily", "Jessica", "Sarah", "Hannah", "Olivia", "Emma", "Megan", "Rachel", "Laura",
        "Karen", "Susan", "Margaret", "Elizabeth", "Jennifer", "Catherine", "Heather",
        "Amanda", "Kathleen", "Abigail", "Grace",
    ),
    "male": (
        "James", "John", "Robert", "Michael", "David", "William", "Ryan", "Kevin", "Daniel",
        "Matthew", "Connor", "Ethan", "Liam", "Andrew", "Brian", "Patrick", "Thomas",
        "Christopher", "Owen", "Benjamin",
    ),
}  # fmt: skip

_OTHER_GIVEN: Final = {
    "female": (
        "Amina", "Fatima", "Yasmine", "Nadia", "Samira", "Leïla", "Mei", "Jia", "Linh",
        "Thi Hoa", "Minh Anh", "Fabiola", "Widlyne", "Nathacha", "Priya", "Aisha", "Sofia",
        "Giulia", "Ana", "Eleni", "María José", "Ji-woo", "Agnieszka", "Myriam",
    ),
    "male": (
        "Mohamed", "Youssef", "Karim", "Rachid", "Omar", "Wei", "Jun", "Minh", "Quang",
        "Stevenson", "Jean-Robert", "Wilner", "Ravi", "Arjun", "Luca", "Giovanni", "João",
        "Nikos", "José Luis", "Min-jun", "Tomasz", "Ibrahim", "Samir", "Hao",
    ),
}  # fmt: skip

# Shares of (French-Canadian, English, other) heritage by health region (RSS code).
_HERITAGE_BY_RSS: Final = {
    "06": (0.52, 0.18, 0.30),
    "13": (0.62, 0.10, 0.28),
    "07": (0.75, 0.20, 0.05),
    "05": (0.86, 0.10, 0.04),
    "16": (0.80, 0.10, 0.10),
}
_DEFAULT_HERITAGE: Final = (0.93, 0.04, 0.03)
_WEST_ISLAND: Final = "ciusss-ouest-de-l-ile-de-montreal"
_WEST_ISLAND_HERITAGE: Final = (0.30, 0.42, 0.28)
_HERITAGES: Final = ("fr", "en", "other")


@dataclass(frozen=True, slots=True)
class PersonName:
    """A family name at birth and the registered given names, first one first.

    ``usual`` is the given name used day to day when it is not the first registered one
    (``Roger`` for ``Joseph Roger``); it is what a clinician hears, not what the NAM uses.
    """

    family: str
    given: tuple[str, ...]
    usual: str | None = None


def pick_heritage(rng: random.Random, rss_code: str, authority_id: str = "") -> Heritage:
    """Draw a naming heritage with the rough mix of the region (more English in the West
    Island and the Outaouais, more diverse names in Montréal and Laval)."""
    if authority_id == _WEST_ISLAND:
        weights = _WEST_ISLAND_HERITAGE
    else:
        weights = _HERITAGE_BY_RSS.get(rss_code, _DEFAULT_HERITAGE)
    return rng.choices(_HERITAGES, weights)[0]


def pick_name(rng: random.Random, *, sex: str, birth_year: int, heritage: Heritage) -> PersonName:
    """Draw a name for someone of this sex, birth year and heritage.

    About 5% of family names are hyphenated doubles (mostly people born 1975–2010, when
    giving both parents' names was common); French-Canadians born before 1955 often carry
    ``Marie``/``Joseph`` as first registered given name; a few people have two given names.
    """
    family = _family(rng, birth_year, heritage)
    first = _given(rng, sex, birth_year, heritage)
    if heritage == "fr" and birth_year < 1955 and rng.random() < 0.4:
        return PersonName(family, ("Marie" if sex == "female" else "Joseph", first), first)
    if rng.random() < 0.12:
        second = _given(rng, sex, birth_year, heritage)
        if second != first:
            return PersonName(family, (first, second))
    return PersonName(family, (first,))


def _family(rng: random.Random, birth_year: int, heritage: Heritage) -> str:
    pool = _family_pool(heritage)
    family = rng.choice(pool)
    double_rate = 0.11 if 1975 <= birth_year <= 2010 else 0.015
    if rng.random() < double_rate:
        other = rng.choice(FRENCH_FAMILY if heritage == "fr" else pool)
        if other != family and "-" not in family + other and " " not in family + other:
            family = f"{family}-{other}"
    return family


def _family_pool(heritage: Heritage) -> tuple[str, ...]:
    if heritage == "fr":
        return FRENCH_FAMILY
    if heritage == "en":
        return ENGLISH_FAMILY
    return OTHER_FAMILY


def _given(rng: random.Random, sex: str, birth_year: int, heritage: Heritage) -> str:
    if heritage == "en":
        return rng.choice(_ENGLISH_GIVEN[sex])
    if heritage == "other" and rng.random() < 0.75:
        return rng.choice(_OTHER_GIVEN[sex])
    cohort = "old" if birth_year < 1960 else "middle" if birth_year < 1990 else "young"
    return rng.choice(_FRENCH_GIVEN[sex, cohort])
