"""Security headers on every page, and Django's deployment checks against the production env."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def csp_directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_pages_carry_a_strict_content_security_policy(client, db):
    response = client.get(reverse("accounts:login"))

    assert response.status_code == 200
    csp = csp_directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert "'unsafe-inline'" not in csp["style-src"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]


def test_pages_refuse_framing_sniffing_and_leaking_the_referrer(client, resident):
    client.force_login(resident)

    for url in (reverse("accounts:login"), reverse("home"), "/healthz"):
        response = client.get(url)
        assert response["X-Frame-Options"] == "DENY", url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "same-origin", url
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", url


def test_https_responses_carry_hsts(client, db):
    response = client.get(reverse("accounts:login"), secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_page_scripts_and_styles_are_all_served_from_static_files(client, resident):
    pages = [client.get(reverse("accounts:login"))]
    client.force_login(resident)
    pages.append(client.get(reverse("home")))

    for response in pages:
        html = response.content.decode()
        assert "<script>" not in html and "<style" not in html, response.request["PATH_INFO"]
        assets = re.findall(r'<script[^>]*\ssrc="([^"]*)"', html) + re.findall(
            r'<link[^>]*\shref="([^"]*)"', html
        )
        assert assets, response.request["PATH_INFO"]
        assert all(asset.startswith("/static/") for asset in assets), assets


def _check_deploy(**overrides) -> subprocess.Popen:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_", "SESSION_", "CSRF_"))
    }
    env.pop("REDIS_URL", None)
    env |= {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(45),  # 60 characters
        "ALLOWED_HOSTS": "linli.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://linli.example.org",
        "BEHIND_TLS_PROXY": "1",
        "SECURE_HSTS_PRELOAD": "1",
    } | overrides
    return subprocess.Popen(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def deploy_checks():
    """``manage.py check --deploy`` under three environments, run side by side (each takes seconds)."""
    runs = {
        "production": _check_deploy(),
        "debug": _check_deploy(DEBUG="1"),
        "no secret": _check_deploy(SECRET_KEY=""),
    }
    results = {}
    try:
        for name, process in runs.items():
            stdout, stderr = process.communicate(timeout=120)
            results[name] = (process.returncode, stdout + stderr)
    finally:
        for process in runs.values():
            if process.poll() is None:
                process.kill()
                process.wait()
    return results


def test_the_deployment_checks_pass_with_the_production_environment(deploy_checks):
    returncode, output = deploy_checks["production"]

    assert returncode == 0, output
    assert "System check identified no issues" in output


def test_the_deployment_checks_fail_with_debug_on(deploy_checks):
    returncode, output = deploy_checks["debug"]

    assert returncode != 0
    assert "security.W018" in output


def test_the_production_settings_refuse_to_start_without_a_secret_key(deploy_checks):
    returncode, output = deploy_checks["no secret"]

    assert returncode != 0
    assert "SECRET_KEY (or SECRET_KEY_FILE) must be set" in output


def test_the_test_run_itself_uses_the_production_security_settings(settings):
    # Only what needs a TLS proxy is relaxed under pytest (settings.TESTING).
    assert django_settings.TESTING
    assert settings.X_FRAME_OPTIONS == "DENY"
    assert settings.SECURE_CONTENT_TYPE_NOSNIFF is True
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SECURE_HSTS_SECONDS == 31536000
