"""The shared spreadsheet upload form: GOV.UK messages, the size checked, the bytes kept."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.utils.datastructures import MultiValueDict

from careershub.activities.forms_import import ActivityImportForm
from careershub.core.uploads import SpreadsheetUploadForm, spreadsheet_file_field
from careershub.destinations.forms import UploadForm as DestinationUploadForm
from careershub.risk.forms import UploadForm as RiskUploadForm


class TinyForm(SpreadsheetUploadForm):
    max_bytes = 2 * 1024 * 1024
    file = spreadsheet_file_field(label="Upload", help_text="A file")


def _errors(form_class: type[SpreadsheetUploadForm], upload: SimpleUploadedFile | None) -> list[str]:
    files: MultiValueDict[str, UploadedFile] = MultiValueDict({"file": [upload]} if upload is not None else {})
    form = form_class(data={}, files=files)
    form.is_valid()
    return [str(message) for message in form.errors.get("file", [])]


def test_a_file_is_kept_and_a_large_one_refused() -> None:
    form = TinyForm(data={}, files=MultiValueDict({"file": [SimpleUploadedFile("a.csv", b"UPN\nA1\n")]}))
    assert form.is_valid() and form.file_bytes == b"UPN\nA1\n"
    big = SimpleUploadedFile("a.csv", b"x" * (2 * 1024 * 1024 + 1))
    assert _errors(TinyForm, big) == ["The selected file must be smaller than 2 MB"]


def test_every_import_form_names_what_to_select() -> None:
    for form_class, choose in [
        (ActivityImportForm, "Select a CSV or Excel file"),
        (RiskUploadForm, "Select a CSV or Excel file"),
        (DestinationUploadForm, "Select a CSV file"),
    ]:
        assert _errors(form_class, None) == [choose]
        assert _errors(form_class, SimpleUploadedFile("a.csv", b"")) == ["The selected file is empty"]
