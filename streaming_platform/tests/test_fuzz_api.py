"""Property-based fuzzing of every documented endpoint from the OpenAPI schema, as three identities.

Schemathesis generates valid and invalid requests for each operation; whoever calls, the API must
never answer 5xx and every answer must match the schema. Bounded (FUZZ_EXAMPLES per operation and
identity) so it fits in `make test`.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from streaming_platform.wsgi import application

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Calls the WSGI app directly, so do what Django's test client does: keep the request signals from
    closing the connection that holds the test's transaction (a no-op on in-memory SQLite, fatal elsewhere)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=["anonymous", "viewer", "staff"])
def identity_headers(request, db) -> dict[str, str]:
    from knox.models import AuthToken

    from catalog.tests.factories import TitleFactory
    from identity.tests.factories import UserFactory
    from stream.tests.factories import CdnFactory

    # Something to find, so generated ids sometimes hit real rows, and a CDN so streams can start.
    TitleFactory.create_batch(3)
    CdnFactory(regions=[])
    if request.param == "anonymous":
        return {}
    user = UserFactory(is_staff=request.param == "staff")
    _, token = AuthToken.objects.create(user=user)
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors_and_responses_match_schema(case, identity_headers):
    response = case.call(headers=identity_headers)
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
