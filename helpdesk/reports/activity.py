"""Figures about what the team did and what came of it: decisions, reported members, each
agent's work, mail in and out, and the help center."""

from dataclasses import dataclass

from sqlalchemy import case, func, select

from ..database import db
from ..models import (
    Article,
    ArticleVote,
    DecisionAction,
    InboundMail,
    InboundOutcome,
    MailStatus,
    OutboundMail,
    SuggestionOpen,
    Ticket,
    User,
)
from . import rollups
from .charts import Chart, Series
from .period import Filters
from .sql import percentile, seconds_between
from .tickets import categories, hours, ticket_conditions

MEMBER_BANDS = (("Reported once", 1, 1), ("2–4 times", 2, 4), ("5 times or more", 5, None))
OUTBOX_LABELS = {
    MailStatus.SENT: "Sent",
    MailStatus.BLOCKED: "Blocked by the privacy guard",
    MailStatus.SUPPRESSED: "Suppressed by the hourly cap",
    MailStatus.BOUNCED: "Bounced",
    MailStatus.FAILED: "Failed",
    MailStatus.QUEUED: "Still queued",
}
TOP_ARTICLES = 10


def _period(filters: Filters, column) -> list:
    return [column >= filters.period.start, column < filters.period.end]


def decision_counts(filters: Filters) -> list[Chart]:
    """Decisions recorded in the period, by action and by the policy found violated."""
    by_action = {
        key[0]: n for key, n in rollups.sums(filters, rollups.DECIDED, "action_id").items()
    }
    by_policy = {
        (None if key[0] == rollups.NO_POLICY else key[0]): n
        for key, n in rollups.sums(filters, rollups.DECIDED, "policy_id").items()
    }
    actions = db.session.scalars(
        select(DecisionAction).order_by(DecisionAction.sort_order, DecisionAction.id)
    ).all()
    shown = [action for action in actions if action.active or by_action.get(action.id)]
    policies = [c for c in categories() if by_policy.get(c.id)]
    return [
        Chart(
            "decisions_action",
            "Decisions by action taken",
            "bars",
            "Action",
            "Decisions",
            [action.name for action in shown],
            [Series("Decisions", [by_action.get(action.id, 0) for action in shown])],
        ),
        Chart(
            "decisions_policy",
            "Decisions by policy found violated",
            "bars",
            "Policy",
            "Decisions",
            [c.name for c in policies] + ["No violation found"],
            [
                Series(
                    "Decisions",
                    [by_policy[c.id] for c in policies] + [by_policy.get(None, 0)],
                )
            ],
        ),
    ]


def first_decision_time(filters: Filters) -> tuple[float | None, int]:
    """The median hours from a report to its first decision, over the tickets whose first
    decision came in the period, and how many tickets that is."""
    waited = seconds_between(Ticket.first_decision_at, Ticket.created_at)
    median, count = db.session.execute(
        select(percentile(waited, 0.5), func.count()).where(
            *ticket_conditions(filters, Ticket.first_decision_at)
        )
    ).one()
    return hours(median), count


def reported_members(filters: Filters) -> Chart:
    """How many distinct members the period's reports named once, 2–4 times, 5 times or more.
    Reports purged by retention no longer name anyone and are not counted here."""
    per_member = (
        select(func.count().label("reports"))
        .where(*ticket_conditions(filters, Ticket.created_at), Ticket.reported_key.is_not(None))
        .group_by(Ticket.reported_key)
        .subquery()
    )
    counts = db.session.execute(
        select(per_member.c.reports, func.count()).group_by(per_member.c.reports)
    ).all()
    members = [
        sum(n for reports, n in counts if reports >= low and (high is None or reports <= high))
        for _label, low, high in MEMBER_BANDS
    ]
    return Chart(
        "reported_members",
        "Reported members, by how often the period's reports named them",
        "bars",
        "Reports about the member",
        "Members",
        [label for label, _low, _high in MEMBER_BANDS],
        [Series("Members", members)],
    )


def agents(filters: Filters) -> Chart:
    """Per agent: tickets solved (as assignee), public replies, decisions, and the median first
    response of the tickets assigned to them that got one in the period."""
    solved = dict(
        db.session.execute(
            select(Ticket.assignee_id, func.count())
            .where(*ticket_conditions(filters, Ticket.solved_at), Ticket.assignee_id.is_not(None))
            .group_by(Ticket.assignee_id)
        ).all()
    )
    replies = {key[0]: n for key, n in rollups.sums(filters, rollups.REPLIED, "agent_id").items()}
    decided = {key[0]: n for key, n in rollups.sums(filters, rollups.DECIDED, "agent_id").items()}
    waited = seconds_between(Ticket.first_response_at, Ticket.created_at)
    medians = dict(
        db.session.execute(
            select(Ticket.assignee_id, percentile(waited, 0.5))
            .where(
                *ticket_conditions(filters, Ticket.first_response_at),
                Ticket.assignee_id.is_not(None),
            )
            .group_by(Ticket.assignee_id)
        ).all()
    )
    ids = {*solved, *replies, *decided, *medians} - {None}
    people = db.session.scalars(
        select(User).where(User.id.in_(ids)).order_by(User.display_name, User.id)
    ).all()
    return Chart(
        "agents",
        "Work per agent",
        "bars",
        "Agent",
        "Count",
        [person.display_name for person in people],
        [
            Series("Tickets solved", [solved.get(p.id, 0) for p in people]),
            Series("Public replies", [replies.get(p.id, 0) for p in people]),
            Series("Decisions", [decided.get(p.id, 0) for p in people]),
        ],
        [Series("Median first response (h)", [hours(medians.get(p.id)) for p in people])],
    )


