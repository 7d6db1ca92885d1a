"""Staff pages of the stats app: dashboard, exports, the PDF report, the national long format,
the definition cards and the setting tables. Views validate, authorise, call and render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from skaitykla.core.staff_access import staff_required
from skaitykla.stats import charts, reports
from skaitykla.stats.definitions import HELPER_MEASURES, INDICATORS, MEASURES, MEASURES_BY_CODE
from skaitykla.stats.exports import csv_bytes, pdf_report, xlsx_bytes
from skaitykla.stats.forms import (
    CollectionForm,
    NationalExportForm,
    PopulationForm,
    StatsQuery,
    StatsQueryForm,
)
from skaitykla.stats.selectors import (
    collection_rows,
    find_library,
    list_libraries,
    population_rows,
)
from skaitykla.stats.services import ensure_rollups_fresh, set_collection_figures, set_population

VIEW = "stats.view_statistics"
EXPORT_FORMATS = ("csv", "xlsx")


def _query(request: HttpRequest) -> tuple[StatsQueryForm, StatsQuery | None]:
    form = StatsQueryForm(request.GET or None)
    if not request.GET:
        form = StatsQueryForm({})
    if not form.is_valid():
        return form, None
    return form, form.query()


def _charts(query: StatsQuery) -> dict[str, Any]:
    measure = MEASURES_BY_CODE[query.measure]
    series = reports.series_table(query)
    labels = [str(row[0]) for row in series.rows]
    lines = [(str(query.period), [float(row[1] or 0) for row in series.rows])]
    if query.comparison:
        lines.append((str(query.comparison), [float(row[2] or 0) for row in series.rows]))
    breakdown = reports.breakdown_table(query)
    line_title = _("%(measure)s by month") % {"measure": measure.name}
    bar_title = _("%(measure)s by group") % {"measure": measure.name}
    line_svg = charts.to_svg(
        charts.line_figure(labels, lines, str(measure.unit)),
        title=line_title,
        desc=_("Line chart; the same numbers are in the table beside it."),
        element_id="chart-series",
    )
    bar_svg = charts.to_svg(
        charts.bar_figure(
            [str(row[0]) for row in breakdown.rows],
            [float(row[1] or 0) for row in breakdown.rows],
            str(measure.unit),
        ),
        title=bar_title,
        desc=_("Bar chart; the same numbers are in the table beside it."),
        element_id="chart-breakdown",
    )
    return {
        "series": series,
        "breakdown": breakdown,
        "line_title": line_title,
        "bar_title": bar_title,
        "line_svg": line_svg,
        "bar_svg": bar_svg,
    }


@require_GET
@staff_required(VIEW)
def dashboard(request: HttpRequest) -> HttpResponse:
    form, query = _query(request)
    context: dict[str, Any] = {"form": form, "query": query}
    if query is None:
        return render(request, "stats/dashboard.html", context, status=400)
    ensure_rollups_fresh()
    breakdown_rows = reports.breakdown_rows(query)
    drill = []
    if query.group == "library":
        names = {lib.code: lib.name for lib in list_libraries()}
        drill = [(code, names.get(code, code), value) for code, value in breakdown_rows]
    params = request.GET.copy()
    context.update(
        summary=reports.summary_table(query),
        indicators=reports.indicator_table(query),
        drill=drill,
        querystring=params.urlencode(),
        measure=MEASURES_BY_CODE[query.measure],
        **_charts(query),
    )
    return render(request, "stats/dashboard.html", context)


def _bad_request(form: Any) -> HttpResponse:
    lines = [f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()]
    return HttpResponseBadRequest(
        "\n".join(lines) or _("Bad request."), content_type="text/plain; charset=utf-8"
    )


def _filename(name: str, query: StatsQuery, extension: str) -> str:
    return f"statistika-{name}-{query.period.start:%Y%m%d}-{query.period.end:%Y%m%d}.{extension}"


@require_GET
@staff_required(VIEW)
def export_table(request: HttpRequest, fmt: str) -> HttpResponse:
    table_name = request.GET.get("table", "summary")
    if fmt not in EXPORT_FORMATS or table_name not in reports.TABLES:
        return HttpResponseBadRequest(_("Unknown table or format."))
    form, query = _query(request)
    if query is None:
        return _bad_request(form)
    ensure_rollups_fresh()
    table = reports.build_table(table_name, query)
    if fmt == "csv":
        body, content_type = csv_bytes(table), "text/csv; charset=utf-8"
    else:
        body = xlsx_bytes([table])
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=content_type)
    filename = _filename(table_name, query, fmt)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@staff_required(VIEW)
def report_pdf(request: HttpRequest) -> HttpResponse:
    form, query = _query(request)
    if query is None:
        return _bad_request(form)
    ensure_rollups_fresh()
    measure = MEASURES_BY_CODE[query.measure]
    series = reports.series_table(query)
    breakdown = reports.breakdown_table(query)
    lines = [(str(query.period), [float(row[1] or 0) for row in series.rows])]
    if query.comparison:
        lines.append((str(query.comparison), [float(row[2] or 0) for row in series.rows]))
    pngs = [
        (
            _("%(measure)s by month") % {"measure": measure.name},
            charts.to_png(
                charts.line_figure([str(r[0]) for r in series.rows], lines, str(measure.unit))
            ),
        ),
        (
            _("%(measure)s by group") % {"measure": measure.name},
            charts.to_png(
                charts.bar_figure(
                    [str(r[0]) for r in breakdown.rows],
                    [float(r[1] or 0) for r in breakdown.rows],
                    str(measure.unit),
                )
            ),
        ),
    ]
    body = pdf_report(
        title=_("Service statistics report"),
        subtitle=_("Prepared %(when)s") % {"when": timezone.localdate().isoformat()},
        tables=[
            reports.summary_table(query),
            reports.indicator_table(query),
            series,
            breakdown,
        ],
        charts=pngs,
        language=get_language() or "lt",
    )
    response = HttpResponse(body, content_type="application/pdf")
    filename = _filename("ataskaita", query, "pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@staff_required(VIEW)
def national_export(request: HttpRequest, fmt: str) -> HttpResponse:
    form = NationalExportForm(request.GET)
    if fmt not in EXPORT_FORMATS:
        return HttpResponseBadRequest(_("Unknown table or format."))
    if not form.is_valid():
        return _bad_request(form)
    code = request.GET.get("library", "")
    if code:
        library = find_library(code)
        if library is None:
            return HttpResponseBadRequest(_("Unknown library."))
        libraries = [(library.pk, library.code)]
    else:
        libraries = [(lib.pk, lib.code) for lib in list_libraries()]
    ensure_rollups_fresh()
    year = form.cleaned_data["year"]
    table = reports.national_table(year, libraries)
    if fmt == "csv":
        body, content_type = csv_bytes(table, notes=False), "text/csv; charset=utf-8"
    else:
        body = xlsx_bytes([table])
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="bibliotekos-rodikliai-{year}.{fmt}"'
    return response


@require_GET
@staff_required(VIEW)
def definitions(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "stats/definitions.html",
        {
            "measures": MEASURES,
            "helpers": HELPER_MEASURES.values(),
            "indicators": INDICATORS,
        },
    )


@require_http_methods(["GET", "POST"])
@staff_required("stats.change_populationserved")
def settings_page(request: HttpRequest) -> HttpResponse:
    population_form = PopulationForm(prefix="population")
    collection_form = CollectionForm(prefix="collection")
    status = 200
    if request.method == "POST":
        which = request.POST.get("which")
        if which == "population":
            population_form = PopulationForm(request.POST, prefix="population")
            if population_form.is_valid():
                data = population_form.cleaned_data
                library = find_library(data["library"])
                if library is not None:
                    set_population(
                        library=library, year=data["year"], population=data["population"]
                    )
                    messages.success(request, _("Population saved."))
                    return redirect("stats:settings")
        elif which == "collection":
            collection_form = CollectionForm(request.POST, prefix="collection")
            if collection_form.is_valid():
                data = collection_form.cleaned_data
                library = find_library(data["library"])
                if library is not None:
                    set_collection_figures(
                        library=library,
                        year=data["year"],
                        items_held=data["items_held"],
                        items_not_loaned=data["items_not_loaned"],
                    )
                    messages.success(request, _("Collection figures saved."))
                    return redirect("stats:settings")
        status = 400
    return render(
        request,
        "stats/settings.html",
        {
            "population_form": population_form,
            "collection_form": collection_form,
            "population_rows": population_rows(),
            "collection_rows": collection_rows(),
        },
        status=status,
    )
