"""Accounts of people: who they are in DSN and which FHIR resources they stand for.

A clinician maps to a Practitioner (and the PractitionerRole that holds their role in an
Organization of a region); a patient maps to their Patient, plus the children under 14
they represent (``user_patient``). Privacy officers and administrators are accounts too.
Everything the access policy needs about a user is copied into the access token, so
these rows are read at login and refresh, not on every request.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, insert, select, update

from dsn.security.passwords import hash_password
from dsn.security.roles import CLINICAL_ROLES, ROLES
from dsn.security.storage import now_s, reading, writing
from dsn.service.context import Caller
from dsn.store.security_schema import app_user, user_patient

PRIVILEGED_ROLES = ("privacy_officer", "admin")


class UserError(ValueError):
    """A user cannot be created or changed as asked."""


@dataclass(frozen=True, slots=True)
class User:
    id: str
    username: str
    display_name: str
    role: str
    password_hash: str | None
    practitioner_id: str | None
    practitioner_role_id: str | None
    patient_id: str | None
    organization_id: str | None
    region_code: str | None
    totp_secret: str | None
    failed_logins: int
    locked_until: int
    active: bool
    locale: str

    @property
    def fhir_user(self) -> str | None:
        """The FHIR resource this person is (``fhirUser`` claim)."""
        if self.practitioner_id:
            return f"Practitioner/{self.practitioner_id}"
        if self.patient_id:
            return f"Patient/{self.patient_id}"
        return None

    @property
    def privileged(self) -> bool:
        return self.role in PRIVILEGED_ROLES


def user_caller(
    user: User,
    *,
    patients: tuple[str, ...],
    scopes: tuple[str, ...],
    launch_patient: str | None,
    client_id: str | None,
    token_id: str | None,
) -> Caller:
    """The caller a DSN account stands for, with what the way in (token, session) adds."""
    return Caller(
        kind="user",
        subject=user.id,
        display=user.display_name,
        role=user.role,
        scopes=scopes,
        organization=user.organization_id,
        region=user.region_code,
        patients=patients,
        launch_patient=launch_patient,
        client_id=client_id,
        fhir_user=user.fhir_user,
        token_id=token_id,
    )


def _user(row: object) -> User:
    return User(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        password_hash=row.password_hash,
        practitioner_id=row.practitioner_id,
        practitioner_role_id=row.practitioner_role_id,
        patient_id=row.patient_id,
        organization_id=row.organization_id,
        region_code=row.region_code,
        totp_secret=row.totp_secret,
        failed_logins=row.failed_logins or 0,
        locked_until=row.locked_until or 0,
        active=bool(row.active),
        locale=row.locale or "fr",
    )


def create_user(
    engine: Engine,
    username: str,
    *,
    role: str,
    display_name: str | None = None,
    password: str | None = None,
    practitioner_id: str | None = None,
    practitioner_role_id: str | None = None,
    patient_id: str | None = None,
    organization_id: str | None = None,
    region_code: str | None = None,
    totp_secret: str | None = None,
    locale: str = "fr",
) -> User:
    """Create an account; the role decides which FHIR link it must carry."""
    if role not in ROLES:
        raise UserError(f"unknown role '{role}' (one of {', '.join(ROLES)})")
    if role == "patient" and not patient_id:
        raise UserError("a patient account needs --patient (the Patient it stands for)")
    if role != "patient" and patient_id:
        raise UserError("only patient accounts link to a Patient; use link-child for represented children")
    if role in CLINICAL_ROLES and not organization_id:
        raise UserError(f"a {role} needs --organization (where the role is held)")
    if not username or len(username) > 100 or any(c.isspace() for c in username):
        raise UserError("a username is 1 to 100 characters without spaces")
    user_id = str(uuid.uuid4())
    with writing(engine) as conn:
        if conn.execute(select(app_user.c.id).where(app_user.c.username == username)).first():
            raise UserError(f"username '{username}' is taken")
        conn.execute(
            insert(app_user).values(
                id=user_id,
                username=username,
                display_name=display_name or username,
                role=role,
                password_hash=hash_password(password) if password else None,
                practitioner_id=practitioner_id,
                practitioner_role_id=practitioner_role_id,
                patient_id=patient_id,
                organization_id=organization_id,
                region_code=region_code,
                totp_secret=totp_secret,
                failed_logins=0,
                locked_until=0,
                active=True,
                locale=locale,
                created=now_s(),
            )
        )
    found = get_user(engine, user_id)
    assert found is not None
    return found


def get_user(engine: Engine, user_id: str) -> User | None:
    with reading(engine) as conn:
        row = conn.execute(select(app_user).where(app_user.c.id == user_id)).first()
    return _user(row) if row else None


def find_user(engine: Engine, username: str) -> User | None:
    with reading(engine) as conn:
        row = conn.execute(select(app_user).where(app_user.c.username == username)).first()
    return _user(row) if row else None


def require_user(engine: Engine, username: str) -> User:
    found = find_user(engine, username)
    if found is None:
        raise UserError(f"no user '{username}'")
    return found


def list_users(engine: Engine) -> list[User]:
    with reading(engine) as conn:
        rows = conn.execute(select(app_user).order_by(app_user.c.username)).all()
    return [_user(row) for row in rows]


def represented_patients(conn: Connection, user_id: str) -> list[str]:
    rows = conn.execute(
        select(user_patient.c.patient_id).where(user_patient.c.user_id == user_id).order_by(user_patient.c.patient_id)
    ).all()
    return [row.patient_id for row in rows]


def patients_of(engine: Engine, user: User) -> tuple[str, ...]:
    """The patients a patient user may act for: themselves first, then represented children."""
    if user.role != "patient":
        return ()
    with reading(engine) as conn:
        children = represented_patients(conn, user.id)
    own = [user.patient_id] if user.patient_id else []
    return tuple(own + [c for c in children if c not in own])


def link_child(engine: Engine, username: str, patient_id: str, relationship: str = "parent") -> None:
    """Let a parent or legal representative act for a child's Patient (child under 14)."""
    user = require_user(engine, username)
    if user.role != "patient":
        raise UserError("only patient accounts represent children")
    with writing(engine) as conn:
        conn.execute(
            delete(user_patient).where(user_patient.c.user_id == user.id, user_patient.c.patient_id == patient_id)
        )
        conn.execute(insert(user_patient).values(user_id=user.id, patient_id=patient_id, relationship=relationship))


def unlink_child(engine: Engine, username: str, patient_id: str) -> None:
    user = require_user(engine, username)
    with writing(engine) as conn:
        conn.execute(
            delete(user_patient).where(user_patient.c.user_id == user.id, user_patient.c.patient_id == patient_id)
        )


def set_password(engine: Engine, username: str, password: str) -> None:
    user = require_user(engine, username)
    with writing(engine) as conn:
        conn.execute(update(app_user).where(app_user.c.id == user.id).values(password_hash=hash_password(password)))


def set_totp_secret(engine: Engine, username: str, secret: str | None) -> None:
    user = require_user(engine, username)
    with writing(engine) as conn:
        conn.execute(update(app_user).where(app_user.c.id == user.id).values(totp_secret=secret))


def set_active(engine: Engine, username: str, active: bool) -> None:
    user = require_user(engine, username)
    with writing(engine) as conn:
        conn.execute(update(app_user).where(app_user.c.id == user.id).values(active=active))


def unlock(engine: Engine, username: str) -> None:
    user = require_user(engine, username)
    with writing(engine) as conn:
        conn.execute(update(app_user).where(app_user.c.id == user.id).values(failed_logins=0, locked_until=0))
