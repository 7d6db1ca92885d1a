from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferenceConfig(AppConfig):
    name = "skaitykla.reference"
    label = "reference"
    verbose_name = _("Ask a Librarian and desk log")
