"""Demo commands on an empty database (the demo module's tests share one loaded demo)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from careershub.accounts.models import User
from careershub.demo.builder import sign_ins

pytestmark = pytest.mark.django_db


def test_sign_ins_before_loading() -> None:
    assert sign_ins() == []


def test_refuses_production_without_flag(settings: Any) -> None:
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("load_demo_data", stdout=io.StringIO())
    assert not User.objects.exists()
