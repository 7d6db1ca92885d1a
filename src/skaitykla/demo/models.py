"""The mark that a database holds demo data (``demo_info`` refuses to run without it)."""

from __future__ import annotations

from django.db import models


class DemoSeed(models.Model):
    """One row per ``seed_demo`` run: when, and which version of the demo data."""

    seeded_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField()

    class Meta:
        verbose_name = "demo seed"
        constraints = [models.UniqueConstraint(fields=["version"], name="demo_seed_version_unique")]

    def __str__(self) -> str:
        return f"demo data v{self.version}"
