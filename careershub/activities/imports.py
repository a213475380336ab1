"""Import of activity records ("who took part") from a CSV or XLSX file: check, preview, confirm.

One row per (activity, learner): Date, Activity type, Title and the learner's UPN or ULN, with
optional Provider, Provider type, Delivery and Meaningful (yes: the activities the import records
get every item of their meaningful-encounter checklist ticked; activities already recorded keep
their own checklist). Headers are matched after `mis.header_key`
(case and punctuation ignored) against `HEADER_NAMES`. The file itself is read by
`learners.mis.open_table` (format, encoding, size, trailing empty rows, formulas).

- **Grouping**: rows with the same date, type, title, provider name, provider type and delivery
  are one activity (titles and provider names compared ignoring case and repeated spaces). When
  the institution already has an activity with the same date, type, title and provider name,
  the rows add participants to it, so importing the same file again changes nothing.
- **Errors** name the row, the column and the reason. Any error blocks the whole file: nothing
  is kept but the list of problems, and the careers leader fixes the file and uploads it again.
- **Preview** keeps the checked rows compactly in `ActivityImport` (`activities`: one entry per
  activity; `pairs`: for each, the ids of learners to add) so that confirming applies exactly
  what was previewed. **Confirm** locks the import, checks again that every learner is still the
  institution's and every existing activity still there, creates the new activities in one
  `bulk_create` and inserts every participation in one statement. One IMPORT audit event names
  the counts (never learners' names).
- **Large files** (over `BACKGROUND_BYTES`) go the way of the learner import: the upload checks
  the format and the header row, keeps the file and queues `tasks.check_activity_import`, which
  reads the rows writing progress (the import's page shows a progress bar and a Refresh link),
  keeps the preview and deletes the file. Confirming locks the import (READY → APPLYING, so a
  second confirmation is refused) and queues `tasks.apply_activity_import`, which applies it in
  one transaction holding the import's row (APPLYING → DONE; a task delivered twice finds it done)
  or marks it FAILED with the reason, nothing changed. Smaller files are checked and applied in
  the request, as before.
- **Speed**: no model instance per row. Each distinct cell of a column is parsed once; learners
  are looked up in dictionaries filled by one query; the queries of the preview and of the
  confirmation do not grow with the number of rows (bench/learner_import.py times 60,000 rows).
"""

from __future__ import annotations

import collections
import datetime
import gc
import hashlib
import itertools
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from careershub.activities.models import (
    ACTIVITY_TYPES,
    CHECKLIST,
    Activity,
    ActivityImport,
    ImportStatus,
    Mode,
    Participation,
    ProviderKind,
)
from careershub.audit.models import AuditAction
from careershub.audit.services import record
from careershub.core.progress import LONG_RUNNING, import_details_days, import_unconfirmed_days, record_import_retention
from careershub.institutions.models import Institution
from careershub.learners import identifiers, mis
from careershub.learners.models import Learner

#: Rows of data a file may hold (a year's participations of a large school, in one file).
MAX_ROWS = 100_000
MAX_FILE_BYTES = 20 * 1024 * 1024
#: Errors kept and shown (the count of all of them is kept too).
MAX_ERRORS = 500
#: Files larger than this are checked and applied by background tasks, with a progress bar
#: (about 3,500 rows of a CSV register; smaller ones take well under a second in the request).
BACKGROUND_BYTES = 200 * 1024
#: Rows read between progress reports, and the least time between two progress writes.
PROGRESS_EVERY = 1000
PROGRESS_SECONDS = 0.5
#: Activities before this are refused as a likely typing mistake in the year.
EARLIEST_DATE = datetime.date(2000, 1, 1)
TITLE_LIMIT = 200
PROVIDER_LIMIT = 200

FIELD_LABELS: dict[str, str] = {
    "date": "Date",
    "activity_type": "Activity type",
    "title": "Title",
    "upn": "UPN",
    "uln": "ULN",
    "identifier": "UPN or ULN",
    "provider": "Provider",
    "provider_kind": "Provider type",
    "mode": "Delivery",
    "meaningful": "Meaningful",
}
IDENTIFIER_FIELDS = ("upn", "uln", "identifier")
REQUIRED_FIELDS = ("date", "activity_type", "title")

HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "date": ("date", "activitydate", "dateofactivity", "eventdate", "sessiondate", "dateattended", "when"),
    "activity_type": (
        "activitytype",
        "type",
        "typeofactivity",
        "activitykind",
        "category",
        "activitycategory",
        "encountertype",
    ),
    "title": (
        "title",
        "activitytitle",
        "activityname",
        "name",
        "activity",
        "event",
        "eventname",
        "eventtitle",
        "description",
        "activitydescription",
    ),
    "upn": mis.HEADER_NAMES["upn"],
    "uln": mis.HEADER_NAMES["uln"],
    "identifier": ("upnoruln", "ulnorupn", "learnernumber", "learneridentifier", "identifier", "learnerid"),
    "provider": (
        "provider",
        "providername",
        "employer",
        "employername",
        "organisation",
        "organisationname",
        "organization",
        "company",
        "deliveredby",
        "partner",
    ),
    "provider_kind": (
        "providertype",
        "providerkind",
        "typeofprovider",
        "organisationtype",
        "organizationtype",
        "employertype",
        "partnertype",
    ),
    "mode": ("delivery", "deliverymode", "modeofdelivery", "deliverymethod", "mode", "format", "inpersonorvirtual"),
    "meaningful": (
        "meaningful",
        "meaningfulencounter",
        "meaningfulexperience",
        "ismeaningful",
        "meetsgatsbycriteria",
        "gatsbycriteriamet",
        "meaningfulcriteriamet",
        "meetsmeaningfulcriteria",
    ),
}

