"""Demo data for `flask seed demo`: staff and member logins, and about fifty lived-in tickets.

Every ticket is made by the same domain functions the web forms call (accounts, tickets,
workflow), so the messages, derived fields and audit trail are what real use would produce.
Afterwards each ticket's timestamps are moved back over the last month, keeping their order.
The functions here only flush; the caller commits.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from .. import accounts, aliases, canned_replies, categories, decisions, tickets, workflow
from ..canned_replies import CannedReplyInput
from ..database import db, utcnow
from ..models import (
    AuditEvent,
    Category,
    Decision,
    MailStatus,
    Message,
    OutboundMail,
    Role,
    Status,
    Ticket,
    User,
)
from . import help_center
from .demo_tickets import DEMO_TICKETS, Decide, DemoTicket, Followup, Move, Note, Reply, Step

# (role, email, password, display name); the first one is the admin whose presence means "seeded".
DEMO_LOGINS: list[tuple[Role, str, str, str]] = [
    (Role.ADMIN, "admin@helpdesk.example", "admin-demo-2026", "Morgan Ellis"),
    (Role.AGENT, "priya@helpdesk.example", "agent-priya-2026", "Priya Raman"),
    (Role.AGENT, "tomas@helpdesk.example", "agent-tomas-2026", "Tomás Ortega"),
    (Role.MEMBER, "amara@members.example", "member-amara-2026", "Amara Okafor"),
    (Role.MEMBER, "lukas@members.example", "member-lukas-2026", "Lukas Becker"),
    (Role.MEMBER, "mei@members.example", "member-mei-2026", "Mei Chen"),
    (Role.MEMBER, "jordan@members.example", "member-jordan-2026", "Jordan Reyes"),
]


@dataclass
class _Times:
    """The times a ticket's story happened at, applied over what the domain stamped."""

    created: datetime
    last_activity: datetime
    first_response: datetime | None = None
    solved: datetime | None = None
    closed: datetime | None = None
    first_decision: datetime | None = None

    def record(self, step: Step, when: datetime) -> None:
        if isinstance(step, Decide) and self.first_decision is None:
            self.first_decision = when
        if isinstance(step, Note | Decide):  # these leave the reporter-visible activity alone
            return
        self.last_activity = when
        if isinstance(step, Reply) and self.first_response is None:
            self.first_response = when
        if isinstance(step, Move) and step.status is Status.SOLVED:
            self.solved = when
        if isinstance(step, Move) and step.status is Status.CLOSED:
            self.closed = when


# The team's default canned replies, in the policy's voice: thank the reporter, say what happens,
# never say anything about the other member's account or what was done to it.
DEFAULT_CANNED_REPLIES = [
    CannedReplyInput(
        "Thank you for your report",
        "Hi {{ reporter_first_name }},\n\n"
        "Thank you for reporting this. Your report {{ reference }} has reached the "
        "{{ team_name }}, and a member of the team will review it.\n\n"
        "We never tell the member you reported who made a report.\n\n"
        "{{ agent_first_name }}, {{ team_name }}",
        shared=True,
    ),
    CannedReplyInput(
        "Under review",
        "Hi {{ reporter_first_name }},\n\n"
        "We are reviewing your report {{ reference }} ({{ category }}). Reviews can take some "
        "time when we need to look at several conversations or contracts. You do not need to do "
        "anything for now; if something new happens, add it to the report.\n\n"
        "{{ agent_first_name }}, {{ team_name }}",
        set_status=Status.OPEN,
        shared=True,
    ),
    CannedReplyInput(
        "We need more information",
        "Hi {{ reporter_first_name }},\n\n"
        "Thank you for your report {{ reference }}. To review it we need a little more: "
        "the date it happened, a link to the job posting, workroom or contract, and screenshots "
        "of the messages if you have them. Please add them to your report.\n\n"
        "{{ agent_first_name }}, {{ team_name }}",
        set_status=Status.PENDING,
        shared=True,
    ),
    CannedReplyInput(
        "Reviewed: action taken where appropriate",
        "Hi {{ reporter_first_name }},\n\n"
        "We have reviewed your report {{ reference }} and taken action where appropriate. "
        "To protect everyone's privacy, we do not share the results of investigations or any "
        "details about another member's account, so we cannot tell you what we did.\n\n"
        "Thank you for helping keep the marketplace safe. If something new happens, you can add "
        "it to this report or send a new one.\n\n"
        "{{ agent_first_name }}, {{ team_name }}",
        set_status=Status.SOLVED,
        shared=True,
    ),
]


# Mail to these addresses opens reports in their category (see /admin/mail).
DEMO_ALIASES = [("abuse@helpdesk.example", "harassment"), ("fraud@helpdesk.example", "fraud")]


