"""The demo's accounts: who a person can log in as, with which password and second factor.

Fixed on purpose — the README, docs/demo.md and the browser tests name them — and
therefore **for demonstrations only**: anyone reading this file can log in to a demo
server. Every account's password is :data:`DEMO_PASSWORD`. The privacy officer and the
administrator must have a second factor (``DSN_REQUIRE_TOTP_FOR_PRIVILEGED``); their TOTP
secrets are the base32 constants below, printed by ``dsn demo`` so a person can type them
into an authenticator app (tests compute the codes with pyotp).

Clinicians get a Practitioner and a PractitionerRole in a facility of their CIUSSS (the
organization consent directives and the access log name); patients are linked to their
Patient: ``patient.demo`` to the showcase patient, ``patient.demo2``–``patient.demo4`` to
generated patients chosen at seeding (``patient.demo4`` restricted her or his
mental-health information).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Engine

from dsn.demo.regions import NORD, region_code
from dsn.demo.showcase import CHENAUX_VERTS, SAINTE_AURELIE, TROIS_RIVES
from dsn.security.users import User, create_user, find_user
from dsn.service.context import system_context
from dsn.service.records import RecordService
from dsn.synthetic.facilities import Facility

__all__ = [
    "ADMIN_TOTP_SECRET",
    "DEMO_PASSWORD",
    "PATIENT_USERNAMES",
    "PRIVACY_OFFICER_TOTP_SECRET",
    "ROLE_LABELS",
    "STAFF",
    "DemoAccount",
    "all_usernames",
    "create_patient_account",
    "create_staff_account",
    "existing_accounts",
]

DEMO_PASSWORD: Final = "demo-DSN-2026"
PRIVACY_OFFICER_TOTP_SECRET: Final = "DEMODSNCONFIDENTIALITEPILOTEQCQC"
ADMIN_TOTP_SECRET: Final = "DEMODSNADMINISTRATEURQUEBECPILOT"

# HL7 practitioner-role codes where one exists (as `dsn users add --create-practitioner`),
# and DSN's own role code always.
_HL7_ROLE: Final = {"physician": "doctor", "nurse": "nurse", "pharmacist": "pharmacist"}
_HL7_ROLE_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/practitioner-role"
_DSN_ROLE_SYSTEM: Final = "https://dsn.sante.quebec/fhir/CodeSystem/dsn-role"

ROLE_LABELS: Final = {
    "physician": ("médecin", "physician"),
    "nurse": ("infirmière / infirmier", "nurse"),
    "pharmacist": ("pharmacienne / pharmacien", "pharmacist"),
    "clerk": ("commis à l'admission", "admission clerk"),
    "privacy_officer": ("responsable de la confidentialité", "privacy officer"),
    "admin": ("administrateur", "administrator"),
    "patient": ("patient·e", "patient"),
}


@dataclass(frozen=True, slots=True)
class DemoAccount:
    """A staff account of the demo: role, name, and the facility where the role is held."""

    username: str
    role: str
    given: str
    family: str
    organization: Facility | None = None
    totp_secret: str | None = None

    @property
    def region(self) -> str | None:
        return region_code(self.organization) if self.organization else None

    @property
    def display(self) -> str:
        return f"{self.given} {self.family}"


STAFF: Final = (
    DemoAccount("infirmiere.mauricie", "nurse", "Isabelle", "Trudel", TROIS_RIVES),
    DemoAccount("medecin.mauricie", "physician", "Marc-André", "Gélinas", CHENAUX_VERTS),
    DemoAccount("infirmier.nord", "nurse", "Samuel", "Nguyen", SAINTE_AURELIE),
    DemoAccount("medecin.nord", "physician", "Amina", "Haddad", SAINTE_AURELIE),
    DemoAccount("pharmacienne.nord", "pharmacist", "Chantal", "Pelletier", SAINTE_AURELIE),
    DemoAccount("commis.mauricie", "clerk", "Kevin", "Lemire", TROIS_RIVES),
    DemoAccount("confidentialite", "privacy_officer", "Sophie", "Tremblay-Ouellet", NORD, PRIVACY_OFFICER_TOTP_SECRET),
    DemoAccount("admin", "admin", "Administration", "DSN", None, ADMIN_TOTP_SECRET),
)
PATIENT_USERNAMES: Final = ("patient.demo", "patient.demo2", "patient.demo3", "patient.demo4")


def all_usernames() -> tuple[str, ...]:
    """Every demo account; all of them existing is the mark of a complete demo seeding."""
    return (*(account.username for account in STAFF), *PATIENT_USERNAMES)


def create_staff_account(engine: Engine, service: RecordService, account: DemoAccount) -> User:
    """Create a staff account, with its Practitioner and PractitionerRole for clinical roles."""
    practitioner_id = practitioner_role_id = None
    if account.role in ("physician", "nurse", "pharmacist", "clerk"):
        assert account.organization is not None
        practitioner_id, practitioner_role_id = _practitioner(service, account, account.organization)
    return create_user(
        engine,
        account.username,
        role=account.role,
        display_name=account.display,
        password=DEMO_PASSWORD,
        practitioner_id=practitioner_id,
        practitioner_role_id=practitioner_role_id,
        organization_id=account.organization.id if account.organization else None,
        region_code=account.region,
        totp_secret=account.totp_secret,
    )


def create_patient_account(engine: Engine, username: str, patient_id: str, display: str, locale: str = "fr") -> User:
    return create_user(
        engine,
        username,
        role="patient",
        display_name=display,
        password=DEMO_PASSWORD,
        patient_id=patient_id,
        locale=locale,
    )


def existing_accounts(engine: Engine) -> list[User]:
    """The demo accounts present in the database, in the order of :func:`all_usernames`."""
    found = (find_user(engine, username) for username in all_usernames())
    return [user for user in found if user is not None]


def _practitioner(service: RecordService, account: DemoAccount, organization: Facility) -> tuple[str, str]:
    """Directory entries are the server's (as ``dsn users add --create-practitioner`` writes them)."""
    system = system_context()
    practitioner: dict[str, Any] = {
        "resourceType": "Practitioner",
        "active": True,
        "name": [{"family": account.family, "given": [account.given]}],
    }
    practitioner_id = service.create(system, "Practitioner", practitioner).stored.res_id
    codings = [{"system": _DSN_ROLE_SYSTEM, "code": account.role}]
    if account.role in _HL7_ROLE:
        codings.insert(0, {"system": _HL7_ROLE_SYSTEM, "code": _HL7_ROLE[account.role]})
    role = {
        "resourceType": "PractitionerRole",
        "active": True,
        "practitioner": {"reference": f"Practitioner/{practitioner_id}", "display": account.display},
        "organization": {"reference": organization.reference, "display": organization.name},
        "code": [{"coding": codings}],
    }
    return practitioner_id, service.create(system, "PractitionerRole", role).stored.res_id
