"""The demo kiosk account, the management command's arguments, and SIP2 over TLS."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess

import pytest
from django.core.management import CommandError, call_command

from skaitykla.demo.sip2 import KIOSK_PASSWORD, KIOSK_USERNAME, demo_kiosk_info, seed_kiosk
from skaitykla.sip2 import codec
from skaitykla.sip2.models import KioskAccount
from skaitykla.sip2.server import BackgroundServer, Sip2Server, tls_context
from tests.sip2.conftest import limits
from tests.sip2.support import RawKiosk, sc_status


@pytest.mark.django_db(transaction=True)
def test_demo_kiosk_is_seeded_once_and_can_log_in(library):
    seed_kiosk(library=library)
    seed_kiosk(library=library)
    assert KioskAccount.objects.filter(username=KIOSK_USERNAME).count() == 1
    info = demo_kiosk_info()
    assert info == {
        "host": "127.0.0.1",
        "port": 6001,
        "login": KIOSK_USERNAME,
        "password": KIOSK_PASSWORD,
        "institution": "LNB-SAVITARNA",
        "library": "LT-TEST",
        "encoding": "utf-8",
    }
    assert KIOSK_PASSWORD not in KioskAccount.objects.get().password
    with (
        BackgroundServer(Sip2Server(port=0, limits=limits())) as running,
        RawKiosk(running.port) as client,
    ):
        assert client.login(KIOSK_USERNAME, KIOSK_PASSWORD).fixed == {"ok": "1"}


def test_command_needs_both_tls_files():
    with pytest.raises(CommandError):
        call_command("sip2_server", "--tls-cert", "/nonexistent.pem")


@pytest.fixture
def certificate(tmp_path):
    assert shutil.which("openssl"), "openssl is needed to make a test certificate"
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.django_db(transaction=True)
def test_sip2_over_tls(kiosk, certificate):
    cert, key = certificate
    server = Sip2Server(port=0, ssl_context=tls_context(str(cert), str(key)), limits=limits())
    with BackgroundServer(server) as running:
        context = ssl.create_default_context(cafile=str(cert))
        context.check_hostname = False
        with (
            socket.create_connection(("127.0.0.1", running.port), timeout=10) as raw,
            context.wrap_socket(raw, server_hostname="localhost") as tls,
        ):
            tls.sendall(codec.build(sc_status()))
            reply = tls.recv(4096)
        assert reply.startswith(b"98")
        # A plain client on the TLS port gets nothing it can use and the server survives.
        with RawKiosk(running.port) as plain:
            plain.send_raw(codec.build(sc_status()))
            assert plain.is_closed()
