"""Two web nodes, one PostgreSQL: no login or session state lives in a web process.

Two ``skaitykla serve`` processes share a dedicated database. Failed logins on either node
count against the same limit (django-axes keeps them in the database), and a session made on
one node is valid on the other, and ended on both by a logout on either.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookiejar import CookieJar
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

from tests.ops.processes import Response, Server, fetch, production_env, run_skaitykla, serving

pytestmark = [pytest.mark.postgresql, pytest.mark.slow]

DATABASE = "skaitykla_twonode_test"
PASSWORD = "Correct-Horse-42-Battery"
FAILURE_LIMIT = 5  # AXES_FAILURE_LIMIT's default, which these nodes run with


@dataclass
class Nodes:
    a: Server
    b: Server


def server_address() -> dict[str, object]:
    """Where the PostgreSQL of this test run listens (from its DATABASE_URL)."""
    url = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/"))
    return {
        "host": url.hostname or "127.0.0.1",
        "port": url.port or 5432,
        "user": url.username or "postgres",
        "password": url.password or None,
    }


def database_url(address: dict[str, object]) -> str:
    credentials = (
        f"{address['user']}:{address['password']}" if address["password"] else address["user"]
    )
    return f"postgres://{credentials}@{address['host']}:{address['port']}/{DATABASE}"


def recreate(address: dict[str, object], *, create: bool) -> None:
    with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **address) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE))
        )
        if create:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nodes]:
    address = server_address()
    workdir = tmp_path_factory.mktemp("two-nodes")
    env = production_env(workdir, database_url(address))
    recreate(address, create=True)
    try:
        for command in (
            ["migrate", "--noinput", "-v0"],
            ["collectstatic", "--noinput", "-v0"],
            [
                "shell",
                "--no-imports",
                "-c",
                "from skaitykla.accounts.models import User\n"
                "for name in ('desk-session', 'desk-lockout'):\n"
                f"    User.objects.create_user(name, password={PASSWORD!r}, is_staff=True)",
            ],
        ):
            result = run_skaitykla(*command, env=env, cwd=workdir)
            assert result.returncode == 0, result.stderr
        with contextlib.ExitStack() as stack:
            a = stack.enter_context(serving(env, workdir))
            b = stack.enter_context(serving(env, workdir))
            yield Nodes(a=a, b=b)
    finally:
        recreate(address, create=False)


def log_in(node: Server, username: str, password: str, jar: CookieJar) -> Response:
    """What a browser does: fetch the form (CSRF cookie and token), then post it."""
    form = fetch(f"{node.url}/staff/login/", jar=jar)
    assert form.status == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.body)
    assert token is not None
    fields = {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password}
    return fetch(f"{node.url}/staff/login/", data=fields, jar=jar)


def cookie(jar: CookieJar, name: str) -> str:
    values = [item.value for item in jar if item.name == name and item.value]
    assert len(values) == 1, f"{name}: {values}"
    return str(values[0])


def test_failed_logins_on_both_nodes_count_together(nodes: Nodes) -> None:
    jars = {nodes.a.port: CookieJar(), nodes.b.port: CookieJar()}
    alternating = [nodes.a, nodes.b] * FAILURE_LIMIT

    statuses = [
        log_in(node, "desk-lockout", "wrong-password", jars[node.port]).status
        for node in alternating[:FAILURE_LIMIT]
    ]

    # Node A saw only 3 of the 5 failures, yet the fifth locks the account out.
    assert statuses == [200] * (FAILURE_LIMIT - 1) + [429]
    for node in (nodes.b, nodes.a):
        refused = log_in(node, "desk-lockout", PASSWORD, jars[node.port])
        assert refused.status == 429
        assert not any(item.name == "sessionid" for item in jars[node.port])
        dashboard = fetch(f"{node.url}/staff/", jar=jars[node.port])
        assert dashboard.status == 302
        assert dashboard.headers["Location"] == "/staff/login/?next=/staff/"


def test_session_from_one_node_is_valid_on_the_other(nodes: Nodes) -> None:
    jar = CookieJar()
    login = log_in(nodes.a, "desk-session", PASSWORD, jar)
    assert login.status == 302
    assert login.headers["Location"] == "/staff/"
    session = {"Cookie": f"sessionid={cookie(jar, 'sessionid')}"}

    dashboard = fetch(f"{nodes.b.url}/staff/", headers=session)
    me = fetch(f"{nodes.b.url}/api/v1/me/", headers=session)
    anonymous = fetch(f"{nodes.b.url}/staff/")

    assert dashboard.status == 200
    assert me.status == 200
    assert json.loads(me.body)["username"] == "desk-session"
    assert anonymous.status == 302
    assert anonymous.headers["Location"] == "/staff/login/?next=/staff/"

    # Logging out on B ends the session on A too.
    csrf = cookie(jar, "csrftoken")
    logout = fetch(
        f"{nodes.b.url}/staff/logout/",
        data={"csrfmiddlewaretoken": csrf},
        headers={"Cookie": f"{session['Cookie']}; csrftoken={csrf}"},
    )
    assert logout.status == 302
    after = fetch(f"{nodes.a.url}/staff/", headers=session)
    assert after.status == 302
    assert after.headers["Location"] == "/staff/login/?next=/staff/"