_TYPES = {mis.header_key(code): code for code in ACTIVITY_TYPES} | {
    mis.header_key(spec.label): code for code, spec in ACTIVITY_TYPES.items()
}
_KINDS = {mis.header_key(kind.value): str(kind.value) for kind in ProviderKind} | {
    mis.header_key(kind.label): str(kind.value) for kind in ProviderKind
}
_MODES = {mis.header_key(mode.value): str(mode.value) for mode in Mode} | {
    mis.header_key(mode.label): str(mode.value) for mode in Mode
}
_MODES |= {"facetoface": Mode.IN_PERSON.value, "online": Mode.VIRTUAL.value, "remote": Mode.VIRTUAL.value}
_MODES |= {"both": Mode.HYBRID.value, "blended": Mode.HYBRID.value}


class ActivityImportError(ValueError):
    """An import that cannot be confirmed or cancelled, with a message for the user."""


CHECKING_MESSAGE = "The file is still being checked. Wait for its preview, then confirm or cancel the import."
#: Cancelling a check refused before it has stalled (`check_stalled`).
CHECKING_CANCEL_MESSAGE = (
    f"{CHECKING_MESSAGE} If it is still being checked 15 minutes after the upload, you can cancel it."
)


# Columns ------------------------------------------------------------------------------------------


def map_columns(headers: list[str]) -> dict[str, int]:
    """{field: column index} for the headers we know. Raises MisFileError when a required column
    is missing or two columns could be the same field."""
    known = {name: fld for fld, names in HEADER_NAMES.items() for name in names}
    columns: dict[str, int] = {}
    for index, header in enumerate(headers):
        fld = known.get(mis.header_key(header)) if header else None
        if fld is None:
            continue
        if fld in columns:
            raise mis.MisFileError(
                f"The columns '{headers[columns[fld]]}' and '{header}' could both be the "
                f"{FIELD_LABELS[fld]} column. Rename or remove one of them and upload the file again."
            )
        columns[fld] = index
    missing = [FIELD_LABELS[fld] for fld in REQUIRED_FIELDS if fld not in columns]
    if not any(fld in columns for fld in IDENTIFIER_FIELDS):
        missing.append("UPN (or ULN)")
    if missing:
        raise mis.MisFileError(
            f"The file has no {' or '.join(missing)} column. Its first row must name the columns: "
            "Date, Activity type, Title and UPN (or ULN), and optionally Provider, Provider type, Delivery "
            "and Meaningful."
        )
    return columns


# Cells --------------------------------------------------------------------------------------------

#: A cell's outcome: (value, None) or (None, reason).
_Outcome = tuple[Any, str | None]


def _memo_key(cell: Any) -> Any:
    # 1, 1.0 and True are equal keys but read differently; a CSV's cells are all text.
    return cell if type(cell) is str else (type(cell), cell)


def parse_activity_date(cell: Any, today: datetime.date) -> _Outcome:
    if isinstance(cell, datetime.datetime):
        day = cell.date()
    elif isinstance(cell, datetime.date):
        day = cell
    else:
        text = mis._text(cell)
        if not text:
            return None, "is missing"
        parsed = mis._parse_date_text(text)
        if parsed is None:
            return None, f"'{text}' is not a date like 31/12/2025"
        day = parsed
    if day > today:
        return None, f"{day:%d/%m/%Y} is in the future: record activities once they have happened"
    if day < EARLIEST_DATE:
        return None, f"{day:%d/%m/%Y} is before {EARLIEST_DATE:%Y}: check the year"
    return day, None


def parse_meaningful(cell: Any) -> _Outcome:
    """Yes: the activity met every item of the meaningful-encounter checklist for its encounter
    (blank or no: none is ticked, as when an activity is recorded by hand)."""
    try:
        return mis.parse_boolean(cell), None
    except ValueError as exc:
        return None, str(exc)


def parse_activity_type(cell: Any) -> _Outcome:
    text = mis._text(cell)
    if not text:
        return None, "is missing"
    code = _TYPES.get(mis.header_key(text))
    if code is None:
        return None, f"'{text}' is not a type of activity such as Employer talk or Work experience"
    return code, None


def _text_parser(limit: int, required: bool) -> Callable[[Any], _Outcome]:
    def parse(cell: Any) -> _Outcome:
        text = mis._text(cell)
        if not text and required:
            return None, "is missing"
        if len(text) > limit:
            return None, f"is longer than {limit} characters"
        return text, None

    return parse


def _choice_parser(choices: dict[str, str], default: str, example: str) -> Callable[[Any], _Outcome]:
    def parse(cell: Any) -> _Outcome:
        text = mis._text(cell)
        if not text:
            return default, None
        value = choices.get(mis.header_key(text))
        if value is None:
            return None, f"'{text}' is not {example}"
        return value, None

    return parse


