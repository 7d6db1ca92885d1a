"""Offline uploads: a desk that worked without the system uploads its CSV file here; the rows
are replayed at once through the checkout and check-in services (``import_offline_batch``) and
the batch page shows the exceptions report (line, code, what it means)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from skaitykla.circulation import errors as circulation_errors
from skaitykla.circulation import settings_queries
from skaitykla.circulation.choices import OfflineKind
from skaitykla.circulation.offline_forms import OfflineUploadForm
from skaitykla.circulation.services.offline import import_offline_batch, offline_exceptions
from skaitykla.circulation.views.answers import desk_library, staff_user
from skaitykla.core.errors import DomainError
from skaitykla.core.staff_access import staff_required

UPLOAD_PERMISSION = "circulation.add_offlinebatch"
VIEW_PERMISSION = "circulation.view_offlinebatch"

#: What the codes of unreadable lines and replay outcomes mean (refusal codes come from the
#: circulation errors' own messages).
LINE_MESSAGES: dict[str, Promise] = {
    "not_utf8": gettext_lazy("The file is not UTF-8 text."),
    "not_csv": gettext_lazy("The file cannot be read as CSV."),
    "too_many_rows": gettext_lazy("Too many lines: the rest of the file was not read."),
    "wrong_number_of_fields": gettext_lazy(
        "The line does not have four fields (timestamp, action, card, item)."
    ),
    "bad_timestamp": gettext_lazy("The timestamp cannot be read."),
    "timestamp_in_future": gettext_lazy("The timestamp is in the future."),
    "bad_action": gettext_lazy("The action must be checkout or checkin."),
    "item_missing": gettext_lazy("The item barcode is missing."),
    "card_missing": gettext_lazy("A checkout needs the reader's card number."),
    "duplicate_row": gettext_lazy("Already done: the same transaction appears earlier."),
    "duplicate": gettext_lazy("Already done: the same transaction appears earlier."),
    "error": gettext_lazy("An unexpected error: the transaction was not done."),
}


def _refusal_messages() -> dict[str, object]:
    """Each circulation refusal code with its message (the classes name their defaults)."""
    found: dict[str, object] = {}
    pending: list[type[DomainError]] = [circulation_errors.CirculationError]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        default = getattr(cls, "default_message", None)
        if default is not None:
            found.setdefault(cls.code, default)
    return found


def explain(code: str, *, replayed: bool) -> str:
    """What ``code`` means: a refusal of a replayed row, or a problem of an unreadable line
    (``item_missing`` is both: an item that is missing, a line without an item barcode)."""
    if code.startswith("internal:"):
        return str(LINE_MESSAGES["error"])
    refusal = _refusal_messages().get(code) if replayed else None
    known = refusal if refusal is not None else LINE_MESSAGES.get(code)
    return str(known) if known is not None else ""


@dataclass(frozen=True)
class ReportLine:
    line: int
    code: str
    message: str
    kind: str
    item_barcode: str


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required(VIEW_PERMISSION)
def offline_uploads(request: HttpRequest) -> HttpResponse:
    library = desk_library(request)
    user = staff_user(request)
    may_upload = user.has_perm(UPLOAD_PERMISSION)
    form = OfflineUploadForm()
    status = 200
    if request.method == "POST":
        if not may_upload:
            raise PermissionDenied
        form = OfflineUploadForm(request.POST, request.FILES)
        if form.is_valid():
            started = timezone.now()
            batch = import_offline_batch(
                file_bytes=form.cleaned_data["file"],
                filename=form.file_name,
                library=library,
                staff=user,
            )
            if batch.uploaded_at < started:
                messages.warning(
                    request,
                    _(
                        "This file was already uploaded on %(when)s (upload %(number)s): "
                        "nothing was changed."
                    )
                    % {
                        "when": date_format(timezone.localtime(batch.uploaded_at), "Y-m-d H:i"),
                        "number": batch.pk,
                    },
                )
            else:
                messages.success(
                    request,
                    _("The file is processed: %(done)s done, %(failed)s exceptions.")
                    % {"done": batch.rows_done, "failed": batch.rows_failed},
                )
            if batch.library_id != library.pk:
                return redirect("circulation:offline")
            return redirect("circulation:offline_batch", batch_id=batch.pk)
        status = 400
    return render(
        request,
        "circulation/staff/offline.html",
        {
            "library": library,
            "form": form,
            "may_upload": may_upload,
            "batches": list(settings_queries.list_offline_batches(library=library)),
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD"])
@staff_required(VIEW_PERMISSION)
def offline_batch(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = settings_queries.get_offline_batch(batch_id=batch_id, library=desk_library(request))
    if batch is None:
        raise Http404
    report = [
        ReportLine(
            line=entry.line,
            code=entry.code,
            message=explain(entry.code, replayed=bool(entry.kind)),
            kind=str(OfflineKind(entry.kind).label) if entry.kind in OfflineKind.values else "",
            item_barcode=entry.item_barcode,
        )
        for entry in offline_exceptions(batch)
    ]
    return render(
        request, "circulation/staff/offline_batch.html", {"batch": batch, "report": report}
    )
