"""The access-log search form: what the privacy officer typed, checked, then as the service's parameters.

The form speaks the reader's terms (a user name, dates in Quebec time, "break-the-glass
only"); :meth:`Criteria.service_params` turns them into the parameters of
:func:`dsn.service.audit_access.audit_search` (``agent``, ``date-ge``/``date-lt``,
``break-glass``…). Dates are whole days in Montreal time: "from March 5 to March 5"
is that local day, not a UTC one. A mistake is shown next to its field, and nothing
is searched until the form is right.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Final
from urllib.parse import urlencode

from dsn.web.formatting import LOCAL_ZONE
from dsn.web.privacy.labels import ACTIONS, OUTCOMES

FIELDS: Final = ("patient", "agent", "organization", "region", "action", "subtype", "outcome", "btg", "from", "to")
_FHIR_ID: Final = re.compile(r"[A-Za-z0-9\-.]{1,64}")
MAX_TEXT: Final = 255


@dataclass(slots=True)
class Criteria:
    """The form's values as typed (``values``), the cursor of the page asked for, and any mistakes."""

    values: dict[str, str] = field(default_factory=dict)
    page: str | None = None
    errors: dict[str, str] = field(default_factory=dict)  # field → message key

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Criteria:
        values = {name: query.get(name, "").strip() for name in FIELDS}
        page = query.get("page", "").strip() or None
        criteria = cls(values, page if page and page.isdigit() else None)
        criteria._check()
        return criteria

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def filtered(self) -> bool:
        return any(self.values.values())

    def _check(self) -> None:
        v = self.values
        if v["patient"] and not _FHIR_ID.fullmatch(v["patient"]):
            self.errors["patient"] = "privacy_error_patient"
        for name in ("agent", "organization", "region", "subtype"):
            if len(v[name]) > MAX_TEXT:
                self.errors[name] = "privacy_error_too_long"
        if v["action"] and v["action"] not in ACTIONS:
            self.errors["action"] = "privacy_error_choice"
        if v["outcome"] and v["outcome"] not in {str(code) for code in OUTCOMES}:
            self.errors["outcome"] = "privacy_error_choice"
        if v["btg"] and v["btg"] != "1":
            self.errors["btg"] = "privacy_error_choice"
        days = {}
        for name in ("from", "to"):
            if v[name]:
                try:
                    days[name] = date.fromisoformat(v[name])
                except ValueError:
                    self.errors[name] = "privacy_error_date"
        if "from" in days and "to" in days and days["from"] > days["to"]:
            self.errors["to"] = "privacy_error_date_order"

    def service_params(self, user_id: str | None = None, *, count: int = 50, paged: bool = True) -> dict[str, str]:
        """The parameters of ``audit_search`` (``paged``) or ``audit_csv``; ``user_id`` replaces a typed user name."""
        v = self.values
        params: dict[str, str] = {}
        for name in ("patient", "organization", "region", "action", "subtype", "outcome"):
            if v[name]:
                params[name] = v[name]
        if v["agent"]:
            params["agent"] = user_id or v["agent"]
        if v["btg"]:
            params["break-glass"] = "true"
        if v["from"]:
            params["date-ge"] = "ge" + _local_midnight(date.fromisoformat(v["from"]))
        if v["to"]:
            params["date-lt"] = "lt" + _local_midnight(date.fromisoformat(v["to"]) + timedelta(days=1))
        if paged:
            params["_count"] = str(count)
            if self.page:
                params["_page"] = self.page
        return params

    def query(self, **extra: str) -> str:
        """The form's query string (empty fields left out), for paging and export links."""
        pairs = [(name, value) for name, value in self.values.items() if value]
        pairs += [(name, value) for name, value in extra.items() if value]
        return urlencode(pairs)


def _local_midnight(day: date) -> str:
    """The instant a day starts in Quebec, with its offset (EST or EDT as the day falls)."""
    return datetime.combine(day, time(0), tzinfo=LOCAL_ZONE).isoformat()