def _identifier_parser(
    fld: str, by_upn: dict[str, int], by_uln: dict[str, int], institution_name: str
) -> Callable[[Any], _Outcome]:
    """A cell → (learner id, None), ("", None) when blank, or (None, reason)."""

    def parse(cell: Any) -> _Outcome:
        text = mis._text(cell)
        if not text:
            return "", None
        kind = fld if fld != "identifier" else ("uln" if identifiers.compact(text).isdigit() else "upn")
        try:
            value = (identifiers.validate_upn if kind == "upn" else identifiers.validate_uln)(text)
        except identifiers.IdentifierError as exc:
            return None, str(exc)
        learner = (by_upn if kind == "upn" else by_uln).get(value)
        if learner is None:
            return None, f"{value} is not a learner of {institution_name} (import the learner first, or check it)"
        return learner, None

    return parse


# Rows ---------------------------------------------------------------------------------------------

_Column = tuple[str, int, Callable[[Any], _Outcome], str, dict[Any, _Outcome]]


def _row_learner(
    number: int, cells: list[Any], id_plan: list[_Column], errors: list[dict[str, Any]]
) -> tuple[int, str, str] | None:
    """(learner id, identifier as written, its column's label) for a row, or None with its errors
    appended. The first identifier column holding a learner wins."""
    learner: tuple[int, str, str] | None = None
    bad = False
    for _fld, index, parse, label, memo in id_plan:
        cell = cells[index]
        key = _memo_key(cell)
        outcome = memo.get(key)
        if outcome is None:
            outcome = memo[key] = parse(cell)
        if outcome[1] is not None:
            errors.append({"row": number, "field": label, "reason": outcome[1]})
            bad = True
        elif outcome[0] != "" and learner is None:
            learner = (outcome[0], mis._text(cell), label)
    if bad:
        return None
    if learner is None:
        label = id_plan[0][3]
        errors.append({"row": number, "field": label, "reason": "is missing: every row needs a UPN or a ULN"})
    return learner


#: An activity as the file describes it: date, type, title, provider name, provider type, delivery
#: and whether it met the meaningful-encounter checklist.
ActivityKey = tuple[datetime.date, str, str, str, str, str, bool]


@dataclass
class Grouped:
    """The rows of a file gathered into activities (pure: no database)."""

    #: Each activity's fields (as first written) by its grouping key.
    activities: dict[tuple[Any, ...], ActivityKey] = field(default_factory=dict)
    #: Each activity's learners: {learner id: row number}, by grouping key.
    learners: dict[tuple[Any, ...], dict[int, int]] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    rows: int = 0

    @property
    def rejected(self) -> int:
        return len({error["row"] for error in self.errors})


_DEFAULTS = {
    "provider": "",
    "provider_kind": ProviderKind.EMPLOYER.value,
    "mode": Mode.IN_PERSON.value,
    "meaningful": False,
}


def _describe(
    cells: tuple[Any, ...], plan: list[_Column]
) -> tuple[tuple[Any, ...] | None, ActivityKey | None, list[tuple[str, str]]]:
    """(grouping key, the activity's fields, []) for a row's activity cells, or (None, None, problems)."""
    values: dict[str, Any] = dict(_DEFAULTS)
    problems: list[tuple[str, str]] = []
    for cell, (fld, _index, parse, label, memo) in zip(cells, plan, strict=True):
        key = _memo_key(cell)
        outcome = memo.get(key)
        if outcome is None:
            outcome = memo[key] = parse(cell)
        if outcome[1] is None:
            values[fld] = outcome[0]
        else:
            problems.append((label, outcome[1]))
    if problems:
        return None, None, problems
    day, activity_type, title, provider = values["date"], values["activity_type"], values["title"], values["provider"]
    kind, mode, meaningful = values["provider_kind"], values["mode"], values["meaningful"]
    fields: ActivityKey = (day, activity_type, title, provider, kind, mode, meaningful)
    return (day, activity_type, title.casefold(), provider.casefold(), kind, mode, meaningful), fields, []


def _column_plans(
    columns: dict[str, int], by_upn: dict[str, int], by_uln: dict[str, int], institution_name: str, today: datetime.date
) -> tuple[list[_Column], list[_Column]]:
    """(the activity columns, the identifier columns) present: field, index, parser, label, memo."""
    parsers: dict[str, Callable[[Any], _Outcome]] = {
        "date": lambda cell: parse_activity_date(cell, today),
        "activity_type": parse_activity_type,
        "title": _text_parser(TITLE_LIMIT, required=True),
        "provider": _text_parser(PROVIDER_LIMIT, required=False),
        "provider_kind": _choice_parser(_KINDS, ProviderKind.EMPLOYER.value, "a provider type such as Employer"),
        "mode": _choice_parser(_MODES, Mode.IN_PERSON.value, "in person, virtual or both"),
        "meaningful": parse_meaningful,
    }
    for fld in IDENTIFIER_FIELDS:
        parsers[fld] = _identifier_parser(fld, by_upn, by_uln, institution_name)
    present = [fld for fld in (*parsers,) if fld in columns]
    value_fields = [fld for fld in present if fld not in IDENTIFIER_FIELDS]
    id_fields = [fld for fld in present if fld in IDENTIFIER_FIELDS]
    plan: list[_Column] = [(fld, columns[fld], parsers[fld], FIELD_LABELS[fld], {}) for fld in value_fields]
    id_plan: list[_Column] = [(fld, columns[fld], parsers[fld], FIELD_LABELS[fld], {}) for fld in id_fields]
    return plan, id_plan


