from __future__ import annotations

import datetime
import hashlib

import pytest
from django.core.cache import cache
from django.utils import timezone

from careershub.audit.models import AuditAction, AuditEvent
from careershub.learners import extensions, mis, services
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


def test_a_later_mapping_is_merged_into_the_remembered_one(cast: Cast) -> None:
    """Headers of the new file win; those remembered from other files stay; who saved it is kept."""
    ColumnMapping.objects.create(institution=cast.ashby, columns={"pupilid": "uln", "regclass": "registration_group"})
    data = f"Pupil ID,Surname,Forename,Birthday,Yr\n{builders.upn_for(1)},Smith,Ann,01/02/2011,Y9\n".encode()
    upload = services.import_upload(
        institution=cast.ashby, actor=cast.careers_leader, data=data, filename="a.csv", full_import=False
    )
    mapping = {**upload.mapping, "Pupil ID": "upn", "Birthday": "date_of_birth", "Yr": "year_group"}
    services.import_set_mapping(learner_import=upload, mapping=mapping, actor=cast.careers_leader)
    remembered = ColumnMapping.objects.get(institution=cast.ashby)
    assert remembered.columns == {
        "regclass": "registration_group",
        **{mis.header_key(header): fld for header, fld in mapping.items() if fld},
    }
    assert remembered.columns["pupilid"] == "upn" and remembered.columns["yr"] == "year_group"
    assert remembered.updated_by == cast.careers_leader
    assert ColumnMapping.objects.count() == 1


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


# The preview's checked rows, kept for the apply ----------------------------------------------


