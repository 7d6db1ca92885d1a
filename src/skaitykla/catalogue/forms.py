"""Forms of the catalogue: the public search with its filters, and the staff MARC upload."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from skaitykla.catalogue.choices import MaterialType
from skaitykla.catalogue.marc.readers import FORMATS
from skaitykla.catalogue.search.backends import Filters
from skaitykla.catalogue.search.query import MAX_QUERY
from skaitykla.catalogue.selectors import list_filter_libraries, search_filters

MAX_UPLOAD_BYTES = 500 * 1024 * 1024


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search the catalogue"),
        required=False,
        max_length=10_000,
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "spellcheck": "false"}
        ),
        help_text=_('Words in any form. Use "quotes" for a phrase and * for the start of a word.'),
    )
    language = forms.CharField(label=_("Language code"), required=False, max_length=3)
    year_from = forms.IntegerField(
        label=_("Published from (year)"), required=False, min_value=0, max_value=9999
    )
    year_to = forms.IntegerField(
        label=_("Published until (year)"), required=False, min_value=0, max_value=9999
    )
    material_type = forms.ChoiceField(
        label=_("Material type"),
        required=False,
        choices=[("", _("Any type")), *MaterialType.choices],
    )
    library = forms.CharField(label=_("Library"), required=False, max_length=32)
    room = forms.CharField(label=_("Reading room"), required=False, max_length=40)
    available = forms.BooleanField(label=_("Available now"), required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=1000, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        year_from, year_to = data.get("year_from"), data.get("year_to")
        if year_from is not None and year_to is not None and year_from > year_to:
            self.add_error("year_to", _("The last year must not be before the first year."))
        return data

    @property
    def query(self) -> str:
        return (self.cleaned_data.get("q") or "")[:MAX_QUERY] if self.is_bound else ""

    def filters(self) -> Filters:
        data = self.cleaned_data
        return search_filters(
            language=data.get("language") or "",
            year_from=data.get("year_from"),
            year_to=data.get("year_to"),
            material_type=data.get("material_type") or "",
            library_code=data.get("library") or "",
            room_code=data.get("room") or "",
            available=bool(data.get("available")),
        )


class MarcUploadForm(forms.Form):
    file = forms.FileField(label=_("MARC file"))
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            ("auto", _("Recognise automatically")),
            ("marc21", _("MARC21 (ISO 2709, MARC-8 or UTF-8)")),
            ("unimarc", _("UNIMARC (ISO 2709)")),
            ("marcxml", _("MARCXML")),
            ("marcjson", _("MARC-in-JSON")),
        ],
        initial="auto",
    )
    library = forms.ModelChoiceField(
        label=_("Library of the items"),
        queryset=list_filter_libraries(),
        required=False,
        to_field_name="code",
        help_text=_("Used for items whose holdings field names no library."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 500 MB."))
        return upload

    def clean_format(self) -> str:
        value = self.cleaned_data["format"]
        if value not in FORMATS:
            raise forms.ValidationError(_("Unknown format."))
        return value
