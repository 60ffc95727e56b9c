"""What the clinician chart pages compute before rendering: the patient search, what a
patient's choices withhold from this user, and emergency access (break-the-glass).

Everything reads through :class:`~dsn.service.records.RecordService` with the page's own
request context, so the access policy, consent filter and audit log apply exactly as for
an API call; nothing here decides access, it only explains the policy's outcome.
"""
