"""Compliance expiry reminders: emailed before and on expiry, once per fact and threshold,
re-armed by a renewal, and only to the employer's own people and its hub's staff."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from careershub.employers import services
from careershub.employers.models import ComplianceFact, ComplianceReminder
from careershub.employers.tests.factories import employer_for, other_employer
from careershub.organisations.models import Membership
from conftest import Cast

pytestmark = pytest.mark.django_db

DAY = datetime.date(2027, 3, 1)
Capture = Callable[..., Any]


@pytest.fixture(autouse=True)
def thresholds(settings: Any) -> None:
    settings.COMPLIANCE_REMINDER_DAYS = [30, 7]


def fact(employer: Any, expires_in: int, kind: str = "dbs") -> ComplianceFact:
    return services.compliance_record(
        employer=employer,
        kind=kind,
        checked_on=DAY - datetime.timedelta(days=300),
        expires_on=DAY + datetime.timedelta(days=expires_in),
    )


def run(capture: Capture, day: datetime.date) -> int:
    with capture(execute=True):
        return services.compliance_send_reminders(today=day)


def recipients() -> list[list[str]]:
    return sorted(sorted(message.to) for message in mail.outbox)


def test_reminded_at_each_threshold_once(cast: Cast, django_capture_on_commit_callbacks: Capture) -> None:
    employer = employer_for(cast)
    services.contact_add(employer=employer, full_name="Lena Fischer", email="lena@employer.example")
    fact(employer, expires_in=30)

    assert run(django_capture_on_commit_callbacks, DAY - datetime.timedelta(days=1)) == 0  # 31 days: not yet
    assert mail.outbox == []

    assert run(django_capture_on_commit_callbacks, DAY) == 1
    # The employer's contacts (recorded and signed-in) in one email; the hub lead and coordinator in another.
    assert recipients() == [
        ["contact@employer.example", "lena@employer.example"],
        ["ec@north.example", "lead@north.example"],
    ]
    assert all(m.subject == "DBS check for Trafford Engineering Ltd expires in 30 days" for m in mail.outbox)
    assert "record the new check" in next(m.body for m in mail.outbox if "lena@employer.example" in m.to)
    hub_body = next(m.body for m in mail.outbox if "lead@north.example" in m.to)
    assert "Its contacts have been reminded." in hub_body and f"/employers/{employer.pk}/" in hub_body

    mail.outbox.clear()
    assert run(django_capture_on_commit_callbacks, DAY) == 0  # the same day again: nothing repeated
    assert run(django_capture_on_commit_callbacks, DAY + datetime.timedelta(days=10)) == 0  # 20 days left
    assert mail.outbox == []

    assert run(django_capture_on_commit_callbacks, DAY + datetime.timedelta(days=23)) == 1  # 7 days left
    assert mail.outbox[0].subject.endswith("expires in 7 days")
    assert run(django_capture_on_commit_callbacks, DAY + datetime.timedelta(days=24)) == 0

    mail.outbox.clear()
    assert run(django_capture_on_commit_callbacks, DAY + datetime.timedelta(days=30)) == 1  # the expiry day
    assert mail.outbox[0].subject.endswith("expires today")
    assert run(django_capture_on_commit_callbacks, DAY + datetime.timedelta(days=40)) == 0  # expired: said once
    assert sorted(ComplianceReminder.objects.values_list("days_before", flat=True)) == [0, 7, 30]


def test_a_missed_day_sends_one_email_for_the_most_urgent_threshold(
    cast: Cast, django_capture_on_commit_callbacks: Capture
) -> None:
    fact(employer_for(cast, hub=None), expires_in=5)
    assert run(django_capture_on_commit_callbacks, DAY) == 1
    assert [m.subject for m in mail.outbox] == ["DBS check for Trafford Engineering Ltd expires in 5 days"]
    assert recipients() == [["contact@employer.example"]]  # not in a hub: no hub staff
    assert run(django_capture_on_commit_callbacks, DAY + datetime.timedelta(days=1)) == 0  # 30 and 7 both done
    assert len(mail.outbox) == 1


def test_renewal_re_arms_the_reminders(cast: Cast, django_capture_on_commit_callbacks: Capture) -> None:
    employer = employer_for(cast)
    old = fact(employer, expires_in=7)
    assert run(django_capture_on_commit_callbacks, DAY) == 1

    # Renewed by recording a new check: the old one is no longer reminded, even on its expiry day.
    renewed = fact(employer, expires_in=365)
    mail.outbox.clear()
    assert run(django_capture_on_commit_callbacks, DAY + datetime.timedelta(days=7)) == 0
    assert mail.outbox == []
    assert run(django_capture_on_commit_callbacks, DAY + datetime.timedelta(days=365 - 30)) == 1
    assert ComplianceReminder.objects.filter(fact=renewed, days_before=30).exists()

    # A fact whose expiry date is changed in place is reminded again for the new date.
    old.expires_on = DAY + datetime.timedelta(days=500)
    old.save()
    assert run(django_capture_on_commit_callbacks, DAY + datetime.timedelta(days=500 - 7)) == 1
    assert ComplianceReminder.objects.filter(fact=old, expires_on=old.expires_on, days_before=30).exists()
    assert ComplianceReminder.objects.filter(fact=old, expires_on=DAY + datetime.timedelta(days=7)).exists()


def test_other_organisations_hear_nothing(cast: Cast, django_capture_on_commit_callbacks: Capture) -> None:
    bakery, _ = other_employer(cast)  # in South Hub
    fact(bakery, expires_in=7, kind="insurance")
    employer_for(cast)  # ours, with nothing expiring
    assert run(django_capture_on_commit_callbacks, DAY) == 1
    assert recipients() == [["contact@bakery.example"], ["lead@south.example"]]
    everyone = {address for message in mail.outbox for address in message.to}
    assert not everyone & {"contact@employer.example", "lead@north.example", "ec@north.example"}
    assert "Salford Bakery" in mail.outbox[0].subject


def test_nobody_to_tell_is_tried_again(cast: Cast, django_capture_on_commit_callbacks: Capture) -> None:
    bakery, user = other_employer(cast)
    bakery.hub = None
    bakery.save()
    Membership.objects.filter(user=user).update(ended_at=timezone.now())  # the contact has left
    fact(bakery, expires_in=7)
    assert run(django_capture_on_commit_callbacks, DAY) == 0
    assert not ComplianceReminder.objects.exists()
    services.contact_add(employer=bakery, full_name="Sam Baker", email="sam@bakery.example")
    assert run(django_capture_on_commit_callbacks, DAY) == 1
    assert recipients() == [["sam@bakery.example"]]


def test_the_daily_task_is_registered_and_sends(
    cast: Cast, settings: Any, django_capture_on_commit_callbacks: Capture
) -> None:
    assert "careershub.employers.tasks.send_compliance_reminders" in settings.DAILY_TASKS
    employer = employer_for(cast)
    services.compliance_record(
        employer=employer,
        kind="risk_assessment",
        checked_on=datetime.date.today() - datetime.timedelta(days=300),
        expires_on=datetime.date.today() + datetime.timedelta(days=3),
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("enqueue_daily_tasks", stdout=io.StringIO())
    assert any(m.subject == "Risk assessment for Trafford Engineering Ltd expires in 3 days" for m in mail.outbox)
