"""Content negotiation: DSN speaks FHIR JSON, and says so clearly when asked for more."""

from __future__ import annotations

from dsn.service.errors import FhirError

FHIR_JSON = "application/fhir+json"
JSON_PATCH = "application/json-patch+json"
_JSON_TYPES = {FHIR_JSON, "application/json", "application/*", "*/*", "json", "application/fhir+json;fhirversion=4.0"}
_FORMAT_ALIASES = {"json", "application/json", FHIR_JSON}


def negotiate(accept: str | None, format_param: str | None) -> None:
    """Raise 406 unless the client accepts FHIR JSON (``_format`` overrides ``Accept``)."""
    if format_param is not None:
        if format_param.strip().lower() not in _FORMAT_ALIASES:
            raise FhirError(
                406,
                "not-supported",
                f"_format '{format_param}' is not supported: DSN serves application/fhir+json only",
                "_format",
            )
        return
    if not accept:
        return
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        params = part.split(";")[1:]
        quality = 1.0
        for param in params:
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0 and (media in _JSON_TYPES or media.endswith("+json") or media == "text/html"):
            return
    raise FhirError(
        406,
        "not-supported",
        f"cannot answer in '{accept}': DSN serves application/fhir+json only (XML and RDF are not supported)",
    )


def require_json_body(content_type: str | None, *, patch: bool = False) -> None:
    """Reject bodies in formats DSN does not read (415), before parsing them."""
    media = (content_type or "").split(";")[0].strip().lower()
    accepted = {JSON_PATCH} if patch else {FHIR_JSON, "application/json"}
    if patch and media in (FHIR_JSON, "application/json"):
        raise FhirError(
            415,
            "not-supported",
            "PATCH accepts JSON Patch (application/json-patch+json); FHIRPath Patch is not supported",
        )
    if media not in accepted:
        expected = " or ".join(sorted(accepted))
        raise FhirError(415, "not-supported", f"Content-Type '{content_type}' is not supported; send {expected}")
