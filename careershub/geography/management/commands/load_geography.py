"""`manage.py load_geography`: load (or refresh) the committed geography reference files.

The data migration does this on `migrate`; run this after the files in
`careershub/geography/data/` change, or to check that a database matches them.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from careershub.geography.loaders import load_geography


class Command(BaseCommand):
    help = "Load the geography reference data (regions, local authorities, LSIP areas, ...) from the committed files."

    def handle(self, *args: Any, **options: Any) -> None:
        for name, counts in load_geography().items():
            self.stdout.write(f"{name.replace('_', ' ')}: {counts}")
