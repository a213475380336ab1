"""Writes on destinations: leaver records, activity records and destination imports. Each is
atomic and audited against the learner's institution (learner data: who changed what).

Concurrent edits: a leaver record carries a version; a save with a stale version is refused
with `DestinationConflict`, so two careers leaders never silently overwrite each other.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from careershub.audit.models import AuditAction
from careershub.audit.services import record, snapshot
from careershub.destinations import lafile
from careershub.destinations.models import (
    ActivityCode,
    ActivityRecord,
    ActivitySource,
    DestinationImport,
    ImportStatus,
    Leaver,
    SeptemberGuarantee,
    Stage,
    TrackingConsent,
)
from careershub.institutions.models import Institution
from careershub.learners.models import Learner, SenStatus
from careershub.organisations.models import Organisation

LEAVER_FIELDS = ["stage", "leaving_year", "intended_code", "september_guarantee", "tracking_consent"]
#: Statutory tracking runs to academic age 17 (18 with... see `needs_consent`).
STATUTORY_LAST_ACADEMIC_AGE = 17
EHC_PLAN_LAST_ACADEMIC_AGE = 24
MAX_ERRORS = 500


class DestinationError(ValueError):
    """A change that cannot be made, with a message for the user."""


class DestinationConflict(DestinationError):
    """Someone else saved this leaver record since it was loaded."""


def academic_age(learner: Learner, day: datetime.date) -> int:
    """Age on the 31 August before `day` (how NCCIS counts ages)."""
    start = datetime.date(day.year if day.month >= 9 else day.year - 1, 8, 31)
    return learner.age_on(start)


def needs_consent(learner: Learner, day: datetime.date) -> bool:
    """Whether tracking on `day` is beyond the statutory duty (academic age 16-17, or up to 24
    with an EHC plan), so the young person's consent is needed to keep recording."""
    limit = EHC_PLAN_LAST_ACADEMIC_AGE if learner.sen_status == SenStatus.EHC_PLAN else STATUTORY_LAST_ACADEMIC_AGE
    return academic_age(learner, day) > limit


def default_stage(learner: Learner) -> str | None:
    if learner.year_group == 11:
        return Stage.YEAR_11
    if learner.year_group in {13, 14}:
        return Stage.YEAR_13
    return None


def default_leaving_year(learner: Learner, today: datetime.date | None = None) -> int:
    """The summer the learner left (or will leave, if still on roll)."""
    if learner.left_on:
        return learner.left_on.year
    today = today or timezone.localdate()
    return today.year if today.month < 9 else today.year + 1


def default_leaving_year_today() -> int:
    """This academic year's summer (the next summer from September)."""
    today = timezone.localdate()
    return today.year if today.month < 9 else today.year + 1


def tracking_window(leaver: Leaver) -> tuple[datetime.date, datetime.date]:
    """Activity is recorded from June of the leaving year to three years after leaving."""
    return datetime.date(leaver.leaving_year, 6, 1), leaver.tracked_until


def check_activity(*, leaver: Leaver, recorded_on: datetime.date, code: ActivityCode, today: datetime.date) -> None:
    if recorded_on > today:
        raise DestinationError("The date must be today or in the past.")
    start, end = tracking_window(leaver)
    if not start <= recorded_on <= end:
        raise DestinationError(
            f"The date must be between {start:%-d %B %Y} and {end:%-d %B %Y} (three years after leaving)."
        )
    if code.pre_16_only:
        raise DestinationError(f"Code {code.code} is only used before school leaving age.")
    if needs_consent(leaver.learner, recorded_on) and leaver.tracking_consent != TrackingConsent.GIVEN:
        raise DestinationError(
            "The young person is past the age the local authority must track, and has not consented to "
            "being tracked: record their consent first."
        )


