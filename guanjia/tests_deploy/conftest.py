"""Tests of the production configuration (deploy/, issue 10).

`@pytest.mark.postgres` tests prove what only PostgreSQL does (row locks with SKIP LOCKED between
processes). They run in `make test-pg` (scripts/with-postgres sets DATABASE_URL); on SQLite they are
deselected at collection, counted in pytest's "deselected", never reported as passed.
"""

import pytest
from django.conf import settings


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: needs PostgreSQL (run by `make test-pg`)")


def _on_postgres() -> bool:
    return "postgresql" in settings.DATABASES["default"]["ENGINE"]


def pytest_collection_modifyitems(config, items):
    if _on_postgres():
        return
    deselected = [item for item in items if item.get_closest_marker("postgres")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("postgres")]


@pytest.fixture
def postgres_only():
    assert _on_postgres(), "this test needs PostgreSQL: scripts/with-postgres .venv/bin/pytest …"
