"""Forms for adding evidence to a criterion: a link, a note or an uploaded file.

An uploaded file's type is decided by its content, never by its name or the content type the
browser sent: `detect_file_type` reads the bytes with the `filetype` library, confirms Office
Open XML files by their zip structure, and confirms legacy Office files by their OLE header and
the name of their main stream. Anything else (a renamed program, web page, archive or installer)
is refused with a message naming the allowed types. The stored content type and the file name's
extension both come from what the content is.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any

import filetype
from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.utils.text import get_valid_filename

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UPLOAD_LABEL = "10 MB"
ALLOWED_TYPES_TEXT = "a PDF, a Word, Excel or PowerPoint document, or a PNG, JPEG, GIF or WebP image"
ACCEPT = ".pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.png,.jpg,.jpeg,.gif,.webp"

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class FileType:
    mime: str
    extensions: tuple[str, ...]  # the first is used when a name has to be corrected
    label: str


PDF = FileType("application/pdf", ("pdf",), "PDF")
DOC = FileType("application/msword", ("doc",), "Word document")
XLS = FileType("application/vnd.ms-excel", ("xls",), "Excel spreadsheet")
PPT = FileType("application/vnd.ms-powerpoint", ("ppt", "pps"), "PowerPoint presentation")
DOCX = FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",), "Word document")
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",), "Excel spreadsheet")
PPTX = FileType(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation", ("pptx",), "PowerPoint presentation"
)
PNG = FileType("image/png", ("png",), "PNG image")
JPEG = FileType("image/jpeg", ("jpg", "jpeg"), "JPEG image")
GIF = FileType("image/gif", ("gif",), "GIF image")
WEBP = FileType("image/webp", ("webp",), "WebP image")

ALLOWED: dict[str, FileType] = {t.mime: t for t in (PDF, DOC, XLS, PPT, DOCX, XLSX, PPTX, PNG, JPEG, GIF, WEBP)}
#: Types recognised by their signature alone (Office files are checked by structure instead).
_BY_SIGNATURE: dict[str, FileType] = {t.mime: t for t in (PDF, PNG, JPEG, GIF, WEBP)}

#: The folder of an Office Open XML package's main part, for each type.
_OOXML_MAIN_FOLDER = {"word/": DOCX, "xl/": XLSX, "ppt/": PPTX}
#: The main stream of a legacy Office (OLE compound) file, for each type.
_OLE_MAIN_STREAM = {"WordDocument": DOC, "Workbook": XLS, "Book": XLS, "PowerPoint Document": PPT}


def _read_all(stream: IO[bytes]) -> bytes:
    stream.seek(0)
    data = stream.read(MAX_UPLOAD_BYTES + 1)
    stream.seek(0)
    return data


def _ooxml_type(data: bytes) -> FileType | None:
    """DOCX, XLSX or PPTX when `data` is a zip holding an Office Open XML package without
    macros; else None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return None  # macro-enabled (.docm, .xlsm, .pptm) renamed: refused
    for folder, kind in _OOXML_MAIN_FOLDER.items():
        if any(name.startswith(folder) for name in names):
            return kind
    return None


def _ole_type(data: bytes) -> FileType | None:
    """DOC, XLS or PPT when `data` is an OLE compound file whose directory names the main
    stream of a Word, Excel or PowerPoint file; else None (an MSI installer, for example, is
    also an OLE file but has none of these streams).

    Directory entries are 128 bytes, start with the stream name in UTF-16LE and hold the
    name's length in bytes (with its terminator) at offset 64. Sectors are 512 or 4096 bytes
    after a header of the same size, so every entry starts at a multiple of 128.
    """
    if not data.startswith(OLE_MAGIC):
        return None
    for name, kind in _OLE_MAIN_STREAM.items():
        encoded = (name + "\0").encode("utf-16-le")
        length = len(encoded).to_bytes(2, "little")
        start = data.find(encoded, 512)
        while start != -1:
            if start % 128 == 0 and data[start + 64 : start + 66] == length:
                return kind
            start = data.find(encoded, start + 1)
    return None


