"""Demo learners, careers activities and guidance meetings for a few demo schools and a college.

Learners are fictitious: first names are common ones, surnames are made of "Sample", "Demo",
"Mock"… with an ending ("Sampleton", "Demoworth"), so that nobody takes them for real children.
They arrive the way a school's learners do: a SIMS-style CSV goes through the learner import
(upload, suggested mapping, check, apply), so the demo also shows an import in the history.
Activities and meetings go through the activity services (and so the audit trail).

The plan gives each school's current cohorts the activities they would have had in earlier school
years, with a few learners (more of them disadvantaged) missing each one, so the coverage page
shows real percentages, gaps between groups and gap lists. Running it again changes nothing: a
school that already has learners is not imported again, and activities are looked up by title.

The college's learners (Years 12 to 14) come as a college MIS export does: by ULN, with each
learner's planned end date (the ILR's LearnPlanEndDate). Some Year 12 learners are on one-year
courses ending this academic year, the others on two-year courses ending next year; Years 13 and
14 end this year. So the college's self-evaluation shows its completing learners' suggestions
(docs/adr/0011). Its activities start in Year 12.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass

from careershub.accounts.models import User
from careershub.activities import services as activity_services
from careershub.activities.coverage import academic_year
from careershub.activities.models import Activity, GuidanceMeeting
from careershub.institutions.models import Institution
from careershub.learners import services as learner_services
from careershub.learners.identifiers import make_upn, uln_check_digit
from careershub.learners.models import ImportStatus, Learner

FIRST_NAMES = (
    "Amelia", "Oliver", "Isla", "Noah", "Ava", "Leo", "Mia", "Arthur", "Ivy", "Muhammad", "Freya", "Harry",
    "Lily", "Oscar", "Sophia", "George", "Grace", "Theo", "Aisha", "Jacob", "Zara", "Finley", "Maya", "Kai",
)  # fmt: skip
SURNAME_STARTS = ("Sample", "Demo", "Mock", "Example", "Placeholder", "Fiction")
SURNAME_ENDS = ("ton", "worth", "field", "bridge", "ley", "shaw", "wood", "by")

SIMS_HEADERS = [
    "UPN",
    "Legal Surname",
    "Legal Forename",
    "Preferred Forename",
    "DOB",
    "Year",
    "Reg Group",
    "Gender",
    "FSM Eligible",
    "Pupil Premium Indicator",
    "SEN Status",
    "In Care",
    "EAL",
]
PER_YEAR = 18
MEANINGFUL = ["purpose_shared", "learning_outcomes", "two_way_interaction", "reflection"]
WORKPLACE = [*MEANINGFUL, "range_of_people", "task_set", "employer_feedback"]


@dataclass(frozen=True)
class DemoSchool:
    urn: int
    leader_email: str
    girls_only: bool = False


SCHOOLS = (
    DemoSchool(136498, "rachel.bennett@salegrammar.example"),
    DemoSchool(136340, "gemma.hughes@sandbachhigh.example", girls_only=True),
    DemoSchool(138124, "sam.fletcher@deantrust.example"),
)
#: Colleges with demo learners (kept apart from SCHOOLS, which other demo data reads).
COLLEGES = (DemoSchool(130519, "joanne.kelly@traffordcollege.example"),)
#: A college MIS export's columns, with the ILR's learning planned end date.
COLLEGE_HEADERS = [
    "ULN",
    "Surname",
    "Forename",
    "Date of Birth",
    "Year",
    "Tutor Group",
    "Sex",
    "FSM Eligible",
    "SEN Status",
    "Looked After",
    "LearnPlanEndDate",
]
#: Learners per college year group: most in Years 12 and 13, a few in a third year.
COLLEGE_PER_YEAR = {12: 18, 13: 18, 14: 6}


def _year_groups(institution: Institution) -> range:
    high = institution.statutory_high_age or 16
    return range(7, 14 if high >= 18 else 12)


def learners_csv(institution: Institution, today: datetime.date, girls_only: bool = False) -> bytes:
    """A SIMS-style export of the school's fictitious learners."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(SIMS_HEADERS)
    current = academic_year(today)
    la = (institution.la_code or "999")[:3]
    establishment = f"{institution.urn % 10000:04d}"
    n = 0
    for year in _year_groups(institution):
        for i in range(PER_YEAR):
            n += 1
            born_year = current - year - 5 + (1 if (i % 12) + 1 < 9 else 0)
            born = datetime.date(born_year, (i % 12) + 1, 1 + (n * 7) % 28)
            surname = SURNAME_STARTS[n % len(SURNAME_STARTS)] + SURNAME_ENDS[(n // 6) % len(SURNAME_ENDS)]
            upn = make_upn(f"{la}{establishment}{(current - year + 7) % 100:02d}{n % 1000:03d}")
            disadvantaged = n % 4 == 0
            writer.writerow(
                [
                    upn,
                    surname,
                    FIRST_NAMES[(n * 5) % len(FIRST_NAMES)],
                    "",
                    born.strftime("%d/%m/%Y"),
                    year,
                    f"{year}{'ABC'[i % 3]}",
                    "F" if girls_only or n % 2 else "M",
                    "Y" if disadvantaged and n % 8 == 0 else "N",
                    "Y" if disadvantaged else "N",
                    "E" if n % 23 == 0 else ("K" if n % 7 == 0 else "N"),
                    "Y" if n % 31 == 0 else "N",
                    "Y" if n % 6 == 0 else "N",
                ]
            )
    return out.getvalue().encode("utf-8")


def _uln(urn: int, n: int) -> str:
    """A valid ULN for the college's n-th demo learner (some nine-digit starts have no check digit)."""
    for salt in range(10):
        first_nine = f"{5 + salt % 4}{urn % 10000:04d}{(n * 10 + salt) % 10000:04d}"
        digit = uln_check_digit(first_nine)
        if digit is not None:
            return first_nine + digit
    raise ValueError(f"No demo ULN for learner {n}")  # pragma: no cover (a salt always works)


def planned_end(year: int, i: int, current: int) -> datetime.date:
    """A demo college learner's planned end date: this academic year's summer for Years 13 and 14
    and for one Year 12 learner in three (a one-year course), next year's for the other Year 12s."""
    if year == 12 and i % 3:
        return datetime.date(current + 2, 6, 23)
    return datetime.date(current + 1, 6, 24 if year == 12 else 30)


def college_learners_csv(institution: Institution, today: datetime.date) -> bytes:
    """A college MIS export of the college's fictitious learners, with planned end dates."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLLEGE_HEADERS)
    current = academic_year(today)
    n = 0
    for year, count in COLLEGE_PER_YEAR.items():
        for i in range(count):
            n += 1
            born_year = current - year - 5 + (1 if (i % 12) + 1 < 9 else 0)
            born = datetime.date(born_year, (i % 12) + 1, 1 + (n * 5) % 28)
            surname = SURNAME_STARTS[(n + 3) % len(SURNAME_STARTS)] + SURNAME_ENDS[(n // 5) % len(SURNAME_ENDS)]
            writer.writerow(
                [
                    _uln(institution.urn, n),
                    surname,
                    FIRST_NAMES[(n * 7) % len(FIRST_NAMES)],
                    born.strftime("%d/%m/%Y"),
                    year,
                    f"{year}{'EBH'[i % 3]}",  # engineering, business, health
                    "F" if n % 2 else "M",
                    "Y" if n % 6 == 0 else "N",
                    "E" if n % 17 == 0 else ("K" if n % 9 == 0 else "N"),
                    "Y" if n % 29 == 0 else "N",
                    planned_end(year, i, current).strftime("%d/%m/%Y"),
                ]
            )
    return out.getvalue().encode("utf-8")


def import_learners(
    institution: Institution, leader: User, today: datetime.date, girls_only: bool, college: bool = False
) -> int:
    """Import the school's (or college's) demo learners through the learner import; returns how many
    were created."""
    if Learner.objects.filter(institution=institution).exists():
        return 0
    data = college_learners_csv(institution, today) if college else learners_csv(institution, today, girls_only)
    upload = learner_services.import_upload(
        institution=institution,
        actor=leader,
        data=data,
        filename=f"{'College MIS learners' if college else 'SIMS student list'} {institution.urn}.csv",
        full_import=True,
    )
    checked = learner_services.import_set_mapping(learner_import=upload, mapping=upload.mapping, actor=leader)
    if checked.status != ImportStatus.READY:
        raise RuntimeError(f"The demo learners of {institution.name} could not be checked: {checked.error}")
    done = learner_services.import_confirm(learner_import=checked, actor=leader)
    if done.status != ImportStatus.DONE:
        raise RuntimeError(f"The demo learners of {institution.name} could not be imported: {done.error}")
    return done.new_count


def _misses(index: int, learner: Learner, salt: int) -> bool:
    """Whether a learner missed an activity: about one in eight, one in three if disadvantaged."""
    return (index + salt) % 3 == 0 if learner.disadvantaged else (index * 7 + salt) % 8 == 0


@dataclass(frozen=True)
class PlannedActivity:
    title: str
    activity_type: str
    date: datetime.date
    provider_name: str
    provider_kind: str
    checklist: tuple[str, ...]
    year_then: int  # the year group the cohort was in
    through_curriculum: bool = False


#: (year group, title, type, month, day, provider, provider kind, checklist): beyond a meaningful
#: employer talk every year, the encounters Benchmarks 6 and 7 ask for by 16 and by 18, and a
#: labour-market information session in each Key Stage (Benchmark 2).
EXTRAS = (
    (7, "Year 7 jobs in Greater Manchester lesson", "lmi_session", 3, 4, "Careers adviser", "other", ()),
    (10, "Year 10 labour market information session", "lmi_session", 11, 19, "Careers adviser", "other", ()),
    (12, "Year 12 local labour market briefing", "lmi_session", 10, 15, "Careers adviser", "other", ()),
    (8, "Year 8 university taster day", "university_visit", 6, 18, "A university", "university", MEANINGFUL),
    (9, "Year 9 post-16 options evening", "provider_encounter", 1, 20, "Local FE colleges", "fe_college", MEANINGFUL),
    (10, "Year 10 apprenticeships assembly", "provider_encounter", 2, 5, "Apprenticeship providers", "apprenticeship",
     MEANINGFUL),
    (10, "Year 10 work experience week", "work_experience", 6, 22, "Mersey Valley Logistics Ltd and others", "employer",
     WORKPLACE),
    (11, "Year 11 sixth-form open evening", "provider_encounter", 9, 24, "Local sixth forms", "sixth_form", MEANINGFUL),
    (12, "Year 12 university open day", "university_visit", 3, 12, "A university open day", "university", MEANINGFUL),
    (12, "Year 12 work placement", "work_experience", 7, 6, "Trafford Park Engineering Ltd and others", "employer",
     WORKPLACE),
)  # fmt: skip
#: A college's own besides the Year 12 ones above (its activities start in Year 12): an
#: apprenticeship and training providers fair each autumn, so that its learners meet a range of
#: providers (Benchmark 7), and an employer-set project in each curriculum area (Benchmark 5's
#: second encounter of the year, through the curriculum area).
COLLEGE_EXTRAS = (
    (12, "Year 12 employer-set project", "enterprise_activity", 11, 12, "Local employers", "employer", MEANINGFUL),
    (13, "Year 13 employer-set project", "enterprise_activity", 11, 12, "Local employers", "employer", MEANINGFUL),
    (12, "Year 12 apprenticeship and training providers fair", "provider_encounter", 11, 5, "Apprenticeship providers",
     "apprenticeship", MEANINGFUL),
    (13, "Year 13 apprenticeship and training providers fair", "provider_encounter", 11, 5, "Apprenticeship providers",
     "apprenticeship", MEANINGFUL),
)  # fmt: skip


#: Activities delivered through the learners' curriculum area.
CURRICULUM_TITLES = frozenset({"Year 12 employer-set project", "Year 13 employer-set project"})


def _planned(year_now: int, current: int, today: datetime.date, college: bool = False) -> list[PlannedActivity]:
    """Activities the cohort now in `year_now` had, from Year 7 (a college's from Year 12) to today."""
    plans = []
    extras = EXTRAS + COLLEGE_EXTRAS if college else EXTRAS
    for year_then in range(12 if college else 7, year_now + 1):
        school_year = current - (year_now - year_then)
        label = f"{school_year}/{(school_year + 1) % 100:02d}"
        plans.append(
            PlannedActivity(
                f"Year {year_then} employer talks, {label}",
                "employer_talk",
                datetime.date(school_year, 10, 8),
                "Trafford Park Engineering Ltd",
                "employer",
                tuple(MEANINGFUL),
                year_then,
            )
        )
        for year, title, kind, month, day, provider, provider_kind, checklist in extras:
            if year == year_then:
                date = datetime.date(school_year + (0 if month >= 9 else 1), month, day)
                plans.append(
                    PlannedActivity(
                        f"{title}, {label}",
                        kind,
                        date,
                        provider,
                        provider_kind,
                        tuple(checklist),
                        year,
                        through_curriculum=title in CURRICULUM_TITLES,
                    )
                )
    return [plan for plan in plans if plan.date <= today]  # nothing that has not happened yet


def load_demo_learners(
    institutions: dict[int, Institution], users: dict[str, User], today: datetime.date, add: Callable[[str, int], None]
) -> None:
    current = academic_year(today)
    for school, college in [*((school, False) for school in SCHOOLS), *((college, True) for college in COLLEGES)]:
        institution = institutions.get(school.urn)
        leader = users.get(school.leader_email)
        if institution is None or leader is None:
            continue
        created = import_learners(institution, leader, today, school.girls_only, college)
        if created:
            add("demo learners", created)
        on_roll = list(Learner.objects.on_roll().filter(institution=institution).order_by("pk"))
        cohorts: dict[int, list[Learner]] = {}
        for learner in on_roll:
            cohorts.setdefault(learner.year_group, []).append(learner)
        existing = set(Activity.objects.filter(institution=institution).values_list("title", flat=True))
        for year_now, cohort in sorted(cohorts.items()):
            for salt, plan in enumerate(_planned(year_now, current, today, college)):
                if plan.title in existing:
                    continue
                activity = activity_services.activity_create(
                    institution=institution,
                    actor=leader,
                    activity_type=plan.activity_type,
                    title=plan.title,
                    date=plan.date,
                    provider_name=plan.provider_name,
                    provider_kind=plan.provider_kind,
                    checklist=plan.checklist,
                    through_curriculum=plan.through_curriculum,
                )
                chosen = [learner for i, learner in enumerate(cohort) if not _misses(i, learner, salt + year_now)]
                activity_services.participants_add(activity=activity, learners=chosen, actor=leader)
                add("demo activities", 1)
        _guidance_meetings(cohorts, leader, current, today, add, college)


def _guidance_meetings(
    cohorts: dict[int, list[Learner]],
    leader: User,
    current: int,
    today: datetime.date,
    add: Callable[[str, int], None],
    college: bool = False,
) -> None:
    """A guidance meeting in Year 11 for most learners now in Year 11 and above, and one more in Year 13
    (at a college: in Year 12, early in the autumn term, and in Year 13)."""
    have = set(
        GuidanceMeeting.objects.filter(learner__in=[lr for c in cohorts.values() for lr in c]).values_list(
            "learner_id", "date"
        )
    )
    for year_now, cohort in cohorts.items():
        for year_then in (12, 13) if college else (11, 13):
            if year_now < year_then:
                continue
            # Year 11 (a college's Year 12): early in the autumn term, before most turn 16; Year 13:
            # in the spring term.
            school_year = current - (year_now - year_then)
            day = datetime.date(school_year, 10, 1) if year_then < 13 else datetime.date(school_year + 1, 2, 10)
            if day > today:
                continue
            for i, learner in enumerate(cohort):
                if _misses(i, learner, year_then) or (learner.pk, day) in have:
                    continue
                activity_services.guidance_meeting_create(
                    learner=learner,
                    actor=leader,
                    date=day,
                    adviser_name="Jo Demo-Adviser",
                    adviser_level6=True,
                    notes="Demo notes: talked about options after college."
                    if college
                    else "Demo notes: talked about options after Year 11.",
                )
                add("demo guidance meetings", 1)
