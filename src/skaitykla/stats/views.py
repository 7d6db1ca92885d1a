"""Staff pages of the stats app: dashboard, exports, the PDF report, the national long format,
the definition cards and the setting tables. Views validate, authorise, call and render."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from skaitykla.core.staff_access import staff_required
from skaitykla.stats import charts, reports
from skaitykla.stats.definitions import INDICATORS, MEASURES
from skaitykla.stats.exports import Table, csv_bytes, pdf_report, xlsx_bytes
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

if TYPE_CHECKING:
    from matplotlib.figure import Figure

VIEW = "stats.view_statistics"
EXPORT_FORMATS = ("csv", "xlsx")


def _query(request: HttpRequest) -> tuple[StatsQueryForm, StatsQuery | None]:
    form = StatsQueryForm(request.GET or {})  # bound even without parameters: the defaults
    if not form.is_valid():
        return form, None
    return form, form.query()


def _figures(report: reports.Report) -> list[tuple[str, Figure]]:
    """The two charts of a report (by month, by group) with their titles."""
    measure, query = report.measure, report.query
    series, breakdown = report.series_table, report.breakdown_table
    lines = [(str(query.period), [float(row[1] or 0) for row in series.rows])]
    if query.comparison:
        lines.append((str(query.comparison), [float(row[2] or 0) for row in series.rows]))
    return [
        (
            _("%(measure)s by month") % {"measure": measure.name},
            charts.line_figure([str(row[0]) for row in series.rows], lines, str(measure.unit)),
        ),
        (
            _("%(measure)s by group") % {"measure": measure.name},
            charts.bar_figure(
                [str(row[0]) for row in breakdown.rows],
                [float(row[1] or 0) for row in breakdown.rows],
                str(measure.unit),
            ),
        ),
    ]


@require_GET
@staff_required(VIEW)
def dashboard(request: HttpRequest) -> HttpResponse:
    form, query = _query(request)
    context: dict[str, Any] = {"form": form, "query": query}
    if query is None:
        return render(request, "stats/dashboard.html", context, status=400)
    ensure_rollups_fresh()
    report = reports.Report(query)
    drill = []
    if query.group == "library":
        names = report.library_names
        drill = [(code, names.get(code, code), value) for code, value in report.breakdown_rows]
    (line_title, line), (bar_title, bar) = _figures(report)
    context.update(
        summary=report.summary_table,
        indicators=report.indicators_table,
        series=report.series_table,
        breakdown=report.breakdown_table,
        line_title=line_title,
        bar_title=bar_title,
        line_svg=charts.to_svg(
            line,
            title=line_title,
            desc=_("Line chart; the same numbers are in the table beside it."),
            element_id="chart-series",
        ),
        bar_svg=charts.to_svg(
            bar,
            title=bar_title,
            desc=_("Bar chart; the same numbers are in the table beside it."),
            element_id="chart-breakdown",
        ),
        drill=drill,
        querystring=request.GET.urlencode(),
        measure=report.measure,
    )
    return render(request, "stats/dashboard.html", context)


def _bad_request(form: Any) -> HttpResponse:
    lines = [f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()]
    return HttpResponseBadRequest(
        "\n".join(lines) or _("Bad request."), content_type="text/plain; charset=utf-8"
    )


def _download(table: Table, fmt: str, filename: str, *, notes: bool = True) -> HttpResponse:
    """The table as a CSV (with its notes as comment lines unless ``notes`` is off) or XLSX."""
    if fmt == "csv":
        body, content_type = csv_bytes(table, notes=notes), "text/csv; charset=utf-8"
    else:
        body = xlsx_bytes([table])
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


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
    table = reports.Report(query).table(table_name)
    return _download(table, fmt, _filename(table_name, query, fmt))


@require_GET
@staff_required(VIEW)
def report_pdf(request: HttpRequest) -> HttpResponse:
    form, query = _query(request)
    if query is None:
        return _bad_request(form)
    ensure_rollups_fresh()
    report = reports.Report(query)
    pngs = [(title, charts.to_png(figure)) for title, figure in _figures(report)]
    body = pdf_report(
        title=_("Service statistics report"),
        subtitle=_("Prepared %(when)s") % {"when": timezone.localdate().isoformat()},
        tables=[
            report.summary_table,
            report.indicators_table,
            report.series_table,
            report.breakdown_table,
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
    return _download(table, fmt, f"bibliotekos-rodikliai-{year}.{fmt}", notes=False)


@require_GET
@staff_required(VIEW)
def definitions(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "stats/definitions.html",
        {"measures": MEASURES, "indicators": INDICATORS},
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
                        library=library,
                        year=data["year"],
                        population=data["population"],
                        actor=request.user,  # type: ignore[arg-type]
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
                        actor=request.user,  # type: ignore[arg-type]
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
