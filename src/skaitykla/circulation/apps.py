from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CirculationConfig(AppConfig):
    name = "skaitykla.circulation"
    label = "circulation"
    verbose_name = _("Circulation")

    def ready(self) -> None:
        from skaitykla.circulation.selectors import open_obligations
        from skaitykla.patrons.data_rights import Anonymise, register_reader_relation
        from skaitykla.patrons.obligations import register_obligation_check

        # Erasure is refused while a loan is open or a fee unpaid; otherwise closed loans and
        # settled fees stay de-identified (statistics, accounts), holds and orders go.
        register_obligation_check("circulation", open_obligations)
        register_reader_relation(
            "circulation.loan.reader",
            export_fields=(
                "item__barcode",
                "item__record__title",
                "library__code",
                "kind",
                "checked_out_at",
                "due_at",
                "returned_at",
                "renewals_count",
            ),
            erasure=Anonymise({"anonymised": True}),
        )
        register_reader_relation(
            "circulation.hold.reader",
            export_fields=(
                "record__title",
                "pickup_library__code",
                "status",
                "placed_at",
                "not_needed_after",
                "ready_at",
            ),
            erasure="delete",
        )
        register_reader_relation(
            "circulation.stackorder.reader",
            export_fields=("item__barcode", "room__code", "for_day", "status", "ordered_at"),
            erasure="delete",
        )
        register_reader_relation(
            "circulation.fee.reader",
            export_fields=("kind", "amount", "outstanding", "created_at", "library__code"),
            erasure=Anonymise({"note": ""}),
        )
        register_reader_relation(
            "circulation.offlinetransaction.reader",
            export_fields=("at", "kind", "item_barcode", "outcome"),
            erasure=Anonymise({"card_barcode": ""}),
        )

        from skaitykla.circulation.periodic import PERIODIC
        from skaitykla.core.schedule import PeriodicJob, register

        for name, task_path, interval in PERIODIC:
            register(PeriodicJob(name, task_path, interval))
