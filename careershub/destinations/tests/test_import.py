"""Destination imports: preview, confirm, atomic apply, row errors, scope and idempotence."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from careershub.destinations import services
from careershub.destinations.lafile import DestinationFileError
from careershub.destinations.models import ActivityRecord, ActivitySource, DestinationImport, ImportStatus, Leaver
from careershub.destinations.queries import import_learners_for
from careershub.destinations.tests.factories import LeaverFactory
from careershub.learners.models import Learner
from careershub.learners.tests.factories import LearnerFactory, upn_for
from careershub.organisations.models import Membership
from conftest import Cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def area(cast: Cast) -> dict[str, Learner]:
    """Two Trafford leavers (Ashby) and one Manchester leaver (Brook)."""
    left = datetime.date(2024, 7, 19)
    return {
        "amy": LearnerFactory.create(institution=cast.ashby, year_group=11, left_on=left, upn=upn_for(1)),
        "ben": LearnerFactory.create(
            institution=cast.ashby,
            year_group=13,
            left_on=left,
            upn=upn_for(2),
            uln="",
            date_of_birth=datetime.date(2006, 5, 1),
        ),
        "cal": LearnerFactory.create(institution=cast.brook, year_group=11, left_on=left, upn=upn_for(3)),
    }


def officer(cast: Cast) -> Membership:
    return Membership.objects.get(user=cast.participation_officer)


def upload(cast: Cast, text: str) -> DestinationImport:
    membership = officer(cast)
    return services.import_upload(
        organisation=membership.organisation,
        learners=import_learners_for(membership),
        data=text.encode(),
        filename="trafford.csv",
        actor=cast.participation_officer,
    )


def test_preview_changes_nothing_then_confirm_applies_and_reimport_changes_nothing(
    cast: Cast, area: dict[str, Learner]
) -> None:
    text = (
        f"UPN,Surname,Date,NCCIS code\n{area['amy'].upn},Smith,05/09/2024,230\n{area['ben'].upn},Jones,2024-08-15,310\n"
    )
    preview = upload(cast, text)
    assert (preview.new_count, preview.changed_count, preview.rejected_count) == (2, 0, 0)
    assert not ActivityRecord.objects.exists() and not Leaver.objects.exists()
    done = services.import_confirm(
        destination_import=preview,
        learners=import_learners_for(officer(cast)),
        actor=cast.participation_officer,
    )
    assert done.status == ImportStatus.DONE and done.new_count == 2
    amy = ActivityRecord.objects.get(leaver__learner=area["amy"])
    assert amy.code_id == "230" and amy.source == ActivitySource.LA_IMPORT
    assert Leaver.objects.get(learner=area["ben"]).stage == "y13"
    assert Leaver.objects.get(learner=area["amy"]).leaving_year == 2024
    before = list(ActivityRecord.objects.values_list("pk", "code_id", "destination_import_id"))
    again = upload(cast, text)
    assert (again.new_count, again.changed_count, again.unchanged_count) == (0, 0, 2)
    services.import_confirm(destination_import=again, learners=import_learners_for(officer(cast)))
    assert list(ActivityRecord.objects.values_list("pk", "code_id", "destination_import_id")) == before
    changed = upload(cast, f"UPN,Date,NCCIS code\n{area['amy'].upn},05/09/2024,619\n")
    assert changed.changed_count == 1


def test_rows_with_problems_name_the_row_and_field(cast: Cast, area: dict[str, Learner]) -> None:
    text = (
        "UPN,Date,NCCIS code\n"
        f"{area['amy'].upn},05/09/2024,999\n"  # 2: unknown code
        f"{area['amy'].upn},31/02/2024,230\n"  # 3: bad date
        f"{area['cal'].upn},05/09/2024,230\n"  # 4: another area's learner
        "A123,05/09/2024,230\n"  # 5: bad UPN
        f"{area['amy'].upn},05/09/2024,110\n"  # 6: pre-16 code
        f"{area['amy'].upn},01/01/2020,230\n"  # 7: before leaving
        f"{area['amy'].upn},06/09/2024,230\n"  # 8: fine
        f"{area['amy'].upn},06/09/2024,240\n"  # 9: repeats row 8
        f"{area['amy'].upn},06/09/2024,\n"  # 10: missing code
    )
    preview = upload(cast, text)
    errors = {(error["row"], error["field"]) for error in preview.errors}
    assert errors == {
        (2, "NCCIS code"),
        (3, "Date"),
        (4, "UPN"),
        (5, "UPN"),
        (6, "NCCIS code"),
        (7, "Date"),
        (9, "Date"),
        (10, "NCCIS code"),
    }
    assert preview.new_count == 1 and preview.rejected_count == 8
    reasons = " ".join(error["reason"] for error in preview.errors)
    assert "not a learner at an institution you import for" in reasons


def test_a_broken_file_changes_nothing(client_as, cast: Cast, area: dict[str, Learner]) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DestinationFileError):
        upload(cast, "Name,Date\nAmy,05/09/2024\n")
    with pytest.raises(DestinationFileError):
        upload(cast, f"UPN,Date,NCCIS code\n{area['amy'].upn},05/09/2024,=1+1\n")
    client = client_as("participation_officer")
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("destinations:import"), {"file": SimpleUploadedFile("x.csv", b"\x00\x01binary", "text/csv")}
    )
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert not ActivityRecord.objects.exists()
    assert not DestinationImport.objects.exists()


def test_confirm_is_all_or_nothing(cast: Cast, area: dict[str, Learner]) -> None:
    preview = upload(cast, f"UPN,Date,NCCIS code\n{area['amy'].upn},05/09/2024,230\n{area['ben'].upn},15/08/2024,230\n")
    # Between preview and confirm, Ben's school moves out of the area: nothing may be applied.
    assert preview.new_count == 2
    area["ben"].institution = cast.brook
    area["ben"].save()
    with pytest.raises(services.DestinationError):
        services.import_confirm(destination_import=preview, learners=import_learners_for(officer(cast)))
    assert not ActivityRecord.objects.exists() and not Leaver.objects.exists()
    preview.refresh_from_db()
    assert preview.status == ImportStatus.READY


def test_tracking_past_the_statutory_age_needs_consent(cast: Cast, area: dict[str, Learner]) -> None:
    ben = area["ben"]  # born May 2006: academic age 18 from September 2024
    leaver = LeaverFactory.create(learner=ben, stage="y13", leaving_year=2024)
    preview = upload(cast, f"UPN,Date,NCCIS code\n{ben.upn},05/10/2024,240\n")
    assert preview.rejected_count == 1 and "consent" in preview.errors[0]["reason"]
    leaver.tracking_consent = "given"
    leaver.save()
    assert upload(cast, f"UPN,Date,NCCIS code\n{ben.upn},05/10/2024,240\n").new_count == 1


def test_officer_imports_through_the_pages(client_as, cast: Cast, area: dict[str, Learner]) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_as("participation_officer")
    data = f"ULN,UPN,Date,NCCIS code\n,{area['amy'].upn},05/09/2024,230\n".encode()
    response = client.post(reverse("destinations:import"), {"file": SimpleUploadedFile("la.csv", data, "text/csv")})
    assert response.status_code == 302
    detail = client.get(response["Location"])
    assert "Check what the import will change" in detail.content.decode()
    pk = int(response["Location"].rstrip("/").split("/")[-1])
    assert client_as("careers_leader").post(reverse("destinations:import-confirm", args=[pk])).status_code == 404
    assert not ActivityRecord.objects.exists()
    client.post(reverse("destinations:import-confirm", args=[pk]))
    assert ActivityRecord.objects.get().leaver.learner == area["amy"]
    assert client.post(reverse("destinations:import-cancel", args=[pk])).status_code == 302
    assert ActivityRecord.objects.count() == 1


def test_a_careers_leader_imports_for_their_own_institution_only(
    client_as, cast: Cast, area: dict[str, Learner]
) -> None:  # type: ignore[no-untyped-def]
    membership = Membership.objects.get(user=cast.other_careers_leader)
    preview = services.import_upload(
        organisation=membership.organisation,
        learners=import_learners_for(membership),
        data=f"UPN,Date,NCCIS code\n{area['amy'].upn},05/09/2024,230\n{area['cal'].upn},05/09/2024,230\n".encode(),
        filename="brook.csv",
    )
    assert preview.new_count == 1 and [error["row"] for error in preview.errors] == [2]


def test_rows_may_carry_a_uln_instead_of_a_upn(cast: Cast) -> None:
    from careershub.learners.identifiers import uln_check_digit

    body = "412345678"
    uln = body + str(uln_check_digit(body))
    learner = LearnerFactory.create(
        institution=cast.ashby,
        year_group=13,
        left_on=datetime.date(2024, 7, 19),
        upn="",
        uln=uln,
        date_of_birth=datetime.date(2006, 11, 1),
    )
    preview = upload(cast, f"Unique Learner Number,Activity date,Activity code\n{uln},01/10/2024,310\n")
    assert preview.new_count == 1, preview.errors
    services.import_confirm(destination_import=preview, learners=import_learners_for(officer(cast)))
    assert ActivityRecord.objects.get().leaver.learner == learner
