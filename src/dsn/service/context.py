"""Who is calling, and about which request: handed to the service by every way in.

The REST API, the web pages, the HL7 feed and the CLI all build a :class:`Caller` and
pass it to the service; authentication fills it, the access policy and the audit log
read it. Nothing reaches the store without one.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated party behind a request.

    ``kind`` is ``user`` (a person who logged in), ``client`` (a backend service with
    ``system/`` scopes), ``system`` (server-internal work) or ``anonymous``.
    ``patients`` lists the patients a patient user may act for (themselves and, for a
    parent, children under 14); ``launch_patient`` is the SMART launch context that
    ``patient/`` scopes are bound to.
    """

    kind: str
    subject: str
    display: str = ""
    role: str | None = None
    scopes: tuple[str, ...] = ()
    organization: str | None = None
    region: str | None = None
    patients: tuple[str, ...] = ()
    launch_patient: str | None = None
    client_id: str | None = None
    fhir_user: str | None = None
    token_id: str | None = None

    @property
    def is_patient(self) -> bool:
        return self.role == "patient"


@dataclass(frozen=True, slots=True)
class RequestContext:
    """Per-request facts that the pipeline records (audit) or obeys (handling)."""

    caller: Caller
    request_id: str = ""
    remote_addr: str | None = None
    strict: bool = False
    purpose_of_use: tuple[str, ...] = field(default_factory=tuple)


SYSTEM = Caller(kind="system", subject="dsn", display="DSN server", role="system")
ANONYMOUS = Caller(kind="anonymous", subject="anonymous", display="unauthenticated client")


def system_context(request_id: str = "") -> RequestContext:
    """Context for server-internal work (migrations, loaders, maintenance commands)."""
    return RequestContext(caller=SYSTEM, request_id=request_id)
