"""Schemathesis against /api/openapi.json: generated requests, valid and not, to every operation;
no answer may be a server error or break the document (status, content type, headers, body)."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from helpdesk import api_tokens
from helpdesk.database import db

from .factories import make_ticket

DOCUMENTED_REFERENCE = "HD-7K3QX9MB"
EXAMPLES = 25  # per operation and mode: enough to reach every status, quick enough for the suite
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_token(app) -> str:
    """One token with every scope, and a ticket with a known reference."""
    app.config["HELPDESK_API_RATE_LIMIT"] = "100000 per minute"
    with app.app_context():
        _, secret = api_tokens.create_token(None, "Schemathesis", api_tokens.SCOPES)
        ticket = make_ticket(reported="jane_doe")
        ticket.reference = DOCUMENTED_REFERENCE
        ticket.reporter.marketplace_id = "mkt-1"
        db.session.commit()
    return secret


def _run(operation, mode: GenerationMode, token: str, path_parameters: dict | None) -> None:
    @given(case=operation.as_strategy(mode, path_parameters=path_parameters))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def call(case):
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

    call()


@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda mode: mode.value)
def test_api_keeps_its_document(app, api_token, mode):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 8
    for operation in operations:
        takes_input = any(operation.iter_parameters()) or operation.body
        if mode is GenerationMode.NEGATIVE and not takes_input:
            continue  # nothing to get wrong
        _run(operation, mode, api_token, path_parameters=None)
        if "{reference}" in operation.path and mode is GenerationMode.POSITIVE:
            _run(operation, mode, api_token, {"reference": DOCUMENTED_REFERENCE})