def group_rows(
    rows: Iterable[tuple[int, list[Any]]],
    columns: dict[str, int],
    *,
    by_upn: dict[str, int],
    by_uln: dict[str, int],
    institution_name: str,
    today: datetime.date,
    text_cells: bool = False,
) -> Grouped:
    """Check every row and gather the good ones into activities. Each distinct cell of a column
    is parsed once; a row's errors come in column order (date, type, title, ..., identifier).
    `text_cells`: every cell is text (a CSV file), so cells can be remembered as they are."""
    plan, id_plan = _column_plans(columns, by_upn, by_uln, institution_name, today)
    indexes = [index for _fld, index, _parse, _label, _memo in plan]
    width = max(columns.values()) + 1
    grouped = Grouped()
    activities, members, errors = grouped.activities, grouped.learners, grouped.errors
    # A register repeats the same activity cells for each of its learners: each distinct
    # combination is checked once (`_describe`), then a row costs two dictionary look-ups.
    described: dict[tuple[Any, ...], tuple[tuple[Any, ...] | None, ActivityKey | None, list[tuple[str, str]]]] = {}
    single = id_plan[0] if len(id_plan) == 1 else None
    id_index = {label: index for _fld, index, _parse, label, _memo in id_plan}
    count = 0
    for number, cells in rows:
        count += 1
        if len(cells) < width:
            cells = [*cells, *([None] * (width - len(cells)))]
        values = tuple([cells[index] for index in indexes])
        key = values if text_cells else tuple(map(_memo_key, values))
        outcome = described.get(key)
        if outcome is None:
            outcome = described[key] = _describe(values, plan)
        group, fields, problems = outcome
        if problems:
            errors.extend({"row": number, "field": label, "reason": reason} for label, reason in problems)
        if single is not None:  # the usual file: one identifier column, inline
            cell = cells[single[1]]
            memo = single[4]
            memo_key = cell if text_cells else _memo_key(cell)
            found = memo.get(memo_key)
            if found is None:
                found = memo[memo_key] = single[2](cell)
            learner, reason = found
            if reason is not None or learner == "":
                errors.append(
                    {
                        "row": number,
                        "field": single[3],
                        "reason": reason or "is missing: every row needs a UPN or a ULN",
                    }
                )
                continue
            id_label = single[3]
        else:
            row_learner = _row_learner(number, cells, id_plan, errors)
            if row_learner is None:
                continue
            learner, _written, id_label = row_learner
        if group is None:
            continue
        people = members.get(group)
        if people is None:
            people = members[group] = {}
            assert fields is not None
            activities[group] = fields
        first = people.setdefault(learner, number)
        if first != number:
            written = identifiers.compact(mis._text(cells[id_index[id_label]]))
            errors.append(
                {
                    "row": number,
                    "field": id_label,
                    "reason": f"{written} is already in row {first} for the same activity",
                }
            )
    grouped.rows = count
    return grouped


# Preview ------------------------------------------------------------------------------------------


@dataclass
class Plan:
    activities: list[dict[str, Any]]
    pairs: list[list[int]]
    errors: list[dict[str, Any]]
    rows: int
    rejected: int
    activities_new: int = 0
    activities_existing: int = 0
    new: int = 0
    already: int = 0


def _match_key(date: datetime.date, activity_type: str, title: str, provider: str) -> tuple[Any, ...]:
    return date, activity_type, " ".join(title.split()).casefold(), " ".join(provider.split()).casefold()


def _learner_ids(institution: Institution) -> tuple[dict[str, int], dict[str, int]]:
    """({UPN: id}, {ULN: id}) of the institution's learners, on roll or left: one query."""
    by_upn: dict[str, int] = {}
    by_uln: dict[str, int] = {}
    for pk, upn, uln in Learner.objects.filter(institution=institution).values_list("pk", "upn", "uln"):
        if upn:
            by_upn[upn] = pk
        if uln:
            by_uln[uln] = pk
    return by_upn, by_uln


def _existing_activities(institution: Institution, dates: set[datetime.date]) -> dict[tuple[Any, ...], int]:
    """{match key: id} of the institution's activities on these dates (the oldest of equals)."""
    existing: dict[tuple[Any, ...], int] = {}
    if dates:
        for pk, day, activity_type, title, provider in (
            Activity.objects.filter(institution=institution, date__in=dates)
            .order_by("pk")
            .values_list("pk", "date", "activity_type", "title", "provider_name")
        ):
            existing.setdefault(_match_key(day, activity_type, title, provider), pk)
    return existing


def _recorded(activity_ids: set[int]) -> dict[int, set[int]]:
    """{activity id: its participants' ids}."""
    recorded: dict[int, set[int]] = {}
    if activity_ids:
        for activity_id, learner_id in Participation.objects.filter(activity_id__in=activity_ids).values_list(
            "activity_id", "learner_id"
        ):
            recorded.setdefault(activity_id, set()).add(learner_id)
    return recorded


