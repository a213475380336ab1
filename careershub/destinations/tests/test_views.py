from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from careershub.audit.models import AuditAction, AuditEvent
from careershub.destinations import services
from careershub.destinations.models import ActivityCode, ActivityRecord, Leaver, SeptemberGuarantee
from careershub.destinations.tests.factories import ActivityRecordFactory, LeaverFactory
from careershub.learners.models import Learner
from careershub.learners.tests.factories import LearnerFactory
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db

INSTITUTION = {"careers_leader", "senior_leader", "other_careers_leader"}
SUMMARY = INSTITUTION | {
    "participation_officer",
    "hub_lead",
    "enterprise_coordinator",
    "other_hub_lead",
    "national_admin",
    "national_analyst",
}
IMPORTERS = {"careers_leader", "other_careers_leader", "participation_officer"}


def expected(persona: str, allowed: set[str], not_found: set[str] = frozenset()) -> int:  # type: ignore[assignment]
    if persona == "anonymous":
        return 302
    if persona in allowed:
        return 200
    if persona in not_found:
        return 404
    return 403


@pytest.fixture
def ashby_leaver(cast: Cast) -> Leaver:
    learner = LearnerFactory.create(
        institution=cast.ashby, year_group=11, left_on=datetime.date(2024, 7, 19), legal_last_name="Adeyemi"
    )
    leaver = LeaverFactory.create(learner=learner, leaving_year=2024)
    ActivityRecordFactory.create(leaver=leaver, recorded_on=datetime.date(2024, 9, 5))
    return leaver


@pytest.fixture
def brook_leaver(cast: Cast) -> Leaver:
    learner = LearnerFactory.create(institution=cast.brook, year_group=13, left_on=datetime.date(2024, 7, 19))
    return LeaverFactory.create(learner=learner, stage="y13", leaving_year=2024)


@pytest.mark.parametrize("persona", PERSONAS)
def test_leavers_list(client_as, ashby_leaver: Leaver, persona: str, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    client = client_as(persona)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("destinations:leavers"))
    assert response.status_code == expected(persona, INSTITUTION)
    if persona == "careers_leader":
        assert "Adeyemi" in response.content.decode()
    if persona == "other_careers_leader":
        assert "Adeyemi" not in response.content.decode()


@pytest.mark.parametrize("persona", PERSONAS)
def test_learner_destinations_page(client_as, ashby_leaver: Leaver, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("destinations:learner", args=[ashby_leaver.learner_id]))
    allowed = {"careers_leader", "senior_leader", "participation_officer"}
    assert response.status_code == expected(persona, allowed, {"other_careers_leader"})
    if response.status_code == 200:
        assert "210 FTE – school sixth form" in response.content.decode()
        assert AuditEvent.objects.filter(action=AuditAction.VIEW, object_id=str(ashby_leaver.learner_id)).exists()


def test_participation_officer_never_sees_another_areas_learner(client_as, brook_leaver: Leaver) -> None:  # type: ignore[no-untyped-def]
    response = client_as("participation_officer").get(reverse("destinations:learner", args=[brook_leaver.learner_id]))
    assert response.status_code == 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_leaver_and_activity_forms(client_as, ashby_leaver: Leaver, persona: str) -> None:  # type: ignore[no-untyped-def]
    client = client_as(persona)
    edit = client.get(reverse("destinations:leaver-edit", args=[ashby_leaver.learner_id, "y11"]))
    add = client.get(reverse("destinations:activity-add", args=[ashby_leaver.pk]))
    for response in (edit, add):
        assert response.status_code == expected(persona, {"careers_leader"}, {"other_careers_leader"})


@pytest.mark.parametrize("persona", PERSONAS)
def test_summary(client_as, ashby_leaver: Leaver, persona: str, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    client = client_as(persona)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("destinations:summary"))
    assert response.status_code == expected(persona, SUMMARY)


@pytest.mark.parametrize("persona", PERSONAS)
def test_import_pages(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("destinations:import"))
    assert response.status_code == expected(persona, IMPORTERS)