def _count_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of rows of each file check (`services.check_rows`) from now on."""
    from django.core.cache import cache

    cache.clear()  # rows kept by other tests' imports (the same file and mapping) would be re-used
    checks: list[int] = []
    real = services.check_rows

    def counting(**kwargs):  # type: ignore[no-untyped-def]
        checked = real(**kwargs)
        checks.append(len(checked.rows))
        return checked

    monkeypatch.setattr(services, "check_rows", counting)
    return checks


def _preview(cast: Cast, data: bytes, mapping: dict[str, str] | None = None) -> LearnerImport:
    learner_import = services.import_upload(
        institution=cast.ashby, actor=cast.careers_leader, data=data, filename="a.csv", full_import=True
    )
    return services.import_set_mapping(
        learner_import=learner_import, mapping=mapping or learner_import.mapping, actor=cast.careers_leader
    )


def test_confirm_applies_the_rows_the_preview_checked_without_reading_the_file_again(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = _count_checks(monkeypatch)
    rows = builders.learner_rows(12)
    rows[3]["year"] = "Year 3"  # rejected
    rows[5]["upn"] = rows[6]["upn"]  # both rejected
    preview = _preview(cast, builders.csv_bytes(rows))
    assert checks == [12]
    extras = extensions.resolve(preview.institution)
    with preview.file.open("rb") as handle:
        sha256 = hashlib.sha256(handle.read()).hexdigest()
    key = services._checked_rows_key(preview, sha256, timezone.localdate(), extras)
    assert cache.get(key) is not None
    done = services.import_confirm(learner_import=preview, actor=cast.careers_leader)
    assert checks == [12]  # not checked again
    assert (done.status, done.new_count, done.rejected_count) == (ImportStatus.DONE, 9, 3)
    assert done.errors == preview.errors and [e["row"] for e in done.errors] == [5, 7, 8]
    assert sorted(Learner.objects.values_list("legal_last_name", flat=True)) == sorted(
        f"Pupil{n}" for n in range(12) if n not in (3, 5, 6)
    )
    assert cache.get(key) is None  # the kept rows (learners' personal data) are gone once applied


def test_a_file_changed_after_the_preview_is_checked_again_and_applied_as_it_now_is(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = _count_checks(monkeypatch)
    rows = builders.learner_rows(6)
    preview = _preview(cast, builders.csv_bytes(rows))
    rows[0]["reg"] = "10Z"
    with preview.file.open("wb") as handle:  # e.g. the stored file replaced behind our back
        handle.write(builders.csv_bytes(rows + builders.learner_rows(1, start=50)))
    done = services.import_confirm(learner_import=preview, actor=cast.careers_leader)
    assert checks == [6, 7]
    assert done.new_count == 7 and Learner.objects.get(upn=rows[0]["upn"]).registration_group == "10Z"


def test_a_changed_mapping_is_checked_again(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    checks = _count_checks(monkeypatch)
    data = builders.csv_bytes(builders.learner_rows(5))
    preview = _preview(cast, data)
    suggested = dict(preview.mapping)
    without_reg = {h: f for h, f in suggested.items() if f != "registration_group"}
    again = services.import_set_mapping(learner_import=preview, mapping=without_reg, actor=cast.careers_leader)
    assert again.status == ImportStatus.READY, again.error
    assert checks == [5, 5]
    # A mapping changed after the preview (not through import_set_mapping) is not the one checked.
    neither = {h: f for h, f in without_reg.items() if f != "eal"}
    LearnerImport.objects.filter(pk=again.pk).update(mapping=neither)
    done = services.import_confirm(learner_import=again, actor=cast.careers_leader)
    assert checks == [5, 5, 5] and done.new_count == 5
    assert set(Learner.objects.values_list("registration_group", "eal")) == {("", False)}


def test_rows_lost_from_the_cache_or_checked_on_another_day_are_checked_again(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.cache import cache

    checks = _count_checks(monkeypatch)
    first = _preview(cast, builders.csv_bytes(builders.learner_rows(4)))
    cache.clear()
    assert services.import_confirm(learner_import=first, actor=cast.careers_leader).new_count == 4
    second = _preview(cast, builders.csv_bytes(builders.learner_rows(3, start=10)))
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    monkeypatch.setattr(services.timezone, "localdate", lambda: tomorrow)
    assert services.import_confirm(learner_import=second, actor=cast.careers_leader).new_count == 3
    assert checks == [4, 4, 3, 3]


def test_the_apply_compares_kept_rows_with_the_learners_as_they_are_at_confirmation(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_import(cast, builders.csv_bytes(builders.learner_rows(3)))
    checks = _count_checks(monkeypatch)
    preview = _preview(cast, builders.csv_bytes(builders.learner_rows(3)))
    assert (preview.unchanged_count, preview.changed_count) == (3, 0)
    Learner.objects.filter(upn=builders.learner_rows(1)[0]["upn"]).update(registration_group="7Q")
    done = services.import_confirm(learner_import=preview, actor=cast.careers_leader)
    assert checks == [3] and (done.unchanged_count, done.changed_count) == (2, 1)
    assert Learner.objects.filter(registration_group="7Q").count() == 0


def test_new_learners_with_different_columns_are_all_written(cast: Cast) -> None:
    """`_insert_new` writes rows carrying different fields (one COPY for each set on PostgreSQL)."""
    from django.db import transaction

    rows = [
        {"upn": builders.upn_for(1), "legal_first_name": "A", "legal_last_name": "B", "year_group": 9},
        {"legal_last_name": "D", "upn": builders.upn_for(2), "legal_first_name": "C", "year_group": 8, "eal": True},
        {"upn": builders.upn_for(3), "legal_first_name": "E", "legal_last_name": "F", "year_group": 7},
    ]
    for row in rows:
        row["date_of_birth"] = datetime.date(2012, 1, 2)
    with transaction.atomic():
        keys = services._insert_new(cast.ashby, rows)
    stored = {x.pk: x for x in Learner.objects.filter(institution=cast.ashby)}
    assert list(keys) == [stored[k].pk for k in keys] and len(stored) == 3
    assert [(stored[k].upn, stored[k].legal_first_name, stored[k].year_group, stored[k].eal) for k in keys] == [
        (builders.upn_for(1), "A", 9, False),
        (builders.upn_for(2), "C", 8, True),
        (builders.upn_for(3), "E", 7, False),
    ]
    assert all(x.sen_status == "N" and x.left_on is None and x.created_at for x in stored.values())


def test_new_learners_text_is_stored_as_written_whatever_characters_it_holds(cast: Cast) -> None:
    """COPY's text format escapes backslashes, tabs and line breaks (`_copy_text`); bulk_create elsewhere."""
    from django.db import transaction

    names = ["O\\Brien", "Tab\there", "Two\nlines", "Car\rriage", "\\N", "Zoë Ñúñez", "=1+1"]
    rows = [
        {
            "upn": builders.upn_for(n),
            "legal_first_name": name,
            "legal_last_name": "Last",
            "date_of_birth": datetime.date(2012, 1, 2),
            "year_group": 9,
        }
        for n, name in enumerate(names, start=1)
    ]
    with transaction.atomic():
        keys = services._insert_new(cast.ashby, rows)
    stored = dict(Learner.objects.filter(pk__in=keys).values_list("pk", "legal_first_name"))
    assert [stored[k] for k in keys] == names