def plan_import(
    *,
    institution: Institution,
    rows: Iterable[tuple[int, list[Any]]],
    headers: list[str],
    today: datetime.date,
    text_cells: bool = False,
) -> Plan:
    """Check the rows against the institution's learners (on roll or left) and its activities.
    Three queries whatever the number of rows; no writes."""
    columns = map_columns(headers)
    by_upn, by_uln = _learner_ids(institution)
    grouped = group_rows(
        rows,
        columns,
        by_upn=by_upn,
        by_uln=by_uln,
        institution_name=institution.name,
        today=today,
        text_cells=text_cells,
    )
    if not grouped.rows:
        raise mis.MisFileError("The file has no rows of data under its header row.")
    keys = sorted(grouped.activities, key=lambda group: (grouped.activities[group][0], *group[1:]))
    existing = _existing_activities(institution, {grouped.activities[group][0] for group in keys})
    targets = {group: existing.get(_match_key(*grouped.activities[group][:4])) for group in keys}
    recorded = _recorded({target for target in targets.values() if target is not None})
    plan = Plan(activities=[], pairs=[], errors=grouped.errors, rows=grouped.rows, rejected=0)
    claimed: dict[int, dict[int, int]] = {}  # existing activity → {learner: row}, across groups
    for group in keys:
        day, activity_type, title, provider, kind, mode, meaningful = grouped.activities[group]
        people = grouped.learners[group]
        target = targets[group]
        if target is None:
            new_ids = sorted(people)
            plan.activities_new += 1
        else:
            already = recorded.get(target, set())
            seen = claimed.setdefault(target, {})
            for learner, number in people.items():
                if learner in seen:
                    plan.errors.append(
                        {
                            "row": number,
                            "field": "Title",
                            "reason": f"the learner is already in row {seen[learner]} for the same activity",
                        }
                    )
                seen.setdefault(learner, number)
            new_ids = sorted(learner for learner in people if learner not in already)
            plan.activities_existing += 1
        plan.new += len(new_ids)
        plan.already += len(people) - len(new_ids)
        plan.activities.append(
            {
                "date": day.isoformat(),
                "type": activity_type,
                "title": title,
                "provider": provider,
                "kind": kind,
                "mode": mode,
                "meaningful": meaningful,
                "existing": target,
                "rows": len(people),
                "new": len(new_ids),
            }
        )
        plan.pairs.append(new_ids)
    plan.errors.sort(key=lambda error: error["row"])
    plan.rejected = len({error["row"] for error in plan.errors})
    return plan


def _checked(
    institution: Institution,
    table: mis.Table,
    today: datetime.date,
    progress: Callable[[int], None] | None = None,
) -> Plan:
    """Check a file's rows (`plan_import`). Raises mis.MisFileError."""
    rows: Iterable[tuple[int, list[Any]]] = table.rows()
    if progress is not None:
        rows = _reporting(rows, progress, table.header_row)
    # The rows hold no reference cycles: pausing the cyclic collector saves its passes over them.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return plan_import(
            institution=institution,
            rows=rows,
            headers=table.headers,
            today=today,
            text_cells=table.file_format == "csv",
        )
    finally:
        if collecting:
            gc.enable()


def _reporting(
    rows: Iterable[tuple[int, list[Any]]], progress: Callable[[int], None], header_row: int
) -> Iterator[tuple[int, list[Any]]]:
    """The rows, reporting after every `PROGRESS_EVERY` how far into the file they have got (rows
    after the header, as `Table.estimated_rows` counts them)."""
    source = iter(rows)
    while chunk := list(itertools.islice(source, PROGRESS_EVERY)):
        yield from chunk
        progress(chunk[-1][0] - header_row)


def _progress_writer(activity_import_id: int) -> Callable[[int], None]:
    """Writes progress at most every `PROGRESS_SECONDS` (each write is a commit)."""
    last = [-PROGRESS_SECONDS]

    def write(done: int) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_SECONDS:
            last[0] = now
            ActivityImport.objects.filter(pk=activity_import_id).update(progress_done=done)

    return write


def _store_plan(item: ActivityImport, plan: Plan) -> None:
    ok = not plan.errors
    item.status = ImportStatus.READY if ok else ImportStatus.REJECTED
    item.row_count = plan.rows
    item.activities = plan.activities
    item.pairs = plan.pairs if ok else []
    item.activities_new = plan.activities_new
    item.activities_existing = plan.activities_existing
    item.new_count = plan.new
    item.already_count = plan.already
    item.rejected_count = plan.rejected
    item.error_count = len(plan.errors)
    item.errors = plan.errors[:MAX_ERRORS]


