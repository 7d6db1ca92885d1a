"""Each measure and indicator on hand-built facts, with exact known answers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from skaitykla.stats.definitions import INDICATORS, MEASURES, SOURCE_KINDS
from skaitykla.stats.definitions import MEASURES_BY_CODE as ALL_MEASURES
from skaitykla.stats.selectors import (
    Filters,
    Period,
    StatsQueryError,
    indicators,
    measure_table,
    measure_totals,
    time_series,
    weighted_median,
)
from tests.stats.conftest import World

pytestmark = pytest.mark.django_db

YEAR = Period.year(2025)

EXPECTED_2025 = {
    "registered_readers": 600,
    "active_readers": 40,
    "new_registrations": 3,
    "visits": 7,
    "virtual_visits": 116,  # 100 portal sessions + 7 virtual event + 9 virtual training attendees
    "loans": 10,
    "renewals": 2,
    "in_house_uses": 5,
    "stack_orders": 4,
    "stack_retrieval_minutes": Decimal(110),
    "holds": 1,
    "reference_transactions": 4,
    "questions_received": 4,
    "questions_answered": 3,
    "answer_working_days": Decimal(8),
    "event_sessions": 3,
    "event_hours": Decimal("6.5"),
    "event_attendees": 36,
    "training_sessions": 1,
    "training_hours": Decimal(3),
    "training_attendees": 9,
    "searches": 40,
    "zero_result_searches": 3,
    "ratings": 4,
    "rating_points": Decimal(16),
}


def test_every_measure_is_tested_and_has_a_definition_card() -> None:
    assert set(EXPECTED_2025) == {m.code for m in MEASURES}
    for measure in MEASURES:
        assert str(measure.name)
        assert str(measure.definition)
        assert str(measure.unit)
        assert measure.iso_term.startswith("ISO")
        assert measure.kinds


def test_each_measure_on_hand_built_facts(world: World) -> None:
    assert measure_totals(YEAR) == EXPECTED_2025


def test_rollups_agree_with_the_raw_facts(world: World) -> None:
    for group in ("total", "library", "place", "channel", "month", "reader_category"):
        assert measure_table(YEAR, group=group) == measure_table(YEAR, group=group, origin="facts")


def test_unknown_kinds_are_not_counted(world: World) -> None:
    assert "mystery_kind" not in SOURCE_KINDS
    assert 999 not in measure_totals(YEAR).values()


def test_filters_library_room_channel_reader_category(world: World) -> None:
    main = Filters(libraries=(world.main.pk,))
    assert measure_totals(YEAR, main, codes=["visits", "loans"]) == {"visits": 5, "loans": 6}
    rare = Filters(libraries=(world.main.pk,), place="RARE")
    assert measure_totals(YEAR, rare, codes=["visits", "in_house_uses"]) == {
        "visits": 2,
        "in_house_uses": 5,
    }
    chat = Filters(channel="chat")
    assert measure_totals(YEAR, chat, codes=["reference_transactions"]) == {
        "reference_transactions": 1
    }
    adults = Filters(reader_category="adult")
    assert measure_totals(YEAR, adults, codes=["visits", "new_registrations"]) == {
        "visits": 3,
        "new_registrations": 2,
    }


def test_drill_down_library_to_rooms(world: World) -> None:
    by_library = measure_table(YEAR, group="library", codes=["visits"])
    assert by_library == {"LT-BR": {"visits": 2}, "LT-MAIN": {"visits": 5}}
    rooms = measure_table(
        YEAR, Filters(libraries=(world.main.pk,)), group="place", codes=["visits"]
    )
    assert rooms == {"MEDIA": {"visits": 3}, "RARE": {"visits": 2}}


def test_reference_by_channel_and_read_level(world: World) -> None:
    by_channel = measure_table(YEAR, group="channel", codes=["reference_transactions"])
    assert by_channel == {
        "chat": {"reference_transactions": 1},
        "in_person": {"reference_transactions": 3},
    }
    from skaitykla.stats.definitions import Source
    from skaitykla.stats.selectors import value_distribution

    levels = value_distribution(YEAR, Filters(), Source("reference_transaction"))
    assert levels == [(Decimal(1), 1), (Decimal(2), 2), (Decimal(3), 1)]


def test_event_attendees_by_audience(world: World) -> None:
    table = measure_table(YEAR, group="category", codes=["event_attendees"])
    assert table == {"adults": {"event_attendees": 27}, "training": {"event_attendees": 9}}


def test_time_series_and_previous_year(world: World) -> None:
    series = time_series(YEAR, Filters(), "visits")
    assert len(series) == 12
    assert series[0] == (date(2025, 1, 1), 3)
    assert series[1] == (date(2025, 2, 1), 2)
    assert series[2] == (date(2025, 3, 1), 2)
    assert sum(v for _m, v in series) == 7
    assert measure_totals(YEAR.last_year(), codes=["visits", "loans"]) == {"visits": 4, "loans": 3}


def test_each_indicator_on_hand_built_facts(world: World) -> None:
    results = {r.indicator.code: r for r in indicators(YEAR)}
    assert set(results) == {i.code for i in INDICATORS}
    expected = {
        "collection_turnover": Decimal("0.20"),  # 10 loans / 50 items held
        "loans_per_capita": Decimal("0.00"),  # 10 / 5000 = 0.002 -> 0.00
        "visits_per_capita": Decimal("0.00"),  # 7 / 5000
        "stock_not_used": Decimal("30.00"),  # 15 / 50 * 100
        "registration_share": Decimal("12.00"),  # 600 / 5000 * 100
        "median_answer_days": Decimal(2),  # 1, 2, 5
        "answered_within_deadline": Decimal("66.67"),  # 2 / 3 * 100
        "median_retrieval_minutes": Decimal(25),  # 10, 20, 30, 50
        "attendance_per_session": Decimal("12.00"),  # 36 / 3
        "user_satisfaction": Decimal("4.00"),  # 16 / 4
    }
    assert {code: r.value for code, r in results.items()} == expected
    assert results["collection_turnover"].inputs == {"loans": 10, "items_held": 50}
    assert results["stock_not_used"].inputs == {"items_not_loaned": 15, "items_held": 50}
    assert results["median_retrieval_minutes"].inputs == {"retrieval_minutes": Decimal(25)}
    assert results["answered_within_deadline"].inputs == {
        "answered_within_deadline": 2,  # answered in 1 and 2 working days; 5 is late
        "questions_answered": 3,
    }


def test_per_capita_for_one_library(world: World) -> None:
    main = Filters(libraries=(world.main.pk,))
    results = {r.indicator.code: r for r in indicators(YEAR, main)}
    assert results["registration_share"].value == Decimal("12.50")  # 500 / 4000
    assert results["collection_turnover"].value == Decimal("0.15")  # 6 / 40
    assert results["loans_per_capita"].inputs == {"loans": 6, "population": 4000}


def test_indicators_without_inputs_are_empty_not_errors(world: World) -> None:
    results = {r.indicator.code: r for r in indicators(Period.year(2023))}
    assert results["loans_per_capita"].value is None
    assert results["median_answer_days"].value is None
    assert results["user_satisfaction"].value is None


def test_weighted_median() -> None:
    assert weighted_median([]) is None
    assert weighted_median([(Decimal(7), 1)]) == Decimal(7)
    assert weighted_median([(Decimal(1), 2), (Decimal(9), 2)]) == Decimal(5)
    assert weighted_median([(Decimal(1), 1), (Decimal(2), 5), (Decimal(9), 1)]) == Decimal(2)


def test_period_rules() -> None:
    with pytest.raises(StatsQueryError):
        Period(date(2025, 2, 1), date(2025, 1, 1))
    with pytest.raises(StatsQueryError):
        Period(date(1925, 1, 1), date(2025, 1, 1))
    leap = Period(date(2024, 2, 29), date(2024, 2, 29))
    assert leap.last_year() == Period(date(2023, 2, 28), date(2023, 2, 28))
    assert Period(date(2025, 3, 1), date(2025, 3, 31)).previous() == Period(
        date(2025, 1, 29), date(2025, 2, 28)
    )


def test_unknown_group_is_refused(world: World) -> None:
    with pytest.raises(StatsQueryError):
        measure_table(YEAR, group="id;--")


def test_every_measure_is_in_the_lookup() -> None:
    assert set(ALL_MEASURES) >= {m.code for m in MEASURES}


def test_indicators_reuse_given_totals(world: World) -> None:
    totals = measure_totals(YEAR)
    assert [r.value for r in indicators(YEAR, totals=totals)] == [r.value for r in indicators(YEAR)]
