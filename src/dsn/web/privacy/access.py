"""Who may use the privacy pages: the access policy's rule for the audit log, nothing of our own.

Every audit tool of the service (:mod:`dsn.service.audit_access`) lets a caller in
when the policy allows ``search`` on ``AuditEvent`` (the role matrix's ``audit``
category, a live region); a refusal is itself audited. Pages that must refuse before
they call one of those tools (a search form with mistakes, the chain check) ask the
same question the same way here.
"""

from __future__ import annotations

from dsn.service.context import RequestContext
from dsn.service.records import RecordService


def require_audit_reader(service: RecordService, ctx: RequestContext, subtype: str = "search-type") -> None:
    """403 (audited) unless the caller may search the audit log."""
    with service._refusals(ctx, subtype, "AuditEvent"):
        service.access.require(ctx, "search", "AuditEvent")