def test_copy_text_leaves_to_psycopg_what_it_does_not_write_itself() -> None:
    """Text holding a NUL, or a value of another type, makes `_copy_text` give up (write_row then)."""
    row = {"upn": "A", "year_group": 9, "date_of_birth": datetime.date(2012, 1, 2), "eal": True}
    now = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    assert services._copy_text([row, {**row, "upn": "B\\"}], (None, "", now)) == (
        "A\t9\t2012-01-02\tt\t\\N\t\t2026-01-02T03:04:05+00:00\n"
        "B\\\\\t9\t2012-01-02\tt\t\\N\t\t2026-01-02T03:04:05+00:00\n"
    )
    assert services._copy_text([{**row, "upn": "A\x00"}], ()) is None
    assert services._copy_text([{**row, "year_group": 9.5}], ()) is None
    assert services._copy_text([row], (datetime.datetime(2026, 1, 2),)) is None  # no time zone


def test_repeated_identifiers_reject_every_row_naming_them_in_the_order_they_first_appear() -> None:
    def row(number: int, upn: str, uln: str) -> mis.ParsedRow:
        return mis.ParsedRow(number=number, values={"upn": upn, "uln": uln}, errors=[])

    rows = [row(2, "U1", "L1"), row(3, "U2", "L1"), row(4, "U1", "L2"), row(5, "U3", "L2"), row(6, "U9", "L9")]
    rows += [row(7, "U8", "L9"), row(8, "U8", ""), row(9, "", ""), row(10, "U4", "L4")]
    services._reject_duplicates(rows)
    tail = ": the file does not say which is right"
    assert [r.errors for r in rows] == [
        [("UPN", f"U1 is also in row 4{tail}"), ("ULN", f"L1 is also in row 3{tail}")],
        [("ULN", f"L1 is also in row 2{tail}")],
        [("UPN", f"U1 is also in row 2{tail}"), ("ULN", f"L2 is also in row 5{tail}")],
        [("ULN", f"L2 is also in row 4{tail}")],
        [("ULN", f"L9 is also in row 7{tail}")],
        [("ULN", f"L9 is also in row 6{tail}"), ("UPN", f"U8 is also in row 8{tail}")],
        [("UPN", f"U8 is also in row 7{tail}")],
        [],
        [],
    ]


def test_the_garbage_collector_is_as_it_was_after_an_import(cast: Cast) -> None:
    import gc

    assert gc.isenabled()
    run_import(cast, builders.csv_bytes(builders.learner_rows(3)))
    assert gc.isenabled()
    gc.disable()
    try:
        run_import(cast, builders.csv_bytes(builders.learner_rows(3, start=5)))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_upn_with_a_non_ascii_digit_is_a_row_error_not_a_failure(cast: Cast) -> None:
    rows = builders.learner_rows(3)
    rows[1]["upn"] = rows[1]["upn"][:12] + "\u00b2"  # a superscript two, which str.isdigit() accepts
    preview = _preview(cast, builders.csv_bytes(rows))
    assert preview.status == ImportStatus.READY, preview.error
    assert [(e["row"], e["field"]) for e in preview.errors] == [(3, "UPN")]


def test_cancelling_forgets_the_rows_the_preview_kept(cast: Cast) -> None:
    preview = _preview(cast, builders.csv_bytes(builders.learner_rows(4)))
    extras = extensions.resolve(preview.institution)
    with preview.file.open("rb") as handle:
        sha256 = hashlib.sha256(handle.read()).hexdigest()
    key = services._checked_rows_key(preview, sha256, timezone.localdate(), extras)
    assert cache.get(key) is not None
    services.import_cancel(learner_import=preview)
    assert cache.get(key) is None


# Planned end dates (colleges' learners completing their programme, docs/adr/0011) ---------------


def with_planned_end(rows: list[dict[str, object]], cells: list[str], header: str = "LearnPlanEndDate") -> bytes:
    """A SIMS-layout file with a planned end date column (one cell per row)."""
    lines = builders.csv_bytes(rows).decode().splitlines()
    lines[0] += f",{header}"
    for index, cell in enumerate(cells, start=1):
        lines[index] += f",{cell}"
    return ("\n".join(lines) + "\n").encode()


def planned_ends(cast: Cast) -> dict[str, datetime.date | None]:
    return dict(Learner.objects.filter(institution=cast.ashby).values_list("upn", "planned_end_date"))


