from __future__ import annotations

from collections.abc import Iterator

import pytest

from careershub.audit.models import AuditEvent
from careershub.neet import services
from careershub.neet.models import Figure, FigureLoad


def _load() -> None:
    services.load_figures(published=services.check_files())


@pytest.fixture(scope="session")
def _published_once(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> None:
    """Load the real published files once per test database (about ten seconds). This copy stays
    for the whole session, so its load record and audit event are removed: other apps' tests
    count audit events and must not see it."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        if not Figure.objects.exists():
            _load()
            AuditEvent.objects.filter(object_type=FigureLoad._meta.label).delete()
            FigureLoad.objects.all().delete()


@pytest.fixture
def published(_published_once: None, db: None) -> Iterator[None]:
    """The real published figures (loaded again if a transactional test flushed them)."""
    if not Figure.objects.exists():
        _load()
    yield
