"""Helpers of the privacy officer pages (``/app/privacy/``): reading audit bundles, forms, the chain check.

The pages themselves are in :mod:`dsn.web.pages.privacy`; everything they read goes
through :mod:`dsn.service.audit_access` (the access policy, and the audit of the
audit-log read itself).
"""
