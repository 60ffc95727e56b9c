"""My lab results: one line per test (its latest result), each linking to its trend.

One search of the patient's laboratory Observations, newest first, grouped by test
code here, and one directory lookup for the source names: two queries whatever the
number of tests. The trend page itself uses the shared :func:`~dsn.web.clinical.labs.lab_history`.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from dsn.service.context import RequestContext
from dsn.service.records import RecordService
from dsn.web.clinical.sources import source_names
from dsn.web.clinical.summary import Item, to_item

MAX_RESULTS = 500
TREND_PATH = "/app/portal/labs/trend"
MAX_PARAM = 500


@dataclass(slots=True)
class LabTest:
    latest: Item
    count: int
    href: str


@dataclass(slots=True)
class LabList:
    tests: list[LabTest]
    truncated: bool  # more results exist than were read: older tests may be missing


def trend_href(item: Item) -> str:
    """The portal's trend page of an item's test ('' when the result carries no code)."""
    if item.code is None:
        return ""
    system, code = item.code
    return f"{TREND_PATH}?{urlencode({'system': system, 'code': code})}"


def lab_tests(service: RecordService, ctx: RequestContext, patient_id: str) -> LabList:
    outcome = service.search(
        ctx,
        "Observation",
        [("patient", patient_id), ("category", "laboratory"), ("_sort", "-date"), ("_count", str(MAX_RESULTS))],
    )
    matches = [m for m in outcome.result.matches if m.res_type == "Observation"]
    names = source_names(service, [(m.source_org, m.source_region) for m in matches])
    tests: dict[object, LabTest] = {}
    for match in matches:
        item = to_item(match, names.of(match.source_org, match.source_region))
        key: object = item.code or ("text", item.text)
        if key in tests:
            tests[key].count += 1
        else:
            tests[key] = LabTest(item, 1, trend_href(item))
    ordered = sorted(tests.values(), key=lambda test: test.latest.text.casefold())
    return LabList(ordered, truncated=outcome.result.next_cursor is not None)
