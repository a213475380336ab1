"""Retention of learner MIS imports (files, unconfirmed imports, names and row problems). Run daily."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from careershub.core.progress import import_details_days, import_unconfirmed_days
from careershub.learners import services


class Command(BaseCommand):
    help = (
        "Cancel learner imports left unconfirmed for IMPORT_UNCONFIRMED_DAYS (default 7), delete the files "
        "finished imports still keep, and clear names and row problems IMPORT_DETAILS_DAYS (default 30) "
        "after an import finished."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        done = services.imports_expire()
        self.stdout.write(
            f"Learner imports: {done['imports_cancelled']} unconfirmed cancelled "
            f"(after {import_unconfirmed_days()} days), {done['files_deleted']} files deleted, "
            f"{done['details_cleared']} cleared of names and row problems (after {import_details_days()} days)."
        )
