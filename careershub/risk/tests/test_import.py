from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from careershub.audit.models import AuditAction, AuditEvent
from careershub.learners.tests.factories import LearnerFactory, upn_for
from careershub.risk import services
from careershub.risk.models import RiskFactors, RiskImport, RiskImportStatus
from careershub.risk.tests.factories import RiskFactorsFactory
from conftest import Cast

pytestmark = pytest.mark.django_db


def csv_file(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(row) for row in rows).encode("utf-8")


def upload(client, data: bytes, name: str = "risk.csv"):  # type: ignore[no-untyped-def]
    return client.post(reverse("risk:import"), {"file": SimpleUploadedFile(name, data)})


def test_preview_then_confirm_applies_the_checked_rows(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    one = LearnerFactory.create(institution=cast.ashby, upn=upn_for(1))
    two = LearnerFactory.create(institution=cast.ashby, upn=upn_for(2))
    RiskFactorsFactory.create(learner=two, young_carer=True, suspensions=3)
    brook = LearnerFactory.create(institution=cast.brook, upn=upn_for(3))
    data = csv_file(
        [
            ["UPN", "Attendance %", "Suspensions", "Young Carer", "Attainment Band", "Home Address"],
            [one.upn, "88.5", "1", "Y", "low", "1 High St"],
            [two.upn, "97", "0", "", "H", "2 High St"],
            [brook.upn, "90", "0", "N", "low", "3 High St"],
            ["A123", "101", "two", "maybe", "top", ""],
        ]
    )
    client = client_as("careers_leader")
    response = upload(client, data)
    assert response.status_code == 302
    risk_import = RiskImport.objects.get()
    assert (risk_import.row_count, risk_import.matched_count, risk_import.rejected_count) == (4, 2, 2)
    assert "Home Address" in risk_import.ignored_columns
    errors = {(e["row"], e["field"]) for e in risk_import.errors}
    assert (4, "UPN") in errors  # another school's learner
    assert {(5, "UPN"), (5, "Attendance %"), (5, "Suspensions"), (5, "Young carer"), (5, "Attainment band")} <= errors
    assert RiskFactors.objects.get(learner=two).young_carer is True  # nothing applied yet
    page = client.get(reverse("risk:import-detail", args=[risk_import.pk])).content.decode()
    assert "Check what the import will change" in page and "is not a percentage from 0 to 100" in page
    assert client.post(reverse("risk:import-confirm", args=[risk_import.pk])).status_code == 302
    factors = RiskFactors.objects.get(learner=one)
    assert (factors.attendance_percent, factors.suspensions, factors.young_carer, factors.attainment_band) == (
        Decimal("88.5"),
        1,
        True,
        "low",
    )
    two_factors = RiskFactors.objects.get(learner=two)
    assert (two_factors.young_carer, two_factors.suspensions, two_factors.attainment_band) == (None, 0, "high")
    assert not RiskFactors.objects.filter(learner=brook).exists()
    risk_import.refresh_from_db()
    assert risk_import.status == RiskImportStatus.DONE and risk_import.pending == {}
    assert AuditEvent.objects.filter(action=AuditAction.IMPORT, object_type="risk.RiskImport").exists()
    # confirming twice does nothing more
    client.post(reverse("risk:import-confirm", args=[risk_import.pk]))
    assert AuditEvent.objects.filter(action=AuditAction.IMPORT).count() == 1


def test_xlsx_by_uln_and_switched_off_columns_are_not_read(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    learner = LearnerFactory.create(institution=cast.ashby, upn="", uln="9276308686")
    data = {f"on_{code}": "on" for code in ("attendance_below_90", "eal")}
    form: dict[str, object] = {"amber": "1", "red": "2", "version": "0", **data}
    form.update({f"weight_{code}": "1" for code in ("attendance_below_90", "eal")})
    assert client_as("hub_lead").post(reverse("risk:configuration"), form).status_code == 302
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["ULN", "Attendance", "Youth Justice"])
    sheet.append(["9276308686", 85.25, "Y"])
    out = io.BytesIO()
    workbook.save(out)
    client = client_as("careers_leader")
    assert upload(client, out.getvalue(), "risk.xlsx").status_code == 302
    risk_import = RiskImport.objects.get()
    assert risk_import.columns == {"ULN": "uln", "Attendance": "attendance_percent"}
    assert risk_import.ignored_columns == ["Youth Justice (indicator switched off)"]
    client.post(reverse("risk:import-confirm", args=[risk_import.pk]))
    factors = RiskFactors.objects.get(learner=learner)
    assert factors.attendance_percent == Decimal("85.2") or factors.attendance_percent == Decimal("85.3")
    assert factors.youth_justice is None


def test_a_broken_file_changes_nothing_and_says_why(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    client = client_as("careers_leader")
    response = upload(client, b"Name,Attendance\nSam,90\n")
    assert response.status_code == 200
    assert "The file needs a column headed UPN" in response.content.decode()
    response = upload(client, csv_file([["UPN", "Young carer"], [upn_for(1), "=1+1"]]))
    assert "holds a formula" in response.content.decode()
    assert not RiskImport.objects.exists()


def test_cancel_and_senior_leader_cannot_confirm(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    learner = LearnerFactory.create(institution=cast.ashby, upn=upn_for(1))
    client = client_as("careers_leader")
    upload(client, csv_file([["UPN", "Young carer"], [learner.upn, "Y"]]))
    risk_import = RiskImport.objects.get()
    assert client_as("senior_leader").post(reverse("risk:import-confirm", args=[risk_import.pk])).status_code == 403
    assert (
        client_as("other_careers_leader").post(reverse("risk:import-confirm", args=[risk_import.pk])).status_code == 404
    )
    assert client.post(reverse("risk:import-cancel", args=[risk_import.pk])).status_code == 302
    risk_import.refresh_from_db()
    assert risk_import.status == RiskImportStatus.CANCELLED and risk_import.pending == {}
    with pytest.raises(services.RiskError):
        services.import_confirm(risk_import=risk_import, actor=cast.careers_leader)
    assert not RiskFactors.objects.exists()


def test_apply_is_atomic(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    learners = [LearnerFactory.create(institution=cast.ashby, upn=upn_for(n)) for n in range(3)]
    RiskFactorsFactory.create(learner=learners[0], young_carer=False)
    data = csv_file([["UPN", "Young carer"], *[[learner.upn, "Y"] for learner in learners]])
    risk_import = services.import_upload(institution=cast.ashby, actor=cast.careers_leader, data=data, filename="x.csv")

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr("careershub.risk.services.record", fail)
    with pytest.raises(RuntimeError):
        services.import_confirm(risk_import=risk_import, actor=cast.careers_leader)
    assert RiskFactors.objects.get(learner=learners[0]).young_carer is False
    assert RiskFactors.objects.count() == 1
    risk_import.refresh_from_db()
    assert risk_import.status == RiskImportStatus.READY
