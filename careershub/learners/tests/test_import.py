from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from careershub.audit.models import AuditAction, AuditEvent
from careershub.learners import mis, services
from careershub.learners.models import ColumnMapping, ImportStatus, Learner, LearnerImport
from careershub.learners.tests import builders
from careershub.learners.tests.factories import LearnerFactory
from conftest import Cast

pytestmark = pytest.mark.django_db


def run_import(cast: Cast, data: bytes, *, full: bool = True, name: str = "students.csv") -> LearnerImport:
    learner_import = services.import_upload(
        institution=cast.ashby, actor=cast.careers_leader, data=data, filename=name, full_import=full
    )
    learner_import = services.import_set_mapping(
        learner_import=learner_import, mapping=learner_import.mapping, actor=cast.careers_leader
    )
    assert learner_import.status == ImportStatus.READY, learner_import.error
    return services.import_confirm(learner_import=learner_import, actor=cast.careers_leader)


def test_first_import_creates_and_reimport_changes_nothing(cast: Cast) -> None:
    data = builders.csv_bytes(builders.learner_rows(30))
    done = run_import(cast, data)
    assert (done.status, done.new_count, done.applied) == (ImportStatus.DONE, 30, True)
    assert Learner.objects.filter(institution=cast.ashby).count() == 30
    before = {(x.pk, x.updated_at) for x in Learner.objects.all()}
    again = run_import(cast, data)
    assert (again.new_count, again.changed_count, again.unchanged_count, again.leaving_count) == (0, 0, 30, 0)
    assert {(x.pk, x.updated_at) for x in Learner.objects.all()} == before
    event = AuditEvent.objects.filter(action=AuditAction.IMPORT).first()
    assert event is not None and event.organisation == cast.ashby.organisation
    assert event.changes["new"] == [None, 0]


def test_preview_counts_new_changed_unchanged_leaving_and_then_applies(cast: Cast) -> None:
    run_import(cast, builders.csv_bytes(builders.learner_rows(10)))
    rows = builders.learner_rows(8)  # learners 8 and 9 leave
    rows[0]["reg"] = "10Z"  # changed
    rows += builders.learner_rows(2, start=100)  # new
    learner_import = services.import_upload(
        institution=cast.ashby,
        actor=cast.careers_leader,
        data=builders.csv_bytes(rows),
        filename="b.csv",
        full_import=True,
    )
    preview = services.import_set_mapping(
        learner_import=learner_import, mapping=learner_import.mapping, actor=cast.careers_leader
    )
    assert (preview.new_count, preview.changed_count, preview.unchanged_count, preview.leaving_count) == (2, 1, 7, 2)
    assert preview.samples["changed"][0]["fields"] == ["Registration group"]
    assert Learner.objects.count() == 10  # nothing changed yet
    services.import_confirm(learner_import=preview, actor=cast.careers_leader)
    assert Learner.objects.count() == 12  # nobody deleted
    assert Learner.objects.filter(left_on=timezone.localdate()).count() == 2
    assert Learner.objects.get(upn=builders.upn_for(0)).registration_group == "10Z"
    # A learner who comes back is on roll again.
    back = run_import(cast, builders.csv_bytes(builders.learner_rows(10)), full=False)
    assert back.changed_count >= 2 and Learner.objects.on_roll().count() == 12


def test_partial_import_marks_nobody_as_left(cast: Cast) -> None:
    run_import(cast, builders.csv_bytes(builders.learner_rows(5)))
    partial = run_import(cast, builders.csv_bytes(builders.learner_rows(1)), full=False)
    assert partial.leaving_count == 0 and Learner.objects.on_roll().count() == 5


def test_rejected_rows_are_reported_and_keep_their_learner_on_roll(cast: Cast) -> None:
    run_import(cast, builders.csv_bytes(builders.learner_rows(3)))
    rows = builders.learner_rows(3)
    rows[1]["dob"] = "not a date"
    rows.append(dict(rows[2], first="Twin"))  # duplicate UPN: both rows rejected
    done = run_import(cast, builders.csv_bytes(rows))
    assert done.rejected_count == 3 and done.leaving_count == 0 and done.unchanged_count == 1
    assert {(e["row"], e["field"]) for e in done.errors} == {(3, "Date of birth"), (4, "UPN"), (5, "UPN")}
    assert "also in row 5" in next(e["reason"] for e in done.errors if e["row"] == 4)


def test_other_institutions_learners_are_untouched(cast: Cast) -> None:
    theirs = LearnerFactory.create(institution=cast.brook, upn=builders.upn_for(0))
    run_import(cast, builders.csv_bytes(builders.learner_rows(2)))
    theirs.refresh_from_db()
    assert theirs.left_on is None and theirs.legal_first_name.startswith("Testfirst")
    assert Learner.objects.filter(institution=cast.ashby).count() == 2


def test_mapping_is_remembered_for_the_institution(cast: Cast) -> None:
    headers = "Pupil ID,Surname,Forename,Birthday,Yr\n"
    data = (headers + f"{builders.upn_for(1)},Smith,Ann,01/02/2011,Y9\n").encode()
    first = services.import_upload(
        institution=cast.ashby, actor=cast.careers_leader, data=data, filename="a.csv", full_import=False
    )
    assert "Pupil ID" not in first.mapping
    mapping = {**first.mapping, "Pupil ID": "upn", "Birthday": "date_of_birth", "Yr": "year_group"}
    services.import_set_mapping(learner_import=first, mapping=mapping, actor=cast.careers_leader)
    assert ColumnMapping.objects.get(institution=cast.ashby).columns["pupilid"] == "upn"
    second = services.import_upload(
        institution=cast.ashby, actor=cast.careers_leader, data=data, filename="a.csv", full_import=False
    )
    assert second.mapping == mapping


