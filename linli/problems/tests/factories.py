"""Factories for problems. Records are written directly in whatever state a test
starts from; the transitions themselves are always taken through linli.problems.actions."""

from __future__ import annotations

import datetime
from typing import Any

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from factory.django import DjangoModelFactory

from linli.core.models import Area, Organization
from linli.problems.models import Evidence, Problem

# The smallest valid PNG (1×1 pixel).
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


def png_upload(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def fake_jpeg(name: str = "photo.jpg") -> SimpleUploadedFile:
    """A text file named like a photo."""
    return SimpleUploadedFile(name, b"this is not a photo at all", content_type="image/jpeg")


class ProblemFactory(DjangoModelFactory):
    class Meta:
        model = Problem

    title = factory.Sequence(lambda n: f"主题党日形式单一{n}")
    description = "有单一化倾向，项目互动不够。"
    source = Problem.Source.SELF_EXAMINATION
    kind = Problem.Kind.DEADLINE
    deadline = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))


def make_problem(area: Area, owner: Organization, state: str = Problem.State.OPEN, *, evidence: bool = False,
                 **fields: Any) -> Problem:
    if state == Problem.State.VERIFIED:
        fields.setdefault("verified_at", timezone.now())
    if state in (Problem.State.RECTIFIED, Problem.State.VERIFIED):
        fields.setdefault("rectified_at", timezone.now())
    if fields.get("deadline") is not None and "found_on" not in fields:
        fields["found_on"] = min(fields["deadline"], timezone.localdate())
    problem = ProblemFactory(area=area, owner=owner, state=state, **fields)
    if evidence:
        Evidence.objects.create(problem=problem, note="已更换燃气软管。")
    return problem