def test_planned_end_dates_are_imported_and_reimporting_them_changes_nothing(cast: Cast) -> None:
    rows = builders.learner_rows(4, year=12)
    data = with_planned_end(rows, ["31/07/2027", "2026-06-30", "", "17/07/2026"])
    done = run_import(cast, data)
    assert done.mapping["LearnPlanEndDate"] == "planned_end_date"
    assert (done.new_count, done.rejected_count) == (4, 0)
    upns = [row["upn"] for row in rows]
    assert planned_ends(cast) == {
        upns[0]: datetime.date(2027, 7, 31),
        upns[1]: datetime.date(2026, 6, 30),
        upns[2]: None,
        upns[3]: datetime.date(2026, 7, 17),
    }
    before = {(x.pk, x.updated_at) for x in Learner.objects.all()}
    again = run_import(cast, data)
    assert (again.new_count, again.changed_count, again.unchanged_count) == (0, 0, 4)
    assert {(x.pk, x.updated_at) for x in Learner.objects.all()} == before
    # A new planned end date (the course was extended) is a change, named in the preview.
    moved = with_planned_end(rows, ["31/07/2028", "2026-06-30", "", "17/07/2026"])
    learner_import = services.import_upload(
        institution=cast.ashby, actor=cast.careers_leader, data=moved, filename="m.csv", full_import=True
    )
    preview = services.import_set_mapping(
        learner_import=learner_import, mapping=learner_import.mapping, actor=cast.careers_leader
    )
    assert (preview.changed_count, preview.unchanged_count) == (1, 3)
    assert preview.samples["changed"][0]["fields"] == ["Planned end date"]
    services.import_confirm(learner_import=preview, actor=cast.careers_leader)
    assert planned_ends(cast)[upns[0]] == datetime.date(2028, 7, 31)


def test_a_file_without_planned_end_dates_leaves_them_alone(cast: Cast) -> None:
    rows = builders.learner_rows(3, year=13)
    run_import(cast, with_planned_end(rows, ["31/07/2027", "31/07/2027", "30/06/2027"]))
    before = planned_ends(cast)
    rows[0]["reg"] = "13Z"
    plain = run_import(cast, builders.csv_bytes(rows + builders.learner_rows(1, start=50, year=12)))
    assert (plain.new_count, plain.changed_count, plain.unchanged_count) == (1, 1, 2)
    after = planned_ends(cast)
    assert {upn: after[upn] for upn in before} == before  # kept, as other unmapped columns are
    assert after[builders.upn_for(50)] is None  # a new learner has none until a file says so
    # A blank cell in a mapped column clears the date, as it clears other optional columns.
    cleared = run_import(cast, with_planned_end(rows, ["", "31/07/2027", "30/06/2027"]), full=False)
    assert cleared.changed_count == 1 and planned_ends(cast)[rows[0]["upn"]] is None


def test_a_bad_planned_end_date_rejects_its_row_only(cast: Cast) -> None:
    rows = builders.learner_rows(3, year=12)
    done = run_import(cast, with_planned_end(rows, ["31/07/2027", "31/07/2099", "next summer"], "Planned end date"))
    assert (done.new_count, done.rejected_count) == (1, 2)
    assert [(e["row"], e["field"]) for e in done.errors] == [(3, "Planned end date"), (4, "Planned end date")]
    assert "not a plausible planned end date" in done.errors[0]["reason"]
    assert "'next summer' is not a date" in done.errors[1]["reason"]


def test_planned_end_dates_are_stored_the_same_whichever_way_new_learners_are_written(cast: Cast) -> None:
    """COPY on PostgreSQL, bulk_create elsewhere: the planned end date column as the ORM stores it."""
    rows = builders.learner_rows(6, year=12)
    data = with_planned_end(rows, ["31/07/2027", "", "2026-06-30", "", "01/08/2026", "31/07/2031"])
    mapping = run_import(cast, data).mapping
    table = mis.open_table(data)
    today = timezone.localdate()
    plan = services.plan_import(institution=cast.brook, table=table, mapping=mapping, full_import=True, today=today)
    Learner.objects.bulk_create([Learner(institution=cast.brook, **values) for values in plan.new])
    copied = Learner.objects.filter(institution=cast.ashby).order_by("upn").values_list("upn", "planned_end_date")
    created = Learner.objects.filter(institution=cast.brook).order_by("upn").values_list("upn", "planned_end_date")
    assert list(copied) == list(created)
    assert sum(1 for _upn, day in copied if day is None) == 2
