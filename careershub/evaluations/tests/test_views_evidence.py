from __future__ import annotations

import datetime
import io
import struct
import zipfile
import zlib
from collections.abc import Callable

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from careershub.audit.models import AuditEvent
from careershub.evaluations import services
from careershub.evaluations.forms_evidence import MAX_UPLOAD_BYTES, detect_file_type, safe_file_name
from careershub.evaluations.models import Evaluation, Evidence, EvidenceKind
from careershub.evaluations.tests.factories import (
    PDF_BYTES,
    EvaluationFactory,
    add_file_evidence,
    answer_everything,
)
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]

INSTITUTION_READERS = {"careers_leader", "senior_leader"}
HUB_READERS = {"hub_lead", "enterprise_coordinator", "national_admin", "national_analyst"}
SUBMITTED_READERS = INSTITUTION_READERS | HUB_READERS
ALLOWED_TYPES_MESSAGE = (
    "The selected file must be a PDF, a Word, Excel or PowerPoint document, or a PNG, JPEG, GIF or WebP image"
)


# Sample files -------------------------------------------------------------------------------


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff"
    b"!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"


def ooxml_bytes(folder: str, *, thumbnail_first: bool = False, macros: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if thumbnail_first:  # some programs put a large thumbnail first, beyond filetype's 8 KB look
            archive.writestr("docProps/thumbnail.jpeg", bytes(range(256)) * 64, zipfile.ZIP_STORED)
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        archive.writestr(f"{folder}main.xml", '<?xml version="1.0"?><document/>')
        if macros:
            archive.writestr(f"{folder}vbaProject.bin", b"\xd0\xcf\x11\xe0 macros")
    return buffer.getvalue()


def ole_bytes(stream: str) -> bytes:
    """A minimal OLE compound file whose directory holds the root entry and `stream`."""

    def entry(name: str, kind: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return encoded.ljust(64, b"\0") + struct.pack("<HB", len(encoded), kind) + b"\0" * 61

    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1".ljust(512, b"\0")
    directory = entry("Root Entry", 5) + entry(stream, 2) + b"\0" * 256
    return header + directory + b"\0" * 1024


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not an office document")
    return buffer.getvalue()


PE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 44
    + b"\x80\x00\x00\x00"
    + b"\x00" * 64
    + b"PE\x00\x00"
    + b"\x00" * 200
)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'

ACCEPTED = [
    ("report.pdf", PDF_BYTES, "application/pdf"),
    ("photo.png", png_bytes(), "image/png"),
    ("photo.jpg", JPEG, "image/jpeg"),
    ("animation.gif", GIF, "image/gif"),
    ("picture.webp", WEBP, "image/webp"),
    ("plan.docx", ooxml_bytes("word/"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (
        "plan-thumb.docx",
        ooxml_bytes("word/", thumbnail_first=True),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("tracker.xlsx", ooxml_bytes("xl/"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("slides.pptx", ooxml_bytes("ppt/"), "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("old.doc", ole_bytes("WordDocument"), "application/msword"),
    ("old.xls", ole_bytes("Workbook"), "application/vnd.ms-excel"),
    ("older.xls", ole_bytes("Book"), "application/vnd.ms-excel"),
    ("old.ppt", ole_bytes("PowerPoint Document"), "application/vnd.ms-powerpoint"),
]

REFUSED = [
    ("program.pdf", PE),  # a Windows program renamed .pdf
    ("program.exe", PE),
    ("page.docx", HTML),  # a web page renamed .docx
    ("page.html", HTML),
    ("archive.docx", zip_bytes()),  # a zip that is not an Office document
    ("macros.docx", ooxml_bytes("word/", macros=True)),  # a macro-enabled .docm renamed
    ("drawing.png", SVG),  # SVG can carry script
    ("installer.doc", ole_bytes("\x05SummaryInformation")),  # OLE but not Word, Excel or PowerPoint
    ("notes.txt", b"Just some text"),
]


# Fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def draft(cast: Cast) -> Evaluation:
    return EvaluationFactory.create(
        institution=cast.ashby, on=datetime.date(2026, 2, 1), started_by=cast.careers_leader
    )


@pytest.fixture
def file_item(cast: Cast, draft: Evaluation) -> Evidence:
    return add_file_evidence(draft, "1.1", actor=cast.careers_leader)


@pytest.fixture
def submitted_with_evidence(cast: Cast) -> tuple[Evaluation, Evidence]:
    evaluation = EvaluationFactory.create(institution=cast.ashby, on=datetime.date(2026, 2, 1))
    item = add_file_evidence(evaluation, "1.1", actor=cast.careers_leader)
    answer_everything(evaluation)
    services.evaluation_submit(
        evaluation=evaluation, actor=cast.careers_leader, submitted_at=timezone.now() - datetime.timedelta(days=1)
    )
    return evaluation, item


def expected(persona: str, allowed: set[str], refused: int = 404) -> int:
    if persona == "anonymous":
        return 302
    if persona == "outsider":
        return 403
    return 200 if persona in allowed else refused


def write_status(persona: str, visible: set[str], success: int) -> int:
    """Status of an add/remove: success for careers leaders, 403 for those who only read, 404 for
    those who cannot see the evaluation."""
    if persona in {"anonymous", "outsider"}:
        return expected(persona, set())
    if persona == "careers_leader":
        return success
    return 403 if persona in visible else 404


def evidence_url(evaluation: Evaluation, criterion: str = "1.1") -> str:
    return reverse("evaluations:evidence", args=[evaluation.pk, criterion])


def upload(
    client, evaluation: Evaluation, name: str, content: bytes, content_type: str = "application/octet-stream", **extra
):
    data = {"kind": "file", "file-file": SimpleUploadedFile(name, content, content_type=content_type)}
    data.update({f"file-{key}": value for key, value in extra.items()})
    return client.post(evidence_url(evaluation), data)


def stored_names(evaluation: Evaluation) -> list[str]:
    folder = f"evidence/{evaluation.institution_id}/{evaluation.pk}"
    try:
        return sorted(default_storage.listdir(folder)[1])
    except FileNotFoundError:
        return []


# Who may do what ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_draft_evidence_page_is_for_the_institution(
    client_as: ClientAs, draft: Evaluation, file_item: Evidence, persona: str
) -> None:
    response = client_as(persona).get(evidence_url(draft))
    assert response.status_code == expected(persona, INSTITUTION_READERS)
    if response.status_code == 200:
        html = response.content.decode()
        assert "Careers plan" in html
        assert reverse("evaluations:evidence-download", args=[draft.pk, file_item.pk]) in html
        removable = reverse("evaluations:evidence-remove", args=[draft.pk, file_item.pk]) in html
        assert removable == (persona == "careers_leader")
        assert ('name="kind" value="file"' in html) == (persona == "careers_leader")


@pytest.mark.parametrize("persona", PERSONAS)
def test_submitted_evidence_page_is_for_every_reader_and_read_only(
    client_as: ClientAs, submitted_with_evidence, persona: str
) -> None:
    evaluation, item = submitted_with_evidence
    response = client_as(persona).get(evidence_url(evaluation))
    assert response.status_code == expected(persona, SUBMITTED_READERS)
    if response.status_code == 200:
        html = response.content.decode()
        assert reverse("evaluations:evidence-download", args=[evaluation.pk, item.pk]) in html
        assert "evidence-remove" not in html and "/remove/" not in html
        assert 'name="kind"' not in html
        assert "can no longer change" in html


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_careers_leader_adds_evidence_to_a_draft(client_as: ClientAs, draft: Evaluation, persona: str) -> None:
    response = client_as(persona).post(
        evidence_url(draft),
        {"kind": "link", "link-title": "Our careers page", "link-url": "https://example.org/careers"},
    )
    assert response.status_code == write_status(persona, INSTITUTION_READERS, 302)
    assert Evidence.objects.filter(evaluation=draft).count() == (1 if persona == "careers_leader" else 0)


@pytest.mark.parametrize("persona", PERSONAS)
def test_nobody_adds_evidence_to_a_submitted_evaluation(
    client_as: ClientAs, submitted_with_evidence, persona: str
) -> None:
    evaluation, _ = submitted_with_evidence
    response = client_as(persona).post(
        evidence_url(evaluation), {"kind": "note", "note-title": "Late", "note-note": "Too late"}
    )
    if persona in SUBMITTED_READERS:
        assert response.status_code == 403
    else:
        assert response.status_code == expected(persona, set())
    assert Evidence.objects.filter(evaluation=evaluation).count() == 1


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_careers_leader_removes_evidence(
    client_as: ClientAs, draft: Evaluation, file_item: Evidence, persona: str
) -> None:
    url = reverse("evaluations:evidence-remove", args=[draft.pk, file_item.pk])
    client = client_as(persona)
    assert client.get(url).status_code == write_status(persona, INSTITUTION_READERS, 200)
    response = client.post(url)
    assert response.status_code == write_status(persona, INSTITUTION_READERS, 302)
    assert Evidence.objects.filter(pk=file_item.pk).exists() == (persona != "careers_leader")


@pytest.mark.parametrize("persona", PERSONAS)
def test_nobody_removes_evidence_from_a_submitted_evaluation(
    client_as: ClientAs, submitted_with_evidence, persona: str
) -> None:
    evaluation, item = submitted_with_evidence
    url = reverse("evaluations:evidence-remove", args=[evaluation.pk, item.pk])
    for response in (client_as(persona).get(url), client_as(persona).post(url)):
        if persona in SUBMITTED_READERS:
            assert response.status_code == 403
        else:
            assert response.status_code == expected(persona, set())
    assert Evidence.objects.filter(pk=item.pk).exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_draft_evidence_downloads_for_the_institution(
    client_as: ClientAs, draft: Evaluation, file_item: Evidence, persona: str
) -> None:
    response = client_as(persona).get(reverse("evaluations:evidence-download", args=[draft.pk, file_item.pk]))
    assert response.status_code == expected(persona, INSTITUTION_READERS)


@pytest.mark.parametrize("persona", PERSONAS)
def test_submitted_evidence_downloads_for_every_reader(
    client_as: ClientAs, submitted_with_evidence, persona: str
) -> None:
    evaluation, item = submitted_with_evidence
    response = client_as(persona).get(reverse("evaluations:evidence-download", args=[evaluation.pk, item.pk]))
    assert response.status_code == expected(persona, SUBMITTED_READERS)
    if response.status_code == 200:
        assert response.getvalue() == PDF_BYTES


def test_another_organisations_evidence_is_a_404_even_through_your_own_evaluation(
    client_as: ClientAs, cast: Cast, draft: Evaluation, file_item: Evidence
) -> None:
    brook = EvaluationFactory.create(institution=cast.brook, on=datetime.date(2026, 2, 1))
    client = client_as("other_careers_leader")
    for url in (
        reverse("evaluations:evidence-download", args=[brook.pk, file_item.pk]),
        reverse("evaluations:evidence-remove", args=[brook.pk, file_item.pk]),
        reverse("evaluations:evidence-download", args=[draft.pk, file_item.pk]),
        evidence_url(draft),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("evaluations:evidence-remove", args=[brook.pk, file_item.pk])).status_code == 404
    assert Evidence.objects.filter(pk=file_item.pk).exists()


def test_unknown_criterion_is_a_404(client_as: ClientAs, draft: Evaluation) -> None:
    assert client_as("careers_leader").get(evidence_url(draft, "9.9")).status_code == 404
    response = client_as("careers_leader").post(
        evidence_url(draft, "9.9"), {"kind": "note", "note-title": "x", "note-note": "y"}
    )
    assert response.status_code == 404


def test_only_files_download(client_as: ClientAs, cast: Cast, draft: Evaluation) -> None:
    link = services.evidence_add(
        evaluation=draft,
        criterion_code="1.1",
        kind=EvidenceKind.LINK,
        title="Site",
        url="https://example.org",
        actor=None,
    )
    assert (
        client_as("careers_leader").get(reverse("evaluations:evidence-download", args=[draft.pk, link.pk])).status_code
        == 404
    )


# Adding evidence ----------------------------------------------------------------------------


def test_add_a_link_and_a_note(client_as: ClientAs, cast: Cast, draft: Evaluation) -> None:
    client = client_as("careers_leader")
    response = client.post(
        evidence_url(draft), {"kind": "link", "link-title": "Careers page", "link-url": "www.example.sch.uk/careers"}
    )
    assert response.status_code == 302 and response["Location"] == evidence_url(draft)
    response = client.post(
        evidence_url(draft),
        {"kind": "note", "note-title": "Governors", "note-note": "Minutes are in the office.\nAsk Sam."},
    )
    assert response.status_code == 302
    link, note = Evidence.objects.filter(evaluation=draft).order_by("pk")
    assert (link.kind, link.title, link.url) == (
        EvidenceKind.LINK,
        "Careers page",
        "https://www.example.sch.uk/careers",
    )
    assert (note.kind, note.title, note.note) == (
        EvidenceKind.NOTE,
        "Governors",
        "Minutes are in the office.\nAsk Sam.",
    )
    assert note.added_by == cast.careers_leader
    assert AuditEvent.objects.filter(object_type="evaluations.Evidence", actor=cast.careers_leader).count() == 2
    page = client.get(evidence_url(draft)).content.decode()
    assert 'href="https://www.example.sch.uk/careers"' in page and "Ask Sam." in page


@pytest.mark.parametrize("address", ["javascript:alert(1)", "ftp://example.org/file", "not a url", ""])
def test_links_must_be_web_addresses(client_as: ClientAs, draft: Evaluation, address: str) -> None:
    response = client_as("careers_leader").post(
        evidence_url(draft), {"kind": "link", "link-title": "Bad", "link-url": address}
    )
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert 'href="#id_link-url"' in response.content.decode()
    assert not Evidence.objects.filter(evaluation=draft).exists()


def test_a_post_without_a_kind_adds_nothing(client_as: ClientAs, draft: Evaluation) -> None:
    response = client_as("careers_leader").post(evidence_url(draft), {"kind": "other"})
    assert response.status_code == 302
    assert not Evidence.objects.filter(evaluation=draft).exists()


@pytest.mark.parametrize(("name", "content", "mime"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_allowed_files_are_stored_with_the_type_their_content_shows(
    client_as: ClientAs, draft: Evaluation, name: str, content: bytes, mime: str
) -> None:
    response = upload(client_as("careers_leader"), draft, name, content, content_type="text/html")
    assert response.status_code == 302, response.content.decode()[:2000]
    item = Evidence.objects.get(evaluation=draft)
    assert item.kind == EvidenceKind.FILE
    assert item.content_type == mime  # from the content, not the browser's "text/html"
    assert item.size == len(content)
    assert item.title == name.rsplit(".", 1)[0]
    with default_storage.open(item.file.name, "rb") as stored:
        assert stored.read() == content


def test_a_file_named_for_another_type_gets_the_right_extension(client_as: ClientAs, draft: Evaluation) -> None:
    response = upload(
        client_as("careers_leader"), draft, "photo.pdf", png_bytes(), "application/pdf", title="Display board"
    )
    assert response.status_code == 302
    item = Evidence.objects.get(evaluation=draft)
    assert item.content_type == "image/png"
    assert item.file.name.endswith(".png") and "photo" in item.file.name
    assert item.title == "Display board"


@pytest.mark.parametrize(("name", "content"), REFUSED, ids=[r[0] for r in REFUSED])
def test_other_files_are_refused_by_content_whatever_their_name(
    client_as: ClientAs, draft: Evaluation, name: str, content: bytes
) -> None:
    before = stored_names(draft)
    response = upload(client_as("careers_leader"), draft, name, content, content_type="application/pdf")
    assert response.status_code == 200
    html = response.content.decode()
    assert ALLOWED_TYPES_MESSAGE in html
    assert 'href="#id_file-file"' in html  # the error summary links to the field
    assert "<title>Error: " in html
    assert not Evidence.objects.filter(evaluation=draft).exists()
    assert stored_names(draft) == before


def test_an_empty_file_is_refused(client_as: ClientAs, draft: Evaluation) -> None:
    response = upload(client_as("careers_leader"), draft, "empty.pdf", b"")
    assert "The selected file is empty" in response.content.decode()
    assert not Evidence.objects.filter(evaluation=draft).exists()


def test_a_file_over_10_mb_is_refused(client_as: ClientAs, draft: Evaluation) -> None:
    content = PDF_BYTES + b"0" * (MAX_UPLOAD_BYTES + 1 - len(PDF_BYTES))
    before = stored_names(draft)
    response = upload(client_as("careers_leader"), draft, "big.pdf", content, "application/pdf")
    assert "The selected file must be smaller than 10 MB" in response.content.decode()
    assert not Evidence.objects.filter(evaluation=draft).exists()
    assert stored_names(draft) == before


def test_a_file_of_exactly_10_mb_spooled_to_disk_is_accepted(client_as: ClientAs, draft: Evaluation) -> None:
    content = PDF_BYTES + b"0" * (MAX_UPLOAD_BYTES - len(PDF_BYTES))
    response = upload(client_as("careers_leader"), draft, "big.pdf", content, "application/pdf")
    assert response.status_code == 302
    assert Evidence.objects.get(evaluation=draft).size == MAX_UPLOAD_BYTES


def test_no_file_chosen(client_as: ClientAs, draft: Evaluation) -> None:
    response = client_as("careers_leader").post(evidence_url(draft), {"kind": "file"})
    assert "Select a file" in response.content.decode()


def test_the_file_type_check_is_by_content() -> None:
    for name, content, mime in ACCEPTED:
        kind = detect_file_type(io.BytesIO(content))
        assert kind is not None and kind.mime == mime, name
    for name, content in REFUSED:
        assert detect_file_type(io.BytesIO(content)) is None, name
    assert detect_file_type(io.BytesIO(b"")) is None


@pytest.mark.parametrize(
    ("name", "expected_name"),
    [
        ("Careers plan.pdf", "Careers_plan.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\sam\\report.PDF", "report.pdf"),
        ("report.exe", "report.pdf"),
        ("..pdf", "evidence.pdf"),
        ("a" * 300 + ".pdf", "a" * 100 + ".pdf"),
    ],
)
def test_safe_file_names(name: str, expected_name: str) -> None:
    from careershub.evaluations.forms_evidence import PDF

    assert safe_file_name(name, PDF) == expected_name


# Listing, removing and downloading ----------------------------------------------------------


def test_remove_deletes_the_evidence_and_its_file(
    client_as: ClientAs, cast: Cast, draft: Evaluation, file_item: Evidence
) -> None:
    name = file_item.file.name
    assert default_storage.exists(name)
    client = client_as("careers_leader")
    page = client.get(reverse("evaluations:evidence-remove", args=[draft.pk, file_item.pk])).content.decode()
    assert "Remove ‘Careers plan’?" in page
    response = client.post(reverse("evaluations:evidence-remove", args=[draft.pk, file_item.pk]))
    assert response.status_code == 302 and response["Location"] == evidence_url(draft)
    assert not Evidence.objects.filter(pk=file_item.pk).exists()
    assert not default_storage.exists(name)
    assert AuditEvent.objects.filter(object_type="evaluations.Evidence", action="delete").exists()


def test_removing_copied_evidence_keeps_the_file_of_the_submitted_evaluation(
    client_as: ClientAs, cast: Cast, submitted_with_evidence
) -> None:
    submitted, original = submitted_with_evidence
    copy = services.evaluation_start(institution=cast.ashby, actor=cast.careers_leader, copy_previous=True)
    copied = copy.evidence.get()
    assert copied.file.name == original.file.name
    client = client_as("careers_leader")
    assert client.post(reverse("evaluations:evidence-remove", args=[copy.pk, copied.pk])).status_code == 302
    assert default_storage.exists(original.file.name)
    response = client.get(reverse("evaluations:evidence-download", args=[submitted.pk, original.pk]))
    assert response.status_code == 200


def test_download_is_an_attachment_with_the_stored_type_and_nosniff(client_as: ClientAs, draft: Evaluation) -> None:
    client = client_as("careers_leader")
    upload(client, draft, "board photo.pdf", png_bytes(), "application/pdf")
    item = Evidence.objects.get(evaluation=draft)
    response = client.get(reverse("evaluations:evidence-download", args=[draft.pk, item.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert "board_photo" in response["Content-Disposition"] and ".png" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response.getvalue() == png_bytes()


def test_a_missing_stored_file_is_a_404(client_as: ClientAs, draft: Evaluation, file_item: Evidence) -> None:
    default_storage.delete(file_item.file.name)
    response = client_as("careers_leader").get(reverse("evaluations:evidence-download", args=[draft.pk, file_item.pk]))
    assert response.status_code == 404


def test_evidence_is_listed_per_criterion(
    client_as: ClientAs, cast: Cast, draft: Evaluation, file_item: Evidence
) -> None:
    add_file_evidence(draft, "1.2", title="Other criterion's plan")
    html = client_as("senior_leader").get(evidence_url(draft, "1.1")).content.decode()
    assert "Careers plan" in html and "Other criterion's plan" not in html
    assert "Evidence added (1)" in html
    assert "You can view and download this evidence" in html


def test_a_user_typed_title_cannot_inject_markup(client_as: ClientAs, draft: Evaluation) -> None:
    client = client_as("careers_leader")
    client.post(
        evidence_url(draft), {"kind": "note", "note-title": "<script>alert(1)</script>", "note-note": "<b>x</b>"}
    )
    html = client.get(evidence_url(draft)).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<b>x</b>" not in html


def test_evidence_page_query_budget(
    client_as: ClientAs, cast: Cast, draft: Evaluation, django_assert_max_num_queries
) -> None:
    for n in range(20):
        add_file_evidence(draft, "1.1", title=f"Item {n}", actor=cast.careers_leader)
    client = client_as("careers_leader")
    with django_assert_max_num_queries(10):
        response = client.get(evidence_url(draft))
    assert response.content.decode().count("Download<span") == 20
