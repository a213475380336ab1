"""Demo careers programme planning: a plan template shared by the Greater Manchester hub, and a
plan at Sale Grammar School for the current academic year built from it, published (owner and
budget hidden, one activity kept back), with feedback from learners and from parents and carers.

Everything goes through `careershub.programmes.services`. Running it again changes nothing: the
template and its examples are looked up by title, the plan by institution and year (it is only
filled from the template when it is first made), feedback links by audience and answers by their
fixed nonces.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from careershub.accounts.models import User
from careershub.activities.coverage import academic_year
from careershub.hubs.models import Hub
from careershub.institutions.models import Institution
from careershub.programmes import services
from careershub.programmes.models import Audience, Plan, PlanTemplate, Term

HUB_NAME = "Greater Manchester Careers Hub"
HUB_LEAD = "grace.okafor@gmhub.example"
SCHOOL_URN = 136498  # Sale Grammar School
LEADER = "rachel.bennett@salegrammar.example"
TEMPLATE_TITLE = "Greater Manchester careers programme for 11 to 18 schools"
KEPT_BACK = "Careers leader network peer review"


@dataclass(frozen=True)
class Example:
    title: str
    activity_type: str
    year_groups: tuple[str, ...]
    criteria: tuple[str, ...]
    term: str
    outcomes: str
    owner: str
    budget_pence: int = 0
    groups: tuple[str, ...] = field(default=())


EXAMPLES = (
    Example("Year 7 careers lessons: who am I?", "careers_lesson", ("Y7",), ("4.1", "3.1"), Term.AUTUMN,
            "Learners name their strengths and three jobs that use them.", "Head of PSHE"),
    Example("Year 8 employer speed networking", "employer_talk", ("Y8",), ("5.1", "3.1"), Term.SPRING,
            "Learners ask employers about their routes into work.", "Careers leader", 15_000),
    Example("Year 9 options evening with labour market information", "lmi_session", ("Y9",), ("2.1", "2.2"),
            Term.SPRING, "Learners and their parents or carers use LMI to choose options.", "Careers leader", 5_000),
    Example("Year 10 workplace visits", "workplace_visit", ("Y10",), ("6.1",), Term.SUMMER,
            "Learners describe the jobs and skills they saw.", "Careers leader", 45_000),
    Example("Year 11 personal guidance meetings", "guidance_meeting", ("Y11",), ("8.1",), Term.AUTUMN,
            "Each learner leaves with a next-steps action plan.", "Level 6 careers adviser", 120_000,
            ("send", "disadvantaged")),
    Example("College and apprenticeship provider assembly", "provider_encounter", ("Y10", "Y11"), ("7.1",),
            Term.SPRING, "Learners know the routes open to them at 16.", "Careers leader"),
    Example(KEPT_BACK, "", (), ("1.1", "1.4"), Term.SUMMER,
            "The programme is reviewed with another school's careers leader.", "Careers leader"),
)  # fmt: skip

#: Demo feedback answers by audience: (ratings by statement code, comment).
FEEDBACK = {
    Audience.LEARNERS: [
        ({"know": "5", "helped": "4", "information": "4", "employers": "4"}, "More workplace visits please"),
        ({"know": "4", "helped": "4", "information": "3", "employers": "2"}, ""),
        ({"know": "4", "helped": "5", "information": "4", "employers": "4"}, "The speed networking was great"),
        ({"know": "3", "helped": "3", "information": "2", "employers": "2"}, ""),
        ({"know": "5", "helped": "4", "information": "5", "employers": "4"}, ""),
        ({"know": "4", "helped": "4", "information": "4", "employers": "5"}, "Talk about apprenticeships earlier"),
        ({"know": "4", "helped": "2", "information": "3", "employers": "3"}, ""),
        ({"know": "5", "helped": "5", "information": "4", "employers": "4"}, ""),
    ],
    Audience.PARENTS: [
        ({"know": "4", "involved": "3", "information": "4"}, "An evening on apprenticeships would help"),
        ({"know": "2", "involved": "2", "information": "3"}, ""),
        ({"know": "4", "involved": "4", "information": "4"}, ""),
    ],
}


def _template(
    hub: Hub, lead: User, institution: Institution, year: int, add: Callable[[str, int], None]
) -> PlanTemplate:
    template = PlanTemplate.objects.filter(hub=hub, title=TEMPLATE_TITLE).first()
    if template is None:
        template = services.template_create(
            hub=hub,
            title=TEMPLATE_TITLE,
            description="A year of activities across Years 7 to 11, each mapped to the Gatsby Benchmark criteria.",
            framework=services.framework_version_for(institution, year),
            is_shared=True,
            actor=lead,
        )
        add("programme templates", 1)
    existing = set(template.activities.values_list("title", flat=True))
    for example in EXAMPLES:
        if example.title in existing:
            continue
        services.template_activity_create(
            template=template,
            actor=lead,
            title=example.title,
            activity_type=example.activity_type,
            year_groups=list(example.year_groups),
            groups=list(example.groups),
            criteria=list(example.criteria),
            learning_outcomes=example.outcomes,
            term=example.term,
            owner=example.owner,
            budget_pence=example.budget_pence,
        )
        add("template activities", 1)
    return template


def _plan(
    template: PlanTemplate, institution: Institution, leader: User, year: int, add: Callable[[str, int], None]
) -> Plan:
    plan = Plan.objects.filter(institution=institution, academic_year=year).first()
    if plan is not None:
        return plan
    plan = services.plan_create(institution=institution, academic_year=year, actor=leader)
    examples = list(template.activities.order_by("pk"))
    result = services.copy_from_template(plan=plan, template=template, activities=examples, actor=leader)
    plan = services.plan_publish_settings(
        plan=plan,
        expected_version=plan.version,
        actor=leader,
        published_ids={a.pk for a in result.copied if a.title != KEPT_BACK},
        is_published=True,
        introduction=(
            "Our careers programme helps every pupil plan their next steps. "
            "Questions? Contact our careers leader through the school office."
        ),
        show_owner=False,
        show_budget=False,
        show_feedback=True,
    )
    add("programme plans", 1)
    add("planned activities", len(result.copied))
    return plan


def load_demo_programmes(
    institutions: dict[int, Institution], users: dict[str, User], today: datetime.date, add: Callable[[str, int], None]
) -> None:
    institution = institutions.get(SCHOOL_URN)
    hub = Hub.objects.filter(name=HUB_NAME).first()
    lead, leader = users.get(HUB_LEAD), users.get(LEADER)
    if institution is None or hub is None or lead is None or leader is None:
        return
    year = academic_year(today)
    template = _template(hub, lead, institution, year, add)
    plan = _plan(template, institution, leader, year, add)
    for audience, answers in FEEDBACK.items():
        link = services.feedback_link_open(plan=plan, audience=audience, actor=leader)
        for n, (ratings, comment) in enumerate(answers):
            if services.feedback_submit(link=link, ratings=ratings, comment=comment, nonce=f"demo-{link.pk}-{n}"):
                add("feedback answers", 1)
