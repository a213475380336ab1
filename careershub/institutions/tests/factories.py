from __future__ import annotations

import factory

from careershub.institutions.models import EstablishmentStatus, Institution, InstitutionKind
from careershub.organisations.models import OrganisationKind
from careershub.organisations.tests.factories import OrganisationFactory


class InstitutionFactory(factory.django.DjangoModelFactory[Institution]):
    class Meta:
        model = Institution

    urn = factory.Sequence(lambda n: 900000 + n)
    name = factory.Sequence(lambda n: f"Test Academy {n}")
    kind = InstitutionKind.MAINSTREAM_SCHOOL
    type_code = "34"
    type_name = "Academy converter"
    type_group = "Academies"
    phase = "Secondary"
    status = EstablishmentStatus.OPEN
    la_code = "358"
    la_name = "Trafford"
    postcode = "M33 3AB"
    statutory_low_age = 11
    statutory_high_age = 18
    number_of_pupils = 1000
    percent_fsm = factory.Faker("pydecimal", left_digits=2, right_digits=1, min_value=2, max_value=60)


class InstitutionWithOrganisationFactory(InstitutionFactory):
    organisation = factory.SubFactory(
        OrganisationFactory, kind=OrganisationKind.INSTITUTION, name=factory.SelfAttribute("..name")
    )
