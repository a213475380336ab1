"""Demo risk of NEET data: risk factors for Years 9 to 11 at the first demo school, and a couple of
interventions, so that its careers leader's risk list has red, amber and green learners; and risk
factors for the school's past leavers (from `demo.destinations`), so that the hub lead's and the
participation officer's configuration page can evaluate the indicator on their outcomes.

Past leavers' risk factors are fictitious and drawn (seeded) so that those whose latest
destination is NEET more often have low attendance or low attainment: the demo shows what the
evaluation looks like, not evidence about which indicators matter.

The risk factors arrive the way a school's do: a CSV goes through the risk-factor import (check,
preview, confirm), so the import history shows it. Interventions go through the services (and so
the audit trail). Running it again changes nothing: a school that already has risk factors is
not imported again (past leavers likewise), and interventions are only added to a school that
has none.
"""

from __future__ import annotations

import csv
import datetime
import io
import random
from collections.abc import Callable

from careershub.accounts.models import User
from careershub.institutions.models import Institution
from careershub.learners.models import Learner
from careershub.risk import outcomes, queries, services
from careershub.risk.models import Indicator, Intervention, InterventionKind, InterventionStatus, RiskFactors

HEADERS = [
    "UPN",
    "Attendance %",
    "Suspensions",
    "Attainment band",
    "Young carer",
    "Youth justice",
    "Alternative provision",
]


def risk_factors_csv(learners: list[Learner]) -> bytes:
    """A fictitious pattern: about one learner in five below 90% attendance, one in eleven below 80%."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for n, learner in enumerate(learners, start=1):
        attendance = "76.5" if n % 11 == 0 else ("86.0" if n % 5 == 0 else f"{94 + (n % 6)}.0")
        writer.writerow(
            [
                learner.upn,
                attendance,
                "1" if n % 9 == 0 else "0",
                "low" if n % 4 == 1 else ("high" if n % 4 == 3 else "middle"),
                "Y" if n % 13 == 0 else "N",
                "Y" if n % 29 == 0 else "N",
                "Y" if n % 37 == 0 else "N",
            ]
        )
    return out.getvalue().encode("utf-8")


def past_leavers_csv(leavers: list[Learner], known: dict[int, bool | None], seed: str) -> bytes:
    rng = random.Random(seed)  # noqa: S311 (demo data, seeded)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for learner in leavers:
        neet = bool(known.get(learner.pk))
        low_attendance = rng.random() < (0.55 if neet else 0.15)
        very_low = low_attendance and rng.random() < (0.5 if neet else 0.2)
        attendance = "74.0" if very_low else ("86.5" if low_attendance else f"{93 + rng.randrange(7)}.0")
        low_attainment = rng.random() < (0.6 if neet else 0.2)
        writer.writerow(
            [
                learner.upn,
                attendance,
                "1" if rng.random() < (0.3 if neet else 0.08) else "0",
                "low" if low_attainment else rng.choice(["middle", "high"]),
                "Y" if rng.random() < (0.12 if neet else 0.04) else "N",
                "Y" if rng.random() < (0.05 if neet else 0.01) else "N",
                "N",
            ]
        )
    return out.getvalue().encode("utf-8")


def add_demo_past_leavers(institution: Institution, leader: User, add: Callable[[str, int], None]) -> None:
    leavers = list(
        Learner.objects.filter(institution=institution, left_on__isnull=False).exclude(upn="").order_by("pk")
    )
    if not leavers or RiskFactors.objects.filter(learner__in=leavers).exists():
        return
    known = outcomes.neet_outcomes(learner_ids=[learner.pk for learner in leavers])
    upload = services.import_upload(
        institution=institution,
        actor=leader,
        data=past_leavers_csv(leavers, known, f"risk-{institution.urn}"),
        filename=f"Risk factors of past leavers {institution.urn}.csv",
    )
    services.import_confirm(risk_import=upload, actor=leader)
    add("demo past leavers with risk factors", upload.matched_count)


def add_demo_risk(
    institution: Institution, leader: User, today: datetime.date, add: Callable[[str, int], None]
) -> None:
    learners = list(
        Learner.objects.filter(
            institution=institution, left_on__isnull=True, year_group__in=queries.SCORED_YEARS
        ).order_by("pk")
    )
    learners = [learner for learner in learners if learner.upn]
    if not learners:
        return
    if not RiskFactors.objects.filter(learner__institution=institution).exists():
        upload = services.import_upload(
            institution=institution,
            actor=leader,
            data=risk_factors_csv(learners),
            filename=f"Risk factors {institution.urn}.csv",
        )
        services.import_confirm(risk_import=upload, actor=leader)
        add("demo learners with risk factors", upload.matched_count)
    if Intervention.objects.filter(learner__institution=institution).exists():
        return
    all_rules = queries.rules()
    scheme = queries.applied_configuration(institution, all_rules).scheme
    rows = sorted(
        (
            queries.assess(learner, all_rules, scheme)
            for learner in Learner.objects.filter(pk__in=[x.pk for x in learners])
        ),
        key=lambda row: (-row.score, row.learner.pk),
    )
    plans = [
        (InterventionKind.MENTORING, InterventionStatus.IN_PROGRESS, 21, "Weekly mentoring with a learning mentor", ""),
        (
            InterventionKind.GUIDANCE_MEETING,
            InterventionStatus.COMPLETED,
            35,
            "Personal guidance meeting about post-16 options",
            "Applied to the local college for a Level 2 course",
        ),
    ]
    for row, (kind, status, days_ago, notes, outcome) in zip(rows, plans, strict=False):
        flag = row.flags[0] if row.flags else None
        services.intervention_create(
            learner=row.learner,
            indicator=Indicator.objects.filter(code=flag.code).first() if flag else None,
            kind=kind,
            owner=leader.full_name or "Careers leader",
            started_on=today - datetime.timedelta(days=days_ago),
            status=status,
            notes=notes,
            outcome=outcome,
            follow_up_on=today + datetime.timedelta(days=14),
            actor=leader,
        )
        add("demo interventions", 1)


def load_demo_risk(
    institutions: dict[int, Institution], users: dict[str, User], today: datetime.date, add: Callable[[str, int], None]
) -> None:
    """Risk factors and interventions at the first demo school; risk factors of its past leavers
    (load it after `demo.destinations`, which creates them)."""
    from careershub.demo.learners import SCHOOLS

    school = SCHOOLS[0]
    institution = institutions.get(school.urn)
    leader = users.get(school.leader_email)
    if institution is not None and leader is not None:
        add_demo_risk(institution, leader, today, add)
        add_demo_past_leavers(institution, leader, add)