@pytest.mark.parametrize("persona", PERSONAS)
def test_import_detail_is_the_importers_own(client_as, cast: Cast, ashby_leaver: Leaver, persona: str) -> None:  # type: ignore[no-untyped-def]
    data = f"UPN,Date,NCCIS code\n{ashby_leaver.learner.upn},01/10/2024,230\n".encode()
    officer_import = services.import_upload(
        organisation=cast.local_authority_org, learners=Learner.objects.all(), data=data, filename="la.csv"
    )
    response = client_as(persona).get(reverse("destinations:import-detail", args=[officer_import.pk]))
    assert response.status_code == expected(
        persona, {"participation_officer"}, {"careers_leader", "other_careers_leader"}
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_export(client_as, ashby_leaver: Leaver, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("destinations:export"))
    assert response.status_code == expected(persona, INSTITUTION)


def test_export_uses_nccis_codes_and_neutralises_formulas(client_as, cast: Cast, ashby_leaver: Leaver) -> None:  # type: ignore[no-untyped-def]
    learner = ashby_leaver.learner
    learner.legal_last_name = "=HYPERLINK(1)"
    learner.save()
    ashby_leaver.intended_code = ActivityCode.objects.get(code="310")
    ashby_leaver.save()
    text = client_as("careers_leader").get(reverse("destinations:export")).content.decode("utf-8-sig")
    header, row = text.strip().splitlines()
    assert header.startswith("UPN,ULN,Surname")
    assert "'=HYPERLINK(1)" in row
    assert ",310," in row and ",210,05/09/2024," in row
    assert AuditEvent.objects.filter(object_label__startswith="Leaver destinations export").exists()


def test_careers_leader_records_a_leaver_and_an_activity(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    learner = LearnerFactory.create(institution=cast.ashby, year_group=11, date_of_birth=datetime.date(2008, 10, 1))
    client = client_as("careers_leader")
    response = client.post(
        reverse("destinations:leaver-edit", args=[learner.pk, "y11"]),
        {
            "leaving_year": "2024",
            "intended_code": "230",
            "september_guarantee": "offer_made",
            "tracking_consent": "not_asked",
            "version": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    leaver = Leaver.objects.get(learner=learner)
    assert leaver.september_guarantee == SeptemberGuarantee.OFFER_MADE and leaver.intended_code_id == "230"
    response = client.post(
        reverse("destinations:activity-add", args=[leaver.pk]),
        {"recorded_on-day": "9", "recorded_on-month": "9", "recorded_on-year": "2024", "code": "230"},
    )
    assert response.status_code == 302
    assert ActivityRecord.objects.get(leaver=leaver).code_id == "230"
    assert AuditEvent.objects.filter(object_type="destinations.ActivityRecord", action=AuditAction.CREATE).exists()
    # A stale version is refused, not silently saved over.
    response = client.post(
        reverse("destinations:leaver-edit", args=[learner.pk, "y11"]),
        {
            "leaving_year": "2024",
            "intended_code": "",
            "september_guarantee": "no_offer",
            "tracking_consent": "not_asked",
            "version": "0",
        },
    )
    assert response.status_code == 200 and "Someone else changed" in response.content.decode()
    assert Leaver.objects.get(pk=leaver.pk).september_guarantee == SeptemberGuarantee.OFFER_MADE


def test_activity_dates_are_checked(client_as, cast: Cast, ashby_leaver: Leaver) -> None:  # type: ignore[no-untyped-def]
    response = client_as("careers_leader").post(
        reverse("destinations:activity-add", args=[ashby_leaver.pk]),
        {"recorded_on-day": "1", "recorded_on-month": "1", "recorded_on-year": "2030", "code": "230"},
    )
    assert response.status_code == 200
    assert "today or in the past" in response.content.decode()


def test_deleting_an_activity(client_as, ashby_leaver: Leaver) -> None:  # type: ignore[no-untyped-def]
    activity = ashby_leaver.activities.get()
    assert (
        client_as("other_careers_leader").post(reverse("destinations:activity-delete", args=[activity.pk])).status_code
        == 404
    )
    assert (
        client_as("senior_leader").post(reverse("destinations:activity-delete", args=[activity.pk])).status_code == 403
    )
    response = client_as("careers_leader").post(reverse("destinations:activity-delete", args=[activity.pk]))
    assert response.status_code == 302 and not ActivityRecord.objects.exists()


def test_add_year_leavers_is_idempotent(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    LearnerFactory.create_batch(3, institution=cast.ashby, year_group=11, left_on=datetime.date(2025, 7, 18))
    LearnerFactory.create(institution=cast.ashby, year_group=13, left_on=datetime.date(2025, 7, 18))
    LearnerFactory.create(institution=cast.ashby, year_group=10)
    client = client_as("careers_leader")
    client.post(reverse("destinations:add-leavers"), {"add-leaving_year": "2025"})
    client.post(reverse("destinations:add-leavers"), {"add-leaving_year": "2025"})
    assert Leaver.objects.filter(learner__institution=cast.ashby).count() == 4
    assert Leaver.objects.filter(stage="y13").count() == 1


def test_summary_suppresses_small_numbers_for_the_area_but_not_the_school(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    learners = LearnerFactory.create_batch(8, institution=cast.ashby, year_group=11, left_on=datetime.date(2024, 7, 19))
    for index, learner in enumerate(learners):
        leaver = LeaverFactory.create(learner=learner, leaving_year=2024)
        code = "619" if index < 2 else "230"
        ActivityRecordFactory.create(
            leaver=leaver, recorded_on=datetime.date(2024, 9, 5), code=ActivityCode.objects.get(code=code)
        )
    brook_learner = LearnerFactory.create(institution=cast.brook, year_group=11, legal_last_name="Zebedee")
    LeaverFactory.create(learner=brook_learner, leaving_year=2024)
    Leaver.objects.filter(learner__in=learners[:6]).update(september_guarantee=SeptemberGuarantee.OFFER_MADE)
    own = client_as("careers_leader").get(reverse("destinations:summary")).content.decode()
    assert "25.0%" in own  # 2 of 8 NEET, shown to the school itself
    assert 'id="september-guarantee"' in own and '75.0% <span class="govuk-body-s">(6)</span>' in own
    area = client_as("participation_officer").get(reverse("destinations:summary")).content.decode()
    assert "Destinations in Trafford" in area
    assert "25.0%" not in area and "[c]" in area
    assert "Ashby High School" in area and "Brook College" not in area


def test_hub_staff_see_only_their_hubs_institutions(
    client_as, cast: Cast, ashby_leaver: Leaver, brook_leaver: Leaver
) -> None:  # type: ignore[no-untyped-def]
    north = client_as("hub_lead").get(reverse("destinations:summary"), {"leaving_year": "2024"}).content.decode()
    south = client_as("other_hub_lead").get(reverse("destinations:summary"), {"leaving_year": "2024"}).content.decode()
    national = client_as("national_analyst").get(reverse("destinations:summary"), {"leaving_year": "2024"})
    assert "Ashby High School" in north and "Brook College" not in north
    assert "Brook College" in south and "Ashby High School" not in south
    assert "Ashby High School" in national.content.decode() and "Brook College" in national.content.decode()
    assert "Adeyemi" not in north  # aggregates only


def test_local_authority_home_and_navigation_link_to_destinations(client_as) -> None:  # type: ignore[no-untyped-def]
    page = client_as("participation_officer").get(reverse("core:home")).content.decode()
    assert reverse("destinations:summary") in page and reverse("destinations:import") in page
    # A careers leader reaches the leavers from the learners list (its Learners navigation item).
    leader = client_as("careers_leader").get(reverse("learners:list")).content.decode()
    assert f'href="{reverse("destinations:leavers")}"' in leader


def test_list_and_summary_queries_do_not_grow_with_leavers(
    client_as, cast: Cast, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    for _ in range(12):
        learner = LearnerFactory.create(institution=cast.ashby, year_group=11, left_on=datetime.date(2024, 7, 19))
        leaver = LeaverFactory.create(learner=learner, leaving_year=2024)
        ActivityRecordFactory.create(leaver=leaver, recorded_on=datetime.date(2024, 9, 5))
        ActivityRecordFactory.create(leaver=leaver, recorded_on=datetime.date(2025, 1, 5))
    client = client_as("careers_leader")
    with django_assert_max_num_queries(14):
        assert client.get(reverse("destinations:leavers")).status_code == 200
    officer = client_as("participation_officer")
    with django_assert_max_num_queries(14):
        assert officer.get(reverse("destinations:summary")).status_code == 200