def import_upload(
    *, institution: Institution, actor: Any, data: bytes, filename: str, today: datetime.date | None = None
) -> ActivityImport:
    """Check a file and keep its preview. Raises mis.MisFileError for a file that cannot be used
    at all (nothing is kept). A file with any row error is kept as REJECTED, with its errors only.

    A file up to `BACKGROUND_BYTES` is checked now (READY or REJECTED). A larger one is kept as
    CHECKING once its format and columns are known to be usable; `check_activity_import` checks
    its rows in the background (a problem found only in the rows, such as a formula, leaves it
    FAILED with the message)."""
    table = mis.open_table(data, max_rows=MAX_ROWS, max_bytes=MAX_FILE_BYTES)
    day = today or timezone.localdate()
    item = ActivityImport(
        institution=institution,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        original_name=filename[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        file_format=table.file_format,
        size_bytes=len(data),
    )
    if len(data) <= BACKGROUND_BYTES:
        _store_plan(item, _checked(institution, table, day))
        item.finished_at = timezone.now() if item.status == ImportStatus.REJECTED else None
        item.save()
        return item
    map_columns(table.headers)  # a file without the columns it needs is refused now, as above
    item.status = ImportStatus.CHECKING
    item.progress_total = table.estimated_rows
    item.file.save(f"upload.{table.file_format}", ContentFile(data), save=False)
    item.save()
    from careershub.activities.tasks import check_activity_import

    pk = item.pk
    transaction.on_commit(lambda: check_activity_import.enqueue(pk, day.isoformat()))
    item.refresh_from_db()  # checked already when the task ran at once (outside a transaction, inline tasks)
    return item


def import_check(
    *, activity_import_id: int, today: datetime.date | None = None, report_progress: bool = True
) -> ActivityImport:
    """Check the rows of a stored file (CHECKING → READY, REJECTED or FAILED), writing progress
    as they are read; the file is deleted once checked (the preview keeps only learners' ids).
    Does nothing to an import that is not CHECKING (a task delivered twice)."""
    item = ActivityImport.objects.select_related("institution").get(pk=activity_import_id)
    if item.status != ImportStatus.CHECKING:
        return item
    institution = item.institution
    try:
        with item.file.open("rb") as handle:
            data = handle.read()
        table = mis.open_table(data, max_rows=MAX_ROWS, max_bytes=MAX_FILE_BYTES)
        ActivityImport.objects.filter(pk=item.pk).update(progress_total=table.estimated_rows)
        plan = _checked(
            institution,
            table,
            today or timezone.localdate(),
            _progress_writer(item.pk) if report_progress else None,
        )
    except mis.MisFileError as exc:
        return _fail(activity_import_id, str(exc))
    except Exception:
        failed = _fail(activity_import_id, "The file could not be checked. Nothing was changed: upload it again.")
        if failed.status == ImportStatus.CANCELLED:
            return failed  # a stalled check cancelled meanwhile (its file deleted): it stays cancelled
        raise
    with transaction.atomic():
        locked = ActivityImport.objects.select_for_update().get(pk=activity_import_id)
        if locked.status != ImportStatus.CHECKING:
            return locked
        _store_plan(locked, plan)
        locked.progress_done = locked.progress_total
        if locked.status == ImportStatus.REJECTED:
            locked.finished_at = timezone.now()
        _forget_file(locked)
        locked.save()
    return locked


def _forget_file(item: ActivityImport) -> None:
    """Delete the stored file (it names learners); the import keeps what the preview needs."""
    if item.file:
        item.file.delete(save=False)
    item.file = ""  # type: ignore[assignment]


def _fail(activity_import_id: int, message: str) -> ActivityImport:
    """Mark a background check or import FAILED with a message for the user; nothing is kept but
    the message (no file, no learners' ids). An import cancelled meanwhile stays cancelled."""
    with transaction.atomic():
        item = ActivityImport.objects.select_for_update().get(pk=activity_import_id)
        if item.status == ImportStatus.CANCELLED:
            return item
        item.status = ImportStatus.FAILED
        item.error = message
        item.finished_at = timezone.now()
        item.pairs = []
        _forget_file(item)
        item.save()
    return item


# Confirm ------------------------------------------------------------------------------------------


def _insert_pairs(activity_ids: list[int], learner_ids: list[int]) -> int:
    """Insert (activity, learner) pairs in one statement, skipping those already there; returns
    how many were new."""
    if not activity_ids:
        return 0
    table = connection.ops.quote_name(Participation._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} (activity_id, learner_id) SELECT unnest(%s::bigint[]), unnest(%s::bigint[]) "
                "ON CONFLICT (activity_id, learner_id) DO NOTHING",
                [activity_ids, learner_ids],
            )
            return int(cursor.rowcount)
        if connection.vendor == "sqlite":
            cursor.executemany(
                f"INSERT OR IGNORE INTO {table} (activity_id, learner_id) VALUES (%s, %s)",  # noqa: S608 - the table's own name
                list(zip(activity_ids, learner_ids, strict=True)),
            )
            return int(cursor.rowcount)
    existing = set(
        Participation.objects.filter(activity_id__in=set(activity_ids), learner_id__in=set(learner_ids)).values_list(
            "activity_id", "learner_id"
        )
    )
    new = [pair for pair in zip(activity_ids, learner_ids, strict=True) if pair not in existing]
    Participation.objects.bulk_create([Participation(activity_id=a, learner_id=pk) for a, pk in new])
    return len(new)


def _checklist(activity_type: str, meaningful: bool) -> dict[str, bool]:
    """The checklist of a new activity: every item that applies to its encounter ticked when the
    file says it was meaningful (types with no checklist, such as a careers lesson, have none)."""
    encounter = ACTIVITY_TYPES[activity_type].encounter
    return {name: meaningful and encounter in encounters for name, (_label, encounters) in CHECKLIST.items()}