def test_incomplete_mapping_is_refused(cast: Cast) -> None:
    learner_import = services.import_upload(
        institution=cast.ashby,
        actor=cast.careers_leader,
        data=builders.csv_bytes(builders.learner_rows(1)),
        filename="a.csv",
        full_import=True,
    )
    with pytest.raises(services.LearnerImportError, match="UPN"):
        services.import_set_mapping(
            learner_import=learner_import, mapping={"Legal Surname": "legal_last_name"}, actor=None
        )


def test_an_empty_full_import_fails_and_marks_nobody_as_left(cast: Cast) -> None:
    LearnerFactory.create_batch(3, institution=cast.ashby)
    data = builders.csv_bytes([]) + b",,,\n" * 100_000
    learner_import = services.import_upload(
        institution=cast.ashby, actor=cast.careers_leader, data=data, filename="a.csv", full_import=True
    )
    checked = services.import_set_mapping(
        learner_import=learner_import, mapping=learner_import.mapping, actor=cast.careers_leader
    )
    assert checked.status == ImportStatus.FAILED and "no learners" in checked.error
    assert Learner.objects.on_roll().count() == 3


def test_large_files_run_as_background_tasks_with_progress(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "BACKGROUND_BYTES", 100)
    monkeypatch.setattr(services, "PROGRESS_EVERY", 10)
    seen: list[int] = []
    real = services._progress_writer

    def spy(pk: int):  # type: ignore[no-untyped-def]
        write = real(pk)

        def wrapped(done: int) -> None:
            seen.append(done)
            write(done)

        return wrapped

    monkeypatch.setattr(services, "_progress_writer", spy)
    done = run_import(cast, builders.xlsx_from_learners(builders.learner_rows(50)), name="big.xlsx")
    assert done.status == ImportStatus.DONE and done.new_count == 50 and done.progress_percent == 100
    assert seen == [10, 20, 30, 40, 50] * 2  # checked, then applied


def test_apply_is_atomic(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    LearnerFactory.create(institution=cast.ashby)
    learner_import = services.import_upload(
        institution=cast.ashby,
        actor=cast.careers_leader,
        data=builders.csv_bytes(builders.learner_rows(5)),
        filename="a.csv",
        full_import=True,
    )
    ready = services.import_set_mapping(
        learner_import=learner_import, mapping=learner_import.mapping, actor=cast.careers_leader
    )

    def boom(**kwargs: object) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(services, "record", boom)
    with pytest.raises(RuntimeError):
        services.import_confirm(learner_import=ready, actor=cast.careers_leader)
    assert Learner.objects.count() == 1 and Learner.objects.on_roll().count() == 1
    ready.refresh_from_db()
    assert ready.status == ImportStatus.FAILED and "Nothing was changed" in ready.error


def test_retention_deletes_only_long_departed_learners(cast: Cast, settings) -> None:  # type: ignore[no-untyped-def]
    settings.LEARNER_RETENTION_DAYS = 30
    today = datetime.date(2026, 3, 1)
    old = LearnerFactory.create(institution=cast.ashby, left_on=today - datetime.timedelta(days=31))
    recent = LearnerFactory.create(institution=cast.ashby, left_on=today - datetime.timedelta(days=29))
    here = LearnerFactory.create(institution=cast.ashby)
    assert services.learners_delete_departed(today=today) == 1
    assert set(Learner.objects.values_list("pk", flat=True)) == {recent.pk, here.pk}
    assert not Learner.objects.filter(pk=old.pk).exists()
    event = AuditEvent.objects.get(action=AuditAction.DELETE)
    assert event.changes["learners_deleted"] == [None, 1]


def test_retention_task_and_command(cast: Cast) -> None:
    from django.core.management import call_command

    from careershub.learners.tasks import delete_departed_learners

    LearnerFactory.create(institution=cast.ashby, left_on=datetime.date(2000, 1, 1))
    result = delete_departed_learners.enqueue()
    assert result.return_value == {"deleted": 1}
    LearnerFactory.create(institution=cast.ashby, left_on=datetime.date(2000, 1, 1))
    call_command("delete_departed_learners")
    assert Learner.objects.count() == 0


def test_open_table_is_what_upload_uses(cast: Cast) -> None:
    with pytest.raises(mis.MisFileError):
        services.import_upload(institution=cast.ashby, actor=None, data=b"%PDF-1.7", filename="x.pdf", full_import=True)
    assert LearnerImport.objects.count() == 0


def test_new_learners_are_stored_the_same_whichever_way_they_are_written(cast: Cast) -> None:
    """On PostgreSQL new learners are written with COPY: every column as bulk_create stores it."""
    from django.db import connection

    data = builders.csv_bytes(builders.learner_rows(40))
    mapping = run_import(cast, data).mapping
    copied = Learner.objects.filter(institution=cast.ashby)
    table = mis.open_table(data)
    plan = services.plan_import(
        institution=cast.brook, table=table, mapping=mapping, full_import=True, today=timezone.localdate()
    )
    Learner.objects.bulk_create([Learner(institution=cast.brook, **values) for values in plan.new])
    fields = [f.attname for f in Learner._meta.concrete_fields if f.attname not in {"id", "institution_id"}]
    fields = [f for f in fields if f not in {"created_at", "updated_at"}]
    assert connection.vendor in {"postgresql", "sqlite"}
    assert list(copied.order_by("upn").values_list(*fields)) == list(
        Learner.objects.filter(institution=cast.brook).order_by("upn").values_list(*fields)
    )
    assert all(x.created_at and x.updated_at for x in copied)
