"""The OpenAPI schema tells the truth (issue 10): schemathesis drives every operation of /api/schema/
through the WSGI application, with a staff token and with an owner's token, and every answer must
be no server error and conform to the schema (status code documented, content type, body, headers).

A bounded run (`make test-api-schema`, a stage of `make test`): API_SCHEMA_EXAMPLES cases per
operation and token (default 10). The number of cases run is printed at the end."""

import os
from collections import Counter

import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from guanjia.core import clock
from guanjia.core.tests.factories import UserFactory, at, staff
from guanjia.servicedesk import services as sd
from guanjia.servicedesk.choices import Kind
from guanjia.servicedesk.tests.factories import Office

pytestmark = [pytest.mark.api_schema, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("API_SCHEMA_EXAMPLES", "10"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture
def tokens():
    """A company admin (sees every community) and an owner with a portal account, over one office's data."""
    with clock.frozen(at(2026, 3, 2, 10)):
        office = Office()
        sd.ticket_create(
            community=office.community,
            actor=office.desk,
            kind=Kind.REPAIR,
            channel="phone",
            category="leakage",
            room=office.room,
            reporter=office.owner,
            description="卫生间天花板渗水",
        )
    admin = staff("company_admin")
    owner = UserFactory(username="owner-portal")
    office.owner.user = owner
    office.owner.save(update_fields=["user"])
    return {"staff": Token.objects.create(user=admin).key, "owner": Token.objects.create(user=owner).key}


def _runner(operation, who: str, token: str, mode: GenerationMode, counts: Counter):
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        response = case.call(headers={"Authorization": f"Token {token}"})
        counts[who] += 1
        counts[response.status_code] += 1
        case.validate_response(response, checks=CHECKS)

    return run


def test_every_operation_answers_as_the_schema_says(tokens, capsys):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    counts: Counter = Counter()
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for who, token in tokens.items():
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                try:
                    _runner(operation, who, token, mode, counts)()
                except hypothesis.errors.Unsatisfiable:
                    pass  # no invalid value can be made for an operation without parameters
                except (Exception, BaseExceptionGroup) as error:  # every operation runs; failures are listed together
                    failures.append(f"{who} {mode.value} {operation.label}: {error}")
    with capsys.disabled():
        statuses = {k: v for k, v in sorted(counts.items(), key=str) if isinstance(k, int)}
        print(
            f"\nschemathesis: {counts['staff'] + counts['owner']} cases ({counts['staff']} staff, "
            f"{counts['owner']} owner), statuses {statuses}, {len(failures)} failing operations"
        )
    assert not failures, "\n\n".join(failures)