def detect_file_type(stream: IO[bytes]) -> FileType | None:
    """The allowed type of a file from its content, or None when it is not one we accept."""
    data = _read_all(stream)
    if not data:
        return None
    if data.startswith(OLE_MAGIC):
        return _ole_type(data)
    if data.startswith(ZIP_MAGIC):
        return _ooxml_type(data)  # a zip is accepted only as an Office Open XML document
    guess = filetype.guess(data[:8192])
    return _BY_SIGNATURE.get(guess.mime) if guess is not None else None


def safe_file_name(name: str, kind: FileType) -> str:
    """A storage-safe version of the uploaded name with the extension of what the file is."""
    path = PurePath(str(name).replace("\\", "/"))
    stem = get_valid_filename(path.stem) if path.stem.strip(" ._") else "evidence"
    stem = stem[:100] or "evidence"
    extension = path.suffix.lower().lstrip(".")
    if extension not in kind.extensions:
        extension = kind.extensions[0]
    return f"{stem}.{extension}"


def _title_from_name(name: str) -> str:
    stem = PurePath(str(name).replace("\\", "/")).stem.replace("_", " ").strip()
    return (stem or "Uploaded file")[:200]


class LinkEvidenceForm(forms.Form):
    kind = "link"

    title = forms.CharField(
        label="Title",
        help_text="What the page shows, for example ‘Careers programme on our website’",
        max_length=200,
        error_messages={
            "required": "Enter a title for the link",
            "max_length": "Title must be 200 characters or fewer",
        },
    )
    url = forms.URLField(
        label="Web address",
        help_text="For example, https://www.example.sch.uk/careers",
        max_length=500,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        widget=forms.URLInput(attrs={"spellcheck": False, "autocomplete": "url"}),
        error_messages={
            "required": "Enter the web address of the evidence",
            "invalid": "Enter a web address in the correct format, like https://www.example.sch.uk/careers",
            "max_length": "Web address must be 500 characters or fewer",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "link")
        super().__init__(*args, **kwargs)


class NoteEvidenceForm(forms.Form):
    kind = "note"

    title = forms.CharField(
        label="Title",
        max_length=200,
        error_messages={
            "required": "Enter a title for the note",
            "max_length": "Title must be 200 characters or fewer",
        },
    )
    note = forms.CharField(
        label="Note",
        help_text="For example, where the evidence is kept and who can show it",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter the note", "max_length": "Note must be 5,000 characters or fewer"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "note")
        super().__init__(*args, **kwargs)


class FileEvidenceForm(forms.Form):
    kind = "file"

    file = forms.FileField(
        label="Upload a file",
        help_text=(
            f"A PDF, Word, Excel or PowerPoint document, or a PNG, JPEG, GIF or WebP image, "
            f"smaller than {MAX_UPLOAD_LABEL}"
        ),
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
        error_messages={
            "required": "Select a file",
            "empty": "The selected file is empty",
            "invalid": "Select a file",
            "missing": "Select a file",
        },
    )
    title = forms.CharField(
        label="Title (optional)",
        help_text="If you leave this blank, the file name is used",
        max_length=200,
        required=False,
        error_messages={"max_length": "Title must be 200 characters or fewer"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "file")
        super().__init__(*args, **kwargs)
        self.file_type: FileType | None = None

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if not upload.size:
            raise forms.ValidationError("The selected file is empty", code="empty")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"The selected file must be smaller than {MAX_UPLOAD_LABEL}", code="too_big")
        kind = detect_file_type(upload.file)  # type: ignore[arg-type]
        if kind is None:
            raise forms.ValidationError(f"The selected file must be {ALLOWED_TYPES_TEXT}", code="file_type")
        self.file_type = kind
        original_name = str(upload.name or "")
        upload.name = safe_file_name(original_name, kind)
        self.cleaned_data["original_name"] = original_name
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not str(data.get("title", "")).strip():
            data["title"] = _title_from_name(data.get("original_name", ""))
        return data