def import_confirm(*, activity_import: ActivityImport, actor: Any) -> ActivityImport:
    """Confirm a previewed import, once: locked, READY only (a second confirmation is refused).
    A file up to `BACKGROUND_BYTES` is applied now, all or nothing (`_apply`: an ActivityImportError
    leaves it READY and nothing changed); a larger one becomes APPLYING and `apply_activity_import`
    applies it in the background, once this transaction has committed."""
    with transaction.atomic():
        locked = ActivityImport.objects.select_for_update().get(pk=activity_import.pk)
        if locked.status == ImportStatus.REJECTED:
            raise ActivityImportError(
                "This file has problems. Fix them and upload the file again. Nothing was changed."
            )
        if locked.status == ImportStatus.CHECKING:
            raise ActivityImportError(CHECKING_MESSAGE)
        if locked.status != ImportStatus.READY:
            raise ActivityImportError("This import has already been confirmed or cancelled.")
        locked.confirmed_by = actor if getattr(actor, "is_authenticated", False) else None
        locked.confirmed_at = timezone.now()
        if locked.size_bytes <= BACKGROUND_BYTES:
            return _apply(locked, activity_import.institution, actor)
        locked.status = ImportStatus.APPLYING
        locked.progress_done = 0
        locked.progress_total = locked.new_count
        locked.save(update_fields=["status", "confirmed_by", "confirmed_at", "progress_done", "progress_total"])
        from careershub.activities.tasks import apply_activity_import

        pk = locked.pk
        transaction.on_commit(lambda: apply_activity_import.enqueue(pk))
    locked.refresh_from_db()  # applied already when the task ran at once (outside a transaction, inline tasks)
    return locked


def import_apply(*, activity_import_id: int) -> ActivityImport:
    """Apply a confirmed import in the background (APPLYING → DONE, or FAILED with the reason and
    nothing changed). The import's row stays locked until its records are written: a task
    delivered twice finds it DONE and does nothing."""
    try:
        with transaction.atomic():
            locked = (
                ActivityImport.objects.select_for_update(of=("self",))
                .select_related("institution__organisation", "confirmed_by")
                .get(pk=activity_import_id)
            )
            if locked.status != ImportStatus.APPLYING:
                return locked
            return _apply(locked, locked.institution, locked.confirmed_by)
    except ActivityImportError as exc:
        return _fail(activity_import_id, str(exc))
    except Exception:
        _fail(activity_import_id, "The import could not be completed. Nothing was changed: upload the file again.")
        raise


def _apply(locked: ActivityImport, institution: Institution, actor: Any) -> ActivityImport:
    """Write the previewed records of a locked import (inside the caller's transaction): refused
    when a learner has since left the institution's records or an activity was deleted."""
    learners = set(Learner.objects.filter(institution_id=locked.institution_id).values_list("pk", flat=True))
    if any(not learners.issuperset(ids) for ids in locked.pairs):
        raise ActivityImportError(
            "Some learners in the file are no longer recorded at your school or college. "
            "Upload the file again to check it. Nothing was changed."
        )
    wanted = {item["existing"] for item in locked.activities if item["existing"] is not None}
    if wanted and len(Activity.objects.filter(institution_id=locked.institution_id, pk__in=wanted)) != len(wanted):
        raise ActivityImportError(
            "An activity the file adds to has been deleted since the file was checked. "
            "Upload the file again to check it. Nothing was changed."
        )
    user = actor if getattr(actor, "is_authenticated", False) else None
    fresh = [
        Activity(
            institution_id=locked.institution_id,
            activity_type=item["type"],
            title=item["title"],
            date=datetime.date.fromisoformat(item["date"]),
            provider_name=item["provider"],
            provider_kind=item["kind"],
            mode=item["mode"],
            benchmarks=list(ACTIVITY_TYPES[item["type"]].benchmarks),
            created_by=user,
            **_checklist(item["type"], bool(item.get("meaningful"))),
        )
        for item in locked.activities
        if item["existing"] is None
    ]
    created = iter(Activity.objects.bulk_create(fresh))
    activity_ids: list[int] = []
    learner_ids: list[int] = []
    for item, ids in zip(locked.activities, locked.pairs, strict=True):
        target = item["existing"] if item["existing"] is not None else next(created).pk
        item["activity"] = target
        activity_ids.extend([target] * len(ids))
        learner_ids.extend(ids)
    added = _insert_pairs(activity_ids, learner_ids)
    locked.status = ImportStatus.DONE
    locked.finished_at = timezone.now()
    locked.progress_done = locked.progress_total
    locked.already_count += locked.new_count - added  # recorded by someone else since the preview
    locked.new_count = added
    locked.pairs = []
    locked.save(
        update_fields=[
            "status",
            "confirmed_by",
            "confirmed_at",
            "finished_at",
            "progress_done",
            "activities",
            "already_count",
            "new_count",
            "pairs",
        ]
    )
    record(
        actor=actor,
        organisation=institution.organisation,
        action=AuditAction.IMPORT,
        instance=locked,
        after={
            "activities_created": len(fresh),
            "activities_added_to": locked.activities_existing,
            "participations_added": added,
            "already_recorded": locked.already_count,
        },
        label=f"Activity records import {locked.original_name}",
    )
    return locked


