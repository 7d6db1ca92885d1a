"""Running ``skaitykla`` commands and servers as separate processes, the way operators do.

Every process gets a clean environment (nothing leaks in from the test run's own
``DATABASE_URL``), its own var directory, and bounded timeouts; servers are always stopped,
their whole process group included.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from http.cookiejar import CookieJar
from pathlib import Path

SKAITYKLA = str(Path(sys.executable).parent / "skaitykla")
# 64 characters, varied: passes Django's deployment check for SECRET_KEY.
SECRET_KEY = "ops-tests-6Qm2-vX9t!Lr4#Pz8@Wc1$Hk7%Nd3^Fj5&Bs0*Yg2(Ue6)Ta9-Ko4"
COMMAND_TIMEOUT = 45
STARTUP_TIMEOUT = 30
SHUTDOWN_TIMEOUT = 15


def clean_env(**variables: str) -> dict[str, str]:
    """Only what a process needs to run, plus ``variables``."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(Path.home())),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.update(variables)
    return env


def production_env(workdir: Path, database_url: str, **variables: str) -> dict[str, str]:
    """Production mode over plain HTTP on 127.0.0.1 (the TLS-only settings relaxed)."""
    return clean_env(
        SKAITYKLA_MODE="production",
        SECRET_KEY=SECRET_KEY,
        DATABASE_URL=database_url,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        SKAITYKLA_VAR_DIR=str(workdir / "var"),
        STATIC_ROOT=str(workdir / "static"),
        **variables,
    )


def run_skaitykla(
    *args: str, env: dict[str, str], cwd: Path, stdin: int | None = subprocess.DEVNULL
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SKAITYKLA, *args],
        env=env,
        cwd=cwd,
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def wait_until_serving(server: Server) -> None:
    """Until the server answers ``/healthz`` (with any status); fails if it dies first."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"skaitykla serve exited early:\n{server.output()}")
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        try:
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.1)
        finally:
            connection.close()
    raise AssertionError(f"no answer in {STARTUP_TIMEOUT} s:\n{server.output()}")


def stop(server: Server, sig: signal.Signals = signal.SIGTERM) -> int:
    """Signal the master, wait for it, then make sure nothing of its process group is left."""
    process = server.process
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=SHUTDOWN_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=SHUTDOWN_TIMEOUT)
    # The group was created for this server (start_new_session): its id is the master's pid.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    return process.returncode


def process_group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@contextlib.contextmanager
def serving(env: dict[str, str], workdir: Path, *, collectstatic: bool = False) -> Iterator[Server]:
    """``skaitykla serve`` with one worker on a free port, stopped (SIGTERM) on exit."""
    port = free_port()
    log = workdir / f"serve-{port}.log"
    args = ["serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    if not collectstatic:
        args.append("--no-collectstatic")
    with log.open("wb") as output:
        process = subprocess.Popen(
            [SKAITYKLA, *args],
            env=env,
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process=process, port=port, log=log)
    try:
        wait_until_serving(server)
        yield server
    finally:
        stop(server)


@dataclass
class Response:
    status: int
    headers: Message
    body: str


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def fetch(
    url: str,
    *,
    data: dict[str, str] | None = None,
    jar: CookieJar | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """One request, redirects not followed, error statuses returned rather than raised."""
    opener = urllib.request.build_opener(
        _NoRedirects(), urllib.request.HTTPCookieProcessor(jar if jar is not None else CookieJar())
    )
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with opener.open(request, timeout=20) as response:
            return Response(response.status, response.headers, response.read().decode())
    except urllib.error.HTTPError as error:
        with error:
            return Response(error.code, error.headers, error.read().decode())
