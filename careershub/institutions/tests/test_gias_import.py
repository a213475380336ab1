"""Applying GIAS files to the database: upserts by URN, real files, audit, the command, the task."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django_tasks import TaskResultStatus

from careershub.audit.models import AuditAction, AuditEvent
from careershub.geography.tests.factories import LocalAuthorityFactory
from careershub.institutions import gias, services
from careershub.institutions.models import (
    EstablishmentStatus,
    GiasImport,
    GiasImportStatus,
    Institution,
    InstitutionKind,
)
from careershub.institutions.tests.factories import InstitutionFactory
from careershub.organisations.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def schools_file(name: str) -> Path:
    path = Path(settings.SHARED_DATA_DIR) / "schools" / name
    if not path.parent.exists():
        pytest.skip(f"the shared schools data folder is absent ({path.parent})")
    return path


def run_import(data: bytes, filename: str = "edubasealldata.csv", actor: Any = None) -> GiasImport:
    """Upload, confirm and run an import as the pages do (the test task backend runs at once)."""
    gias_import = services.gias_import_prepare(data=data, filename=filename, actor=actor, organisation=None)
    services.gias_import_confirm(gias_import=gias_import, actor=actor, background=False)
    return services.gias_import_run(gias_import_id=gias_import.pk).gias_import


def counts(gias_import: GiasImport) -> tuple[int | None, ...]:
    return (
        gias_import.created_count,
        gias_import.updated_count,
        gias_import.unchanged_count,
        gias_import.rejected_count,
    )


def snapshot() -> list[Any]:
    return list(Institution.objects.order_by("urn").values())


FULL = (
    "URN,LA (code),LA (name),EstablishmentName,TypeOfEstablishment (code),TypeOfEstablishment (name),"
    "EstablishmentTypeGroup (name),EstablishmentStatus (name),OpenDate,CloseDate,PhaseOfEducation (name),"
    "StatutoryLowAge,StatutoryHighAge,NumberOfPupils,PercentageFSM,UKPRN,Street,Town,Postcode,Easting,Northing\n"
    "100000,358,Trafford,Sale High School,34,Academy converter,Academies,Open,01-09-2011,,Secondary,"
    "11,16,1020,12.5,10012345,Norris Road,Sale,M33 3JR,377300,392100\n"
    "100001,358,Trafford,Brookside PRU,14,Pupil referral unit,Local authority maintained schools,Open,"
    "01-09-2005,,Not applicable,11,16,40,55.0,,Church Road,Urmston,M41 9EJ,,\n"
    "100002,358,Trafford,Old School,1,Community school,Local authority maintained schools,Closed,"
    "01-09-1960,31-08-2001,Secondary,11,16,,,,,Sale,M33 1AA,,\n"
)


# Upserts --------------------------------------------------------------------------------------


def test_a_full_file_creates_then_a_second_run_changes_nothing() -> None:
    trafford = LocalAuthorityFactory.create(dfe_code="358", name="Trafford")
    first = run_import(FULL.encode())
    assert first.status == GiasImportStatus.DONE
    assert counts(first) == (3, 0, 0, 0)
    sale = Institution.objects.get(urn=100000)
    assert sale.name == "Sale High School"
    assert sale.kind == InstitutionKind.MAINSTREAM_SCHOOL
    assert sale.local_authority == trafford
    assert (sale.la_code, sale.la_name) == ("358", "Trafford")
    assert sale.type_code == "34"
    assert sale.percent_fsm == Decimal("12.5")
    assert sale.postcode_compact == "M333JR"
    assert sale.latitude == pytest.approx(53.42, abs=0.01)
    assert sale.longitude == pytest.approx(-2.34, abs=0.01)
    assert sale.gias_imported_at is not None
    assert Institution.objects.get(urn=100001).kind == InstitutionKind.ALTERNATIVE_PROVISION
    old = Institution.objects.get(urn=100002)
    assert (old.status, old.closed_on) == (EstablishmentStatus.CLOSED, datetime.date(2001, 8, 31))

    before = snapshot()
    second = run_import(FULL.encode())
    assert counts(second) == (0, 0, 3, 0)
    assert snapshot() == before  # gias_imported_at included: unchanged rows are not touched


def test_changes_are_reported_and_applied() -> None:
    run_import(FULL.encode())
    changed = FULL.replace("Sale High School", "Sale High").replace(",12.5,", ",13.0,")
    gias_import = services.gias_import_prepare(data=changed.encode(), filename="x.csv", actor=None, organisation=None)
    assert (gias_import.preview_new, gias_import.preview_changed, gias_import.preview_unchanged) == (0, 1, 2)
    [sample] = gias_import.sample_changes
    assert sample["urn"] == 100000
    assert sample["changes"] == [
        {"field": "Name", "before": "Sale High School", "after": "Sale High"},
        {"field": "% eligible for free school meals", "before": "12.5", "after": "13.0"},
    ]
    assert Institution.objects.get(urn=100000).name == "Sale High School"  # a preview changes nothing
    services.gias_import_confirm(gias_import=gias_import, actor=None, background=False)
    done = services.gias_import_run(gias_import_id=gias_import.pk).gias_import
    assert counts(done) == (0, 1, 2, 0)
    assert Institution.objects.get(urn=100000).name == "Sale High"


def test_a_thin_file_updates_only_its_own_columns() -> None:
    run_import(FULL.encode())
    thin = (
        "urn,name,town,postcode,lead_school,open_date,close_date\n"
        "100000,Sale High School,Sale,M33 3JR,false,01-09-2011,\n"
    )
    gias_import = run_import(thin.encode(), "schools.csv")
    assert counts(gias_import) == (0, 0, 1, 0)
    sale = Institution.objects.get(urn=100000)
    assert sale.phase == "Secondary"
    assert sale.percent_fsm == Decimal("12.5")
    assert sale.kind == InstitutionKind.MAINSTREAM_SCHOOL
    assert sale.ukprn == "10012345"
    assert sale.latitude is not None


def test_a_present_but_blank_column_is_authoritative() -> None:
    run_import(FULL.encode())
    reopened = FULL.replace("Closed,01-09-1960,31-08-2001", "Open,01-09-1960,")
    run_import(reopened.encode())
    old = Institution.objects.get(urn=100002)
    assert (old.status, old.closed_on) == (EstablishmentStatus.OPEN, None)


def test_new_urns_need_a_name_column() -> None:
    InstitutionFactory.create(urn=100000, percent_fsm=Decimal("1.0"))
    gias_import = run_import(b"URN,PercentageFSM\n100000,22.2\n123456,5\n")
    assert counts(gias_import) == (0, 1, 0, 1)
    assert gias_import.rejections[0]["reason"] == (
        "URN 123456 is not in the database yet, and the file has no name column to add it with"
    )
    assert Institution.objects.get(urn=100000).percent_fsm == Decimal("22.2")
    assert not Institution.objects.filter(urn=123456).exists()


def test_rejected_rows_are_left_out_and_listed_with_line_numbers() -> None:
    text = FULL + "ABC,358,Trafford,Bad,1,Community school,x,Open,31-02-2010,,Secondary,11,16,,,,,,,,\n"
    gias_import = run_import(text.encode())
    assert counts(gias_import) == (3, 0, 0, 1)
    assert [(r["line"], r["field"], r["reason"]) for r in gias_import.rejections] == [
        (5, "URN", "URN 'ABC' is not a number"),
        (5, "OpenDate", "OpenDate '31-02-2010' is not a date"),
    ]


def test_the_local_authority_is_linked_when_known_and_codes_are_always_kept() -> None:
    run_import(FULL.replace(",358,Trafford,", ",999,Nowhere,").encode())
    sale = Institution.objects.get(urn=100000)
    assert sale.local_authority is None
    assert (sale.la_code, sale.la_name) == ("999", "Nowhere")
    nowhere = LocalAuthorityFactory.create(dfe_code="999", name="Nowhere")
    gias_import = run_import(FULL.replace(",358,Trafford,", ",999,Nowhere,").encode())
    assert gias_import.updated_count == 3
    assert Institution.objects.get(urn=100000).local_authority == nowhere


def test_kind_from_a_type_group_does_not_undo_a_precise_type() -> None:
    """Trafford's extract gives only the group: a PRU stays AP, a primary academy stays other."""
    run_import(FULL.encode())
    trafford_style = (
        "unique_reference_number,name,local_authority_code,type,lowest_admission_age,highest_admission_age\n"
        "100001,Brookside PRU,358,Local authority maintained schools,11,16\n"
        "100000,Sale High School,358,Academies,11,16\n"
    )
    run_import(trafford_style.encode(), "trafford.csv")
    assert Institution.objects.get(urn=100001).kind == InstitutionKind.ALTERNATIVE_PROVISION
    assert Institution.objects.get(urn=100000).kind == InstitutionKind.MAINSTREAM_SCHOOL