def mail(filters: Filters) -> list[Chart]:
    """Mail that arrived in the period by what intake made of it; mail queued in the period by
    what became of it. Mail is counted whatever its category or channel."""
    inbound = dict(
        db.session.execute(
            select(InboundMail.outcome, func.count())
            .where(*_period(filters, InboundMail.received_at))
            .group_by(InboundMail.outcome)
        ).all()
    )
    outbound = dict(
        db.session.execute(
            select(OutboundMail.status, func.count())
            .where(*_period(filters, OutboundMail.created_at))
            .group_by(OutboundMail.status)
        ).all()
    )
    outcomes = [o for o in InboundOutcome if o is not InboundOutcome.RECEIVED or inbound.get(o)]
    return [
        Chart(
            "mail_intake",
            "Inbound mail, by what intake made of it",
            "bars",
            "Outcome",
            "Mails",
            [outcome.value.capitalize() for outcome in outcomes],
            [Series("Mails", [inbound.get(outcome, 0) for outcome in outcomes])],
        ),
        Chart(
            "mail_outbox",
            "Outbound mail, by what became of it",
            "bars",
            "Outcome",
            "Mails",
            list(OUTBOX_LABELS.values()),
            [Series("Mails", [outbound.get(status, 0) for status in OUTBOX_LABELS])],
        ),
    ]


@dataclass(frozen=True)
class Deflection:
    sessions: int  # browser sessions that opened a suggested article in the period
    deflected: int  # of those, the ones that sent no report after


def help_center(filters: Filters) -> tuple[Chart, Deflection]:
    """The most used articles of the period (opened from the report form's suggestions, and
    voted on), with the share of "helpful" votes; and the questions answered without a ticket."""
    opens = {
        article_id: (opened, deflected)
        for article_id, opened, deflected in db.session.execute(
            select(
                SuggestionOpen.article_id,
                func.count(),
                func.count(case((SuggestionOpen.reported_at.is_(None), 1))),
            )
            .where(*_period(filters, SuggestionOpen.opened_at))
            .group_by(SuggestionOpen.article_id)
        )
    }
    votes = {
        article_id: (helpful, total)
        for article_id, helpful, total in db.session.execute(
            select(
                ArticleVote.article_id,
                func.count(case((ArticleVote.helpful.is_(True), 1))),
                func.count(),
            )
            .where(*_period(filters, ArticleVote.updated_at))
            .group_by(ArticleVote.article_id)
        )
    }

    def use(article_id: int) -> tuple[int, int]:
        return opens.get(article_id, (0, 0))[0] + votes.get(article_id, (0, 0))[1], -article_id

    top = sorted({*opens, *votes}, key=use, reverse=True)[:TOP_ARTICLES]
    titles = dict(
        db.session.execute(select(Article.id, Article.title).where(Article.id.in_(top))).all()
    )
    helpful = [votes.get(a, (0, 0))[0] for a in top]
    total = [votes.get(a, (0, 0))[1] for a in top]
    chart = Chart(
        "help_articles",
        "Most used help-center articles",
        "bars",
        "Article",
        "Count",
        [titles[a] for a in top],
        [
            Series("Opened from a suggestion", [opens.get(a, (0, 0))[0] for a in top]),
            Series("Helpful votes", helpful),
            Series("Not helpful votes", [t - h for t, h in zip(total, helpful, strict=True)]),
        ],
        [
            Series(
                "Helpful share (%)",
                [round(100 * h / t, 1) if t else None for h, t in zip(helpful, total, strict=True)],
            ),
            Series("Deflected", [opens.get(a, (0, 0))[1] for a in top]),
        ],
    )
    sessions, deflected = db.session.execute(
        select(
            func.count(func.distinct(SuggestionOpen.session_key)),
            func.count(
                func.distinct(
                    case((SuggestionOpen.reported_at.is_(None), SuggestionOpen.session_key))
                )
            ),
        ).where(*_period(filters, SuggestionOpen.opened_at))
    ).one()
    return chart, Deflection(sessions, deflected)
