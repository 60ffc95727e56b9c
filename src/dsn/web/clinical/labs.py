"""A lab test's history for one patient, and its trend chart with the reference range.

The chart is an inline SVG drawn here (no script, so it passes the page's CSP and works
without JavaScript); points outside the reference range are marked in another colour
*and* shape, and the page always shows the same values in a table, for screen readers
and for anyone who prefers numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dsn.service.context import RequestContext
from dsn.service.records import RecordService
from dsn.web.clinical.display import search_escape
from dsn.web.clinical.sources import source_names
from dsn.web.clinical.summary import Item, to_item
from dsn.web.formatting import parse_fhir_datetime
from dsn.web.i18n import Translator

MAX_POINTS = 200


def lab_history(service: RecordService, ctx: RequestContext, patient_id: str, system: str, code: str) -> list[Item]:
    """Every visible result of the test, oldest first."""
    outcome = service.search(
        ctx,
        "Observation",
        [
            ("patient", patient_id),
            ("code", f"{search_escape(system)}|{search_escape(code)}"),
            ("_sort", "date"),
            ("_count", str(MAX_POINTS)),
        ],
    )
    matches = [m for m in outcome.result.matches if m.res_type == "Observation"]
    names = source_names(service, [(m.source_org, m.source_region) for m in matches])
    return [to_item(m, names.of(m.source_org, m.source_region)) for m in matches]


@dataclass(frozen=True, slots=True)
class ChartPoint:
    x: float
    y: float
    outside: bool
    label: str


@dataclass(frozen=True, slots=True)
class TrendChart:
    """Geometry of the SVG, computed here so the template only draws."""

    width: int
    height: int
    points: list[ChartPoint]
    path: str
    range_y: tuple[float, float] | None  # top and bottom of the reference band
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str]]
    plot: tuple[int, int, int, int]  # left, top, right, bottom


def trend_chart(items: list[Item], t: Translator, *, width: int = 640, height: int = 260) -> TrendChart | None:
    """The chart of the numeric results among ``items`` (None when fewer than one)."""
    dated = []
    for item in items:
        if item.value is None or not item.when:
            continue
        parsed = parse_fhir_datetime(item.when)
        if parsed is not None:
            dated.append((parsed[0].replace(tzinfo=None).timestamp(), item))
    if not dated:
        return None
    left, top, right, bottom = 64, 16, width - 16, height - 40
    values = [item.value for _, item in dated if item.value is not None]
    lows = [item.low for _, item in dated if item.low is not None]
    highs = [item.high for _, item in dated if item.high is not None]
    low, high = (lows[-1] if lows else None), (highs[-1] if highs else None)
    y_min = min(values + [v for v in (low, high) if v is not None])
    y_max = max(values + [v for v in (low, high) if v is not None])
    if y_max == y_min:
        y_max, y_min = y_max + 1, y_min - 1
    pad = (y_max - y_min) * 0.1
    y_min, y_max = y_min - pad, y_max + pad
    t_min, t_max = dated[0][0], dated[-1][0]
    span = (t_max - t_min) or 1.0

    def sx(moment: float) -> float:
        return left + (right - left) * ((moment - t_min) / span if len(dated) > 1 else 0.5)

    def sy(v: float) -> float:
        return bottom - (bottom - top) * (v - y_min) / (y_max - y_min)

    points = []
    for moment, item in dated:
        assert item.value is not None
        outside = (item.low is not None and item.value < item.low) or (item.high is not None and item.value > item.high)
        label = f"{t.date(item.when)} : {t.number(item.value)} {item.unit}".strip()
        points.append(ChartPoint(round(sx(moment), 1), round(sy(item.value), 1), outside, label))
    path = " ".join(f"{'M' if i == 0 else 'L'}{p.x},{p.y}" for i, p in enumerate(points))
    band = None
    if low is not None or high is not None:
        band_top = sy(high) if high is not None else top
        band_bottom = sy(low) if low is not None else bottom
        band = (round(max(top, band_top), 1), round(min(bottom, band_bottom), 1))
    y_ticks = [(round(sy(v), 1), t.number(round(v, 6))) for v in _ticks(y_min, y_max)]
    x_ticks = []
    seen_years: set[int] = set()
    for (_, item), point in zip(dated, points, strict=True):
        year = int(str(item.when)[:4])
        if year not in seen_years:
            seen_years.add(year)
            x_ticks.append((point.x, str(year)))
    return TrendChart(width, height, points, path, band, y_ticks, x_ticks, (left, top, right, bottom))


def _ticks(low: float, high: float, count: int = 4) -> list[float]:
    """About ``count`` round values between ``low`` and ``high`` (4, 6, 8 rather than 3,61, 4,78…):
    a reader compares a point with the axis, and odd tick values make that harder."""
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    ticks = []
    value = math.ceil(low / step) * step
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks
