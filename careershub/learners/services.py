"""Writes on learners: MIS imports (upload, mapping, check, confirm, apply), retention.

An import goes: upload (the file is checked and its headers read) → mapping (suggested, then
confirmed by the careers leader and remembered for the institution) → check (every row read and
compared with the learners on record: the preview) → confirm → apply (compared again with the
learners on record and applied in one transaction; the rows the preview checked are re-used when
the file, mapping, day and other apps' fields are unchanged, see `_checked_rows`, else the file
is re-read and checked again). Files above `BACKGROUND_BYTES` are checked and applied by background tasks that
report progress; smaller ones are done during the request.

Matching and outcomes:
- A row is matched to a learner of the same institution by UPN, else by ULN.
- *New*: no learner matches. *Changed*: a mapped field differs, or the learner had left and is
  back. *Unchanged*: nothing differs — re-importing the same file changes nothing.
- *Leaving* (full imports only): learners on roll whom no row names. A rejected row that still
  names a UPN or ULN keeps that learner on roll. Leaving learners are marked as left (`left_on`),
  never deleted; `learners_delete_departed` deletes them after the retention period.
- *Rejected*: rows with any invalid value, and every row whose UPN or ULN appears more than once.
  Rejected rows are not imported; the rest are.

Other apps' columns (`extensions`, named by the `LEARNER_IMPORT_EXTENSIONS` setting) are offered
in the mapping only for the fields the institution may keep (e.g. the risk of NEET factors of
switched-on indicators); their values are checked with the row (an invalid one rejects the row)
and written by their app inside the same transaction as the learners. A learner whose only change
is in such a field counts as *changed*. Columns naming a field that is not read are listed in the
preview (`samples["not_read"]`) and never parsed or stored.
"""

from __future__ import annotations

import collections
import contextlib
import datetime
import gc
import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connections, router, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.module_loading import import_string

from careershub.audit.models import AuditAction
from careershub.audit.services import record
from careershub.core.progress import (
    LONG_RUNNING,
    import_details_days,
    import_unconfirmed_days,
    record_import_retention,
)
from careershub.institutions.models import Institution
from careershub.learners import extensions, mis
from careershub.learners.models import ColumnMapping, ImportStatus, Learner, LearnerImport

logger = logging.getLogger(__name__)

#: Files larger than this are checked and applied in the background, with a progress bar.
BACKGROUND_BYTES = 200 * 1024
#: Row errors kept per import for the preview.
STORED_ERRORS = 500
SAMPLE_NAMES = 10
PROGRESS_EVERY = 500
#: Learner fields an import may set (the mapping's targets, less the identifiers' own handling).
IMPORTED_FIELDS = tuple(f for f in mis.FIELD_LABELS)
DEFAULT_RETENTION_DAYS = 365


class LearnerImportError(ValueError):
    """An import step that cannot be taken, with a message for the user."""


