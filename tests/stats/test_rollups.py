"""The rollup job: incremental, idempotent, exact; and no statistics table refers to a reader."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models

from skaitykla.core.models import ServiceFact
from skaitykla.core.schedule import PERIODIC_JOBS
from skaitykla.core.services import record_service_event
from skaitykla.stats.models import DailyRollup, RollupWatermark, ValueRollup
from skaitykla.stats.selectors import Period, measure_table, measure_totals
from skaitykla.stats.services import refresh_rollups
from skaitykla.stats.tasks import refresh_rollups_task
from tests.stats.conftest import World, at

pytestmark = pytest.mark.django_db
YEAR = Period.year(2025)


def _snapshot() -> list[tuple[object, ...]]:
    return sorted(
        DailyRollup.objects.values_list(
            "day",
            "library_id",
            "place",
            "kind",
            "channel",
            "reader_category",
            "category",
            "quantity",
            "value",
            "facts",
        )
    )


def test_refresh_is_idempotent(world: World) -> None:
    before = _snapshot()
    refresh_rollups()
    refresh_rollups()
    assert _snapshot() == before
    refresh_rollups(full=True)
    assert _snapshot() == before


def test_new_facts_are_added_exactly(world: World) -> None:
    record_service_event(kind="visit", library=world.main, place="MEDIA", at=at("2025-01-15"))
    assert measure_totals(YEAR, codes=["visits"]) == {"visits": 7}  # not refreshed yet
    refresh_rollups()
    assert measure_totals(YEAR, codes=["visits"]) == {"visits": 8}
    mark = RollupWatermark.objects.get()
    assert mark.last_fact_id == ServiceFact.objects.order_by("-id").first().pk  # type: ignore[union-attr]


def test_a_late_committed_fact_below_the_watermark_is_still_counted(world: World) -> None:
    # Simulates a transaction that took an id before the last run and committed after it.
    fact = record_service_event(kind="loan", library=world.branch, at=at("2025-07-07"))
    refresh_rollups()
    DailyRollup.objects.filter(kind="loan", library=world.branch, day=fact.day).delete()
    assert measure_totals(YEAR, codes=["loans"]) == {"loans": 10}
    refresh_rollups()  # the overlap window looks at the last ids again
    assert measure_totals(YEAR, codes=["loans"]) == {"loans": 11}


def test_rollups_match_facts_after_many_runs(world: World) -> None:
    for i in range(5):
        record_service_event(
            kind="stack_order", library=world.main, place="RARE", value=i, at=at("2025-05-05")
        )
        refresh_rollups()
    assert measure_table(YEAR, group="day") == measure_table(YEAR, group="day", origin="facts")
    assert ValueRollup.objects.filter(kind="stack_order").count() == 9  # 0–4, 10, 20, 30, 50


def test_the_task_is_registered_and_runs(world: World) -> None:
    job = PERIODIC_JOBS["stats_refresh_rollups"]
    assert job.task_path == "skaitykla.stats.tasks.refresh_rollups_task"
    assert refresh_rollups_task.call() == RollupWatermark.objects.get().last_fact_id


def _reader_models() -> set[type[models.Model]]:
    return set(apps.get_app_config("patrons").get_models())


def test_no_statistics_table_references_a_reader() -> None:
    readers = _reader_models()
    checked = [*apps.get_app_config("stats").get_models(), ServiceFact]
    assert len(checked) >= 5
    for model in checked:
        for model_field in model._meta.get_fields():
            related = getattr(model_field, "related_model", None)
            if related is None:
                continue
            assert related not in readers, f"{model.__name__}.{model_field.name} -> {related}"
            assert related._meta.app_label not in {"patrons", "auth", "accounts"}, (
                f"{model.__name__}.{model_field.name} refers to {related._meta.label}"
            )
        names = {f.name for f in model._meta.get_fields()}
        assert not names & {"reader", "reader_id", "card", "card_number", "borrower", "user"}


def test_the_on_demand_refresh_runs_only_when_new_facts_arrived(world: World) -> None:
    from skaitykla.stats.services import ensure_rollups_fresh

    last = RollupWatermark.objects.get().last_fact_id
    assert ensure_rollups_fresh() == last
    fact = record_service_event(kind="visit", library=world.branch, at=at("2025-08-08"))
    assert ensure_rollups_fresh() == fact.pk
    assert measure_totals(YEAR, codes=["visits"]) == {"visits": 8}