def test_a_derived_phase_fills_only_a_blank_phase() -> None:
    run_import(FULL.encode())
    InstitutionFactory.create(urn=100009, phase="")
    trafford_style = (
        "unique_reference_number,name,type,lowest_admission_age,highest_admission_age\n"
        "100001,Brookside PRU,Local authority maintained schools,11,16\n"
        "100009,Test Academy,Academies,4,11\n"
    )
    run_import(trafford_style.encode())
    assert Institution.objects.get(urn=100001).phase == "Not applicable"
    blank = Institution.objects.get(urn=100009)
    assert blank.phase == "Primary"
    assert blank.kind == InstitutionKind.OTHER  # a primary school


def test_windows_1252_and_utf8_bom_files_store_the_same_names() -> None:
    text = "URN,EstablishmentName\n100001,St Mary’s Café Académie\n"
    run_import(text.encode("cp1252"))
    assert Institution.objects.get(urn=100001).name == "St Mary’s Café Académie"
    gias_import = run_import(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert counts(gias_import) == (0, 0, 1, 0)


def test_organisation_links_and_other_fields_are_kept() -> None:
    institution = InstitutionFactory.create(urn=100000, name="Old name", website="https://keep.example")
    run_import(FULL.encode())
    institution.refresh_from_db()
    assert institution.name == "Sale High School"
    assert institution.website == "https://keep.example"


# Broken files -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"%PDF-1.4\n...",
        b"PK\x03\x04rest-of-a-zip",
        b"URN,Name\n100001,A\x00B\n",
        b"URN,EstablishmentName\n",
        b"EstablishmentName,Town\nA,B\n",
        b"hello world",
    ],
    ids=["empty", "pdf", "zip", "nul", "header-only", "no-urn", "not-csv"],
)
def test_a_broken_file_changes_nothing(data: bytes) -> None:
    InstitutionFactory.create(urn=100000)
    before = snapshot()
    with pytest.raises(gias.GiasFileError):
        services.gias_import_prepare(data=data, filename="broken.csv", actor=None, organisation=None)
    assert snapshot() == before
    assert not GiasImport.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_stored_file_that_turns_out_broken_fails_the_import_and_changes_nothing() -> None:
    InstitutionFactory.create(urn=100000)
    gias_import = services.gias_import_prepare(data=FULL.encode(), filename="f.csv", actor=None, organisation=None)
    default_storage.delete(gias_import.file.name)
    with default_storage.open(gias_import.file.name, "wb") as handle:
        handle.write(b"%PDF-1.4")
    before = snapshot()
    services.gias_import_confirm(gias_import=gias_import, actor=None, background=False)
    failed = services.gias_import_run(gias_import_id=gias_import.pk).gias_import
    assert failed.status == GiasImportStatus.FAILED
    assert failed.error == "The file is a PDF document, not a CSV file."
    assert snapshot() == before
    assert not AuditEvent.objects.exists()


