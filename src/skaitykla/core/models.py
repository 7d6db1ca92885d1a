"""Libraries, places, opening calendars, the audit log and the de-identified statistics facts."""

from __future__ import annotations

from typing import ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from skaitykla.core.choices import ActorKind, AgeBand, Channel, ExceptionKind, ServicePointKind

DEFAULT_TIMEZONE = "Europe/Vilnius"


class Library(models.Model):
    """A member library of the network, or a branch of one (``parent`` set)."""

    code = models.CharField(
        _("ISIL code"), max_length=32, unique=True, help_text=_("ISIL-style code, e.g. LT-0000")
    )
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent library"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="branches",
    )
    timezone = models.CharField(_("time zone"), max_length=64, default=DEFAULT_TIMEZONE)
    country = models.CharField(
        _("country for public holidays"), max_length=2, default="LT", help_text=_("ISO 3166 code")
    )
    closed_on_public_holidays = models.BooleanField(_("closed on public holidays"), default=True)
    eve_shortening_minutes = models.PositiveSmallIntegerField(
        _("shorter hours on the eve of a public holiday (minutes)"), default=60
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("library")
        verbose_name_plural = _("libraries")
        ordering: ClassVar = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from zoneinfo import available_timezones

        if self.timezone not in available_timezones():
            raise ValidationError({"timezone": _("Unknown time zone.")})


class ServicePoint(models.Model):
    """A desk or counter where a service is given: registration, information, loans, kiosk."""

    library = models.ForeignKey(
        Library, verbose_name=_("library"), on_delete=models.PROTECT, related_name="service_points"
    )
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ServicePointKind.choices)
    floor = models.CharField(_("floor"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        ordering: ClassVar = ["library", "code"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["library", "code"], name="service_point_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ReadingRoom(models.Model):
    """A reading room: seats, floor, and whether entry needs a permission."""

    library = models.ForeignKey(
        Library, verbose_name=_("library"), on_delete=models.PROTECT, related_name="reading_rooms"
    )
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
    floor = models.CharField(_("floor"), max_length=20, blank=True)
    seats = models.PositiveIntegerField(_("seats"), default=0)
    seats_per_session = models.PositiveIntegerField(
        _("seats per session"),
        null=True,
        blank=True,
        help_text=_("Set when the room serves readers in sessions of limited size."),
    )
    entry_requires_permission = models.BooleanField(_("entry needs permission"), default=False)
    service_point = models.ForeignKey(
        ServicePoint,
        verbose_name=_("desk"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reading_rooms",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("reading room")
        verbose_name_plural = _("reading rooms")
        ordering: ClassVar = ["library", "code"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["library", "code"], name="reading_room_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class CalendarStamp(models.Model):
    """A token that changes whenever a library's hours or calendar exceptions change.

    Written only by database triggers (migration 0005) on every insert, update and delete of
    ``OpeningHours`` and ``CalendarException`` rows, bulk writes included, so a process may keep
    a compiled ``LibraryCalendar`` and trust it while the token it was built under is current.
    ``library_id`` is a plain column, not a foreign key: the triggers fire while a library and its
    hours are being deleted, in whatever order the deletion runs.
    """

    library_id = models.BigIntegerField(_("library"), primary_key=True)
    token = models.BigIntegerField(_("token"))

    class Meta:
        verbose_name = _("calendar stamp")
        verbose_name_plural = _("calendar stamps")

    def __str__(self) -> str:
        return f"{self.library_id}: {self.token}"


class OpeningHours(models.Model):
    """Regular hours for one weekday (0 = Monday). Several rows a day make split hours.

    ``reading_room`` empty: the library's hours. ``valid_from``/``valid_until`` make seasonal
    hours (summer); the rows with the narrowest validity that covers a date win.
    """

    library = models.ForeignKey(
        Library, verbose_name=_("library"), on_delete=models.CASCADE, related_name="opening_hours"
    )
    reading_room = models.ForeignKey(
        ReadingRoom,
        verbose_name=_("reading room"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="opening_hours",
    )
    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        choices=[
            (0, _("Monday")),
            (1, _("Tuesday")),
            (2, _("Wednesday")),
            (3, _("Thursday")),
            (4, _("Friday")),
            (5, _("Saturday")),
            (6, _("Sunday")),
        ],
    )
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering: ClassVar = ["library", "weekday", "opens"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(opens__lt=models.F("closes")), name="hours_open_before_close"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="hours_weekday_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class CalendarException(models.Model):
    """A date that differs from the regular hours: closed all day, or open at special hours."""

    library = models.ForeignKey(
        Library,
        verbose_name=_("library"),
        on_delete=models.CASCADE,
        related_name="calendar_exceptions",
    )
    reading_room = models.ForeignKey(
        ReadingRoom,
        verbose_name=_("reading room"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_exceptions",
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=ExceptionKind.choices)
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        ordering: ClassVar = ["library", "date"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["library", "reading_room", "date"],
                name="calendar_exception_unique_room",
                condition=Q(reading_room__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["library", "date"],
                name="calendar_exception_unique_library",
                condition=Q(reading_room__isnull=True),
            ),
            models.CheckConstraint(
                condition=Q(kind=ExceptionKind.CLOSED)
                | Q(opens__isnull=False, closes__isnull=False, opens__lt=models.F("closes")),
                name="calendar_exception_hours_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: object) -> int:
        raise AuditLogIsAppendOnlyError("audit entries cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnlyError("audit entries are removed only by the retention purge")


class AuditLogIsAppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit entry through the ORM."""


class AuditEntry(models.Model):
    """One action by someone on something. Append-only: a trigger refuses UPDATE, the ORM refuses
    UPDATE and DELETE.

    Holds no personal data values: who (actor kind and id), what (action code), on what (object
    type and id), where (library) and when.
    """

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor_kind = models.CharField(_("actor kind"), max_length=12, choices=ActorKind.choices)
    actor_id = models.CharField(_("actor id"), max_length=64, blank=True)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    library = models.ForeignKey(
        Library,
        verbose_name=_("library"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering: ClassVar = ["-at", "-id"]
        permissions: ClassVar = [("view_audit_log", _("Can browse the audit log"))]
        indexes: ClassVar = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx")
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    #: ``save()`` below only refuses changes to saved rows: a new row may be written by
    #: ``core.compiled_writes.insert_row`` (``record_audit``).
    COMPILED_INSERT_OK: ClassVar[bool] = True

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not self._state.adding:
            raise AuditLogIsAppendOnlyError("audit entries cannot be changed")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnlyError("audit entries are removed only by the retention purge")


class ServiceFact(models.Model):
    """A de-identified statistics fact: something the library did, counted, with no person in it.

    No foreign key to readers, no names, no card numbers: only what the statistics need
    (kind, library, place, channel, reader category, age band, quantity, value, when).
    """

    at = models.DateTimeField(_("when"))
    day = models.DateField(_("day (library time)"))
    kind = models.CharField(_("kind"), max_length=60)
    library = models.ForeignKey(
        Library, verbose_name=_("library"), on_delete=models.PROTECT, related_name="+"
    )
    place = models.CharField(_("place"), max_length=40, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True)
    reader_category = models.CharField(_("reader category"), max_length=40, blank=True)
    age_band = models.CharField(_("age band"), max_length=8, choices=AgeBand.choices, blank=True)
    category = models.CharField(_("category"), max_length=60, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=3, null=True, blank=True)

    class Meta:
        verbose_name = _("service fact")
        verbose_name_plural = _("service facts")
        indexes: ClassVar = [
            models.Index(fields=["kind", "day"], name="fact_kind_day_idx"),
            models.Index(fields=["library", "day"], name="fact_library_day_idx"),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="fact_quantity_positive")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} ×{self.quantity}"


class ScheduledRun(models.Model):
    """A periodic job enqueued for one time slot; unique, so two schedulers are safe."""

    job = models.CharField(_("job"), max_length=80)
    slot = models.DateTimeField(_("time slot"))
    enqueued_at = models.DateTimeField(_("enqueued at"), auto_now_add=True)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["job", "slot"], name="scheduled_run_once_per_slot")
        ]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M}"


class RateCounter(models.Model):
    """How many times a key (a hashed client address, an e-mail, "*") did something in a window.

    Shared by every process (public-form throttling must hold across web nodes); the key is a
    keyed hash, so no address is stored.
    """

    scope = models.CharField(_("scope"), max_length=60)
    key = models.CharField(_("key hash"), max_length=64)
    window_start = models.DateTimeField(_("window start"))
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("rate counter")
        verbose_name_plural = _("rate counters")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["scope", "key", "window_start"], name="rate_counter_one_per_window"
            )
        ]
        indexes: ClassVar = [models.Index(fields=["window_start"], name="rate_counter_window_idx")]

    def __str__(self) -> str:
        return f"{self.scope} {self.window_start:%H:%M} ×{self.count}"
