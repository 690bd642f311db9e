"""Who may do what, asked of the domain functions directly: every state-changing function
refuses a member and a deactivated account, and nobody assigns tickets to the users API tokens
act as."""

import pytest

from helpdesk import (
    accounts,
    aliases,
    api_tokens,
    canned_replies,
    categories,
    invites,
    tickets,
)
from helpdesk.canned_replies import CannedReplyInput
from helpdesk.categories import active_category_by_slug
from helpdesk.errors import InvalidInput, NotAllowed
from helpdesk.models import MailAlias, Priority, Role, Status, User
from helpdesk.tickets import TicketChanges

from .factories import make_ticket, make_user


def _member() -> User:
    return make_user()


def _deactivated(role: str):
    def make() -> User:
        user = make_user(role)
        user.active = False
        return user

    return make


def _service_user() -> User:
    token, _ = api_tokens.create_token(None, "Triage bot", ["tickets:write"])
    return token.user


REFUSED_AGENTS = {
    "member": _member,
    "deactivated agent": _deactivated("agent"),
    "deactivated admin": _deactivated("admin"),
}

# Each changes a ticket, the way a view, the API, the CLI or the seed calls it.
TICKET_ACTIONS = {
    "post_reply": lambda actor, t: tickets.post_reply(actor, t, "We are on it, thank you."),
    "add_note": lambda actor, t: tickets.add_note(actor, t, "Same member as last week."),
    "assign": lambda actor, t: tickets.assign(actor, t, None),
    "claim": lambda actor, t: tickets.claim(actor, t),
    "set_priority": lambda actor, t: tickets.set_priority(actor, t, Priority.URGENT),
    "set_status": lambda actor, t: tickets.set_status(actor, t, Status.PENDING),
    "set_category": lambda actor, t: tickets.set_category(
        actor, t, active_category_by_slug("fraud")
    ),
    "update": lambda actor, t: tickets.update(
        actor, t, TicketChanges(priority=Priority.LOW), version=t.version
    ),
    "merge": lambda actor, t: tickets.merge(actor, t, make_ticket()),
    "apply canned reply": lambda actor, t: canned_replies.apply(
        actor, t, canned_replies.save(make_user("admin"), CannedReplyInput("Thanks", "Thanks."))
    ),
}


@pytest.mark.parametrize("make_actor", REFUSED_AGENTS.values(), ids=REFUSED_AGENTS.keys())
@pytest.mark.parametrize("action", TICKET_ACTIONS.values(), ids=TICKET_ACTIONS.keys())
def test_only_active_agents_change_tickets(app_context, make_actor, action):
    ticket = make_ticket()
    before = (ticket.status, ticket.priority, ticket.category, ticket.assignee, ticket.version)
    with pytest.raises(NotAllowed):
        action(make_actor(), ticket)
    after = (ticket.status, ticket.priority, ticket.category, ticket.assignee, ticket.version)
    assert after == before and len(ticket.messages) == 1


@pytest.mark.parametrize("action", TICKET_ACTIONS.values(), ids=TICKET_ACTIONS.keys())
def test_an_active_agent_may(app_context, action):
    action(make_user("agent"), make_ticket())  # raises nothing


ASSIGNEES = {
    "member": _member,
    "deactivated agent": _deactivated("agent"),
    "service user": _service_user,
}


@pytest.mark.parametrize("make_assignee", ASSIGNEES.values(), ids=ASSIGNEES.keys())
@pytest.mark.parametrize(
    "assign",
    [
        lambda actor, t, who: tickets.assign(actor, t, who),
        lambda actor, t, who: tickets.update(actor, t, TicketChanges(assignee=who), version=None),
    ],
    ids=["assign", "update"],
)
def test_nobody_but_an_active_agent_is_assigned(app_context, make_assignee, assign):
    ticket = make_ticket()
    with pytest.raises(InvalidInput, match="cannot be assigned"):
        assign(make_user("agent"), ticket, make_assignee())
    assert ticket.assignee is None


def test_a_service_user_works_tickets_but_cannot_claim_them(app_context):
    service_user, ticket = _service_user(), make_ticket()
    tickets.add_note(service_user, ticket, "Flagged by the triage bot.")
    with pytest.raises(InvalidInput, match="cannot be assigned"):
        tickets.claim(service_user, ticket)
    assert ticket.assignee is None


def test_assignable_agents_are_the_active_people_on_the_team(app_context):
    agent, admin = make_user("agent"), make_user("admin")
    make_user(), _deactivated("agent")(), _service_user()
    assert set(tickets.assignable_agents()) == {agent, admin}


def _alias() -> MailAlias:
    return aliases.add_alias(
        make_user("admin"), "abuse@helpdesk.example", active_category_by_slug("fraud")
    )


# Each needs an admin, whatever else the actor is.
ADMIN_ACTIONS = {
    "change_role": lambda actor: accounts.change_role(actor, make_user(), Role.AGENT),
    "set_active": lambda actor: accounts.set_active(actor, make_user(), False),
    "invite": lambda actor: invites.invite(actor, "new@example.org", "New Agent", Role.AGENT),
    "create_token": lambda actor: api_tokens.create_token(actor, "Tool", ["reports:read"]),
    "revoke": lambda actor: api_tokens.revoke(
        actor, api_tokens.create_token(None, "Tool", ["reports:read"])[0]
    ),
    "add_alias": lambda actor: aliases.add_alias(
        actor, "spam@helpdesk.example", active_category_by_slug("fraud")
    ),
    "change_category": lambda actor: aliases.change_category(
        actor, _alias(), active_category_by_slug("harassment")
    ),
    "remove_alias": lambda actor: aliases.remove_alias(actor, _alias()),
    "move_category": lambda actor: categories.move_category(
        actor, active_category_by_slug("fraud"), 1
    ),
    "save shared canned reply": lambda actor: canned_replies.save(
        actor, CannedReplyInput("Thanks", "Thanks.", shared=True)
    ),
}
REFUSED_ADMINS = {
    "member": _member,
    "agent": lambda: make_user("agent"),
    "service user": _service_user,
    "deactivated admin": _deactivated("admin"),
}


@pytest.mark.parametrize("make_actor", REFUSED_ADMINS.values(), ids=REFUSED_ADMINS.keys())
@pytest.mark.parametrize("action", ADMIN_ACTIONS.values(), ids=ADMIN_ACTIONS.keys())
def test_only_an_active_admin_runs_the_help_desk(app_context, make_actor, action):
    with pytest.raises(NotAllowed):
        action(make_actor())


@pytest.mark.parametrize("action", ADMIN_ACTIONS.values(), ids=ADMIN_ACTIONS.keys())
def test_an_active_admin_may(app_context, action):
    action(make_user("admin"))  # raises nothing
