"""Compile the FHIRPath expressions of search parameters into fast Python closures.

Indexing evaluates about forty search parameter expressions per resource written,
so a general FHIRPath interpreter (fhirpathpy: ~20 µs for ``Patient.name``) is
too slow for the write path. Search parameter expressions use a small subset of
the language, which this module compiles once into nested closures:

* paths (``Observation.code.coding``), indexers (``entry[0]``) and unions (``|``);
* ``as`` / ``ofType`` / ``is`` on types, in operator and function form; on a
  choice element this is resolved at compile time to a JSON key
  (``(Observation.value as Quantity)`` reads ``valueQuantity`` only);
* ``where(...)`` with ``=``/``!=`` against literals, ``and``/``or``, ``exists()``,
  ``empty()``, ``not()``, ``resolve() is Type`` (answered from the reference
  string, contained resources or ``Reference.type``: no other resource is read);
* ``first()``, ``last()``, ``extension(url)``, ``%resource``, ``$this``.

Each value comes back with its FHIR type when it is known cheaply: statically from
the element tables compiled from the R4 StructureDefinitions
(``data/search_element_types.json``), or at run time from a choice element's JSON
name (``valueQuantity`` -> Quantity) or a resource's ``resourceType``. Union parts
the compiler does not understand are evaluated by fhirpathpy (compiled once,
cached); their values carry no type.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any, NamedTuple

TypedValue = tuple[Any, str | None]
"""A value found by an expression: the JSON value and its FHIR type (None when unknown)."""

Focus = list[TypedValue]
Evaluator = Callable[[Focus, Mapping[str, Any]], Focus]
"""A compiled expression: (input collection, root resource) -> output collection."""

Types = frozenset[str] | None
"""Static types of a collection; None when they are only known at run time."""

ElementKeys = tuple[tuple[tuple[str, str], ...], bool]
"""(JSON key, FHIR type) pairs holding an element, and whether it is a choice element."""

BOOLEAN = "boolean"


class FhirPathError(ValueError):
    """The expression is not FHIRPath that either compiler can evaluate."""


class _Unsupported(Exception):
    """Raised while compiling a construct outside the native subset (fall back)."""


# --------------------------------------------------------------------------- element model


class ElementModel:
    """Element names and types of R4 resources and datatypes.

    ``child(type, name)`` answers the question every path step asks: which JSON
    keys hold element ``name`` of a ``type`` value, and what is each one's type.
    For a choice element it returns one key per allowed type.
    """

    def __init__(
        self,
        elements: Mapping[str, Mapping[str, str | list[str]]],
        bases: Mapping[str, str],
        primitives: Sequence[str],
        resource_types: Sequence[str],
    ) -> None:
        self._elements = elements
        self._bases = bases
        self.primitives = frozenset(primitives)
        self.resource_types = frozenset(resource_types)
        names = set(elements) | set(bases) | self.primitives
        self._canonical = {name.lower(): name for name in names if "." not in name}
        self._child_cache: dict[tuple[str, str], ElementKeys | None] = {}

    @classmethod
    @cache
    def load(cls) -> ElementModel:
        """The R4 model shipped in the package (loaded once)."""
        text = resources.files("dsn.fhir").joinpath("data/search_element_types.json").read_text()
        data = json.loads(text)
        return cls(data["elements"], data["bases"], data["primitives"], data["resources"])

    def canonical_type(self, name: str) -> str | None:
        """The model's spelling of a type name (``DateTime`` -> dateTime, ``FHIR.Quantity``)."""
        if name.startswith(("FHIR.", "System.")):
            name = name.split(".", 1)[1]
        return self._canonical.get(name.lower())

    def is_subtype(self, type_name: str, ancestor: str) -> bool:
        """True when ``type_name`` is ``ancestor`` or derives from it (Age -> Quantity)."""
        current: str | None = type_name
        while current:
            if current == ancestor:
                return True
            current = self._bases.get(current)
        return False

    def child(self, type_name: str, name: str) -> ElementKeys | None:
        """JSON keys and types of element ``name`` on ``type_name``, and whether it is a choice.

        Returns None when the model does not know the element. A name already in
        JSON form (``valueQuantity``) is resolved to that single key.
        """
        key = (type_name, name)
        if key not in self._child_cache:
            self._child_cache[key] = self._resolve_child(type_name, name)
        return self._child_cache[key]

    def _resolve_child(self, type_name: str, name: str) -> ElementKeys | None:
        table = self._table(type_name)
        if table is None:
            return None
        declared = table.get(name)
        if isinstance(declared, str):
            return ((name, declared),), False
        if isinstance(declared, list):
            return tuple((name + _upper_first(choice), choice) for choice in declared), True
        for element, choices in table.items():
            if isinstance(choices, list) and name.startswith(element):
                for choice in choices:
                    if name == element + _upper_first(choice):
                        return ((name, choice),), False
        return None

    def _table(self, type_name: str) -> Mapping[str, str | list[str]] | None:
        current: str | None = type_name
        while current:
            table = self._elements.get(current)
            if table is not None:
                return table
            current = self._bases.get(current)
        return None


