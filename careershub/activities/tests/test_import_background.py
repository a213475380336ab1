"""The activity records import of large files: checked and applied by background tasks (issue 5).

Tasks run with the `immediate` backend (settings_test), as in the learner import's tests; they are
enqueued once the transaction commits, so the tests capture those callbacks and run them.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from careershub.activities import imports
from careershub.activities.models import Activity, ActivityImport, ImportStatus, Participation
from careershub.activities.tasks import apply_activity_import, check_activity_import
from careershub.activities.tests.test_import import (
    HEADERS,
    LEADERS,
    TODAY,
    _expected,
    csv_bytes,
    learners,
    post_file,
    register,
    upload,
    xlsx_bytes,
)
from careershub.audit.models import AuditAction, AuditEvent
from careershub.learners import mis
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db

Capture = Callable[..., Any]


@pytest.fixture
def background(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file counts as large: checked and applied by the background tasks."""
    monkeypatch.setattr(imports, "BACKGROUND_BYTES", 100)


def checked(cast: Cast, capture: Capture, data: bytes, name: str = "register.csv") -> ActivityImport:
    """Upload a large file, then run the check task the upload queued."""
    with capture() as callbacks:
        item = upload(cast, data, name)
    assert item.status == ImportStatus.CHECKING and item.file and len(callbacks) == 1
    assert not Activity.objects.exists()
    callbacks[0]()
    item.refresh_from_db()
    return item


def test_check_runs_in_the_background_with_progress_and_gives_the_same_preview(  # type: ignore[no-untyped-def]
    cast: Cast, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks
) -> None:
    pupils = learners(cast, 9)
    data = csv_bytes(register(pupils))  # 11 rows of data
    inline = upload(cast, data)
    assert inline.status == ImportStatus.READY
    monkeypatch.setattr(imports, "BACKGROUND_BYTES", 100)
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 4)
    seen: list[int] = []
    real = imports._progress_writer

    def spy(pk: int) -> Callable[[int], None]:
        write = real(pk)

        def wrapped(done: int) -> None:
            seen.append(done)
            write(done)

        return wrapped

    monkeypatch.setattr(imports, "_progress_writer", spy)
    with django_capture_on_commit_callbacks() as callbacks:
        item = upload(cast, data)
    assert (item.status, item.progress_total, item.progress_percent) == (ImportStatus.CHECKING, 12, 0)
    stored = item.file.name
    assert item.file.storage.exists(stored)
    callbacks[0]()
    item.refresh_from_db()
    assert seen == [4, 8, 11]  # rows read, reported every PROGRESS_EVERY
    assert item.status == ImportStatus.READY and item.progress_done == item.progress_total
    for name in ("row_count", "activities", "pairs", "activities_new", "new_count", "already_count", "errors"):
        assert getattr(item, name) == getattr(inline, name), name
    # The file names learners: it is deleted once checked; the preview keeps only their ids.
    assert not item.file and not item.file.storage.exists(stored)
    assert not Activity.objects.exists()


def test_a_broken_file_checked_in_the_background_is_rejected_with_its_errors(  # type: ignore[no-untyped-def]
    cast: Cast, background: None, django_capture_on_commit_callbacks
) -> None:
    pupils = learners(cast, 2)
    rows = [*register(pupils), ["05/11/2025", "Nonsense", "Talk", pupils[0].upn]]
    item = checked(cast, django_capture_on_commit_callbacks, csv_bytes(rows))
    assert item.status == ImportStatus.REJECTED and item.pairs == [] and not item.file
    assert item.errors == [{"row": 6, "field": "Activity type", "reason": item.errors[0]["reason"]}]
    assert "'Nonsense' is not a type of activity" in item.errors[0]["reason"]
    with pytest.raises(imports.ActivityImportError, match="Fix them and upload the file again"):
        imports.import_confirm(activity_import=item, actor=cast.careers_leader)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (xlsx_bytes([["05/11/2025", "Employer talk", "=1+1", "A"]] * 3), "holds a formula"),
        (csv_bytes([["a", "b", "c", "d"]] * 4, ["Title", "Activity name", "Type", "UPN"]), "could both be"),
        (csv_bytes([], HEADERS) + b",,,,,,\n" * 40, "no rows of data"),
    ],
)
def test_a_file_unusable_only_in_its_rows_fails_in_the_background(  # type: ignore[no-untyped-def]
    cast: Cast, background: None, django_capture_on_commit_callbacks, data: bytes, message: str
) -> None:
    learners(cast, 1)
    if message == "could both be":  # known from the header row: refused at upload, nothing kept
        with pytest.raises(mis.MisFileError, match=message):
            upload(cast, data)
        assert not ActivityImport.objects.exists()
        return
    item = checked(cast, django_capture_on_commit_callbacks, data, "a.xlsx" if data.startswith(b"PK") else "a.csv")
    assert item.status == ImportStatus.FAILED and message in item.error
    assert not item.file and item.pairs == [] and item.finished_at is not None
    assert not Activity.objects.exists()


