"""The statistics API: measures and indicators as JSON for a period and filters (staff with the
statistics permission). Parameters are the dashboard's and go through the same allow-lists."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from skaitykla.core.api_access import staff_with
from skaitykla.stats.definitions import INDICATORS, MEASURES
from skaitykla.stats.forms import StatsQuery, StatsQueryForm
from skaitykla.stats.selectors import Number, indicators, measure_table, measure_totals
from skaitykla.stats.services import ensure_rollups_fresh

PARAMETERS = [
    OpenApiParameter("date_from", str, description="YYYY-MM-DD (default: 1 January)"),
    OpenApiParameter("date_to", str, description="YYYY-MM-DD (default: today)"),
    OpenApiParameter("compare", str, enum=["last_year", "previous", "none"]),
    OpenApiParameter("library", str, description="library code"),
    OpenApiParameter("room", str, description="reading-room code"),
    OpenApiParameter("channel", str),
    OpenApiParameter("reader_category", str),
    OpenApiParameter(
        "group", str, enum=["library", "place", "channel", "reader_category", "category", "month"]
    ),
]


CanViewStatistics = staff_with("stats.view_statistics")


def _number(value: Number | None) -> int | float | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral() else float(value)
    return value


def _parse(request: Request) -> tuple[StatsQuery | None, Response | None]:
    form = StatsQueryForm(request.query_params)
    if not form.is_valid():
        return None, Response({"code": "invalid", "errors": form.errors.get_json_data()}, 400)
    ensure_rollups_fresh()
    return form.query(), None


def _period(query: StatsQuery) -> dict[str, Any]:
    return {
        "period": {"from": query.period.start, "to": query.period.end},
        "comparison": (
            {"from": query.comparison.start, "to": query.comparison.end}
            if query.comparison
            else None
        ),
        "filters": query.filters.describe(),
    }


class MeasuresView(APIView):
    """Every measure for the period (and the comparison period); with ``group``, also broken
    down."""

    permission_classes = [CanViewStatistics]

    @extend_schema(
        operation_id="stats_measures",
        parameters=PARAMETERS,
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        query, error = _parse(request)
        if error is not None or query is None:
            return error or Response(status=400)
        current = measure_totals(query.period, query.filters)
        previous = measure_totals(query.comparison, query.filters) if query.comparison else {}
        payload: dict[str, Any] = _period(query)
        payload["measures"] = [
            {
                "code": m.code,
                "name": str(m.name),
                "unit": str(m.unit),
                "iso_term": m.iso_term,
                "sources": [s.describe() for s in m.sources],
                "value": _number(current[m.code]),
                "comparison": _number(previous.get(m.code)) if query.comparison else None,
            }
            for m in MEASURES
        ]
        if "group" in request.query_params:
            table = measure_table(query.period, query.filters, group=query.group)
            payload["group"] = query.group
            payload["groups"] = [
                {"key": str(key), "values": {k: _number(v) for k, v in values.items()}}
                for key, values in table.items()
            ]
        return Response(payload)


class IndicatorsView(APIView):
    """Every indicator with its formula, inputs and value for the period."""

    permission_classes = [CanViewStatistics]

    @extend_schema(
        operation_id="stats_indicators",
        parameters=PARAMETERS,
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        query, error = _parse(request)
        if error is not None or query is None:
            return error or Response(status=400)
        payload: dict[str, Any] = _period(query)
        payload["indicators"] = [
            {
                "code": r.indicator.code,
                "name": str(r.indicator.name),
                "formula": str(r.indicator.formula),
                "unit": str(r.indicator.unit),
                "iso_term": r.indicator.iso_term,
                "inputs": {k: _number(v) for k, v in r.inputs.items()},
                "value": _number(r.value),
            }
            for r in indicators(query.period, query.filters)
        ]
        assert len(payload["indicators"]) == len(INDICATORS)
        return Response(payload)
