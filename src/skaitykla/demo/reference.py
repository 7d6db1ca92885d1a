"""Demo data for Ask a Librarian: a few answered questions, published in the answer archive, an
open question on the queue, an information-desk service point and some desk-log entries."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from skaitykla.accounts.models import User
from skaitykla.core.choices import ServicePointKind
from skaitykla.core.models import Library, ServicePoint
from skaitykla.reference import services
from skaitykla.reference.models import KnowledgeBaseEntry, Question, ReferenceProfile

#: (subject, question, answer, published title, keywords)
ANSWERED = (
    (
        "istorija",
        "Kur galėčiau rasti informacijos apie Lietuvos dvarų istoriją?",
        "<p>Pradėkite nuo katalogo paieškos „dvarai“. Daug žinių pateikia Lietuvos dvarų "
        "enciklopedijos ir Kultūros vertybių registras.</p>",
        "Lietuvos dvarų istorija",
        "dvarai, istorija, paveldas",
    ),
    (
        "kalba",
        "Kaip taisyklingai rašyti svetimvardžius lietuviškame tekste?",
        "<p>Rekomendacijas skelbia Valstybinė lietuvių kalbos komisija; taip pat žr. "
        "Lietuvių kalbos rašybos ir skyrybos vadovą.</p>",
        "Svetimvardžių rašyba",
        "kalba, rašyba",
    ),
    (
        "genealogija",
        "Norėčiau sudaryti savo giminės medį. Nuo ko pradėti?",
        "<p>Pradėkite nuo metrikų knygų, kurios saugomos Lietuvos valstybės istorijos archyve; "
        "daug jų suskaitmeninta epaveldas.lt portale.</p>",
        "Giminės medžio sudarymas",
        "genealogija, archyvai",
    ),
)


def seed_reference(*, library: Library) -> dict[str, int]:
    """Idempotent: once the archive has entries nothing is added again."""
    ReferenceProfile.objects.get_or_create(
        library=library, defaults={"subjects": "istorija, kalba, genealogija"}
    )
    point, _created = ServicePoint.objects.get_or_create(
        library=library,
        code="INFO",
        defaults={
            "name": "Informacijos tarnyba",
            "name_en": "Information desk",
            "kind": ServicePointKind.INFORMATION,
        },
    )
    if KnowledgeBaseEntry.objects.filter(library=library).exists():
        return {"kb_entries": KnowledgeBaseEntry.objects.count()}
    librarian = (
        User.objects.filter(username="informacija").first()
        or User.objects.filter(is_superuser=True).first()
    )
    if librarian is None:
        return {"kb_entries": 0}
    now = timezone.now()
    for number, (subject, text, answer, title, keywords) in enumerate(ANSWERED):
        asked = now - timedelta(days=20 - number)
        question = services.submit_question(
            received_via=library,
            submission=services.Submission(
                text=text, email="", subject=subject, allows_publication=True
            ),
            client_ip=f"demo-{number}",
            fill_seconds=60,
            now=asked,
        )
        services.answer_question(
            question_id=question.pk,
            user=librarian,
            answer_html=answer,
            read_level=3,
            now=asked + timedelta(days=1),
        )
        services.publish_entry(
            question_id=question.pk,
            user=librarian,
            title=title,
            question_text=text,
            answer_html=answer,
            keywords=keywords,
            now=asked + timedelta(days=2),
        )
    if not Question.objects.filter(library=library, status="new").exists():
        services.submit_question(
            received_via=library,
            submission=services.Submission(
                text="Ar bibliotekoje galima pasiskolinti knygų skaitytuvą?", email=""
            ),
            client_ip="demo-open",
            fill_seconds=60,
            now=now,
        )
    services.log_desk_transactions(
        library=library,
        service_point=point,
        tallies=[
            services.Tally(channel="in_person", question_type="directional", read_level=1, count=8),
            services.Tally(channel="phone", question_type="catalogue", read_level=2, count=3),
            services.Tally(channel="email", question_type="reference", read_level=3),
        ],
        user=librarian,
        at=now - timedelta(hours=3),
        now=now,
    )
    return {"kb_entries": KnowledgeBaseEntry.objects.count()}