@transaction.atomic
def leaver_save(
    *,
    learner: Learner,
    stage: str,
    leaving_year: int,
    intended_code: ActivityCode | None,
    september_guarantee: str = SeptemberGuarantee.NOT_RECORDED,
    tracking_consent: str = TrackingConsent.NOT_ASKED,
    expected_version: int = 0,
    actor: Any = None,
) -> Leaver:
    """Create (expected_version 0) or update the learner's leaver record for `stage`."""
    locked = Leaver.objects.select_for_update().filter(learner=learner, stage=stage).first()
    current = locked.version if locked else 0
    if current != expected_version:
        raise DestinationConflict(
            "Someone else changed this leaver record while you were editing it. Check their changes and save again."
        )
    organisation = learner.institution.organisation
    values = {
        "leaving_year": leaving_year,
        "intended_code": intended_code,
        "september_guarantee": september_guarantee,
        "tracking_consent": tracking_consent,
    }
    user = actor if getattr(actor, "is_authenticated", False) else None
    if locked is None:
        leaver = Leaver.objects.create(learner=learner, stage=stage, updated_by=user, **values)
        record(
            actor=actor,
            organisation=organisation,
            action=AuditAction.CREATE,
            instance=leaver,
            after=snapshot(leaver, ["learner", *LEAVER_FIELDS]),
            label=f"Leaver record of learner {learner.identifier}",
        )
        return leaver
    before = snapshot(locked, LEAVER_FIELDS)
    for name, value in values.items():
        setattr(locked, name, value)
    locked.version += 1
    locked.updated_by = user
    locked.save()
    record(
        actor=actor,
        organisation=organisation,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=snapshot(locked, LEAVER_FIELDS),
        label=f"Leaver record of learner {learner.identifier}",
    )
    return locked


@transaction.atomic
def activity_record(
    *,
    leaver: Leaver,
    recorded_on: datetime.date,
    code: ActivityCode,
    source: str = ActivitySource.MANUAL,
    actor: Any = None,
    today: datetime.date | None = None,
) -> ActivityRecord:
    """Record what the leaver was doing from `recorded_on` (replacing a record of the same day)."""
    check_activity(leaver=leaver, recorded_on=recorded_on, code=code, today=today or timezone.localdate())
    user = actor if getattr(actor, "is_authenticated", False) else None
    existing = ActivityRecord.objects.select_for_update().filter(leaver=leaver, recorded_on=recorded_on).first()
    organisation = leaver.learner.institution.organisation
    label = f"Destination of learner {leaver.learner.identifier} on {recorded_on:%d/%m/%Y}"
    if existing is None:
        activity = ActivityRecord.objects.create(
            leaver=leaver, recorded_on=recorded_on, code=code, source=source, created_by=user
        )
        record(
            actor=actor,
            organisation=organisation,
            action=AuditAction.CREATE,
            instance=activity,
            after=snapshot(activity, ["leaver", "recorded_on", "code", "source"]),
            label=label,
        )
        return activity
    before = snapshot(existing, ["code", "source"])
    existing.code = code
    existing.source = source
    existing.created_by = user
    existing.save()
    record(
        actor=actor,
        organisation=organisation,
        action=AuditAction.UPDATE,
        instance=existing,
        before=before,
        after=snapshot(existing, ["code", "source"]),
        label=label,
    )
    return existing


@transaction.atomic
def activity_delete(*, activity: ActivityRecord, actor: Any = None) -> None:
    leaver = activity.leaver
    before = snapshot(activity, ["leaver", "recorded_on", "code", "source"])
    pk = activity.pk
    activity.delete()
    activity.pk = pk
    record(
        actor=actor,
        organisation=leaver.learner.institution.organisation,
        action=AuditAction.DELETE,
        instance=activity,
        before=before,
        label=f"Destination of learner {leaver.learner.identifier} on {activity.recorded_on:%d/%m/%Y}",
    )


@transaction.atomic
def add_year_leavers(*, institution: Institution, leaving_year: int, actor: Any = None) -> int:
    """Leaver records for the institution's Year 11 and Year 13 learners leaving in `leaving_year`
    (on roll, or left that year) who have none yet. Returns how many were added."""
    learners = Learner.objects.filter(institution=institution, year_group__in=[11, 13, 14])
    learners = learners.filter(left_on__isnull=True) | learners.filter(left_on__year=leaving_year)
    added = 0
    existing = set(Leaver.objects.filter(learner__institution=institution).values_list("learner_id", "stage"))
    for learner in learners.select_related("institution"):
        stage = default_stage(learner)
        if stage is None or (learner.pk, stage) in existing:
            continue
        if default_leaving_year(learner) != leaving_year:
            continue
        Leaver.objects.create(learner=learner, stage=stage, leaving_year=leaving_year)
        added += 1
    if added:
        record(
            actor=actor,
            organisation=institution.organisation,
            action=AuditAction.CREATE,
            instance=institution,
            after={"leaver_records_added": added, "leaving_year": leaving_year},
            label=f"Leavers of {leaving_year} at {institution.name}",
        )
    return added


# Destination imports -----------------------------------------------------------------------------


@dataclass
class _Plan:
    rows: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    new: int = 0
    changed: int = 0
    unchanged: int = 0


