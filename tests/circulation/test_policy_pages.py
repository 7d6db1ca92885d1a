"""The loan-policy page: the rule table (most specific first, constant queries), creating,
editing and deleting rules through the policy services (the in-process cache follows at once),
field errors in the user's language, the stack-order cut-offs, permissions, CSRF and escaping."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from skaitykla.catalogue.choices import LoanType
from skaitykla.circulation import services
from skaitykla.circulation.models import LoanPolicy, PolicyVersion, StackOrderCutoff
from skaitykla.circulation.policies import policy_table
from skaitykla.circulation.policy_forms import LoanPolicyForm
from skaitykla.core.models import AuditEntry
from skaitykla.core.timezones import library_zone
from tests.circulation.conftest import NOW, with_permission
from tests.factories import LibraryFactory, ReadingRoomFactory, StaffUserFactory
from tests.patrons.factories import ReaderCategoryFactory

pytestmark = pytest.mark.django_db

EDITOR_PERMS = (
    "view_loanpolicy",
    "add_loanpolicy",
    "change_loanpolicy",
    "delete_loanpolicy",
    "view_stackordercutoff",
    "add_stackordercutoff",
    "change_stackordercutoff",
)
LIST = reverse("circulation:policies")
NEW = reverse("circulation:policy_new")
NEW_CUTOFF = reverse("circulation:cutoff_new")


@pytest.fixture(autouse=True)
def _english(client, settings):
    # Assertions read the English texts: the Lithuanian catalogue is filled in separately.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def editor(circ, client):
    user = with_permission(
        StaffUserFactory(username="rules-head", home_library=circ.library), *EDITOR_PERMS
    )
    client.force_login(user)
    return user


def form_data(policy: LoanPolicy | None = None, **changes: object) -> dict[str, str]:
    """What the browser posts for ``policy`` as shown (new: the defaults), with ``changes``."""
    form = LoanPolicyForm(instance=policy)
    data: dict[str, object] = {}
    for name, field in form.fields.items():
        value = changes[name] if name in changes else form[name].value()
        if isinstance(field.widget, type(form.fields["is_active"].widget)):
            if value:
                data[name] = "on"
            continue
        if value is None:
            data[name] = ""
        elif isinstance(value, date):
            data[name] = value.isoformat()
        else:
            data[name] = str(value)
    return {key: str(value) for key, value in data.items()}


def table_state() -> list[tuple[object, ...]]:
    return list(
        LoanPolicy.objects.order_by("id").values_list(
            "id", "name", "loan_period_days", "fine_per_day", "fine_cap", "updated_at"
        )
    )


def version() -> int:
    return PolicyVersion.objects.get(pk=1).version


# --- The table ---------------------------------------------------------------------------------


def test_table_lists_every_rule_most_specific_first(circ, editor, client):
    students = ReaderCategoryFactory(code="pages-student", name="Studentai")
    LoanPolicy.objects.create(
        name="Library and students", library=circ.library, reader_category=students
    )
    LoanPolicy.objects.create(name="Library only", library=circ.library, loan_period_days=21)
    LoanPolicy.objects.create(name="Inactive rule", library=circ.library, is_active=False)
    response = client.get(LIST)
    assert response.status_code == 200
    page = response.content.decode()
    order = [
        "Library and students",  # library 8 + category 4
        "Library only",  # library 8
        "Inactive rule",  # library 8, inactive after the active one
        "rule reading_room",  # loan type 2
        "rule default",  # nothing
    ]
    positions = [page.index(f">{name}") for name in order]
    assert positions == sorted(positions)
    assert "Studentai" in page
    assert "21 days" in page
    assert "(inactive)" in page


def test_table_query_count_does_not_grow_with_rules(circ, editor, client):
    client.get(LIST)  # session, permissions warmed
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    for number in range(6):
        LoanPolicy.objects.create(
            name=f"extra {number}",
            library=LibraryFactory(),
            reader_category=ReaderCategoryFactory(code=f"cat{number}"),
        )
        StackOrderCutoff.objects.create(
            library=circ.library,
            reading_room=ReadingRoomFactory(library=circ.library),
            weekday=number,
            last_order_at=time(16),
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get(LIST).status_code == 200
    assert len(many) == len(few)


# --- Create, edit, delete ----------------------------------------------------------------------


def test_create_a_rule_saves_exact_values_and_audits(circ, editor, client):
    before = version()
    data = form_data(
        name="Students at the central library",
        library=circ.library.pk,
        reader_category=circ.category.pk,
        loan_type=LoanType.HOME_LOAN,
        loan_period_days=14,
        renewals_allowed=1,
        renewal_period_days=7,
        renew_from="today",
        max_loans_total=5,
        fine_per_day="0.05",
        fine_cap="2.50",
        grace_days=2,
        home_loan_allowed=False,
        closed_day_strategy="previous_open",
        hard_due_date=date(2026, 6, 30),
        hold_shelf_open_days=5,
        max_overdue_items_before_block=4,
        max_balance_before_block="7.00",
    )
    response = client.post(NEW, data)
    assert response.status_code == 302
    assert response["Location"] == LIST
    rule = LoanPolicy.objects.get(name="Students at the central library")
    assert (rule.library_id, rule.reader_category_id, rule.loan_type, rule.material_type) == (
        circ.library.pk,
        circ.category.pk,
        "home_loan",
        "",
    )
    assert (rule.loan_period_days, rule.renewals_allowed, rule.renewal_period_days) == (14, 1, 7)
    assert (rule.renew_from, rule.max_loans_total, rule.home_loan_allowed) == ("today", 5, False)
    assert (rule.fine_per_day, rule.fine_cap, rule.grace_days) == (
        Decimal("0.05"),
        Decimal("2.50"),
        2,
    )
    assert (rule.closed_day_strategy, rule.hard_due_date) == ("previous_open", date(2026, 6, 30))
    assert (rule.hold_shelf_open_days, rule.max_overdue_items_before_block) == (5, 4)
    assert rule.max_balance_before_block == Decimal("7.00")
    assert version() == before + 1
    entry = AuditEntry.objects.get(action="circulation.policy_created")
    assert (entry.object_id, entry.actor_id) == (str(rule.pk), str(editor.pk))


def test_editing_the_rule_on_the_page_changes_the_next_checkout(circ, editor, client):
    policy_table()  # the compiled table is cached in this process
    response = client.post(
        reverse("circulation:policy_edit", args=[circ.policy.pk]),
        form_data(circ.policy, loan_period_days=14),
    )
    assert response.status_code == 302
    circ.policy.refresh_from_db()
    assert circ.policy.loan_period_days == 14
    assert AuditEntry.objects.filter(action="circulation.policy_changed").count() == 1
    item = circ.item()
    loan = services.checkout_item(
        item_barcode=item.barcode,
        card_barcode=circ.card.barcode,
        library=circ.library,
        channel="desk",
        at=NOW,
    )
    # Monday 2 March + 14 days = Monday 16 March, at 23:59 local time.
    due = timezone.localtime(loan.due_at, library_zone(circ.library))
    assert (due.date(), due.hour, due.minute) == (date(2026, 3, 16), 23, 59)


def test_edit_page_shows_the_rule_in_fieldsets(circ, editor, client):
    response = client.get(reverse("circulation:policy_edit", args=[circ.policy.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    for legend in ("Loans", "Renewals", "Holds", "Fines and automatic blocks", "Notices"):
        assert f"<legend>{legend}</legend>" in page
    assert 'name="loan_period_days" value="30"' in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"fine_per_day": "-0.01"}, "fine_per_day", "greater than or equal to 0"),
        ({"fine_cap": "0.01"}, "fine_cap", "The cap cannot be lower than the fine for one day."),
        ({"loan_period_hours": "0"}, "loan_period_hours", "greater than or equal to 1"),
        ({"loan_period_days": "-3"}, "loan_period_days", "greater than or equal to 0"),
        (
            {"overdue_notice_3_days": "14"},
            "overdue_notice_3_days",
            "The third notice must come later than the second.",
        ),
        ({"name": ""}, "name", "This field is required."),
        ({"closed_day_strategy": "never"}, "closed_day_strategy", "Select a valid choice."),
    ],
)
def test_refused_input_is_shown_at_the_field_and_changes_nothing(
    circ, editor, client, changes, field, message
):
    before, before_version = table_state(), version()
    response = client.post(
        reverse("circulation:policy_edit", args=[circ.policy.pk]), form_data(circ.policy, **changes)
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert message in form.errors[field][0]
    assert message in response.content.decode().replace("&#x27;", "'")
    assert table_state() == before
    assert version() == before_version
    assert not AuditEntry.objects.filter(action__startswith="circulation.policy").exists()


def test_field_errors_are_in_the_users_language(circ, editor, client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "lt"
    before = table_state()
    response = client.post(NEW, form_data(name=""))
    assert response.status_code == 400
    with translation.override("lt"):
        expected = translation.gettext("This field is required.")
    assert expected != "This field is required."
    assert response.context["form"].errors["name"] == [expected]
    assert expected in response.content.decode()
    assert table_state() == before


def test_delete_a_rule(circ, editor, client):
    rule = LoanPolicy.objects.create(name="Short-lived", library=circ.library)
    before = version()
    response = client.post(reverse("circulation:policy_delete", args=[rule.pk]))
    assert response.status_code == 302
    assert not LoanPolicy.objects.filter(pk=rule.pk).exists()
    assert version() == before + 1
    assert AuditEntry.objects.filter(
        action="circulation.policy_deleted", object_id=str(rule.pk)
    ).exists()
    assert client.get(reverse("circulation:policy_delete", args=[rule.pk])).status_code == 405


def test_rule_name_is_escaped(circ, editor, client):
    response = client.post(NEW, form_data(name="<script>alert('x')</script>", priority=5))
    assert response.status_code == 302
    page = client.get(LIST).content.decode()
    assert "<script>alert('x')</script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


# --- Permissions and CSRF ----------------------------------------------------------------------


def test_staff_without_the_permission_get_403_and_nothing_changes(circ, client):
    user = with_permission(StaffUserFactory(username="desk-only"), "add_loan", "view_loanpolicy")
    client.force_login(user)
    before, before_version = table_state(), version()
    rule = circ.policy
    assert client.get(LIST).status_code == 403
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, form_data(name="sneaky")).status_code == 403
    edit = reverse("circulation:policy_edit", args=[rule.pk])
    assert client.post(edit, form_data(rule, loan_period_days=1)).status_code == 403
    delete = reverse("circulation:policy_delete", args=[rule.pk])
    assert client.post(delete).status_code == 403
    assert client.post(NEW_CUTOFF, {"library": circ.library.pk}).status_code == 403
    assert table_state() == before
    assert version() == before_version
    assert StackOrderCutoff.objects.count() == 0


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_csrf_is_enforced(circ, editor, settings):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    csrf_client.force_login(editor)
    before = table_state()
    edit = reverse("circulation:policy_edit", args=[circ.policy.pk])
    assert csrf_client.post(edit, form_data(circ.policy, loan_period_days=2)).status_code == 403
    delete = reverse("circulation:policy_delete", args=[circ.policy.pk])
    assert csrf_client.post(delete).status_code == 403
    assert table_state() == before


def test_the_menu_links_the_page_only_for_editors(circ, editor, client):
    desk = reverse("circulation:pick_list")
    with_permission(editor, "handle_stack_orders")
    assert f'href="{LIST}"' in client.get(desk).content.decode()
    other = with_permission(StaffUserFactory(username="stacks"), "handle_stack_orders")
    client.force_login(other)
    assert f'href="{LIST}"' not in client.get(desk).content.decode()


# --- Stack-order cut-offs ----------------------------------------------------------------------


def cutoff_state() -> list[tuple[object, ...]]:
    return list(
        StackOrderCutoff.objects.order_by("id").values_list(
            "id", "library_id", "reading_room_id", "weekday", "last_order_at", "delivery_minutes"
        )
    )


def test_cutoffs_created_edited_and_deleted(circ, editor, client):
    room = ReadingRoomFactory(library=circ.library, name="Retų spaudinių skaitykla")
    response = client.post(
        NEW_CUTOFF,
        {
            "library": circ.library.pk,
            "weekday": "4",
            "last_order_at": "15:00",
            "delivery_minutes": "60",
        },
    )
    assert response.status_code == 302
    response = client.post(
        NEW_CUTOFF,
        {
            "library": circ.library.pk,
            "reading_room": room.pk,
            "weekday": "0",
            "last_order_at": "16:30",
            "delivery_minutes": "45",
        },
    )
    assert response.status_code == 302
    library_row, room_row = StackOrderCutoff.objects.order_by("id")
    assert (library_row.reading_room_id, library_row.weekday, library_row.last_order_at) == (
        None,
        4,
        time(15),
    )
    assert (room_row.reading_room_id, room_row.weekday, room_row.last_order_at) == (
        room.pk,
        0,
        time(16, 30),
    )
    assert room_row.delivery_minutes == 45
    page = client.get(LIST).content.decode()
    assert "Friday" in page
    assert "15:00" in page
    assert "Retų spaudinių skaitykla" in page

    response = client.post(
        reverse("circulation:cutoff_edit", args=[library_row.pk]),
        {
            "library": circ.library.pk,
            "weekday": "4",
            "last_order_at": "14:00",
            "delivery_minutes": "90",
        },
    )
    assert response.status_code == 302
    library_row.refresh_from_db()
    assert (library_row.last_order_at, library_row.delivery_minutes) == (time(14), 90)

    response = client.post(reverse("circulation:cutoff_delete", args=[room_row.pk]))
    assert response.status_code == 302
    assert list(StackOrderCutoff.objects.values_list("pk", flat=True)) == [library_row.pk]
    actions = list(
        AuditEntry.objects.filter(object_type="circulation.stackordercutoff")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "circulation.order_cutoff_created",
        "circulation.order_cutoff_created",
        "circulation.order_cutoff_changed",
        "circulation.order_cutoff_deleted",
    ]


def test_refused_cutoffs_change_nothing(circ, editor, client):
    StackOrderCutoff.objects.create(library=circ.library, weekday=0, last_order_at=time(16))
    elsewhere = ReadingRoomFactory(library=circ.other_library)
    before = cutoff_state()
    cases = [
        ({"weekday": "0", "last_order_at": "15:00"}, "weekday", "already a cut-off"),
        (
            {"weekday": "1", "last_order_at": "15:00", "reading_room": elsewhere.pk},
            "reading_room",
            "belongs to another library",
        ),
        ({"weekday": "7", "last_order_at": "15:00"}, "weekday", "Select a valid choice"),
        ({"weekday": "2", "last_order_at": "25:00"}, "last_order_at", "Enter a valid time"),
    ]
    for values, field, message in cases:
        data = {"library": circ.library.pk, "delivery_minutes": "60", **values}
        response = client.post(NEW_CUTOFF, data)
        assert response.status_code == 400, values
        assert message in response.context["form"].errors[field][0], values
    assert cutoff_state() == before
    assert not AuditEntry.objects.filter(object_type="circulation.stackordercutoff").exists()