def test_confirm_applies_in_the_background_once(  # type: ignore[no-untyped-def]
    cast: Cast, background: None, django_capture_on_commit_callbacks
) -> None:
    pupils = learners(cast, 3)
    item = checked(cast, django_capture_on_commit_callbacks, csv_bytes(register(pupils)))
    assert item.status == ImportStatus.READY
    with django_capture_on_commit_callbacks() as callbacks:
        applying = imports.import_confirm(activity_import=item, actor=cast.careers_leader)
        # A second confirmation, before the task has run, is refused: the row was locked and is APPLYING.
        with pytest.raises(imports.ActivityImportError, match="already been confirmed"):
            imports.import_confirm(activity_import=item, actor=cast.careers_leader)
        with pytest.raises(imports.ActivityImportError, match="already been confirmed"):
            imports.import_cancel(activity_import=item)
    assert applying.status == ImportStatus.APPLYING and applying.confirmed_by == cast.careers_leader
    assert len(callbacks) == 1 and not Activity.objects.exists()
    callbacks[0]()
    item.refresh_from_db()
    assert (item.status, item.activities_new, item.new_count, item.pairs) == (ImportStatus.DONE, 2, 5, [])
    assert item.finished_at is not None and item.progress_percent == 100
    assert Participation.objects.count() == 5
    assert set(Activity.objects.values_list("created_by", flat=True)) == {cast.careers_leader.pk}
    event = AuditEvent.objects.get(action=AuditAction.IMPORT)
    assert event.actor == cast.careers_leader and event.changes["participations_added"] == [None, 5]
    # The same task delivered again finds the import done and writes nothing.
    result = apply_activity_import.enqueue(item.pk)
    assert result.return_value is not None and result.return_value["status"] == ImportStatus.DONE
    assert Participation.objects.count() == 5 and AuditEvent.objects.filter(action=AuditAction.IMPORT).count() == 1
    checked_again = check_activity_import.enqueue(item.pk, TODAY.isoformat())
    assert checked_again.return_value is not None and checked_again.return_value["status"] == ImportStatus.DONE


def test_a_failed_background_apply_changes_nothing(  # type: ignore[no-untyped-def]
    cast: Cast, background: None, django_capture_on_commit_callbacks, monkeypatch: pytest.MonkeyPatch
) -> None:
    item = checked(cast, django_capture_on_commit_callbacks, csv_bytes(register(learners(cast, 3))))

    def boom(**kwargs: object) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(imports, "record", boom)  # fails after the activities and participations are written
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_confirm(activity_import=item, actor=cast.careers_leader)
    item.refresh_from_db()
    assert item.status == ImportStatus.FAILED and "Nothing was changed" in item.error and item.pairs == []
    assert not Activity.objects.exists() and not Participation.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.IMPORT).exists()


def test_learners_gone_since_the_preview_fail_the_background_apply(  # type: ignore[no-untyped-def]
    cast: Cast, background: None, django_capture_on_commit_callbacks
) -> None:
    pupils = learners(cast, 2)
    item = checked(cast, django_capture_on_commit_callbacks, csv_bytes(register(pupils)))
    pupils[1].delete()
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_confirm(activity_import=item, actor=cast.careers_leader)
    item.refresh_from_db()
    assert item.status == ImportStatus.FAILED and "no longer recorded" in item.error
    assert not Activity.objects.exists()


