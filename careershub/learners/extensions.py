"""Extra columns another app reads from the learner MIS import (`LEARNER_IMPORT_EXTENSIONS`).

The learners app does not know the apps that add fields to its import; settings name them, as
`LEARNER_RETENTION_HOLDS` does for retention. Each entry is the dotted path of an object with:

- ``fields_for(*, institution) -> ExtraFields``: the fields this institution's file may carry
  (``available``) and those it may not (``not_read``, with the reason: e.g. an indicator that is
  switched off). Columns of fields not read are never mapped, parsed or stored.
- ``changes(*, institution, values) -> dict[int, set[str]]``: for ``{learner id: {field: value}}``
  of learners on record, the fields whose stored value would change (reads only: the preview).
- ``apply(*, institution, values) -> int``: store ``{learner id: {field: value}}`` (new learners
  included, after they are written) inside the import's transaction; returns how many learners'
  values changed. A value that is already stored must not be written again (re-import idempotence).

Field names are namespaced by the extension (``risk.attendance_percent``) so that they never
clash with the learner's own fields; each field's ``parse`` turns a cell into a value or raises
ValueError with the reason shown in the preview as (row, field, reason).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from careershub.institutions.models import Institution


@dataclass(frozen=True)
class ExtraField:
    name: str
    label: str
    header_names: tuple[str, ...]
    parse: Callable[[Any], Any]


@dataclass(frozen=True)
class ExtraFields:
    available: list[ExtraField] = field(default_factory=list)
    #: (field label, why it is not read) for fields this institution's imports skip.
    not_read: list[tuple[ExtraField, str]] = field(default_factory=list)


class LearnerImportExtension(Protocol):
    def fields_for(self, *, institution: Institution) -> ExtraFields: ...

    def changes(self, *, institution: Institution, values: dict[int, dict[str, Any]]) -> dict[int, set[str]]: ...

    def apply(self, *, institution: Institution, values: dict[int, dict[str, Any]]) -> int: ...


def extensions() -> list[LearnerImportExtension]:
    return [import_string(path) for path in getattr(settings, "LEARNER_IMPORT_EXTENSIONS", [])]


@dataclass
class ResolvedExtensions:
    """The extensions and their fields for one institution, looked up once per import step."""

    by_field: dict[str, tuple[LearnerImportExtension, ExtraField]] = field(default_factory=dict)
    not_read: list[tuple[ExtraField, str]] = field(default_factory=list)
    extensions: list[LearnerImportExtension] = field(default_factory=list)

    @property
    def labels(self) -> dict[str, str]:
        return {name: extra.label for name, (_ext, extra) in self.by_field.items()}

    @property
    def header_names(self) -> dict[str, tuple[str, ...]]:
        return {name: extra.header_names for name, (_ext, extra) in self.by_field.items()}

    def not_read_columns(self, headers: list[str], header_key: Callable[[object], str]) -> list[str]:
        """Headers of the file that name a field not read here, with the reason (for the preview)."""
        names = {key: (extra.label, reason) for extra, reason in self.not_read for key in extra.header_names}
        found = []
        for header in headers:
            if header and header_key(header) in names:
                label, reason = names[header_key(header)]
                found.append(f"{header} ({label}): not read, {reason}")
        return found


def resolve(institution: Institution) -> ResolvedExtensions:
    resolved = ResolvedExtensions()
    for extension in extensions():
        declared = extension.fields_for(institution=institution)
        resolved.extensions.append(extension)
        for extra in declared.available:
            resolved.by_field[extra.name] = (extension, extra)
        resolved.not_read.extend(declared.not_read)
    return resolved