def _choose_leaver(
    candidates: list[Learner], leavers: dict[int, list[Leaver]], day: datetime.date
) -> tuple[Learner, Leaver | None, str, int] | str:
    """The learner and leaver record a row belongs to, or the reason there is none."""
    options: list[tuple[Learner, Leaver | None, str, int]] = []
    for learner in candidates:
        fitting = [
            leaver
            for leaver in leavers.get(learner.pk, [])
            if tracking_window(leaver)[0] <= day <= tracking_window(leaver)[1]
        ]
        if fitting:
            latest = max(fitting, key=lambda item: item.leaving_year)
            options.append((learner, latest, latest.stage, latest.leaving_year))
            continue
        stage = default_stage(learner)
        if stage is None:
            continue
        year = default_leaving_year(learner)
        if datetime.date(year, 6, 1) <= day <= datetime.date(year + 3, 8, 31):
            options.append((learner, None, stage, year))
    if not options:
        return "matches no Year 11 or Year 13 leaver tracked on this date"
    with_record = [option for option in options if option[1] is not None]
    if len(with_record) == 1:
        return with_record[0]
    if len(options) > 1:
        return "matches leavers at more than one institution: record this destination by hand"
    return options[0]


def _plan_row(
    row: lafile.DestinationRow,
    by_upn: dict[str, list[Learner]],
    by_uln: dict[str, list[Learner]],
    leavers: dict[int, list[Leaver]],
    codes: dict[str, ActivityCode],
    today: datetime.date,
) -> tuple[Learner, Leaver | None, str, int, ActivityCode] | list[tuple[str, str]]:
    """The learner, leaver record (None: to be created), stage, year and code of a row, or its errors."""
    if row.errors:
        return row.errors
    assert row.day is not None
    candidates = {learner.pk: learner for learner in by_upn.get(row.upn, []) + by_uln.get(row.uln, [])}
    field = "UPN" if row.upn else "ULN"
    if not candidates:
        return [(field, f"{row.upn or row.uln} is not a learner at an institution you import for")]
    choice = _choose_leaver(list(candidates.values()), leavers, row.day)
    if isinstance(choice, str):
        return [("Date" if "date" in choice else field, f"{row.upn or row.uln} {choice}")]
    learner, leaver, stage, year = choice
    code = codes.get(row.code)
    if code is None:
        return [("NCCIS code", f"'{row.code}' is not an NCCIS activity code")]
    probe = leaver or Leaver(learner=learner, stage=stage, leaving_year=year)
    try:
        check_activity(leaver=probe, recorded_on=row.day, code=code, today=today)
    except DestinationError as exc:
        return [("Date" if "date" in str(exc).lower() else "NCCIS code", str(exc))]
    return learner, leaver, stage, year, code


def plan_import(*, table: lafile.DestinationTable, learners: QuerySet[Learner], today: datetime.date) -> _Plan:
    """Check every row against the learners in scope and what is already recorded. No writes."""
    codes = {code.code: code for code in ActivityCode.objects.all()}
    parsed = list(table.rows())
    upns = {row.upn for row in parsed if row.upn}
    ulns = {row.uln for row in parsed if row.uln}
    by_upn: dict[str, list[Learner]] = {}
    by_uln: dict[str, list[Learner]] = {}
    matched = list(learners.filter(upn__in=upns).select_related("institution")) + list(
        learners.filter(uln__in=ulns).select_related("institution")
    )
    for learner in matched:
        if learner.upn:
            by_upn.setdefault(learner.upn, []).append(learner)
        if learner.uln:
            by_uln.setdefault(learner.uln, []).append(learner)
    leavers: dict[int, list[Leaver]] = {}
    for record_ in Leaver.objects.filter(learner__in=[learner.pk for learner in matched]).select_related("learner"):
        leavers.setdefault(record_.learner_id, []).append(record_)
    existing = {
        (leaver_id, recorded_on): code
        for leaver_id, recorded_on, code in ActivityRecord.objects.filter(
            leaver__learner__in=[learner.pk for learner in matched]
        ).values_list("leaver_id", "recorded_on", "code_id")
    }
    plan = _Plan(rows=[], errors=[])
    seen: dict[tuple[int, str, datetime.date], int] = {}
    for row in parsed:
        outcome = _plan_row(row, by_upn, by_uln, leavers, codes, today)
        if isinstance(outcome, list):
            plan.errors.extend({"row": row.number, "field": field, "reason": reason} for field, reason in outcome)
            continue
        learner, leaver, stage, year, code = outcome
        assert row.day is not None
        key = (learner.pk, stage, row.day)
        if key in seen:
            plan.errors.append(
                {"row": row.number, "field": "Date", "reason": f"repeats row {seen[key]} (the same learner and date)"}
            )
            continue
        seen[key] = row.number
        current = existing.get((leaver.pk, row.day)) if leaver else None
        if current is None:
            plan.new += 1
        elif current != code.code:
            plan.changed += 1
        else:
            plan.unchanged += 1
        plan.rows.append(
            {
                "row": row.number,
                "learner": learner.pk,
                "stage": stage,
                "year": year,
                "date": row.day.isoformat(),
                "code": code.code,
            }
        )
    return plan


