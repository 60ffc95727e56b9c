"""Sensitive categories of information, recognised from the codes in a resource.

Quebec's Act respecting health and social services information lets a patient restrict
categories of information. DSN labels a resource with an HL7 v3 ActCode sensitivity
code when the sender labelled it in ``meta.security``, *or* when one of its codes is in
the table below. The table is deliberately small and explicit (each code is a decision
a privacy officer can read); extend it here.

| label | category | recognised from |
|---|---|---|
| PSY | mental health | SNOMED CT mental disorders listed below; ICD-10-CA F00–F09, F20–F99; antidepressants |
| ETH | substance use | SNOMED CT substance use disorders; ICD-10-CA F10–F19; naltrexone |
| HIV | HIV/AIDS | SNOMED CT HIV infection; ICD-10-CA B20–B24, Z21; HIV tests (LOINC); antiretrovirals |
| STD | sexually transmitted infections | SNOMED CT chlamydia, gonorrhea, genital herpes, syphilis; ICD-10-CA A50–A64 |
| SEX | sexual and reproductive health | SNOMED CT pregnancy, termination of pregnancy; ICD-10-CA O00–O08, Z30–Z39 |
"""

from __future__ import annotations

from typing import Any

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ICD10 = ("http://hl7.org/fhir/sid/icd-10", "http://hl7.org/fhir/sid/icd-10-ca", "http://hl7.org/fhir/sid/icd-10-cm")

CODES: dict[tuple[str, str], str] = {
    # mental health
    (SNOMED, "35489007"): "PSY",  # depressive disorder
    (SNOMED, "370143000"): "PSY",  # major depressive disorder
    (SNOMED, "197480006"): "PSY",  # anxiety disorder
    (SNOMED, "13746004"): "PSY",  # bipolar disorder
    (SNOMED, "58214004"): "PSY",  # schizophrenia
    (SNOMED, "47505003"): "PSY",  # post-traumatic stress disorder
    (SNOMED, "69322001"): "PSY",  # psychotic disorder
    (RXNORM, "312938"): "PSY",  # sertraline 50 MG
    (RXNORM, "310385"): "PSY",  # fluoxetine 20 MG
    # substance use
    (SNOMED, "7200002"): "ETH",  # alcoholism
    (SNOMED, "5602001"): "ETH",  # opioid abuse
    (SNOMED, "66590003"): "ETH",  # alcohol dependence
    (SNOMED, "75544000"): "ETH",  # opioid dependence
    (RXNORM, "1483744"): "ETH",  # naltrexone
    # HIV
    (SNOMED, "86406008"): "HIV",  # HIV infection
    (SNOMED, "62479008"): "HIV",  # AIDS
    (LOINC, "75622-1"): "HIV",  # HIV 1 and 2 Ag+Ab screen
    (LOINC, "7917-8"): "HIV",  # HIV 1 Ab
    (LOINC, "20447-9"): "HIV",  # HIV 1 RNA viral load
    (RXNORM, "1999667"): "HIV",  # bictegravir/emtricitabine/tenofovir alafenamide
    # sexually transmitted infections
    (SNOMED, "105629000"): "STD",  # chlamydial infection
    (SNOMED, "15628003"): "STD",  # gonorrhea
    (SNOMED, "33839006"): "STD",  # genital herpes simplex
    (SNOMED, "76272004"): "STD",  # syphilis
    # sexual and reproductive health
    (SNOMED, "72892002"): "SEX",  # normal pregnancy
    (SNOMED, "77386006"): "SEX",  # pregnancy
    (SNOMED, "57797005"): "SEX",  # termination of pregnancy
}
ICD10_RANGES: tuple[tuple[str, str, str], ...] = (
    ("F10", "F19", "ETH"),
    ("F00", "F09", "PSY"),
    ("F20", "F99", "PSY"),
    ("B20", "B24", "HIV"),
    ("Z21", "Z21", "HIV"),
    ("A50", "A64", "STD"),
    ("O00", "O08", "SEX"),
    ("Z30", "Z39", "SEX"),
)
CODED_ELEMENTS = ("code", "medicationCodeableConcept", "valueCodeableConcept", "reasonCode", "vaccineCode")


def sensitivity_of(resource: dict[str, Any]) -> set[str]:
    """Sensitivity labels implied by the resource's own codes."""
    found: set[str] = set()
    for element in CODED_ELEMENTS:
        value = resource.get(element)
        for concept in value if isinstance(value, list) else [value]:
            if isinstance(concept, dict):
                for coding in concept.get("coding") or []:
                    if isinstance(coding, dict):
                        label = _label(coding.get("system"), coding.get("code"))
                        if label:
                            found.add(label)
    return found


def _label(system: Any, code: Any) -> str | None:
    if not isinstance(system, str) or not isinstance(code, str):
        return None
    label = CODES.get((system, code))
    if label or system not in ICD10:
        return label
    head = code.upper().replace(".", "")[:3]
    for low, high, range_label in ICD10_RANGES:
        if low <= head <= high:
            return range_label
    return None
