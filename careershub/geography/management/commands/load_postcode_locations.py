"""`manage.py load_postcode_locations <file> --source "ONSPD February 2025"`: load postcode
locations (ONS Postcode Directory or any CSV with postcode, latitude and longitude columns).

The whole file is checked first and what it holds is shown; with `--dry-run` the command stops
after showing what loading would change. Loading is one transaction: an invalid row refuses the
whole file. Running it again with the same file changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from careershub.geography.postcodes import PostcodeFileError, load_file, scan_file


class Command(BaseCommand):
    help = "Load postcode and postcode-district locations from an ONSPD-style CSV (pcds, lat, long)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="CSV with pcds/postcode/outcode, lat/latitude, long/longitude")
        parser.add_argument(
            "--source", default="", help="The file's name and edition, kept with each row (default: the file name)"
        )
        parser.add_argument("--dry-run", action="store_true", help="Check the file and show the changes; save nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        source = (options["source"] or path.name).strip()[:200]
        try:
            scan = scan_file(path)
            self.stdout.write(f"{path.name}: {scan}.")
            if scan.error_count:
                raise PostcodeFileError(
                    f"{scan.error_count} rows are invalid, so nothing was loaded:\n  " + "\n  ".join(scan.errors)
                )
            with transaction.atomic():
                counts = load_file(path, source=source, scan=scan)
                if options["dry_run"]:
                    transaction.set_rollback(True)
        except PostcodeFileError as error:
            raise CommandError(str(error)) from error
        if options["dry_run"]:
            self.stdout.write(f"Dry run, nothing saved. Loading would give: {counts}.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Postcode locations loaded from {source}: {counts}."))
