"""What the activity records import keeps and for how long (issue 5: pupil data, retention rules).

A file is deleted once checked (tested with the background import); these tests cover a check
that stalls (cancelled by the careers leader, and a check finishing afterwards keeping nothing)
and the daily retention task: imports left unconfirmed are cancelled with their learners' ids,
files left by finished imports are deleted, row problems (which may quote identifiers) are
cleared after a while; the counts stay.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import timezone

from careershub.activities import imports
from careershub.activities.models import Activity, ActivityImport, ImportStatus
from careershub.activities.tasks import check_activity_import
from careershub.activities.tests.test_import import LEADERS, _expected, csv_bytes, learners, register, upload
from careershub.audit.models import AuditAction, AuditEvent
from careershub.learners.models import Learner
from careershub.learners.tests.factories import upn_for
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def background(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file counts as large: checked and applied by the background tasks."""
    monkeypatch.setattr(imports, "BACKGROUND_BYTES", 100)


def text(page: str) -> str:
    return " ".join(page.split())


def aged(item: ActivityImport, **fields: Any) -> ActivityImport:
    ActivityImport.objects.filter(pk=item.pk).update(**fields)
    item.refresh_from_db()
    return item


def checking(cast: Cast, capture: Callable[..., Any], *, minutes_ago: int) -> tuple[ActivityImport, list[Any]]:
    """A large file whose check task is queued (not run) and was uploaded `minutes_ago`."""
    with capture() as callbacks:
        item = upload(cast, csv_bytes(register(learners(cast, 3))))
    assert item.status == ImportStatus.CHECKING and default_storage.exists(item.file.name)
    return aged(item, created_at=timezone.now() - datetime.timedelta(minutes=minutes_ago)), callbacks


# A stalled check ------------------------------------------------------------------------------------


def test_a_stalled_check_can_be_cancelled_and_its_file_is_deleted(  # type: ignore[no-untyped-def]
    cast: Cast, background: None, django_capture_on_commit_callbacks
) -> None:
    item, callbacks = checking(cast, django_capture_on_commit_callbacks, minutes_ago=5)
    with pytest.raises(imports.ActivityImportError, match="you can cancel it"):
        imports.import_cancel(activity_import=item)
    item = aged(item, created_at=timezone.now() - datetime.timedelta(minutes=16))
    path = item.file.name
    assert item.check_stalled()
    cancelled = imports.import_cancel(activity_import=item)
    assert cancelled.status == ImportStatus.CANCELLED and cancelled.pairs == []
    item.refresh_from_db()
    assert not item.file and not default_storage.exists(path)
    # Its check task, run at last, finds the file gone and the import cancelled: it stays cancelled.
    callbacks[0]()
    item.refresh_from_db()
    assert (item.status, item.error, item.pairs, item.activities) == (ImportStatus.CANCELLED, "", [], [])


def test_a_check_that_finishes_after_it_was_cancelled_keeps_nothing(  # type: ignore[no-untyped-def]
    cast: Cast, background: None, django_capture_on_commit_callbacks, monkeypatch: pytest.MonkeyPatch
) -> None:
    item, callbacks = checking(cast, django_capture_on_commit_callbacks, minutes_ago=20)
    real = imports._checked

    def cancelled_meanwhile(*args: Any, **kwargs: Any) -> imports.Plan:
        plan = real(*args, **kwargs)
        imports.import_cancel(activity_import=ActivityImport.objects.get(pk=item.pk))
        return plan

    monkeypatch.setattr(imports, "_checked", cancelled_meanwhile)
    callbacks[0]()
    item.refresh_from_db()
    assert (item.status, item.pairs, item.new_count, item.file.name) == (ImportStatus.CANCELLED, [], 0, "")
    with pytest.raises(imports.ActivityImportError, match="already been confirmed or cancelled"):
        imports.import_confirm(activity_import=item, actor=cast.careers_leader)
    assert not Activity.objects.exists()


