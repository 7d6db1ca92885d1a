"""The reader's circulation pages in the portal (a second urlconf of the circulation app)."""

from django.urls import URLPattern, URLResolver, path

from skaitykla.circulation import reader_views

app_name = "circulation_reader"
urlpatterns: list[URLPattern | URLResolver] = [
    path("reader/loans/", reader_views.loans, name="loans"),
    path("reader/loans/<int:loan_id>/renew/", reader_views.renew, name="renew"),
    path("reader/holds/", reader_views.holds, name="holds"),
    path("reader/holds/new/<int:record_id>/", reader_views.hold_new, name="hold_new"),
    path("reader/holds/<int:hold_id>/cancel/", reader_views.hold_cancel, name="hold_cancel"),
    path("reader/orders/", reader_views.orders, name="orders"),
    path("reader/orders/new/<int:item_id>/", reader_views.order_new, name="order_new"),
    path("reader/orders/<int:order_id>/cancel/", reader_views.order_cancel, name="order_cancel"),
    path("reader/fines/", reader_views.fines, name="fines"),
    path("reader/history/", reader_views.history, name="history"),
]
