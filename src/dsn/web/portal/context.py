"""Whose record the portal shows: the patient chosen at login, never another one.

A patient account may act for itself and for represented children under 14
(``Caller.patients``); the login makes it choose one (``launch_patient``). Every portal
page works on that one patient only, even though the access policy would let a parent
see all of them: a page that mixed two people's records would be a worse error than a
second login.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends

from dsn.service.context import RequestContext
from dsn.service.errors import FhirError
from dsn.service.records import RecordService
from dsn.web.clinical.display import human_name
from dsn.web.page import WebError, WebPage, web_page


@dataclass(frozen=True, slots=True)
class Portal:
    """A portal page: the web page and the one patient it is about."""

    page: WebPage
    patient_id: str

    @property
    def own_record(self) -> bool:
        """False when a parent acts for a child."""
        return self.page.user.patient_id == self.patient_id

    @property
    def other_records(self) -> int:
        """How many other records the user may act for (they choose one at login)."""
        return len(self.page.caller.patients) - 1


def chosen_patient(page: WebPage) -> str:
    """The patient of the session; 403 for any other role, or without a valid choice."""
    if page.role != "patient":
        raise WebError(403, "error_forbidden")
    caller = page.caller
    chosen = caller.launch_patient
    if chosen is None and len(caller.patients) == 1:
        chosen = caller.patients[0]
    if not chosen or chosen not in caller.patients:
        raise WebError(403, "portal_error_no_patient")
    return chosen


async def portal_page(page: WebPage = Depends(web_page)) -> Portal:
    """FastAPI dependency of every portal page (after the login check of ``web_page``)."""
    return Portal(page, chosen_patient(page))


ABSENT = (404, 410)  # the account's Patient is not (or no longer) in DSN


def record_absent(error: FhirError) -> bool:
    """A patient sees their whole compartment: "not found" for their own Patient means there is none yet."""
    return error.status in ABSENT


@dataclass(frozen=True, slots=True)
class Whose:
    """The line that says whose record this is (essential when a parent acts for a child)."""

    patient_id: str
    name: str
    birth_date: str | None
    own: bool
    others: int
    exists: bool = True


def whose_record(service: RecordService, ctx: RequestContext, portal: Portal) -> Whose:
    try:
        patient = service.read(ctx, "Patient", portal.patient_id).resource or {}
    except FhirError as error:
        if not record_absent(error):
            raise
        return Whose(portal.patient_id, "", None, portal.own_record, portal.other_records, exists=False)
    return Whose(
        portal.patient_id,
        human_name(patient),
        patient.get("birthDate") if isinstance(patient.get("birthDate"), str) else None,
        portal.own_record,
        portal.other_records,
    )
