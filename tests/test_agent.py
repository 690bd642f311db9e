"""The agent workspace through HTTP: inbox views, search, pages, bulk actions, the ticket page."""

import itertools
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from helpdesk import api_tokens, inbox, tickets, workflow
from helpdesk.categories import active_category_by_slug
from helpdesk.database import db, utcnow
from helpdesk.models import (
    AuditEvent,
    MailStatus,
    MessageKind,
    OutboundMail,
    Priority,
    Status,
    Ticket,
    User,
)

from .conftest import csrf_token, log_in, submit
from .factories import make_ticket, make_user
from .test_workflow import ALLOWED, PATH_TO

AGENT_PAGES = [
    ("get", "/agent/"),
    ("get", "/agent/?view=all&q=scam"),
    ("get", "/agent/tickets/{ref}"),
    ("get", "/agent/canned-replies"),
    ("post", "/agent/bulk"),
    ("post", "/agent/tickets/{ref}"),
    ("post", "/agent/tickets/{ref}/claim"),
    ("post", "/agent/tickets/{ref}/merge"),
    ("post", "/agent/canned-replies"),
]


def _agent(app, client, name="Priya Raman"):
    with app.app_context():
        user = make_user("agent", display_name=name)
        db.session.commit()
        email = user.email
    log_in(client, email)
    return email


def _ticket(app, **fields) -> str:
    with app.app_context():
        ticket = make_ticket(**fields)
        db.session.commit()
        return ticket.reference


def _load(app, reference) -> Ticket:
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
        db.session.expunge_all()
        return ticket


@pytest.mark.parametrize(("method", "path"), AGENT_PAGES)
@pytest.mark.p1
def test_members_are_refused_on_every_agent_page(app, client, login_as, method, path):
    reference = _ticket(app)
    login_as("member")
    url = path.format(ref=reference)
    if method == "get":
        response = client.get(url)
    else:
        response = client.post(url, data={"csrf_token": csrf_token(client, "/tickets")})
    assert response.status_code == 403


def _inbox_references(client, query="") -> list[str]:
    page = client.get(f"/agent/?{query}").get_data(as_text=True)
    return re.findall(r'name="ticket" value="(HD-[0-9A-Z]{8})"', page)


def test_each_view_shows_its_tickets_with_counts(app, client):
    me = _agent(app, client)
    with app.app_context():
        agent = db.session.scalar(select(User).where(User.email == me))
        other = make_user("agent")
        new = make_ticket()
        mine = make_ticket()
        tickets.assign(agent, mine, agent)
        workflow.change_status(agent, mine, Status.OPEN)
        theirs = make_ticket()
        tickets.assign(other, theirs, other)
        workflow.change_status(other, theirs, Status.PENDING)
        held = make_ticket()
        workflow.change_status(agent, held, Status.ON_HOLD)
        solved = make_ticket()
        workflow.change_status(agent, solved, Status.SOLVED)
        closed = make_ticket()
        workflow.change_status(agent, closed, Status.SOLVED)
        workflow.change_status(agent, closed, Status.CLOSED)
        db.session.commit()
        refs = {
            name: t.reference
            for name, t in dict(
                new=new, mine=mine, theirs=theirs, held=held, solved=solved, closed=closed
            ).items()
        }
    expected = {
        "unassigned": {"new", "held"},
        "mine": {"mine"},
        "new_open": {"new", "mine"},
        "pending": {"theirs"},
        "on_hold": {"held"},
        "solved": {"solved"},
        "closed": {"closed"},
        "all": set(refs),
    }
    for view, names in expected.items():
        assert set(_inbox_references(client, f"view={view}")) == {refs[n] for n in names}, view
    page = client.get("/agent/?view=all").get_data(as_text=True)
    for view, names in expected.items():
        title = next(v.title for v in inbox.VIEWS if v.slug == view)
        assert re.search(rf"{title} <span class=\"count\">{len(names)}</span>", page), view


def test_filters_by_category_and_priority(app, client):
    _agent(app, client)
    fraud = _ticket(app, category="fraud")
    harassment = _ticket(app, category="harassment")
    with app.app_context():
        fraud_id = active_category_by_slug("fraud").id
    assert _inbox_references(client, f"view=all&category={fraud_id}") == [fraud]
    # harassment defaults to high priority, fraud too; lower one and filter on it
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == harassment))
        tickets.set_priority(make_user("agent"), ticket, Priority.LOW)
        db.session.commit()
    assert _inbox_references(client, "view=all&priority=low") == [harassment]


