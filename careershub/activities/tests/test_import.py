from __future__ import annotations

import csv
import datetime
import io
import random
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from careershub.activities import imports, services
from careershub.activities.models import Activity, ActivityImport, ImportStatus, Participation
from careershub.audit.models import AuditAction, AuditEvent
from careershub.learners import mis
from careershub.learners.models import Learner
from careershub.learners.tests.factories import LearnerFactory, upn_for
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db

HEADERS = ["Date", "Activity type", "Title", "UPN", "Provider", "Provider type", "Delivery"]
TODAY = datetime.date(2026, 3, 2)


def csv_bytes(rows: list[list[Any]], headers: list[str] = HEADERS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list[Any]], headers: list[str] = HEADERS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def learners(cast: Cast, count: int, **kwargs: Any) -> list[Learner]:
    return [LearnerFactory.create(institution=cast.ashby, upn=upn_for(n), **kwargs) for n in range(count)]


def register(pupils: list[Learner]) -> list[list[Any]]:
    """Two activities: a talk for everyone, a fair for the first two."""
    rows: list[list[Any]] = [
        ["05/11/2025", "Employer talk", "Engineering talk", p.upn, "Trafford Engineering", "Employer", "In person"]
        for p in pupils
    ]
    rows += [["2026-01-20", "careers_fair", "Spring fair", p.upn, "", "", "virtual"] for p in pupils[:2]]
    return rows


def upload(cast: Cast, data: bytes, name: str = "register.csv") -> ActivityImport:
    return imports.import_upload(
        institution=cast.ashby, actor=cast.careers_leader, data=data, filename=name, today=TODAY
    )


def post_file(client: Any, data: bytes, name: str = "register.csv") -> Any:
    return client.post(reverse("activities:import"), {"file": SimpleUploadedFile(name, data)})


