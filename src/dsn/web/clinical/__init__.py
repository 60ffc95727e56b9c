"""What the chart and the portal show of a patient's record, shared by both.

Everything here reads through :class:`~dsn.service.records.RecordService` with the page's
own request context, so the access policy, consent and break-the-glass decide what is
shown, and every read is in the audit log exactly as an API read would be.
"""
