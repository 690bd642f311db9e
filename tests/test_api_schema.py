"""Schemathesis against /api/openapi.json, as its command line runs it: every phase (the
document's examples, coverage of each bound, fuzzing, stateful sequences that follow the
document's links) with positive and negative data, and every check the library has. None may
fail: no server error, every answer as documented, every request valid by the document
accepted and every invalid one refused.

The app is served on loopback from a thread of this process, since the library's in-process
(WSGI) transport cannot send the probes some checks make. Bounded and seeded: the same
requests every run."""

import itertools
import threading
from collections.abc import Iterator

import pytest
import schemathesis
from schemathesis.engine import Status, events, from_schema
from werkzeug.serving import make_server

from helpdesk import api_tokens
from helpdesk.database import db

from .factories import make_ticket

DOCUMENTED_REFERENCE = "HD-7K3QX9MB"
EXAMPLES = 25  # per operation, phase and mode: enough to reach every status, quick enough
SEED = 20261204
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
KEYS = itertools.count()
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "412", "429"]
REFUSED = ["400", "401", "403", "404", "405", "406", "409", "412", "415", "422", "428", "429"]


@pytest.fixture
def served_api(app) -> Iterator[str]:
    """The app on a free loopback port, for the length of the test."""
    app.config["HELPDESK_API_RATE_LIMIT"] = "100000 per minute"
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def api_token(app) -> str:
    """One token with every scope, and a ticket with a known reference and reporter."""
    with app.app_context():
        _, secret = api_tokens.create_token(None, "Schemathesis", api_tokens.SCOPES)
        ticket = make_ticket(reported="jane_doe")
        ticket.reference = DOCUMENTED_REFERENCE
        ticket.reporter.marketplace_id = "mkt-1"
        db.session.commit()
    return secret


def _config(token: str) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "headers": {"Authorization": f"Bearer {token}"},
            "generation": {
                "mode": "all",
                "max-examples": EXAMPLES,
                "deterministic": True,
            },
            "phases": {"stateful": {"max-steps": 8}},
            "cache": {"enabled": False},
            # The library's lists, with If-Match's answers: 412 for a version that is not the
            # ticket's (RFC 9110), also when the body is wrong too; 428 for none (RFC 6585).
            "checks": {
                "positive_data_acceptance": {"expected-statuses": ACCEPTED},
                "negative_data_rejection": {"expected-statuses": REFUSED},
                "missing_required_header": {
                    "expected-statuses": ["400", "401", "403", "406", "415", "422", "428"]
                },
            },
            # Who may be assigned (the team as it is today) and what the privacy guard refuses
            # in a reply (P4) are rules over data no document lists: refused with 422. So is how
            # a period's dates relate (both or neither, in order, at most a year apart).
            "operations": [
                {
                    "include-operation-id": operation,
                    "checks": {
                        "positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}
                    },
                }
                for operation in (
                    "change_a_ticket",
                    "reply_to_the_reporter",
                    "read_the_desks_figures_for_a_period",
                )
            ],
        }
    )


def _as_a_client_sends_it(context, case):
    """What no schema can say, in requests valid by the document: the server knows a file's
    type by its content (attachments.sniff_content_type), so files are of a type the document
    names; and an Idempotency-Key sent again with other content is refused (tested in
    test_api), so each report has a key of its own."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return case
    if case.media_type == "multipart/form-data" and "evidence" in case.body:
        case.body["evidence"] = [PNG for _file in case.body["evidence"]]
    if "Idempotency-Key" in (case.headers or {}):
        case.headers["Idempotency-Key"] = f"{case.headers['Idempotency-Key'][:240]}-{next(KEYS)}"
    return case


def test_api_keeps_its_document(served_api, api_token):
    schema = schemathesis.openapi.from_url(
        f"{served_api}/api/openapi.json", config=_config(api_token)
    )
    schema.hook("map_case")(_as_a_client_sends_it)
    failures, tested = [], {}
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            tested[event.phase.value] = tested.get(event.phase.value, 0) + len(event.recorder.cases)
            failures += _failures(event)
            print("T", event.phase.value, event.label, round(event.elapsed_time, 2))
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            failures.append(f"{event.label}: {event.value!r}")
    assert not failures, "\n\n".join(failures)
    assert set(tested) == {"examples", "coverage", "fuzzing", "stateful"}
    assert tested["stateful"] > 0


def _failures(event: events.ScenarioFinished) -> list[str]:
    recorder = event.recorder
    return [
        f"{event.phase.value} {event.label}: {check.name}\n{check.failure_info.failure}\n"
        f"{check.failure_info.code_sample}\n{_answer(recorder.interactions.get(case_id))}"
        for case_id, checks in recorder.checks.items()
        for check in checks
        if check.status == Status.FAILURE
    ]


def _answer(interaction) -> str:
    response = interaction.response if interaction else None
    return f"-> {response.status_code} {response.content[:300]!r}" if response else ""
