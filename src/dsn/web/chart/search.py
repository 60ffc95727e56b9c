"""Finding a patient: name, NAM, birth date or local record number, combined with AND.

The criteria become one FHIR Patient search run through the service with the user's own
context, so a patient whose chart the user may not see is simply not found, and the
search is in the audit log with the patients it returned. The service runs in strict
mode here: a criterion it could not read would otherwise be ignored, and a search for
"this NAM" would silently become a search for everyone. Input is checked first, so that
never happens in practice; strictness is the backstop.

* name — each word is one ``name`` criterion (ANDed), which FHIR matches as an accent- and
  case-insensitive prefix of any part of the name: ``gen belanger`` finds Geneviève
  Bélanger-Côté;
* NAM — typed with or without spaces, in any case; searched under the NAM system both as
  DSN stores it (``BELG71592319``) and as cards print it (``BELG 7159 2319``);
* birth date — ``AAAA-MM-JJ`` (the date field's own format) or ``JJ/MM/AAAA``;
* record number (MRN) — the bare ``identifier=value``, which matches any system: every
  facility has its own MRN system and the user does not know which one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from dsn.mpi.nam import NAM_SYSTEM, normalize_nam
from dsn.service.context import RequestContext
from dsn.service.records import RecordService
from dsn.web.clinical.display import format_nam, human_name, nam_of, search_escape

FIELDS = ("name", "nam", "birth_date", "mrn")
MAX_RESULTS = 25
MAX_INPUT = 100
MIN_NAME_LETTERS = 2
_NAM = re.compile(r"^[A-Z]{4}\d{8}$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


@dataclass(slots=True)
class PatientQuery:
    """The search form as typed, its errors (field → message key) and the FHIR criteria."""

    values: dict[str, str]
    submitted: bool
    errors: dict[str, str] = field(default_factory=dict)
    pairs: list[tuple[str, str]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(self.values.values())

    @property
    def too_broad(self) -> bool:
        """Submitted with nothing to search on: we do not list everyone."""
        return self.submitted and self.empty

    @property
    def ready(self) -> bool:
        return self.submitted and not self.empty and not self.errors

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> PatientQuery:
        values = {name: " ".join(str(params.get(name, "")).split())[:MAX_INPUT] for name in FIELDS}
        query = cls(values, submitted=any(name in params for name in FIELDS))
        query._check()
        return query

    def _check(self) -> None:
        name, nam, born, mrn = (self.values[f] for f in FIELDS)
        if name:
            words = name.split(" ")
            if sum(ch.isalpha() for ch in name) < MIN_NAME_LETTERS:
                self.errors["name"] = "search_error_name"
            else:
                self.pairs.extend(("name", search_escape(word)) for word in words)
        if nam:
            compact = normalize_nam(nam)
            if not _NAM.match(compact):
                self.errors["nam"] = "search_error_nam"
            else:
                printed = format_nam(compact)
                self.pairs.append(("identifier", f"{NAM_SYSTEM}|{compact},{NAM_SYSTEM}|{printed}"))
        if born:
            day = parse_birth_date(born)
            if day is None:
                self.errors["birth_date"] = "search_error_birth_date"
            else:
                self.pairs.append(("birthdate", day.isoformat()))
        if mrn:
            self.pairs.append(("identifier", search_escape(mrn)))


def parse_birth_date(text: str) -> date | None:
    """``AAAA-MM-JJ`` or ``JJ/MM/AAAA``; None if it is neither or not a real day."""
    try:
        found = _DAY_FIRST.match(text)
        if found:
            return date(int(found.group(3)), int(found.group(2)), int(found.group(1)))
        if re.match(r"^\d{4}-\d{2}-\d{2}$", text):
            return date.fromisoformat(text)
    except ValueError:
        return None
    return None


@dataclass(frozen=True, slots=True)
class PatientRow:
    id: str
    name: str
    nam: str
    birth_date: str | None
    gender: str


@dataclass(frozen=True, slots=True)
class SearchResults:
    rows: list[PatientRow]
    more: bool  # more patients match than are listed: the user should narrow the search


def find_patients(service: RecordService, ctx: RequestContext, query: PatientQuery) -> SearchResults:
    """One search of the service; at most ``MAX_RESULTS`` rows, and whether more match."""
    pairs = [*query.pairs, ("_sort", "family,given,birthdate"), ("_count", str(MAX_RESULTS))]
    outcome = service.search(replace(ctx, strict=True), "Patient", pairs)
    rows = [_row(m.res_id, m.resource or {}) for m in outcome.result.matches if m.res_type == "Patient"]
    return SearchResults(rows, more=outcome.result.next_cursor is not None)


def _row(res_id: str, patient: dict[str, Any]) -> PatientRow:
    gender = patient.get("gender")
    return PatientRow(
        id=res_id,
        name=human_name(patient),
        nam=format_nam(nam_of(patient)),
        birth_date=patient.get("birthDate") if isinstance(patient.get("birthDate"), str) else None,
        gender=gender if gender in ("male", "female", "other") else "unknown",
    )