def retention_days() -> int:
    return int(getattr(settings, "LEARNER_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def retention_holds(today: datetime.date) -> list[QuerySet[Any]]:
    """Learners other apps must keep past the retention period (e.g. leavers whose destinations are
    still tracked): each `LEARNER_RETENTION_HOLDS` entry is a function `(*, today)` returning a query
    of `learner_id` values. The learners app does not know those apps; settings name them."""
    return [import_string(path)(today=today) for path in getattr(settings, "LEARNER_RETENTION_HOLDS", [])]


# Upload and mapping ----------------------------------------------------------------------------


def import_upload(
    *, institution: Institution, actor: Any, data: bytes, filename: str, full_import: bool
) -> LearnerImport:
    """Check a file and keep it, with a suggested mapping. Raises mis.MisFileError."""
    table = mis.open_table(data)
    extras = extensions.resolve(institution)
    remembered = ColumnMapping.objects.filter(institution=institution).values_list("columns", flat=True).first()
    learner_import = LearnerImport(
        institution=institution,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        original_name=filename[:255],
        file_format=table.file_format,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=table.encoding,
        full_import=full_import,
        headers=table.headers,
        mapping=mis.suggest_mapping(table.headers, remembered or {}, extras.header_names),
        status=ImportStatus.MAPPING,
    )
    learner_import.file.save(f"upload.{table.file_format}", ContentFile(data), save=False)
    learner_import.save()
    return learner_import


def import_set_mapping(
    *,
    learner_import: LearnerImport,
    mapping: dict[str, str],
    actor: Any,
    extras: extensions.ResolvedExtensions | None = None,
) -> LearnerImport:
    """Confirm the mapping (remembered for the institution), then check the file. `extras`: the
    other apps' fields for the institution if this request has already looked them up (the page
    that offered the mapping); else they are looked up here."""
    if learner_import.status not in {ImportStatus.MAPPING, ImportStatus.READY}:
        raise LearnerImportError("This import can no longer be changed.")
    mapping = {h: f for h, f in mapping.items() if f and h in learner_import.headers}
    extras = extras if extras is not None else extensions.resolve(learner_import.institution)
    problems = mis.mapping_problems(mapping, extras.labels)
    if problems:
        raise LearnerImportError(problems[0])
    with transaction.atomic():
        learner_import.mapping = mapping
        learner_import.status = ImportStatus.CHECKING
        learner_import.progress_done = 0
        learner_import.check_started_at = timezone.now()
        learner_import.save(update_fields=["mapping", "status", "progress_done", "check_started_at"])
        _remember_mapping(
            learner_import.institution,
            {mis.header_key(h): f for h, f in mapping.items()},
            actor if getattr(actor, "is_authenticated", False) else None,
        )
    if learner_import.size_bytes > BACKGROUND_BYTES:
        from careershub.learners.tasks import check_learner_import

        check_learner_import.enqueue(learner_import.pk)
        learner_import.refresh_from_db()
        return learner_import
    return _check(learner_import, report_progress=False, extras=extras)


def _remember_mapping(institution: Institution, columns: dict[str, str], updated_by: Any) -> None:
    """Merge `columns` into the institution's remembered mapping (its headers win over those
    remembered), creating it if need be: one INSERT ... ON CONFLICT DO UPDATE, where
    `get_or_create` then `save` took two to five queries. The merge is PostgreSQL's `jsonb ||`
    (SQLite: `json_patch`), the same as `{**remembered, **columns}` for these values (text)."""
    connection = connections[router.db_for_write(ColumnMapping)]
    table = connection.ops.quote_name(ColumnMapping._meta.db_table)
    merged = "json_patch({table}.columns, excluded.columns)" if connection.vendor == "sqlite" else None
    merged = merged or "{table}.columns || excluded.columns"
    value = "%s" if connection.vendor == "sqlite" else "%s::jsonb"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (institution_id, columns, updated_at, updated_by_id) "  # noqa: S608 - the model's own names
            f"VALUES (%s, {value}, %s, %s) "
            "ON CONFLICT (institution_id) DO UPDATE SET "
            f"columns = {merged.format(table=table)}, updated_at = excluded.updated_at, "
            "updated_by_id = excluded.updated_by_id",
            [
                institution.pk,
                json.dumps(columns),
                connection.ops.adapt_datetimefield_value(timezone.now()),
                updated_by.pk if updated_by is not None else None,
            ],
        )


# Planning --------------------------------------------------------------------------------------


@dataclass
class Plan:
    new: list[dict[str, Any]] = field(default_factory=list)
    changed: list[tuple[Learner, dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0
    leaving: list[Learner] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    rejected_rows: int = 0
    rows: int = 0
    empty_rows: int = 0
    #: Other apps' fields (`extensions`): values for the new learners (same order as `new`) and
    #: for learners on record, the fields among them that would change, and the columns not read.
    extras: extensions.ResolvedExtensions = field(default_factory=extensions.ResolvedExtensions)
    extra_new: list[dict[str, Any]] = field(default_factory=list)
    extra_existing: dict[int, dict[str, Any]] = field(default_factory=dict)
    extra_changes: dict[int, set[str]] = field(default_factory=dict)
    not_read: list[str] = field(default_factory=list)
    #: Filled by `apply_plan`: {extension field namespace: learners whose values it changed}.
    extra_applied: dict[str, int] = field(default_factory=dict)


def _name(values: dict[str, Any]) -> str:
    first = values.get("preferred_first_name") or values.get("legal_first_name", "")
    last = values.get("preferred_last_name") or values.get("legal_last_name", "")
    return f"{first} {last}".strip()


def _reject_duplicates(parsed: list[mis.ParsedRow]) -> None:
    """Every row whose UPN or ULN is also in another row gets an error: the file does not say which is right.

    Identifiers are counted a column at a time; rows are grouped only for repeated ones, the
    groups taken in the order their identifier first appears (UPN before ULN in the same row)."""
    groups: list[tuple[tuple[int, int], str, str, list[mis.ParsedRow]]] = []
    for order, fld in enumerate(("upn", "uln")):
        column: list[str] = [row.values.get(fld) or "" for row in parsed]
        counts = collections.Counter(column)
        repeated = {value for value, count in counts.items() if value and count > 1}
        if not repeated:
            continue
        rows_of: dict[str, list[mis.ParsedRow]] = {}
        first: dict[str, int] = {}
        for index, value in enumerate(column):
            if value in repeated:
                first.setdefault(value, index)
                rows_of.setdefault(value, []).append(parsed[index])
        groups.extend(((first[value], order), fld, value, rows) for value, rows in rows_of.items())
    for _first, fld, value, rows in sorted(groups, key=lambda group: group[0]):
        for row in rows:
            others = ", ".join(str(other.number) for other in rows if other is not row)
            row.errors.append((fld.upper(), f"{value} is also in row {others}: the file does not say which is right"))


def _parse_extra(
    row: mis.ParsedRow, cells: list[Any], columns: dict[int, str], extras: extensions.ResolvedExtensions
) -> None:
    for index, fld in columns.items():
        extra = extras.by_field[fld][1]
        try:
            row.extra[fld] = extra.parse(cells[index] if index < len(cells) else None)
        except ValueError as exc:
            row.errors.append((extra.label, str(exc)))


def _parse_all(
    table: mis.Table,
    columns: dict[int, str],
    today: datetime.date,
    progress: Callable[[int], None] | None,
    extras: extensions.ResolvedExtensions | None = None,
) -> list[mis.ParsedRow]:
    """Every row of the file, parsed and checked (`mis.parse_rows`, a chunk of `PROGRESS_EVERY`
    rows at a time so that progress is reported as before)."""
    own = {index: fld for index, fld in columns.items() if fld in mis.FIELD_LABELS}
    extra_columns = {index: fld for index, fld in columns.items() if extras and fld in extras.by_field}
    parser = mis.RowsParser(own, today)
    parsed: list[mis.ParsedRow] = []
    chunk: list[tuple[int, list[Any]]] = []
    for number, cells in table.rows():
        chunk.append((number, cells))
        if len(chunk) == PROGRESS_EVERY:
            parsed.extend(_parse_chunk(parser, chunk, extra_columns, extras))
            chunk = []
            if progress:
                progress(number - table.header_row)
    parsed.extend(_parse_chunk(parser, chunk, extra_columns, extras))
    return parsed


def _parse_chunk(
    parser: mis.RowsParser,
    chunk: list[tuple[int, list[Any]]],
    extra_columns: dict[int, str],
    extras: extensions.ResolvedExtensions | None,
) -> list[mis.ParsedRow]:
    rows = parser.parse(chunk)
    if extras and extra_columns:
        for row, (_number, cells) in zip(rows, chunk, strict=True):
            _parse_extra(row, cells, extra_columns, extras)
    return rows


def _classify_matched(institution: Institution, plan: Plan, matched: list[tuple[Learner, dict[str, Any]]]) -> None:
    """Learners on record named by a valid row: changed if a learner field or another app's field
    (`extensions`) would change, else unchanged."""
    plan.extra_changes = _extra_changes(institution, plan.extras, plan.extra_existing)
    for match, changes in matched:
        if changes or plan.extra_changes.get(match.pk):
            plan.changed.append((match, changes))
        else:
            plan.unchanged += 1


@dataclass
class CheckedRows:
    """A file's rows, parsed and checked (duplicates included): what the preview and the apply
    share (`_checked_rows` keeps them between the two)."""

    rows: list[mis.ParsedRow]
    empty_rows: int


def check_rows(
    *,
    table: mis.Table,
    mapping: dict[str, str],
    today: datetime.date,
    extras: extensions.ResolvedExtensions,
    progress: Callable[[int], None] | None = None,
) -> CheckedRows:
    """Parse and check every row of the file (no database). Raises mis.MisFileError."""
    columns = mis.column_indexes(table.headers, mapping)
    parsed = _parse_all(table, columns, today, progress, extras)
    if not parsed:
        raise mis.MisFileError(
            f"The file has no learners in it ({table.empty_rows:,} empty rows were skipped). Nothing was changed."
        )
    _reject_duplicates(parsed)
    return CheckedRows(rows=parsed, empty_rows=table.empty_rows)


def plan_import(
    *,
    institution: Institution,
    table: mis.Table,
    mapping: dict[str, str],
    full_import: bool,
    today: datetime.date,
    progress: Callable[[int], None] | None = None,
    extras: extensions.ResolvedExtensions | None = None,
) -> Plan:
    """Compare every row with the learners on record. Reads, never writes.

    `extras` defaults to the extensions that apply to the institution now (looked up again at
    apply, so a field switched off after the preview is not stored)."""
    extras = extras if extras is not None else extensions.resolve(institution)
    checked = check_rows(table=table, mapping=mapping, today=today, extras=extras, progress=progress)
    return plan_checked(
        institution=institution, checked=checked, headers=table.headers, full_import=full_import, extras=extras
    )


def plan_checked(
    *,
    institution: Institution,
    checked: CheckedRows,
    headers: list[str],
    full_import: bool,
    extras: extensions.ResolvedExtensions,
) -> Plan:
    """Compare checked rows with the learners on record. Reads, never writes."""
    plan = Plan(extras=extras, not_read=extras.not_read_columns(headers, mis.header_key))
    parsed = checked.rows
    plan.rows = len(parsed)
    plan.empty_rows = checked.empty_rows
    # The learners on record as {field: value} of the fields an import compares, not as model
    # instances (building 2,000 of them, timestamps included, took longer than the comparison);
    # instances are made only for the learners that change or leave.
    existing = [
        dict(zip(_RECORD_FIELDS, values, strict=True))
        for values in Learner.objects.filter(institution=institution).values_list(*_RECORD_FIELDS)
    ]
    by_upn = {learner["upn"]: learner for learner in existing if learner["upn"]}
    by_uln = {learner["uln"]: learner for learner in existing if learner["uln"]}
    present: set[int] = set()
    matched: list[tuple[Learner, dict[str, Any]]] = []
    unchanged: list[int] = []
    if not existing:
        # No learners on record (a school's first import): every valid row is new, and nobody
        # is matched, changed or leaving; the rows are sorted without looking each one up.
        for row in parsed:
            if row.errors:
                _reject(plan, row)
        plan.new = [row.values for row in parsed if not row.errors]
        plan.extra_new = [row.extra for row in parsed if not row.errors]
        _classify_matched(institution, plan, matched)
        return plan
    for row in parsed:
        values = row.values
        match = by_upn.get(values.get("upn") or "") or by_uln.get(values.get("uln") or "")
        if row.errors:
            _reject(plan, row)
            kept = match or by_upn.get(row.key) or by_uln.get(row.key)
            if kept is not None:
                present.add(kept["id"])
            continue
        if match is None:
            plan.new.append(values)
            plan.extra_new.append(row.extra)
            continue
        pk = match["id"]
        present.add(pk)
        changes = {fld: value for fld, value in values.items() if match[fld] != value}
        if match["left_on"] is not None:
            changes["left_on"] = None
        if row.extra:
            plan.extra_existing[pk] = row.extra
        if changes or row.extra:
            matched.append((_instance(institution, match), changes))
        else:
            unchanged.append(pk)
    _classify_matched(institution, plan, matched)
    plan.unchanged += len(unchanged)
    if full_import:
        plan.leaving = [
            _instance(institution, learner)
            for learner in existing
            if learner["left_on"] is None and learner["id"] not in present
        ]
    return plan


def _reject(plan: Plan, row: mis.ParsedRow) -> None:
    """Count a row with errors as rejected, keeping its errors (up to `STORED_ERRORS` in all)."""
    plan.rejected_rows += 1
    for label, reason in row.errors:
        if len(plan.errors) < STORED_ERRORS:
            plan.errors.append({"row": row.number, "field": label, "reason": reason})


#: The learner fields an import reads from the record: to match rows, compare them and name learners.
_RECORD_FIELDS = ("id", "left_on", *IMPORTED_FIELDS)


def _instance(institution: Institution, values: dict[str, Any]) -> Learner:
    """A learner on record from its compared fields (enough to update them, name it and key it)."""
    learner = Learner(institution=institution, **values)
    learner._state.adding = False
    return learner


def _split_by_extension(
    extras: extensions.ResolvedExtensions, values: dict[int, dict[str, Any]]
) -> list[tuple[extensions.LearnerImportExtension, dict[int, dict[str, Any]]]]:
    """{learner id: values} split into each extension's own fields (extensions with none left out)."""
    result = []
    for extension in extras.extensions:
        own = {pk: {f: v for f, v in row.items() if extras.by_field[f][0] is extension} for pk, row in values.items()}
        own = {pk: row for pk, row in own.items() if row}
        if own:
            result.append((extension, own))
    return result


def _extra_changes(
    institution: Institution, extras: extensions.ResolvedExtensions, values: dict[int, dict[str, Any]]
) -> dict[int, set[str]]:
    changed: dict[int, set[str]] = {}
    for extension, own in _split_by_extension(extras, values):
        for pk, fields in extension.changes(institution=institution, values=own).items():
            if fields:
                changed.setdefault(pk, set()).update(fields)
    return changed


def _store_plan(learner_import: LearnerImport, plan: Plan) -> None:
    learner_import.row_count = plan.rows
    learner_import.empty_rows = plan.empty_rows
    learner_import.new_count = len(plan.new)
    learner_import.changed_count = len(plan.changed)
    learner_import.unchanged_count = plan.unchanged
    learner_import.leaving_count = len(plan.leaving)
    learner_import.rejected_count = plan.rejected_rows
    learner_import.errors = plan.errors
    labels = {**plan.extras.labels, **mis.FIELD_LABELS}
    learner_import.samples = {
        "new": [_name(values) for values in plan.new[:SAMPLE_NAMES]],
        "changed": [
            {
                "name": learner.display_name,
                "fields": sorted(labels.get(f, "Left") for f in {*changes, *plan.extra_changes.get(learner.pk, set())}),
            }
            for learner, changes in plan.changed[:SAMPLE_NAMES]
        ],
        "leaving": [learner.display_name for learner in plan.leaving[:SAMPLE_NAMES]],
        "not_read": plan.not_read,
    }


#: Progress is written at most this often (each write is a commit; the page is refreshed by hand).
PROGRESS_SECONDS = 0.5


def _progress_writer(learner_import_id: int) -> Callable[[int], None]:
    last = [-PROGRESS_SECONDS]

    def write(done: int) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_SECONDS:
            last[0] = now
            LearnerImport.objects.filter(pk=learner_import_id).update(progress_done=done)

    return write


@contextlib.contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a file's rows are read, checked and compared.
    They are many small dicts and lists without reference cycles (reference counting frees them),
    and each full collection scanned them all again: at 50,000 rows, four of 0.2 s each. The
    collector is switched on again afterwards (unless something else had switched it off)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _fail(learner_import: LearnerImport, message: str) -> LearnerImport:
    """Mark a check or apply FAILED with a message for the user; the file, the kept rows and the
    names of the preview are deleted (a failed import is uploaded again). An import cancelled
    meanwhile (e.g. a stalled check) stays cancelled."""
    with transaction.atomic():
        locked = LearnerImport.objects.select_for_update().get(pk=learner_import.pk)
        if locked.status == ImportStatus.CANCELLED:
            return locked
        locked.status = ImportStatus.FAILED
        locked.error = message
        locked.finished_at = timezone.now()
        locked.samples = _not_read_only(locked.samples)
        locked.errors = []
        locked.details_cleared_at = locked.finished_at
        locked.save(update_fields=["status", "error", "finished_at", "samples", "errors", "details_cleared_at"])
    locked.institution = learner_import.institution
    _forget_checked_rows(locked)
    _forget_file(locked)
    return locked


#: Checked rows are kept this long between the preview and the confirmation (then checked again).
CHECKED_ROWS_SECONDS = 60 * 60
#: Part of the key of kept rows: change it whenever the rows that `check_rows` gives could change.
CHECKED_ROWS_VERSION = 3


def _checked_rows_key(
    learner_import: LearnerImport, sha256: str, today: datetime.date, extras: extensions.ResolvedExtensions
) -> str:
    """The rows of this import's file as checked with this mapping, on this day (dates of birth in
    the future are refused), with these other apps' fields, and with the current limits."""
    parts = json.dumps(
        [
            CHECKED_ROWS_VERSION,
            learner_import.pk,
            sha256,
            learner_import.headers,
            sorted(learner_import.mapping.items()),
            today.isoformat(),
            sorted(extras.by_field),
            mis.MAX_ROWS,
            mis.MAX_TRAILING_EMPTY_ROWS,
        ]
    )
    return f"learners:checked-rows:{hashlib.sha256(parts.encode()).hexdigest()}"


def _checked_rows(
    learner_import: LearnerImport,
    today: datetime.date,
    extras: extensions.ResolvedExtensions,
    progress: Callable[[int], None] | None,
    *,
    consume: bool = False,
) -> tuple[CheckedRows, list[str]]:
    """The import's rows, checked, and the file's headers. Rows checked by the preview are kept in
    the cache (`CHECKED_ROWS_SECONDS`) under a key naming the file's content (hashed again here),
    the mapping, the day and the other apps' fields, so that the apply re-uses them only when
    checking again would give the same rows; otherwise (or when the cache lost them) the file is
    read and checked again. Raises mis.MisFileError."""
    with learner_import.file.open("rb") as handle:
        data = handle.read()
    key = _checked_rows_key(learner_import, hashlib.sha256(data).hexdigest(), today, extras)
    kept = cache.get(key)
    if consume:
        cache.delete(key)  # learners' personal data: not kept once the apply has what it needs
    if kept is not None:
        estimated_rows, header_row, empty_rows, columns = kept
        _set_progress_total(learner_import, estimated_rows, progress)
        if progress:
            _report_kept(progress, columns[0], header_row)
        return CheckedRows(rows=list(map(mis.ParsedRow, *columns)), empty_rows=empty_rows), learner_import.headers
    table = mis.open_table(data)
    _set_progress_total(learner_import, table.estimated_rows, progress)
    checked = check_rows(table=table, mapping=learner_import.mapping, today=today, extras=extras, progress=progress)
    # Kept as a list per attribute (number, values, errors, extra, key): quicker to store and load.
    columns = [list(map(attrgetter(name), checked.rows)) for name in _PARSED_ROW_FIELDS]
    cache.set(key, (table.estimated_rows, table.header_row, checked.empty_rows, columns), CHECKED_ROWS_SECONDS)
    return checked, table.headers


_PARSED_ROW_FIELDS = ("number", "values", "errors", "extra", "key")


def _set_progress_total(learner_import: LearnerImport, total: int, progress: Callable[[int], None] | None) -> None:
    learner_import.progress_total = total
    if progress:
        LearnerImport.objects.filter(pk=learner_import.pk).update(progress_total=total)


def _report_kept(progress: Callable[[int], None], numbers: list[int], header_row: int) -> None:
    """Progress over kept rows, as reading them reports it (`_parse_all`)."""
    for index in range(PROGRESS_EVERY, len(numbers) + 1, PROGRESS_EVERY):
        progress(numbers[index - 1] - header_row)


def import_check(
    *, learner_import_id: int, report_progress: bool = True, extras: extensions.ResolvedExtensions | None = None
) -> LearnerImport:
    """Work out the preview of a mapped import (status CHECKING → READY, or FAILED).

    `report_progress` writes progress as the rows are read (for the progress bar of background
    imports); during a request nobody is looking at it."""
    learner_import = LearnerImport.objects.select_related("institution__organisation").get(pk=learner_import_id)
    if learner_import.status != ImportStatus.CHECKING:
        return learner_import
    return _check(learner_import, report_progress=report_progress, extras=extras)


def _check(
    learner_import: LearnerImport, *, report_progress: bool, extras: extensions.ResolvedExtensions | None
) -> LearnerImport:
    institution = learner_import.institution
    extras = extras if extras is not None else extensions.resolve(institution)
    try:
        with _without_cyclic_gc():
            checked, headers = _checked_rows(
                learner_import,
                timezone.localdate(),
                extras,
                _progress_writer(learner_import.pk) if report_progress else None,
            )
            plan = plan_checked(
                institution=institution,
                checked=checked,
                headers=headers,
                full_import=learner_import.full_import,
                extras=extras,
            )
    except mis.MisFileError as exc:
        learner_import.refresh_from_db()
        return _fail(learner_import, str(exc))
    except OSError:  # the file is gone: cancelled meanwhile (then it stays so), or lost from storage
        return _fail(learner_import, "The file could not be read. Nothing was changed: upload it again.")
    # Stored only if still being checked, in one UPDATE ... WHERE status = CHECKING: it takes the
    # row's lock and PostgreSQL checks the condition again on the row as committed, so a stalled
    # check cancelled meanwhile (`import_cancel`, which holds the same lock) stays cancelled when
    # its worker finishes after all, and a cancellation that comes after finds the import READY.
    # Only the preview's fields are written (the rest of the row is what the database holds);
    # `_checked_rows` has set the progress total (`estimated_rows`, at least 1).
    _store_plan(learner_import, plan)
    learner_import.progress_done = learner_import.progress_total
    learner_import.status = ImportStatus.READY
    stored = LearnerImport.objects.filter(pk=learner_import.pk, status=ImportStatus.CHECKING).update(
        **{name: getattr(learner_import, name) for name in _PREVIEW_FIELDS}
    )
    if stored:
        return learner_import
    learner_import.refresh_from_db()
    learner_import.institution = institution
    _forget_checked_rows(learner_import)  # kept by this check after the cancellation had forgotten them
    return learner_import


#: What `_check` writes: the preview (`_store_plan`), the progress and the status.
_PREVIEW_FIELDS = (
    "row_count",
    "empty_rows",
    "new_count",
    "changed_count",
    "unchanged_count",
    "leaving_count",
    "rejected_count",
    "errors",
    "samples",
    "progress_total",
    "progress_done",
    "status",
)


# Confirm and apply -----------------------------------------------------------------------------


def import_confirm(*, learner_import: LearnerImport, actor: Any) -> LearnerImport:
    updated = LearnerImport.objects.filter(pk=learner_import.pk, status=ImportStatus.READY).update(
        status=ImportStatus.APPLYING, confirmed_at=timezone.now(), progress_done=0
    )
    if not updated:
        raise LearnerImportError("This import is not waiting to be confirmed.")
    if learner_import.size_bytes > BACKGROUND_BYTES:
        from careershub.learners.tasks import apply_learner_import

        apply_learner_import.enqueue(learner_import.pk)
        learner_import.refresh_from_db()
        return learner_import
    return import_apply(learner_import_id=learner_import.pk, actor=actor, report_progress=False)


CHECKING_MESSAGE = (
    "The file is still being checked. Wait for its preview, then confirm or cancel the import. "
    "If it is still being checked 15 minutes after it began, you can cancel it."
)


def import_cancel(*, learner_import: LearnerImport, now: datetime.datetime | None = None) -> LearnerImport:
    """Cancel an import waiting for its careers leader (MAPPING or READY), or one whose check or
    apply has stalled (`check_stalled`, `apply_stalled`: its worker may have died). The file, the
    rows the preview kept and the preview's names and row problems are deleted; the counts and
    file name stay. Locked, so that a check finishing meanwhile either stores its preview first
    or finds it cancelled, and an apply ending later finds it cancelled and writes nothing."""
    with transaction.atomic():
        locked = LearnerImport.objects.select_for_update().get(pk=learner_import.pk)
        if locked.status == ImportStatus.CHECKING and not locked.check_stalled(now=now):
            raise LearnerImportError(CHECKING_MESSAGE)
        if locked.status == ImportStatus.APPLYING and locked.apply_stalled(now=now):
            pass  # its worker may have died; an apply that ends later finds it cancelled (`_apply_and_record`)
        elif locked.status not in {ImportStatus.MAPPING, ImportStatus.READY, ImportStatus.CHECKING}:
            raise LearnerImportError("This import can no longer be cancelled.")
        locked.status = ImportStatus.CANCELLED
        locked.finished_at = now or timezone.now()
        locked.samples = _not_read_only(locked.samples)
        locked.errors = []
        locked.details_cleared_at = locked.finished_at
        locked.save(update_fields=["status", "finished_at", "samples", "errors", "details_cleared_at"])
    locked.institution = learner_import.institution
    _forget_checked_rows(locked)
    _forget_file(locked)
    return locked


APPLYING_MESSAGE = (
    "The learners are being imported. If this is still under way 15 minutes after the import was "
    "confirmed, you can try it again or cancel it."
)


def import_retry(*, learner_import: LearnerImport, now: datetime.datetime | None = None) -> LearnerImport:
    """Queue again an import whose apply has stalled (`apply_stalled`: its worker may have died).
    Nothing was written by the stalled apply (it is one transaction); should it end after all,
    whichever apply commits first imports and the other finds the import done."""
    now = now or timezone.now()
    stalled_before = now - LONG_RUNNING
    updated = LearnerImport.objects.filter(
        pk=learner_import.pk, status=ImportStatus.APPLYING, confirmed_at__lt=stalled_before
    ).update(confirmed_at=now, progress_done=0)
    if not updated:
        learner_import.refresh_from_db()
        if learner_import.status == ImportStatus.APPLYING:
            raise LearnerImportError(APPLYING_MESSAGE)
        raise LearnerImportError("This import is no longer being imported.")
    from careershub.learners.tasks import apply_learner_import

    apply_learner_import.enqueue(learner_import.pk)
    learner_import.refresh_from_db()
    return learner_import


def _not_read_only(samples: dict[str, Any]) -> dict[str, Any]:
    """The preview's samples less the learners' names: the columns not read (headers) stay."""
    return {"not_read": samples["not_read"]} if samples.get("not_read") else {}


def _forget_checked_rows(learner_import: LearnerImport, *, extras: extensions.ResolvedExtensions | None = None) -> None:
    """Drop the rows the preview kept in the cache (learners' personal data) once not needed:
    those kept under the stored file's hash (read again: it may have been replaced) and under the
    hash taken at upload, checked today or yesterday (kept rows live an hour). Call it before
    `_forget_file`."""
    hashes = {learner_import.sha256} - {""}
    if learner_import.file:
        try:
            with learner_import.file.open("rb") as handle:
                hashes.add(hashlib.sha256(handle.read()).hexdigest())
        except OSError:
            pass  # gone already: what was kept under its hash is under the upload's hash
    if not hashes:
        return
    extras = extras if extras is not None else extensions.resolve(learner_import.institution)
    today = timezone.localdate()
    cache.delete_many(
        [
            _checked_rows_key(learner_import, sha256, day, extras)
            for sha256 in hashes
            for day in (today, today - datetime.timedelta(days=1))
        ]
    )


def _forget_file(learner_import: LearnerImport) -> bool:
    """Delete the stored file (every learner's personal data) from storage and the import.
    Returns whether it was deleted; if storage refuses, the import keeps its name and the daily
    retention task tries again."""
    name = learner_import.file.name
    if not _delete_stored_file(learner_import):
        return False
    LearnerImport.objects.filter(pk=learner_import.pk, file=name).update(file="")
    return True


def _delete_stored_file(learner_import: LearnerImport) -> bool:
    """Delete the import's file from storage and empty its field (not saved). Returns whether it
    did; when storage refuses, the field keeps the name for the retention task to try again."""
    if not learner_import.file:
        return False
    try:
        learner_import.file.storage.delete(learner_import.file.name)
    except Exception:
        logger.exception("Could not delete the file of learner import %s; retention will try again", learner_import.pk)
        return False
    learner_import.file = ""  # type: ignore[assignment]
    return True


def import_apply(*, learner_import_id: int, actor: Any = None, report_progress: bool = True) -> LearnerImport:
    """Apply a confirmed import in one transaction (status APPLYING → DONE, or FAILED): the rows
    the preview checked when nothing has changed since (`_checked_rows`), else the file read and
    checked again; compared with the learners on record as they are now."""
    learner_import = LearnerImport.objects.select_related("institution__organisation", "created_by").get(
        pk=learner_import_id
    )
    if learner_import.status != ImportStatus.APPLYING:
        return learner_import
    actor = actor or learner_import.created_by
    institution = learner_import.institution
    today = timezone.localdate()
    extras = extensions.resolve(institution)
    try:
        with _without_cyclic_gc():
            checked, headers = _checked_rows(
                learner_import,
                today,
                extras,
                _progress_writer(learner_import.pk) if report_progress else None,
                consume=True,
            )
            plan = plan_checked(
                institution=institution,
                checked=checked,
                headers=headers,
                full_import=learner_import.full_import,
                extras=extras,
            )
    except mis.MisFileError as exc:
        learner_import.refresh_from_db()
        return _fail(learner_import, str(exc))
    # The apply writes only its own fields (`_APPLIED_FIELDS`); it starts by locking the import
    # and finding it still APPLYING (a stalled apply may have been cancelled or tried again).
    try:
        _apply_and_record(learner_import, plan, today, actor)
    except _NoLongerApplying:
        learner_import.refresh_from_db()
        return learner_import
    except Exception:
        learner_import.refresh_from_db()
        _fail(learner_import, "The import could not be completed. Nothing was changed; try again later.")
        raise
    return learner_import


class _NoLongerApplying(Exception):
    """The import was cancelled, or applied by another try, while this apply read its file."""


def _apply_and_record(learner_import: LearnerImport, plan: Plan, today: datetime.date, actor: Any) -> None:
    with transaction.atomic():
        # Locked for the whole apply: a cancel or another try waits for it, then finds it done.
        if not LearnerImport.objects.select_for_update().filter(pk=learner_import.pk, status=ImportStatus.APPLYING):
            raise _NoLongerApplying
        apply_plan(institution=learner_import.institution, plan=plan, today=today)
        _store_plan(learner_import, plan)
        learner_import.samples = _not_read_only(learner_import.samples)  # names are for the preview only
        learner_import.applied = True
        learner_import.status = ImportStatus.DONE
        learner_import.finished_at = timezone.now()
        learner_import.progress_done = learner_import.progress_total
        # Applied: the file and any rows kept from it are no longer needed (the result page shows
        # counts). Deleted here so that DONE and the emptied field are one write; should the
        # transaction fail after all, the import is FAILED, which deletes the file anyway.
        _forget_checked_rows(learner_import, extras=plan.extras)
        _delete_stored_file(learner_import)
        learner_import.save(update_fields=_APPLIED_FIELDS)
        record(
            actor=actor,
            organisation=learner_import.institution.organisation,
            action=AuditAction.IMPORT,
            instance=learner_import,
            after={
                "file": learner_import.original_name,
                "new": len(plan.new),
                "changed": len(plan.changed),
                "unchanged": plan.unchanged,
                "left": len(plan.leaving),
                "rejected_rows": plan.rejected_rows,
                **{f"{name} changed": count for name, count in plan.extra_applied.items()},
            },
        )


#: What `_apply_and_record` writes: the plan's counts (as the preview), the result and the file.
_APPLIED_FIELDS = (*_PREVIEW_FIELDS, "applied", "finished_at", "file")


def apply_plan(*, institution: Institution, plan: Plan, today: datetime.date) -> None:
    """Write a plan: create, update and mark as left, in bulk (call inside a transaction)."""
    created = _insert_new(institution, plan.new, keys=any(plan.extra_new))
    by_fields: dict[tuple[str, ...], list[Learner]] = {}
    now = timezone.now()
    for learner, changes in plan.changed:
        if not changes:  # only other apps' fields change
            continue
        for fld, value in changes.items():
            setattr(learner, fld, value)
        learner.updated_at = now
        by_fields.setdefault((*sorted(changes), "updated_at"), []).append(learner)
    for fields, learners in by_fields.items():
        Learner.objects.bulk_update(learners, list(fields), batch_size=1000)
    if plan.leaving:
        Learner.objects.filter(pk__in=[learner.pk for learner in plan.leaving]).update(left_on=today, updated_at=now)
    extra_values = dict(plan.extra_existing)
    for pk, extra in zip(created, plan.extra_new, strict=False):  # no keys when no new learner has extras
        if extra:
            extra_values[pk] = extra
    for extension, own in _split_by_extension(plan.extras, extra_values):
        namespace = next(iter(next(iter(own.values())))).split(".", 1)[0]
        plan.extra_applied[namespace] = extension.apply(institution=institution, values=own)


def _insert_new(institution: Institution, rows: list[dict[str, Any]], *, keys: bool = True) -> list[int]:
    """Create the plan's new learners. On PostgreSQL with COPY, in the caller's transaction (a
    failure rolls the whole import back, as before): the ORM's bulk_create spent most of an
    import's write time preparing each value in Python. Every column gets what the model would
    give it: the row's values, else the field's default; created_at and updated_at now. The rows
    were validated by `mis.parse_row` like those bulk_create writes. Elsewhere, bulk_create.
    Returns the new learners' primary keys in the order of `rows` (on PostgreSQL only if `keys`:
    COPY gives none, so they are read back)."""
    connection = connections[router.db_for_write(Learner)]
    if connection.vendor != "postgresql":
        created = Learner.objects.bulk_create(
            [Learner(institution=institution, **values) for values in rows], batch_size=1000
        )
        return [learner.pk for learner in created]
    if not rows:
        return []
    now = timezone.now()
    template = Learner(institution=institution, created_at=now, updated_at=now)
    fields = [f for f in Learner._meta.concrete_fields if not f.primary_key]
    defaults = {f.name: f.get_db_prep_save(getattr(template, f.attname), connection) for f in fields}
    columns = {f.name: f.column for f in fields}
    # The rows of a file carry the same fields (those mapped), in the same order: one COPY per
    # such set, its columns in the rows' order and then the others with their defaults, so that
    # each row is written as its values and the defaults, without a look-up per column.
    by_names: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for values in rows:
        by_names.setdefault(tuple(values), []).append(values)
    table = connection.ops.quote_name(Learner._meta.db_table)
    with connection.cursor() as cursor:
        for names, group in by_names.items():
            rest = [name for name in defaults if name not in names]
            listed = ", ".join(connection.ops.quote_name(columns[name]) for name in (*names, *rest))
            tail = tuple(defaults[name] for name in rest)
            text = _copy_text(group, tail)
            with cursor.cursor.copy(f"COPY {table} ({listed}) FROM STDIN") as copy:
                if text is not None:
                    copy.write(text)
                    continue
                for values in group:  # choices (SenStatus.NONE...) are str: psycopg writes their value
                    copy.write_row((*values.values(), *tail))
    if not keys:
        return []
    # COPY returns no keys: read them back by identifier (unique within the institution).
    stored = {
        (upn or "", uln or ""): pk
        for pk, upn, uln in Learner.objects.filter(institution=institution, created_at=now).values_list(
            "pk", "upn", "uln"
        )
    }
    return [stored[(values.get("upn") or "", values.get("uln") or "")] for values in rows]


#: COPY's text format: these characters of a text value are written escaped (a NUL cannot be).
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_SPECIAL = re.compile(r"[\\\t\n\r\x00]")


def _copy_cell(value: Any) -> str | None:
    """A value as COPY's text format writes it (what psycopg's `write_row` sends), or None for a
    value this does not write (another type, or text holding a NUL)."""
    if isinstance(value, str):  # choices (SenStatus.NONE...) are str: their value, as psycopg writes it
        return None if "\x00" in value else str.__str__(value).translate(_COPY_ESCAPES)
    if value is None:
        return "\\N"
    if type(value) is bool:
        return "t" if value else "f"
    if isinstance(value, int):  # psycopg's Int4 (what Django prepares for integer fields) too
        return str(int(value))
    if type(value) is datetime.date:
        return value.isoformat()
    if type(value) is datetime.datetime and value.tzinfo is not None:
        return value.isoformat()
    return None


def _copy_column(cells: tuple[Any, ...]) -> Sequence[str] | None:
    """A column of new learners' values in COPY's text format (None: see `_copy_cell`). A file's
    column holds one type (text, dates, year groups, yes/no): each is written a column at a time."""
    kinds = set(map(type, cells))
    if kinds == {str}:
        return cells if not _COPY_SPECIAL.search("".join(cells)) else _copy_cells(cells)
    if kinds == {bool}:
        return ["t" if cell else "f" for cell in cells]
    if kinds == {datetime.date}:
        return list(map(datetime.date.isoformat, cells))
    if kinds == {int}:
        return list(map(str, cells))
    return _copy_cells(cells)


def _copy_cells(cells: Iterable[Any]) -> list[str] | None:
    text = list(map(_copy_cell, cells))
    return None if None in text else cast(list[str], text)


def _copy_text(group: list[dict[str, Any]], tail: tuple[Any, ...]) -> str | None:
    """The rows of `group` (the same fields in the same order), each followed by `tail`, as the
    data of one COPY in its text format; None when a value is not one `_copy_cell` writes (the
    rows are then written with psycopg's `write_row`, as before). Formatting the file's columns
    here is quicker than psycopg's per-row adaptation of every value, the defaults included."""
    tail_cells = _copy_cells(tail)
    columns = [_copy_column(cells) for cells in zip(*map(dict.values, group), strict=True)]
    if tail_cells is None or any(column is None for column in columns):
        return None
    end = "".join(f"\t{cell}" for cell in tail_cells) + "\n"
    return end.join(map("\t".join, zip(*cast(list[Sequence[str]], columns), strict=True))) + end


# Careers details ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CareersDetailsConflict:
    """Someone else saved the careers details after the user loaded them: theirs, for the page."""

    intended_destination: str
    considering_higher_education: bool
    version: int


def learner_update_careers_details(
    *,
    learner: Learner,
    actor: Any,
    intended_destination: str,
    considering_higher_education: bool,
    expected_version: int,
) -> CareersDetailsConflict | None:
    """Save a learner's intended destination and whether they are considering higher education.

    Saved only if nobody else saved them since the user loaded version `expected_version`;
    otherwise nothing changes and their values come back. Audited with before and after.
    """
    with transaction.atomic():
        current = Learner.objects.select_for_update().get(pk=learner.pk)
        if current.careers_details_version != expected_version:
            return CareersDetailsConflict(
                current.intended_destination, current.considering_higher_education, current.careers_details_version
            )
        before = {
            "intended_destination": current.intended_destination,
            "considering_higher_education": current.considering_higher_education,
        }
        current.intended_destination = intended_destination.strip()
        current.considering_higher_education = considering_higher_education
        current.careers_details_version += 1
        current.save(
            update_fields=[
                "intended_destination",
                "considering_higher_education",
                "careers_details_version",
                "updated_at",
            ]
        )
        record(
            actor=actor,
            organisation=current.institution.organisation,
            action=AuditAction.UPDATE,
            instance=current,
            before=before,
            after={
                "intended_destination": current.intended_destination,
                "considering_higher_education": current.considering_higher_education,
            },
            label=f"Careers details of learner {current.identifier}",
        )
    learner.intended_destination = current.intended_destination
    learner.considering_higher_education = current.considering_higher_education
    learner.careers_details_version = current.careers_details_version
    return None


# Retention -------------------------------------------------------------------------------------


def learners_delete_departed(*, today: datetime.date | None = None) -> int:
    """Delete every learner who left more than the retention period ago; returns how many."""
    today = today or timezone.localdate()
    cutoff = today - datetime.timedelta(days=retention_days())
    departed = Learner.objects.departed_before(cutoff)
    for held in retention_holds(today):
        departed = departed.exclude(pk__in=held)
    total = 0
    for institution_id in departed.values_list("institution_id", flat=True).distinct():
        institution = Institution.objects.select_related("organisation").get(pk=institution_id)
        with transaction.atomic():
            deleted = departed.filter(institution=institution)
            count = deleted.count()
            deleted.delete()
            record(
                actor=None,
                organisation=institution.organisation,
                action=AuditAction.DELETE,
                instance=institution,
                after={"learners_deleted": count, "left_before": cutoff.isoformat()},
                label=f"{count} departed learners of {institution.name} (retention)",
            )
        total += count
    return total


#: Statuses after which an import's file is no longer needed.
FINISHED_IMPORTS = (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.CANCELLED)
#: Statuses in which an import waits for its careers leader, or for a check that may have stalled.
UNCONFIRMED_IMPORTS = (ImportStatus.MAPPING, ImportStatus.READY, ImportStatus.CHECKING)


def imports_expire(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Retention of learner imports (run daily; running it again changes nothing):

    - imports left unconfirmed (columns to match, ready to confirm, or a check that stalled) for
      more than `IMPORT_UNCONFIRMED_DAYS` since their upload or last check, and imports still
      applying that long after their confirmation (an apply that stalled), are cancelled: their
      file, kept rows and the preview's names and row problems are deleted;
    - files still kept by finished imports (imports finished before files were deleted at once,
      or whose storage refused the deletion) are deleted;
    - finished imports' names and row problems are cleared `IMPORT_DETAILS_DAYS` after they
      finished; their counts and file name stay.

    One DELETE audit event per institution names the numbers. Returns the totals."""
    now = now or timezone.now()
    unconfirmed_before = now - datetime.timedelta(days=import_unconfirmed_days())
    details_before = now - datetime.timedelta(days=import_details_days())
    cut_off = min(unconfirmed_before, now - LONG_RUNNING)
    waiting = LearnerImport.objects.annotate(started=Coalesce("check_started_at", "created_at")).filter(
        Q(status__in=UNCONFIRMED_IMPORTS, started__lt=cut_off)
        | Q(status=ImportStatus.APPLYING, confirmed_at__lt=cut_off)
    )
    kept_files = LearnerImport.objects.filter(status__in=FINISHED_IMPORTS).exclude(file="")
    details = LearnerImport.objects.annotate(ended=Coalesce("finished_at", "created_at")).filter(
        status__in=FINISHED_IMPORTS, details_cleared_at__isnull=True, ended__lt=details_before
    )
    institution_ids = {
        *waiting.values_list("institution_id", flat=True),
        *kept_files.values_list("institution_id", flat=True),
        *details.values_list("institution_id", flat=True),
    }
    totals: collections.Counter[str] = collections.Counter()
    for institution in Institution.objects.filter(pk__in=institution_ids).select_related("organisation").order_by("pk"):
        counts: collections.Counter[str] = collections.Counter()
        for unconfirmed in waiting.filter(institution=institution).select_related("institution"):
            had_file = bool(unconfirmed.file)
            try:
                cancelled = import_cancel(learner_import=unconfirmed, now=now)
            except LearnerImportError:
                continue  # confirmed or finished meanwhile
            counts["imports_cancelled"] += 1
            counts["files_deleted"] += had_file and not cancelled.file
        for finished in kept_files.filter(institution=institution):
            counts["files_deleted"] += _forget_file(finished)
        with transaction.atomic():
            for detailed in details.filter(institution=institution).select_for_update():
                detailed.samples = _not_read_only(detailed.samples)
                detailed.errors = []
                detailed.details_cleared_at = now
                detailed.save(update_fields=["samples", "errors", "details_cleared_at"])
                counts["details_cleared"] += 1
        record_import_retention(
            institution=institution,
            counts=counts,
            kind="learner_imports",
            label="Learner import files and details",
            unconfirmed_before=unconfirmed_before,
            details_before=details_before,
        )
        totals.update(counts)
    return {name: totals[name] for name in ("imports_cancelled", "files_deleted", "details_cleared")}
