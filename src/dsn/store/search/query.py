"""The parsed form of a FHIR search: what to match, how to sort, what to include."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


class ParamDef(Protocol):
    """What the search engine needs of a SearchParameter definition."""

    code: str
    type: str
    targets: tuple[str, ...]
    components: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Criterion:
    """One parameter with its OR-ed values; several criteria are AND-ed.

    ``chain`` holds the criterion applied to the referenced resources
    (``subject:Patient.name=x``): the values then live in the chain's innermost link.
    """

    param: Any
    res_type: str
    modifier: str | None
    values: tuple[str, ...]
    target_type: str | None = None
    chain: Criterion | AnyOf | None = None


@dataclass(frozen=True, slots=True)
class HasCriterion:
    """Reverse chaining: ``_has:Observation:patient:code=x`` (resources referred to by matches)."""

    res_type: str
    source_type: str
    reference_param: Any
    inner: Criterion | HasCriterion | AnyOf


@dataclass(frozen=True, slots=True)
class AnyOf:
    """Alternatives of which one must hold: an untyped chain over several target types.

    ``Observation?subject.name=x`` means "the subject is a Patient named x, or a
    Location named x, ...": one chained criterion per target type having ``name``.
    """

    alternatives: tuple[Criterion, ...]


@dataclass(frozen=True, slots=True)
class ListCriterion:
    """``_list=id``: resources that are an ``item`` of the List with that id."""

    res_type: str
    list_ids: tuple[str, ...]


SearchCriterion = Criterion | HasCriterion | AnyOf | ListCriterion


@dataclass(frozen=True, slots=True)
class SortKey:
    param: Any
    descending: bool


@dataclass(frozen=True, slots=True)
class Include:
    """``_include=Type:param[:target]`` or its ``_revinclude`` mirror; ``*`` means every reference."""

    source_type: str
    param_code: str
    target_type: str | None
    iterate: bool
    reverse: bool


@dataclass(frozen=True, slots=True)
class Issue:
    """A parameter that was not applied, and why (reported or rejected per handling)."""

    name: str
    message: str


@dataclass(slots=True)
class SearchQuery:
    res_type: str | None
    criteria: list[SearchCriterion] = field(default_factory=list)
    compartment: tuple[str, str] | None = None
    sort: list[SortKey] = field(default_factory=list)
    count: int | None = None
    cursor: str | None = None
    includes: list[Include] = field(default_factory=list)
    summary: str | None = None
    elements: tuple[str, ...] = ()
    total: str | None = None
    types: tuple[str, ...] = ()
    issues: list[Issue] = field(default_factory=list)
    applied: list[tuple[str, str]] = field(default_factory=list)
