from __future__ import annotations

import re

import pytest
from django.urls import reverse

from careershub.neet.models import Figure, FigureLoad
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", PERSONAS)
def test_published_files_page_is_for_national_admins(client_as, published: None, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("neet:data"))
    assert response.status_code == (302 if persona == "anonymous" else 200 if persona == "national_admin" else 403)
    post = client_as(persona).post(reverse("neet:data"), {"action": "check"})
    assert post.status_code == (302 if persona == "anonymous" else 200 if persona == "national_admin" else 403)


def test_check_previews_then_load_applies_and_records_who(client_as, cast: Cast, published: None) -> None:  # type: ignore[no-untyped-def]
    Figure.objects.filter(measure__code="sc_neet", period="2025").delete()
    loads = FigureLoad.objects.count()
    client = client_as("national_admin")
    page = client.post(reverse("neet:data"), {"action": "check"}).content.decode()
    assert "Loading them would make 161 new, 0 changed, 0 removed" in page
    assert FigureLoad.objects.count() == loads  # checking changes nothing
    fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]{64})"', page)
    assert fingerprint is not None
    stale = client.post(reverse("neet:data"), {"fingerprint": "0" * 64}).content.decode()
    assert "changed after you checked" in stale and FigureLoad.objects.count() == loads
    response = client.post(reverse("neet:data"), {"fingerprint": fingerprint.group(1)})
    assert response.status_code == 302
    load = FigureLoad.objects.get(created=161)
    assert load.loaded_by == cast.national_admin
    assert Figure.objects.get(measure__code="sc_neet", area_code="E92000001", period="2025").published == "3.4"
