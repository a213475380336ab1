from __future__ import annotations

import datetime

import factory

from careershub.learners.identifiers import make_upn
from careershub.learners.models import Learner


def upn_for(n: int, la: str = "358", establishment: str = "4001", year: str = "19") -> str:
    """A valid permanent UPN for serial `n` (0–999 per establishment and year)."""
    return make_upn(f"{la}{establishment}{year}{n % 1000:03d}")


class LearnerFactory(factory.django.DjangoModelFactory[Learner]):
    class Meta:
        model = Learner

    upn = factory.Sequence(lambda n: upn_for(n, year=f"{10 + n // 1000:02d}"))
    legal_first_name = factory.Sequence(lambda n: f"Testfirst{n}")
    legal_last_name = factory.Sequence(lambda n: f"Testlast{n}")
    date_of_birth = datetime.date(2010, 3, 1)
    year_group = 10
    registration_group = "10A"
