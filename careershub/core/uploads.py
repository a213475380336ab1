"""The upload form shared by the spreadsheet imports (activity records, risk factors, destination
lists): one CSV or Excel file, its size checked before it is read, its bytes kept for the import."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms

DEFAULT_MAX_BYTES = 20 * 1024 * 1024


def spreadsheet_file_field(*, label: str, help_text: str, kind: str = "a CSV or Excel file") -> forms.FileField:
    """A file field with GOV.UK's messages; `kind` names what to select ("a CSV file")."""
    choose = f"Select {kind}"
    return forms.FileField(
        label=label,
        help_text=help_text,
        widget=forms.FileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
        error_messages={
            "required": choose,
            "empty": "The selected file is empty",
            "invalid": choose,
            "missing": choose,
        },
    )


class SpreadsheetUploadForm(forms.Form):
    """Subclasses set `file` (`spreadsheet_file_field`) and `max_bytes`; `file_bytes` holds the
    upload once the form is valid."""

    max_bytes: ClassVar[int] = DEFAULT_MAX_BYTES
    file_bytes: bytes

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size is not None and upload.size > self.max_bytes:
            raise forms.ValidationError(f"The selected file must be smaller than {self.max_bytes // (1024 * 1024)} MB")
        self.file_bytes = b"".join(upload.chunks())
        return upload
