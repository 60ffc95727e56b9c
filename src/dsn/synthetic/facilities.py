"""The organizations synthetic records come from: the 22 CISSS/CIUSSS and pilot sites.

The 22 regional authorities are read from the copy of ``regional-authorities.csv``
shipped in ``data/`` (the package never reads the shared folder at run time).  Only the
two pilot CIUSSSs get named care sites — four fictional hospitals and CLSCs each,
``partOf`` their CIUSSS — because the pilot is where the demo and the tests look closely;
elsewhere the authority itself stands for its sites.

Organization ids are DSN's, derived from the official name so they are stable and
readable: ``ciusss-nord-de-l-ile-de-montreal``, ``cisss-laval``, and for sites
``fac-hopital-sainte-aurelie-du-nord``.  Loaders ``PUT`` them under those ids (see
:func:`dsn.synthetic.bundles.facilities_bundle`) so patient records can point at
``Organization/<id>`` directly.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Final, Literal

from dsn.synthetic.identifiers import (
    ORGANIZATION_KIND_SYSTEM,
    ORGANIZATION_SYSTEM,
    PILOT_REGION_EXTENSION,
    RSS_SYSTEM,
)

__all__ = [
    "Facility",
    "authority",
    "facility_directory",
    "organization_resource",
    "organization_resources",
    "pilot_authorities",
    "regional_authorities",
    "sites",
]

Kind = Literal["CISSS", "CIUSSS", "hospital", "CLSC"]

_ORGANIZATION_TYPE: Final = "http://terminology.hl7.org/CodeSystem/organization-type"
_KIND_DISPLAY: Final = {
    "CISSS": "Centre intégré de santé et de services sociaux",
    "CIUSSS": "Centre intégré universitaire de santé et de services sociaux",
    "hospital": "Centre hospitalier",
    "CLSC": "Centre local de services communautaires",
}
_LEADING_PARTICLE: Final = re.compile(r"^(?:du|des|de la|de l'|de)(?:\s+|(?<='))")

# Fictional care sites of the two pilot CIUSSSs: (authority id, kind, name, city, district).
_PILOT_SITES: Final = (
    ("ciusss-nord-de-l-ile-de-montreal", "hospital", "Hôpital Sainte-Aurélie-du-Nord",
     "Montréal", "Ahuntsic-Cartierville"),
    ("ciusss-nord-de-l-ile-de-montreal", "hospital", "Centre hospitalier des Grands-Érables",
     "Montréal", "Montréal-Nord"),
    ("ciusss-nord-de-l-ile-de-montreal", "CLSC", "CLSC du Parc-des-Hirondelles",
     "Montréal", "Villeray–Saint-Michel–Parc-Extension"),
    ("ciusss-nord-de-l-ile-de-montreal", "CLSC", "CLSC de la Promenade-Fleurie",
     "Montréal", "Saint-Laurent"),
    ("ciusss-mauricie-et-du-centre-du-quebec", "hospital",
     "Centre hospitalier régional des Trois-Rives", "Trois-Rivières", None),
    ("ciusss-mauricie-et-du-centre-du-quebec", "hospital", "Hôpital de la Rivière-Noire",
     "Drummondville", None),
    ("ciusss-mauricie-et-du-centre-du-quebec", "CLSC", "CLSC des Chenaux-Verts",
     "Shawinigan", None),
    ("ciusss-mauricie-et-du-centre-du-quebec", "CLSC", "CLSC du Lac-aux-Hérons",
     "Victoriaville", None),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Facility:
    """An organization that keeps charts: a CISSS/CIUSSS, or a hospital or CLSC in one."""

    id: str
    name: str
    kind: Kind
    rss_code: str
    rss_name: str
    pilot: bool
    part_of: str | None = None
    city: str | None = None
    district: str | None = None

    @property
    def is_authority(self) -> bool:
        """True for the 22 CISSS/CIUSSS (the legal establishments), False for their sites."""
        return self.part_of is None

    @property
    def authority_id(self) -> str:
        """The CISSS/CIUSSS this facility is, or belongs to."""
        return self.part_of or self.id

    @property
    def reference(self) -> str:
        return f"Organization/{self.id}"


@cache
def regional_authorities() -> tuple[Facility, ...]:
    """The 22 CISSS/CIUSSS, in the order of the official list."""
    text = resources.files("dsn.synthetic").joinpath("data/regional_authorities.csv").read_text(encoding="utf-8")
    return tuple(
        Facility(
            id=_authority_id(row["kind"], row["name_fr"]),
            name=row["name_fr"],
            kind=row["kind"],  # type: ignore[arg-type]
            rss_code=row["rss_code"],
            rss_name=row["rss_name"],
            pilot=row["pilot"] == "yes",
        )
        for row in csv.DictReader(io.StringIO(text))
    )


def pilot_authorities() -> tuple[Facility, ...]:
    """The two pilot CIUSSSs (Nord-de-l'Île-de-Montréal, Mauricie-et-Centre-du-Québec)."""
    return tuple(f for f in regional_authorities() if f.pilot)


def authority(key: str) -> Facility:
    """A CISSS/CIUSSS by DSN id or by its exact French name; ``KeyError`` otherwise."""
    for candidate in regional_authorities():
        if key in (candidate.id, candidate.name):
            return candidate
    raise KeyError(f"no CISSS/CIUSSS with id or name {key!r}")


def sites(region: Facility) -> tuple[Facility, ...]:
    """Where people of a territory get care: its named sites, else the authority itself."""
    named = _sites_by_authority().get(region.id)
    return named or (region,)


@cache
def facility_directory() -> tuple[Facility, ...]:
    """Every organization of the synthetic world: the 22 authorities, then pilot sites."""
    return regional_authorities() + tuple(site for group in _sites_by_authority().values() for site in group)


@cache
def _sites_by_authority() -> dict[str, tuple[Facility, ...]]:
    by_id = {a.id: a for a in regional_authorities()}
    grouped: dict[str, list[Facility]] = {}
    for authority_id, kind, name, city, district in _PILOT_SITES:
        parent = by_id[authority_id]
        grouped.setdefault(authority_id, []).append(
            Facility(
                id=f"fac-{_slug(name)}",
                name=name,
                kind=kind,  # type: ignore[arg-type]
                rss_code=parent.rss_code,
                rss_name=parent.rss_name,
                pilot=parent.pilot,
                part_of=parent.id,
                city=city,
                district=district,
            )
        )
    return {key: tuple(group) for key, group in grouped.items()}


def organization_resource(facility: Facility) -> dict[str, Any]:
    """The FHIR Organization for a facility, with ``id`` set (to be PUT, not POSTed)."""
    resource: dict[str, Any] = {"resourceType": "Organization", "id": facility.id}
    if facility.is_authority and facility.pilot:
        resource["extension"] = [{"url": PILOT_REGION_EXTENSION, "valueBoolean": True}]
    identifiers = [{"system": ORGANIZATION_SYSTEM, "value": facility.id}]
    if facility.is_authority:
        identifiers.append({"system": RSS_SYSTEM, "value": facility.rss_code})
    resource["identifier"] = identifiers
    resource["active"] = True
    resource["type"] = [
        {"coding": [{"system": _ORGANIZATION_TYPE, "code": "prov", "display": "Healthcare Provider"}]},
        {
            "coding": [
                {
                    "system": ORGANIZATION_KIND_SYSTEM,
                    "code": facility.kind,
                    "display": _KIND_DISPLAY[facility.kind],
                }
            ]
        },
    ]
    resource["name"] = facility.name
    address: dict[str, Any] = {}
    if facility.city:
        address["city"] = facility.city
    if facility.district:
        address["district"] = facility.district
    address.update({"state": "QC", "country": "CA"})
    resource["address"] = [address]
    if facility.part_of is not None:
        parent = authority(facility.part_of)
        resource["partOf"] = {"reference": parent.reference, "display": parent.name}
    return resource


def organization_resources() -> list[dict[str, Any]]:
    """Organizations for the whole :func:`facility_directory`, parents before sites."""
    return [organization_resource(facility) for facility in facility_directory()]


def _authority_id(kind: str, name: str) -> str:
    rest = name.removeprefix(kind).strip().split(" – ")[0]
    return f"{kind.lower()}-{_slug(_LEADING_PARTICLE.sub('', rest))}"


def _slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
