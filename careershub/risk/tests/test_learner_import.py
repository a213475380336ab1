"""Risk factors carried by the learner MIS import (the `LEARNER_IMPORT_EXTENSIONS` entry)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from careershub.audit.models import AuditAction, AuditEvent
from careershub.learners import extensions
from careershub.learners import services as learner_services
from careershub.learners.forms import MappingForm
from careershub.learners.models import ImportStatus, Learner, LearnerImport
from careershub.learners.tests import builders
from careershub.risk import services
from careershub.risk.models import RiskFactors
from conftest import Cast

pytestmark = pytest.mark.django_db

RISK_HEADERS = ["Attendance %", "Suspensions", "Attainment Band", "Youth Justice"]


def mis_file(rows: list[dict[str, Any]], risk: dict[int, list[str]]) -> bytes:
    """A SIMS-style learner file with risk columns; `risk` = {row index: cells} (blank otherwise)."""
    learners = list(csv.reader(io.StringIO(builders.csv_bytes(rows).decode())))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*learners[0], *RISK_HEADERS])
    for index, cells in enumerate(learners[1:]):
        writer.writerow([*cells, *risk.get(index, ["", "", "", ""])])
    return out.getvalue().encode()


def check(cast: Cast, data: bytes, mapping: dict[str, str] | None = None) -> LearnerImport:
    learner_import = learner_services.import_upload(
        institution=cast.ashby, actor=cast.careers_leader, data=data, filename="mis.csv", full_import=True
    )
    return learner_services.import_set_mapping(
        learner_import=learner_import,
        mapping=learner_import.mapping if mapping is None else mapping,
        actor=cast.careers_leader,
    )


def run(cast: Cast, data: bytes) -> LearnerImport:
    preview = check(cast, data)
    assert preview.status == ImportStatus.READY, preview.error
    return learner_services.import_confirm(learner_import=preview, actor=cast.careers_leader)


def switch_on(cast: Cast, *codes: str) -> None:
    """The North Hub's indicator (Ashby's) with only `codes` switched on."""
    current = getattr(cast.north_hub.organisation, "risk_configuration", None)
    services.save_configuration(
        organisation=cast.north_hub.organisation,
        weights=dict.fromkeys(codes, 1),
        amber=1,
        red=2,
        expected_version=current.version if current else 0,
        actor=cast.hub_lead,
    )


def factors(upn_index: int) -> RiskFactors:
    return RiskFactors.objects.get(learner__upn=builders.learner_rows(1, start=upn_index)[0]["upn"])


def test_risk_fields_are_offered_only_when_their_indicator_is_switched_on(cast: Cast) -> None:
    everything = extensions.resolve(cast.ashby).labels
    assert {"risk.attendance_percent", "risk.youth_justice", "risk.attainment_band"} <= set(everything)
    switch_on(cast, "attendance_below_90", "eal")
    labels = extensions.resolve(cast.ashby).labels
    assert set(labels) == {"risk.attendance_percent"}
    form = MappingForm(headers=["UPN", "Youth Justice"], initial_mapping={}, extra_labels=labels)
    choices = {value for value, _label in form.fields["col_1"].choices}  # type: ignore[attr-defined]
    assert "risk.attendance_percent" in choices and "risk.youth_justice" not in choices
    learner_import = learner_services.import_upload(
        institution=cast.ashby,
        actor=cast.careers_leader,
        data=mis_file(builders.learner_rows(2), {}),
        filename="mis.csv",
        full_import=True,
    )
    assert learner_import.mapping["Attendance %"] == "risk.attendance_percent"
    assert not {"Youth Justice", "Suspensions", "Attainment Band"} & set(learner_import.mapping)


def test_risk_columns_are_stored_in_the_same_apply_and_updated_later(cast: Cast) -> None:
    rows = builders.learner_rows(3)
    done = run(cast, mis_file(rows, {0: ["88.5", "1", "low", "Y"], 1: ["97", "0", "H", "N"]}))
    assert (done.status, done.new_count) == (ImportStatus.DONE, 3)
    first = factors(0)
    assert (first.attendance_percent, first.suspensions, first.attainment_band, first.youth_justice) == (
        Decimal("88.5"),
        1,
        "low",
        True,
    )
    assert factors(1).attainment_band == "high"
    assert not RiskFactors.objects.filter(learner__upn=rows[2]["upn"]).exists()  # nothing recorded
    event = AuditEvent.objects.filter(action=AuditAction.IMPORT).get()
    assert event.changes["risk changed"] == [None, 2]
    # A later file changes one learner's attendance only: that learner is "changed".
    preview = check(cast, mis_file(rows, {0: ["79", "1", "low", "Y"], 1: ["97", "0", "H", "N"]}))
    assert (preview.new_count, preview.changed_count, preview.unchanged_count) == (0, 1, 2)
    assert preview.samples["changed"][0]["fields"] == ["Attendance % (risk of NEET)"]
    assert factors(0).attendance_percent == Decimal("88.5")  # the preview writes nothing
    learner_services.import_confirm(learner_import=preview, actor=cast.careers_leader)
    assert factors(0).attendance_percent == Decimal("79.0")


def test_a_bad_attendance_value_is_a_row_error_and_changes_nothing_for_that_learner(cast: Cast) -> None:
    rows = builders.learner_rows(2)
    run(cast, mis_file(rows, {0: ["90", "0", "middle", "N"]}))
    before = {(x.pk, x.updated_at, x.registration_group) for x in Learner.objects.all()}
    stored = factors(0).updated_at
    rows[0]["reg"] = "10Z"
    preview = check(cast, mis_file(rows, {0: ["ninety", "0", "middle", "N"], 1: ["101", "", "", ""]}))
    assert preview.status == ImportStatus.READY
    assert preview.errors == [
        {"row": 2, "field": "Attendance % (risk of NEET)", "reason": "'ninety' is not a percentage like 93.5"},
        {"row": 3, "field": "Attendance % (risk of NEET)", "reason": "101 is not a percentage from 0 to 100"},
    ]
    assert (preview.rejected_count, preview.changed_count, preview.leaving_count) == (2, 0, 0)
    learner_services.import_confirm(learner_import=preview, actor=cast.careers_leader)
    assert {(x.pk, x.updated_at, x.registration_group) for x in Learner.objects.all()} == before
    assert factors(0).updated_at == stored and factors(0).attendance_percent == Decimal("90.0")
    assert RiskFactors.objects.count() == 1


def test_learners_and_risk_factors_are_written_in_one_transaction(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    preview = check(cast, mis_file(builders.learner_rows(3), {0: ["85", "2", "low", "Y"]}))

    def broken(**_kwargs: Any) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "store_factors", broken)
    with pytest.raises(RuntimeError):
        learner_services.import_confirm(learner_import=preview, actor=cast.careers_leader)
    assert not Learner.objects.exists() and not RiskFactors.objects.exists()
    preview.refresh_from_db()
    assert preview.status == ImportStatus.FAILED


def test_reimporting_the_same_file_changes_nothing(cast: Cast) -> None:
    data = mis_file(builders.learner_rows(4), {0: ["88.5", "1", "low", "Y"], 3: ["100", "0", "", ""]})
    run(cast, data)
    before = {(f.learner_id, f.updated_at, f.attendance_percent) for f in RiskFactors.objects.all()}
    assert len(before) == 2
    again = run(cast, data)
    assert (again.new_count, again.changed_count, again.unchanged_count) == (0, 0, 4)
    assert {(f.learner_id, f.updated_at, f.attendance_percent) for f in RiskFactors.objects.all()} == before
    assert AuditEvent.objects.filter(action=AuditAction.IMPORT).first().changes["risk changed"] == [None, 0]  # type: ignore[union-attr]


def test_a_switched_off_indicators_column_is_ignored_and_the_preview_says_so(cast: Cast) -> None:
    rows = builders.learner_rows(2)
    run(cast, mis_file(rows, {0: ["88", "1", "low", "Y"]}))
    assert factors(0).youth_justice is True
    switch_on(cast, "attendance_below_90", "attendance_below_80")
    cleared = factors(0)  # switching off clears what only the switched-off indicators read
    assert (cleared.youth_justice, cleared.suspensions, cleared.attainment_band) == (None, None, "")
    # The remembered mapping still names the youth justice column: it is no longer offered.
    preview = check(cast, mis_file(rows, {0: ["70", "3", "low", "Y"], 1: ["99", "4", "high", "Y"]}))
    assert set(preview.mapping.values()) >= {"risk.attendance_percent"}
    assert "Youth Justice" not in preview.mapping
    assert (
        "Youth Justice (Youth justice (risk of NEET)): not read, no switched-on risk of NEET indicator uses it"
        in (preview.samples["not_read"])
    )
    learner_services.import_confirm(learner_import=preview, actor=cast.careers_leader)
    now = factors(0)
    assert (now.attendance_percent, now.youth_justice, now.suspensions, now.attainment_band) == (
        Decimal("70.0"),
        None,
        None,
        "",
    )
    assert factors(1).youth_justice is None and factors(1).attendance_percent == Decimal("99.0")
    # A mapping sent by hand with a switched-off field is refused.
    learner_import = learner_services.import_upload(
        institution=cast.ashby, actor=cast.careers_leader, data=mis_file(rows, {}), filename="x.csv", full_import=True
    )
    with pytest.raises(learner_services.LearnerImportError, match="cannot be imported"):
        learner_services.import_set_mapping(
            learner_import=learner_import,
            mapping={**learner_import.mapping, "Youth Justice": "risk.youth_justice"},
            actor=cast.careers_leader,
        )


def test_a_column_mapped_by_hand_is_remembered_for_the_next_file(cast: Cast) -> None:
    rows = builders.learner_rows(2)
    data = mis_file(rows, {0: ["91", "", "", ""]}).replace(b"Attendance %", b"Att YTD")
    learner_import = learner_services.import_upload(
        institution=cast.ashby, actor=cast.careers_leader, data=data, filename="mis.csv", full_import=True
    )
    assert "Att YTD" not in learner_import.mapping
    check(cast, data, {**learner_import.mapping, "Att YTD": "risk.attendance_percent"})
    again = learner_services.import_upload(
        institution=cast.ashby, actor=cast.careers_leader, data=data, filename="mis.csv", full_import=True
    )
    assert again.mapping["Att YTD"] == "risk.attendance_percent"


def test_the_import_pages_offer_risk_columns_and_list_the_ones_not_read(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    switch_on(cast, "attendance_below_90")
    client = client_as("careers_leader")
    response = client.post(
        reverse("learners:import"),
        {"file": SimpleUploadedFile("mis.csv", mis_file(builders.learner_rows(2), {0: ["80", "", "", "Y"]}))},
    )
    assert response.status_code == 302
    learner_import = LearnerImport.objects.get()
    page = client.get(reverse("learners:import-detail", args=[learner_import.pk])).content.decode()
    assert "Attendance % (risk of NEET)" in page
    assert "Youth justice (risk of NEET)): not read" in page
    assert '<option value="risk.youth_justice"' not in page
