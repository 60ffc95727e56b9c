"""Official R4 examples that really violate the R4 specification, each checked by hand.

The examples package is not perfect: these files are rejected by DSN's validator for
the reason given, and the reason was confirmed against the R4 definitions.  Keep this
list short and honest: an example that fails for any other reason means the validator
is wrong.
"""

from __future__ import annotations

KNOWN_INVALID_EXAMPLES: dict[str, str] = {
    "package.json": "the npm manifest of the examples package, not a FHIR resource",
    "Questionnaire-qs1.json": ("32 nested items lack Questionnaire.item.linkId, which is 1..1"),
    "DeviceMetric-example.json": (
        "DeviceMetric.parent is Reference(Device) but refers to DeviceDefinition/dc102"
    ),
    "DeviceUseStatement-example.json": (
        "reasonReference may not target Procedure (Condition|Observation|DiagnosticReport"
        "|DocumentReference|Media) but refers to Procedure/example"
    ),
    "MedicationRequest-medrx0301.json": (
        "dispenseRequest.performer is Reference(Organization) but refers to Practitioner/f001"
    ),
    "Observation-clinical-gender.json": (
        "Observation.performer may not target Encounter but refers to Encounter/example"
    ),
}
"""File name in ``r4-examples/`` -> why it is invalid."""