def _upper_first(type_name: str) -> str:
    return type_name[:1].upper() + type_name[1:]


# --------------------------------------------------------------------------- references


class ParsedReference(NamedTuple):
    """What a reference string says about its target."""

    type: str | None
    id: str | None
    version: str | None
    url: str | None
    """The full reference when it is absolute or logical (not for relative ``Type/id``)."""


_REFERENCE_RE = re.compile(
    r"^(?:(?P<base>[A-Za-z][A-Za-z0-9+.\-]*://[^?#]*?)/)?"
    r"(?P<type>[A-Z][A-Za-z]+)/(?P<id>[A-Za-z0-9\-.]{1,64})"
    r"(?:/_history/(?P<version>[A-Za-z0-9\-.]{1,64}))?$"
)


@lru_cache(maxsize=65536)
def parse_reference(reference: str) -> ParsedReference | None:
    """Split ``Reference.reference`` into target type, id, version and absolute URL.

    Cached: a patient's resources repeat the same few references (their subject,
    encounter, practitioner) over and over.

    ``Patient/1``, ``Patient/1/_history/2`` and ``https://host/fhir/Patient/1``
    name their target. Contained (``#x``) and bundle-local (``urn:uuid:``,
    ``urn:oid:``) references point at nothing a server stores and give None. Any
    other absolute URL is kept as a URL with unknown type and id.
    """
    if not reference or reference.startswith(("#", "urn:uuid:", "urn:oid:")):
        return None
    match = _REFERENCE_RE.match(reference)
    if match and match["type"] in ElementModel.load().resource_types:
        url = reference if match["base"] else None
        return ParsedReference(match["type"], match["id"], match["version"], url)
    if "://" in reference or reference.startswith("urn:"):
        return ParsedReference(None, None, None, reference)
    return None


def reference_target_type(value: Any, root: Mapping[str, Any]) -> str | None:
    """The resource type a Reference (or canonical string) points at, without reading it.

    This is what ``resolve() is Patient`` needs: the type written in the
    reference, that of a contained resource, or ``Reference.type``.
    """
    if isinstance(value, str):
        parsed = parse_reference(value)
        return parsed.type if parsed else None
    if not isinstance(value, dict):
        return None
    reference = value.get("reference")
    if isinstance(reference, str):
        if reference.startswith("#"):
            return _contained_type(root, reference[1:])
        parsed = parse_reference(reference)
        if parsed and parsed.type:
            return parsed.type
    declared = value.get("type")
    return declared if isinstance(declared, str) else None


def _contained_type(root: Mapping[str, Any], local_id: str) -> str | None:
    for contained in root.get("contained") or ():
        if isinstance(contained, dict) and contained.get("id") == local_id:
            resource_type = contained.get("resourceType")
            return resource_type if isinstance(resource_type, str) else None
    return None


# --------------------------------------------------------------------------- tokens and AST


