"""The upload form of the activity records import (`views_import`)."""

from __future__ import annotations

from typing import Any

from django import forms

from careershub.activities import imports

MAX_MB = imports.MAX_FILE_BYTES // (1024 * 1024)


class ActivityImportForm(forms.Form):
    file = forms.FileField(
        label="Upload a file of activity records",
        help_text=f"A CSV or Excel (.xlsx) file, up to {MAX_MB} MB and {imports.MAX_ROWS:,} rows.",
        widget=forms.FileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
        error_messages={
            "required": "Select a CSV or Excel file",
            "empty": "The selected file is empty",
            "invalid": "Select a CSV or Excel file",
            "missing": "Select a CSV or Excel file",
        },
    )

    file_bytes: bytes

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size is not None and upload.size > imports.MAX_FILE_BYTES:
            raise forms.ValidationError(f"The selected file must be smaller than {MAX_MB} MB")
        self.file_bytes = b"".join(upload.chunks())
        return upload
