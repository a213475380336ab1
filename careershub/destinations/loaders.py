"""Load the NCCIS activity codes from data/nccis_activity_codes.csv (see data/README.md)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "nccis_activity_codes.csv"
GROUPS = {"education", "employment", "training", "re_engagement", "neet_active", "neet_inactive", "other", "not_known"}


def read_activity_codes() -> list[dict[str, Any]]:
    with DATA.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["group"] not in GROUPS or len(row["code"]) != 3 or not row["code"].isdigit():
            raise ValueError(f"Bad activity code row: {row}")
    return [
        {
            "code": row["code"],
            "label": row["label"],
            "group": row["group"],
            "pre_16_only": row["pre_16_only"] == "yes",
            "note": row["note"],
        }
        for row in rows
    ]


def load_activity_codes(apps: Any = None) -> int:
    """Create or update every code (idempotent). `apps` is the migration's app registry."""
    if apps is None:
        from django.apps import apps as registry

        apps = registry
    model: Any = apps.get_model("destinations", "ActivityCode")
    rows = read_activity_codes()
    for row in rows:
        model.objects.update_or_create(code=row.pop("code"), defaults=row)
    return len(rows)
