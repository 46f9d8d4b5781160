"""Fixtures for the problems tests, next to the shared personas in the root conftest.py."""

from __future__ import annotations

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """Refusals are read in English here (msgids); the Chinese catalogue is tested in core's test_i18n."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded evidence goes to a directory of its own per test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def ph1_unit(tree):
    from linli.core.models import Organization
    from linli.core.tests.factories import OrganizationFactory

    return OrganizationFactory(name="培花小吃店", kind=Organization.Kind.PRIVATE_ENTERPRISE, area=tree.peihua1)
