"""The FHIR R4 primitive types, as they arrive in JSON."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dsn.fhir.primitives import PRIMITIVE_CHECKS, is_valid_primitive, primitive_error

VALID: list[tuple[str, object]] = [
    ("boolean", True),
    ("boolean", False),
    ("integer", 0),
    ("integer", -2147483648),
    ("integer", 2147483647),
    ("positiveInt", 1),
    ("unsignedInt", 0),
    ("decimal", 0),
    ("decimal", -1.25),
    ("decimal", 1e-7),
    ("decimal", Decimal("3.14159")),
    ("string", "a"),
    ("string", " padded\ttext\r\n"),
    ("markdown", "**bold**"),
    ("code", "final"),
    ("code", "entered in error"),
    ("id", "a"),
    ("id", "A-1.b"),
    ("id", "x" * 64),
    ("uri", "urn:ietf:rfc:3986"),
    ("uri", "http://loinc.org"),
    ("url", "https://example.org/fhir"),
    ("canonical", "http://hl7.org/fhir/ValueSet/example|4.0.1"),
    ("oid", "urn:oid:1.2.840.10008"),
    ("uuid", "urn:uuid:c757873d-ec9a-4326-a141-556f43239520"),
    ("base64Binary", "ZXhhbXBsZQ=="),
    ("base64Binary", "ZXhh\nbXBs ZQ=="),
    ("date", "2018"),
    ("date", "1973-06"),
    ("date", "1905-08-23"),
    ("date", "2000-02-29"),
    ("dateTime", "2018"),
    ("dateTime", "1973-06"),
    ("dateTime", "1905-08-23"),
    ("dateTime", "2015-02-07T13:28:17-05:00"),
    ("dateTime", "2017-01-01T00:00:00.000Z"),
    ("dateTime", "2016-12-31T23:59:60+14:00"),
    ("instant", "2015-02-07T13:28:17.239+02:00"),
    ("instant", "2017-01-01T00:00:00Z"),
    ("time", "00:00:00"),
    ("time", "23:59:59.999"),
    ("xhtml", '<div xmlns="http://www.w3.org/1999/xhtml"><p>Hi</p></div>'),
]

INVALID: list[tuple[str, object]] = [
    ("boolean", "true"),
    ("boolean", 1),
    ("integer", 1.0),
    ("integer", "1"),
    ("integer", True),
    ("integer", 2147483648),
    ("integer", -2147483649),
    ("positiveInt", 0),
    ("unsignedInt", -1),
    ("decimal", "1.5"),
    ("decimal", True),
    ("decimal", float("nan")),
    ("decimal", float("inf")),
    ("string", ""),
    ("string", 5),
    ("string", "bell\x07"),
    ("string", "x" * (1024 * 1024 + 1)),
    ("code", ""),
    ("code", " final"),
    ("code", "final "),
    ("code", "two  spaces"),
    ("id", ""),
    ("id", "has space"),
    ("id", "under_score"),
    ("id", "x" * 65),
    ("uri", ""),
    ("uri", "http://example.org/a b"),
    ("oid", "1.2.3"),
    ("oid", "urn:oid:3.1"),
    ("uuid", "urn:uuid:C757873D-EC9A-4326-A141-556F43239520"),
    ("uuid", "c757873d-ec9a-4326-a141-556f43239520"),
    ("base64Binary", "abc"),
    ("base64Binary", "ab$="),
    ("date", "2018-13"),
    ("date", "2018-02-30"),
    ("date", "2019-02-29"),
    ("date", "0000"),
    ("date", "18-01-01"),
    ("date", "2018-01-01T00:00:00Z"),
    ("dateTime", "2018-01-01T10:00:00"),
    ("dateTime", "2018-01-01T10:00Z"),
    ("dateTime", "2018-01-01T24:00:00Z"),
    ("dateTime", "2018-01-01T10:00:00+15:00"),
    ("dateTime", "2018-04-31"),
    ("dateTime", 2018),
    ("instant", "2018-01-01"),
    ("instant", "2018-01-01T10:00:00"),
    ("time", "24:00:00"),
    ("time", "10:00"),
    ("time", "10:00:00Z"),
    ("xhtml", "plain text"),
    ("xhtml", "<div>no namespace</div>"),
    ("xhtml", '<p xmlns="http://www.w3.org/1999/xhtml">not a div</p>'),
]


@pytest.mark.parametrize(("type_code", "value"), VALID)
def test_valid_primitive_values_are_accepted(type_code: str, value: object) -> None:
    assert primitive_error(type_code, value) is None


@pytest.mark.parametrize(("type_code", "value"), INVALID)
def test_invalid_primitive_values_are_rejected_with_a_reason(type_code: str, value: object) -> None:
    reason = primitive_error(type_code, value)
    assert reason
    assert not is_valid_primitive(type_code, value)


def test_every_fhir_primitive_type_has_a_checker() -> None:
    from dsn.fhir.definitions import primitive_types

    assert set(primitive_types()) == set(PRIMITIVE_CHECKS)


def test_wrong_json_type_reason_names_expected_and_actual_json_types() -> None:
    assert primitive_error("boolean", "true") == (
        "expected a JSON boolean (true or false), got string"
    )
    assert primitive_error("string", 12) == "expected a JSON string, got number"


def test_day_that_does_not_exist_in_the_month_is_explained() -> None:
    assert primitive_error("date", "2023-02-29") == "day 29 does not exist in 2023-02"


def test_datetime_with_time_but_no_timezone_says_the_timezone_is_required() -> None:
    reason = primitive_error("dateTime", "2020-05-01T08:00:00")
    assert reason is not None and "timezone" in reason
