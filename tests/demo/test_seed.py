"""What ``dsn demo`` seeds: regions, accounts, the showcase patient, a spread population,
consent directives and probable duplicates — and that a second run adds nothing.

The read-only checks share one seeding per backend (``demo`` fixture, tests/demo/conftest.py).
"""

from __future__ import annotations

import time

import pyotp
import pytest
from sqlalchemy import func, select

from dsn.demo.accounts import (
    ADMIN_TOTP_SECRET,
    DEMO_PASSWORD,
    PATIENT_USERNAMES,
    PRIVACY_OFFICER_TOTP_SECRET,
    all_usernames,
)
from dsn.demo.regions import MAURICIE, MAURICIE_REGION, NORD, NORD_REGION
from dsn.demo.seed import seed_demo
from dsn.demo.showcase import SHOWCASE
from dsn.security.login import OK, TOTP_REQUIRED, check_login
from dsn.security.regions import list_regions
from dsn.security.users import find_user
from dsn.service.context import RequestContext, system_context
from dsn.store.consent_schema import consent_rule
from dsn.store.mpi_schema import mpi_review
from dsn.store.schema import resource
from dsn.store.security_schema import app_user, region
from dsn.synthetic.facilities import facility_directory
from dsn.synthetic.identifiers import NAM_SYSTEM
from tests.demo.conftest import DEMO_PATIENTS, SeededDemo

pytestmark = pytest.mark.xdist_group("demo-seed")  # one worker, one seeding per backend

SYSTEM = system_context()
PILOT_REGIONS = {MAURICIE_REGION, NORD_REGION}
# username → (role, region, CISSS/CIUSSS the organization belongs to)
STAFF = {
    "infirmiere.mauricie": ("nurse", MAURICIE_REGION, MAURICIE.id),
    "medecin.mauricie": ("physician", MAURICIE_REGION, MAURICIE.id),
    "infirmier.nord": ("nurse", NORD_REGION, NORD.id),
    "medecin.nord": ("physician", NORD_REGION, NORD.id),
    "pharmacienne.nord": ("pharmacist", NORD_REGION, NORD.id),
    "commis.mauricie": ("clerk", MAURICIE_REGION, MAURICIE.id),
    "confidentialite": ("privacy_officer", NORD_REGION, NORD.id),
    "admin": ("admin", None, None),
}
TOTP = {"confidentialite": PRIVACY_OFFICER_TOTP_SECRET, "admin": ADMIN_TOTP_SECRET}


def search(demo: SeededDemo, res_type: str, *pairs: tuple[str, str], ctx: RequestContext = SYSTEM) -> list:
    return demo.service.search(ctx, res_type, [*pairs, ("_count", "1000")]).result.matches


# -- regions and organizations -----------------------------------------------------------


def test_22_regions_with_the_pilot_two_live(demo: SeededDemo) -> None:
    regions = list_regions(demo.engine)
    assert len(regions) == 22
    assert {r.code for r in regions if r.live} == PILOT_REGIONS == {"04", "06-nord"}
    assert {r.code: r.organization_id for r in regions}[NORD_REGION] == "ciusss-nord-de-l-ile-de-montreal"
    organizations = {o.res_id: o for o in search(demo, "Organization")}
    assert set(organizations) == {f.id for f in facility_directory()}  # 22 authorities + 8 pilot sites
    assert all(r.organization_id in organizations for r in regions)


# -- accounts ------------------------------------------------------------------------------


@pytest.mark.parametrize("username", all_usernames())
def test_every_demo_account_logs_in(demo: SeededDemo, username: str) -> None:
    now = time.time()
    if username in TOTP:
        without_code = check_login(demo.engine, demo.settings, username, DEMO_PASSWORD, None, now=now)
        assert without_code.outcome == TOTP_REQUIRED
    code = pyotp.TOTP(TOTP[username]).at(int(now)) if username in TOTP else None
    result = check_login(demo.engine, demo.settings, username, DEMO_PASSWORD, code, now=now)
    assert result.outcome == OK
    assert result.user is not None and result.user.username == username


def test_staff_accounts_have_their_role_region_and_practitioner(demo: SeededDemo) -> None:
    directory = {f.id: f for f in facility_directory()}
    for username, (role, region_code, authority_id) in STAFF.items():
        user = find_user(demo.engine, username)
        assert user is not None
        assert (user.role, user.region_code) == (role, region_code)
        if authority_id is None:
            assert user.organization_id is None
            continue
        assert directory[user.organization_id].authority_id == authority_id
        if role != "privacy_officer":
            practitioner_role = demo.service.read(SYSTEM, "PractitionerRole", user.practitioner_role_id).resource
            assert practitioner_role["organization"]["reference"] == f"Organization/{user.organization_id}"
            assert practitioner_role["practitioner"]["reference"] == user.fhir_user


