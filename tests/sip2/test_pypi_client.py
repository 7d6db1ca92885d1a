"""The independent PyPI ``sip2`` client (Sip2 1.1) as a kiosk against our real server.

Its known quirks, handled here: it tries TLS first unless ``tlsEnable`` is off; it writes a log
file to the working directory unless ``logfile_path`` names an existing folder; it sums its
checksum over characters and does not zero-pad it (the server accepts 1–4 hex digits); it never
verifies our checksums; it reads a reply with one ``recv``.
"""

from __future__ import annotations

import pytest
from Sip2 import sip2 as Sip2Module  # noqa: N812

from skaitykla.circulation.models import Loan
from skaitykla.circulation.policies import forget_cached_policies
from tests.circulation.conftest import open_mon_to_sat, set_rule
from tests.patrons.factories import TEST_PIN
from tests.sip2.support import KIOSK_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client(sip2_server, kiosk, tmp_path):
    sip = Sip2Module.Sip2()
    sip.hostName = "127.0.0.1"
    sip.hostPort = sip2_server.port
    sip.tlsEnable = False
    sip.socketTimeout = 10
    sip.logfile_path = str(tmp_path)
    sip.loglevel = "WARNING"
    sip.institutionId = "LT-TEST"
    sip.scLocation = "desk"
    sip.withCrc = True
    sip.withSeq = True
    assert sip.connect()
    yield sip
    sip.disconnect()
    sip.log.handlers.clear()


def test_login_status_and_patron_information(client, reader_card):
    login = client.sip_login_response(
        client.get_response(client.sip_login_request("kiosk1", KIOSK_PASSWORD))
    )
    assert login["fixed"]["Ok"] == "1"
    status = client.sip_sc_status_response(client.get_response(client.sip_sc_status_request()))
    assert status["fixed"]["OnlineStatus"] == "Y"
    assert status["variable"]["BX"] == ["YYYYYYYYYNYNNNYY"]
    client.patron = "LNB0000001"
    client.patronpwd = TEST_PIN
    info = client.sip_patron_information_response(
        client.get_response(client.sip_patron_information_request("charged"))
    )
    assert info["fixed"]["PatronStatus"] == " " * 14
    assert info["variable"]["AE"] == ["Ona Žemaitė"]
    assert info["variable"]["BL"] == ["Y"]
    assert info["variable"]["CQ"] == ["Y"]
    patron = client.sip_patron_status_response(
        client.get_response(client.sip_patron_status_request())
    )
    assert patron["variable"]["BL"] == ["Y"]


def test_wrong_kiosk_password(client):
    login = client.sip_login_response(
        client.get_response(client.sip_login_request("kiosk1", "nope"))
    )
    assert login["fixed"]["Ok"] == "0"


def test_checkout_and_checkin(client, reader_card, item, library):
    forget_cached_policies()
    open_mon_to_sat(library)
    set_rule()
    client.get_response(client.sip_login_request("kiosk1", KIOSK_PASSWORD))
    client.patron = "LNB0000001"
    client.patronpwd = TEST_PIN
    out = client.sip_checkout_response(client.get_response(client.sip_checkout_request("IT0001")))
    assert out["fixed"]["Ok"] == "1"
    assert out["variable"]["AJ"] == ["Metai"]
    assert out["variable"]["AH"][0].strip()
    assert list(Loan.objects.values_list("item__barcode", "channel")) == [("IT0001", "sip2")]
    charged = client.sip_patron_information_response(
        client.get_response(client.sip_patron_information_request("charged"))
    )
    assert charged["variable"]["AU"] == ["IT0001"]
    back = client.sip_checkin_response(client.get_response(client.sip_checkin_request("IT0001")))
    assert back["fixed"]["Ok"] == "1"
    assert back["fixed"]["Alert"] == "N"
    assert Loan.objects.get().returned_at is not None
    refused = client.sip_checkout_response(client.get_response(client.sip_checkout_request("NOPE")))
    assert refused["fixed"]["Ok"] == "0"
    assert refused["variable"]["AF"] == ["Šis egzempliorius neatpažintas."]
