from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from careershub.audit.models import AuditAction, AuditEvent
from careershub.learners.models import Learner, SenStatus
from careershub.learners.tests.factories import LearnerFactory
from careershub.risk import queries, services
from careershub.risk.models import Indicator, Intervention, RiskConfiguration, RiskFactors
from careershub.risk.tests.factories import RiskFactorsFactory
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db

INSTITUTION_ROLES = {"careers_leader", "senior_leader", "other_careers_leader"}
CONFIGURERS = {"hub_lead", "other_hub_lead", "participation_officer"}


def expected(persona: str, allowed: set[str], not_found: set[str] = frozenset()) -> int:  # type: ignore[assignment]
    if persona == "anonymous":
        return 302
    if persona in allowed:
        return 200
    if persona in not_found:
        return 404
    return 403


def at_risk_learner(cast: Cast, **kwargs: object) -> Learner:
    learner = LearnerFactory.create(institution=cast.ashby, fsm=True, sen_status=SenStatus.EHC_PLAN, **kwargs)
    RiskFactorsFactory.create(learner=learner, attendance_percent=Decimal("78.0"), young_carer=True)
    return learner


@pytest.mark.parametrize("persona", PERSONAS)
def test_risk_list_is_for_the_institution_s_careers_and_senior_leaders(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    learner = at_risk_learner(cast, legal_first_name="Riskfirst")
    response = client_as(persona).get(reverse("risk:list"))
    assert response.status_code == expected(persona, INSTITUTION_ROLES)
    if response.status_code == 200:
        content = response.content.decode()
        assert ("Riskfirst" in content) == (persona != "other_careers_leader")
        assert ("Import risk factors" in content) == (persona in {"careers_leader", "other_careers_leader"})
    response = client_as(persona).get(reverse("risk:learner", args=[learner.pk]))
    assert response.status_code == expected(persona, {"careers_leader", "senior_leader"}, {"other_careers_leader"})


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_careers_leader_records_interventions(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    learner = at_risk_learner(cast)
    intervention = services.intervention_create(
        learner=learner, kind="mentoring", owner="Ms Khan", started_on=datetime.date(2026, 10, 1), status="planned"
    )
    for url in (
        reverse("risk:intervention-add", args=[learner.pk]),
        reverse("risk:intervention-edit", args=[intervention.pk]),
    ):
        response = client_as(persona).get(url)
        assert response.status_code == expected(persona, {"careers_leader"}, {"other_careers_leader"}), url


@pytest.mark.parametrize("persona", PERSONAS)
def test_risk_factor_import_page(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("risk:import"))
    assert response.status_code == expected(persona, INSTITUTION_ROLES)


@pytest.mark.parametrize("persona", PERSONAS)
def test_configuration_is_for_hub_leads_and_participation_officers(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("risk:configuration"))
    assert response.status_code == expected(persona, CONFIGURERS)
    if response.status_code == 200:
        assert "How well it predicts NEET" in response.content.decode()


def test_risk_list_scores_flags_reasons_filter_and_sort(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    red = at_risk_learner(cast, legal_last_name="Aardvark")  # 2 + 1 + 2 + 1 (attendance) + 1 (carer) = 7
    amber = LearnerFactory.create(institution=cast.ashby, legal_last_name="Badger", fsm=True, eal=True)  # 2
    LearnerFactory.create(institution=cast.ashby, legal_last_name="Coot")  # 0
    LearnerFactory.create(institution=cast.ashby, legal_last_name="Year7", year_group=7, fsm=True)  # not scored
    client = client_as("careers_leader")
    content = client.get(reverse("risk:list")).content.decode()
    assert "Year7" not in content
    assert content.index("Aardvark") < content.index("Badger") < content.index("Coot")
    assert "Attendance below 80%" in content and "Young carer" in content
    assert f"{reverse('risk:learner', args=[red.pk])}#flag-young_carer" in content
    assert "The default indicator" in content
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_label="Risk of NEET list of Ashby High School"
    ).exists()
    only_amber = client.get(reverse("risk:list"), {"rag": "amber"}).content.decode()
    assert "Badger" in only_amber and "Aardvark" not in only_amber and "Coot" not in only_amber
    by_name = client.get(reverse("risk:list"), {"order": "name"}).content.decode()
    assert by_name.index("Aardvark") < by_name.index("Badger")
    assert (
        queries.assess(amber, queries.rules(), queries.applied_configuration(cast.ashby, queries.rules()).scheme).rag
        == "amber"
    )


def test_risk_list_query_budget(client_as, cast: Cast, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    for n in range(60):
        learner = at_risk_learner(cast, legal_last_name=f"Many{n}")
        services.intervention_create(
            learner=learner, kind="referral", owner="Mr Lee", started_on=datetime.date(2026, 10, 1), status="planned"
        )
    client = client_as("careers_leader")
    with django_assert_max_num_queries(13):
        response = client.get(reverse("risk:list"), {"page": "2"})
    assert response.status_code == 200
    assert "Many" in response.content.decode()
    with django_assert_max_num_queries(15):
        assert client.get(reverse("risk:learner", args=[learner.pk])).status_code == 200


def test_learner_page_is_audited_and_links_each_flag_to_its_interventions(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    learner = at_risk_learner(cast)
    client = client_as("careers_leader")
    response = client.post(
        reverse("risk:intervention-add", args=[learner.pk]) + "?indicator=young_carer",
        {
            "kind": "referral",
            "indicator": Indicator.objects.get(code="young_carer").pk,
            "owner": "Ms Khan",
            "started_on-day": "2",
            "started_on-month": "10",
            "started_on-year": "2026",
            "status": "in_progress",
            "notes": "Referred to the young carers service",
            "outcome": "",
        },
    )
    assert response.status_code == 302
    intervention = Intervention.objects.get(learner=learner)
    assert intervention.indicator and intervention.indicator.code == "young_carer"
    assert AuditEvent.objects.filter(object_type="risk.Intervention", action=AuditAction.CREATE).exists()
    page = client.get(reverse("risk:learner", args=[learner.pk])).content.decode()
    assert 'id="flag-young_carer"' in page and "Referred to the young carers service" in page
    assert AuditEvent.objects.filter(action=AuditAction.VIEW, object_id=str(learner.pk)).exists()
    # the form for a flag preselects it
    form = client.get(reverse("risk:intervention-add", args=[learner.pk]) + "?indicator=eal").content.decode()
    assert f'value="{Indicator.objects.get(code="eal").pk}" selected' in form


def test_a_stale_intervention_edit_is_refused(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    learner = at_risk_learner(cast)
    intervention = services.intervention_create(
        learner=learner, kind="mentoring", owner="Ms Khan", started_on=datetime.date(2026, 10, 1), status="planned"
    )
    data = {
        "kind": "mentoring",
        "owner": "Ms Khan",
        "started_on-day": "1",
        "started_on-month": "10",
        "started_on-year": "2026",
        "status": "completed",
        "outcome": "Now attending college taster days",
        "follow_up_on-day": "1",
        "follow_up_on-month": "12",
        "follow_up_on-year": "2026",
        "version": "1",
    }
    client = client_as("careers_leader")
    assert client.post(reverse("risk:intervention-edit", args=[intervention.pk]), data).status_code == 302
    intervention.refresh_from_db()
    assert intervention.version == 2 and intervention.outcome.startswith("Now attending")
    assert intervention.follow_up_on == datetime.date(2026, 12, 1)
    stale = client.post(reverse("risk:intervention-edit", args=[intervention.pk]), {**data, "outcome": "Other"})
    assert stale.status_code == 200 and "Someone else changed this intervention" in stale.content.decode()
    intervention.refresh_from_db()
    assert intervention.outcome.startswith("Now attending")


def configuration_form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {"amber": "2", "red": "4", "version": "0"}
    for indicator in Indicator.objects.all():
        data[f"on_{indicator.code}"] = "on"
        data[f"weight_{indicator.code}"] = str(indicator.default_weight)
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_hub_configuration_applies_to_its_schools_and_says_so(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    amber = LearnerFactory.create(institution=cast.ashby, legal_last_name="Badger", fsm=True, eal=True)
    response = client_as("hub_lead").post(
        reverse("risk:configuration"), configuration_form(weight_eal="3", amber="5", red="6")
    )
    assert response.status_code == 302
    configuration = RiskConfiguration.objects.get(organisation=cast.north_hub.organisation)
    assert configuration.weights["eal"] == 3 and configuration.version == 1
    page = client_as("careers_leader").get(reverse("risk:list")).content.decode()
    assert "North Hub&#39;s indicator (your Careers Hub)" in page
    all_rules = queries.rules()
    row = queries.assess(amber, all_rules, queries.applied_configuration(cast.ashby, all_rules).scheme)
    assert (row.score, row.rag) == (4, "green")
    # Brook (South Hub, Manchester) is not affected
    assert queries.applied_configuration(cast.brook, all_rules).configuration is None


def test_local_authority_configuration_applies_when_the_hub_has_none(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    response = client_as("participation_officer").post(reverse("risk:configuration"), configuration_form(amber="3"))
    assert response.status_code == 302
    applied = queries.applied_configuration(cast.ashby, queries.rules())
    assert "Trafford Council" in applied.source and applied.scheme.amber == 3
    client_as("hub_lead").post(reverse("risk:configuration"), configuration_form(amber="2"))
    assert "North Hub" in queries.applied_configuration(cast.ashby, queries.rules()).source


def test_concurrent_configuration_edits_do_not_overwrite(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    client = client_as("hub_lead")
    assert client.post(reverse("risk:configuration"), configuration_form(amber="3")).status_code == 302
    stale = client.post(reverse("risk:configuration"), configuration_form(amber="1", version="0"))
    assert stale.status_code == 200 and "Someone else saved this indicator" in stale.content.decode()
    assert RiskConfiguration.objects.get(organisation=cast.north_hub.organisation).amber_threshold == 3


def test_invalid_configuration_is_explained(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    response = client_as("hub_lead").post(reverse("risk:configuration"), configuration_form(amber="5", red="3"))
    assert response.status_code == 200
    assert "The red threshold must be at least the amber threshold" in response.content.decode()
    assert not RiskConfiguration.objects.exists()


def test_switching_an_indicator_off_clears_its_stored_values(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    learner = at_risk_learner(cast)
    other = LearnerFactory.create(institution=cast.brook)
    RiskFactorsFactory.create(learner=other, young_carer=True)
    form = configuration_form(on_young_carer=None, on_attendance_below_80=None)
    assert client_as("hub_lead").post(reverse("risk:configuration"), form).status_code == 302
    factors = RiskFactors.objects.get(learner=learner)
    assert factors.young_carer is None
    assert factors.attendance_percent == Decimal("78.0")  # still read by the 90% band
    assert RiskFactors.objects.get(learner=other).young_carer is True  # another hub's school
    assert AuditEvent.objects.filter(object_label__startswith="Risk factors cleared at Ashby").exists()
    form = configuration_form(
        on_young_carer=None, on_attendance_below_80=None, on_attendance_below_90=None, version="1"
    )
    client_as("hub_lead").post(reverse("risk:configuration"), form)
    assert RiskFactors.objects.get(learner=learner).attendance_percent is None


@pytest.mark.parametrize(
    ("persona", "link"),
    [
        ("careers_leader", "Learners at risk of NEET"),
        ("hub_lead", "Your risk of NEET indicator"),
        ("participation_officer", "Your risk of NEET indicator"),
    ],
)
def test_home_page_links_to_risk(client_as, cast: Cast, persona: str, link: str) -> None:  # type: ignore[no-untyped-def]
    assert link in client_as(persona).get(reverse("core:home")).content.decode()


def test_enterprise_coordinator_has_no_configuration_link(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    content = client_as("enterprise_coordinator").get(reverse("core:home")).content.decode()
    assert "risk of NEET" not in content and "Risk of NEET" not in content
