"""Staff circulation screens (the reader's own pages are in ``reader_urls``)."""

from django.urls import URLPattern, URLResolver, path

from skaitykla.circulation.views import (
    checkin,
    desk,
    holds_shelf,
    offline,
    pick_list,
    policies,
    staff_reader,
)

app_name = "circulation"
urlpatterns: list[URLPattern | URLResolver] = [
    path("staff/circulation/desk/", desk.desk, name="desk"),
    path("staff/circulation/desk/<int:reader_id>/", desk.desk_reader, name="desk_reader"),
    path("staff/circulation/desk/<int:reader_id>/checkout/", desk.checkout, name="desk_checkout"),
    path(
        "staff/circulation/desk/<int:reader_id>/loans/<int:loan_id>/renew/",
        desk.renew,
        name="desk_renew",
    ),
    path("staff/circulation/checkin/", checkin.checkin, name="checkin"),
    path("staff/circulation/in-house/", checkin.in_house_use, name="in_house"),
    path("staff/circulation/hold-shelf/", holds_shelf.hold_shelf, name="hold_shelf"),
    path("staff/circulation/pick-list/", pick_list.pick_list, name="pick_list"),
    path("staff/circulation/pick-list.pdf", pick_list.pick_list_pdf, name="pick_list_pdf"),
    path("staff/circulation/pick-list/slips.pdf", pick_list.slips_pdf, name="slips_pdf"),
    path(
        "staff/circulation/orders/<int:order_id>/<slug:transition>/",
        pick_list.order_transition,
        name="order_transition",
    ),
    path(
        "staff/circulation/readers/<int:reader_id>/",
        staff_reader.reader_circulation,
        name="staff_reader",
    ),
    path(
        "staff/circulation/readers/<int:reader_id>/loans/<int:loan_id>/renew/",
        staff_reader.reader_renew,
        name="staff_reader_renew",
    ),
    path(
        "staff/circulation/readers/<int:reader_id>/holds/<int:hold_id>/cancel/",
        staff_reader.reader_hold_cancel,
        name="staff_reader_hold_cancel",
    ),
    path(
        "staff/circulation/readers/<int:reader_id>/pay/",
        staff_reader.reader_pay,
        name="staff_reader_pay",
    ),
    path(
        "staff/circulation/readers/<int:reader_id>/fees/<int:fee_id>/waive/",
        staff_reader.reader_waive,
        name="staff_reader_waive",
    ),
    # Staff settings: the loan-policy table, order cut-offs, offline uploads.
    path("staff/circulation/policies/", policies.policy_list, name="policies"),
    path("staff/circulation/policies/new/", policies.policy_new, name="policy_new"),
    path("staff/circulation/policies/<int:policy_id>/", policies.policy_edit, name="policy_edit"),
    path(
        "staff/circulation/policies/<int:policy_id>/delete/",
        policies.policy_delete,
        name="policy_delete",
    ),
    path("staff/circulation/policies/cutoffs/new/", policies.cutoff_new, name="cutoff_new"),
    path(
        "staff/circulation/policies/cutoffs/<int:cutoff_id>/",
        policies.cutoff_edit,
        name="cutoff_edit",
    ),
    path(
        "staff/circulation/policies/cutoffs/<int:cutoff_id>/delete/",
        policies.cutoff_delete,
        name="cutoff_delete",
    ),
    path("staff/circulation/offline/", offline.offline_uploads, name="offline"),
    path("staff/circulation/offline/<int:batch_id>/", offline.offline_batch, name="offline_batch"),
]