def seed_demo() -> dict[str, int]:
    """Create the demo logins and tickets, and count what was made by kind (for the command's
    summary); an empty dict, changing nothing, when already seeded."""
    admin_email = DEMO_LOGINS[0][1]
    if db.session.scalar(select(User.id).where(User.email == admin_email)) is not None:
        return {}
    audit_events = select(func.count(AuditEvent.id))
    audited_before = db.session.scalar(audit_events)
    categories_added = categories.seed_default_categories()
    decisions.seed_default_actions()
    now = utcnow().replace(microsecond=0)
    rng = random.Random(2026)
    users = _create_users(now, rng)
    by_slug = {category.slug: category for category in db.session.scalars(select(Category))}
    plans = [(*_schedule(spec, now, rng), spec) for spec in DEMO_TICKETS]
    created = [
        _create_ticket(spec, opened, scale, users, by_slug[spec.category], now)
        for opened, scale, spec in sorted(plans, key=lambda plan: plan[0])
    ]
    for canned in DEFAULT_CANNED_REPLIES:
        canned_replies.save(users["admin"], canned)
    _hold_back_demo_mail()
    for address, slug in DEMO_ALIASES:
        aliases.add_alias(users["admin"], address, by_slug[slug])
    articles_added = help_center.seed_help_center(users["admin"])
    db.session.flush()
    return {
        "logins": len(users),
        "categories": categories_added,
        "tickets": len(created),
        "messages": sum(len(ticket.messages) for ticket in created),
        "decisions": db.session.scalar(select(func.count(Decision.id))),
        "canned replies": len(DEFAULT_CANNED_REPLIES),
        "mail aliases": len(DEMO_ALIASES),
        "help-center articles": articles_added,
        "audit events": db.session.scalar(audit_events) - audited_before,
    }


def _hold_back_demo_mail() -> None:
    """The demo stories queued real acknowledgments to made-up addresses: never send them."""
    db.session.execute(
        update(OutboundMail)
        .where(OutboundMail.status == MailStatus.QUEUED)
        .values(status=MailStatus.SUPPRESSED, reason="Demo data: never sent.")
    )


def _create_users(now: datetime, rng: random.Random) -> dict[str, User]:
    """The demo accounts by the local part of their address; staff joined well before members."""
    users: dict[str, User] = {}
    admin = None
    for role, email, password, display_name in DEMO_LOGINS:
        # Members register themselves; the admin creates the agents.
        actor = admin if role is Role.AGENT else None
        user = accounts.create_user(
            email, password, role=role, display_name=display_name, actor=actor
        )
        admin = admin or user
        days = 120 if role is not Role.MEMBER else rng.uniform(40, 90)
        joined = now - timedelta(days=days)
        user.created_at = joined
        _backdate_audit(AuditEvent.target == f"user:{user.id}", joined, now)
        users[email.split("@")[0]] = user
    return users


def _schedule(spec: DemoTicket, now: datetime, rng: random.Random) -> tuple[datetime, float]:
    """When the report came in, and how much to stretch its story, leaving it in the past."""
    scale = rng.uniform(0.85, 1.2)
    story_hours = max((step.hours for step in spec.steps), default=0) * scale
    age_hours = max(spec.days_ago * 24 + rng.uniform(-2, 2), story_hours + 0.25)
    return now - timedelta(hours=age_hours), scale


def _create_ticket(
    spec: DemoTicket,
    opened: datetime,
    scale: float,
    users: dict[str, User],
    category: Category,
    now: datetime,
) -> Ticket:
    ticket = tickets.open_ticket(
        users[spec.reporter],
        category=category,
        subject=spec.subject,
        description=spec.description,
        reported=spec.reported,
        context_url=spec.context_url,
        submission_key=None,
    )
    ticket.messages[0].created_at = opened
    _backdate_audit(AuditEvent.ticket_id == ticket.id, opened, now)
    agent = users[spec.agent] if spec.agent else None
    if agent is not None and spec.assigned:
        tickets.assign(agent, ticket, agent)
    if spec.priority is not None:
        tickets.set_priority(agent or users["admin"], ticket, spec.priority)
    times = _Times(created=opened, last_activity=opened)
    for step in spec.steps:
        when = opened + timedelta(seconds=round(step.hours * scale * 3600))
        made = _play(ticket, step, agent)
        if made is not None:
            made.created_at = when
        _backdate_audit(AuditEvent.ticket_id == ticket.id, when, now)
        times.record(step, when)
    _apply_times(ticket, times)
    return ticket


def _play(ticket: Ticket, step: Step, agent: User | None) -> Message | Decision | None:
    """Carry out one step through the domain functions, as the agent or the reporter."""
    match step:
        case Reply(body=body):
            return tickets.post_reply(agent, ticket, body)
        case Note(body=body):
            return tickets.add_note(agent, ticket, body)
        case Followup(body=body):
            return tickets.add_followup(ticket.reporter, ticket, body)
        case Move(status=status, by_job=by_job):
            workflow.change_status(None if by_job else agent, ticket, status)
        case Decide(action=action, reason=reason, policy=policy):
            return decisions.record(
                agent,
                ticket,
                policy=categories.active_category_by_slug(policy),
                action=decisions.action_by_slug(action),
                reason=reason,
            )
    return None


def _apply_times(ticket: Ticket, times: _Times) -> None:
    """Replace the stamps the domain just made; a stamp it cleared (or never set) stays unset."""
    ticket.created_at = times.created
    ticket.last_activity_at = times.last_activity
    if ticket.first_response_at is not None:
        ticket.first_response_at = times.first_response
    if ticket.solved_at is not None:
        ticket.solved_at = times.solved
    if ticket.closed_at is not None:
        ticket.closed_at = times.closed
    if ticket.first_decision_at is not None:
        ticket.first_decision_at = times.first_decision


def _backdate_audit(condition, when: datetime, now: datetime) -> None:
    """Move audit events recorded during this run (stamped at or after `now`) back to `when`."""
    query = select(AuditEvent).where(condition, AuditEvent.created_at >= now)
    for event in db.session.scalars(query):
        event.created_at = when