def test_a_file_being_checked_cannot_be_confirmed_or_cancelled(  # type: ignore[no-untyped-def]
    cast: Cast, background: None, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks():
        item = upload(cast, csv_bytes(register(learners(cast, 2))))
    for action in (imports.import_confirm, imports.import_cancel):
        kwargs: dict[str, Any] = {"actor": cast.careers_leader} if action is imports.import_confirm else {}
        with pytest.raises(imports.ActivityImportError, match="still being checked"):
            action(activity_import=item, **kwargs)
    item.refresh_from_db()
    assert item.status == ImportStatus.CHECKING


# Pages ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_background_import_pages_for_each_persona(  # type: ignore[no-untyped-def]
    client_as, cast: Cast, background: None, django_capture_on_commit_callbacks, persona: str
) -> None:
    pupils = learners(cast, 2)
    leader = client_as("careers_leader")
    with django_capture_on_commit_callbacks() as callbacks:
        response = post_file(leader, csv_bytes(register(pupils)))
    item = ActivityImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("activities:import-detail", args=[item.pk])
    own = persona == "careers_leader"
    expected = _expected(persona, LEADERS, own)
    client = client_as(persona)
    page = client.get(reverse("activities:import-detail", args=[item.pk]))
    assert page.status_code == expected
    if own:
        assert "Checking the file" in page.content.decode() and "Refresh to see progress" in page.content.decode()
    callbacks[0]()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("activities:import-confirm", args=[item.pk]))
    assert response.status_code == (302 if expected == 200 else expected)
    item.refresh_from_db()
    if own:
        assert item.status == ImportStatus.DONE and Participation.objects.count() == 4
        done = client.get(reverse("activities:import-detail", args=[item.pk])).content.decode()
        assert "Activity records imported" in done and "What the import recorded" in done
        assert "Engineering talk" in done
    else:
        assert item.status == ImportStatus.READY and not Activity.objects.exists()


def _page(client: Any, item: ActivityImport, **fields: Any) -> str:
    ActivityImport.objects.filter(pk=item.pk).update(**fields)
    response = client.get(reverse("activities:import-detail", args=[item.pk]))
    assert response.status_code == 200
    return str(response.content.decode())


def _main(page: str) -> str:
    return page.split("<main", 1)[1].split("</main>", 1)[0]


def test_progress_states_are_shown_without_javascript(  # type: ignore[no-untyped-def]
    client_as, cast: Cast, background: None, django_capture_on_commit_callbacks
) -> None:
    client = client_as("careers_leader")
    with django_capture_on_commit_callbacks():
        post_file(client, csv_bytes(register(learners(cast, 2))))
    item = ActivityImport.objects.get()
    checking = _page(client, item, progress_done=250, progress_total=1000)
    assert '<h1 class="govuk-heading-l">Checking the file</h1>' in checking
    assert '<progress id="progress-bar" class="app-progress__bar" max="100" value="25">' in checking
    assert "25% done (250 of about 1,000 rows read)" in checking
    assert "Refresh to see progress" in checking and "<script" not in _main(checking)
    assert "Confirm and import" not in checking and "Cancel this import" not in checking
    listed = client.get(reverse("activities:import")).content.decode()
    assert "Checking the file" in listed
    applying = _page(client, item, status=ImportStatus.APPLYING, new_count=4, activities_new=2, activities_existing=0)
    assert "Importing activity records" in applying and "Refresh to see progress" in applying
    assert '<progress id="progress-bar" class="app-progress__bar" max="100">' in applying  # no value: under way
    assert "Recording 4 participations in 2 activities" in applying and "What the import will record" in applying
    assert "Confirm and import" not in applying and "<script" not in _main(applying)
    assert "background worker may not be running" not in applying
    long_ago = timezone.now() - datetime.timedelta(minutes=20)
    stuck = _page(client, item, status=ImportStatus.CHECKING, created_at=long_ago)
    assert "background worker may not be running" in stuck and "Nothing is changed until" in stuck
    failed = _page(client, item, status=ImportStatus.FAILED, error="Row 7, column 'Title' holds a formula.")
    assert "background worker may not be running" not in failed
    assert "The file could not be imported" in failed and "holds a formula" in failed
    assert "Nothing was changed" in failed and "progress-bar" not in failed and "Upload a file" in failed


# Concurrency (PostgreSQL) ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite serialises writes)")
def test_concurrent_confirmations_apply_once(cast: Cast, background: None) -> None:
    pupils = learners(cast, 3)
    item = upload(cast, csv_bytes(register(pupils)))  # no test transaction: checked when committed
    assert item.status == ImportStatus.READY
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def confirm() -> None:
        try:
            barrier.wait()
            imports.import_confirm(activity_import=ActivityImport.objects.get(pk=item.pk), actor=cast.careers_leader)
            outcomes.append("confirmed")
        except imports.ActivityImportError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["confirmed", "refused", "refused", "refused"]
    item.refresh_from_db()
    assert item.status == ImportStatus.DONE and Participation.objects.count() == 5
    assert AuditEvent.objects.filter(action=AuditAction.IMPORT).count() == 1
