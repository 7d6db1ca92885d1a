import json

import pytest
import yaml
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from skaitykla.core.models import Library
from tests.factories import LibraryFactory, ReadingRoomFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_openapi_schema_generates_without_warnings(capsys):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null", "--api-version", "v1"
    )
    captured = capsys.readouterr()
    assert "Warning" not in captured.err
    assert "Error" not in captured.err


def test_schema_lists_versioned_paths(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/libraries/" in schema["paths"]
    assert "/api/v1/me/" in schema["paths"]


def test_api_docs_load_assets_only_from_skaitykla(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn." not in html
    assert "https://" not in html


def test_anonymous_gets_no_data_and_staff_token_works(client):
    LibraryFactory(code="LT-C1", name="Nacionalinė biblioteka")
    assert client.get("/api/v1/libraries/").status_code in (401, 403)
    user = StaffUserFactory()
    token = Token.objects.create(user=user)
    response = client.get("/api/v1/libraries/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"][0]["code"] == "LT-C1"


def test_library_detail_lists_rooms_and_unknown_code_is_404(client):
    library = LibraryFactory(code="LT-C1")
    ReadingRoomFactory(library=library, code="RARE", name="Retų knygų skaitykla", seats=8)
    client.force_login(StaffUserFactory())
    response = client.get("/api/v1/libraries/LT-C1/")
    assert response.status_code == 200
    assert [room["code"] for room in response.json()["reading_rooms"]] == ["RARE"]
    assert client.get("/api/v1/libraries/NOPE/").status_code == 404
    assert Library.objects.count() == 1


def test_me_shows_the_staff_users_roles(client):
    user = StaffUserFactory(username="vadove", roles=["head_of_department"])
    client.force_login(user)
    response = client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["roles"] == ["head_of_department"]
    assert response.json()["username"] == "vadove"


def test_a_reader_like_non_staff_user_is_refused(client):
    user = StaffUserFactory(is_staff=False)
    client.force_login(user)
    assert client.get("/api/v1/me/").status_code == 403
