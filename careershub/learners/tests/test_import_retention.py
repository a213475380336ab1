"""What the learner MIS import keeps and for how long (issue 5: pupil data, retention rules).

The uploaded file (every learner's names, date of birth, SEN, FSM...) is deleted from storage as
soon as the import no longer needs it; a stalled check can be cancelled; the daily retention task
cancels imports left unconfirmed, sweeps files left by finished imports and clears names and row
problems after a while, keeping the counts.
"""

from __future__ import annotations

import datetime
import hashlib
import io
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from careershub.audit.models import AuditAction, AuditEvent
from careershub.institutions.tests.factories import InstitutionWithOrganisationFactory
from careershub.learners import extensions, services
from careershub.learners.models import ImportStatus, Learner, LearnerImport
from careershub.learners.tests import builders
from careershub.learners.tests.factories import LearnerFactory
from conftest import PERSONAS, Cast
from tests.test_settings import manage

pytestmark = pytest.mark.django_db


def uploaded(cast: Cast, data: bytes | None = None, **kwargs: Any) -> LearnerImport:
    return services.import_upload(
        institution=kwargs.pop("institution", cast.ashby),
        actor=cast.careers_leader,
        data=data if data is not None else builders.csv_bytes(builders.learner_rows(5)),
        filename="students.csv",
        full_import=kwargs.pop("full_import", True),
    )


def previewed(cast: Cast, data: bytes | None = None, **kwargs: Any) -> LearnerImport:
    upload = uploaded(cast, data, **kwargs)
    preview = services.import_set_mapping(learner_import=upload, mapping=upload.mapping, actor=cast.careers_leader)
    assert preview.status == ImportStatus.READY, preview.error
    return preview


def stored(learner_import: LearnerImport) -> str:
    """The storage path of the import's file, which exists now."""
    name = str(learner_import.file.name)
    assert name and default_storage.exists(name)
    return name


def kept_rows_key(learner_import: LearnerImport) -> str:
    with learner_import.file.open("rb") as handle:
        sha256 = hashlib.sha256(handle.read()).hexdigest()
    extras = extensions.resolve(learner_import.institution)
    return services._checked_rows_key(learner_import, sha256, timezone.localdate(), extras)


def text(page: str) -> str:
    return " ".join(page.split())


def assert_forgotten(learner_import: LearnerImport, path: str) -> None:
    learner_import.refresh_from_db()
    assert not learner_import.file and not default_storage.exists(path)


# The file is deleted once not needed --------------------------------------------------------------


def test_applying_deletes_the_file_and_the_names_keeping_the_counts(cast: Cast) -> None:
    rows = builders.learner_rows(6)
    rows[2]["year"] = "Year 3"  # rejected: its error stays on the result page for a while
    preview = previewed(cast, builders.csv_bytes(rows))
    path, key = stored(preview), kept_rows_key(preview)
    assert preview.samples["new"] and cache.get(key) is not None
    done = services.import_confirm(learner_import=preview, actor=cast.careers_leader)
    assert done.status == ImportStatus.DONE
    assert_forgotten(done, path)
    assert cache.get(key) is None
    assert (done.new_count, done.rejected_count, done.original_name) == (5, 1, "students.csv")
    assert "new" not in done.samples and [e["row"] for e in done.errors] == [4]
    assert done.details_cleared_at is None


def test_a_background_apply_deletes_the_file_too(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "BACKGROUND_BYTES", 100)
    preview = previewed(cast)  # checked by the (immediate) background task
    path = stored(preview)
    done = services.import_confirm(learner_import=preview, actor=cast.careers_leader)
    assert done.status == ImportStatus.DONE and done.new_count == 5
    assert_forgotten(done, path)


def test_reimporting_the_same_file_after_the_first_was_applied_changes_nothing(cast: Cast) -> None:
    data = builders.csv_bytes(builders.learner_rows(8))
    first = previewed(cast, data)
    first_path = stored(first)
    services.import_confirm(learner_import=first, actor=cast.careers_leader)
    before = {(x.pk, x.updated_at) for x in Learner.objects.all()}
    again = previewed(cast, data)
    second_path = stored(again)
    assert second_path != first_path and not default_storage.exists(first_path)
    assert (again.new_count, again.changed_count, again.unchanged_count, again.leaving_count) == (0, 0, 8, 0)
    done = services.import_confirm(learner_import=again, actor=cast.careers_leader)
    assert (done.status, done.unchanged_count, done.new_count) == (ImportStatus.DONE, 8, 0)
    assert {(x.pk, x.updated_at) for x in Learner.objects.all()} == before
    assert_forgotten(done, second_path)