def test_csv_import_through_the_pages(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    pupils = learners(cast, 3)
    client = client_as("careers_leader")
    response = post_file(client, csv_bytes(register(pupils)))
    item = ActivityImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("activities:import-detail", args=[item.pk])
    assert (item.status, item.activities_new, item.new_count, item.already_count) == (ImportStatus.READY, 2, 5, 0)
    page = client.get(reverse("activities:import-detail", args=[item.pk])).content.decode()
    assert "Check what the import will record" in page and "Engineering talk" in page and "Spring fair" in page
    assert not Activity.objects.exists()  # the preview writes nothing else
    response = client.post(reverse("activities:import-confirm", args=[item.pk]))
    assert response.status_code == 302
    talk = Activity.objects.get(title="Engineering talk")
    fair = Activity.objects.get(title="Spring fair")
    assert (talk.date, talk.activity_type, talk.provider_name, talk.benchmarks) == (
        datetime.date(2025, 11, 5),
        "employer_talk",
        "Trafford Engineering",
        [5],
    )
    assert (fair.mode, fair.benchmarks, fair.created_by) == ("virtual", [5, 7], cast.careers_leader)
    assert set(talk.participants.all()) == set(pupils) and set(fair.participants.all()) == set(pupils[:2])
    item.refresh_from_db()
    assert item.status == ImportStatus.DONE and item.pairs == [] and item.new_count == 5
    event = AuditEvent.objects.get(action=AuditAction.IMPORT)
    assert event.changes and "Testfirst" not in str(event.changes) and "Testlast" not in str(event.changes)
    done = client.get(reverse("activities:import-detail", args=[item.pk])).content.decode()
    assert "Activities created" in done and "2 activities recorded, 5 participations added" in done


def test_xlsx_import_with_date_cells_and_ulns(cast: Cast) -> None:
    pupils = [LearnerFactory.create(institution=cast.ashby, upn="", uln=uln) for uln in ("9276308686", "1234567899")]
    rows = [[datetime.datetime(2025, 10, 1), "Workplace visit", "Visit to the docks", p.uln] for p in pupils]
    item = upload(cast, xlsx_bytes(rows, ["Date of activity", "Type", "Activity name", "Learner number"]), "a.xlsx")
    assert item.status == ImportStatus.READY, item.errors
    imports.import_confirm(activity_import=item, actor=cast.careers_leader)
    visit = Activity.objects.get()
    assert visit.date == datetime.date(2025, 10, 1) and set(visit.participants.all()) == set(pupils)


def test_rows_group_into_activities(cast: Cast) -> None:
    pupils = learners(cast, 4)
    rows = [
        ["05/11/2025", "Employer talk", "Engineering talk", pupils[0].upn, "Acme", "", ""],
        ["05/11/2025", "employer_talk", "engineering  TALK", pupils[1].upn, "ACME", "employer", "in person"],
        ["05/11/2025", "Employer talk", "Engineering talk", pupils[2].upn, "Acme", "", "Virtual"],  # delivery differs
        ["05/11/2025", "Employer talk", "Engineering talk", pupils[3].upn, "Other Ltd", "", ""],  # provider differs
        ["06/11/2025", "Employer talk", "Engineering talk", pupils[0].upn, "Acme", "", ""],  # date differs
        ["05/11/2025", "Mock interview", "Engineering talk", pupils[0].upn, "Acme", "", ""],  # type differs
    ]
    item = upload(cast, csv_bytes(rows))
    assert item.status == ImportStatus.READY, item.errors
    assert sorted(a["rows"] for a in item.activities) == [1, 1, 1, 1, 2]
    assert sorted(len(ids) for ids in item.pairs) == [1, 1, 1, 1, 2]


def test_reimport_changes_nothing_and_existing_activities_are_added_to(cast: Cast) -> None:
    pupils = learners(cast, 3)
    existing = services.activity_create(
        institution=cast.ashby,
        actor=cast.careers_leader,
        activity_type="employer_talk",
        title="Engineering Talk",
        date=datetime.date(2025, 11, 5),
        provider_name="Trafford Engineering",
    )
    services.participants_add(activity=existing, learners=pupils[:1], actor=cast.careers_leader)
    data = csv_bytes(register(pupils))
    first = upload(cast, data)
    assert (first.activities_new, first.activities_existing, first.new_count, first.already_count) == (1, 1, 4, 1)
    imports.import_confirm(activity_import=first, actor=cast.careers_leader)
    assert Activity.objects.count() == 2 and set(existing.participants.all()) == set(pupils)
    counts = (Activity.objects.count(), Participation.objects.count())
    again = upload(cast, data)
    assert (again.activities_new, again.activities_existing, again.new_count, again.already_count) == (0, 2, 0, 5)
    imports.import_confirm(activity_import=again, actor=cast.careers_leader)
    assert (Activity.objects.count(), Participation.objects.count()) == counts


def _error_cases(cast: Cast) -> list[tuple[list[Any], str, str]]:
    pupil = Learner.objects.get(upn=upn_for(0))
    brook = LearnerFactory.create(institution=cast.brook, upn=upn_for(7))
    good = ["05/11/2025", "Employer talk", "Talk", pupil.upn, "", "", ""]
    return [
        (["05/11/2025", "", "Talk", pupil.upn], "Activity type", "is missing"),
        (["05/11/2025", "Assembly", "Talk", pupil.upn], "Activity type", "'Assembly' is not a type of activity"),
        (["31/02/2025", "Employer talk", "Talk", pupil.upn], "Date", "'31/02/2025' is not a date"),
        (["", "Employer talk", "Talk", pupil.upn], "Date", "is missing"),
        (["05/11/2030", "Employer talk", "Talk", pupil.upn], "Date", "is in the future"),
        (["05/11/2025", "Employer talk", "  ", pupil.upn], "Title", "is missing"),
        (["05/11/2025", "Employer talk", "Talk", "A123"], "UPN", "A UPN has 13 characters"),
        (["05/11/2025", "Employer talk", "Talk", ""], "UPN", "is missing"),
        (["05/11/2025", "Employer talk", "Talk", upn_for(5)], "UPN", "is not a learner of Ashby High School"),
        (["05/11/2025", "Employer talk", "Talk", brook.upn], "UPN", "is not a learner of Ashby High School"),
        (good, "UPN", "is already in row 2 for the same activity"),
        (["05/11/2025", "Employer talk", "Talk", pupil.upn, "", "Charity", ""], "Provider type", "'Charity' is not"),
        (["05/11/2025", "Employer talk", "Talk", pupil.upn, "", "", "By post"], "Delivery", "'By post' is not"),
    ]


@pytest.mark.parametrize("case", range(13))
def test_each_error_names_row_and_field_and_blocks_the_file(cast: Cast, case: int) -> None:
    learners(cast, 1)
    cells, fld, reason = _error_cases(cast)[case]
    good = ["05/11/2025", "Employer talk", "Talk", upn_for(0), "", "", ""]
    item = upload(cast, csv_bytes([good, cells]))
    assert item.status == ImportStatus.REJECTED and item.pairs == []
    assert item.rejected_count == 1 and item.error_count == 1
    (error,) = item.errors
    assert error["row"] == 3 and error["field"] == fld and reason in error["reason"], error
    with pytest.raises(imports.ActivityImportError, match="Fix them and upload the file again"):
        imports.import_confirm(activity_import=item, actor=cast.careers_leader)
    assert not Activity.objects.exists() and not Participation.objects.exists()


def test_a_broken_file_is_shown_with_its_errors_and_cannot_be_confirmed(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    pupils = learners(cast, 2)
    rows = register(pupils) + [["05/11/2025", "Nonsense", "Talk", upn_for(9)]] * 3
    client = client_as("careers_leader")
    post_file(client, csv_bytes(rows))
    item = ActivityImport.objects.get()
    page = client.get(reverse("activities:import-detail", args=[item.pk])).content.decode()
    assert "The file has problems" in page and "Fix the rows listed below" in page and "Confirm and import" not in page
    assert "6 problems in 3 rows" in page
    response = client.post(reverse("activities:import-confirm", args=[item.pk]), follow=True)
    assert "Fix them and upload the file again" in response.content.decode()
    assert not Activity.objects.exists()


def test_errors_are_capped_but_counted(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "MAX_ERRORS", 3)
    item = upload(cast, csv_bytes([["05/11/2025", "Employer talk", "Talk", "bad"]] * 5))
    assert len(item.errors) == 3 and item.error_count == 5 and item.rejected_count == 5


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (csv_bytes([["05/11/2025", "Employer talk", '=HYPERLINK("x")', upn_for(0)]]), "holds a formula"),
        (xlsx_bytes([["05/11/2025", "Employer talk", "=1+1", upn_for(0)]]), "holds a formula"),
        (csv_bytes([["05/11/2025", "Talk", upn_for(0)]], ["Date", "Title", "UPN"]), "no Activity type column"),
        (csv_bytes([["05/11/2025", "Employer talk", "Talk"]], ["Date", "Type", "Title"]), "no UPN (or ULN) column"),
        (csv_bytes([], HEADERS), "no rows of data"),
        (b"%PDF-1.4 not a spreadsheet", "must be a CSV or an Excel"),
        (csv_bytes([["a", "b", "c", "d"]], ["Title", "Activity name", "Type", "UPN"]), "could both be the Title"),
    ],
)
def test_unusable_files_get_one_message_and_nothing_is_kept(client_as, cast: Cast, data: bytes, message: str) -> None:  # type: ignore[no-untyped-def]
    learners(cast, 1)
    response = post_file(client_as("careers_leader"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ActivityImport.objects.exists() and not Activity.objects.exists()


def test_row_limit_is_the_imports_own(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    assert imports.MAX_ROWS >= 100_000 > mis.MAX_ROWS
    monkeypatch.setattr(imports, "MAX_ROWS", 2)
    pupils = learners(cast, 3)
    with pytest.raises(mis.MisFileError, match="more than 2 rows of data"):
        upload(cast, csv_bytes(register(pupils)))


def test_learners_who_have_left_are_included(cast: Cast) -> None:
    (pupil,) = learners(cast, 1, left_on=datetime.date(2025, 8, 31))
    item = upload(cast, csv_bytes([["01/03/2025", "Work experience", "Placement", pupil.upn]], HEADERS[:4]))
    assert item.status == ImportStatus.READY and item.new_count == 1


def test_double_confirm_and_cancel_are_refused(cast: Cast) -> None:
    item = upload(cast, csv_bytes(register(learners(cast, 2))))
    imports.import_confirm(activity_import=item, actor=cast.careers_leader)
    with pytest.raises(imports.ActivityImportError, match="already been confirmed"):
        imports.import_confirm(activity_import=item, actor=cast.careers_leader)
    with pytest.raises(imports.ActivityImportError, match="already been confirmed"):
        imports.import_cancel(activity_import=item)
    assert Participation.objects.count() == 4


def test_cancel_changes_nothing(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    item = upload(cast, csv_bytes(register(learners(cast, 2))))
    client = client_as("careers_leader")
    response = client.post(reverse("activities:import-cancel", args=[item.pk]))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == ImportStatus.CANCELLED and item.pairs == []
    client.post(reverse("activities:import-confirm", args=[item.pk]))
    assert not Activity.objects.exists()


def test_confirm_checks_the_learners_again(cast: Cast) -> None:
    pupils = learners(cast, 2)
    item = upload(cast, csv_bytes(register(pupils)))
    pupils[1].delete()
    with pytest.raises(imports.ActivityImportError, match="no longer recorded"):
        imports.import_confirm(activity_import=item, actor=cast.careers_leader)
    assert not Activity.objects.exists()
    item.refresh_from_db()
    assert item.status == ImportStatus.READY


def test_confirm_refuses_when_an_activity_added_to_was_deleted(cast: Cast) -> None:
    pupils = learners(cast, 2)
    imports.import_confirm(activity_import=upload(cast, csv_bytes(register(pupils[:1]))), actor=cast.careers_leader)
    item = upload(cast, csv_bytes(register(pupils)))
    Activity.objects.filter(title="Spring fair").delete()
    with pytest.raises(imports.ActivityImportError, match="has been deleted"):
        imports.import_confirm(activity_import=item, actor=cast.careers_leader)


# Access ---------------------------------------------------------------------------------------------

LEADERS = {"careers_leader", "other_careers_leader"}


def _expected(persona: str, allowed: set[str], own: bool) -> int:
    if persona == "anonymous":
        return 302
    if persona not in allowed:
        return 403
    return 200 if own else 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_import_start_access(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    client = client_as(persona)
    assert client.get(reverse("activities:import")).status_code == _expected(persona, LEADERS, True)
    response = post_file(client, csv_bytes(register(learners(cast, 1))))
    # Brook's careers leader imports for Brook only, where Ashby's learners are unknown.
    assert response.status_code == (302 if persona in LEADERS else _expected(persona, LEADERS, True))
    assert ActivityImport.objects.filter(institution=cast.ashby).exists() == (persona == "careers_leader")
    if persona == "other_careers_leader":
        assert ActivityImport.objects.get(institution=cast.brook).status == ImportStatus.REJECTED


@pytest.mark.parametrize("persona", PERSONAS)
def test_import_pages_access(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    item = upload(cast, csv_bytes(register(learners(cast, 1))))
    client = client_as(persona)
    own = persona == "careers_leader"
    expected = _expected(persona, LEADERS, own)
    assert client.get(reverse("activities:import-detail", args=[item.pk])).status_code == expected
    posted = 302 if expected == 200 else expected
    assert client.post(reverse("activities:import-cancel", args=[item.pk])).status_code == posted
    assert client.post(reverse("activities:import-confirm", args=[item.pk])).status_code == posted
    item.refresh_from_db()
    assert item.status == (ImportStatus.CANCELLED if own else ImportStatus.READY)
    assert not Activity.objects.exists()


def test_list_links_to_the_import(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    page = client_as("careers_leader").get(reverse("activities:list")).content.decode()
    assert reverse("activities:import") in page and "Import activity records" in page
    assert (
        reverse("activities:import") not in client_as("senior_leader").get(reverse("activities:list")).content.decode()
    )


# Queries --------------------------------------------------------------------------------------------


def _queries(cast: Cast, pupils: list[Learner], count: int) -> tuple[int, int]:
    rows = [
        [f"{1 + n % 28:02d}/10/2025", "Employer talk", f"Talk {n % 3}", pupil.upn]
        for n in range(count)
        for pupil in pupils
    ]
    with CaptureQueriesContext(connection) as preview:
        item = upload(cast, csv_bytes(rows, HEADERS[:4]))
    assert item.status == ImportStatus.READY, item.errors[:3]
    with CaptureQueriesContext(connection) as confirm:
        imports.import_confirm(activity_import=item, actor=cast.careers_leader)
    Activity.objects.all().delete()
    return len(preview), len(confirm)


def test_queries_do_not_grow_with_rows(cast: Cast) -> None:
    pupils = learners(cast, 40)
    few = _queries(cast, pupils[:2], 3)
    many = _queries(cast, pupils, 3)
    assert few == many, (few, many)
    assert few[0] <= 5 and few[1] <= 10


# Grouping property ------------------------------------------------------------------------------

_ROW = st.tuples(
    st.sampled_from(["05/11/2025", "2025-11-06", "07/11/2025"]),
    st.sampled_from(["Employer talk", "employer_talk", "Careers fair", "Mock interview"]),
    st.sampled_from(["Talk", "Fair", "Interview day"]),
    st.integers(min_value=0, max_value=9),
    st.sampled_from(["", "Acme", "Beta Ltd"]),
    st.sampled_from(["", "In person", "virtual"]),
)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        _ROW, max_size=40, unique_by=lambda row: (row[0], row[1].lower()[:3], row[2], row[3], row[4], row[5])
    ),
    seed=st.integers(),
    text_cells=st.booleans(),
)
def test_grouping_does_not_depend_on_row_order(rows: list[tuple[Any, ...]], seed: int, text_cells: bool) -> None:
    by_upn = {upn_for(n): 100 + n for n in range(10)}
    columns = {"date": 0, "activity_type": 1, "title": 2, "upn": 3, "provider": 4, "mode": 5}

    def grouped(order: list[tuple[Any, ...]]) -> tuple[dict[Any, Any], set[tuple[Any, int]], int]:
        cells = [(n + 2, [d, t, title, upn_for(p), prov, mode]) for n, (d, t, title, p, prov, mode) in enumerate(order)]
        result = imports.group_rows(
            cells, columns, by_upn=by_upn, by_uln={}, institution_name="Ashby", today=TODAY, text_cells=text_cells
        )
        pairs = {(key, learner) for key, people in result.learners.items() for learner in people}
        return result.activities, pairs, len(result.errors)

    shuffled = list(rows)
    random.Random(seed).shuffle(shuffled)
    assert grouped(rows) == grouped(shuffled)


def test_meaningful_column_ticks_the_checklist_of_new_activities(cast: Cast) -> None:
    pupils = learners(cast, 3)
    existing = services.activity_create(
        institution=cast.ashby,
        actor=cast.careers_leader,
        activity_type="mock_interview",
        title="Mock interviews",
        date=datetime.date(2025, 12, 1),
    )
    headers = [*HEADERS, "Meaningful encounter"]
    rows = [["05/11/2025", "Employer talk", "Engineering talk", p.upn, "Acme", "", "", "Yes"] for p in pupils]
    rows += [["06/11/2025", "Work experience", "Placement", pupils[0].upn, "Acme", "", "", "y"]]
    rows += [["07/11/2025", "Workplace visit", "Docks visit", pupils[0].upn, "", "", "", "No"]]
    rows += [["08/11/2025", "Curriculum-linked careers lesson", "Maths careers", pupils[0].upn, "", "", "", "yes"]]
    rows += [["01/12/2025", "Mock interview", "Mock interviews", pupils[1].upn, "", "", "", "yes"]]
    item = upload(cast, csv_bytes(rows, headers))
    assert item.status == ImportStatus.READY, item.errors
    imports.import_confirm(activity_import=item, actor=cast.careers_leader)
    by_title = {activity.title: activity for activity in Activity.objects.all()}
    assert by_title["Engineering talk"].is_meaningful and by_title["Placement"].is_meaningful
    # The workplace items are ticked for the placement, not for the talk (an employer encounter).
    assert by_title["Placement"].task_set and not by_title["Engineering talk"].task_set
    assert not by_title["Docks visit"].is_meaningful and not by_title["Docks visit"].purpose_shared
    assert not by_title["Maths careers"].checklist()  # a careers lesson has no checklist
    existing.refresh_from_db()
    assert not existing.is_meaningful and existing.participants.get() == pupils[1]  # keeps its own checklist
    maybe = ["05/11/2025", "Employer talk", "Talk", pupils[0].upn, "", "", "", "maybe"]
    bad = upload(cast, csv_bytes([maybe], headers))
    assert bad.status == ImportStatus.REJECTED
    assert bad.errors == [{"row": 2, "field": "Meaningful", "reason": "'maybe' is not yes or no"}]
