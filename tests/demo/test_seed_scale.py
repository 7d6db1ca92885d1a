from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from skaitykla.core.models import Library, ServiceFact
from skaitykla.core.timezones import library_zone
from skaitykla.demo.scale import FACT_KINDS, seed_scale

pytestmark = pytest.mark.django_db


def test_seed_scale_is_deterministic_for_a_seed():
    seed_scale(libraries=3, facts=1_000, seed=7)
    first = list(
        ServiceFact.objects.order_by("at", "kind", "place").values_list(
            "at", "kind", "library__code"
        )[:50]
    )
    ServiceFact.objects.all().delete()
    seed_scale(libraries=3, facts=1_000, seed=7)
    second = list(
        ServiceFact.objects.order_by("at", "kind", "place").values_list(
            "at", "kind", "library__code"
        )[:50]
    )
    assert first == second
    assert ServiceFact.objects.count() == 1_000
    assert Library.objects.filter(code__startswith="LT-S").count() == 3
    # Every kind and every library is used; each fact's day is its library's local date.
    assert set(ServiceFact.objects.values_list("kind", flat=True)) == set(FACT_KINDS)
    assert ServiceFact.objects.values("library").distinct().count() == 3
    for fact in ServiceFact.objects.select_related("library")[:50]:
        assert fact.day == fact.at.astimezone(library_zone(fact.library)).date()


def test_seed_scale_rejects_bad_counts():
    with pytest.raises(CommandError, match="--libraries"):
        call_command("seed_scale", "--libraries", "0", stdout=StringIO())
    assert Library.objects.count() == 0
