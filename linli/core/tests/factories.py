"""factory_boy factories for core records. Personas live in conftest.py."""

from __future__ import annotations

import datetime
import random

import factory
from factory.django import DjangoModelFactory

from linli.core.models import Area, Organization, PartyOrganization, Person, User
from linli.core.validators import id_check_character


def make_id_number(birth: datetime.date, region: str = "310115", seq: int | None = None) -> str:
    """A synthetic resident ID number with a valid GB 11643 check character."""
    seq = random.randint(0, 999) if seq is None else seq
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_character(first17)


class AreaFactory(DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"9{n:08d}")
    name = factory.Sequence(lambda n: f"区域{n}")
    level = Area.Level.NEIGHBORHOOD
    parent = None


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = Organization.Kind.RESIDENT_UNIT


class PartyOrganizationFactory(DjangoModelFactory):
    class Meta:
        model = PartyOrganization

    name = factory.Sequence(lambda n: f"测试党支部{n}")
    level = PartyOrganization.Level.BRANCH


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Faker("name", locale="zh_CN")
    # As the ID number says (its 17th digit is odd for men), or the model refuses the record.
    gender = factory.LazyAttribute(lambda o: Person.Gender.MALE if int(o.id_number[16]) % 2 else Person.Gender.FEMALE)
    birth_date = factory.Faker("date_of_birth", minimum_age=1, maximum_age=95)
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    id_number = factory.LazyAttributeSequence(lambda o, n: make_id_number(o.birth_date, seq=n % 1000))
    address = factory.Faker("street_address", locale="zh_CN")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("linli-test-pw")