def test_search_finds_reference_subject_and_message_words(app, client):
    _agent(app, client)
    scam = _ticket(app, subject="Fake escrow link", description="He sent a phishing page")
    other = _ticket(app, subject="Rude messages", description="Insults in the workroom chat")
    assert _inbox_references(client, "view=all&q=escrow") == [scam]
    assert _inbox_references(client, "view=all&q=PHISH") == [scam]  # prefix, any case
    assert _inbox_references(client, "view=all&q=workroom+insults") == [other]
    assert _inbox_references(client, f"view=all&q={other.lower()}") == [other]
    assert _inbox_references(client, "view=all&q=nothing+like+this") == []


@pytest.mark.parametrize("query", ['"', "*", "a OR", "NEAR(x y)", "'; drop table tickets; --", "-"])
def test_search_treats_operators_as_plain_text(app, client, query):
    _agent(app, client)
    _ticket(app)
    response = client.get("/agent/", query_string={"view": "all", "q": query})
    assert response.status_code == 200


def test_search_sees_follow_ups_added_later(app, client):
    _agent(app, client)
    with app.app_context():
        ticket = make_ticket()
        tickets.add_followup(ticket.reporter, ticket, "He now offers a discount for crypto")
        db.session.commit()
        reference = ticket.reference
    assert _inbox_references(client, "view=all&q=crypto") == [reference]


def _backdated_tickets(app, count: int) -> list[str]:
    """Tickets with distinct last-activity times, oldest first."""
    with app.app_context():
        reporter = make_user()
        start = utcnow() - timedelta(days=count)
        references = []
        for number in range(count):
            ticket = make_ticket(reporter=reporter, subject=f"Report number {number}")
            ticket.last_activity_at = start + timedelta(hours=number)
            references.append(ticket.reference)
        db.session.commit()
        return references


@pytest.mark.parametrize("sort", ["waiting", "updated", "priority"])
def test_keyset_pages_cover_every_ticket_once_in_order(app, sort):
    references = _backdated_tickets(app, 11)
    with app.app_context():
        agent = make_user("agent")
        seen, cursor = [], None
        while True:
            query = inbox.InboxQuery(view="all", sort=sort, after=cursor)
            page = inbox.page(query, agent, size=4)
            seen += [ticket.reference for ticket in page.tickets]
            if not (cursor := page.next_cursor):
                break
    expected = references[::-1] if sort == "updated" else references
    assert seen == expected


def test_next_page_link_follows_the_cursor(app, client, monkeypatch):
    monkeypatch.setattr(inbox, "PAGE_SIZE", 3)
    references = _backdated_tickets(app, 5)
    _agent(app, client)
    first = client.get("/agent/?view=all").get_data(as_text=True)
    next_link = re.search(r'href="(/agent/\?[^"]*after=[^"]+)"', first).group(1)
    second = _inbox_references(client, next_link.split("?", 1)[1].replace("&amp;", "&"))
    assert _inbox_references(client, "view=all") + second == references


def test_a_broken_cursor_starts_from_the_top(app, client):
    _agent(app, client)
    reference = _ticket(app)
    assert _inbox_references(client, "view=all&after=not-a-cursor") == [reference]


def test_an_inbox_page_costs_the_same_queries_whatever_its_length(app, client, count_queries):
    _agent(app, client)
    _backdated_tickets(app, 2)
    few = count_queries(lambda: client.get("/agent/?view=all"))
    _backdated_tickets(app, 30)
    many = count_queries(lambda: client.get("/agent/?view=all"))
    assert few == many
    assert few <= 10


def test_overdue_first_response_is_marked(app, client):
    _agent(app, client)
    with app.app_context():
        late = make_ticket(category="harassment")  # 8 hour target
        late.created_at = utcnow() - timedelta(hours=9)
        make_ticket(category="harassment")
        db.session.commit()
        late_reference = late.reference
    page = client.get("/agent/?view=all").get_data(as_text=True)
    assert page.count("Overdue</span>") == 1
    assert re.search(rf"{late_reference}</a>\s*<span class=\"overdue\"", page)


