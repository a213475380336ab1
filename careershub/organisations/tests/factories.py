from __future__ import annotations

import factory

from careershub.accounts.models import User
from careershub.organisations.models import Membership, Organisation, OrganisationKind, Role


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.django.Password("correct horse battery staple")


class NewUserFactory(UserFactory):
    """A user whose email is known to be new (the persona cast, in a fresh database): one INSERT,
    without get_or_create's look-up and savepoint (3 more queries per user, per test)."""

    class Meta:
        django_get_or_create = ()


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.INSTITUTION


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.CAREERS_LEADER