def test_an_error_while_writing_rolls_everything_back(monkeypatch: pytest.MonkeyPatch) -> None:
    run_import(FULL.encode())
    before = snapshot()

    def explode(gias_import: GiasImport, plan: services.ImportPlan) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "_finish", explode)
    changed = FULL.replace("Sale High School", "Renamed").replace("100002,", "100003,")
    gias_import = services.gias_import_prepare(data=changed.encode(), filename="x.csv", actor=None, organisation=None)
    services.gias_import_confirm(gias_import=gias_import, actor=None, background=False)
    with pytest.raises(RuntimeError):
        services.gias_import_run(gias_import_id=gias_import.pk)
    gias_import.refresh_from_db()
    assert gias_import.status == GiasImportStatus.FAILED
    assert "nothing was changed" in gias_import.error
    assert snapshot() == before
    assert AuditEvent.objects.filter(action=AuditAction.IMPORT).count() == 1  # the first import's only


# Audit and the record ---------------------------------------------------------------------------


def test_one_audit_event_per_import_with_the_counts() -> None:
    admin = UserFactory.create(email="admin@national.example")
    gias_import = run_import(FULL.encode(), "edubasealldata20250109.csv", actor=admin)
    [event] = AuditEvent.objects.all()
    assert event.action == AuditAction.IMPORT
    assert event.actor == admin
    assert event.object_type == "institutions.GiasImport"
    assert event.object_id == str(gias_import.pk)
    assert event.object_label == "GIAS import of edubasealldata20250109.csv"
    assert event.changes["created"] == [None, 3]
    assert event.changes["rejected"] == [None, 0]
    assert event.changes["rows"] == [None, 3]