@pytest.mark.parametrize("status", [ImportStatus.MAPPING, ImportStatus.READY])
def test_cancelling_deletes_the_file_the_kept_rows_and_the_names(cast: Cast, status: str) -> None:
    item = uploaded(cast) if status == ImportStatus.MAPPING else previewed(cast)
    path = stored(item)
    key = kept_rows_key(item)
    assert (cache.get(key) is not None) == (status == ImportStatus.READY)
    cancelled = services.import_cancel(learner_import=item)
    assert cancelled.status == ImportStatus.CANCELLED and cache.get(key) is None
    assert_forgotten(cancelled, path)
    assert cancelled.samples == {} and cancelled.errors == [] and cancelled.details_cleared_at is not None
    with pytest.raises(services.LearnerImportError, match="can no longer be cancelled"):
        services.import_cancel(learner_import=cancelled)


def test_a_failed_check_deletes_the_file(cast: Cast) -> None:
    LearnerFactory.create_batch(2, institution=cast.ashby)
    upload = uploaded(cast, builders.csv_bytes([]))  # a full list of nobody: refused
    path = stored(upload)
    failed = services.import_set_mapping(learner_import=upload, mapping=upload.mapping, actor=cast.careers_leader)
    assert failed.status == ImportStatus.FAILED and "no learners" in failed.error
    assert_forgotten(failed, path)
    assert Learner.objects.on_roll().count() == 2


