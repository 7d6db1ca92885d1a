"""Models of the stats app: daily rollups of the service facts, and the setting tables.

No table here refers to a reader: the rollups are aggregates of de-identified facts, and the
settings are per library and year.
"""

from __future__ import annotations

from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from skaitykla.core.models import Library

_DIMENSIONS = ("day", "library", "place", "kind", "channel", "reader_category", "category")


class _Dimensions(models.Model):
    """The dimensions a rollup row aggregates the facts by (``_DIMENSIONS``)."""

    day = models.DateField(_("day"))
    library = models.ForeignKey(
        Library, verbose_name=_("library"), on_delete=models.PROTECT, related_name="+"
    )
    place = models.CharField(_("place"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=60)
    channel = models.CharField(_("channel"), max_length=20, blank=True)
    reader_category = models.CharField(_("reader category"), max_length=40, blank=True)
    category = models.CharField(_("category"), max_length=60, blank=True)

    class Meta:
        abstract = True


class DailyRollup(_Dimensions):
    """Facts aggregated per day × library × place × kind × channel × reader category × category."""

    quantity = models.BigIntegerField(_("quantity"), default=0)
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=3, default=0)
    facts = models.BigIntegerField(_("facts"), default=0)

    class Meta:
        verbose_name = _("daily rollup")
        verbose_name_plural = _("daily rollups")
        permissions: ClassVar = [
            ("view_statistics", _("Can view statistics dashboards and exports")),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=list(_DIMENSIONS), name="stats_rollup_unique")
        ]
        indexes: ClassVar = [
            models.Index(fields=["kind", "day"], name="stats_rollup_kind_day_idx"),
            models.Index(fields=["library", "day"], name="stats_rollup_library_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} ×{self.quantity}"


class ValueRollup(_Dimensions):
    """How many facts of a distribution kind had each value (exact medians from a histogram)."""

    value = models.DecimalField(_("value"), max_digits=12, decimal_places=3)
    facts = models.BigIntegerField(_("facts"), default=0)

    class Meta:
        verbose_name = _("value rollup")
        verbose_name_plural = _("value rollups")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=[*_DIMENSIONS, "value"], name="stats_value_rollup_unique"
            )
        ]
        indexes: ClassVar = [
            models.Index(fields=["kind", "day"], name="stats_vrollup_kind_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.value} ×{self.facts}"


class RollupWatermark(models.Model):
    """The highest fact id the rollup job has aggregated."""

    name = models.CharField(_("name"), max_length=40, unique=True)
    last_fact_id = models.BigIntegerField(_("last fact id"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("rollup watermark")
        verbose_name_plural = _("rollup watermarks")

    def __str__(self) -> str:
        return f"{self.name}: {self.last_fact_id}"


class _LibraryYear(models.Model):
    """A figure staff enter once per library and year."""

    library = models.ForeignKey(
        Library, verbose_name=_("library"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1900), MaxValueValidator(2200)]
    )

    class Meta:
        abstract = True


class PopulationServed(_LibraryYear):
    """The population a library is to serve in a year (ISO 2789 "population to be served")."""

    population = models.PositiveIntegerField(_("population"))

    class Meta:
        verbose_name = _("population served")
        verbose_name_plural = _("population served")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["library", "year"], name="stats_population_once")
        ]

    def __str__(self) -> str:
        return f"{self.library_id} {self.year}: {self.population}"


class CollectionFigures(_LibraryYear):
    """Items held at the end of a year and items not loaned during it (entered by staff)."""

    items_held = models.PositiveIntegerField(_("items held"))
    items_not_loaned = models.PositiveIntegerField(_("items not loaned"), default=0)

    class Meta:
        verbose_name = _("collection figures")
        verbose_name_plural = _("collection figures")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["library", "year"], name="stats_collection_once")
        ]

    def __str__(self) -> str:
        return f"{self.library_id} {self.year}: {self.items_held}"
