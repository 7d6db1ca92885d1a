from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "skaitykla.accounts"
    label = "accounts"
    verbose_name = _("Staff accounts")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from skaitykla.accounts.roles import ensure_roles_after_migrate

        post_migrate.connect(ensure_roles_after_migrate, dispatch_uid="skaitykla_ensure_roles")
