"""Every audit action reads as a sentence with names, on the ticket page, in /admin/audit and
in the CSV export (which keeps its raw columns for machines)."""

import ast
import csv
import io
from pathlib import Path

import pytest

import helpdesk
from helpdesk import audit, tickets
from helpdesk.categories import active_category_by_slug
from helpdesk.database import db
from helpdesk.models import Priority, Status

from .conftest import log_in
from .factories import make_ticket, make_user


def _recorded_actions() -> set[str]:
    """Every action the code records: the second argument of each audit.record() call, as a
    string, or the strings a local name it is given was assigned ("a" if x else "b")."""
    actions = set()
    for path in Path(helpdesk.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                actions |= _actions_in(function)
    return actions


def _actions_in(function: ast.FunctionDef) -> set[str]:
    assigned: dict[str, list[ast.expr]] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, []).append(node.value)
    found = set()
    for node in ast.walk(function):
        if not (isinstance(node, ast.Call) and _is_audit_record(node.func) and len(node.args) > 1):
            continue
        action = node.args[1]
        sources = assigned.get(action.id, []) if isinstance(action, ast.Name) else [action]
        assert sources, f"cannot tell which action line {node.lineno} records"
        for source in sources:
            found |= {
                c.value
                for c in ast.walk(source)
                if isinstance(c, ast.Constant) and isinstance(c.value, str)
            }
    return found


def _is_audit_record(func: ast.expr) -> bool:
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "record"
        and isinstance(func.value, ast.Name)
        and func.value.id == "audit"
    )


ACTIONS = sorted(_recorded_actions())


def test_the_code_records_the_actions_this_test_knows_about():
    """The scan finds what it should (a guard against a scan that finds nothing)."""
    assert {"ticket.assigned", "mail.blocked", "user.deactivated", "category.reactivated"} <= set(
        ACTIONS
    )
    assert all("." in action for action in ACTIONS), ACTIONS


@pytest.mark.parametrize("action", ACTIONS)
def test_every_recorded_action_has_a_sentence(app, action):
    with app.app_context():
        actor = make_user("admin", display_name="Priya Raman")
        event = audit.record(actor, action, target=f"user:{actor.id}")
        db.session.flush()
        sentence = audit.describe(event)
    assert action in audit.SENTENCES
    assert action not in sentence and "_" not in sentence, sentence
    assert sentence[0].isupper()


@pytest.fixture
def worked_ticket(app):
    """A ticket that Priya assigned to Tomás, moved along and recategorised, and a blocked
    mail on it."""
    with app.app_context():
        priya = make_user("agent", display_name="Priya Raman")
        tomas = make_user("agent", display_name="Tomás Ortega")
        ticket = make_ticket(make_user(display_name="Dana Reporter"))
        tickets.assign(priya, ticket, tomas)
        tickets.set_status(priya, ticket, Status.OPEN)
        tickets.set_status(priya, ticket, Status.ON_HOLD)
        tickets.set_priority(priya, ticket, Priority.URGENT)
        tickets.set_category(priya, ticket, active_category_by_slug("fraud"))
        tickets.claim(priya, ticket)
        audit.record(
            None,
            "mail.blocked",
            ticket=ticket,
            kind="agent_reply",
            reason="It mentions the reported member (jane_doe).",
            rules=["identifier"],
        )
        admin = make_user("admin")
        db.session.commit()
        return ticket.reference, admin.email


EXPECTED = [
    "Dana Reporter reported it through the web form",
    "Priya Raman assigned the ticket to Tomás Ortega",
    "Priya Raman changed the status from New to Open",
    "Priya Raman changed the status from Open to On hold",
    "Priya Raman changed the priority from High to Urgent",
    "Priya Raman changed the category from Harassment or abusive language to Fraud or scam",
    "Priya Raman took the ticket",
    "The privacy guard blocked a reply to the reporter: It mentions the reported member",
]


def test_the_ticket_page_trail_reads_as_sentences(app, client, worked_ticket):
    reference, admin = worked_ticket
    log_in(client, admin)
    html = client.get(f"/agent/tickets/{reference}").text
    trail = html.split("Audit trail", 1)[1]
    for sentence in EXPECTED:
        assert sentence in trail, sentence
    assert "ticket.assigned" not in trail and "assignee_id" not in trail


def test_the_audit_log_reads_as_sentences_in_one_query_per_kind_of_name(
    app, client, worked_ticket, count_queries
):
    _, admin = worked_ticket
    log_in(client, admin)
    html = client.get("/admin/audit").text
    for sentence in EXPECTED:
        assert sentence in html, sentence
    few = count_queries(lambda: client.get("/admin/audit?action=ticket.*"))
    with app.app_context():
        ticket = make_ticket()
        for _ in range(5):
            tickets.assign(make_user("agent"), ticket, make_user("agent"))
        db.session.commit()
    assert count_queries(lambda: client.get("/admin/audit?action=ticket.*")) == few


def test_the_csv_keeps_its_raw_columns_and_adds_the_sentence(app, client, worked_ticket):
    _, admin = worked_ticket
    log_in(client, admin)
    rows = list(csv.reader(io.StringIO(client.get("/admin/audit.csv?action=ticket.*").text)))
    header = rows[0]
    assert header[-1] == "what happened" and "action" in header and "changes" in header
    assigned = next(row for row in rows[1:] if row[header.index("action")] == "ticket.assigned")
    assert "assignee_id=" in assigned[header.index("changes")]
    assert assigned[-1] == "Priya Raman took the ticket"  # newest first