def test_the_record_keeps_the_file_and_what_it_held() -> None:
    admin = UserFactory.create(email="admin@national.example")
    gias_import = services.gias_import_prepare(
        data=FULL.encode(), filename="C:\\Users\\me\\edubasealldata.csv", actor=admin, organisation=None
    )
    assert gias_import.original_name == "edubasealldata.csv"
    assert gias_import.file.name.startswith("gias_imports/")
    assert gias_import.file.name != "edubasealldata.csv"
    with gias_import.file.open("rb") as handle:
        assert handle.read() == FULL.encode()
    assert gias_import.size_bytes == len(FULL.encode())
    assert len(gias_import.sha256) == 64
    assert gias_import.created_by == admin
    assert gias_import.columns["URN"] == "URN"
    assert gias_import.columns["Easting"] == "Easting (converted to latitude and longitude)"
    assert gias_import.row_count == 3


def test_confirming_twice_or_after_cancelling_is_refused() -> None:
    gias_import = services.gias_import_prepare(data=FULL.encode(), filename="f.csv", actor=None, organisation=None)
    services.gias_import_confirm(gias_import=gias_import, actor=None, background=False)
    with pytest.raises(services.GiasImportError, match="already been confirmed"):
        services.gias_import_confirm(gias_import=gias_import, actor=None, background=False)
    other = services.gias_import_prepare(data=FULL.encode(), filename="f.csv", actor=None, organisation=None)
    name = other.file.name
    services.gias_import_cancel(gias_import=other, actor=None)
    assert other.status == GiasImportStatus.CANCELLED
    assert not default_storage.exists(name)
    with pytest.raises(services.GiasImportError):
        services.gias_import_confirm(gias_import=other, actor=None)


def test_running_twice_applies_once() -> None:
    gias_import = services.gias_import_prepare(data=FULL.encode(), filename="f.csv", actor=None, organisation=None)
    services.gias_import_confirm(gias_import=gias_import, actor=None, background=False)
    services.gias_import_run(gias_import_id=gias_import.pk)
    again = services.gias_import_run(gias_import_id=gias_import.pk)
    assert again.gias_import.status == GiasImportStatus.DONE
    assert AuditEvent.objects.count() == 1


def test_the_same_file_done_before_is_found() -> None:
    first = run_import(FULL.encode())
    second = services.gias_import_prepare(data=FULL.encode(), filename="f.csv", actor=None, organisation=None)
    assert services.gias_import_same_file(gias_import=second) == first


# The background task ----------------------------------------------------------------------------