@transaction.atomic
def import_cancel(*, activity_import: ActivityImport, now: datetime.datetime | None = None) -> ActivityImport:
    """Cancel a previewed (READY) or rejected import, or one whose check or apply has stalled
    (`check_stalled`, `apply_stalled`: its worker may have died). Its file (if still kept), learners' ids and row
    problems are deleted; the counts stay. Locked: a check finishing meanwhile either stores its
    preview first or finds the import cancelled and keeps nothing."""
    locked = ActivityImport.objects.select_for_update().get(pk=activity_import.pk)
    if locked.status == ImportStatus.CHECKING and not locked.check_stalled(now=now):
        raise ActivityImportError(CHECKING_CANCEL_MESSAGE)
    if locked.status == ImportStatus.APPLYING and locked.apply_stalled(now=now):
        pass  # its worker may have died; an apply under way holds the lock, so this is after it
    elif locked.status not in {ImportStatus.READY, ImportStatus.REJECTED, ImportStatus.CHECKING}:
        raise ActivityImportError("This import has already been confirmed or cancelled.")
    locked.status = ImportStatus.CANCELLED
    locked.finished_at = now or timezone.now()
    locked.pairs = []
    locked.errors = []
    locked.details_cleared_at = locked.finished_at
    _forget_file(locked)
    locked.save(update_fields=["status", "finished_at", "pairs", "errors", "details_cleared_at", "file"])
    return locked


APPLYING_MESSAGE = (
    "The records are being imported. If this is still under way 15 minutes after the import was "
    "confirmed, you can try it again or cancel it."
)


def import_retry(*, activity_import: ActivityImport, now: datetime.datetime | None = None) -> ActivityImport:
    """Queue again an import whose apply has stalled (`apply_stalled`: its worker may have died).
    The stalled apply wrote nothing (one transaction holding the import's row); should it end
    after all, the first apply to commit records everything and the other finds the import done."""
    now = now or timezone.now()
    updated = ActivityImport.objects.filter(
        pk=activity_import.pk, status=ImportStatus.APPLYING, confirmed_at__lt=now - LONG_RUNNING
    ).update(confirmed_at=now, progress_done=0)
    if not updated:
        activity_import.refresh_from_db()
        if activity_import.status == ImportStatus.APPLYING:
            raise ActivityImportError(APPLYING_MESSAGE)
        raise ActivityImportError("This import is no longer being imported.")
    from careershub.activities.tasks import apply_activity_import

    pk = activity_import.pk
    transaction.on_commit(lambda: apply_activity_import.enqueue(pk))
    activity_import.refresh_from_db()
    return activity_import


# Retention ----------------------------------------------------------------------------------------

#: Statuses after which an import keeps no file and no learners' ids.
FINISHED_IMPORTS = (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.CANCELLED, ImportStatus.REJECTED)
#: Statuses in which an import waits for its careers leader, or for a check that may have stalled.
UNCONFIRMED_IMPORTS = (ImportStatus.READY, ImportStatus.CHECKING)


def imports_expire(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Retention of activity records imports (run daily; running it again changes nothing):

    - imports left unconfirmed (ready to confirm, or a check that stalled) for more than
      `IMPORT_UNCONFIRMED_DAYS` since their upload, and imports still applying that long after
      their confirmation (an apply that stalled), are cancelled: their learners' ids (`pairs`),
      file and row problems are deleted;
    - files still kept by finished imports are deleted;
    - finished imports' row problems (which may quote identifiers) are cleared
      `IMPORT_DETAILS_DAYS` after they finished; their counts and activities stay.

    One DELETE audit event per institution names the numbers. Returns the totals."""
    now = now or timezone.now()
    unconfirmed_before = now - datetime.timedelta(days=import_unconfirmed_days())
    details_before = now - datetime.timedelta(days=import_details_days())
    cut_off = min(unconfirmed_before, now - LONG_RUNNING)
    waiting = ActivityImport.objects.filter(
        Q(status__in=UNCONFIRMED_IMPORTS, created_at__lt=cut_off)
        | Q(status=ImportStatus.APPLYING, confirmed_at__lt=cut_off)
    )
    kept_files = ActivityImport.objects.filter(status__in=FINISHED_IMPORTS).exclude(file="")
    details = ActivityImport.objects.annotate(ended=Coalesce("finished_at", "created_at")).filter(
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
        with transaction.atomic():
            for item in waiting.filter(institution=institution).defer("pairs"):
                had_file = bool(item.file)
                try:
                    cancelled = import_cancel(activity_import=item, now=now)
                except ActivityImportError:
                    continue  # confirmed or finished meanwhile
                counts["imports_cancelled"] += 1
                counts["files_deleted"] += had_file and not cancelled.file
            for item in kept_files.filter(institution=institution).select_for_update().defer("pairs"):
                _forget_file(item)
                item.save(update_fields=["file"])
                counts["files_deleted"] += 1
            for item in details.filter(institution=institution).select_for_update().defer("pairs"):
                item.errors = []
                item.details_cleared_at = now
                item.save(update_fields=["errors", "details_cleared_at"])
                counts["details_cleared"] += 1
            record_import_retention(
                institution=institution,
                counts=counts,
                kind="activity_imports",
                label="Activity records import details",
                unconfirmed_before=unconfirmed_before,
                details_before=details_before,
            )
        totals.update(counts)
    return {name: totals[name] for name in ("imports_cancelled", "files_deleted", "details_cleared")}