def test_a_failed_apply_deletes_the_file(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    preview = previewed(cast)
    path = stored(preview)

    def boom(**kwargs: object) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(services, "record", boom)
    with pytest.raises(RuntimeError):
        services.import_confirm(learner_import=preview, actor=cast.careers_leader)
    preview.refresh_from_db()
    assert preview.status == ImportStatus.FAILED and not Learner.objects.exists()
    assert_forgotten(preview, path)


def test_a_file_storage_refuses_to_delete_is_kept_for_the_retention_task(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    preview = previewed(cast)
    path = stored(preview)

    def refuse(name: str) -> None:
        raise OSError("storage unavailable")

    with monkeypatch.context() as patched:
        storage = type(default_storage._wrapped)  # type: ignore[attr-defined]  # set up by `stored`
        patched.setattr(storage, "delete", lambda self, name: refuse(name))
        done = services.import_confirm(learner_import=preview, actor=cast.careers_leader)
    assert done.status == ImportStatus.DONE
    done.refresh_from_db()
    assert done.file.name == path and default_storage.exists(path)
    assert services.imports_expire()["files_deleted"] == 1
    assert_forgotten(done, path)


# A stalled check ------------------------------------------------------------------------------------


def stuck(item: LearnerImport, status: str, clock: str, minutes_ago: int) -> LearnerImport:
    """`item` put in `status`, with its `clock` field (when that stage began) `minutes_ago`."""
    LearnerImport.objects.filter(pk=item.pk).update(
        status=status, **{clock: timezone.now() - datetime.timedelta(minutes=minutes_ago)}
    )
    item.refresh_from_db()
    return item


def checking(cast: Cast, *, minutes_ago: int) -> LearnerImport:
    """An import whose background check began `minutes_ago` and has not finished."""
    return stuck(uploaded(cast), ImportStatus.CHECKING, "check_started_at", minutes_ago)


def test_a_check_can_be_cancelled_only_once_it_has_stalled(cast: Cast) -> None:
    recent = checking(cast, minutes_ago=5)
    with pytest.raises(services.LearnerImportError, match="still being checked"):
        services.import_cancel(learner_import=recent)
    assert LearnerImport.objects.get(pk=recent.pk).status == ImportStatus.CHECKING
    # The check began when the mapping was confirmed, not at the upload an hour before.
    LearnerImport.objects.filter(pk=recent.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    recent.refresh_from_db()
    assert not recent.check_stalled() and not recent.running_long
    stalled = checking(cast, minutes_ago=16)
    path = stored(stalled)
    assert stalled.check_stalled() and stalled.running_long
    cancelled = services.import_cancel(learner_import=stalled)
    assert cancelled.status == ImportStatus.CANCELLED
    assert_forgotten(cancelled, path)


def test_confirming_the_mapping_records_when_the_check_began(cast: Cast) -> None:
    before = timezone.now()
    preview = previewed(cast)
    assert preview.check_started_at is not None and preview.check_started_at >= before


def test_a_check_that_finishes_after_it_was_cancelled_keeps_nothing(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload = uploaded(cast)
    path = stored(upload)
    key = kept_rows_key(upload)
    real = services.plan_checked

    def cancelled_meanwhile(**kwargs: Any) -> services.Plan:
        # The page offered Cancel (the worker seemed stalled) and the careers leader took it.
        later = timezone.now() + datetime.timedelta(minutes=20)
        services.import_cancel(learner_import=LearnerImport.objects.get(pk=upload.pk), now=later)
        return real(**kwargs)

    monkeypatch.setattr(services, "plan_checked", cancelled_meanwhile)
    result = services.import_set_mapping(learner_import=upload, mapping=upload.mapping, actor=cast.careers_leader)
    assert result.status == ImportStatus.CANCELLED
    upload.refresh_from_db()
    assert (upload.status, upload.new_count, upload.samples) == (ImportStatus.CANCELLED, 0, {})
    assert cache.get(key) is None  # the rows this check kept are dropped too
    assert_forgotten(upload, path)
    assert services.import_check(learner_import_id=upload.pk).status == ImportStatus.CANCELLED  # a late task


def test_a_check_whose_file_was_deleted_by_a_cancellation_stays_cancelled(cast: Cast) -> None:
    upload = checking(cast, minutes_ago=20)
    in_worker = LearnerImport.objects.get(pk=upload.pk)  # the worker loaded it before the cancellation
    services.import_cancel(learner_import=upload)
    result = services._check(in_worker, report_progress=False, extras=None)
    assert result.status == ImportStatus.CANCELLED and not result.error


def test_a_check_whose_file_is_lost_fails_with_a_message(cast: Cast) -> None:
    upload = checking(cast, minutes_ago=1)
    default_storage.delete(upload.file.name)
    result = services._check(upload, report_progress=False, extras=None)
    assert result.status == ImportStatus.FAILED and "upload it again" in result.error


# The stalled check's Cancel button -----------------------------------------------------------------


def detail_status(persona: str) -> int:
    """An import page's answer to each persona: its institution's leaders see it, others not."""
    if persona == "other_careers_leader":
        return 404
    return {"anonymous": 302, "careers_leader": 200, "senior_leader": 200}.get(persona, 403)


def stalled_page(client_as: Any, persona: str, stalled: LearnerImport, forms: tuple[str, ...]) -> tuple[Any, int]:
    """The persona's client and the stalled import page's answer to it (`detail_status`). Where
    the page is shown, it says the worker may have stopped, and only the careers leader gets
    `forms` (the stalled import's buttons)."""
    client = client_as(persona)
    page = client.get(reverse("learners:import-detail", args=[stalled.pk]))
    expected = detail_status(persona)
    assert page.status_code == expected
    if expected == 200:
        content = page.content.decode()
        assert "background worker may not be running" in content
        for form in forms:
            assert (form in content) == (persona == "careers_leader")
    return client, expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_stalled_check_is_cancelled_by_the_careers_leader_only(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    stalled = checking(cast, minutes_ago=16)
    path = stored(stalled)
    client, expected = stalled_page(client_as, persona, stalled, ('id="import-stalled-cancel"',))
    response = client.post(reverse("learners:import-cancel", args=[stalled.pk]))
    stalled.refresh_from_db()
    if persona == "careers_leader":
        assert response.status_code == 302 and response["Location"] == reverse("learners:import")
        assert stalled.status == ImportStatus.CANCELLED
        assert_forgotten(stalled, path)
    else:
        assert response.status_code == (expected if expected != 200 else 403)
        assert stalled.status == ImportStatus.CHECKING and default_storage.exists(path)


def test_a_check_under_way_shows_no_cancel_and_refuses_one(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    recent = checking(cast, minutes_ago=2)
    client = client_as("careers_leader")
    url = reverse("learners:import-detail", args=[recent.pk])
    assert "import-stalled-cancel" not in client.get(url).content.decode()
    response = client.post(reverse("learners:import-cancel", args=[recent.pk]), follow=True)
    assert "still being checked" in response.content.decode()
    assert LearnerImport.objects.get(pk=recent.pk).status == ImportStatus.CHECKING


# The stalled apply: tried again or cancelled ----------------------------------------------------


def applying(cast: Cast, *, minutes_ago: int) -> LearnerImport:
    """A confirmed background import whose apply (queued `minutes_ago`) has not finished."""
    return stuck(previewed(cast), ImportStatus.APPLYING, "confirmed_at", minutes_ago)


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_stalled_apply_is_tried_again_by_the_careers_leader_only(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    stalled = applying(cast, minutes_ago=20)
    path = stored(stalled)
    forms = ('id="import-stalled-retry"', 'id="import-stalled-cancel"')
    client, expected = stalled_page(client_as, persona, stalled, forms)
    response = client.post(reverse("learners:import-retry", args=[stalled.pk]))
    stalled.refresh_from_db()
    if persona == "careers_leader":  # tasks run at once in tests: tried again, it is applied
        assert response.status_code == 302
        assert stalled.status == ImportStatus.DONE and stalled.new_count == 5
        assert Learner.objects.filter(institution=cast.ashby).count() == 5
        assert_forgotten(stalled, path)
    else:
        assert response.status_code == (expected if expected != 200 else 403)
        assert stalled.status == ImportStatus.APPLYING and default_storage.exists(path)
        assert not Learner.objects.exists()


def test_a_stalled_apply_is_cancelled_and_its_file_deleted(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    stalled = applying(cast, minutes_ago=16)
    path = stored(stalled)
    response = client_as("careers_leader").post(reverse("learners:import-cancel", args=[stalled.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("learners:import")
    assert LearnerImport.objects.get(pk=stalled.pk).status == ImportStatus.CANCELLED
    assert_forgotten(stalled, path)
    # The worker that stalled comes back: it finds the import cancelled and writes nothing.
    assert services.import_apply(learner_import_id=stalled.pk).status == ImportStatus.CANCELLED
    assert not Learner.objects.exists()


def test_an_apply_under_way_is_neither_tried_again_nor_cancelled(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    recent = applying(cast, minutes_ago=3)
    client = client_as("careers_leader")
    page = text(client.get(reverse("learners:import-detail", args=[recent.pk])).content.decode())
    assert "Importing learners" in page and "import-stalled" not in page
    assert "If the import stops and is neither tried again nor cancelled, it is cancelled on" in page
    with pytest.raises(services.LearnerImportError, match="15 minutes after the import was confirmed"):
        services.import_retry(learner_import=recent)
    with pytest.raises(services.LearnerImportError, match="can no longer be cancelled"):
        services.import_cancel(learner_import=recent)
    assert (
        "15 minutes after"
        in client.post(reverse("learners:import-retry", args=[recent.pk]), follow=True).content.decode()
    )
    assert LearnerImport.objects.get(pk=recent.pk).status == ImportStatus.APPLYING
    with pytest.raises(services.LearnerImportError, match="no longer being imported"):
        services.import_retry(learner_import=previewed(cast))


def test_an_apply_cancelled_while_it_read_the_file_writes_nothing(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    stalled = applying(cast, minutes_ago=20)
    planned = services.plan_checked

    def cancelled_meanwhile(**kwargs: Any) -> Any:
        plan = planned(**kwargs)  # the worker has read and checked the file; now the leader cancels
        services.import_cancel(learner_import=LearnerImport.objects.get(pk=stalled.pk))
        return plan

    monkeypatch.setattr(services, "plan_checked", cancelled_meanwhile)
    result = services.import_apply(learner_import_id=stalled.pk)
    assert (result.status, result.error, result.applied) == (ImportStatus.CANCELLED, "", False)
    assert not Learner.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.IMPORT).exists()


def test_retention_cancels_an_apply_stalled_for_the_unconfirmed_days(cast: Cast, settings) -> None:  # type: ignore[no-untyped-def]
    settings.IMPORT_UNCONFIRMED_DAYS = 7
    old = applying(cast, minutes_ago=8 * 24 * 60)
    path = stored(old)
    recent = applying(cast, minutes_ago=6 * 24 * 60)
    assert services.imports_expire()["imports_cancelled"] == 1
    assert LearnerImport.objects.get(pk=old.pk).status == ImportStatus.CANCELLED
    assert_forgotten(old, path)
    assert LearnerImport.objects.get(pk=recent.pk).status == ImportStatus.APPLYING
    assert recent.confirmed_at is not None
    assert recent.applying_until == recent.confirmed_at + datetime.timedelta(days=7)


def test_the_cancel_needs_a_post_with_its_csrf_token(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    stalled = checking(cast, minutes_ago=16)
    url = reverse("learners:import-cancel", args=[stalled.pk])
    assert client_as("careers_leader").get(url).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(cast.careers_leader)
    assert strict.post(url).status_code == 403
    assert LearnerImport.objects.get(pk=stalled.pk).status == ImportStatus.CHECKING


# What the pages say is kept ---------------------------------------------------------------------------


def test_the_pages_say_what_is_kept_and_for_how_long(client_as, cast: Cast, settings) -> None:  # type: ignore[no-untyped-def]
    settings.IMPORT_UNCONFIRMED_DAYS = 5
    settings.IMPORT_DETAILS_DAYS = 40
    client = client_as("careers_leader")
    start = client.get(reverse("learners:import")).content.decode()
    start = text(start)
    assert "The file is deleted as soon as it has been imported" in start
    assert "not confirmed within 5 days" in start and "cleared 40 days after it finished" in start
    preview = previewed(cast)
    page = client.get(reverse("learners:import-detail", args=[preview.pk])).content.decode()
    assert preview.check_started_at is not None
    until = timezone.localtime(preview.check_started_at + datetime.timedelta(days=5))
    assert f"If it is not confirmed by {until:%-d %B %Y}, it is cancelled and the file deleted." in text(page)
    done = services.import_confirm(learner_import=preview, actor=cast.careers_leader)
    page = client.get(reverse("learners:import-detail", args=[done.pk])).content.decode()
    assert done.finished_at is not None
    cleared_on = timezone.localtime(done.finished_at + datetime.timedelta(days=40))
    assert "The file has been deleted." in text(page)
    assert f"The names and rows with problems shown here are cleared on {cleared_on:%-d %B %Y}." in text(page)
    services.imports_expire(now=timezone.now() + datetime.timedelta(days=41))
    page = client.get(reverse("learners:import-detail", args=[done.pk])).content.decode()
    assert "The names and rows with problems were cleared on" in text(page)


# The daily retention task ---------------------------------------------------------------------------


def aged(item: LearnerImport, **fields: Any) -> LearnerImport:
    LearnerImport.objects.filter(pk=item.pk).update(**fields)
    item.refresh_from_db()
    return item


def test_retention_cut_offs_and_idempotence(cast: Cast, settings) -> None:  # type: ignore[no-untyped-def]
    settings.IMPORT_UNCONFIRMED_DAYS = 7
    settings.IMPORT_DETAILS_DAYS = 30
    now = timezone.now() + datetime.timedelta(days=100)
    ago = lambda days, hours=0: now - datetime.timedelta(days=days, hours=hours)  # noqa: E731
    rows = builders.learner_rows(4)
    rows[1]["year"] = "Year 3"
    data = builders.csv_bytes(rows)
    old_mapping = aged(uploaded(cast), created_at=ago(7, 1))
    new_mapping = aged(uploaded(cast), created_at=ago(6, 23))
    old_ready = aged(previewed(cast), created_at=ago(20), check_started_at=ago(7, 1))
    rechecked = aged(previewed(cast), created_at=ago(20), check_started_at=ago(6, 23))  # checked again lately
    stuck = aged(uploaded(cast), status=ImportStatus.CHECKING, created_at=ago(9), check_started_at=ago(8))
    stalled = aged(uploaded(cast), status=ImportStatus.APPLYING, created_at=ago(9), confirmed_at=ago(7, 1))
    applying = aged(uploaded(cast), status=ImportStatus.APPLYING, created_at=ago(9), confirmed_at=ago(6, 23))
    old_done = previewed(cast, data)
    services.import_confirm(learner_import=old_done, actor=cast.careers_leader)
    old_done = aged(old_done, finished_at=ago(30, 1))
    recent_done = previewed(cast, data)
    services.import_confirm(learner_import=recent_done, actor=cast.careers_leader)
    recent_done = aged(recent_done, finished_at=ago(29, 23))
    # Finished before files were deleted at once (existing data): its file and names are still kept.
    legacy = aged(uploaded(cast), status=ImportStatus.DONE, finished_at=ago(3), samples={"new": ["Ann Pupil"]})
    legacy_path = stored(legacy)
    other = aged(uploaded(cast, institution=InstitutionWithOrganisationFactory.create()), created_at=ago(8))
    kept = (old_mapping, new_mapping, old_ready, rechecked, stuck, stalled, applying)
    paths = {item.pk: item.file.name for item in kept}

    totals = services.imports_expire(now=now)

    assert totals == {"imports_cancelled": 5, "files_deleted": 6, "details_cleared": 1}
    status = dict(LearnerImport.objects.values_list("pk", "status"))
    for item in (old_mapping, old_ready, stuck, stalled, other):
        assert status[item.pk] == ImportStatus.CANCELLED
    for item in (old_mapping, old_ready, stuck, stalled):
        assert not default_storage.exists(paths[item.pk])
    assert (status[new_mapping.pk], status[rechecked.pk]) == (ImportStatus.MAPPING, ImportStatus.READY)
    assert default_storage.exists(paths[new_mapping.pk]) and default_storage.exists(paths[rechecked.pk])
    assert status[applying.pk] == ImportStatus.APPLYING and default_storage.exists(paths[applying.pk])
    assert_forgotten(legacy, legacy_path)
    old_done.refresh_from_db()
    recent_done.refresh_from_db()
    assert old_done.errors == [] and old_done.details_cleared_at == now
    assert (old_done.new_count, old_done.unchanged_count, old_done.rejected_count) == (3, 0, 1)
    assert recent_done.errors and recent_done.details_cleared_at is None
    events = AuditEvent.objects.filter(action=AuditAction.DELETE, object_type="institutions.Institution")
    assert events.count() == 2
    ashby = events.get(organisation=cast.ashby.organisation)
    assert ashby.actor is None and "(retention)" in ashby.object_label
    assert ashby.changes["learner_imports_imports_cancelled"] == [None, 4]
    assert ashby.changes["learner_imports_files_deleted"] == [None, 5]
    assert ashby.changes["learner_imports_details_cleared"] == [None, 1]

    # Run again (the next day's task, or twice the same day): nothing more to do, nothing audited.
    assert services.imports_expire(now=now) == {"imports_cancelled": 0, "files_deleted": 0, "details_cleared": 0}
    assert events.count() == 2
    # The legacy import's names are cleared too, 30 days after it finished (with the recent one's details).
    later = services.imports_expire(now=now + datetime.timedelta(days=28))
    assert later["details_cleared"] == 2
    legacy.refresh_from_db()
    assert legacy.samples == {} and legacy.details_cleared_at is not None


def test_retention_task_and_command(cast: Cast) -> None:
    from careershub.learners.tasks import expire_learner_imports

    first = aged(uploaded(cast), created_at=timezone.now() - datetime.timedelta(days=8))
    result = expire_learner_imports.enqueue()
    assert result.return_value == {"imports_cancelled": 1, "files_deleted": 1, "details_cleared": 0}
    aged(uploaded(cast), created_at=timezone.now() - datetime.timedelta(days=8))
    out = io.StringIO()
    call_command("expire_learner_imports", stdout=out)
    assert "1 unconfirmed cancelled (after 7 days)" in out.getvalue()
    assert LearnerImport.objects.filter(status=ImportStatus.CANCELLED).count() == 2
    first.refresh_from_db()
    assert not first.file


def test_retention_runs_daily(settings) -> None:  # type: ignore[no-untyped-def]
    assert "careershub.learners.tasks.expire_learner_imports" in settings.DAILY_TASKS
    assert "careershub.activities.tasks.expire_activity_imports" in settings.DAILY_TASKS


def test_a_cancelled_import_with_a_file_missing_from_storage_is_swept(cast: Cast) -> None:
    item = aged(uploaded(cast), status=ImportStatus.CANCELLED, finished_at=timezone.now())
    default_storage.delete(item.file.name)
    assert services.imports_expire()["files_deleted"] == 1
    item.refresh_from_db()
    assert not item.file
    item.file.save("again.csv", ContentFile(b"x"), save=True)  # and a name it kept is deleted again next time
    assert services.imports_expire()["files_deleted"] == 1


@pytest.mark.parametrize(("name", "value"), [("IMPORT_UNCONFIRMED_DAYS", "0"), ("IMPORT_DETAILS_DAYS", "-1")])
def test_retention_settings_are_checked(name: str, value: str) -> None:
    refused = manage("check", **{name: value})
    assert refused.returncode != 0 and f"{name} must be a whole number of days, at least 1" in refused.stderr
    code = "from django.conf import settings; print(settings.IMPORT_UNCONFIRMED_DAYS, settings.IMPORT_DETAILS_DAYS)"
    chosen = manage("shell", "-c", code, IMPORT_UNCONFIRMED_DAYS="3", IMPORT_DETAILS_DAYS="90")
    assert chosen.returncode == 0, chosen.stderr
    assert chosen.stdout.strip().splitlines()[-1] == "3 90"
