"""Structural validation of FHIR R4 resources in their JSON form.

``validate_resource`` checks a parsed JSON resource against the base R4 definitions:
resource type, known elements, JSON shapes (object / array / primitive), cardinality,
choice types, primitive formats, primitive extensions (``_birthDate``), extensions,
required terminology bindings that can be expanded locally, Reference target types,
and the few invariants that are both cheap and important (ele-1, ext-1, dom-2, dom-4,
dom-5, contained resources carry an id).  General FHIRPath invariants are out of scope.

Issue codes (OperationOutcome.issue.code) used:

* ``structure``: not JSON-shaped as FHIR requires (unknown element, object vs array vs
  primitive, wrong JSON type, null, empty object/array, two choices of one element);
* ``required``: a required element (or ``resourceType``) is missing;
* ``value``: a primitive of the right JSON type with a malformed value;
* ``code-invalid``: a code outside a required value set;
* ``invalid``: unknown or unexpected resource type, reference to a disallowed type;
* ``invariant``: one of the invariants above;
* ``too-costly``: nesting too deep to validate.

It is on the write path of every resource, so the definitions are compiled once into
plain objects (``_Struct``/``_Field``) that the walker reads with dict lookups only;
messages are built only when something is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Final

from dsn.fhir import definitions
from dsn.fhir.definitions import ElementInfo
from dsn.fhir.primitives import PRIMITIVE_CHECKS, PrimitiveCheck, json_type_name

__all__ = ["ValidationIssue", "preload", "validate_resource"]

ERROR: Final = "error"


@dataclass(frozen=True, slots=True)
class ValidationIssue:
    """One problem found in a resource, shaped like an OperationOutcome.issue."""

    severity: str  # "error" | "warning" | "information"
    code: str  # OperationOutcome issue type code ("structure", "required", "value", ...)
    path: str  # FHIRPath-style location, e.g. "Observation.component[1].code"
    message: str


Issues = list[ValidationIssue]

_PRIMITIVE: Final = 0
_COMPLEX: Final = 1
_RESOURCE: Final = 2

# The JSON type each primitive arrives as, to tell a wrong JSON type ("structure")
# from a malformed value of the right JSON type ("value").
_JSON_KIND_OF_PRIMITIVE: Final = {
    "boolean": "boolean",
    "integer": "number",
    "positiveInt": "number",
    "unsignedInt": "number",
    "decimal": "number",
}
_MAX_SHOWN_VALUE: Final = 60
_REFERENCE_TYPE_RE: Final = re.compile(
    r"(?:https?://\S*/)?([A-Z][A-Za-z]+)/[A-Za-z0-9\-.]{1,64}(?:/_history/[A-Za-z0-9\-.]{1,64})?"
)


class _Field:
    """One JSON property a struct accepts (choice elements give one per type)."""

    __slots__ = (
        "binding_url",
        "check",
        "choice",
        "codes",
        "element",
        "is_array",
        "json_name",
        "kind",
        "max",
        "resource_type",
        "struct",
        "system_codes",
        "targets",
        "type_code",
    )

    def __init__(self, json_name: str, type_code: str, info: ElementInfo) -> None:
        self.json_name = json_name
        self.element = f"{info.name}[x]" if info.choice else info.name
        self.type_code = type_code
        self.is_array = info.is_array
        self.max = info.max
        self.choice: str | None = info.name if info.choice else None
        self.check: PrimitiveCheck | None = PRIMITIVE_CHECKS.get(type_code)
        self.struct: _Struct | None = None  # linked after every struct exists
        self.resource_type: str | None = None
        if self.check is not None:
            self.kind = _PRIMITIVE
        elif type_code == "Resource" or definitions.is_resource_type(type_code):
            self.kind = _RESOURCE
            self.resource_type = None if type_code == "Resource" else type_code
        else:
            self.kind = _COMPLEX
        expansion = definitions.required_value_set(info.binding) if info.binding else None
        self.binding_url = info.binding if expansion is not None else None
        self.system_codes: Mapping[str, frozenset[str]] | None = None
        self.codes: frozenset[str] | None = None
        if expansion is not None and type_code == "code":
            self.codes = frozenset().union(*expansion.values())
        elif expansion is not None and type_code in ("Coding", "CodeableConcept"):
            self.system_codes = expansion
        self.targets: frozenset[str] | None = None
        if type_code == "Reference" and info.targets:
            self.targets = frozenset(info.targets)


class _Struct:
    """The compiled form of a resource type, data type or backbone element."""

    __slots__ = ("choices", "fields", "is_resource", "key", "post_check", "required")

    def __init__(self, key: str, elements: Mapping[str, ElementInfo], is_resource: bool) -> None:
        self.key = key
        self.is_resource = is_resource
        self.fields: dict[str, _Field] = {}
        self.choices: dict[str, tuple[str, ...]] = {}
        required: list[tuple[str, tuple[str, ...]]] = []
        for name, info in elements.items():
            json_names = info.json_names()
            for json_name, type_code in json_names.items():
                self.fields[json_name] = _Field(json_name, type_code, info)
            if info.choice:
                self.choices[name] = tuple(json_names)
            if info.min > 0:
                keys = tuple(json_names) + tuple(
                    "_" + json_name for json_name in json_names if self.fields[json_name].check
                )
                required.append((self.fields[next(iter(json_names))].element, keys))
        self.required = tuple(required)
        self.post_check: Callable[[dict[str, object], str, Issues], None] | None = None


@cache
def _structs() -> Mapping[str, _Struct]:
    """Compile every struct of the definitions once, then link fields to structs."""
    resource_types = definitions.resource_types()
    structs: dict[str, _Struct] = {}
    for key in sorted(definitions.struct_names()):
        elements = definitions.struct_elements(key)
        assert elements is not None
        structs[key] = _Struct(key, elements, key in resource_types)
    for struct in structs.values():
        for field in struct.fields.values():
            if field.kind == _COMPLEX:
                field.struct = structs[field.type_code]
    structs["Extension"].post_check = _check_extension_value_or_children
    return structs


# --------------------------------------------------------------------------- public API


def preload() -> None:
    """Compile the definitions now (about 50 ms) rather than on the first validation.

    Servers call this at startup so that the first request does not pay the cost.
    """
    _structs()


def validate_resource(
    resource: object, *, expected_type: str | None = None
) -> list[ValidationIssue]:
    """Validate a parsed FHIR JSON resource; return its issues (empty when valid).

    ``expected_type`` is the type the caller requires (the ``[type]`` of the URL on a
    create or update); a different ``resourceType`` is reported as an error.  Issues come
    in document order, so the same input always yields the same list.
    """
    issues: Issues = []
    try:
        _validate_resource(resource, "", issues, expected_type, contained=False)
    except RecursionError:
        issues.append(
            ValidationIssue(
                ERROR, "too-costly", _root_name(resource), "The resource is nested too deeply"
            )
        )
    return issues


# --------------------------------------------------------------------------- resources


def _root_name(resource: object) -> str:
    if isinstance(resource, dict) and isinstance(resource.get("resourceType"), str):
        return str(resource["resourceType"])
    return "Resource"


def _validate_resource(
    resource: object, path: str, issues: Issues, expected_type: str | None, *, contained: bool
) -> None:
    if type(resource) is not dict:
        where = path or expected_type or "Resource"
        issues.append(
            _issue(
                "structure",
                where,
                f"Expected a resource (JSON object), got {json_type_name(resource)}",
            )
        )
        return
    resource_type = resource.get("resourceType")
    if resource_type is None:
        where = path or expected_type or "Resource"
        issues.append(_issue("required", where, "Missing 'resourceType'"))
        return
    if type(resource_type) is not str or not definitions.is_resource_type(resource_type):
        where = path or "Resource"
        issues.append(_issue("invalid", where, f"Unknown resource type {_show(resource_type)}"))
        return
    path = path or resource_type
    if expected_type is not None and resource_type != expected_type:
        issues.append(
            _issue(
                "invalid", path, f"Expected resourceType '{expected_type}', got '{resource_type}'"
            )
        )
    _validate_struct(resource, _structs()[resource_type], path, issues)
    if contained:
        _check_contained(resource, path, issues)


def _check_contained(resource: dict[str, object], path: str, issues: Issues) -> None:
    """A contained resource needs a local id and has no life of its own (dom-2, 4, 5).

    It is versioned, secured and referenced only through the resource containing it.
    """
    if "id" not in resource:
        issues.append(_issue("required", path + ".id", "A contained resource must have an id"))
    if "contained" in resource:
        issues.append(
            _issue(
                "invariant",
                path + ".contained",
                "A contained resource must not contain resources (dom-2)",
            )
        )
    meta = resource.get("meta")
    if type(meta) is not dict:
        return
    if "security" in meta:
        issues.append(
            _issue(
                "invariant",
                path + ".meta.security",
                "A contained resource must not have a security label (dom-5)",
            )
        )
    if "versionId" in meta or "lastUpdated" in meta:
        issues.append(
            _issue(
                "invariant",
                path + ".meta",
                "A contained resource must not have meta.versionId or meta.lastUpdated (dom-4)",
            )
        )


# --------------------------------------------------------------------------- structs


def _validate_struct(obj: dict[str, object], struct: _Struct, path: str, issues: Issues) -> None:
    """Check every property of ``obj`` against ``struct``, then the required elements."""
    fields = struct.fields
    chosen: dict[str, str] | None = None
    for key, value in obj.items():
        field = fields.get(key)
        if field is None:
            field = _primitive_extension_field(obj, key, struct, path, issues)
            if field is None:
                continue
            _validate_primitive_extension(obj, field, value, path, issues)
            if field.choice is None or key[1:] in obj:
                continue
            key = key[1:]  # a choice given only as "_valueString" still is the choice made
        elif value is None:
            issues.append(_issue("structure", f"{path}.{key}", _null_message(key)))
            continue
        elif field.is_array:
            _validate_array(obj, field, value, path, issues)
        elif type(value) is list:
            issues.append(_issue("structure", f"{path}.{key}", _not_array_message(field)))
        elif field.kind == _PRIMITIVE:
            _check_primitive(field, value, path, key, issues)
        else:
            _validate_complex(field, value, f"{path}.{key}", issues)
        if field.choice is not None:
            if chosen is None:
                chosen = {}
            previous = chosen.setdefault(field.choice, key)
            if previous != key:
                issues.append(
                    _issue(
                        "structure",
                        f"{path}.{key}",
                        f"Only one of {field.element} may be present: "
                        f"found both '{previous}' and '{key}'",
                    )
                )
    for element, keys in struct.required:
        for key in keys:
            if key in obj:
                break
        else:
            issues.append(_missing(struct, element, keys, path))
    if struct.post_check is not None:
        struct.post_check(obj, path, issues)


def _validate_array(
    obj: dict[str, object], field: _Field, value: object, path: str, issues: Issues
) -> None:
    key = field.json_name
    if type(value) is not list:
        issues.append(
            _issue(
                "structure",
                f"{path}.{key}",
                f"Element '{key}' repeats (max {_max_text(field.max)}) and must be a JSON array, "
                f"got {json_type_name(value)}",
            )
        )
        return
    if not value:
        issues.append(
            _issue(
                "structure", f"{path}.{key}", f"Empty array for '{key}': omit the element instead"
            )
        )
        return
    if field.max is not None and len(value) > field.max:
        issues.append(
            _issue(
                "structure",
                f"{path}.{key}",
                f"'{key}' has {len(value)} items, at most {field.max} allowed",
            )
        )
    if field.kind == _PRIMITIVE:
        _check_primitive_array(obj, field, value, path, issues)
        return
    for index, item in enumerate(value):
        item_path = f"{path}.{key}[{index}]"
        if item is None:
            issues.append(_issue("structure", item_path, _null_message(key)))
        else:
            _validate_complex(field, item, item_path, issues)


def _validate_complex(field: _Field, value: object, path: str, issues: Issues) -> None:
    if type(value) is not dict:
        issues.append(
            _issue(
                "structure",
                path,
                f"Expected a JSON object for {definitions.fhir_type_name(field.type_code)}, "
                f"got {json_type_name(value)}",
            )
        )
        return
    if not value:
        issues.append(
            _issue(
                "structure", path, "Empty object: an element must have a value or children (ele-1)"
            )
        )
        return
    if field.kind == _RESOURCE:
        _validate_resource(
            value, path, issues, field.resource_type, contained=field.json_name == "contained"
        )
        return
    struct = field.struct
    assert struct is not None
    if len(value) == 1 and "id" in value:
        issues.append(
            _issue(
                "invariant", path, "An element must have a value or children besides 'id' (ele-1)"
            )
        )
    _validate_struct(value, struct, path, issues)
    if field.system_codes is not None:
        _check_coded_binding(field, value, path, issues)
    elif field.targets is not None:
        _check_reference_target(field, value, path, issues)


def _missing(struct: _Struct, element: str, keys: tuple[str, ...], path: str) -> ValidationIssue:
    if element.endswith("[x]"):
        options = ", ".join(struct.choices[element[:-3]])
        return _issue(
            "required",
            f"{path}.{element}",
            f"Missing required element '{element}' (one of {options})",
        )
    return _issue("required", f"{path}.{element}", f"Missing required element '{element}'")


# --------------------------------------------------------------------------- primitives


def _check_primitive(field: _Field, value: object, path: str, key: str, issues: Issues) -> None:
    """Validate a single primitive value held by ``path.key``."""
    check = field.check
    assert check is not None
    reason = check(value)
    if reason is not None:
        issues.append(_primitive_issue(field, value, f"{path}.{key}", reason))
    elif field.codes is not None and value not in field.codes:
        issues.append(_code_issue(field, value, f"{path}.{key}"))


def _check_primitive_array(
    obj: dict[str, object], field: _Field, values: list[object], path: str, issues: Issues
) -> None:
    check = field.check
    assert check is not None
    codes = field.codes
    key = field.json_name
    for index, item in enumerate(values):
        if item is None:
            if not _has_extension_at(obj.get("_" + key), index):
                issues.append(
                    _issue(
                        "structure",
                        f"{path}.{key}[{index}]",
                        f"null in '{key}' is only allowed where '_{key}' holds "
                        "the item's extensions",
                    )
                )
            continue
        reason = check(item)
        if reason is not None:
            issues.append(_primitive_issue(field, item, f"{path}.{key}[{index}]", reason))
        elif codes is not None and item not in codes:
            issues.append(_code_issue(field, item, f"{path}.{key}[{index}]"))


def _has_extension_at(extensions: object, index: int) -> bool:
    return type(extensions) is list and index < len(extensions) and extensions[index] is not None


def _primitive_issue(field: _Field, value: object, path: str, reason: str) -> ValidationIssue:
    expected_json = _JSON_KIND_OF_PRIMITIVE.get(field.type_code, "string")
    code = "value" if json_type_name(value) == expected_json else "structure"
    return _issue(code, path, f"Invalid {field.type_code} value {_show(value)}: {reason}")


def _primitive_extension_field(
    obj: dict[str, object], key: str, struct: _Struct, path: str, issues: Issues
) -> _Field | None:
    """Resolve a property that is not an element: ``_x`` of a primitive, or unknown."""
    if type(key) is not str:
        issues.append(_issue("structure", path, f"Property names must be strings, got {key!r}"))
        return None
    if key.startswith("_"):
        field = struct.fields.get(key[1:])
        # xhtml is the one primitive that cannot carry an id or extensions.
        if field is not None and field.kind == _PRIMITIVE and field.type_code != "xhtml":
            return field
    elif key == "resourceType" and struct.is_resource:
        return None
    issues.append(_issue("structure", f"{path}.{key}", _unknown_message(key, struct)))
    return None


def _validate_primitive_extension(
    obj: dict[str, object], field: _Field, extension: object, path: str, issues: Issues
) -> None:
    """Check ``_x``: the id/extensions of primitive ``x``, aligned item by item for arrays."""
    key = field.json_name
    values = obj.get(key)
    if not field.is_array:
        if type(extension) is list:
            issues.append(_issue("structure", f"{path}._{key}", f"'_{key}' must not be an array"))
        else:
            _validate_primitive_element(
                extension, values is not None, f"{path}.{key}", f"_{key}", issues
            )
        return
    if type(extension) is not list:
        issues.append(
            _issue(
                "structure", f"{path}._{key}", f"'_{key}' must be a JSON array aligned with '{key}'"
            )
        )
        return
    if not extension:
        issues.append(
            _issue(
                "structure", f"{path}._{key}", f"Empty array for '_{key}': omit the element instead"
            )
        )
        return
    if type(values) is list and len(values) != len(extension):
        issues.append(
            _issue(
                "structure",
                f"{path}._{key}",
                f"'_{key}' has {len(extension)} items but '{key}' has {len(values)}: "
                "they must align",
            )
        )
    for index, item in enumerate(extension):
        has_value = type(values) is list and index < len(values) and values[index] is not None
        if item is None:
            # A null on both sides is reported once, by the value array's own check.
            if not has_value and not (type(values) is list and index < len(values)):
                issues.append(
                    _issue(
                        "structure",
                        f"{path}.{key}[{index}]",
                        f"Item {index} of '_{key}' is null and '{key}' has no value "
                        "at that position",
                    )
                )
            continue
        _validate_primitive_element(item, has_value, f"{path}.{key}[{index}]", f"_{key}", issues)


def _validate_primitive_element(
    element: object, has_value: bool, path: str, json_name: str, issues: Issues
) -> None:
    if type(element) is not dict:
        issues.append(
            _issue(
                "structure",
                path,
                f"'{json_name}' must hold JSON objects (id/extension), "
                f"got {json_type_name(element)}",
            )
        )
        return
    if not element:
        issues.append(_issue("structure", path, f"Empty object in '{json_name}': omit it instead"))
        return
    _validate_struct(element, _structs()["Element"], path, issues)
    if not has_value and "extension" not in element:
        issues.append(
            _issue("invariant", path, "A primitive element must have a value or extensions (ele-1)")
        )


# --------------------------------------------------------------------------- codes, references


def _check_coded_binding(
    field: _Field, value: dict[str, object], path: str, issues: Issues
) -> None:
    """Required binding on Coding/CodeableConcept: one coding must come from the value set."""
    system_codes = field.system_codes
    assert system_codes is not None
    codings = value.get("coding") if field.type_code == "CodeableConcept" else [value]
    if type(codings) is list:
        for coding in codings:
            if type(coding) is not dict:
                continue
            system, code = coding.get("system"), coding.get("code")
            if type(system) is str and type(code) is str and code in system_codes.get(system, ()):
                return
    title = definitions.value_set_title(field.binding_url or "")
    issues.append(
        _issue(
            "code-invalid",
            path,
            f"No coding from the required value set {title} ({field.binding_url}); "
            f"expected one of: {_code_list(system_codes)}",
        )
    )


def _check_reference_target(
    field: _Field, value: dict[str, object], path: str, issues: Issues
) -> None:
    """A literal reference ``Type/id`` must point to a type the element allows."""
    reference = value.get("reference")
    targets = field.targets
    if type(reference) is not str or targets is None:
        return
    match = _REFERENCE_TYPE_RE.fullmatch(reference)
    if match is None:
        return
    target = match.group(1)
    if target not in targets and definitions.is_resource_type(target):
        issues.append(
            _issue(
                "invalid",
                path + ".reference",
                f"A reference to {target} is not allowed here; "
                f"expected {', '.join(sorted(targets))}",
            )
        )


def _code_issue(field: _Field, value: object, path: str) -> ValidationIssue:
    codes = field.codes or frozenset()
    title = definitions.value_set_title(field.binding_url or "")
    shown = ", ".join(sorted(codes)) if len(codes) <= 20 else f"{len(codes)} codes"
    return _issue(
        "code-invalid",
        path,
        f"Code {_show(value)} is not in the required value set {title} "
        f"({field.binding_url}); expected {shown}",
    )


def _code_list(system_codes: Mapping[str, frozenset[str]]) -> str:
    pairs = [
        f"{system}|{code}"
        for system in sorted(system_codes)
        for code in sorted(system_codes[system])
    ]
    return ", ".join(pairs) if len(pairs) <= 12 else f"{len(pairs)} codes"


# --------------------------------------------------------------------------- invariants


def _check_extension_value_or_children(obj: dict[str, object], path: str, issues: Issues) -> None:
    """ext-1: an extension has either a value[x] or nested extensions, never both."""
    has_value = any(isinstance(key, str) and key.startswith(("value", "_value")) for key in obj)
    has_children = "extension" in obj
    if has_value == has_children:
        which = (
            "both a value[x] and nested extensions"
            if has_value
            else "neither a value[x] nor nested extensions"
        )
        issues.append(_issue("invariant", path, f"Extension has {which} (ext-1)"))


# --------------------------------------------------------------------------- messages


def _issue(code: str, path: str, message: str) -> ValidationIssue:
    return ValidationIssue(ERROR, code, path, message)


def _show(value: object) -> str:
    if isinstance(value, str):
        text = value if len(value) <= _MAX_SHOWN_VALUE else value[:_MAX_SHOWN_VALUE] + "…"
        return repr(text)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    return json_type_name(value)


def _max_text(maximum: int | None) -> str:
    return "*" if maximum is None else str(maximum)


def _null_message(key: str) -> str:
    return f"null is not allowed for '{key}': omit the element instead"


def _not_array_message(field: _Field) -> str:
    return f"Element '{field.json_name}' has max cardinality 1 and must not be a JSON array"


def _unknown_message(key: str, struct: _Struct) -> str:
    """Explain an unknown property, with the likely intended name when there is one."""
    name = key[1:] if key.startswith("_") else key
    for base, options in struct.choices.items():
        if name.startswith(base) and name not in options:
            return f"Unknown element '{key}': {base}[x] accepts {', '.join(options)}"
    lowered = name.lower()
    for candidate in struct.fields:
        if candidate.lower() == lowered:
            return f"Unknown element '{key}' (did you mean '{candidate}'?)"
    if key.startswith("_") and name in struct.fields:
        return f"Unknown element '{key}': '{name}' is not a primitive, it has no '_' form"
    where = struct.key
    return f"Unknown element '{key}' in {where}"
