from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from careershub.audit.models import AuditEvent
from careershub.evaluations.models import FrameworkVersion
from careershub.programmes import services
from careershub.programmes.models import PlannedActivity, PlanTemplate, TemplateActivity, Term
from careershub.programmes.tests.factories import make_example, make_plan, make_template
from conftest import Cast

pytestmark = pytest.mark.django_db

EXAMPLE_FORM = {
    "title": "Apprenticeship assembly",
    "activity_type": "provider_encounter",
    "year_groups": ["Y10", "Y11"],
    "criteria": ["7.1"],
    "term": "summer",
    "budget_pence": "0",
}


def test_hub_lead_creates_a_template_with_examples(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    client = client_as("hub_lead")
    framework = FrameworkVersion.objects.get(code="gatsby-2024-schools")
    response = client.post(
        reverse("programmes:template-create"),
        {"title": "Year plan", "description": "", "framework": str(framework.pk), "is_shared": "on"},
    )
    assert response.status_code == 302
    template = PlanTemplate.objects.get()
    assert template.hub == cast.north_hub and template.is_shared
    response = client.post(reverse("programmes:example-add", args=[template.pk]), EXAMPLE_FORM)
    assert response.status_code == 302
    assert TemplateActivity.objects.get().year_groups == ["Y10", "Y11"]
    assert AuditEvent.objects.filter(
        object_type="programmes.TemplateActivity", organisation=cast.north_hub.organisation
    ).exists()


def test_unshared_templates_and_other_hubs_are_not_offered(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    plan = make_plan(cast)
    shared = make_template(cast)
    hidden = make_template(cast, shared=False)
    hidden.title = "Draft template"
    hidden.save()
    content = client_as("careers_leader").get(reverse("programmes:template-choose", args=[plan.pk])).content.decode()
    assert shared.title in content and "Draft template" not in content
    response = client_as("careers_leader").get(reverse("programmes:template-copy", args=[plan.pk, hidden.pk]))
    assert response.status_code == 404
    other_plan = services.plan_create(institution=cast.brook, academic_year=2026, actor=cast.other_careers_leader)
    response = client_as("other_careers_leader").get(
        reverse("programmes:template-copy", args=[other_plan.pk, shared.pk])
    )
    assert response.status_code == 404


def test_careers_leader_copies_chosen_examples_into_the_plan(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    plan = make_plan(cast)
    template = make_template(cast)
    options = make_example(template, cast, target_date=datetime.date(2025, 2, 12), term="")
    skipped = make_example(template, cast, title="Skipped")
    response = client_as("careers_leader").post(
        reverse("programmes:template-copy", args=[plan.pk, template.pk]), {"activities": [str(options.pk)]}
    )
    assert response.status_code == 302
    copied = PlannedActivity.objects.get(plan=plan)
    assert copied.title == options.title and copied.copied_from == options
    assert copied.criteria == ["2.1", "2.2"] and copied.budget_pence == 10_000
    assert copied.target_date == datetime.date(2027, 2, 12)  # the same day in the plan's year
    assert not PlannedActivity.objects.filter(title=skipped.title).exists()


def test_copy_leaves_out_criteria_the_plan_framework_lacks(cast: Cast) -> None:
    plan = make_plan(cast)
    old = FrameworkVersion.objects.get(code="gatsby-2014-schools")
    template = services.template_create(
        hub=cast.north_hub, title="Old", description="", framework=old, is_shared=True, actor=cast.hub_lead
    )
    criteria = [c.code for b in old.spec().benchmarks for c in b.criteria]
    example = make_example(template, cast, criteria=criteria, term=Term.AUTUMN)
    result = services.copy_from_template(plan=plan, template=template, activities=[example], actor=cast.careers_leader)
    new_codes = {c.code for b in plan.framework.spec().benchmarks for c in b.criteria}
    assert set(result.copied[0].criteria) == set(criteria) & new_codes
    assert result.dropped_criteria == len(set(criteria) - new_codes)


def test_template_edit_refuses_stale_version(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    template = make_template(cast)
    services.template_update(template=template, expected_version=1, actor=cast.hub_lead, title="Renamed")
    response = client_as("hub_lead").post(
        reverse("programmes:template-edit", args=[template.pk]), {"title": "Mine", "version": "1"}
    )
    assert "changed this after you opened it" in response.content.decode()
    template.refresh_from_db()
    assert template.title == "Renamed"


def test_example_edit_and_delete(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    template = make_template(cast)
    example = make_example(template, cast)
    client = client_as("hub_lead")
    url = reverse("programmes:example-edit", args=[template.pk, example.pk])
    assert client.post(url, {**EXAMPLE_FORM, "version": "1"}).status_code == 302
    example.refresh_from_db()
    assert example.title == "Apprenticeship assembly" and example.version == 2
    assert client_as("other_hub_lead").post(url, {**EXAMPLE_FORM, "version": "2"}).status_code == 404
    assert client.post(reverse("programmes:example-delete", args=[template.pk, example.pk])).status_code == 302
    assert not TemplateActivity.objects.exists()
