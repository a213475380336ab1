"""`manage.py import_gias PATH [--dry-run]`: import a GIAS CSV download from the command line.

Prints what the file holds, the created / updated / unchanged / rejected figures and every
rejected row. A file that cannot be read exits with status 1 and changes nothing; rejected rows
do not stop the other rows from being imported. The import is recorded as a `GiasImport`
(shown on the national admin's import page) with one audit event, as an upload is.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from careershub.institutions import gias
from careershub.institutions.gias import GiasFile, GiasFileError, Rejection
from careershub.institutions.models import GiasImportStatus
from careershub.institutions.services import (
    gias_import_confirm,
    gias_import_plan,
    gias_import_prepare,
    gias_import_run,
)


class Command(BaseCommand):
    help = "Import schools and colleges from a GIAS CSV download (matched by URN)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The CSV file, e.g. edubasealldata20250109.csv")
        parser.add_argument("--dry-run", action="store_true", help="Show what the import would do, and change nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        started = time.perf_counter()
        data = self._read(path)
        try:
            parsed = gias.read_gias_file(data)
        except GiasFileError as exc:
            raise CommandError(f"{path.name}: {exc}") from None
        self._describe(path, parsed)
        if options["dry_run"]:
            plan = gias_import_plan(parsed=parsed)
            counts = plan.counts()
            self._summary(counts, plan.rejections, dry_run=True)
            self.stdout.write(f"Dry run: nothing was changed ({time.perf_counter() - started:.1f} s).")
            return
        gias_import = gias_import_prepare(data=data, filename=path.name, actor=None, organisation=None, parsed=parsed)
        gias_import_confirm(gias_import=gias_import, actor=None, background=False)
        outcome = gias_import_run(gias_import_id=gias_import.pk)
        gias_import = outcome.gias_import
        if gias_import.status != GiasImportStatus.DONE:
            raise CommandError(f"{path.name}: {gias_import.error or 'The import failed.'}")
        counts = {
            "created": gias_import.created_count or 0,
            "updated": gias_import.updated_count or 0,
            "unchanged": gias_import.unchanged_count or 0,
            "rejected": gias_import.rejected_count or 0,
        }
        self._summary(counts, outcome.rejections, dry_run=False)
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"Done: GIAS import {gias_import.pk}, in {elapsed:.1f} s."))

    def _read(self, path: Path) -> bytes:
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror or exc}") from None
        if size > gias.MAX_FILE_BYTES:
            raise CommandError(f"{path.name}: The file is larger than the limit of {gias.MAX_FILE_BYTES // 2**20} MB.")
        try:
            return path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror or exc}") from None

    def _describe(self, path: Path, parsed: GiasFile) -> None:
        self.stdout.write(f"{path.name}: {parsed.data_rows} rows, {parsed.encoding}.")
        columns = ", ".join(parsed.columns.values())
        self.stdout.write(f"Columns used: {columns}.")
        if parsed.ignored_columns:
            self.stdout.write(f"Columns ignored: {len(parsed.ignored_columns)}.")
        for note in parsed.notes:
            self.stdout.write(f"Note: {note}")

    def _summary(self, counts: dict[str, int], rejections: list[Rejection], *, dry_run: bool) -> None:
        self.stdout.write(
            f"{'Would be' if dry_run else 'Result'}: {counts['created']} new, {counts['updated']} changed, "
            f"{counts['unchanged']} unchanged, {counts['rejected']} rejected."
        )
        if rejections:
            self.stdout.write("Rejected rows:")
            for rejection in rejections:
                self.stdout.write(f"  {rejection}")
