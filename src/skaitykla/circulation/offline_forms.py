"""The offline-upload form: a CSV file of what a desk did while the system was unreachable
(format in ``services.offline``). It refuses what cannot be such a file before any service runs:
nothing, an empty file, a file that is too big, or one that is not UTF-8 text."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from skaitykla.circulation.services.offline import MAX_ROWS

#: Generous for MAX_ROWS lines of ``timestamp,action,card,item`` (about 60 bytes each).
MAX_UPLOAD_BYTES = MAX_ROWS * 100
ACCEPTED_SUFFIXES = (".csv", ".txt")


class OfflineUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File of offline transactions (CSV)"),
        help_text=_("One line per transaction: timestamp,action,card,item (UTF-8)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv,text/plain"}),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        assert isinstance(upload, UploadedFile)
        name = (upload.name or "").lower()
        if not name.endswith(ACCEPTED_SUFFIXES):
            raise forms.ValidationError(_("Upload a CSV file (.csv or .txt)."), code="not_csv_name")
        if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is too big: at most %(size)s.")
                % {"size": filesizeformat(MAX_UPLOAD_BYTES)},
                code="too_big",
            )
        content = upload.read(MAX_UPLOAD_BYTES + 1)
        if len(content) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is too big: at most %(size)s.")
                % {"size": filesizeformat(MAX_UPLOAD_BYTES)},
                code="too_big",
            )
        if not content.strip():
            raise forms.ValidationError(_("The file is empty."), code="empty")
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                _("This is not a CSV text file (it is not UTF-8 text)."), code="not_text"
            ) from None
        if "\x00" in text:
            raise forms.ValidationError(
                _("This is not a CSV text file (it contains binary data)."), code="not_text"
            )
        return content

    @property
    def file_name(self) -> str:
        upload = self.files.get("file")
        return str(getattr(upload, "name", "") or "")