_TOKEN_RE = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<str>'(?:[^'\\]|\\.)*')
  | (?P<date>@[0-9T:.\-+Z]+)
  | (?P<num>\d+(?:\.\d+)?)
  | (?P<id>[A-Za-z_][A-Za-z0-9_]*|`[^`]+`)
  | (?P<var>%[A-Za-z_][A-Za-z0-9_]*|%`[^`]+`|%'[^']*')
  | (?P<special>\$this|\$index|\$total)
  | (?P<op><=|>=|!=|!~|[.|()\[\],=<>~+\-*/&])
    """,
    re.VERBOSE | re.DOTALL,
)

_STRING_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f"}


class _Token(NamedTuple):
    kind: str
    text: str
    start: int


def _tokenize(expression: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(expression):
        match = _TOKEN_RE.match(expression, position)
        if match is None:
            raise FhirPathError(f"unexpected character at {position} in {expression!r}")
        kind = match.lastgroup or ""
        if kind not in ("space", "comment"):
            tokens.append(_Token(kind, match.group(), position))
        position = match.end()
    tokens.append(_Token("eof", "", len(expression)))
    return tokens


def split_union(expression: str) -> list[str]:
    """Split an expression on its top-level ``|`` operators (not inside parentheses).

    Used to give each base type of a shared search parameter its own expression.
    """
    parts: list[str] = []
    depth = 0
    start = 0
    for token in _tokenize(expression):
        if token.text in ("(", "["):
            depth += 1
        elif token.text in (")", "]"):
            depth -= 1
        elif token.kind == "op" and token.text == "|" and depth == 0:
            parts.append(expression[start : token.start].strip())
            start = token.start + 1
    parts.append(expression[start:].strip())
    return [part for part in parts if part]


@dataclass(frozen=True)
class _Literal:
    value: Any
    type: str


@dataclass(frozen=True)
class _Variable:
    name: str


@dataclass(frozen=True)
class _Member:
    source: _Node | None
    name: str


@dataclass(frozen=True)
class _Call:
    source: _Node | None
    name: str
    args: tuple[_Node, ...]


@dataclass(frozen=True)
class _Index:
    source: _Node
    index: _Node


@dataclass(frozen=True)
class _TypeOp:
    operator: str
    source: _Node
    type_name: str


@dataclass(frozen=True)
class _Binary:
    operator: str
    left: _Node
    right: _Node


@dataclass(frozen=True)
class _Union:
    parts: tuple[_Node, ...]


_Node = _Literal | _Variable | _Member | _Call | _Index | _TypeOp | _Binary | _Union


class _Parser:
    """Recursive-descent parser for the operators search expressions use.

    Precedence, loosest first: ``or``, ``and``, ``=``/``!=``, ``|``, ``is``/``as``,
    then paths. Anything else (arithmetic, ``<``, ``implies``...) is unsupported
    and sends the expression to the fallback.
    """

    def __init__(self, expression: str) -> None:
        self.tokens = _tokenize(expression)
        self.position = 0

    def parse(self) -> _Node:
        node = self._or()
        if self._peek().kind != "eof":
            raise _Unsupported(f"unexpected {self._peek().text!r}")
        return node

    def _peek(self) -> _Token:
        return self.tokens[self.position]

    def _next(self) -> _Token:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def _accept(self, text: str) -> bool:
        token = self._peek()
        if token.text == text and token.kind in ("op", "id"):
            self.position += 1
            return True
        return False

    def _expect(self, text: str) -> None:
        if not self._accept(text):
            raise _Unsupported(f"expected {text!r}, found {self._peek().text!r}")

    def _or(self) -> _Node:
        node = self._and()
        while self._accept("or"):
            node = _Binary("or", node, self._and())
        if self._peek().text in ("xor", "implies"):
            raise _Unsupported(self._peek().text)
        return node

    def _and(self) -> _Node:
        node = self._equality()
        while self._accept("and"):
            node = _Binary("and", node, self._equality())
        return node

    def _equality(self) -> _Node:
        node = self._union()
        token = self._peek()
        if token.kind == "op" and token.text in ("=", "!="):
            self.position += 1
            node = _Binary(token.text, node, self._union())
        if self._peek().kind == "op" and self._peek().text in ("=", "!=", "<", ">", "<=", ">="):
            raise _Unsupported("comparison")
        return node

    def _union(self) -> _Node:
        parts = [self._type_expression()]
        while self._accept("|"):
            parts.append(self._type_expression())
        return parts[0] if len(parts) == 1 else _Union(tuple(parts))

    def _type_expression(self) -> _Node:
        node = self._term()
        while self._peek().kind == "id" and self._peek().text in ("is", "as"):
            operator = self._next().text
            node = _TypeOp(operator, node, self._type_specifier())
        return node

    def _type_specifier(self) -> str:
        name = self._identifier()
        while self._accept("."):
            name += "." + self._identifier()
        return name

    def _identifier(self) -> str:
        token = self._next()
        if token.kind != "id":
            raise _Unsupported(f"expected identifier, found {token.text!r}")
        return token.text.strip("`")

    def _term(self) -> _Node:
        node = self._primary()
        while True:
            if self._accept("."):
                node = self._invocation(node)
            elif self._accept("["):
                node = _Index(node, self._or())
                self._expect("]")
            else:
                return node

    def _primary(self) -> _Node:
        token = self._peek()
        if token.kind == "op" and token.text == "(":
            self.position += 1
            node = self._or()
            self._expect(")")
            return node
        if token.kind == "str":
            self.position += 1
            return _Literal(_unquote(token.text), "string")
        if token.kind == "num":
            self.position += 1
            number = float(token.text) if "." in token.text else int(token.text)
            return _Literal(number, "decimal" if "." in token.text else "integer")
        if token.kind == "var":
            self.position += 1
            return _Variable(token.text[1:].strip("`'"))
        if token.kind == "special":
            self.position += 1
            if token.text != "$this":
                raise _Unsupported(token.text)
            return _Variable("this")
        if token.kind == "id" and token.text in ("true", "false"):
            self.position += 1
            return _Literal(token.text == "true", BOOLEAN)
        if token.kind == "id":
            return self._invocation(None)
        raise _Unsupported(f"unexpected {token.text!r}")

    def _invocation(self, source: _Node | None) -> _Node:
        name = self._identifier()
        if not self._accept("("):
            return _Member(source, name)
        args: list[_Node] = []
        if not self._accept(")"):
            args.append(self._or())
            while self._accept(","):
                args.append(self._or())
            self._expect(")")
        return _Call(source, name, tuple(args))


def _unquote(text: str) -> str:
    body = text[1:-1]
    if "\\" not in body:
        return body
    return re.sub(r"\\(.)", lambda m: _STRING_ESCAPES.get(m.group(1), m.group(1)), body)


# --------------------------------------------------------------------------- compiler


class _Compiled(NamedTuple):
    evaluate: Evaluator
    types: Types
    identity: bool = False
    root_keys: frozenset[str] | None = None
    """JSON keys of the input that must be present for any output (None: can't tell)."""


def _identity(focus: Focus, root: Mapping[str, Any]) -> Focus:
    return focus


def _empty(focus: Focus, root: Mapping[str, Any]) -> Focus:
    return []


def _as_boolean(result: Focus) -> bool | None:
    """FHIRPath's singleton evaluation of a collection in a boolean context."""
    if not result:
        return None
    if len(result) == 1:
        value = result[0][0]
        return value if isinstance(value, bool) else True
    raise _EvaluationError("boolean expected, found a collection")


class _EvaluationError(Exception):
    """A runtime FHIRPath error (e.g. a collection where a singleton was needed)."""


def _values_equal(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    return bool(left == right)


class _Compiler:
    """Turns an AST into closures, propagating static types through each step."""

    def __init__(self, model: ElementModel) -> None:
        self.model = model

    def compile(self, node: _Node, types: Types) -> _Compiled:
        """Closure for ``node`` evaluated on inputs of static ``types``."""
        match node:
            case _Literal():
                return self._compile_literal(node, types)
            case _Variable():
                return self._compile_variable(node, types)
            case _Member():
                return self._compile_member(node, types)
            case _Call():
                return self._compile_call(node, types)
            case _Index():
                return self._compile_index(node, types)
            case _TypeOp():
                return self._compile_typeop(node, types)
            case _Binary():
                return self._compile_binary(node, types)
            case _Union():
                return self._compile_union(node, types)
        raise _Unsupported(type(node).__name__)

    # ----- leaves

    def _compile_literal(self, node: _Literal, types: Types) -> _Compiled:
        constant: Focus = [(node.value, node.type)]

        def literal(focus: Focus, root: Mapping[str, Any]) -> Focus:
            return list(constant)

        return _Compiled(literal, frozenset({node.type}))

    def _compile_variable(self, node: _Variable, types: Types) -> _Compiled:
        if node.name == "this":
            return _Compiled(_identity, types, True)
        if node.name in ("resource", "rootResource", "context"):

            def root_resource(focus: Focus, root: Mapping[str, Any]) -> Focus:
                return [(root, root.get("resourceType"))]

            return _Compiled(root_resource, None)
        if node.name == "ucum":
            return self._compile_literal(_Literal("http://unitsofmeasure.org", "string"), types)
        raise _Unsupported(f"%{node.name}")

    # ----- paths

    def _compile_member(self, node: _Member, types: Types) -> _Compiled:
        if node.source is None and node.name[:1].isupper():
            type_name = self.model.canonical_type(node.name)
            if type_name is None:
                raise _Unsupported(f"unknown type {node.name}")
            return self._type_filter(_Compiled(_identity, types, True), type_name)
        source = self._source(node.source, types)
        return self._navigate(source, node.name, None)

    def _source(self, node: _Node | None, types: Types) -> _Compiled:
        return _Compiled(_identity, types, True) if node is None else self.compile(node, types)

    def _navigate(self, source: _Compiled, name: str, only_type: str | None) -> _Compiled:
        """One path step; ``only_type`` narrows a choice element to its JSON keys of that type.

        ``(Observation.value as Quantity)`` then reads ``valueQuantity`` only, instead
        of reading all eleven ``value[x]`` keys and filtering.
        """
        if source.types is None:
            return self._navigate_dynamic(source, name)
        keys: dict[str, tuple[tuple[str, str], ...]] = {}
        for type_name in source.types:
            resolved = self.model.child(type_name, name)
            if resolved is None:
                continue
            pairs, is_choice = resolved
            if only_type is not None:
                pairs = self._narrow(pairs, only_type) if is_choice else pairs
            keys[type_name] = pairs
        all_pairs = {pair for pairs in keys.values() for pair in pairs}
        out_types: Types = frozenset(element_type for _, element_type in all_pairs)
        if "Resource" in out_types:
            out_types = None  # the actual type is the contained resource's resourceType
        if not all_pairs:
            return _Compiled(_empty, frozenset(), root_keys=frozenset())
        root_keys = frozenset(key for key, _ in all_pairs) if source.identity else source.root_keys
        if len(keys) == len(source.types) and len(set(keys.values())) == 1:
            pairs = next(iter(keys.values()))
            return _Compiled(_fixed_step(source, pairs), out_types, root_keys=root_keys)
        return _Compiled(_typed_step(source, keys), out_types, root_keys=root_keys)

    def _narrow(self, pairs: tuple[tuple[str, str], ...], type_name: str) -> tuple:
        canonical = self.model.canonical_type(type_name) or type_name
        exact = tuple(pair for pair in pairs if pair[1] == canonical)
        if exact:
            return exact
        return tuple(pair for pair in pairs if self.model.is_subtype(pair[1], canonical))

    def _navigate_dynamic(self, source: _Compiled, name: str) -> _Compiled:
        step = _dynamic_step(source, name, self.model)
        return _Compiled(step, None, root_keys=None if source.identity else source.root_keys)

    def _type_filter(self, source: _Compiled, type_name: str) -> _Compiled:
        """Keep values of ``type_name`` (or a subtype); values of unknown type are kept."""
        model = self.model
        if source.types is not None:
            kept = frozenset(t for t in source.types if model.is_subtype(t, type_name))
            if kept == source.types:
                return source
            if not kept:
                return _Compiled(_empty, frozenset(), root_keys=frozenset())
        evaluate = source.evaluate

        def type_filter(focus: Focus, root: Mapping[str, Any]) -> Focus:
            return [item for item in evaluate(focus, root) if item[1] is None or model.is_subtype(item[1], type_name)]

        out = None if source.types is None else frozenset(t for t in source.types if model.is_subtype(t, type_name))
        return _Compiled(type_filter, out, root_keys=source.root_keys)

    def _compile_index(self, node: _Index, types: Types) -> _Compiled:
        if not isinstance(node.index, _Literal) or not isinstance(node.index.value, int):
            raise _Unsupported("non-literal indexer")
        position = node.index.value
        source = self.compile(node.source, types)
        evaluate = source.evaluate

        def index(focus: Focus, root: Mapping[str, Any]) -> Focus:
            items = evaluate(focus, root)
            return [items[position]] if position < len(items) else []

        return _Compiled(index, source.types, root_keys=source.root_keys)

    def _compile_union(self, node: _Union, types: Types) -> _Compiled:
        parts = [self.compile(part, types) for part in node.parts]
        return _Compiled(_chain(parts), _union_types(parts), root_keys=_union_root_keys(parts))

    # ----- types

    def _compile_typeop(self, node: _TypeOp, types: Types) -> _Compiled:
        if node.operator == "as":
            return self._as_type(node.source, node.type_name, types)
        return self._is_type(node.source, node.type_name, types)

    def _as_type(self, source_node: _Node, type_name: str, types: Types) -> _Compiled:
        canonical = self.model.canonical_type(type_name)
        if canonical is None:
            raise _Unsupported(f"unknown type {type_name}")
        if isinstance(source_node, _Member) and not source_node.name[:1].isupper():
            source = self._source(source_node.source, types)
            narrowed = self._navigate(source, source_node.name, canonical)
            return self._type_filter(narrowed, canonical)  # a no-op once narrowed statically
        return self._type_filter(self.compile(source_node, types), canonical)

    def _is_type(self, source_node: _Node, type_name: str, types: Types) -> _Compiled:
        canonical = self.model.canonical_type(type_name)
        if canonical is None:
            raise _Unsupported(f"unknown type {type_name}")
        model = self.model
        if isinstance(source_node, _Call) and source_node.name == "resolve":
            source = self._source(source_node.source, types)
            evaluate = source.evaluate

            def resolves_to(focus: Focus, root: Mapping[str, Any]) -> Focus:
                items = evaluate(focus, root)
                if not items:
                    return []
                target = reference_target_type(items[0][0], root)
                return [(target is not None and model.is_subtype(target, canonical), BOOLEAN)]

            return _Compiled(resolves_to, frozenset({BOOLEAN}))
        source = self.compile(source_node, types)
        evaluate = source.evaluate

        def is_type(focus: Focus, root: Mapping[str, Any]) -> Focus:
            items = evaluate(focus, root)
            if not items:
                return []
            item_type = items[0][1]
            return [(item_type is not None and model.is_subtype(item_type, canonical), BOOLEAN)]

        return _Compiled(is_type, frozenset({BOOLEAN}))

    # ----- operators

    def _compile_binary(self, node: _Binary, types: Types) -> _Compiled:
        left = self.compile(node.left, types).evaluate
        right = self.compile(node.right, types).evaluate
        if node.operator in ("=", "!="):
            return _Compiled(_equality(left, right, node.operator == "!="), frozenset({BOOLEAN}))
        return _Compiled(_logical(left, right, node.operator), frozenset({BOOLEAN}))

    # ----- functions

    def _compile_call(self, node: _Call, types: Types) -> _Compiled:
        if node.name in ("as", "ofType"):
            return self._as_type(node.source or _Variable("this"), self._type_arg(node), types)
        if node.name == "is":
            return self._is_type(node.source or _Variable("this"), self._type_arg(node), types)
        source = self._source(node.source, types)
        if node.name == "where" and len(node.args) == 1:
            condition = self.compile(node.args[0], source.types).evaluate
            return _Compiled(_where(source.evaluate, condition), source.types, root_keys=source.root_keys)
        if node.name == "exists" and len(node.args) <= 1:
            if node.args:
                condition = self.compile(node.args[0], source.types).evaluate
                source = _Compiled(_where(source.evaluate, condition), source.types)
            return _Compiled(_exists(source.evaluate, True), frozenset({BOOLEAN}))
        if node.name == "empty" and not node.args:
            return _Compiled(_exists(source.evaluate, False), frozenset({BOOLEAN}))
        if node.name == "not" and not node.args:
            return _Compiled(_negate(source.evaluate), frozenset({BOOLEAN}))
        if node.name in ("first", "last") and not node.args:
            position = 0 if node.name == "first" else -1
            return _Compiled(_pick(source.evaluate, position), source.types, root_keys=source.root_keys)
        if node.name == "extension" and len(node.args) == 1:
            return self._extension(source, node.args[0])
        raise _Unsupported(f"function {node.name}()")

    def _type_arg(self, node: _Call) -> str:
        if len(node.args) != 1 or not isinstance(node.args[0], _Member):
            raise _Unsupported(f"{node.name}() needs a type name")
        parts: list[str] = []
        current: _Node | None = node.args[0]
        while isinstance(current, _Member):
            parts.insert(0, current.name)
            current = current.source
        if current is not None:
            raise _Unsupported(f"{node.name}() needs a type name")
        return ".".join(parts)

    def _extension(self, source: _Compiled, argument: _Node) -> _Compiled:
        if not isinstance(argument, _Literal) or not isinstance(argument.value, str):
            raise _Unsupported("extension() needs a literal url")
        url = argument.value
        extensions = self._navigate(source, "extension", None)
        evaluate = extensions.evaluate

        def extension(focus: Focus, root: Mapping[str, Any]) -> Focus:
            return [item for item in evaluate(focus, root) if isinstance(item[0], dict) and item[0].get("url") == url]

        return _Compiled(extension, extensions.types, root_keys=extensions.root_keys)


def _fixed_step(source: _Compiled, pairs: tuple[tuple[str, str], ...]) -> Evaluator:
    """Path step where every input has the same element keys (the common, fast case)."""
    evaluate = source.evaluate
    identity = source.identity
    if len(pairs) == 1 and pairs[0][1] != "Resource":
        key, element_type = pairs[0]

        def step(focus: Focus, root: Mapping[str, Any]) -> Focus:
            out: Focus = []
            for value, _ in focus if identity else evaluate(focus, root):
                if type(value) is dict:
                    found = value.get(key)
                    if found is None:
                        continue
                    if type(found) is list:
                        out.extend([(item, element_type) for item in found if item is not None])
                    else:
                        out.append((found, element_type))
            return out

        return step

    def choice_step(focus: Focus, root: Mapping[str, Any]) -> Focus:
        out: Focus = []
        for value, _ in focus if identity else evaluate(focus, root):
            if type(value) is dict:
                _collect(value, pairs, out)
        return out

    return choice_step


def _typed_step(source: _Compiled, keys: Mapping[str, tuple[tuple[str, str], ...]]) -> Evaluator:
    """Path step over inputs of several types (e.g. ``Observation | Observation.component``)."""
    evaluate = source.evaluate

    def step(focus: Focus, root: Mapping[str, Any]) -> Focus:
        out: Focus = []
        for value, value_type in evaluate(focus, root):
            pairs = keys.get(value_type or "")
            if pairs and type(value) is dict:
                _collect(value, pairs, out)
        return out

    return step


def _dynamic_step(source: _Compiled, name: str, model: ElementModel) -> Evaluator:
    """Path step on values whose type is only known at run time (if at all)."""
    evaluate = source.evaluate

    def step(focus: Focus, root: Mapping[str, Any]) -> Focus:
        out: Focus = []
        for value, value_type in evaluate(focus, root):
            if type(value) is not dict:
                continue
            resolved = model.child(value_type, name) if value_type else None
            if resolved is not None:
                _collect(value, resolved[0], out)
            else:
                _collect_untyped(value, name, model, out)
        return out

    return step


def _collect(value: Mapping[str, Any], pairs: tuple[tuple[str, str], ...], out: Focus) -> None:
    for key, element_type in pairs:
        found = value.get(key)
        if found is None:
            continue
        for item in found if type(found) is list else (found,):
            if item is None:
                continue
            if element_type == "Resource":
                item_type = item.get("resourceType") if type(item) is dict else None
                out.append((item, item_type))
            else:
                out.append((item, element_type))


def _collect_untyped(value: Mapping[str, Any], name: str, model: ElementModel, out: Focus) -> None:
    """Read ``name`` from a value of unknown type; recognise ``name<Type>`` choice keys."""
    found = value.get(name)
    if found is not None:
        for item in found if type(found) is list else (found,):
            if item is not None:
                item_type = item.get("resourceType") if type(item) is dict else None
                out.append((item, item_type))
        return
    for key, found in value.items():
        if key.startswith(name) and len(key) > len(name) and key[len(name)].isupper():
            choice_type = model.canonical_type(key[len(name) :])
            if choice_type is not None and found is not None:
                out.append((found, choice_type))


def _where(source: Evaluator, condition: Evaluator) -> Evaluator:
    def where(focus: Focus, root: Mapping[str, Any]) -> Focus:
        kept: Focus = []
        for item in source(focus, root):
            result = condition([item], root)
            if len(result) == 1 and result[0][0] is True:
                kept.append(item)
        return kept

    return where


def _exists(source: Evaluator, expected: bool) -> Evaluator:
    def exists(focus: Focus, root: Mapping[str, Any]) -> Focus:
        return [(bool(source(focus, root)) is expected, BOOLEAN)]

    return exists


def _negate(source: Evaluator) -> Evaluator:
    def negate(focus: Focus, root: Mapping[str, Any]) -> Focus:
        value = _as_boolean(source(focus, root))
        return [] if value is None else [(not value, BOOLEAN)]

    return negate


def _pick(source: Evaluator, position: int) -> Evaluator:
    def pick(focus: Focus, root: Mapping[str, Any]) -> Focus:
        items = source(focus, root)
        return [items[position]] if items else []

    return pick


def _equality(left: Evaluator, right: Evaluator, negate: bool) -> Evaluator:
    def equality(focus: Focus, root: Mapping[str, Any]) -> Focus:
        left_items = left(focus, root)
        right_items = right(focus, root)
        if not left_items or not right_items:
            return []
        equal = len(left_items) == len(right_items) and all(
            _values_equal(a[0], b[0]) for a, b in zip(left_items, right_items, strict=True)
        )
        return [(equal is not negate, BOOLEAN)]

    return equality


def _logical(left: Evaluator, right: Evaluator, operator: str) -> Evaluator:
    """Three-valued ``and``/``or`` (an empty operand is "unknown")."""
    decisive = operator == "or"

    def logical(focus: Focus, root: Mapping[str, Any]) -> Focus:
        first = _as_boolean(left(focus, root))
        if first is decisive:
            return [(decisive, BOOLEAN)]
        second = _as_boolean(right(focus, root))
        if second is decisive:
            return [(decisive, BOOLEAN)]
        if first is None or second is None:
            return []
        return [(not decisive, BOOLEAN)]

    return logical


# --------------------------------------------------------------------------- fallback


def _fallback(expression: str) -> Evaluator:
    """Evaluate with fhirpathpy, compiled once; values come back untyped.

    fhirpathpy's parser recovers from syntax errors silently and reports unknown
    functions only when evaluating, so the expression is first parsed strictly
    and then tried once on an empty resource: a bad custom SearchParameter is
    refused when it is posted, not when data is indexed.
    """
    import fhirpathpy
    from fhirpathpy.models import models

    _check_syntax(expression)
    try:
        compiled = fhirpathpy.compile(expression, models["r4"])
        probe = {"resourceType": "Basic"}
        compiled(probe, {"resource": probe, "rootResource": probe})
    except Exception as error:  # fhirpathpy raises bare Exception on bad input
        raise FhirPathError(f"cannot compile {expression!r}: {error}") from error

    def fallback(focus: Focus, root: Mapping[str, Any]) -> Focus:
        out: Focus = []
        for value, _ in focus:
            try:
                found_values = compiled(value, {"resource": root, "rootResource": root})
            except Exception as error:  # a runtime FHIRPath error: no values
                raise _EvaluationError(str(error)) from error
            out.extend((found, _python_type(found)) for found in found_values)
        return out

    return fallback


def _check_syntax(expression: str) -> None:
    """Parse with the FHIRPath grammar (as shipped in fhirpathpy), raising on any error."""
    from antlr4 import CommonTokenStream, InputStream, Token
    from antlr4.error.ErrorListener import ErrorListener
    from fhirpathpy.parser.generated.FHIRPathLexer import FHIRPathLexer
    from fhirpathpy.parser.generated.FHIRPathParser import FHIRPathParser

    class Strict(ErrorListener):
        def syntaxError(self, recognizer: Any, symbol: Any, line: int, column: int, msg: str, e: Any) -> None:
            raise FhirPathError(f"syntax error at {column} in {expression!r}: {msg}")

    lexer = FHIRPathLexer(InputStream(expression))
    lexer.removeErrorListeners()
    lexer.addErrorListener(Strict())
    parser = FHIRPathParser(CommonTokenStream(lexer))
    parser.removeErrorListeners()
    parser.addErrorListener(Strict())
    parser.expression()
    if parser.getCurrentToken().type != Token.EOF:
        raise FhirPathError(f"unexpected text after the expression in {expression!r}")


def _python_type(value: Any) -> str | None:
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "decimal"
    if isinstance(value, dict) and isinstance(value.get("resourceType"), str):
        return str(value["resourceType"])
    return None


# --------------------------------------------------------------------------- public API


@dataclass(frozen=True)
class CompiledPath:
    """A search expression ready to evaluate on resources (or elements) of one type."""

    expression: str
    context_type: str | None
    native: bool
    """False when at least one union part is evaluated by fhirpathpy."""
    output_types: Types
    required_keys: frozenset[str] | None
    """JSON keys of the input, at least one of which must be present for any result.

    None when that cannot be told (``exists()`` is true or false either way).
    Lets callers skip an evaluation with one set operation.
    """
    _evaluate: Evaluator = field(repr=False, compare=False)

    def evaluate(self, resource: Mapping[str, Any]) -> list[TypedValue]:
        """Values of the expression on a whole resource."""
        try:
            return self._evaluate([(resource, resource.get("resourceType"))], resource)
        except _EvaluationError:
            return []

    def evaluate_node(self, node: Any, node_type: str | None, resource: Mapping[str, Any]) -> list[TypedValue]:
        """Values of the expression on one element of ``resource`` (a composite component)."""
        try:
            return self._evaluate([(node, node_type)], resource)
        except _EvaluationError:
            return []


@lru_cache(maxsize=8192)
def compile_path(expression: str, context_type: str | None = None) -> CompiledPath:
    """Compile ``expression`` for inputs of ``context_type`` (None: unknown until run time).

    Each top-level union part is compiled natively when the subset allows and by
    fhirpathpy otherwise. Raises FhirPathError when the expression is invalid.
    """
    model = ElementModel.load()
    types: Types = None
    if context_type is not None:
        canonical = model.canonical_type(context_type)
        types = frozenset({canonical or context_type})
    compiler = _Compiler(model)
    parts: list[_Compiled] = []
    native = True
    for part in split_union(expression) or [expression]:
        try:
            parts.append(compiler.compile(_Parser(part).parse(), types))
        except _Unsupported:
            native = False
            parts.append(_Compiled(_fallback(part), None))
    if len(parts) == 1:
        part = parts[0]
        return CompiledPath(expression, context_type, native, part.types, part.root_keys, part.evaluate)
    return CompiledPath(
        expression,
        context_type,
        native,
        _union_types(parts),
        _union_root_keys(parts),
        _chain(parts),
    )


def _union_root_keys(parts: Sequence[_Compiled]) -> frozenset[str] | None:
    keys: frozenset[str] = frozenset()
    for part in parts:
        if part.root_keys is None:
            return None
        keys |= part.root_keys
    return keys


def _union_types(parts: Sequence[_Compiled]) -> Types:
    out: frozenset[str] = frozenset()
    for part in parts:
        if part.types is None:
            return None
        out |= part.types
    return out


def _chain(parts: Sequence[_Compiled]) -> Evaluator:
    evaluators = [part.evaluate for part in parts]

    def union(focus: Focus, root: Mapping[str, Any]) -> Focus:
        result: Focus = []
        for evaluate in evaluators:
            result.extend(evaluate(focus, root))
        return result

    return union