def test_patient_accounts_stand_for_patients(demo: SeededDemo) -> None:
    users = {name: find_user(demo.engine, name) for name in PATIENT_USERNAMES}
    assert users["patient.demo"].patient_id == SHOWCASE.id
    assert len({user.patient_id for user in users.values()}) == len(PATIENT_USERNAMES)
    for user in users.values():
        assert user.role == "patient"
        demo.service.read(SYSTEM, "Patient", user.patient_id)  # exists


# -- the showcase patient --------------------------------------------------------------------


def test_showcase_patient_is_who_the_constants_say(demo: SeededDemo) -> None:
    patient = demo.service.read(SYSTEM, "Patient", SHOWCASE.id).resource
    assert patient["name"][0] == {"use": "official", "family": "Bélanger-Côté", "given": ["Geneviève"]}
    assert SHOWCASE.name == "Geneviève Bélanger-Côté"
    nam = next(i["value"] for i in patient["identifier"] if i["system"] == NAM_SYSTEM)
    assert nam == SHOWCASE.nam
    assert any(
        i["value"] == SHOWCASE.mrn and i["system"].endswith(SHOWCASE.mrn_facility) for i in patient["identifier"]
    )
    assert search(demo, "Consent", ("patient", SHOWCASE.id)) == []  # no restriction at the start


def test_showcase_labs_and_penicillin_allergy_were_recorded_in_nord(demo: SeededDemo) -> None:
    labs = search(demo, "Observation", ("patient", SHOWCASE.id), ("category", "laboratory"))
    hba1c = [o for o in labs if o.resource["code"]["coding"][0]["code"] == "4548-4"]
    assert len(hba1c) >= 8
    assert len({o.resource["effectiveDateTime"][:4] for o in hba1c}) >= 8  # over the years
    assert all(o.resource["referenceRange"][0]["high"]["value"] == 6.0 for o in hba1c)
    reports = search(demo, "DiagnosticReport", ("patient", SHOWCASE.id))
    allergies = search(demo, "AllergyIntolerance", ("patient", SHOWCASE.id))
    assert [a.resource["code"]["coding"][0]["code"] for a in allergies] == ["764146007"]  # penicillin
    for record in [*labs, *reports, *allergies]:
        assert record.source_region == NORD_REGION == SHOWCASE.lab_region
        assert record.source_org == "fac-hopital-sainte-aurelie-du-nord"


def test_showcase_has_care_in_both_regions(demo: SeededDemo) -> None:
    encounters = search(demo, "Encounter", ("patient", SHOWCASE.id))
    assert {e.source_region for e in encounters} == PILOT_REGIONS
    patient = search(demo, "Patient", ("_id", SHOWCASE.id))[0]
    assert patient.source_region == MAURICIE_REGION == SHOWCASE.home_region
    active = search(demo, "MedicationRequest", ("patient", SHOWCASE.id), ("status", "active"))
    assert {m.source_region for m in active} == PILOT_REGIONS
    assert len(search(demo, "Immunization", ("patient", SHOWCASE.id))) >= 4


def test_showcase_depression_is_labelled_psy_by_dsn(demo: SeededDemo) -> None:
    conditions = search(demo, "Condition", ("patient", SHOWCASE.id))
    depression = [c for c in conditions if c.resource["code"]["coding"][0]["code"] == "35489007"]
    assert len(depression) == 1
    assert "meta" not in depression[0].resource or "security" not in depression[0].resource["meta"]  # not sent
    assert " PSY " in depression[0].labels
    assert depression[0].source_region == MAURICIE_REGION
    others = [c for c in conditions if c is not depression[0]]
    assert all(c.labels is None or " PSY " not in c.labels for c in others)
    medications = search(demo, "MedicationRequest", ("patient", SHOWCASE.id))
    labelled = {m.resource["medicationCodeableConcept"]["coding"][0]["code"] for m in medications if m.labels}
    assert labelled == {"312938"}  # sertraline, an antidepressant


# -- the population ------------------------------------------------------------------------


def test_records_are_spread_across_both_pilot_regions(demo: SeededDemo) -> None:
    with demo.engine.connect() as conn:
        rows = conn.execute(
            select(resource.c.patient_key, resource.c.res_type, resource.c.source_org, resource.c.source_region).where(
                resource.c.patient_key.is_not(None)
            )
        ).all()
    regions_of: dict[str, set[str]] = {}
    for row in rows:
        if row.res_type != "Consent":  # written by the patients themselves
            assert row.source_region in PILOT_REGIONS and row.source_org, row
            regions_of.setdefault(row.patient_key, set()).add(row.source_region)
    generated = DEMO_PATIENTS
    assert len(regions_of) == 1 + generated + len(demo.report.duplicates)
    assert demo.report.patients == 1 + generated
    assert demo.report.cross_region >= 0.3 * generated
    both = [key for key, regions in regions_of.items() if regions == PILOT_REGIONS]
    assert len(both) >= 0.3 * len(regions_of)


