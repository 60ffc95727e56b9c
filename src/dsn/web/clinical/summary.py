"""One patient's summary: banner facts, allergies, medications, problems, immunizations,
recent lab results and encounters, each with where it came from.

A handful of queries: one read of the Patient, one search per section (bounded by
``_count``), and one directory lookup for the source names. Each read goes through the
service with the page's context, so what a user sees here is exactly what the same user
would get from the FHIR API, and each is audited the same way.

A section the user's role may not read at all (a pharmacist and diagnoses, a clerk and
anything clinical) is not searched — the search would only be refused and logged as a
refusal — and is listed in ``Summary.unavailable``, so the page says "not available to
your role" instead of "none recorded", which would be a false reassurance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from dsn.security.policy import decide
from dsn.service.context import RequestContext
from dsn.service.records import RecordService
from dsn.store.records import StoredResource
from dsn.web.clinical.consent_status import ConsentStatus, consent_status
from dsn.web.clinical.display import (
    coded,
    concept_text,
    effective,
    first_coding,
    format_nam,
    human_name,
    nam_of,
    quantity,
    record_numbers,
)
from dsn.web.clinical.sources import Source, source_names
from dsn.web.formatting import age_in_years

SECTIONS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "allergies": ("AllergyIntolerance", [("_count", "50")]),
    "medications": ("MedicationRequest", [("status", "active"), ("_sort", "-authoredon"), ("_count", "50")]),
    "problems": ("Condition", [("clinical-status", "active"), ("_sort", "-recorded-date"), ("_count", "50")]),
    "immunizations": ("Immunization", [("_sort", "-date"), ("_count", "30")]),
    "labs": ("Observation", [("category", "laboratory"), ("_sort", "-date"), ("_count", "30")]),
    "encounters": ("Encounter", [("_sort", "-date"), ("_count", "30")]),
    "consents": ("Consent", [("status", "active"), ("_count", "20")]),
}


@dataclass(slots=True)
class Item:
    """One line of a summary section."""

    res_type: str
    res_id: str
    text: str
    when: str | None
    source: Source
    status: str = ""
    detail: str = ""
    value: float | None = None
    unit: str = ""
    low: float | None = None
    high: float | None = None
    flag: str = ""  # H, L, A... from Observation.interpretation
    code: tuple[str, str] | None = None  # (system, code), for the lab trend link
    category: str = ""  # Encounter.class code (AMB, EMER, IMP...), shown in the UI's language
    labels: tuple[str, ...] = ()


@dataclass(slots=True)
class Banner:
    patient_id: str
    name: str
    nam: str
    birth_date: str | None
    age: int | None
    gender: str
    record_numbers: list[tuple[str, str]]
    has_allergies: bool
    consent: ConsentStatus
    # False when the user cannot know: their role may not read allergies or Consents, or
    # the patient's choices hide the record from them (the chart sets it then).
    allergies_known: bool = True
    consent_known: bool = True


@dataclass(slots=True)
class Summary:
    banner: Banner
    sections: dict[str, list[Item]] = field(default_factory=dict)
    unavailable: frozenset[str] = frozenset()  # sections the user's role may not read


BANNER_SECTIONS = ("allergies", "consents")


def load_summary(service: RecordService, ctx: RequestContext, patient_id: str, *, today: date | None = None) -> Summary:
    return _load(service, ctx, patient_id, tuple(SECTIONS), today)


def load_banner(service: RecordService, ctx: RequestContext, patient_id: str, *, today: date | None = None) -> Banner:
    """Only what the banner needs (the Patient, allergies, consents): for pages about one part of a chart."""
    return _load(service, ctx, patient_id, BANNER_SECTIONS, today).banner


def may_search(service: RecordService, ctx: RequestContext, res_type: str) -> bool:
    """Whether the policy lets this user search ``res_type`` at all (no query, no audit record)."""
    return decide(
        ctx.caller,
        "search",
        res_type,
        region_live=service.access.region_live,
        override_file=service.settings.role_matrix_file,
    ).allowed


def _load(
    service: RecordService, ctx: RequestContext, patient_id: str, wanted: tuple[str, ...], today: date | None
) -> Summary:
    patient = service.read(ctx, "Patient", patient_id).resource or {}
    found: dict[str, list[StoredResource]] = {}
    unavailable: set[str] = set()
    for section in wanted:
        res_type, params = SECTIONS[section]
        if not may_search(service, ctx, res_type):
            unavailable.add(section)
            found[section] = []
            continue
        outcome = service.search(ctx, res_type, [("patient", patient_id), *params])
        found[section] = [m for m in outcome.result.matches if m.res_type == res_type]
    names = source_names(service, [(m.source_org, m.source_region) for stored in found.values() for m in stored])
    sections = {
        section: [to_item(m, names.of(m.source_org, m.source_region)) for m in stored]
        for section, stored in found.items()
        if section != "consents"
    }
    consent = consent_status([m.resource or {} for m in found["consents"]])
    banner = Banner(
        patient_id=patient_id,
        name=human_name(patient),
        nam=format_nam(nam_of(patient)),
        birth_date=patient.get("birthDate"),
        age=age_in_years(patient.get("birthDate"), today or date.today()),
        gender=str(patient.get("gender") or "unknown"),
        record_numbers=record_numbers(patient),
        has_allergies=bool(sections["allergies"]),
        consent=consent,
        allergies_known="allergies" not in unavailable,
        consent_known="consents" not in unavailable,
    )
    return Summary(banner, sections, frozenset(unavailable))


def to_item(stored: StoredResource, source: Source) -> Item:
    body = stored.resource or {}
    res_type = stored.res_type
    labels = tuple(label for label in (stored.labels or "").split() if label)
    item = Item(res_type, stored.res_id, "", effective(body), source, labels=labels)
    if res_type == "AllergyIntolerance":
        item.text = coded(body, "code")
        reactions = [
            concept_text(m)
            for reaction in body.get("reaction") or []
            if isinstance(reaction, dict)
            for m in reaction.get("manifestation") or []
        ]
        item.detail = ", ".join(r for r in reactions if r)
        item.status = str(body.get("criticality") or "")
    elif res_type == "MedicationRequest":
        item.text = coded(body, "medicationCodeableConcept")
        dosage = [d.get("text") for d in body.get("dosageInstruction") or [] if isinstance(d, dict)]
        item.detail = "; ".join(d for d in dosage if isinstance(d, str))
        item.status = str(body.get("status") or "")
    elif res_type == "Condition":
        item.text = coded(body, "code")
        item.status = concept_text(body.get("clinicalStatus"))
    elif res_type == "Immunization":
        item.text = coded(body, "vaccineCode")
        item.status = str(body.get("status") or "")
    elif res_type == "Observation":
        item.text = coded(body, "code")
        item.code = first_coding(body.get("code"))
        item.value, item.unit = quantity(body.get("valueQuantity"))
        if item.value is None:
            item.detail = concept_text(body.get("valueCodeableConcept")) or str(body.get("valueString") or "")
        ranges = [r for r in body.get("referenceRange") or [] if isinstance(r, dict)]
        if ranges:
            item.low, _ = quantity(ranges[0].get("low"))
            item.high, _ = quantity(ranges[0].get("high"))
        interpretation = first_coding((body.get("interpretation") or [None])[0])
        item.flag = interpretation[1] if interpretation else ""
    elif res_type == "Encounter":
        item.text = coded(body, "serviceType") or next(
            (concept_text(t) for t in body.get("type") or [] if concept_text(t)), ""
        )
        klass = body.get("class")
        item.detail = str(klass.get("display") or klass.get("code") or "") if isinstance(klass, dict) else ""
        item.category = str(klass.get("code") or "") if isinstance(klass, dict) else ""
        item.status = str(body.get("status") or "")
    else:
        item.text = coded(body, "code")
    return item