def test_a_check_whose_file_was_deleted_by_a_cancellation_stays_cancelled(  # type: ignore[no-untyped-def]
    cast: Cast, background: None, django_capture_on_commit_callbacks, monkeypatch: pytest.MonkeyPatch
) -> None:
    item, _callbacks = checking(cast, django_capture_on_commit_callbacks, minutes_ago=20)
    real = FieldFile.open

    def cancelled_first(self: FieldFile, mode: str = "rb") -> Any:
        # The worker has loaded the import; the careers leader cancels before it opens the file.
        imports.import_cancel(activity_import=ActivityImport.objects.get(pk=item.pk))
        return real(self, mode)

    monkeypatch.setattr(FieldFile, "open", cancelled_first)
    result = check_activity_import.enqueue(item.pk)
    assert result.return_value is not None and result.return_value["status"] == ImportStatus.CANCELLED
    item.refresh_from_db()
    assert (item.status, item.error) == (ImportStatus.CANCELLED, "")


def stalled_page(client_as: Any, persona: str, item: ActivityImport, forms: tuple[str, ...]) -> tuple[Any, bool, int]:
    """The persona's client, whether the import is theirs to act on, and the stalled import
    page's answer to them. Where the page is shown, it says the worker may have stopped and
    offers `forms` (the stalled import's buttons)."""
    own = persona == "careers_leader"
    expected = _expected(persona, LEADERS, own)
    client = client_as(persona)
    page = client.get(reverse("activities:import-detail", args=[item.pk]))
    assert page.status_code == expected
    if expected == 200:
        content = page.content.decode()
        assert "background worker may not be running" in content
        assert all(form in content for form in forms)
    return client, own, expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_stalled_check_is_cancelled_by_the_careers_leader_only(  # type: ignore[no-untyped-def]
    client_as, cast: Cast, background: None, django_capture_on_commit_callbacks, persona: str
) -> None:
    item, _callbacks = checking(cast, django_capture_on_commit_callbacks, minutes_ago=16)
    path = item.file.name
    client, own, expected = stalled_page(client_as, persona, item, ('id="import-stalled-cancel"',))
    response = client.post(reverse("activities:import-cancel", args=[item.pk]))
    item.refresh_from_db()
    if own:
        assert response.status_code == 302 and response["Location"] == reverse("activities:import")
        assert item.status == ImportStatus.CANCELLED and not default_storage.exists(path)
    else:
        assert response.status_code == expected
        assert item.status == ImportStatus.CHECKING and default_storage.exists(path)


def test_a_check_under_way_shows_no_cancel(  # type: ignore[no-untyped-def]
    client_as, cast: Cast, background: None, django_capture_on_commit_callbacks
) -> None:
    item, _callbacks = checking(cast, django_capture_on_commit_callbacks, minutes_ago=3)
    page = client_as("careers_leader").get(reverse("activities:import-detail", args=[item.pk])).content.decode()
    assert "Checking the file" in page and "import-stalled-cancel" not in page and "Cancel this import" not in page


# A stalled apply -------------------------------------------------------------------------------------


def applying(cast: Cast, capture: Callable[..., Any], *, minutes_ago: int, pupils: Any = None) -> ActivityImport:
    """A confirmed large import whose apply task is queued (not run), confirmed `minutes_ago`."""
    with capture():
        item = upload(cast, csv_bytes(register(pupils or learners(cast, 3))))
    imports.import_check(activity_import_id=item.pk)
    with capture():
        item = imports.import_confirm(activity_import=ActivityImport.objects.get(pk=item.pk), actor=cast.careers_leader)
    assert item.status == ImportStatus.APPLYING and item.pairs
    return aged(item, confirmed_at=timezone.now() - datetime.timedelta(minutes=minutes_ago))


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_stalled_apply_is_tried_again_by_the_careers_leader_only(  # type: ignore[no-untyped-def]
    client_as, cast: Cast, background: None, django_capture_on_commit_callbacks, persona: str
) -> None:
    item = applying(cast, django_capture_on_commit_callbacks, minutes_ago=20)
    forms = ('id="import-stalled-retry"', 'id="import-stalled-cancel"')
    client, own, expected = stalled_page(client_as, persona, item, forms)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("activities:import-retry", args=[item.pk]))
    item.refresh_from_db()
    if own:  # queued again and, tasks running at once in tests, applied
        assert response.status_code == 302
        assert (item.status, item.new_count, item.pairs) == (ImportStatus.DONE, 5, [])
        assert Activity.objects.filter(institution=cast.ashby).count() == 2
    else:
        assert response.status_code == expected
        assert item.status == ImportStatus.APPLYING and not Activity.objects.exists()


