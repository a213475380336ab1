"""GIAS imports: preview a file against the database, then apply it in one transaction.

The flow (the national admin's pages, or `manage.py import_gias`):

1. `gias_import_prepare` reads the file (`careershub.institutions.gias`), compares it with the
   database (`gias_import_plan`, read-only), stores the file through Django's default storage
   and records a `GiasImport` awaiting confirmation with the preview figures. A broken file
   raises `GiasFileError` and leaves nothing behind.
2. `gias_import_confirm` queues it; the background task (`tasks.run_gias_import`) calls
3. `gias_import_run`, which reads the stored file again, compares it with the database as it is
   *now*, and writes every create and update in one transaction with bulk queries, together with
   the result figures and one audit event (`AuditAction.IMPORT`, on the `GiasImport`). An error
   rolls all of it back and marks the import failed.

Institutions are matched by URN. Only fields whose columns the file has are written (see the
`gias` module), so a second run of the same file changes nothing, and a thin file never blanks
what a richer one set. `gias_imported_at` moves only on institutions the import changed.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from careershub.audit.models import AuditAction
from careershub.audit.services import record
from careershub.geography.models import LocalAuthority
from careershub.institutions import gias
from careershub.institutions.gias import GiasFile, GiasFileError, Rejection
from careershub.institutions.models import (
    EstablishmentStatus,
    GiasImport,
    GiasImportStatus,
    Institution,
    InstitutionKind,
)
from careershub.organisations.models import Organisation

logger = logging.getLogger(__name__)

__all__ = [
    "GiasFileError",
    "GiasImportError",
    "ImportPlan",
    "RunOutcome",
    "gias_import_cancel",
    "gias_import_confirm",
    "gias_import_get",
    "gias_import_plan",
    "gias_import_prepare",
    "gias_import_refresh",
    "gias_import_run",
    "gias_import_same_file",
    "gias_imports_recent",
]

#: Rows per INSERT / UPDATE statement.
CREATE_BATCH_SIZE = 1000
UPDATE_BATCH_SIZE = 500
#: URNs per `IN (...)` lookup (below SQLite's and PostgreSQL's parameter limits).
LOOKUP_BATCH_SIZE = 2000
#: How many rejected-row problems a `GiasImport` keeps (the command prints them all).
STORED_REJECTIONS = 1000
#: How many changed and new institutions the preview shows.
SAMPLE_CHANGED = 25
SAMPLE_NEW = 10


class GiasImportError(ValueError):
    """An import step that cannot be taken now, with a message for the user."""


# Planning (reads only) -------------------------------------------------------------------------


@dataclass
class ImportPlan:
    """What applying a read file would do to the database as it was when planned."""

    parsed: GiasFile
    creates: list[dict[str, Any]] = field(default_factory=list)  # field values, built into models on writing
    updates: list[Institution] = field(default_factory=list)
    update_fields: set[str] = field(default_factory=set)
    unchanged: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    sample_changes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len({r.line for r in self.rejections})

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.parsed.data_rows,
            "created": len(self.creates),
            "updated": len(self.updates),
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing(urns: Sequence[int]) -> dict[int, Institution]:
    found: dict[int, Institution] = {}
    for chunk in _chunks(urns, LOOKUP_BATCH_SIZE):
        for institution in Institution.objects.filter(urn__in=chunk):
            found[institution.urn] = institution
    return found


def _display(name: str, value: Any, la_names: dict[int, str]) -> str:
    if value is None or value == "":
        return ""
    if name == "status":
        return str(EstablishmentStatus(value).label)
    if name == "kind":
        return str(InstitutionKind(value).label)
    if name == "local_authority_id":
        return la_names.get(value, str(value))
    if isinstance(value, datetime.date):
        return f"{value.day} {value:%B %Y}"
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)


def field_label(name: str) -> str:
    if name == "local_authority_id":
        return "Local authority (linked)"
    model_field = Institution._meta.get_field(name)
    label = str(getattr(model_field, "verbose_name", name))
    return label[:1].upper() + label[1:]


def _target_values(
    row: gias.GiasRow,
    institution: Institution | None,
    parsed: GiasFile,
    local_authorities: dict[str, tuple[int, str]],
) -> dict[str, Any]:
    """The field values this row sets, with the local authority link, derived phase and kind."""
    target = dict(row.values)

    def current(name: str, default: Any = "") -> Any:
        if name in target:
            return target[name]
        return getattr(institution, name) if institution is not None else default

    if "la_code" in target:
        match = local_authorities.get(target["la_code"])
        target["local_authority_id"] = match[0] if match else None
        if match and "la_name" not in parsed.columns and not current("la_name"):
            target["la_name"] = match[1]
    if row.derived_phase and not current("phase"):
        target["phase"] = row.derived_phase
    if parsed.has_type:
        target["kind"] = gias.classify(
            type_code=current("type_code"),
            type_name=current("type_name"),
            type_group=current("type_group"),
            further_education_type=current("further_education_type"),
            phase=current("phase"),
            statutory_high_age=current("statutory_high_age", None),
        )
    if "postcode" in target:
        target["postcode_compact"] = target["postcode"].replace(" ", "").upper()
    return target


def gias_import_plan(*, parsed: GiasFile, now: datetime.datetime | None = None) -> ImportPlan:
    """Compare a read file with the database. Reads only; `gias_import_run` writes the result."""
    now = now or timezone.now()
    plan = ImportPlan(parsed=parsed, rejections=list(parsed.rejections))
    local_authorities = {
        code: (pk, name) for pk, code, name in LocalAuthority.objects.values_list("id", "dfe_code", "name")
    }
    la_names = {pk: name for pk, name in local_authorities.values()}
    existing = _existing([row.urn for row in parsed.rows])
    urn_header = parsed.columns["urn"]
    new_sampled = 0
    for row in parsed.rows:
        institution = existing.get(row.urn)
        target = _target_values(row, institution, parsed, local_authorities)
        if institution is None:
            if "name" not in target:
                plan.rejections.append(
                    Rejection(
                        row.line,
                        urn_header,
                        str(row.urn),
                        f"{urn_header} {row.urn} is not in the database yet, and the file has no name "
                        "column to add it with",
                        row.urn,
                    )
                )
                continue
            plan.creates.append({"urn": row.urn, "gias_imported_at": now, **target})
            if new_sampled < SAMPLE_NEW:
                new_sampled += 1
                plan.sample_changes.append({"urn": row.urn, "name": target["name"], "new": True, "changes": []})
            continue
        changed = {name: (getattr(institution, name), value) for name, value in target.items()}
        changed = {name: pair for name, pair in changed.items() if pair[0] != pair[1]}
        if not changed:
            plan.unchanged += 1
            continue
        for name, (_, value) in changed.items():
            setattr(institution, name, value)
        institution.gias_imported_at = now
        plan.updates.append(institution)
        plan.update_fields.update(changed)
        if len(plan.sample_changes) - new_sampled < SAMPLE_CHANGED:
            plan.sample_changes.append(
                {
                    "urn": row.urn,
                    "name": institution.name,
                    "new": False,
                    "changes": [
                        {
                            "field": field_label(name),
                            "before": _display(name, before, la_names),
                            "after": _display(name, after, la_names),
                        }
                        for name, (before, after) in changed.items()
                        if name != "postcode_compact"
                    ],
                }
            )
    plan.rejections.sort(key=lambda r: r.line)
    return plan


def _write(plan: ImportPlan) -> None:
    """Insert the new institutions and update the changed ones, a batch per statement.

    Updates go through `bulk_create(update_conflicts=True)` on the primary key (INSERT … ON
    CONFLICT (id) DO UPDATE SET <the changed columns>, on SQLite and PostgreSQL alike): one
    statement per batch, where `bulk_update`'s CASE expressions took five times as long.
    Columns nobody changed are not in the SET list, so they are never written.
    """
    Institution.objects.bulk_create((Institution(**values) for values in plan.creates), batch_size=CREATE_BATCH_SIZE)
    if plan.updates:
        Institution.objects.bulk_create(
            plan.updates,
            batch_size=UPDATE_BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["id"],
            update_fields=sorted(plan.update_fields | {"gias_imported_at"}),
        )


# The import record -----------------------------------------------------------------------------


def _actor_label(actor: Any) -> str:
    if getattr(actor, "is_authenticated", False):
        return f"{actor} <{actor.email}>"[:255]
    return "System"


def _user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _preview_fields(plan: ImportPlan) -> dict[str, Any]:
    parsed = plan.parsed
    return {
        "encoding": parsed.encoding,
        "columns": {header: _column_label(key) for key, header in parsed.columns.items()},
        "ignored_columns": parsed.ignored_columns,
        "notes": parsed.notes,
        "row_count": parsed.data_rows,
        "empty_rows": parsed.empty_rows,
        "rejections": [r.as_dict() for r in plan.rejections[:STORED_REJECTIONS]],
    }


def _column_label(key: str) -> str:
    extra = {
        "urn": "URN",
        "easting": "Easting (converted to latitude and longitude)",
        "northing": "Northing (converted to latitude and longitude)",
    }
    return extra.get(key) or field_label(key)


def gias_import_prepare(
    *,
    data: bytes,
    filename: str,
    actor: Any,
    organisation: Organisation | None,
    parsed: GiasFile | None = None,
) -> GiasImport:
    """Read and preview a file, store it, and record a `GiasImport` awaiting confirmation.

    Raises `GiasFileError` (nothing stored) when the file cannot be used.
    """
    parsed = parsed or gias.read_gias_file(data)
    plan = gias_import_plan(parsed=parsed)
    gias_import = GiasImport(
        created_by=_user_or_none(actor),
        created_by_label=_actor_label(actor),
        organisation=organisation,
        original_name=PurePath(filename.replace("\\", "/")).name[:255] or "upload.csv",
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        preview_new=len(plan.creates),
        preview_changed=len(plan.updates),
        preview_unchanged=plan.unchanged,
        preview_rejected=plan.rejected,
        sample_changes=plan.sample_changes,
        **_preview_fields(plan),
    )
    gias_import.file.save("upload.csv", ContentFile(data), save=False)
    gias_import.save()
    return gias_import


def gias_import_confirm(*, gias_import: GiasImport, actor: Any, background: bool = True) -> GiasImport:
    """Queue a previewed import. With `background` the task queue runs it (after this
    transaction commits); without, the caller runs `gias_import_run` itself."""
    claimed = GiasImport.objects.filter(pk=gias_import.pk, status=GiasImportStatus.AWAITING_CONFIRMATION).update(
        status=GiasImportStatus.QUEUED, confirmed_by=_user_or_none(actor), confirmed_at=timezone.now()
    )
    if not claimed:
        raise GiasImportError("This import has already been confirmed or cancelled.")
    if background:
        pk = gias_import.pk
        transaction.on_commit(lambda: _enqueue(pk))
    gias_import.refresh_from_db()
    return gias_import


def _enqueue(pk: int) -> None:
    from careershub.institutions.tasks import run_gias_import

    try:
        result = run_gias_import.enqueue(gias_import_id=pk)
    except Exception:
        logger.exception("Could not queue GIAS import %s", pk)
        _fail(pk, "The import could not be queued, so nothing was changed. Try again later.")
        return
    GiasImport.objects.filter(pk=pk).update(task_id=result.id)


def gias_import_cancel(*, gias_import: GiasImport, actor: Any) -> GiasImport:
    """Drop an import that has not been confirmed, and its stored file."""
    claimed = GiasImport.objects.filter(pk=gias_import.pk, status=GiasImportStatus.AWAITING_CONFIRMATION).update(
        status=GiasImportStatus.CANCELLED, finished_at=timezone.now()
    )
    if not claimed:
        raise GiasImportError("Only an import awaiting confirmation can be cancelled.")
    gias_import.refresh_from_db()
    if gias_import.file:
        gias_import.file.delete(save=True)
    return gias_import


def _fail(pk: int, message: str) -> None:
    GiasImport.objects.filter(pk=pk).update(status=GiasImportStatus.FAILED, error=message, finished_at=timezone.now())


def _read_stored(gias_import: GiasImport) -> bytes:
    if not gias_import.file:
        raise GiasFileError("The uploaded file is no longer stored.")
    try:
        with gias_import.file.open("rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise GiasFileError("The uploaded file is no longer stored.") from None
    if not isinstance(data, bytes):
        data = data.encode("utf-8")
    return data


@dataclass
class RunOutcome:
    gias_import: GiasImport
    rejections: list[Rejection] = field(default_factory=list)  # all of them, not only those stored


def gias_import_run(*, gias_import_id: int) -> RunOutcome:
    """Apply a queued import (the background task calls this). Runs at most once per import."""
    started = timezone.now()
    claimed = GiasImport.objects.filter(pk=gias_import_id, status=GiasImportStatus.QUEUED).update(
        status=GiasImportStatus.RUNNING, started_at=started
    )
    gias_import = GiasImport.objects.get(pk=gias_import_id)
    if not claimed:
        return RunOutcome(gias_import)
    rejections: list[Rejection] = []
    try:
        with transaction.atomic():
            plan = gias_import_plan(parsed=gias.read_gias_file(_read_stored(gias_import)), now=started)
            _write(plan)
            _finish(gias_import, plan)
            rejections = plan.rejections
    except GiasFileError as exc:
        _fail(gias_import_id, str(exc))
    except Exception:
        logger.exception("GIAS import %s failed", gias_import_id)
        _fail(gias_import_id, "The import stopped with an unexpected error, so nothing was changed.")
        raise
    gias_import.refresh_from_db()
    return RunOutcome(gias_import, rejections)


def _finish(gias_import: GiasImport, plan: ImportPlan) -> None:
    counts = plan.counts()
    gias_import.status = GiasImportStatus.DONE
    gias_import.finished_at = timezone.now()
    gias_import.created_count = counts["created"]
    gias_import.updated_count = counts["updated"]
    gias_import.unchanged_count = counts["unchanged"]
    gias_import.rejected_count = counts["rejected"]
    for name, value in _preview_fields(plan).items():
        setattr(gias_import, name, value)
    gias_import.save()
    actor = gias_import.confirmed_by or gias_import.created_by
    record(
        actor=actor,
        organisation=gias_import.organisation,
        action=AuditAction.IMPORT,
        instance=gias_import,
        after={"file": gias_import.original_name, "sha256": gias_import.sha256, **counts},
        label=f"GIAS import of {gias_import.original_name}"[:255],
    )


def gias_import_refresh(*, gias_import: GiasImport) -> GiasImport:
    """Mark a queued or running import failed when its task failed without saying so (a worker
    that died, say). Backends that cannot look results up are left alone."""
    if not gias_import.is_in_progress or not gias_import.task_id:
        return gias_import
    from careershub.institutions.tasks import run_gias_import

    try:
        result = run_gias_import.get_result(gias_import.task_id)
    except Exception:  # not supported by the backend, or no longer kept
        return gias_import
    if result.status == "FAILED":
        GiasImport.objects.filter(
            pk=gias_import.pk, status__in=[GiasImportStatus.QUEUED, GiasImportStatus.RUNNING]
        ).update(
            status=GiasImportStatus.FAILED,
            error="The background task failed, so nothing was changed.",
            finished_at=timezone.now(),
        )
        gias_import.refresh_from_db()
    return gias_import


# Reads for the pages ---------------------------------------------------------------------------


def gias_imports_recent(*, limit: int = 20) -> QuerySet[GiasImport]:
    """The latest imports, newest first (national admins only: the views check the role)."""
    return GiasImport.objects.order_by("-created_at", "-id")[:limit]


def gias_import_get(*, pk: int) -> GiasImport | None:
    return GiasImport.objects.filter(pk=pk).first()


def gias_import_same_file(*, gias_import: GiasImport) -> GiasImport | None:
    """An earlier import of the very same file that went through, if any."""
    if not gias_import.sha256:
        return None
    return (
        GiasImport.objects.filter(sha256=gias_import.sha256, status=GiasImportStatus.DONE)
        .exclude(pk=gias_import.pk)
        .order_by("-finished_at")
        .first()
    )