def test_every_patient_is_registered_in_a_home_region(demo: SeededDemo) -> None:
    """The Patient is written by a facility of the CIUSSS that manages it: its home region."""
    region_of_organization = {r.organization_id: r.code for r in list_regions(demo.engine)}
    patients = search(demo, "Patient")
    assert len(patients) == 1 + DEMO_PATIENTS + len(demo.report.duplicates)
    for patient in patients:
        home = patient.resource["managingOrganization"]["reference"].removeprefix("Organization/")
        assert patient.source_region == region_of_organization[home] in PILOT_REGIONS


# -- consent directives ---------------------------------------------------------------------


def test_three_kinds_of_consent_directives_are_in_force(demo: SeededDemo) -> None:
    cases = {case.kind: case for case in demo.report.consents}
    assert set(cases) == {"refusal", "category", "organization"}
    with demo.engine.connect() as conn:
        rules = {(r.patient_id, r.kind, r.label, r.actor) for r in conn.execute(select(consent_rule))}
    assert rules == {
        (cases["refusal"].patient_id, "refuse", None, None),
        (cases["category"].patient_id, "category", "PSY", None),
        (
            cases["organization"].patient_id,
            "actor",
            None,
            "Organization/fac-centre-hospitalier-regional-des-trois-rives",
        ),
    }
    assert find_user(demo.engine, "patient.demo4").patient_id == cases["category"].patient_id
    for case in cases.values():
        consent = search(demo, "Consent", ("patient", case.patient_id))[0]
        assert consent.source_region is None  # written by the patient, not a facility


def test_consent_directives_hide_what_they_say(demo: SeededDemo) -> None:
    cases = {case.kind: case for case in demo.report.consents}
    doctor = demo.as_user("medecin.nord")
    nurse = demo.as_user("infirmiere.mauricie")  # works at the restricted organization

    refused = cases["refusal"].patient_id
    assert search(demo, "Encounter", ("patient", refused)) != []
    assert search(demo, "Encounter", ("patient", refused), ctx=doctor) == []

    restricted = cases["organization"].patient_id
    assert search(demo, "Encounter", ("patient", restricted), ctx=doctor) != []
    assert search(demo, "Encounter", ("patient", restricted), ctx=nurse) == []

    private = cases["category"].patient_id
    psy = [c for c in search(demo, "Condition", ("patient", private)) if c.labels and " PSY " in c.labels]
    assert psy, "the patient who restricts mental-health information has some"
    seen = {c.res_id for c in search(demo, "Condition", ("patient", private), ctx=doctor)}
    assert seen.isdisjoint({c.res_id for c in psy})
    herself = {c.res_id for c in search(demo, "Condition", ("patient", private), ctx=demo.as_user("patient.demo4"))}
    assert {c.res_id for c in psy} <= herself


# -- duplicates -----------------------------------------------------------------------------


def test_probable_duplicates_are_in_the_mpi_review_list(demo: SeededDemo) -> None:
    duplicates = demo.report.duplicates
    assert len(duplicates) >= 3
    assert demo.report.duplicates_in_review == len(duplicates)
    with demo.engine.connect() as conn:
        review = {(r.patient_a, r.patient_b): r for r in conn.execute(select(mpi_review))}
    for duplicate in duplicates:
        pair = review[tuple(sorted((duplicate.original_id, duplicate.duplicate_id)))]
        assert (pair.grade, pair.status) == ("probable", "open")
        original = search(demo, "Patient", ("_id", duplicate.original_id))[0]
        copy = search(demo, "Patient", ("_id", duplicate.duplicate_id))[0]
        assert {original.source_region, copy.source_region} == PILOT_REGIONS  # registered in the other region
        assert not any(i.get("system") == NAM_SYSTEM for i in copy.resource["identifier"])
        assert search(demo, "Encounter", ("patient", duplicate.duplicate_id)) != []
    assert len({d.errors for d in duplicates}) == len(duplicates)  # different kinds of errors


# -- idempotence ----------------------------------------------------------------------------


def test_a_second_run_adds_nothing(demo: SeededDemo) -> None:
    def counts() -> tuple[int, ...]:
        with demo.engine.connect() as conn:
            return tuple(
                conn.execute(select(func.count()).select_from(table)).scalar_one()
                for table in (resource, app_user, region, consent_rule, mpi_review)
            )

    before = counts()
    again = seed_demo(demo.engine, demo.settings, patients=DEMO_PATIENTS)
    assert not again.seeded
    assert counts() == before
