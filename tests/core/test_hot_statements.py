"""``core.hot_statements``: the hot path's statements prepared once per PostgreSQL connection."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection, transaction

from skaitykla.core import hot_statements
from tests.factories import LibraryFactory

pytestmark = pytest.mark.django_db

_BY_CODE = "SELECT id, code FROM core_library WHERE code = %s AND id >= %s"
_NAMED = (
    "SELECT id FROM core_library WHERE code = %(code)s OR name = %(code)s"
    " OR %(day)s > '2000-01-01' AND code LIKE 'zz%%'"
)


def _tagged(sql: str, tag: str) -> str:
    """The statement under a name of its own (the test connection outlives one test)."""
    return f"{sql} /* {tag} */"


def _prepared_here() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, statement FROM pg_prepared_statements WHERE name LIKE 'skaitykla_hot_%%'"
        )
        return dict(cursor.fetchall())


def _run(sql: str, params: object) -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        hot_statements.execute(cursor, sql, params)  # type: ignore[arg-type]
        return list(cursor.fetchall())


def test_placeholders_become_numbered_parameters():
    positional = hot_statements._compile(_BY_CODE)
    assert positional.body == "SELECT id, code FROM core_library WHERE code = $1 AND id >= $2"
    assert positional.execute == f"EXECUTE {positional.name}(%s, %s)"
    named = hot_statements._compile(_NAMED)
    assert named.body == (
        "SELECT id FROM core_library WHERE code = $1 OR name = $1"
        " OR $2 > '2000-01-01' AND code LIKE 'zz%'"
    )
    assert named.execute == f"EXECUTE {named.name}(%(code)s, %(day)s)"
    assert hot_statements._compile(_BY_CODE).name == positional.name
    assert named.name != positional.name
    with pytest.raises(ValueError, match="mixes"):
        hot_statements._compile("SELECT %s, %(a)s")


def test_results_are_those_of_the_plain_statement(django_assert_num_queries):
    library = LibraryFactory(code="HOT1")
    LibraryFactory(code="HOT2")
    with django_assert_num_queries(2):
        first = _run(_BY_CODE, ["HOT1", 0])
        again = _run(_BY_CODE, ["HOT1", 0])
    assert first == again == [(library.pk, "HOT1")]
    assert _run(_BY_CODE, ["HOT1", library.pk + 1]) == []
    assert _run(_NAMED, {"code": "HOT1", "day": date(1999, 1, 1)}) == [(library.pk,)]
    # The quote in a value is bound, not spliced into the statement.
    assert _run(_BY_CODE, ["x' OR '1'='1", 0]) == []


@pytest.mark.postgresql
def test_postgresql_prepares_once_per_connection_and_keeps_it_after_a_rollback():
    library = LibraryFactory(code="HOT3")
    by_code, named = _tagged(_BY_CODE, "once"), _tagged(_NAMED, "rollback")
    name = hot_statements._compile(by_code).name
    assert name not in _prepared_here()
    recorder = _Recorder()
    with connection.execute_wrapper(recorder):
        assert _run(by_code, ["HOT3", 0]) == [(library.pk, "HOT3")]
        assert _run(by_code, ["HOT3", 0]) == [(library.pk, "HOT3")]
    # The log sees the EXECUTE only; PREPARE went to the driver once.
    assert recorder.statements == [f"EXECUTE {name}(%s, %s)"] * 2
    assert "WHERE code = $1 AND id >= $2" in _prepared_here()[name]
    try:
        with transaction.atomic():
            assert _run(named, {"code": "HOT3", "day": date(2026, 1, 1)}) == [(library.pk,)]
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert hot_statements._compile(named).name in _prepared_here()
    assert _run(named, {"code": "HOT3", "day": date(2026, 1, 1)}) == [(library.pk,)]


@pytest.mark.postgresql
def test_postgresql_prepares_again_on_a_new_connection():
    LibraryFactory(code="HOT4")
    by_code = _tagged(_BY_CODE, "reconnect")
    name = hot_statements._compile(by_code).name
    assert len(_run(by_code, ["HOT4", 0])) == 1
    old_driver = connection.connection
    # A test's transaction holds the connection; emulate what a reconnect leaves behind.
    connection.connection = connection.get_new_connection(connection.get_connection_params())
    try:
        connection.connection.autocommit = True
        assert name not in _prepared_here()
        assert _run(by_code, ["HOT4", 0]) == []  # (the test's row is not committed)
        assert name in _prepared_here()
    finally:
        connection.connection.close()
        connection.connection = old_driver


@pytest.mark.postgresql
def test_postgresql_can_be_switched_off_for_a_pooler():
    connection.settings_dict["PREPARE_HOT_STATEMENTS"] = False
    try:
        recorder = _Recorder()
        with connection.execute_wrapper(recorder):
            _run(_BY_CODE, ["HOT5", 0])
        assert recorder.statements == [_BY_CODE]
    finally:
        connection.settings_dict["PREPARE_HOT_STATEMENTS"] = True


def test_sqlite_runs_the_statement_as_written():
    recorder = _Recorder()
    with connection.execute_wrapper(recorder):
        _run(_BY_CODE, ["HOT6", 0])
    name = hot_statements._compile(_BY_CODE).name
    expected = _BY_CODE if connection.vendor == "sqlite" else f"EXECUTE {name}(%s, %s)"
    assert recorder.statements == [expected]


class _Recorder:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.statements.append(sql)
        return execute(sql, params, many, context)