def test_confirming_queues_the_task_which_runs_after_commit(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    gias_import = services.gias_import_prepare(data=FULL.encode(), filename="f.csv", actor=None, organisation=None)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.gias_import_confirm(gias_import=gias_import, actor=None)
        assert Institution.objects.count() == 0  # not before the commit
    assert len(callbacks) == 1
    gias_import.refresh_from_db()
    assert gias_import.status == GiasImportStatus.DONE
    assert gias_import.task_id
    assert Institution.objects.count() == 3


@pytest.mark.django_db(transaction=True)  # db_worker closes the connection: no wrapping test transaction
@override_settings(TASKS=DATABASE_TASKS)
def test_the_database_queue_runs_the_import_through_db_worker() -> None:
    from django_tasks_db.models import DBTaskResult

    gias_import = services.gias_import_prepare(data=FULL.encode(), filename="f.csv", actor=None, organisation=None)
    services.gias_import_confirm(gias_import=gias_import, actor=None)
    gias_import.refresh_from_db()
    assert gias_import.status == GiasImportStatus.QUEUED
    assert DBTaskResult.objects.get(id=gias_import.task_id).status == TaskResultStatus.READY

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    gias_import.refresh_from_db()
    assert gias_import.status == GiasImportStatus.DONE
    assert counts(gias_import) == (3, 0, 0, 0)
    result = DBTaskResult.objects.get(id=gias_import.task_id)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert isinstance(result.return_value, dict)
    assert result.return_value["created"] == 3


@override_settings(TASKS=DATABASE_TASKS)
def test_a_task_that_failed_without_saying_so_shows_as_failed() -> None:
    from django_tasks_db.models import DBTaskResult

    from careershub.institutions.tasks import run_gias_import

    gias_import = services.gias_import_prepare(data=FULL.encode(), filename="f.csv", actor=None, organisation=None)
    services.gias_import_confirm(gias_import=gias_import, actor=None, background=False)
    result = run_gias_import.enqueue(gias_import_id=gias_import.pk)
    GiasImport.objects.filter(pk=gias_import.pk).update(task_id=result.id)
    DBTaskResult.objects.filter(id=result.id).update(status=TaskResultStatus.FAILED)
    gias_import.refresh_from_db()
    refreshed = services.gias_import_refresh(gias_import=gias_import)
    assert refreshed.status == GiasImportStatus.FAILED
    assert refreshed.error == "The background task failed, so nothing was changed."


def test_a_queue_that_cannot_take_the_task_fails_the_import(monkeypatch: pytest.MonkeyPatch) -> None:
    from careershub.institutions.tasks import run_gias_import

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("queue down")

    monkeypatch.setattr(type(run_gias_import), "enqueue", refuse)
    gias_import = services.gias_import_prepare(data=FULL.encode(), filename="f.csv", actor=None, organisation=None)
    services._enqueue(gias_import.pk)
    gias_import.refresh_from_db()
    assert gias_import.status == GiasImportStatus.FAILED
    assert gias_import.error == "The import could not be queued, so nothing was changed. Try again later."


# The real files ---------------------------------------------------------------------------------


def test_real_trafford_extract_imports_and_reimports_unchanged() -> None:
    LocalAuthorityFactory.create(dfe_code="358", name="Trafford")
    data = schools_file("gias_trafford_open_schools_20240926.csv").read_bytes()
    first = run_import(data, "trafford.csv")
    assert counts(first) == (103, 0, 0, 0)
    vianney = Institution.objects.get(urn=106167)
    assert vianney.kind == InstitutionKind.SPECIAL_SCHOOL
    assert vianney.phase == "All-through"
    assert vianney.la_name == "Trafford"  # from the linked authority: the file has only the code
    assert vianney.local_authority is not None
    kinds = dict.fromkeys(InstitutionKind, 0)
    for kind in Institution.objects.values_list("kind", flat=True):
        kinds[InstitutionKind(kind)] += 1
    assert kinds[InstitutionKind.SPECIAL_SCHOOL] == 6
    assert kinds[InstitutionKind.COLLEGE] == 1
    assert kinds[InstitutionKind.MAINSTREAM_SCHOOL] > 20
    assert counts(run_import(data, "trafford.csv")) == (0, 0, 103, 0)


def test_real_edubase_2017_subset_imports_and_reimports_unchanged() -> None:
    data = schools_file("edubase_2017_07_subset_unmatched_postcodes.csv").read_bytes()
    first = run_import(data, "edubase_2017.csv")
    assert counts(first) == (6022, 0, 0, 0)
    assert first.empty_rows == 1
    kinds = {kind: Institution.objects.filter(kind=kind).count() for kind in InstitutionKind}
    assert kinds[InstitutionKind.ALTERNATIVE_PROVISION] == 64 + 17 + 12 + 6  # PRUs, AP free schools, AP academies
    assert kinds[InstitutionKind.SPECIAL_SCHOOL] == 177 + 124 + 44 + 17 + 11 + 11 + 8
    assert kinds[InstitutionKind.COLLEGE] == 10 + 4
    assert Institution.objects.filter(status=EstablishmentStatus.OPEN_PROPOSED_TO_CLOSE).count() == 143
    assert counts(run_import(data, "edubase_2017.csv")) == (0, 0, 6022, 0)


def test_real_basic_2022_list_imports_and_does_not_blank_richer_fields() -> None:
    rich = InstitutionFactory.create(urn=100000, phase="Primary", percent_fsm=Decimal("10.2"), ukprn="10079319")
    data = schools_file("gias_england_all_establishments_basic_2022.csv").read_bytes()
    assert counts(run_import(data, "schools.csv")) == (49_513, 1, 0, 0)
    rich.refresh_from_db()
    assert rich.name == "The Aldgate School"
    assert (rich.phase, rich.percent_fsm, rich.ukprn) == ("Primary", Decimal("10.2"), "10079319")
    assert rich.kind == InstitutionKind.MAINSTREAM_SCHOOL
    assert Institution.objects.get(urn=100004).status == EstablishmentStatus.CLOSED
    assert counts(run_import(data, "schools.csv")) == (0, 0, 49_514, 0)


# The command ------------------------------------------------------------------------------------


def test_command_imports_and_prints_the_summary_and_rejected_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "edubasealldata.csv"
    path.write_bytes((FULL + "ABC,358,Trafford,Bad,1,x,x,Open,31-02-2010,,x,1,2,,,,,,,,\n").encode("cp1252"))
    call_command("import_gias", str(path))
    out = capsys.readouterr().out
    assert "edubasealldata.csv: 4 rows, UTF-8." in out  # plain ASCII reads as UTF-8
    assert "Result: 3 new, 0 changed, 0 unchanged, 1 rejected." in out
    assert "  line 5: URN 'ABC' is not a number" in out
    assert "  line 5: OpenDate '31-02-2010' is not a date" in out
    assert Institution.objects.count() == 3
    gias_import = GiasImport.objects.get()
    assert gias_import.status == GiasImportStatus.DONE
    assert gias_import.created_by_label == "System"
    assert AuditEvent.objects.get().actor_label == "System"

    call_command("import_gias", str(path))
    assert "Result: 0 new, 0 changed, 3 unchanged, 1 rejected." in capsys.readouterr().out


def test_command_dry_run_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "edubasealldata.csv"
    path.write_bytes(FULL.encode())
    call_command("import_gias", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "Would be: 3 new, 0 changed, 0 unchanged, 0 rejected." in out
    assert "Dry run: nothing was changed" in out
    assert not Institution.objects.exists()
    assert not GiasImport.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"%PDF-1.5 binary", "The file is a PDF document, not a CSV file."),
        (b"Name,Town\nA,B\n", "no URN column"),
    ],
)
def test_command_fails_on_a_broken_file(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message.replace(".", r"\.")) as raised:
        call_command("import_gias", str(path))
    assert str(raised.value).startswith("broken.csv: ")
    assert not Institution.objects.exists()
    assert not GiasImport.objects.exists()


def test_command_fails_on_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_gias", str(tmp_path / "nope.csv"))