def test_a_stalled_apply_cancelled_keeps_nothing_and_a_late_worker_writes_nothing(  # type: ignore[no-untyped-def]
    client_as, cast: Cast, background: None, django_capture_on_commit_callbacks
) -> None:
    item = applying(cast, django_capture_on_commit_callbacks, minutes_ago=16)
    response = client_as("careers_leader").post(reverse("activities:import-cancel", args=[item.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("activities:import")
    item.refresh_from_db()
    assert (item.status, item.pairs) == (ImportStatus.CANCELLED, [])
    assert imports.import_apply(activity_import_id=item.pk).status == ImportStatus.CANCELLED
    assert not Activity.objects.exists()


def test_an_apply_under_way_is_neither_tried_again_nor_cancelled(  # type: ignore[no-untyped-def]
    client_as, cast: Cast, background: None, django_capture_on_commit_callbacks
) -> None:
    item = applying(cast, django_capture_on_commit_callbacks, minutes_ago=3)
    page = client_as("careers_leader").get(reverse("activities:import-detail", args=[item.pk])).content.decode()
    assert "Importing activity records" in page and "import-stalled" not in page
    with pytest.raises(imports.ActivityImportError, match="15 minutes after the import was confirmed"):
        imports.import_retry(activity_import=item)
    with pytest.raises(imports.ActivityImportError, match="already been confirmed"):
        imports.import_cancel(activity_import=item)
    assert ActivityImport.objects.get(pk=item.pk).status == ImportStatus.APPLYING


def test_retention_cancels_an_apply_stalled_for_the_unconfirmed_days(  # type: ignore[no-untyped-def]
    cast: Cast, background: None, django_capture_on_commit_callbacks, settings
) -> None:
    settings.IMPORT_UNCONFIRMED_DAYS = 7
    item = applying(cast, django_capture_on_commit_callbacks, minutes_ago=8 * 24 * 60)
    recent = applying(cast, django_capture_on_commit_callbacks, minutes_ago=0, pupils=list(Learner.objects.all()))
    recent = aged(recent, confirmed_at=timezone.now() - datetime.timedelta(days=6, hours=23))
    assert imports.imports_expire()["imports_cancelled"] == 1
    item.refresh_from_db()
    assert (item.status, item.pairs) == (ImportStatus.CANCELLED, [])
    assert ActivityImport.objects.get(pk=recent.pk).status == ImportStatus.APPLYING
    assert imports.imports_expire()["imports_cancelled"] == 0


def test_the_pages_say_what_is_kept(client_as, cast: Cast, settings) -> None:  # type: ignore[no-untyped-def]
    settings.IMPORT_UNCONFIRMED_DAYS = 3
    settings.IMPORT_DETAILS_DAYS = 60
    client = client_as("careers_leader")
    start = text(client.get(reverse("activities:import")).content.decode())
    assert "The file is deleted as soon as it has been checked" in start
    assert "not confirmed within 3 days is cancelled" in start and "cleared 60 days after it finished" in start
    rejected = upload(cast, csv_bytes([["05/11/2025", "Employer talk", "Talk", upn_for(9)]]))
    assert rejected.status == ImportStatus.REJECTED
    page = text(client.get(reverse("activities:import-detail", args=[rejected.pk])).content.decode())
    assert rejected.finished_at is not None
    cleared_on = timezone.localtime(rejected.finished_at + datetime.timedelta(days=60))
    assert f"The rows with problems shown here are cleared on {cleared_on:%-d %B %Y}." in page
    assert "Fix the rows listed below" in page
    imports.imports_expire(now=timezone.now() + datetime.timedelta(days=61))
    page = text(client.get(reverse("activities:import-detail", args=[rejected.pk])).content.decode())
    assert "The rows with problems were cleared on" in page and "row-errors" not in page
    assert "Nothing has been imported: the file had problems." in page


# The daily retention task ---------------------------------------------------------------------------


def test_retention_cut_offs_and_idempotence(  # type: ignore[no-untyped-def]
    cast: Cast, settings, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks
) -> None:
    settings.IMPORT_UNCONFIRMED_DAYS = 7
    settings.IMPORT_DETAILS_DAYS = 30
    now = timezone.now() + datetime.timedelta(days=100)
    ago = lambda days, hours=0: now - datetime.timedelta(days=days, hours=hours)  # noqa: E731
    pupils = learners(cast, 3)
    data = csv_bytes(register(pupils))
    old_ready = aged(upload(cast, data), created_at=ago(7, 1))
    new_ready = aged(upload(cast, data), created_at=ago(6, 23))
    assert old_ready.pairs and new_ready.pairs
    bad = csv_bytes([["05/11/2025", "Employer talk", "Talk", upn_for(9)]])
    old_rejected = aged(upload(cast, bad), finished_at=ago(30, 1))
    new_rejected = aged(upload(cast, bad), finished_at=ago(29, 23))
    assert old_rejected.errors and "is not a learner of" in old_rejected.errors[0]["reason"]
    monkeypatch.setattr(imports, "BACKGROUND_BYTES", 100)
    with django_capture_on_commit_callbacks():
        stuck = aged(upload(cast, data), created_at=ago(8))
    stuck_path = stuck.file.name
    # Finished before files were deleted at once (existing data): the file is still kept.
    legacy = aged(upload(cast, data), status=ImportStatus.DONE, finished_at=ago(3))
    legacy.file.save("legacy.csv", ContentFile(data), save=True)
    legacy_path = legacy.file.name

    totals = imports.imports_expire(now=now)

    assert totals == {"imports_cancelled": 2, "files_deleted": 2, "details_cleared": 1}
    for item in (old_ready, new_ready, old_rejected, new_rejected, stuck, legacy):
        item.refresh_from_db()
    assert (old_ready.status, old_ready.pairs, old_ready.finished_at) == (ImportStatus.CANCELLED, [], now)
    assert old_ready.new_count == 5 and old_ready.activities_new == 2  # the counts stay
    assert new_ready.status == ImportStatus.READY and new_ready.pairs
    assert stuck.status == ImportStatus.CANCELLED and not stuck.file and not default_storage.exists(stuck_path)
    assert not legacy.file and not default_storage.exists(legacy_path)
    assert (old_rejected.errors, old_rejected.error_count, old_rejected.details_cleared_at) == ([], 1, now)
    assert new_rejected.errors and new_rejected.details_cleared_at is None
    event = AuditEvent.objects.get(action=AuditAction.DELETE, object_type="institutions.Institution")
    assert event.actor is None and event.organisation == cast.ashby.organisation and "(retention)" in event.object_label
    assert event.changes["activity_imports_imports_cancelled"] == [None, 2]
    assert event.changes["activity_imports_files_deleted"] == [None, 2]
    assert event.changes["activity_imports_details_cleared"] == [None, 1]

    assert imports.imports_expire(now=now) == {"imports_cancelled": 0, "files_deleted": 0, "details_cleared": 0}
    assert AuditEvent.objects.filter(action=AuditAction.DELETE).count() == 1


def test_retention_task_and_command(cast: Cast) -> None:
    from careershub.activities.tasks import expire_activity_imports

    data = csv_bytes(register(learners(cast, 2)))
    aged(upload(cast, data), created_at=timezone.now() - datetime.timedelta(days=8))
    result = expire_activity_imports.enqueue()
    assert result.return_value == {"imports_cancelled": 1, "files_deleted": 0, "details_cleared": 0}
    aged(upload(cast, data), created_at=timezone.now() - datetime.timedelta(days=8))
    out = io.StringIO()
    call_command("expire_activity_imports", stdout=out)
    assert "1 unconfirmed cancelled (after 7 days)" in out.getvalue()
    assert [(status, pairs) for status, pairs in ActivityImport.objects.values_list("status", "pairs")] == [
        (ImportStatus.CANCELLED, []),
        (ImportStatus.CANCELLED, []),
    ]
