"""The organizations of the synthetic world: 22 CISSS/CIUSSS and the pilot sites."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dsn.fhir.validation import validate_resource
from dsn.synthetic.facilities import (
    Facility,
    authority,
    facility_directory,
    organization_resource,
    organization_resources,
    pilot_authorities,
    regional_authorities,
    sites,
)
from dsn.synthetic.identifiers import (
    ORGANIZATION_SYSTEM,
    PILOT_REGION_EXTENSION,
    RSS_SYSTEM,
)

SHARED_CSV = Path(__file__).resolve().parents[2].parent / "shared/quebec/regional-authorities.csv"
PACKAGED_CSV = Path(__file__).resolve().parents[2] / "src/dsn/synthetic/data/regional_authorities.csv"


def test_there_are_13_cisss_and_9_ciusss() -> None:
    kinds = [a.kind for a in regional_authorities()]
    assert (kinds.count("CISSS"), kinds.count("CIUSSS")) == (13, 9)


def test_the_packaged_list_is_a_copy_of_the_shared_reference() -> None:
    if not SHARED_CSV.exists():
        pytest.skip(f"shared reference not found at {SHARED_CSV}")
    assert PACKAGED_CSV.read_bytes() == SHARED_CSV.read_bytes()


def test_organization_ids_are_unique_valid_fhir_ids() -> None:
    ids = [f.id for f in facility_directory()]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", i) for i in ids)


def test_the_two_pilots_are_nord_de_l_ile_and_mauricie() -> None:
    assert {a.id for a in pilot_authorities()} == {
        "ciusss-nord-de-l-ile-de-montreal",
        "ciusss-mauricie-et-du-centre-du-quebec",
    }


def test_only_pilot_authorities_carry_the_pilot_extension() -> None:
    for facility in facility_directory():
        resource = organization_resource(facility)
        flagged = {"url": PILOT_REGION_EXTENSION, "valueBoolean": True} in resource.get("extension", [])
        assert flagged == (facility.pilot and facility.is_authority)


def test_authorities_are_identified_by_dsn_id_and_region_code() -> None:
    laval = organization_resource(authority("cisss-laval"))
    assert {"system": ORGANIZATION_SYSTEM, "value": "cisss-laval"} in laval["identifier"]
    assert {"system": RSS_SYSTEM, "value": "13"} in laval["identifier"]


@pytest.mark.parametrize("pilot", pilot_authorities(), ids=lambda a: a.id)
def test_each_pilot_has_2_to_4_sites_part_of_it_with_a_hospital(pilot: Facility) -> None:
    its_sites = sites(pilot)
    assert 2 <= len(its_sites) <= 4
    assert any(site.kind == "hospital" for site in its_sites)
    for site in its_sites:
        assert organization_resource(site)["partOf"]["reference"] == f"Organization/{pilot.id}"


def test_a_territory_without_named_sites_is_served_by_its_authority() -> None:
    laval = authority("CISSS de Laval")
    assert sites(laval) == (laval,)


def test_unknown_authorities_are_refused() -> None:
    with pytest.raises(KeyError):
        authority("CISSS de Nulle-Part")


def test_every_organization_is_valid_fhir() -> None:
    for resource in organization_resources():
        assert validate_resource(resource) == [], resource["id"]
