from __future__ import annotations

from typing import Any

from django import forms

from careershub.institutions import gias

MAX_MB = gias.MAX_FILE_BYTES // (1024 * 1024)


class GiasUploadForm(forms.Form):
    """One GIAS CSV file. A valid form has read the file: `file_bytes` and `parsed` hold it."""

    file = forms.FileField(
        label="Upload a GIAS file",
        help_text=f"A CSV file downloaded from Get Information about Schools, up to {MAX_MB} MB.",
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
        error_messages={
            "required": "Select a GIAS CSV file",
            "empty": "The selected file is empty",
            "invalid": "Select a GIAS CSV file",
            "missing": "Select a GIAS CSV file",
        },
    )

    file_bytes: bytes
    parsed: gias.GiasFile

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size is not None and upload.size > gias.MAX_FILE_BYTES:
            raise forms.ValidationError(f"The selected file must be smaller than {MAX_MB} MB")
        data = b"".join(upload.chunks())
        try:
            self.parsed = gias.read_gias_file(data)
        except gias.GiasFileError as exc:
            raise forms.ValidationError(str(exc)) from None
        self.file_bytes = data
        return upload
