"""factory-boy factories for the models of every app."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Group

from skaitykla.accounts.models import User
from skaitykla.core.models import Library, ReadingRoom, ServicePoint


class LibraryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Library
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"LT-T{n:04d}")
    name = factory.Sequence(lambda n: f"Biblioteka {n}")
    timezone = "Europe/Vilnius"


class ServicePointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServicePoint

    library = factory.SubFactory(LibraryFactory)
    code = factory.Sequence(lambda n: f"SP{n}")
    name = factory.Sequence(lambda n: f"Aptarnavimo vieta {n}")
    kind = "information"


class ReadingRoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReadingRoom

    library = factory.SubFactory(LibraryFactory)
    code = factory.Sequence(lambda n: f"RR{n}")
    name = factory.Sequence(lambda n: f"Skaitykla {n}")
    seats = 40


class StaffUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "Correct-Horse-42")

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create and extracted:
            self.groups.set(Group.objects.filter(name__in=extracted))
        if create:
            self.save()


# --- Calendar (opening hours and exceptions) ----------------------------------------------------
from datetime import date, time  # noqa: E402


class OpeningHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "core.OpeningHours"

    library = factory.SubFactory(LibraryFactory)
    weekday = 0
    opens = time(10, 0)
    closes = time(20, 0)


class CalendarExceptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "core.CalendarException"

    library = factory.SubFactory(LibraryFactory)
    date = date(2026, 1, 5)
    kind = "closed"