def test_bulk_action_reports_changed_and_refused(app, client):
    _agent(app, client)
    with app.app_context():
        agent = make_user("agent")
        fresh = make_ticket()
        closed = make_ticket()
        workflow.change_status(agent, closed, Status.SOLVED)
        workflow.change_status(agent, closed, Status.CLOSED)
        db.session.commit()
        fresh_ref, closed_ref = fresh.reference, closed.reference
    response = submit(
        client,
        "/agent/bulk",
        {"action": "status", "status_value": "pending", "ticket": [fresh_ref, closed_ref]},
        page="/agent/?view=all",
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "1 ticket changed." in page
    assert f"{closed_ref}: A ticket that is closed cannot become pending." in page
    assert _load(app, fresh_ref).status is Status.PENDING
    assert _load(app, closed_ref).status is Status.CLOSED


def test_bulk_assign_and_priority(app, client):
    email = _agent(app, client)
    refs = [_ticket(app), _ticket(app)]
    with app.app_context():
        me = db.session.scalar(select(User).where(User.email == email))
        my_id = me.id
    submit(
        client,
        "/agent/bulk",
        {"action": "assign", "assign_value": str(my_id), "ticket": refs},
        page="/agent/",
    )
    submit(
        client,
        "/agent/bulk",
        {"action": "priority", "priority_value": "urgent", "ticket": refs},
        page="/agent/",
    )
    for reference in refs:
        ticket = _load(app, reference)
        assert (ticket.assignee_id, ticket.priority) == (my_id, Priority.URGENT)


# --- the ticket page -------------------------------------------------------------------------


def _act(client, reference, action, data=None, version=None):
    """Post the ticket form (a reply, a note or a field) or one of the small forms beside it."""
    page = f"/agent/tickets/{reference}"
    if version is None:
        html = client.get(page).get_data(as_text=True)
        version = re.search(r'name="version" value="(\d+)"', html).group(1)
    data = {"version": str(version), **(data or {})}
    if action in ("reply", "note"):
        return submit(client, page, {"kind": action, **data}, page=page)
    if action in ("status", "priority", "category", "assign"):
        return submit(client, page, data, page=page)
    return submit(client, f"{page}/{action}", data, page=page)


@pytest.mark.parametrize(("old", "new"), sorted(itertools.product(Status, Status)))
def test_every_transition_through_the_web(app, client, old, new):
    _agent(app, client)
    with app.app_context():
        agent = make_user("agent")
        ticket = make_ticket()
        for step in PATH_TO[old]:
            workflow.change_status(agent, ticket, step)
        db.session.commit()
        reference = ticket.reference
    response = _act(client, reference, "status", {"status": new.value})
    if (old, new) in ALLOWED:
        assert response.status_code == 302
        assert _load(app, reference).status is new
    elif old is new:  # the status the form shows first: nothing changes
        assert response.status_code == 422
        assert "change a field" in response.get_data(as_text=True)
    else:
        assert response.status_code == 422
        assert "cannot become" in response.get_data(as_text=True)
        assert _load(app, reference).status is old


def test_the_page_offers_only_allowed_statuses(app, client):
    _agent(app, client)
    reference = _ticket(app)
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
        workflow.change_status(make_user("agent"), ticket, Status.SOLVED)
        db.session.commit()
    page = client.get(f"/agent/tickets/{reference}").get_data(as_text=True)
    status_select = re.search(r'<select id="status" name="status">(.*?)</select>', page, re.S)
    # The current status first, chosen, then the statuses it may become.
    assert re.findall(r'value="(\w+)"', status_select.group(1)) == ["solved", "open", "closed"]
    assert '<option value="solved" selected>Solved (now)</option>' in status_select.group(1)


def test_claim_reply_and_note(app, client):
    _agent(app, client, name="Priya Raman")
    reference = _ticket(app)
    assert _act(client, reference, "claim").status_code == 302
    assert _act(client, reference, "reply", {"body": "Thanks, we are on it."}).status_code == 302
    assert _act(client, reference, "note", {"body": "Check the contract."}).status_code == 302
    page = client.get(f"/agent/tickets/{reference}").get_data(as_text=True)
    assert "Public reply" in page and "Internal note" in page and "Check the contract." in page
    assert "Priya Raman took the ticket" in page  # the audit trail
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert ticket.assignee.display_name == "Priya Raman"
        assert ticket.status is Status.OPEN  # someone is on it now
        assert [m.kind for m in ticket.messages] == [
            MessageKind.REPORTER,
            MessageKind.REPLY,
            MessageKind.NOTE,
        ]
        assert ticket.first_response_at is not None


def test_priority_and_category_changes(app, client):
    _agent(app, client)
    reference = _ticket(app)
    with app.app_context():
        fraud = active_category_by_slug("fraud").id
    assert _act(client, reference, "priority", {"priority": "urgent"}).status_code == 302
    assert _act(client, reference, "category", {"category": str(fraud)}).status_code == 302
    ticket = _load(app, reference)
    assert ticket.priority is Priority.URGENT
    assert _act(client, reference, "priority", {"priority": "whenever"}).status_code == 422
    assert _act(client, reference, "category", {"category": "999"}).status_code == 422
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert {"ticket.priority_changed", "ticket.category_changed"} <= set(actions)


def test_two_agents_on_one_ticket_the_second_is_told_and_keeps_the_text(app, client):
    _agent(app, client, name="Priya Raman")
    reference = _ticket(app)
    page = client.get(f"/agent/tickets/{reference}").get_data(as_text=True)
    seen_version = re.search(r'name="version" value="(\d+)"', page).group(1)

    other = app.test_client()
    _agent(app, other, name="Tomás Ortega")
    assert _act(other, reference, "status", {"status": "open"}).status_code == 302

    text = "Could you send the screenshots of the chat?"
    response = _act(client, reference, "reply", {"body": text}, version=seen_version)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Tomás Ortega changed the status from New to Open" in page
    assert f">{text}</textarea>" in page
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert [m.kind for m in ticket.messages] == [MessageKind.REPORTER]


def test_other_reports_about_the_same_member(app, client):
    _agent(app, client)
    first = _ticket(app, reported="quickpay_dev", subject="First report about him")
    second = _ticket(
        app,
        reported="https://marketplace.example/freelancers/~QuickPay_Dev",
        subject="Second report about him",
    )
    unrelated = _ticket(app, reported="someone_else", subject="Not about him")
    page = client.get(f"/agent/tickets/{first}").get_data(as_text=True)
    panel = page.split("Other reports about this member", 1)[1].split("Audit trail", 1)[0]
    assert second in panel and "Second report about him" in panel
    assert unrelated not in panel and f">{first}<" not in panel


def test_unknown_actions_are_404(app, client):
    _agent(app, client)
    reference = _ticket(app)
    assert _act(client, reference, "delete", version=1).status_code == 404


@pytest.mark.p4
def test_a_reply_the_privacy_guard_refuses_is_not_posted_and_the_text_is_kept(app, client):
    _agent(app, client)
    reference = _ticket(app, reported="quickpay_dev")
    text = "We have suspended QuickPay_Dev's account."
    response = _act(client, reference, "reply", {"body": text})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Not sent: the privacy guard refused this reply." in page
    assert "suspended QuickPay_Dev&#39;s account.</textarea>" in page
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert [m.kind for m in ticket.messages] == [MessageKind.REPORTER]
        blocked = db.session.scalars(
            select(OutboundMail).where(OutboundMail.status == MailStatus.BLOCKED)
        ).all()
        assert len(blocked) == 1 and blocked[0].reason
        assert "mail.blocked" in " ".join(db.session.scalars(select(AuditEvent.action)))


def test_api_token_agents_are_not_offered_as_assignees(app, client):
    _agent(app, client, name="Priya Raman")
    reference = _ticket(app)
    with app.app_context():
        token, _secret = api_tokens.create_token(None, "Moderation bot", ["tickets:write"])
        db.session.commit()
        token_agent = token.user.display_name
    page = client.get(f"/agent/tickets/{reference}").get_data(as_text=True)
    assignees = re.search(r'<select id="assignee" name="assignee">(.*?)</select>', page, re.S)
    assert "Priya Raman" in assignees.group(1)
    assert token_agent == "API: Moderation bot" and token_agent not in page


def _unassignable(app) -> dict[str, int]:
    """A deactivated agent and the user an API token acts as, by what they are."""
    with app.app_context():
        gone = make_user("agent", display_name="Left The Team")
        gone.active = False
        token, _secret = api_tokens.create_token(None, "Moderation bot", ["tickets:write"])
        db.session.commit()
        return {"deactivated agent": gone.id, "service user": token.user.id}


@pytest.mark.parametrize("who", ["deactivated agent", "service user"])
def test_the_ticket_page_refuses_an_assignee_who_cannot_work_tickets(app, client, who):
    _agent(app, client)
    reference = _ticket(app)
    response = _act(client, reference, "assign", {"assignee": str(_unassignable(app)[who])})
    assert response.status_code == 422
    assert "cannot be assigned tickets" in response.get_data(as_text=True)
    assert _load(app, reference).assignee_id is None


@pytest.mark.parametrize("who", ["deactivated agent", "service user"])
def test_bulk_assign_refuses_an_assignee_who_cannot_work_tickets(app, client, who):
    _agent(app, client)
    reference = _ticket(app)
    response = submit(
        client,
        "/agent/bulk",
        {"action": "assign", "assign_value": str(_unassignable(app)[who]), "ticket": [reference]},
        page="/agent/",
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "0 tickets changed." in page and "cannot be assigned tickets" in page
    assert _load(app, reference).assignee_id is None
