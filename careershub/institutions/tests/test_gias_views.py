"""The national admin's GIAS import pages: access by persona, and upload → preview → confirm → result."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from careershub.audit.models import AuditAction, AuditEvent
from careershub.institutions import gias, services
from careershub.institutions.models import GiasImport, GiasImportStatus, Institution
from careershub.institutions.tests.factories import InstitutionFactory
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]

FILE = (
    "URN,EstablishmentName,TypeOfEstablishment (name),PhaseOfEducation (name),OpenDate,Town,Postcode\n"
    "900001,New Academy,Academy converter,Secondary,01-09-2015,Sale,M33 1AA\n"
    "800001,Ashby High School,Academy converter,Secondary,01-09-2010,Ashby,LE65 1AA\n"
    "ABC,Bad Row,Academy converter,Secondary,01-09-2010,Leeds,LS1 1AA\n"
    "900002,Bad Date,Academy converter,Secondary,31-02-2010,Leeds,LS1 1AB\n"
)


def upload(client: Client, content: bytes, name: str = "edubasealldata20250109.csv") -> Any:
    return client.post(reverse("institutions:gias-import"), {"file": SimpleUploadedFile(name, content, "text/csv")})


def prepared(**kwargs: Any) -> GiasImport:
    return services.gias_import_prepare(data=FILE.encode(), filename="f.csv", actor=None, organisation=None, **kwargs)


def check_tables(html: str) -> None:
    """Every table has a caption and column headers scoped to their columns."""
    tables = re.findall(r"<table\b.*?</table>", html, flags=re.S)
    assert tables
    for table in tables:
        assert "<caption" in table
        headers = re.findall(r"<th\b[^>]*>", table.split("<tbody")[0])
        assert headers
        assert all('scope="col"' in header for header in headers)


# Access -----------------------------------------------------------------------------------------


def routes(pk: int) -> list[tuple[str, str]]:
    return [
        ("get", reverse("institutions:gias-import")),
        ("post", reverse("institutions:gias-import")),
        ("get", reverse("institutions:gias-import-preview", args=[pk])),
        ("post", reverse("institutions:gias-import-confirm", args=[pk])),
        ("post", reverse("institutions:gias-import-cancel", args=[pk])),
        ("get", reverse("institutions:gias-import-result", args=[pk])),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_national_admins_reach_the_import_pages(client_as: ClientAs, persona: str) -> None:
    gias_import = prepared()
    client = client_as(persona)
    for method, url in routes(gias_import.pk):
        response = getattr(client, method)(url)
        if persona == "anonymous":
            assert response.status_code == 302, url
            assert response["Location"].startswith("/account/sign-in/"), url
        elif persona == "national_admin":
            assert response.status_code in {200, 302}, url
        else:
            assert response.status_code == 403, (persona, url)
    gias_import.refresh_from_db()
    if persona != "national_admin":
        assert gias_import.status == GiasImportStatus.AWAITING_CONFIRMATION
        assert not Institution.objects.filter(urn=900001).exists()


def test_the_navigation_shows_the_import_to_national_admins_only(client_as: ClientAs) -> None:
    link = reverse("institutions:gias-import")
    assert f'href="{link}"' in client_as("national_admin").get("/").content.decode()
    assert f'href="{link}"' not in client_as("national_analyst").get("/").content.decode()


def test_unknown_imports_are_not_found(client_as: ClientAs) -> None:
    client = client_as("national_admin")
    assert client.get(reverse("institutions:gias-import-result", args=[999])).status_code == 404
    assert client.get(reverse("institutions:gias-import-preview", args=[999])).status_code == 404
    assert client.post(reverse("institutions:gias-import-confirm", args=[999])).status_code == 404


def test_pages_refuse_the_wrong_method(client_as: ClientAs) -> None:
    gias_import = prepared()
    client = client_as("national_admin")
    assert client.get(reverse("institutions:gias-import-confirm", args=[gias_import.pk])).status_code == 405
    assert client.post(reverse("institutions:gias-import-result", args=[gias_import.pk])).status_code == 405


# The journey ------------------------------------------------------------------------------------


def test_upload_preview_confirm_result(
    client_as: ClientAs, cast: Cast, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    client = client_as("national_admin")
    page = client.get(reverse("institutions:gias-import"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file"' in html and 'name="file"' in html
    assert "No files have been imported yet." in html

    response = upload(client, FILE.encode("cp1252"))
    gias_import = GiasImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("institutions:gias-import-preview", args=[gias_import.pk])
    assert gias_import.created_by == cast.national_admin
    assert gias_import.organisation == cast.national
    assert not Institution.objects.filter(urn=900001).exists()

    preview = client.get(response["Location"])
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "Check the import" in html
    assert "edubasealldata20250109.csv" in html
    for label, number in [("New establishments", 1), ("Changed establishments", 1), ("Rejected rows", 2)]:
        assert re.search(rf"{label}</th>\s*<td[^>]*>{number}</td>", html), label
    assert "URN &#39;ABC&#39; is not a number" in html
    assert "OpenDate &#39;31-02-2010&#39; is not a date" in html
    assert "Sample of changes" in html and "Ashby High School" in html
    assert "Sample of new establishments" in html and "New Academy" in html
    assert 'action="{}"'.format(reverse("institutions:gias-import-confirm", args=[gias_import.pk])) in html
    check_tables(html)

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(reverse("institutions:gias-import-confirm", args=[gias_import.pk]))
    assert confirmed.status_code == 302
    assert confirmed["Location"] == reverse("institutions:gias-import-result", args=[gias_import.pk])

    result = client.get(confirmed["Location"])
    html = result.content.decode()
    assert result.status_code == 200
    assert "govuk-tag--green" in html and ">Done</strong>" in html
    assert "What the import did" in html
    assert "The import is done." in html
    check_tables(html)
    gias_import.refresh_from_db()
    assert (gias_import.created_count, gias_import.updated_count, gias_import.rejected_count) == (1, 1, 2)
    assert gias_import.confirmed_by == cast.national_admin
    assert Institution.objects.get(urn=900001).name == "New Academy"
    assert Institution.objects.get(urn=800001).town == "Ashby"
    event = AuditEvent.objects.get(action=AuditAction.IMPORT)
    assert event.actor == cast.national_admin
    assert event.organisation == cast.national

    # The result stays available: listed on the upload page, and the preview now leads to it.
    listing = client.get(reverse("institutions:gias-import")).content.decode()
    assert "Past imports" in listing
    assert reverse("institutions:gias-import-result", args=[gias_import.pk]) in listing
    check_tables(listing)
    again = client.get(reverse("institutions:gias-import-preview", args=[gias_import.pk]))
    assert again.status_code == 302
    assert again["Location"] == confirmed["Location"]

    # Confirming again is refused with a message, and changes nothing.
    repeat = client.post(reverse("institutions:gias-import-confirm", args=[gias_import.pk]), follow=True)
    assert "This import has already been confirmed or cancelled." in repeat.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.IMPORT).count() == 1


def test_a_second_upload_of_the_same_file_warns_and_shows_all_unchanged(
    client_as: ClientAs, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    client = client_as("national_admin")
    upload(client, FILE.encode())
    first = GiasImport.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("institutions:gias-import-confirm", args=[first.pk]))
    response = upload(client, FILE.encode())
    html = client.get(response["Location"]).content.decode()
    assert "This same file was already imported on" in html
    assert re.search(r"Unchanged establishments</th>\s*<td[^>]*>2</td>", html)


def test_cancelling_a_preview(client_as: ClientAs) -> None:
    client = client_as("national_admin")
    upload(client, FILE.encode())
    gias_import = GiasImport.objects.get()
    response = client.post(reverse("institutions:gias-import-cancel", args=[gias_import.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("institutions:gias-import")
    assert "was cancelled. Nothing was changed." in response.content.decode()
    gias_import.refresh_from_db()
    assert gias_import.status == GiasImportStatus.CANCELLED
    assert not Institution.objects.filter(urn=900001).exists()
    result = client.get(reverse("institutions:gias-import-result", args=[gias_import.pk])).content.decode()
    assert "This import was cancelled before it ran." in result


def test_a_queued_import_offers_a_refresh_link(client_as: ClientAs) -> None:
    gias_import = prepared()
    services.gias_import_confirm(gias_import=gias_import, actor=None, background=False)
    url = reverse("institutions:gias-import-result", args=[gias_import.pk])
    html = client_as("national_admin").get(url).content.decode()
    assert "The import is waiting to start." in html
    assert f'href="{url}"' in html and "Refresh" in html
    assert "http-equiv" not in html  # no automatic refresh: the person decides when


def test_a_failed_import_says_why(client_as: ClientAs) -> None:
    gias_import = prepared()
    GiasImport.objects.filter(pk=gias_import.pk).update(
        status=GiasImportStatus.FAILED, error="The uploaded file is no longer stored."
    )
    html = client_as("national_admin").get(reverse("institutions:gias-import-result", args=[gias_import.pk]))
    assert "The uploaded file is no longer stored. Nothing was changed." in html.content.decode()


# Broken uploads ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The selected file is empty"),
        (b"%PDF-1.7\nbinary", "The file is a PDF document, not a CSV file."),
        (b"PK\x03\x04xlsx", "The file is a ZIP archive or an Excel workbook"),
        (b"URN,EstablishmentName\n", "The file has a header row but no rows of data."),
        (b"Name,Town\nA,B\n", "The file has no URN column"),
        (b"URN,Name\n1,\x00\x00\n", "NUL bytes"),
    ],
)
def test_a_broken_upload_shows_one_error_and_stores_nothing(client_as: ClientAs, content: bytes, message: str) -> None:
    InstitutionFactory.create(urn=700001)
    before = list(Institution.objects.values())
    response = upload(client_as("national_admin"), content, "broken.csv")
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html
    assert message in html
    assert html.count('class="govuk-error-message"') == 1
    assert "<title>Error: Import from GIAS" in html
    assert not GiasImport.objects.exists()
    assert list(Institution.objects.values()) == before


def test_no_file_selected(client_as: ClientAs) -> None:
    response = client_as("national_admin").post(reverse("institutions:gias-import"), {})
    assert "Select a GIAS CSV file" in response.content.decode()
    assert 'href="#id_file"' in response.content.decode()


def test_a_file_over_the_limit_is_refused(client_as: ClientAs, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gias, "MAX_FILE_BYTES", 50)
    response = upload(client_as("national_admin"), FILE.encode())
    assert "The selected file must be smaller than" in response.content.decode()
    assert not GiasImport.objects.exists()


def test_names_from_the_file_are_escaped(client_as: ClientAs) -> None:
    client = client_as("national_admin")
    content = b'URN,EstablishmentName\n900003,"<script>alert(1)</script> =cmd|x"\n'
    response = upload(client, content, '<img src=x onerror="alert(1)">.csv')
    html = client.get(response["Location"]).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; =cmd|x" in html
    assert "<img src=x" not in html
