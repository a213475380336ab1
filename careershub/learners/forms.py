from __future__ import annotations

from typing import Any

from django import forms

from careershub.learners import mis
from careershub.learners.models import YEAR_GROUP_CHOICES, SenStatus

MAX_MB = mis.MAX_FILE_BYTES // (1024 * 1024)
SCAN_AT_UPLOAD_BYTES = 2 * 1024 * 1024


class UploadForm(forms.Form):
    """One MIS export. A valid form has checked the file: `file_bytes` holds it."""

    file = forms.FileField(
        label="Upload a file of learners",
        help_text=f"A CSV or Excel (.xlsx) export of your students from SIMS, Arbor, Bromcom or another MIS, "
        f"up to {MAX_MB} MB.",
        widget=forms.FileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
        error_messages={
            "required": "Select a CSV or Excel file",
            "empty": "The selected file is empty",
            "invalid": "Select a CSV or Excel file",
            "missing": "Select a CSV or Excel file",
        },
    )
    full_import = forms.BooleanField(
        label="This file lists every learner on roll",
        help_text="Learners who are not in the file will be marked as having left. They are not deleted.",
        required=False,
        initial=True,
    )

    file_bytes: bytes

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size is not None and upload.size > mis.MAX_FILE_BYTES:
            raise forms.ValidationError(f"The selected file must be smaller than {MAX_MB} MB")
        data = b"".join(upload.chunks())
        try:
            table = mis.open_table(data)
            if len(data) <= SCAN_AT_UPLOAD_BYTES:
                # Small files are read whole now, so a formula or an empty file is reported at
                # once; larger ones are read by the background check, which reports the same way.
                for _row in table.rows():
                    pass
        except mis.MisFileError as exc:
            raise forms.ValidationError(str(exc)) from None
        self.file_bytes = data
        return upload


class MappingForm(forms.Form):
    """For each column of the file, the learner field it holds (or none)."""

    def __init__(
        self,
        *args: Any,
        headers: list[str],
        initial_mapping: dict[str, str],
        extra_labels: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.headers = headers
        self.extra_labels = extra_labels or {}
        # Other apps' fields (`extensions`) come after the learner's own, only where they are read.
        choices = [("", "Do not import"), *mis.FIELD_LABELS.items(), *self.extra_labels.items()]
        for index, header in enumerate(headers):
            if not header:
                continue
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header, choices=choices, required=False, initial=initial_mapping.get(header, "")
            )

    def mapping(self) -> dict[str, str]:
        return {
            header: self.cleaned_data.get(f"col_{index}", "")
            for index, header in enumerate(self.headers)
            if header and self.cleaned_data.get(f"col_{index}")
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for problem in mis.mapping_problems(self.mapping(), self.extra_labels):
            self.add_error(None, problem)
        return cleaned


YES_NO_ANY = [("", "Any"), ("yes", "Yes"), ("no", "No")]


class LearnerFilterForm(forms.Form):
    """Filters for the learner list (and for choosing activity participants)."""

    q = forms.CharField(label="Name, UPN or ULN", required=False, max_length=100)
    year_group = forms.TypedChoiceField(
        label="Year group", choices=[("", "All"), *YEAR_GROUP_CHOICES], required=False, coerce=int, empty_value=None
    )
    registration_group = forms.CharField(label="Registration group", required=False, max_length=20)
    disadvantaged = forms.ChoiceField(label="Disadvantaged", choices=YES_NO_ANY, required=False)
    fsm = forms.ChoiceField(label="Free school meals", choices=YES_NO_ANY, required=False)
    sen_status = forms.ChoiceField(label="SEN status", choices=[("", "Any"), *SenStatus.choices], required=False)
    looked_after = forms.ChoiceField(label="Looked after", choices=YES_NO_ANY, required=False)
    include_left = forms.BooleanField(label="Include learners who have left", required=False)


class CareersDetailsForm(forms.Form):
    intended_destination = forms.CharField(
        label="Intended destination",
        help_text="For example, A levels at Ashby Sixth Form, or an engineering apprenticeship.",
        max_length=200,
        required=False,
    )
    considering_higher_education = forms.BooleanField(
        label="Considering applying to higher education",
        help_text="Benchmark 7 expects two visits to universities by 18 for these learners.",
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