def import_upload(
    *, organisation: Organisation, learners: QuerySet[Learner], data: bytes, filename: str, actor: Any = None
) -> DestinationImport:
    """Check a destination list and keep its preview. Raises lafile.DestinationFileError for a
    file that cannot be used at all (nothing is kept)."""
    table = lafile.open_destination_table(data)
    plan = plan_import(table=table, learners=learners, today=timezone.localdate())
    return DestinationImport.objects.create(
        organisation=organisation,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        original_name=filename[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        row_count=table.row_count,
        rows=plan.rows,
        new_count=plan.new,
        changed_count=plan.changed,
        unchanged_count=plan.unchanged,
        rejected_count=len({error["row"] for error in plan.errors}),
        errors=plan.errors[:MAX_ERRORS],
    )


@transaction.atomic
def import_confirm(
    *, destination_import: DestinationImport, learners: QuerySet[Learner], actor: Any = None
) -> DestinationImport:
    """Apply the previewed rows, all or nothing. Learners are matched again within the scope of
    the person confirming; rows whose record has not changed are left alone."""
    locked = DestinationImport.objects.select_for_update().get(pk=destination_import.pk)
    if locked.status != ImportStatus.READY:
        raise DestinationError("This import has already been applied or cancelled.")
    codes = {code.code: code for code in ActivityCode.objects.all()}
    in_scope = {
        learner.pk: learner
        for learner in learners.filter(pk__in={row["learner"] for row in locked.rows}).select_related(
            "institution__organisation"
        )
    }
    user = actor if getattr(actor, "is_authenticated", False) else None
    new = changed = unchanged = 0
    today = timezone.localdate()
    touched: dict[int, Organisation] = {}
    for row in locked.rows:
        learner = in_scope.get(row["learner"])
        if learner is None:
            raise DestinationError(
                f"Row {row['row']}: the learner is no longer one you import for. Nothing was changed."
            )
        leaver, _created = Leaver.objects.get_or_create(
            learner=learner, stage=row["stage"], defaults={"leaving_year": row["year"]}
        )
        day = datetime.date.fromisoformat(row["date"])
        code = codes[row["code"]]
        try:
            check_activity(leaver=leaver, recorded_on=day, code=code, today=today)
        except DestinationError as exc:
            raise DestinationError(f"Row {row['row']}: {exc} Nothing was changed.") from None
        existing = ActivityRecord.objects.filter(leaver=leaver, recorded_on=day).first()
        if existing is None:
            ActivityRecord.objects.create(
                leaver=leaver,
                recorded_on=day,
                code=code,
                source=ActivitySource.LA_IMPORT,
                destination_import=locked,
                created_by=user,
            )
            new += 1
        elif existing.code_id != code.code:
            existing.code = code
            existing.source = ActivitySource.LA_IMPORT
            existing.destination_import = locked
            existing.created_by = user
            existing.save()
            changed += 1
        else:
            unchanged += 1
            continue
        touched[learner.institution_id] = learner.institution.organisation  # type: ignore[assignment]
    locked.status = ImportStatus.DONE
    locked.confirmed_at = timezone.now()
    locked.new_count, locked.changed_count, locked.unchanged_count = new, changed, unchanged
    locked.rows = []
    locked.save()
    for organisation in touched.values():
        record(
            actor=actor,
            organisation=organisation,
            action=AuditAction.IMPORT,
            instance=locked,
            after={"imported_by": locked.organisation.name, "new": new, "changed": changed},
            label=f"Destination import {locked.original_name}",
        )
    record(
        actor=actor,
        organisation=locked.organisation,
        action=AuditAction.IMPORT,
        instance=locked,
        after={"new": new, "changed": changed, "unchanged": unchanged},
        label=f"Destination import {locked.original_name}",
    )
    return locked


@transaction.atomic
def import_cancel(*, destination_import: DestinationImport) -> None:
    locked = DestinationImport.objects.select_for_update().get(pk=destination_import.pk)
    if locked.status != ImportStatus.READY:
        raise DestinationError("This import has already been applied or cancelled.")
    locked.status = ImportStatus.CANCELLED
    locked.rows = []
    locked.save()
