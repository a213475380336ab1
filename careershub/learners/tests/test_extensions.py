"""The learner import's extension point (`LEARNER_IMPORT_EXTENSIONS`), with a stand-in extension."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from careershub.institutions.models import Institution
from careershub.learners import services
from careershub.learners.extensions import ExtraField, ExtraFields
from careershub.learners.models import ImportStatus, Learner
from careershub.learners.tests import builders
from conftest import Cast

pytestmark = pytest.mark.django_db


def parse_shoe_size(value: Any) -> int:
    text = str(value or "").strip()
    if not text.isdigit():
        raise ValueError(f"'{text}' is not a shoe size")
    return int(text)


class ShoeSizes:
    """Keeps {learner id: shoe size} in memory; 'Locker' is a field it never reads."""

    def __init__(self) -> None:
        self.stored: dict[int, int] = {}

    def fields_for(self, *, institution: Institution) -> ExtraFields:
        return ExtraFields(
            available=[ExtraField("shoe.size", "Shoe size", ("shoesize",), parse_shoe_size)],
            not_read=[(ExtraField("shoe.locker", "Locker", ("locker",), str), "lockers are not kept")],
        )

    def changes(self, *, institution: Institution, values: dict[int, dict[str, Any]]) -> dict[int, set[str]]:
        return {pk: {"shoe.size"} for pk, row in values.items() if self.stored.get(pk) != row["shoe.size"]}

    def apply(self, *, institution: Institution, values: dict[int, dict[str, Any]]) -> int:
        changed = self.changes(institution=institution, values=values)
        self.stored.update({pk: values[pk]["shoe.size"] for pk in changed})
        return len(changed)


shoes = ShoeSizes()
SHOES = ["careershub.learners.tests.test_extensions.shoes"]


def with_columns(rows: list[dict[str, Any]], sizes: list[str]) -> bytes:
    lines = builders.csv_bytes(rows).decode().splitlines()
    out = [lines[0] + ",Shoe Size,Locker"] + [
        f"{line},{size},L{n}" for n, (line, size) in enumerate(zip(lines[1:], sizes, strict=True))
    ]
    return ("\n".join(out) + "\n").encode()


def run(cast: Cast, data: bytes) -> Any:
    upload = services.import_upload(
        institution=cast.ashby, actor=cast.careers_leader, data=data, filename="a.csv", full_import=True
    )
    preview = services.import_set_mapping(learner_import=upload, mapping=upload.mapping, actor=cast.careers_leader)
    assert preview.status == ImportStatus.READY
    return upload, preview, services.import_confirm(learner_import=preview, actor=cast.careers_leader)


@override_settings(LEARNER_IMPORT_EXTENSIONS=SHOES)
def test_an_extension_gets_its_columns_checked_and_applied_with_the_learners(cast: Cast) -> None:
    shoes.stored.clear()
    rows = builders.learner_rows(3)
    upload, preview, done = run(cast, with_columns(rows, ["5", "six", "7"]))
    assert upload.mapping["Shoe Size"] == "shoe.size" and "Locker" not in upload.mapping
    assert preview.samples["not_read"] == ["Locker (Locker): not read, lockers are not kept"]
    assert preview.errors == [{"row": 3, "field": "Shoe size", "reason": "'six' is not a shoe size"}]
    assert (done.new_count, done.rejected_count) == (2, 1)
    by_upn = dict(Learner.objects.values_list("upn", "pk"))
    assert shoes.stored == {by_upn[rows[0]["upn"]]: 5, by_upn[rows[2]["upn"]]: 7}
    _upload, again, _done = run(cast, with_columns(rows, ["5", "6", "8"]))
    assert (again.new_count, again.changed_count, again.unchanged_count) == (1, 1, 1)
    assert again.samples["changed"] == [{"name": "Testname2 Pupil2", "fields": ["Shoe size"]}]


@override_settings(LEARNER_IMPORT_EXTENSIONS=[])
def test_without_extensions_their_columns_are_not_offered(cast: Cast) -> None:
    upload, preview, done = run(cast, with_columns(builders.learner_rows(2), ["5", "6"]))
    assert "Shoe Size" not in upload.mapping and preview.samples["not_read"] == []
    assert done.new_count == 2
