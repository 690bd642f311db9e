"""What a reporter sees of their ticket (P1, P2), and the only code that decides it: the coarse
status label, the public thread with each message's author as "You" or the team, the answers,
and the facts mail and canned replies may name. Nothing here reads the reported party's data.

Read-only and below the domain: it imports the models alone, so mail can use it too.
"""

from dataclasses import dataclass
from datetime import datetime

from .models import Attachment, Message, MessageKind, Status, Ticket

TEAM_NAME = "Trust & Safety team"

# Coarse, and never the internal status name.
STATUS_LABELS: dict[Status, str] = {
    Status.NEW: "Received",
    Status.OPEN: "In review",
    Status.PENDING: "Awaiting your reply",
    Status.ON_HOLD: "In review",
    Status.SOLVED: "Solved",
    Status.CLOSED: "Closed",
}


# A report merged into another is closed to its reporter, never "Solved" (which the help center
# defines as "we took action"), and says no more than this (P2).
MERGED_NOTE = "Closed: handled together with a related report."


def status_label(status: Status) -> str:
    return STATUS_LABELS[status]


def label_for(ticket: Ticket) -> str:
    """The label the reporter sees for this ticket."""
    return STATUS_LABELS[Status.CLOSED] if ticket.merged_into_id else status_label(ticket.status)


def public_thread(ticket: Ticket) -> list[Message]:
    """The reporter's own messages and agents' public replies; never notes."""
    return [message for message in ticket.messages if message.is_public]


@dataclass(frozen=True)
class ThreadMessage:
    author: str  # "you" or "team": the API's values
    body: str
    created_at: datetime
    attachments: list[Attachment]

    @property
    def author_name(self) -> str:
        """As a page shows it: "You" or the team's name, never an agent's."""
        return "You" if self.author == "you" else TEAM_NAME


@dataclass(frozen=True)
class ReporterTicket:
    reference: str
    status: str  # the coarse label
    note: str | None  # why a merged report is closed, in the neutral words above
    closed: bool  # takes no more information
    category: str  # slug
    category_name: str
    subject: str
    created_at: datetime
    answers: list[dict[str, str]]
    # What the reporter told us about whom and where, as they gave it: their own words only.
    reported_member: str | None
    reported_profile_url: str | None
    context_url: str | None
    follows_up: str | None  # the reference of the closed ticket this one follows up
    messages: list[ThreadMessage]


def for_reporter(ticket: Ticket) -> ReporterTicket:
    """The ticket as its reporter sees it, on their pages and through the API."""
    linked = ticket.linked_ticket
    return ReporterTicket(
        reference=ticket.reference,
        status=label_for(ticket),
        note=MERGED_NOTE if ticket.merged_into_id else None,
        closed=ticket.status is Status.CLOSED or ticket.merged_into_id is not None,
        category=ticket.category.slug,
        category_name=ticket.category.name,
        subject=ticket.subject,
        created_at=ticket.created_at,
        answers=list(ticket.answers),
        reported_member=ticket.reported_member,
        reported_profile_url=ticket.reported_profile_url,
        context_url=ticket.context_url,
        follows_up=linked.reference if linked else None,
        messages=[_thread_message(message) for message in public_thread(ticket)],
    )


def _thread_message(message: Message) -> ThreadMessage:
    return ThreadMessage(
        author="you" if message.kind is MessageKind.REPORTER else "team",
        body=message.body,
        created_at=message.created_at,
        attachments=list(message.attachments),
    )


def first_name(display_name: str) -> str:
    return display_name.split()[0] if display_name.strip() else "there"


def public_facts(ticket: Ticket) -> dict[str, str]:
    """What mail to the reporter and canned replies may name: the reporter's own first name and
    the ticket's public facts."""
    return {
        "first_name": first_name(ticket.reporter.display_name),
        "reference": ticket.reference,
        "category": ticket.category.name,
        "status": label_for(ticket),
        "team_name": TEAM_NAME,
    }
