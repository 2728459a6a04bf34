"""The API foundation: authentication required, tokens by number or username, one error shape,
a schema and self-hosted docs."""

import json
import re

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests.factories import PASSWORD

API_ROOT = "/api/v1/"


def test_the_api_refuses_anonymous_callers_with_the_common_error_shape(client, db):
    for url in (API_ROOT, "/api/v1/compounds/", "/api/v1/households/"):
        response = client.get(url)

        assert response.status_code == 401, url
        assert response["WWW-Authenticate"] == "Token"
        assert response.json() == {
            "error": {
                "status": 401,
                "code": "not_authenticated",
                "message": "Authentication credentials were not provided.",
                "details": None,
            }
        }


def test_a_bad_token_is_refused_with_the_common_error_shape(client, db):
    response = client.get("/api/v1/compounds/", HTTP_AUTHORIZATION="Token not-a-token")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


@pytest.mark.parametrize("login", ["13812341234", "+86 138 1234 1234", "resident"])
def test_a_token_is_issued_for_the_mobile_number_or_the_username_and_opens_the_api(client, resident, login):
    response = client.post(reverse("api-token"), {"username": login, "password": PASSWORD})

    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(key=token).user == resident

    response = client.get("/api/v1/compounds/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    assert [c["code"] for c in response.json()["results"]] == ["WA1"]


def test_a_token_is_refused_for_a_wrong_password_with_the_common_error_shape(client, resident):
    response = client.post(reverse("api-token"), {"username": "resident", "password": "wrong"})

    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["status"], error["code"], error["message"]) == (400, "invalid", "Invalid input.")
    assert "non_field_errors" in error["details"]
    assert not Token.objects.exists()


def test_failed_token_requests_count_towards_the_log_in_lock_out(client, resident):
    for _ in range(5):
        client.post(
            reverse("api-token"), {"username": "13812341234", "password": "wrong"}, REMOTE_ADDR="10.0.0.9"
        )

    response = client.post(
        reverse("api-token"), {"username": "resident", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )

    assert response.status_code == 400
    assert not Token.objects.exists()
    # The page log-in from that address is locked too.
    response = client.post(
        reverse("accounts:login"), {"username": "resident", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 429


def test_a_logged_in_browser_uses_the_api_with_its_session(client, resident):
    client.force_login(resident)

    response = client.get("/api/v1/households/")

    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_the_schema_is_openapi_3_in_yaml_and_json(client, resident):
    client.force_login(resident)

    response = client.get(reverse("api-schema"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert re.match(r"openapi: 3\.\d+\.\d+\n", response.content.decode())

    response = client.get(reverse("api-schema") + "?format=json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Linli API"
    assert {"/api/v1/compounds/", "/api/v1/auth/token/"} <= set(schema["paths"])


def test_the_api_docs_load_only_assets_served_by_the_portal(client, resident):
    client.force_login(resident)

    response = client.get(reverse("api-docs"))

    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, html
    for url in assets:
        assert url.startswith(("/static/", reverse("api-docs"))), url
    assert "//" not in "".join(assets)
    assert "cdn" not in html.lower()
    # Nothing inline either: the CSP (script-src/style-src 'self') would block it.
    assert "<style" not in html and "<script>" not in html

    script = client.get(reverse("api-docs") + "?script=")
    assert script.status_code == 200
    assert "cdn" not in script.content.decode().lower()
