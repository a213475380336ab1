from __future__ import annotations

import factory

from careershub.geography.models import LocalAuthority, Region


class RegionFactory(factory.django.DjangoModelFactory[Region]):
    class Meta:
        model = Region
        django_get_or_create = ("gss_code",)

    gss_code = factory.Sequence(lambda n: f"E1{n:07d}")
    name = factory.Sequence(lambda n: f"Test region {n}")


class LocalAuthorityFactory(factory.django.DjangoModelFactory[LocalAuthority]):
    class Meta:
        model = LocalAuthority
        django_get_or_create = ("dfe_code",)

    dfe_code = factory.Sequence(lambda n: f"{900 + n % 99:03d}")
    gss_code = factory.Sequence(lambda n: f"E99{n:06d}")
    name = factory.Sequence(lambda n: f"Test authority {n}")
    region = factory.SubFactory(RegionFactory)
