"""SMART EHR launch contexts: the patient (and encounter) an app is launched for.

The clinician chart (or any EHR) creates a launch for the logged-in user and hands its
opaque id to the app as ``launch=…``; the authorization request redeems it. A launch
belongs to the user who created it and expires after ``launch_lifetime`` seconds, so an
id seen by someone else grants them nothing.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, delete, insert, select

from dsn.security.storage import reading, writing
from dsn.store.security_schema import oauth_launch


@dataclass(frozen=True, slots=True)
class LaunchContext:
    launch_id: str
    user_id: str
    patient: str | None
    encounter: str | None
    expires: int


def create_launch(
    engine: Engine, user_id: str, *, patient: str | None, encounter: str | None = None, lifetime: int, now: int
) -> str:
    launch_id = secrets.token_urlsafe(24)
    context = {k: v for k, v in {"patient": patient, "encounter": encounter}.items() if v}
    with writing(engine) as conn:
        conn.execute(delete(oauth_launch).where(oauth_launch.c.expires < now))
        conn.execute(
            insert(oauth_launch).values(
                launch_id=launch_id, user_id=user_id, context=json.dumps(context), expires=now + lifetime
            )
        )
    return launch_id


def find_launch(engine: Engine, launch_id: str, *, now: int) -> LaunchContext | None:
    """The launch, or None when unknown or expired."""
    if not launch_id or len(launch_id) > 64:
        return None
    with reading(engine) as conn:
        row = conn.execute(select(oauth_launch).where(oauth_launch.c.launch_id == launch_id)).first()
    if row is None or row.expires <= now:
        return None
    context = json.loads(row.context or "{}")
    return LaunchContext(row.launch_id, row.user_id, context.get("patient"), context.get("encounter"), row.expires)
