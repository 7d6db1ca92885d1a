"""Catalogue pages: the public search, the record with its items' live availability, MARC
export, and the staff MARC upload with its progress."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from skaitykla.catalogue.errors import NotMarcError, RecordNotFoundError
from skaitykla.catalogue.forms import MarcUploadForm, SearchForm
from skaitykla.catalogue.marc.writers import to_iso2709, to_marcxml
from skaitykla.catalogue.selectors import (
    PAGE_SIZE,
    availability_for,
    get_import_job,
    get_record,
    list_import_jobs,
    search_records,
)
from skaitykla.catalogue.services import record_search, start_marc_upload
from skaitykla.core.staff_access import staff_required

FILTER_PARAMS = (
    "language",
    "year_from",
    "year_to",
    "material_type",
    "library",
    "room",
    "available",
)


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    """The public catalogue search: results with facets, or a no-results page with suggestions."""
    form = SearchForm(request.GET or None)
    context: dict[str, object] = {"form": form, "result": None, "searched": False}
    if form.is_bound and form.is_valid() and form.query.strip():
        result = search_records(form.query, form.filters(), page=form.cleaned_data.get("page") or 1)
        context.update(result=result, searched=True, first_number=(result.page - 1) * PAGE_SIZE + 1)
        if not result.query.empty:
            record_search(query=form.query, found=result.count)
        base: dict[str, str] = {
            key: str(value) for key, value in request.GET.items() if key != "page" and value
        }
        context["base_query"] = urlencode(base)
        context["active_filters"] = [
            (key, request.GET[key], urlencode({k: v for k, v in base.items() if k != key}))
            for key in FILTER_PARAMS
            if request.GET.get(key)
        ]
        context["facet_groups"] = _facet_groups(result.facets, base)
    return render(request, "catalogue/search.html", context)


def _facet_groups(
    facets: dict[str, list[tuple[str, str, int]]], base: dict[str, str]
) -> list[dict[str, object]]:
    """Facet values as links that add (or, when active, remove) a filter."""
    titles = {
        "available": _("Availability"),
        "library": _("Library"),
        "reading_room": _("Reading room"),
        "language": _("Language"),
        "material_type": _("Material type"),
        "decade": _("Published"),
    }
    groups: list[dict[str, object]] = []
    for key, title in titles.items():
        links: list[dict[str, object]] = []
        for value, label, count in facets.get(key, []):
            params = dict(base)
            params.pop("page", None)
            if key == "available":
                params["available"] = "1"
                label = _("Available now")
            elif key == "reading_room":
                params["library"], _sep, params["room"] = value.partition(":")
            elif key == "decade":
                params["year_from"], params["year_to"] = value, str(int(value) + 9)
            else:
                params[key] = value
            active = all(base.get(k) == v for k, v in params.items() if k in FILTER_PARAMS)
            links.append(
                {
                    "label": label or value,
                    "count": count,
                    "url": "?" + urlencode(params),
                    "active": active,
                }
            )
        if links:
            groups.append({"key": key, "title": title, "links": links})
    return groups


@require_safe
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A record with every item, where it is and whether it is on the shelf now."""
    try:
        record = get_record(pk)
    except RecordNotFoundError as error:
        raise Http404(str(error)) from error
    availability = availability_for([record.pk]).get(record.pk)
    return render(
        request,
        "catalogue/record.html",
        {"record": record, "availability": availability},
    )


@require_safe
def record_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The record as MARC21 (ISO 2709, UTF-8) or MARCXML."""
    try:
        record = get_record(pk)
    except RecordNotFoundError as error:
        raise Http404(str(error)) from error
    if fmt == "marcxml":
        response = HttpResponse(to_marcxml(record), content_type="application/marcxml+xml")
        filename = f"record-{record.pk}.xml"
    else:
        response = HttpResponse(to_iso2709(record), content_type="application/marc")
        filename = f"record-{record.pk}.mrc"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@staff_required("catalogue.import_marc")
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    """Upload a MARC file; the import runs in the background (``skaitykla worker``)."""
    form = MarcUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = start_marc_upload(
                upload=form.cleaned_data["file"],
                fmt=form.cleaned_data["format"],
                library=form.cleaned_data["library"],
                staff_user=request.user,
            )
        except NotMarcError as error:
            form.add_error("format", str(error))
        else:
            messages.success(request, _("The file was uploaded; the import has been queued."))
            return redirect("catalogue:import_detail", pk=job.pk)
    jobs = list_import_jobs()[:20]
    return render(request, "catalogue/staff/import.html", {"form": form, "jobs": jobs})


@staff_required("catalogue.import_marc")
@require_safe
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An upload's progress (htmx refreshes the progress block; without JS, reload the page)."""
    try:
        job = get_import_job(pk)
    except RecordNotFoundError as error:
        raise Http404(str(error)) from error
    template = (
        "catalogue/staff/_import_progress.html"
        if getattr(request, "htmx", False)
        else "catalogue/staff/import_detail.html"
    )
    return render(request, template, {"job": job})
