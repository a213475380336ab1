"""Demo leavers and their destinations at the demo schools (`demo.learners.SCHOOLS`).

Each school gets fictitious Year 11 leavers (and Year 13 leavers where it has a sixth form) for
the last three summers, each with an intended destination, a September Guarantee offer, consent
where tracking goes past the statutory age, and activity records drawn from a seeded plan: most
stay in education, some start apprenticeships or jobs, a few drop out in the winter, are NEET or
not known — more often when disadvantaged — so the summary shows real-looking figures. Records
go through the destination services (and so the audit trail). Leavers are learners who have left
(`left_on` in July of their leaving year), with UPNs of their own. Running it again changes
nothing: a learner who already has a leaver record is skipped.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable

from careershub.accounts.models import User
from careershub.demo.learners import FIRST_NAMES, SCHOOLS, SURNAME_ENDS, SURNAME_STARTS
from careershub.destinations import services
from careershub.destinations.models import ActivityCode, Leaver, SeptemberGuarantee, Stage, TrackingConsent
from careershub.institutions.models import Institution
from careershub.learners.identifiers import make_upn
from careershub.learners.models import Learner, SenStatus

YEAR_11_LEAVERS = 24
YEAR_13_LEAVERS = 16

#: (weight, intended code, [(months after 1 September of the leaving year, code), ...])
Y11_PATHS: list[tuple[int, str, list[tuple[int, str]]]] = [
    (40, "210", [(0, "210")]),
    (22, "230", [(0, "230")]),
    (8, "220", [(0, "220")]),
    (8, "310", [(0, "619"), (1, "310")]),
    (4, "230", [(0, "230"), (5, "619"), (8, "450")]),  # drops out in February, then a traineeship
    (4, "340", [(0, "340")]),
    (5, "230", [(0, "619"), (3, "610")]),
    (2, "230", [(0, "630")]),
    (4, "", [(0, "810")]),
    (3, "230", []),
]
Y13_PATHS: list[tuple[int, str, list[tuple[int, str]]]] = [
    (50, "240", [(0, "240")]),
    (12, "310", [(0, "310")]),
    (14, "330", [(0, "330")]),
    (5, "240", [(0, "260"), (12, "240")]),
    (5, "240", [(0, "240"), (4, "619"), (6, "360")]),
    (6, "330", [(0, "619")]),
    (5, "", [(0, "810")]),
    (3, "240", []),
]


def _months_after(start: datetime.date, months: int, day: int) -> datetime.date:
    year = start.year + (start.month - 1 + months) // 12
    month = (start.month - 1 + months) % 12 + 1
    return datetime.date(year, month, day)


def _learner(institution: Institution, stage: str, year: int, n: int, rng: random.Random) -> tuple[Learner, bool]:
    la = (institution.la_code or "999")[:3]
    establishment = f"5{institution.urn % 1000:03d}"
    serial = (n + (0 if stage == Stage.YEAR_11 else 500)) % 1000
    upn = make_upn(f"{la}{establishment}{year % 100:02d}{serial:03d}")
    age = 16 if stage == Stage.YEAR_11 else 18
    born = datetime.date(year - age, 9 + n % 4, 1 + (n * 7) % 28)
    disadvantaged = rng.random() < 0.27
    defaults = {
        "legal_first_name": FIRST_NAMES[(n * 7 + year) % len(FIRST_NAMES)],
        "legal_last_name": SURNAME_STARTS[(n + year) % len(SURNAME_STARTS)] + SURNAME_ENDS[n % len(SURNAME_ENDS)],
        "date_of_birth": born,
        "year_group": 11 if stage == Stage.YEAR_11 else 13,
        "registration_group": f"{11 if stage == Stage.YEAR_11 else 13}{'ABC'[n % 3]}",
        "disadvantaged": disadvantaged,
        "fsm": disadvantaged and rng.random() < 0.7,
        "sen_status": SenStatus.EHC_PLAN if rng.random() < 0.03 else (SenStatus.SUPPORT if rng.random() < 0.12 else ""),
        "looked_after": rng.random() < 0.02,
        "left_on": datetime.date(year, 7, 18),
    }
    if not defaults["sen_status"]:
        defaults["sen_status"] = SenStatus.NONE
    return Learner.objects.get_or_create(institution=institution, upn=upn, defaults=defaults)


def _path(
    paths: list[tuple[int, str, list[tuple[int, str]]]], learner: Learner, rng: random.Random
) -> tuple[str, list[tuple[int, str]]]:
    weights = [weight for weight, _, _ in paths]
    if learner.disadvantaged or learner.looked_after:
        # More of the NEET, dropping-out and not-known paths (the last five) for disadvantaged leavers.
        weights = [w * (2 if i >= len(paths) - 5 else 1) for i, w in enumerate(weights)]
    _, intended, steps = rng.choices(paths, weights=weights)[0]
    return intended, steps


def load_demo_destinations(
    institutions: dict[int, Institution], users: dict[str, User], today: datetime.date, add: Callable[[str, int], None]
) -> None:
    codes = {code.code: code for code in ActivityCode.objects.all()}
    last_summer = today.year if today.month >= 8 else today.year - 1
    for school in SCHOOLS:
        institution = institutions.get(school.urn)
        leader = users.get(school.leader_email)
        if institution is None or leader is None:
            continue
        stages = [(Stage.YEAR_11, YEAR_11_LEAVERS, Y11_PATHS)]
        if (institution.statutory_high_age or 16) >= 18:
            stages.append((Stage.YEAR_13, YEAR_13_LEAVERS, Y13_PATHS))
        for year in range(last_summer - 2, last_summer + 1):
            for stage, count, paths in stages:
                rng = random.Random(f"{institution.urn}-{year}-{stage}")  # noqa: S311 (demo data, seeded)
                for n in range(count):
                    learner, _created = _learner(institution, stage, year, n, rng)
                    if Leaver.objects.filter(learner=learner, stage=stage).exists():
                        continue
                    _leaver_with_activities(learner, stage, year, paths, codes, leader, today, rng)
                    add("demo leavers", 1)


def _leaver_with_activities(
    learner: Learner,
    stage: str,
    year: int,
    paths: list[tuple[int, str, list[tuple[int, str]]]],
    codes: dict[str, ActivityCode],
    leader: User,
    today: datetime.date,
    rng: random.Random,
) -> None:
    intended, steps = _path(paths, learner, rng)
    if stage == Stage.YEAR_11:
        offer = rng.choices(
            [
                SeptemberGuarantee.OFFER_MADE,
                SeptemberGuarantee.NO_OFFER,
                SeptemberGuarantee.NOT_APPROPRIATE,
                SeptemberGuarantee.NOT_RECORDED,
            ],
            weights=[90, 4, 3, 3],
        )[0]
    else:
        offer = SeptemberGuarantee.NOT_RECORDED
    consent = TrackingConsent.GIVEN if rng.random() < 0.85 else TrackingConsent.NOT_ASKED
    leaver = services.leaver_save(
        learner=learner,
        stage=stage,
        leaving_year=year,
        intended_code=codes.get(intended),
        september_guarantee=offer,
        tracking_consent=consent,
        actor=leader,
    )
    start = datetime.date(year, 9, 1)
    for months, code in steps:
        day = _months_after(start, months, 3 + rng.randrange(20))
        if day > today:
            break
        try:
            services.activity_record(leaver=leaver, recorded_on=day, code=codes[code], actor=leader, today=today)
        except services.DestinationError:
            break  # past the statutory age without consent: not recorded
