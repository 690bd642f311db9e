"""/admin/decision-actions: admins add, rename, reorder and deactivate the actions agents
choose from; an action a decision names cannot be deleted, only deactivated."""

import re

import pytest
from sqlalchemy import select

from helpdesk import decisions
from helpdesk.database import db
from helpdesk.models import AuditEvent, DecisionAction

from .conftest import csrf_token, submit
from .factories import make_ticket, make_user

PAGE = "/admin/decision-actions"


def _id(app, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(select(DecisionAction.id).where(DecisionAction.slug == slug))


def _offered(app) -> list[str]:
    """What the agents' decision form offers, in order."""
    with app.app_context():
        return [action.name for action in decisions.actions()]


def _post(client, path: str, data: dict | None = None):
    return submit(client, f"{PAGE}{path}", data or {}, page=PAGE)


def test_the_admin_console_links_the_page(client, login_as):
    login_as("admin")
    assert f'href="{PAGE}"' in client.get("/admin/").get_data(as_text=True)
    page = client.get(PAGE).get_data(as_text=True)
    assert re.findall(r'<td class="mono">(\w+)</td>', page) == [
        slug for slug, _ in decisions.DEFAULT_ACTIONS
    ]


def test_add_an_action_at_the_end(app, client, login_as):
    login_as("admin")
    response = _post(client, "", {"name": "  Payout   held "})
    assert response.status_code == 302
    assert _offered(app)[-1] == "Payout held"
    with app.app_context():
        added = db.session.scalar(
            select(DecisionAction).where(DecisionAction.name == "Payout held")
        )
        assert added.slug == "payout_held" and added.active
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "decision_action.created")
        )
        assert event.changes == {"slug": "payout_held"}


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "Give the action a name"), ("Warning", "exists already"), ("x" * 81, "at most 80")],
)
def test_a_bad_name_is_refused_and_kept_in_the_form(app, client, login_as, name, message):
    login_as("admin")
    response = _post(client, "", {"name": name})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert len(_offered(app)) == len(decisions.DEFAULT_ACTIONS)


def test_rename_keeps_the_slug_and_past_decisions_follow(app, client, login_as):
    login_as("admin")
    warning = _id(app, "warning")
    assert _post(client, f"/{warning}/rename", {"name": "Formal warning"}).status_code == 302
    assert "Formal warning" in _offered(app) and "Warning" not in _offered(app)
    with app.app_context():
        assert db.session.get(DecisionAction, warning).slug == "warning"
    assert _post(client, f"/{warning}/rename", {"name": " "}).status_code == 422


def test_reorder_changes_the_order_agents_see(app, client, login_as):
    login_as("admin")
    _post(client, f"/{_id(app, 'banned')}/move", {"direction": "up"})
    assert _offered(app)[-2:] == ["Banned", "Suspended"]
    _post(client, f"/{_id(app, 'none')}/move", {"direction": "up"})  # already first: no change
    assert _offered(app)[0] == "No action"


def test_deactivate_takes_it_off_the_form_and_reactivate_brings_it_back(app, client, login_as):
    login_as("admin")
    banned = _id(app, "banned")
    _post(client, f"/{banned}/active", {"active": "0"})
    assert "Banned" not in _offered(app)
    assert "Banned" in client.get(PAGE).get_data(as_text=True)  # still listed for admins
    _post(client, f"/{banned}/active", {"active": "1"})
    assert "Banned" in _offered(app)


def test_the_last_active_action_stays_active(app, client, login_as):
    login_as("admin")
    for slug, _ in decisions.DEFAULT_ACTIONS[1:]:
        _post(client, f"/{_id(app, slug)}/active", {"active": "0"})
    response = _post(client, f"/{_id(app, 'none')}/active", {"active": "0"})
    assert "last active action" in client.get(response.location).get_data(as_text=True)
    assert _offered(app) == ["No action"]


def test_an_unused_action_can_be_deleted_a_used_one_only_deactivated(app, client, login_as):
    login_as("admin")
    with app.app_context():
        agent = make_user("agent")
        by_slug = {a.slug: a for a in decisions.actions()}
        decisions.record(
            agent, make_ticket(), policy=None, action=by_slug["warning"], reason="Used."
        )
        db.session.commit()
    page = client.get(PAGE).get_data(as_text=True)
    assert 'aria-label="Delete Warning"' not in page and 'aria-label="Delete Banned"' in page
    response = _post(client, f"/{_id(app, 'warning')}/delete")
    assert "deactivate it" in client.get(response.location).get_data(as_text=True)
    assert _id(app, "warning") is not None
    _post(client, f"/{_id(app, 'banned')}/delete")
    assert _id(app, "banned") is None


@pytest.mark.parametrize("role", ["agent", "member"])
def test_only_admins(app, client, login_as, role):
    login_as(role)
    assert client.get(PAGE).status_code == 403
    token = csrf_token(client, "/account")
    response = client.post(f"{PAGE}/{_id(app, 'banned')}/delete", data={"csrf_token": token})
    assert response.status_code == 403
    assert _id(app, "banned") is not None
