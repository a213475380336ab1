"""`manage.py load_neet_figures [--check] [--folder DIR]`: load DfE's published NEET figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from careershub.neet import services
from careershub.neet.loading import DATA_DIR, NeetDataError


class Command(BaseCommand):
    help = (
        "Check DfE's published NEET, participation, September Guarantee and KS4 destination files and "
        "load them (all or nothing). With --check, only check them and say what would change."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="Check and preview only; change nothing.")
        parser.add_argument("--folder", type=Path, default=DATA_DIR, help=f"Folder of the files (default {DATA_DIR})")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            published = services.check_files(folder=options["folder"])
        except NeetDataError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(exc.problems)} problem(s) in the files; nothing was loaded.") from exc
        for note in published.skipped:
            self.stdout.write(note)
        if options["check"]:
            self.stdout.write(f"Files are valid. Loading them would make {services.preview(published)}.")
            return
        outcome = services.load_figures(published=published)
        self.stdout.write(self.style.SUCCESS(f"Loaded: {outcome}."))
