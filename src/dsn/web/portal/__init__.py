"""The patient portal's logic: whose record, lab list, access history, consent forms, download.

The pages in :mod:`dsn.web.pages.portal` stay thin; each module here reads through the
service with the page's own request context, so the portal shows a patient exactly what
the FHIR API would give them, and every read is audited the same way.
"""
