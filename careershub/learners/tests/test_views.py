from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from careershub.audit.models import AuditAction, AuditEvent
from careershub.learners.models import ImportStatus, Learner, LearnerImport
from careershub.learners.tests import builders
from careershub.learners.tests.factories import LearnerFactory
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db

READERS = {"careers_leader", "senior_leader"}


def page_status(persona: str, allowed: set[str]) -> int:
    if persona == "anonymous":
        return 302
    return 200 if persona in allowed else 403


@pytest.mark.parametrize("persona", PERSONAS)
def test_learner_list_is_for_the_institutions_leaders_only(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    LearnerFactory.create(institution=cast.ashby, legal_last_name="Ashbylearner")
    LearnerFactory.create(institution=cast.brook, legal_last_name="Brooklearner")
    response = client_as(persona).get(reverse("learners:list"))
    assert response.status_code == page_status(persona, READERS | {"other_careers_leader"})
    if response.status_code == 200:
        content = response.content.decode()
        own = "Brooklearner" if persona == "other_careers_leader" else "Ashbylearner"
        other = "Ashbylearner" if persona == "other_careers_leader" else "Brooklearner"
        assert own in content and other not in content


@pytest.mark.parametrize("persona", PERSONAS)
def test_learner_page_is_a_404_for_everyone_else_and_audited(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    learner = LearnerFactory.create(institution=cast.ashby)
    response = client_as(persona).get(reverse("learners:detail", args=[learner.pk]))
    expected = 302 if persona == "anonymous" else 403 if persona == "outsider" else 200 if persona in READERS else 404
    assert response.status_code == expected
    views = AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="learners.Learner", object_id=str(learner.pk)
    )
    assert views.count() == (1 if expected == 200 else 0)
    if expected == 200:
        assert views.get().actor == cast.persona(persona)


def test_learner_list_filters_and_query_budget(client_as, cast: Cast, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    LearnerFactory.create_batch(60, institution=cast.ashby, year_group=10)
    LearnerFactory.create(institution=cast.ashby, year_group=9, fsm=True, legal_last_name="Ninefsm")
    client = client_as("careers_leader")
    with django_assert_max_num_queries(10):
        response = client.get(reverse("learners:list"))
    assert response.status_code == 200 and "61 learners" in response.content.decode()
    filtered = client.get(reverse("learners:list"), {"year_group": "9", "fsm": "yes"}).content.decode()
    assert "Ninefsm" in filtered and "1 learner." in filtered


@pytest.mark.parametrize("persona", PERSONAS)
def test_export_is_for_leaders_only_and_neutralises_formulas(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    LearnerFactory.create(institution=cast.ashby, legal_last_name='=HYPERLINK("http://x.example","y")')
    response = client_as(persona).get(reverse("learners:export"))
    assert response.status_code == page_status(persona, READERS | {"other_careers_leader"})
    if persona in READERS:
        text = response.content.decode("utf-8-sig")
        assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
        assert AuditEvent.objects.filter(action=AuditAction.VIEW, object_type="institutions.Institution").exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_import_page_access(client_as, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("learners:import"))
    assert response.status_code == page_status(persona, READERS | {"other_careers_leader"})
    if persona == "senior_leader":
        assert "Upload and check" not in response.content.decode()


def upload(client, data: bytes, name: str = "students.csv", full: bool = True):  # type: ignore[no-untyped-def]
    payload: dict[str, object] = {"file": SimpleUploadedFile(name, data)}
    if full:
        payload["full_import"] = "on"
    return client.post(reverse("learners:import"), payload)


def test_senior_leader_cannot_upload_or_confirm(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    response = upload(client_as("senior_leader"), builders.csv_bytes(builders.learner_rows(2)))
    assert response.status_code == 403
    upload(client_as("careers_leader"), builders.csv_bytes(builders.learner_rows(2)))
    learner_import = LearnerImport.objects.get()
    client = client_as("senior_leader")
    assert client.get(reverse("learners:import-detail", args=[learner_import.pk])).status_code == 200
    assert client.post(reverse("learners:import-detail", args=[learner_import.pk]), {}).status_code == 403
    assert client.post(reverse("learners:import-confirm", args=[learner_import.pk])).status_code == 403
    assert client.post(reverse("learners:import-cancel", args=[learner_import.pk])).status_code == 403


@pytest.mark.parametrize("persona", ["other_careers_leader", "hub_lead", "national_admin"])
def test_someone_elses_import_is_hidden(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    upload(client_as("careers_leader"), builders.csv_bytes(builders.learner_rows(2)))
    learner_import = LearnerImport.objects.get()
    response = client_as(persona).get(reverse("learners:import-detail", args=[learner_import.pk]))
    assert response.status_code == (404 if persona == "other_careers_leader" else 403)
    assert client_as(persona).post(reverse("learners:import-confirm", args=[learner_import.pk])).status_code in {
        403,
        404,
    }


def test_whole_journey_fix_mapping_preview_confirm(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    client = client_as("careers_leader")
    rows = builders.learner_rows(12)
    data = builders.csv_bytes(rows, "arbor").replace(b"Registration Form", b"Form Tutor Grp")
    response = upload(client, data)
    learner_import = LearnerImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "learners:import-detail", args=[learner_import.pk]
    )
    page = client.get(response["Location"]).content.decode()
    assert "Match the columns" in page and "Form Tutor Grp" in page
    # The unrecognised column is mapped by hand.
    index = learner_import.headers.index("Form Tutor Grp")
    post = {f"col_{i}": learner_import.mapping.get(h, "") for i, h in enumerate(learner_import.headers)}
    post[f"col_{index}"] = "registration_group"
    response = client.post(reverse("learners:import-detail", args=[learner_import.pk]), post)
    assert response.status_code == 302
    preview = client.get(response["Location"]).content.decode()
    assert "Check what the import will change" in preview and "Confirm and import" in preview
    assert Learner.objects.count() == 0
    response = client.post(reverse("learners:import-confirm", args=[learner_import.pk]), follow=True)
    assert "Learners imported" in response.content.decode()
    assert Learner.objects.filter(institution=cast.ashby, registration_group="10A").exists()
    assert Learner.objects.count() == 12


def test_mapping_without_identifier_shows_an_error(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    client = client_as("careers_leader")
    upload(client, builders.csv_bytes(builders.learner_rows(1)))
    learner_import = LearnerImport.objects.get()
    response = client.post(reverse("learners:import-detail", args=[learner_import.pk]), {"col_0": ""})
    assert response.status_code == 200
    assert "Choose the column that holds the UPN" in response.content.decode()
    assert "Error:" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"%PDF-1.5", "list.pdf", "must be a CSV or an Excel"),
        (b"\xd0\xcf\x11\xe0" + b"\0" * 64, "old.xls", "old Excel"),
        ("UPN,Surname\nB801200005001,Zoë\n".encode() + b"x\xe9\n", "broken.csv", "damaged at line 3"),
        (builders.csv_bytes(builders.learner_rows(1)).split(b"\n", 1)[1], "nohead.csv", "no header row"),
        (b"UPN,Legal Surname\n=1+1,x\n", "formula.csv", "holds a formula"),
        (b"x" * (11 * 1024 * 1024), "huge.csv", "smaller than 10 MB"),
    ],
)
def test_malformed_files_get_a_clear_message_and_change_nothing(  # type: ignore[no-untyped-def]
    client_as, cast: Cast, data: bytes, name: str, message: str
) -> None:
    LearnerFactory.create(institution=cast.ashby)
    response = upload(client_as("careers_leader"), data, name)
    assert response.status_code == 200
    content = response.content.decode()
    assert message in content and "There is a problem" in content
    assert LearnerImport.objects.count() == 0 and Learner.objects.on_roll().count() == 1


def test_in_progress_page_has_a_progress_bar_and_refresh_link(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    upload(client_as("careers_leader"), builders.csv_bytes(builders.learner_rows(1)))
    learner_import = LearnerImport.objects.get()
    LearnerImport.objects.filter(pk=learner_import.pk).update(
        status=ImportStatus.APPLYING, progress_done=250, progress_total=1000
    )
    content = (
        client_as("senior_leader").get(reverse("learners:import-detail", args=[learner_import.pk])).content.decode()
    )
    assert '<progress id="progress-bar"' in content and 'value="25"' in content
    assert "Refresh to see progress" in content and "<script>" not in content.split("<main")[1]


def test_an_import_running_long_says_the_worker_may_not_be_running(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    upload(client_as("careers_leader"), builders.csv_bytes(builders.learner_rows(1)))
    learner_import = LearnerImport.objects.get()
    url = reverse("learners:import-detail", args=[learner_import.pk])
    now = timezone.now()
    LearnerImport.objects.filter(pk=learner_import.pk).update(
        status=ImportStatus.APPLYING, confirmed_at=now - datetime.timedelta(minutes=5)
    )
    assert "background worker may not be running" not in client_as("careers_leader").get(url).content.decode()
    LearnerImport.objects.filter(pk=learner_import.pk).update(confirmed_at=now - datetime.timedelta(minutes=16))
    assert "background worker may not be running" in client_as("careers_leader").get(url).content.decode()
    LearnerImport.objects.filter(pk=learner_import.pk).update(status=ImportStatus.DONE)
    assert "background worker may not be running" not in client_as("careers_leader").get(url).content.decode()


def test_cancel(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    client = client_as("careers_leader")
    upload(client, builders.csv_bytes(builders.learner_rows(1)))
    learner_import = LearnerImport.objects.get()
    response = client.post(reverse("learners:import-cancel", args=[learner_import.pk]))
    assert response.status_code == 302
    learner_import.refresh_from_db()
    assert learner_import.status == ImportStatus.CANCELLED and Learner.objects.count() == 0


def test_import_list_query_budget(client_as, cast: Cast, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    client = client_as("careers_leader")
    for _ in range(5):
        upload(client, builders.csv_bytes(builders.learner_rows(1)))
    with django_assert_max_num_queries(8):
        assert client.get(reverse("learners:import")).status_code == 200


@pytest.mark.parametrize("persona", PERSONAS)
def test_careers_details_are_changed_by_the_careers_leader_only(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    learner = LearnerFactory.create(institution=cast.ashby)
    url = reverse("learners:careers-details", args=[learner.pk])
    response = client_as(persona).get(url)
    expected = {"anonymous": 302, "careers_leader": 200, "senior_leader": 403, "outsider": 403}.get(persona, 404)
    assert response.status_code == expected
    data = {"intended_destination": "Apprenticeship", "considering_higher_education": "on", "version": "0"}
    response = client_as(persona).post(url, data)
    assert response.status_code == (302 if persona in {"careers_leader", "anonymous"} else expected)
    learner.refresh_from_db()
    changed = persona == "careers_leader"
    assert (learner.intended_destination == "Apprenticeship") == changed
    assert learner.considering_higher_education == changed
    events = AuditEvent.objects.filter(action=AuditAction.UPDATE, object_type="learners.Learner")
    assert events.count() == (1 if changed else 0)


def test_careers_details_stale_save_is_refused_with_theirs_shown(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    learner = LearnerFactory.create(institution=cast.ashby)
    url = reverse("learners:careers-details", args=[learner.pk])
    client = client_as("careers_leader")
    assert client.post(url, {"intended_destination": "A levels", "version": "0"}).status_code == 302
    # A second person who loaded version 0 saves later: refused, theirs shown, nothing overwritten.
    response = client.post(
        url, {"intended_destination": "College", "considering_higher_education": "on", "version": "0"}
    )
    content = response.content.decode()
    assert response.status_code == 200 and "Someone else changed these details" in content and "A levels" in content
    learner.refresh_from_db()
    assert (learner.intended_destination, learner.considering_higher_education) == ("A levels", False)
    # Saving again (the form now carries the new version) deliberately keeps theirs.
    assert 'name="version" value="1"' in content or 'value="1"' in content
    assert client.post(url, {"intended_destination": "College", "version": "1"}).status_code == 302
    learner.refresh_from_db()
    assert learner.intended_destination == "College" and learner.careers_details_version == 2


def test_learner_page_and_export_show_the_planned_end_date_when_known(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    import datetime

    known = LearnerFactory.create(
        institution=cast.ashby, year_group=12, legal_last_name="Knownend", planned_end_date=datetime.date(2027, 7, 31)
    )
    unknown = LearnerFactory.create(institution=cast.ashby, year_group=12, legal_last_name="Unknownend")
    client = client_as("careers_leader")
    content = client.get(reverse("learners:detail", args=[known.pk])).content.decode()
    assert "Planned end date" in content and "31 July 2027" in content
    content = client.get(reverse("learners:detail", args=[unknown.pk])).content.decode()
    assert "Planned end date" in content and "Not recorded" in content
    lines = client.get(reverse("learners:export")).content.decode("utf-8-sig").splitlines()
    header = lines[0].split(",")
    column = header.index("Planned end date")
    cells = {line.split(",")[3]: line.split(",")[column] for line in lines[1:]}
    assert cells == {"Knownend": "31/07/2027", "Unknownend": ""}
