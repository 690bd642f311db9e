"""The demo tickets' stories: who reported what, and what the team did, step by step.

The stories are data, in `data/demo_tickets.json`: groups of tickets, each with its steps.
A text is a string, or a list of paragraphs (joined by a blank line). A step is
`{"hours": …}` after the ticket was opened plus one of `reply`, `note`, `followup` (a text) or
`move` (a status, with `"by_job": true` when the autoclose job made it) or `decide` (the
agent's decision: a policy slug or null for no violation, an action slug and the reason).
The package's `seed_demo` plays each story through the domain functions.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from ..models import Priority, Status

DATA_FILE = Path(__file__).parent / "data" / "demo_tickets.json"


# One step in a ticket's story, `hours` after it was opened.
@dataclass(frozen=True)
class _Text:
    hours: float
    body: str


class Reply(_Text):
    """An agent's public reply."""


class Note(_Text):
    """An agent's internal note."""


class Followup(_Text):
    """The reporter adds to the thread."""


@dataclass(frozen=True)
class Move:
    """A status change by the ticket's agent, or by the autoclose job when by_job is set."""

    hours: float
    status: Status
    by_job: bool = False


@dataclass(frozen=True)
class Decide:
    """The ticket's agent records a decision: internal, like a note."""

    hours: float
    action: str  # a default action's slug
    reason: str
    policy: str | None = None  # a category's slug; None: no violation


Step = Reply | Note | Followup | Move | Decide
_TEXT_STEPS = {"reply": Reply, "note": Note, "followup": Followup}


@dataclass(frozen=True)
class DemoTicket:
    days_ago: float  # when the report came in
    reporter: str  # local part of a member's demo address
    category: str  # a default category's slug
    subject: str
    description: str
    reported: str = ""  # username or profile URL, as the member typed it
    context_url: str = ""
    agent: str | None = None  # local part of the staff address of who works it
    assigned: bool = True  # False: worked straight from the queue without taking it
    priority: Priority | None = None  # set at triage, instead of the category's default
    steps: tuple[Step, ...] = ()


def _text(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "\n\n".join(value)


def _step(fields: dict) -> Step:
    if "move" in fields:
        return Move(fields["hours"], Status(fields["move"]), fields.get("by_job", False))
    if "decide" in fields:
        return Decide(fields["hours"], **fields["decide"])
    (kind,) = fields.keys() - {"hours"}
    return _TEXT_STEPS[kind](fields["hours"], _text(fields[kind]))


def _ticket(fields: dict) -> DemoTicket:
    priority = fields.get("priority")
    return DemoTicket(
        **fields
        | {
            "description": _text(fields["description"]),
            "priority": Priority(priority) if priority else None,
            "steps": tuple(_step(step) for step in fields.get("steps", ())),
        }
    )


def load_demo_tickets(path: Path = DATA_FILE) -> list[DemoTicket]:
    """Every demo ticket, in the file's order (which fixes the seeded timeline)."""
    groups = json.loads(path.read_text(encoding="utf-8"))
    return [_ticket(fields) for group in groups for fields in group["tickets"]]


DEMO_TICKETS: list[DemoTicket] = load_demo_tickets()
