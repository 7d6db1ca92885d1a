"""The staff settings screen: the library's reference policy, the READ scale wordings and the
answer templates — every change through a service with an audit row, refusals change nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from skaitykla.accounts.roles import HEAD_OF_DEPARTMENT, REFERENCE_LIBRARIAN
from skaitykla.core.models import AuditEntry
from skaitykla.reference import selectors, services
from skaitykla.reference.choices import READ_LEVELS
from skaitykla.reference.errors import ReferenceError
from skaitykla.reference.models import AnswerTemplate, ReadLevelWording, ReferenceProfile
from tests.factories import StaffUserFactory
from tests.reference.factories import weekday_library

pytestmark = pytest.mark.django_db

XSS = '<p>Žr. <a href="javascript:alert(1)" onclick="x()">čia</a></p><script>alert("x")</script>'
CLEAN = '<p>Žr. <a rel="noopener noreferrer">čia</a></p>'


@pytest.fixture
def library():
    return weekday_library(code="LT-SET", name="Rajono biblioteka")


@pytest.fixture
def head(library):
    return StaffUserFactory(home_library=library, roles=[HEAD_OF_DEPARTMENT])


@pytest.fixture
def librarian(library):
    return StaffUserFactory(home_library=library, roles=[REFERENCE_LIBRARIAN])


def profile_data(**overrides):
    data = {
        "takes_questions": "on",
        "subjects": "kraštotyra, teisė, Kraštotyra, ,genealogija",
        "weekly_capacity": "15",
        "deadline_days": "4",
        "consultation_deadline_days": "7",
        "claim_minutes": "120",
        "reminder_days": "2",
        "retention_days": "365",
    }
    data.update(overrides)
    return data


def profile_row(library):
    profile = ReferenceProfile.objects.filter(library=library).first()
    if profile is None:
        return None
    return {name: getattr(profile, name) for name in services.PROFILE_FIELDS}


# --- Services -------------------------------------------------------------------------------


def test_update_reference_profile_saves_exact_values_and_audits_field_names(library, head):
    profile = services.update_reference_profile(
        user=head,
        library=library,
        takes_questions=False,
        subjects=" kraštotyra ,teisė,KRAŠTOTYRA,, genealogija ",
        weekly_capacity=0,
        deadline_days=30,
        consultation_deadline_days=1,
        claim_minutes=10,
        reminder_days=0,
        retention_days=3650,
    )
    assert profile_row(library) == {
        "takes_questions": False,
        "subjects": "kraštotyra, teisė, genealogija",
        "weekly_capacity": 0,
        "deadline_days": 30,
        "consultation_deadline_days": 1,
        "claim_minutes": 10,
        "reminder_days": 0,
        "retention_days": 3650,
    }
    assert selectors.get_profile(library).pk == profile.pk
    [audit] = AuditEntry.objects.filter(action="reference.profile_updated")
    assert audit.library == library
    assert audit.actor_id == str(head.pk)
    assert audit.detail == {
        "fields": [
            "claim_minutes",
            "consultation_deadline_days",
            "deadline_days",
            "reminder_days",
            "retention_days",
            "subjects",
            "takes_questions",
            "weekly_capacity",
        ],
        "created": True,
    }
    services.update_reference_profile(user=head, library=library, deadline_days=5)
    assert ReferenceProfile.objects.get(library=library).deadline_days == 5
    latest = AuditEntry.objects.filter(action="reference.profile_updated").order_by("-pk")[0]
    assert latest.detail == {"fields": ["deadline_days"], "created": False}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("deadline_days", 0),
        ("deadline_days", 31),
        ("weekly_capacity", -1),
        ("consultation_deadline_days", 0),
        ("claim_minutes", 9),
        ("reminder_days", -1),
        ("retention_days", 29),
        ("deadline_days", "3"),
        ("weekly_capacity", True),
    ],
)
def test_update_reference_profile_refuses_out_of_range_values(library, head, field, value):
    services.update_reference_profile(user=head, library=library, deadline_days=4)
    before = profile_row(library)
    audits = AuditEntry.objects.count()
    with pytest.raises(ReferenceError) as refused:
        services.update_reference_profile(
            user=head, library=library, subjects="teisė", **{field: value}
        )
    assert refused.value.code == "profile_invalid"
    assert refused.value.params["field"] == field
    assert profile_row(library) == before
    assert AuditEntry.objects.count() == audits


def test_update_reference_profile_refuses_unknown_fields(library, head):
    with pytest.raises(TypeError):
        services.update_reference_profile(user=head, library=library, library_id=99)
    assert profile_row(library) is None


def test_read_wording_is_set_changed_and_falls_back_to_the_default(head):
    row = services.set_read_wording(user=head, level=3, wording="  Paieška   keliuose šaltiniuose ")
    assert row is not None
    assert (row.level, row.wording) == (3, "Paieška keliuose šaltiniuose")
    assert dict(selectors.read_levels())[3] == "Paieška keliuose šaltiniuose"
    services.set_read_wording(user=head, level=3, wording="Trečias lygis")
    assert list(ReadLevelWording.objects.values_list("level", "wording")) == [(3, "Trečias lygis")]
    assert services.set_read_wording(user=head, level=3, wording="   ") is None
    assert not ReadLevelWording.objects.exists()
    assert dict(selectors.read_levels())[3] == str(READ_LEVELS[3])
    details = [
        a.detail
        for a in AuditEntry.objects.filter(action="reference.read_wording_set").order_by("pk")
    ]
    assert details == [
        {"level": 3, "default": False},
        {"level": 3, "default": False},
        {"level": 3, "default": True},
    ]


@pytest.mark.parametrize(("level", "wording"), [(0, "x"), (7, "x"), (2, "ž" * 201)])
def test_read_wording_refuses_unknown_levels_and_long_texts(head, level, wording):
    services.set_read_wording(user=head, level=2, wording="Antras")
    with pytest.raises(ReferenceError):
        services.set_read_wording(user=head, level=level, wording=wording)
    assert list(ReadLevelWording.objects.values_list("level", "wording")) == [(2, "Antras")]
    assert AuditEntry.objects.filter(action="reference.read_wording_set").count() == 1


def test_answer_template_is_sanitised_changed_and_deleted_within_its_scope(library, head):
    other = weekday_library(code="LT-SET2")
    template = services.save_answer_template(
        user=head, library=library, title="Dvarai", body_html=XSS
    )
    assert template.body_html == CLEAN
    changed = services.save_answer_template(
        user=head,
        library=library,
        title=" Dvarai (nauja) ",
        body_html="<p>Nauja</p><img src=x onerror=alert(1)>",
        template_id=template.pk,
    )
    assert changed.pk == template.pk
    template.refresh_from_db()
    assert (template.title, template.body_html, template.library) == (
        "Dvarai (nauja)",
        "<p>Nauja</p>",
        library,
    )
    for scope in (other, None):  # another library's scope, or the shared one: not found
        with pytest.raises(ReferenceError) as refused:
            services.save_answer_template(
                user=head, library=scope, title="X", body_html="<p>X</p>", template_id=template.pk
            )
        assert refused.value.code == "template_not_found"
        with pytest.raises(ReferenceError):
            services.delete_answer_template(user=head, library=scope, template_id=template.pk)
    template.refresh_from_db()
    assert (template.title, template.body_html) == ("Dvarai (nauja)", "<p>Nauja</p>")
    with pytest.raises(ReferenceError) as refused:
        services.save_answer_template(
            user=head,
            library=library,
            title="Tuščias",
            body_html="<script>x</script>",
            template_id=template.pk,
        )
    assert refused.value.code == "template_empty"
    template.refresh_from_db()
    assert template.body_html == "<p>Nauja</p>"
    services.delete_answer_template(user=head, library=library, template_id=template.pk)
    assert not AnswerTemplate.objects.exists()
    actions = list(
        AuditEntry.objects.filter(object_type="reference.answertemplate")
        .order_by("pk")
        .values_list("action", "object_id", "detail")
    )
    assert actions == [
        ("reference.template_saved", str(template.pk), {"shared": False}),
        ("reference.template_changed", str(template.pk), {"shared": False}),
        ("reference.template_deleted", str(template.pk), {"shared": False}),
    ]


# --- Pages ----------------------------------------------------------------------------------


def test_settings_need_the_coordinators_permission(client, library, librarian):
    assert client.get(reverse("reference:settings")).status_code == 302  # to the login
    client.force_login(librarian)
    assert client.get(reverse("reference:settings")).status_code == 403
    assert client.post(reverse("reference:settings-profile"), profile_data()).status_code == 403
    assert (
        client.post(reverse("reference:settings-read-levels"), {"level_1": "x"}).status_code == 403
    )
    assert (
        client.post(
            reverse("reference:template-new"), {"title": "T", "body_html": "<p>T</p>"}
        ).status_code
        == 403
    )
    template = AnswerTemplate.objects.create(library=library, title="T", body_html="<p>T</p>")
    assert client.post(reverse("reference:template-delete", args=[template.pk])).status_code == 403
    assert profile_row(library) is None
    assert not ReadLevelWording.objects.exists()
    assert list(AnswerTemplate.objects.values_list("title", flat=True)) == ["T"]
    queue = client.get(reverse("reference:queue")).content.decode()
    assert reverse("reference:settings") not in queue


def test_queue_links_the_settings_page(client, head):
    client.force_login(head)
    assert reverse("reference:settings") in client.get(reverse("reference:queue")).content.decode()


def test_profile_is_saved_through_the_page(client, library, head):
    client.force_login(head)
    page = client.get(reverse("reference:settings"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<fieldset>" in html
    assert "<legend>" in html
    assert 'name="deadline_days"' in html
    response = client.post(reverse("reference:settings-profile"), profile_data())
    assert response.status_code == 302
    assert profile_row(library) == {
        "takes_questions": True,
        "subjects": "kraštotyra, teisė, genealogija",
        "weekly_capacity": 15,
        "deadline_days": 4,
        "consultation_deadline_days": 7,
        "claim_minutes": 120,
        "reminder_days": 2,
        "retention_days": 365,
    }
    assert "Nustatymai išsaugoti" in client.get(reverse("reference:settings")).content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("deadline_days", "0", "Atsakymo terminas turi būti nuo 1 iki 30 darbo dienų."),
        (
            "weekly_capacity",
            "-5",
            "Savaitės pajėgumas turi būti sveikasis skaičius nuo 0 iki 1000.",
        ),
        ("retention_days", "abc", 'aria-invalid="true"'),
    ],
)
def test_refused_profile_shows_the_error_at_the_field_and_changes_nothing(
    client, library, head, field, value, message
):
    services.update_reference_profile(user=head, library=library, deadline_days=3)
    before = profile_row(library)
    client.force_login(head)
    response = client.post(reverse("reference:settings-profile"), profile_data(**{field: value}))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert f'id="id_{field}_error"' in html
    assert f'aria-invalid="true" aria-describedby="id_{field}_error"' in html
    assert profile_row(library) == before


def test_profile_errors_are_in_english_for_english_staff(client, library, head):
    client.force_login(head)
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("reference:settings-profile"), profile_data(consultation_deadline_days="61")
    )
    assert response.status_code == 400
    assert "The consultation deadline must be from 1 to 60 working days." in (
        response.content.decode()
    )
    assert profile_row(library) is None


def test_read_wordings_through_the_page(client, head):
    ReadLevelWording.objects.create(level=5, wording="Senas penktas")
    client.force_login(head)
    html = client.get(reverse("reference:settings")).content.decode()
    assert 'name="level_1"' in html
    assert 'name="level_6"' in html
    assert "Senas penktas" in html
    data = {f"level_{n}": "" for n in range(1, 7)}
    data["level_2"] = '<b>Greita</b> "paieška"'
    response = client.post(reverse("reference:settings-read-levels"), data)
    assert response.status_code == 302
    assert list(ReadLevelWording.objects.values_list("level", "wording")) == [
        (2, '<b>Greita</b> "paieška"')
    ]
    assert dict(selectors.read_levels())[5] == str(READ_LEVELS[5])
    html = client.get(reverse("reference:settings")).content.decode()
    assert "<b>Greita</b>" not in html
    assert "&lt;b&gt;Greita&lt;/b&gt;" in html
    data["level_3"] = "ž" * 201
    refused = client.post(reverse("reference:settings-read-levels"), data)
    assert refused.status_code == 400
    assert 'id="id_level_3_error"' in refused.content.decode()
    assert list(ReadLevelWording.objects.values_list("level", "wording")) == [
        (2, '<b>Greita</b> "paieška"')
    ]


def test_templates_listed_created_edited_and_deleted_through_the_pages(client, library, head):
    other = weekday_library(code="LT-SET3")
    foreign = AnswerTemplate.objects.create(library=other, title="Svetimas", body_html="<p>S</p>")
    shared = AnswerTemplate.objects.create(library=None, title="Bendras", body_html="<p>B</p>")
    client.force_login(head)
    assert client.get(reverse("reference:template-new")).status_code == 200
    created = client.post(
        reverse("reference:template-new"),
        {"title": "Apie <script>dvarus</script>", "body_html": XSS},
    )
    assert created.status_code == 302
    template = AnswerTemplate.objects.get(library=library)
    assert (template.title, template.body_html) == ("Apie <script>dvarus</script>", CLEAN)
    html = client.get(reverse("reference:settings")).content.decode()
    assert "<script>" not in html
    assert "Apie &lt;script&gt;dvarus&lt;/script&gt;" in html
    assert "Bendras" in html
    assert "Svetimas" not in html
    edit = reverse("reference:template-edit", args=[template.pk])
    page = client.get(edit)
    assert page.status_code == 200
    assert "&lt;p&gt;Žr. &lt;a rel=&quot;noopener noreferrer&quot;&gt;čia" in page.content.decode()
    refused = client.post(edit, {"title": "", "body_html": "<p>x</p>"})
    assert refused.status_code == 400
    assert 'id="id_title_error"' in refused.content.decode()
    refused = client.post(edit, {"title": "Tuščias", "body_html": "<script>x</script>"})
    assert refused.status_code == 400
    template.refresh_from_db()
    assert template.body_html == CLEAN
    assert client.post(edit, {"title": "Dvarai", "body_html": "<p>Nauja</p>"}).status_code == 302
    template.refresh_from_db()
    assert (template.title, template.body_html) == ("Dvarai", "<p>Nauja</p>")
    # Another library's template: 404 for every action, nothing changes.
    for name in ("reference:template-edit", "reference:template-delete"):
        url = reverse(name, args=[foreign.pk])
        assert client.post(url, {"title": "X", "body_html": "<p>X</p>"}).status_code == 404
    assert client.get(reverse("reference:template-edit", args=[foreign.pk])).status_code == 404
    foreign.refresh_from_db()
    assert (foreign.title, foreign.body_html) == ("Svetimas", "<p>S</p>")
    # The head coordinates the network, so may change the shared one too.
    shared_edit = reverse("reference:template-edit", args=[shared.pk])
    assert (
        client.post(shared_edit, {"title": "Bendras 2", "body_html": "<p>B2</p>"}).status_code
        == 302
    )
    shared.refresh_from_db()
    assert (shared.title, shared.library) == ("Bendras 2", None)
    new_shared = client.post(
        reverse("reference:template-new"),
        {"title": "Visiems", "body_html": "<p>V</p>", "shared": "on"},
    )
    assert new_shared.status_code == 302
    assert AnswerTemplate.objects.get(title="Visiems").library is None
    assert client.post(reverse("reference:template-delete", args=[template.pk])).status_code == 302
    assert not AnswerTemplate.objects.filter(pk=template.pk).exists()
    assert AuditEntry.objects.filter(action="reference.template_deleted").count() == 1


def test_shared_templates_need_the_stronger_permission(client, library):
    from django.contrib.auth.models import Permission

    settings_only = StaffUserFactory(home_library=library)
    settings_only.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="reference",
            codename__in=[
                "change_referenceprofile",
                "add_answertemplate",
                "change_answertemplate",
                "delete_answertemplate",
            ],
        )
    )
    shared = AnswerTemplate.objects.create(library=None, title="Bendras", body_html="<p>B</p>")
    client.force_login(settings_only)
    html = client.get(reverse("reference:settings")).content.decode()
    assert "Bendras" in html
    assert reverse("reference:template-edit", args=[shared.pk]) not in html
    assert 'name="shared"' not in client.get(reverse("reference:template-new")).content.decode()
    edit = reverse("reference:template-edit", args=[shared.pk])
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"title": "Pakeistas", "body_html": "<p>P</p>"}).status_code == 403
    delete = reverse("reference:template-delete", args=[shared.pk])
    assert client.post(delete).status_code == 403
    shared.refresh_from_db()
    assert (shared.title, shared.body_html) == ("Bendras", "<p>B</p>")
    # A forged "shared" field is ignored: the template stays the library's own.
    client.post(
        reverse("reference:template-new"),
        {"title": "Mano", "body_html": "<p>M</p>", "shared": "on"},
    )
    assert AnswerTemplate.objects.get(title="Mano").library == library
    # No READ-wording right: the section is not shown and posting is refused.
    assert 'name="level_1"' not in html
    assert client.post(reverse("reference:settings-read-levels"), {}).status_code == 403
