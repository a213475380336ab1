"""Production settings: `check --deploy` is clean, and unsafe configurations refuse to start.

Settings are read once per process, so each case runs `manage.py` in a fresh subprocess with
the real settings module (not the test overlay) and a clean environment.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
# Variables the test run itself sets (settings_test, pytest-django) or a developer might have.
# DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests and is itself a deploy-check error.
LEAKY = {
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "CAREERSHUB_ENV",
    "TASKS_BACKEND",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CACHE_URL",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if key not in LEAKY}
    clean.update(env)
    clean["DJANGO_SETTINGS_MODULE"] = "careershub.settings"
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production(**env: str) -> dict[str, str]:
    return {"CAREERSHUB_ENV": "production", "ALLOWED_HOSTS": "example.org", **env}


def a_secret_key() -> str:
    return secrets.token_urlsafe(64)  # 86 characters


def test_check_deploy_is_clean_in_production() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production(SECRET_KEY=a_secret_key()))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = manage("check", **production())
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "Production needs SECRET_KEY set to at least 50 random characters." in result.stderr


def test_production_refuses_a_short_secret_key() -> None:
    result = manage("check", **production(SECRET_KEY="x" * 49))
    assert result.returncode != 0
    assert "Production needs SECRET_KEY" in result.stderr


@pytest.mark.parametrize("value", ["true", "1", "on"])
def test_production_refuses_to_start_with_debug_on(value: str) -> None:
    result = manage("check", **production(SECRET_KEY=a_secret_key(), DEBUG=value))
    assert result.returncode != 0
    assert "Production refuses to start with DEBUG on." in result.stderr


def test_an_unknown_environment_is_refused() -> None:
    result = manage("check", CAREERSHUB_ENV="staging")
    assert result.returncode != 0
    assert "CAREERSHUB_ENV must be development, test or production" in result.stderr


def test_development_starts_without_any_configuration() -> None:
    result = manage("check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_cache_url_puts_the_cache_on_redis() -> None:
    code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    shared = manage("shell", "-c", code, CACHE_URL="redis://127.0.0.1:6379/1")
    assert shared.returncode == 0, shared.stderr
    assert shared.stdout.strip().splitlines()[-1] == "django.core.cache.backends.redis.RedisCache"
    local = manage("shell", "-c", code)
    assert local.stdout.strip().splitlines()[-1] == "django.core.cache.backends.locmem.LocMemCache"


def test_compliance_reminder_days_are_configurable_and_checked() -> None:
    code = "from django.conf import settings; print(settings.COMPLIANCE_REMINDER_DAYS)"
    chosen = manage("shell", "-c", code, COMPLIANCE_REMINDER_DAYS="60, 14,1")
    assert chosen.returncode == 0, chosen.stderr
    assert chosen.stdout.strip().splitlines()[-1] == "['60', '14', '1']"
    refused = manage("check", COMPLIANCE_REMINDER_DAYS="30,a week")
    assert refused.returncode != 0
    assert "COMPLIANCE_REMINDER_DAYS must be whole numbers of days" in refused.stderr
