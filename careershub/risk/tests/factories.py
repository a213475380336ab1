from __future__ import annotations

import factory

from careershub.risk.models import RiskFactors


class RiskFactorsFactory(factory.django.DjangoModelFactory[RiskFactors]):
    class Meta:
        model = RiskFactors
