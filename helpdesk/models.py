"""The schema: typed models and their enums. Rules live in the domain modules, not here."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Enum,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from .database import db, utcnow
from .mail.spelling import letters


class Role(StrEnum):
    MEMBER = "member"
    AGENT = "agent"
    ADMIN = "admin"


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    ON_HOLD = "on_hold"
    SOLVED = "solved"
    CLOSED = "closed"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class MessageKind(StrEnum):
    REPORTER = "reporter"  # written by the ticket's reporter
    REPLY = "reply"  # an agent's public reply
    NOTE = "note"  # internal, agents only
    EVENT = "event"  # recorded by the system, agents only


class Source(StrEnum):
    WEB = "web"
    EMAIL = "email"
    API = "api"


def _enum(enum_class: type[StrEnum]) -> Enum:
    """Store an enum as its value in a plain string column, the same on every engine."""
    return Enum(
        enum_class,
        native_enum=False,
        length=16,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )


class User(UserMixin, db.Model):
    __tablename__ = "users"
    # The inbox search finds a reporter by the start of their name (LIKE 'priya%' on
    # PostgreSQL, which this operator class lets the index answer; GLOB on SQLite).
    # Reports name a member in any case: their accounts are found by the lower-cased id.
    __table_args__ = (
        Index("ix_users_name_key", "name_key", postgresql_ops={"name_key": "text_pattern_ops"}),
        Index("ix_users_marketplace_id_lower", func.lower(text("marketplace_id"))),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    display_name: Mapped[str] = mapped_column(String(100))
    # The display name as the privacy guard reads it (spelling.letters): "Priya Shah",
    # "priya.shah" and "PRIYA SHAH" are one key. Kept by the setter below.
    name_key: Mapped[str] = mapped_column(String(100), default="", server_default="")
    role: Mapped[Role] = mapped_column(_enum(Role), default=Role.MEMBER)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # The member's id on the marketplace, when the marketplace reported for them through the API.
    marketplace_id: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Part of every session cookie's user id: raising it ends all of the account's sessions
    # (log-out, a new password, deactivation, a role change), wherever they were opened.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    # Agents see image evidence blurred and in grey until they reveal it, unless they turn it off.
    blur_evidence: Mapped[bool] = mapped_column(default=True, server_default=true())

    @validates("display_name")
    def _keep_name_key(self, _key: str, display_name: str) -> str:
        self.name_key = letters(display_name)[:100]
        return display_name

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """What Flask-Login keeps in the session cookie: the id and the session generation."""
        return f"{self.id}.{self.session_generation}"

    @property
    def is_agent(self) -> bool:
        """Agents and admins work tickets."""
        return self.role in (Role.AGENT, Role.ADMIN)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    is_interaction: Mapped[bool] = mapped_column(default=False)
    interaction_notice: Mapped[str | None] = mapped_column(Text)
    default_priority: Mapped[Priority] = mapped_column(_enum(Priority), default=Priority.NORMAL)
    first_response_hours: Mapped[int] = mapped_column(default=24)
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    # The extra questions its report form asks; the shape is helpdesk.categories.Question.
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")
    # Days a closed ticket keeps what it holds about people; None: HELPDESK_RETENTION_DAYS.
    retention_days: Mapped[int | None]

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"


class Ticket(db.Model):
    __tablename__ = "tickets"
    __table_args__ = (
        # A double-clicked submit carries the same key twice: the second insert is refused.
        UniqueConstraint("reporter_id", "submission_key"),
        Index("ix_tickets_submission_key", "submission_key"),  # an API key's report, any member
        # One index per inbox view and sort: the view's filter first, then the keyset columns.
        Index("ix_tickets_reporter_activity", "reporter_id", "last_activity_at"),
        Index("ix_tickets_status_activity", "status", "last_activity_at", "id"),
        Index(
            "ix_tickets_status_priority_activity", "status", "priority", "last_activity_at", "id"
        ),
        Index("ix_tickets_assignee_status_activity", "assignee_id", "status", "last_activity_at"),
        Index("ix_tickets_category_status_activity", "category_id", "status", "last_activity_at"),
        Index("ix_tickets_activity", "last_activity_at", "id"),
        # The reports page (helpdesk.reports): each query reads one of these alone, a period
        # on the leading timestamp with the filters and the measured columns after it.
        Index(
            "ix_tickets_report_created",
            "created_at",
            "category_id",
            "source",
            "first_response_at",
            "reported_key",
        ),
        Index(
            "ix_tickets_report_first_response",
            "first_response_at",
            "category_id",
            "source",
            "created_at",
            "assignee_id",
        ),
        Index(
            "ix_tickets_report_solved",
            "solved_at",
            "category_id",
            "source",
            "created_at",
            "assignee_id",
        ),
        Index("ix_tickets_report_closed", "closed_at", "category_id", "source"),
        Index("ix_tickets_report_backlog", "status", "category_id", "source", "created_at"),
        Index(
            "ix_tickets_report_first_decision",
            "first_decision_at",
            "category_id",
            "source",
            "created_at",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The columns report_counts are kept from keep their old value on change (active_history).
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), active_history=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    linked_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    subject: Mapped[str] = mapped_column(String(200))
    status: Mapped[Status] = mapped_column(_enum(Status), default=Status.NEW)
    priority: Mapped[Priority] = mapped_column(_enum(Priority), default=Priority.NORMAL)
    source: Mapped[Source] = mapped_column(_enum(Source), default=Source.WEB)
    reported_member: Mapped[str | None] = mapped_column(String(100))
    reported_profile_url: Mapped[str | None] = mapped_column(String(500))
    reported_key: Mapped[str | None] = mapped_column(String(100), index=True)
    # The reported member's name as the privacy guard reads it (spelling.letters): what the
    # inbox search matches, so that "J.Smith", "jsmith" and "JSMITH" find the same reports.
    reported_letters: Mapped[str | None] = mapped_column(String(100), index=True)
    context_url: Mapped[str | None] = mapped_column(String(500))
    submission_key: Mapped[str | None] = mapped_column(String(64))
    # What an API submission held (helpdesk.views.api.reports): a key is for one content only.
    submission_fingerprint: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, active_history=True)
    first_response_at: Mapped[datetime | None]
    solved_at: Mapped[datetime | None] = mapped_column(active_history=True)
    closed_at: Mapped[datetime | None] = mapped_column(active_history=True)
    # When the ticket's first decision was recorded (helpdesk.decisions): internal, like them.
    first_decision_at: Mapped[datetime | None]
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    # The category's questions as they were asked, with the reporter's answers: a snapshot
    # ({key, label, kind, answer} each) that later edits of the category never rewrite.
    answers: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list, server_default="[]")
    # Under legal hold a ticket is never purged (helpdesk.retention); set and released by agents.
    legal_hold_reason: Mapped[str | None] = mapped_column(Text)
    legal_hold_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    legal_hold_at: Mapped[datetime | None]
    # When retention removed what it held about people: only the anonymised skeleton is left.
    purged_at: Mapped[datetime | None]

    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])
    legal_hold_by: Mapped[User | None] = relationship(foreign_keys=[legal_hold_by_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    category: Mapped[Category] = relationship()
    linked_ticket: Mapped["Ticket | None"] = relationship(
        remote_side=[id], foreign_keys=[linked_ticket_id]
    )
    merged_into: Mapped["Ticket | None"] = relationship(
        remote_side=[id], foreign_keys=[merged_into_id]
    )
    messages: Mapped[list["Message"]] = relationship(
        back_populates="ticket",
        order_by="Message.id",
        cascade="all, delete-orphan",
        foreign_keys="Message.ticket_id",
    )

    # SQLAlchemy bumps the version on every UPDATE and refuses one made from a stale read.
    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Ticket {self.reference} {self.status}>"


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_ticket_created", "ticket_id", "created_at"),
        Index("ix_messages_kind_created", "kind", "created_at", "author_id"),  # replies per agent
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    # Replies are counted in report_counts: old values are kept on change (active_history).
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), active_history=True)
    kind: Mapped[MessageKind] = mapped_column(_enum(MessageKind), active_history=True)
    origin: Mapped[Source] = mapped_column(_enum(Source), default=Source.WEB)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, active_history=True)
    # The Message-ID this message carries in mail, so that mail about the ticket threads: an
    # inbound mail's own, or one we make (for a web report when it is acknowledged, for an
    # agent's reply when it is mailed). See helpdesk.mail.outbox.
    email_message_id: Mapped[str | None] = mapped_column(String(255), index=True)
    # A copy carried over from a duplicate report merged into this ticket (tickets.merge).
    merged_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )

    ticket: Mapped[Ticket] = relationship(back_populates="messages", foreign_keys=[ticket_id])
    merged_from: Mapped[Ticket | None] = relationship(foreign_keys=[merged_from_id])
    author: Mapped[User | None] = relationship()
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="message", order_by="Attachment.id", cascade="all, delete-orphan"
    )

    @property
    def is_public(self) -> bool:
        """Seen by the reporter: their own messages and agents' public replies."""
        return self.kind in (MessageKind.REPORTER, MessageKind.REPLY)


class Attachment(db.Model):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Redacted by an agent: the file is gone, the row stays as "[redacted]" (helpdesk.redaction).
    redacted_at: Mapped[datetime | None]

    message: Mapped[Message] = relationship(back_populates="attachments")


class Blob(db.Model):
    """A stored file when HELPDESK_STORAGE=database: evidence and raw mail (see storage/)."""

    __tablename__ = "blobs"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_ticket_created", "ticket_id", "created_at"),
        # The audit log's pages: newest first on (created_at, id), after a cursor.
        Index("ix_audit_events_created_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    target: Mapped[str | None] = mapped_column(String(100))  # e.g. "user:12" for non-ticket events
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()
    ticket: Mapped[Ticket | None] = relationship()


class DecisionAction(db.Model):
    """What may be done about a reported member's account: a list the admins edit."""

    __tablename__ = "decision_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<DecisionAction {self.slug}>"


class Decision(db.Model):
    """An agent's finding on a ticket: the policy violated (None: no violation), the action
    taken and why. Internal only (P2). A ticket may get several; the newest is current."""

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_ticket_created", "ticket_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), active_history=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("decision_actions.id"), active_history=True)
    reason: Mapped[str] = mapped_column(Text)
    # Counted in report_counts: old values are kept on change (active_history).
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True, active_history=True)

    ticket: Mapped[Ticket] = relationship()
    agent: Mapped[User] = relationship()
    policy: Mapped[Category | None] = relationship()
    action: Mapped[DecisionAction] = relationship()

    def __repr__(self) -> str:
        return f"<Decision {self.id} on {self.ticket_id}>"


class ReportCount(db.Model):
    """A daily roll-up for the reports page (helpdesk.reports.rollups): how many tickets of a
    category and channel were received, solved or closed on a day of the desk's time zone, how
    many decisions of an action and policy an agent recorded on it, and how many public
    replies an agent wrote. Kept up to date in the
    transaction of every change that moves a count; `flask reports rebuild` recounts them."""

    __tablename__ = "report_counts"

    measure: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    # A decision's action and policy; 0 for the ticket measures, policy 0 for "no violation".
    action_id: Mapped[int] = mapped_column(primary_key=True, default=0)
    policy_id: Mapped[int] = mapped_column(primary_key=True, default=0)
    # The agent who decided or replied; 0 for the ticket measures.
    agent_id: Mapped[int] = mapped_column(primary_key=True, default=0)
    count: Mapped[int]


class ReportRollupState(db.Model):
    """The one row saying in which time zone report_counts' days were counted."""

    __tablename__ = "report_rollup_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    time_zone: Mapped[str] = mapped_column(String(64))


class CannedReply(db.Model):
    """A reply agents reuse; shared when it has no owner, personal otherwise."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    set_status: Mapped[Status | None] = mapped_column(_enum(Status))
    set_priority: Mapped[Priority | None] = mapped_column(_enum(Priority))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    usage_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    owner: Mapped[User | None] = relationship()

    @property
    def is_shared(self) -> bool:
        return self.owner_id is None


class LoginFailure(db.Model):
    """A failed log-in, kept for throttling by account and by client address."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_email_created", "email", "created_at"),
        Index("ix_login_failures_address_created", "address", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MailKind(StrEnum):
    """Every kind of mail the help desk may send (P3); each has templates in templates/mail/."""

    REPORT_RECEIVED = "report_received"
    FOLLOWUP_RECEIVED = "followup_received"
    AGENT_REPLY = "agent_reply"
    PASSWORD_RESET = "password_reset"
    ACCOUNT_INVITE = "account_invite"
    REGISTRATION = "registration"  # a new member's link to choose their password
    REGISTERED_AGAIN = "registered_again"  # someone registered an address that has an account
    ACCOUNT_DELETED = "account_deleted"  # the member deleted their account


class MailStatus(StrEnum):
    QUEUED = "queued"  # waiting for the sender, or for its next attempt
    SENT = "sent"
    FAILED = "failed"  # refused for good by the mail server, or out of attempts
    BLOCKED = "blocked"  # refused by the privacy guard (P4); never sent
    SUPPRESSED = "suppressed"  # over the hourly limit for its recipient; never sent
    BOUNCED = "bounced"  # sent, then returned by the recipient's mail system


class OutboundMail(db.Model):
    """The outbox: a mail, written in the same transaction as the change that caused it (P6).

    Everything the sender needs is stored here, rendered and checked, so a retry sends the very
    same mail, Message-ID included. A claim (claimed_by, claimed_until) reserves a queued mail
    for one sender; a claim that expires hands it to the next.
    """

    __tablename__ = "outbound_mail"
    __table_args__ = (
        Index("ix_outbound_mail_status_due", "status", "next_attempt_at"),
        Index("ix_outbound_mail_recipient_created", "recipient", "created_at"),
        Index("ix_outbound_mail_created_status", "created_at", "status"),  # reports
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MailKind] = mapped_column(
        Enum(
            MailKind,
            native_enum=False,
            length=32,
            validate_strings=True,
            values_callable=lambda members: [member.value for member in members],
        )
    )
    status: Mapped[MailStatus] = mapped_column(_enum(MailStatus), default=MailStatus.QUEUED)
    recipient: Mapped[str] = mapped_column(String(254))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))  # what it answers
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # the account, if any
    email_message_id: Mapped[str] = mapped_column(String(255), unique=True)
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    reason: Mapped[str | None] = mapped_column(Text)  # why blocked, suppressed, failed or retried
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    ticket: Mapped[Ticket | None] = relationship()
    message: Mapped[Message | None] = relationship()
    user: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<OutboundMail {self.id} {self.kind} {self.status}>"


class ApiToken(db.Model):
    """A key for the JSON API. Only its sha256 is stored; the secret is shown once, at creation.

    A token with tickets:* scopes acts as its own service user (an agent without a password),
    so that the audit trail names it.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # the secret's start, to recognise it by
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    user: Mapped[User | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.name}>"


class ArticleState(StrEnum):
    DRAFT = "draft"  # never visible to members
    PUBLISHED = "published"


class HelpSection(db.Model):
    """A group of help-center articles (Getting started, Hiring, …), shown in sort order."""

    __tablename__ = "help_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(default=0)

    articles: Mapped[list["Article"]] = relationship(
        back_populates="section", order_by="Article.sort_order, Article.title"
    )

    def __repr__(self) -> str:
        return f"<HelpSection {self.slug}>"


class Article(db.Model):
    """A help-center article: Markdown, rendered to sanitised HTML when shown."""

    __tablename__ = "articles"
    __table_args__ = (Index("ix_articles_state_section", "state", "section_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("help_sections.id"))
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    summary: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text)  # Markdown
    state: Mapped[ArticleState] = mapped_column(_enum(ArticleState), default=ArticleState.DRAFT)
    # The report form this article leads to ("Submit a report" prefills this category), if any.
    report_category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    sort_order: Mapped[int] = mapped_column(default=0)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None]

    section: Mapped[HelpSection] = relationship(back_populates="articles")
    report_category: Mapped[Category | None] = relationship()
    author: Mapped[User | None] = relationship()

    @property
    def is_published(self) -> bool:
        return self.state is ArticleState.PUBLISHED

    def __repr__(self) -> str:
        return f"<Article {self.slug} {self.state}>"


class ArticleVote(db.Model):
    """One "was this helpful?" answer per voter: a member (user:ID) or a browser (browser:ID)."""

    __tablename__ = "article_votes"
    __table_args__ = (UniqueConstraint("article_id", "voter_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    voter_key: Mapped[str] = mapped_column(String(80))
    helpful: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SuggestionOpen(db.Model):
    """An article opened from the report form's suggestions, in one browser session.

    `reported_at` is set when a report is sent later in that session; the rows left without it
    are the "deflected" questions: answered by the article, with no ticket.
    """

    __tablename__ = "suggestion_opens"
    __table_args__ = (
        UniqueConstraint("session_key", "article_id"),
        Index("ix_suggestion_opens_article_reported", "article_id", "reported_at"),
        Index("ix_suggestion_opens_opened", "opened_at"),  # reports
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_key: Mapped[str] = mapped_column(String(64))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    reported_at: Mapped[datetime | None]


class InboundOutcome(StrEnum):
    """What intake made of an inbound mail."""

    RECEIVED = "received"  # stored, not processed yet (or processing crashed: reprocess it)
    CREATED = "created"  # opened a new ticket
    APPENDED = "appended"  # added to its ticket's thread
    DUPLICATE = "duplicate"  # the same Message-ID or bytes as a mail stored before
    IGNORED = "ignored"  # automated mail (auto-reply, bounce, list); `reason` names the rule
    QUARANTINED = "quarantined"  # could not be processed; `reason` says why


class InboundMail(db.Model):
    """Every inbound mail, stored raw before it is parsed, whatever channel brought it (P6)."""

    __tablename__ = "inbound_mail"
    __table_args__ = (
        Index("ix_inbound_mail_outcome_id", "outcome", "id"),
        Index("ix_inbound_mail_received_outcome", "received_at", "outcome"),  # reports
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # file, stdin, imap, lmtp, smtp, webhook
    source: Mapped[str | None] = mapped_column(String(255))  # file name, IMAP UID, peer
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)  # envelope, when known
    size: Mapped[int]  # of the raw message, kept in storage under mail/<id>
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    message_id: Mapped[str | None] = mapped_column(String(255), index=True)
    sender: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(255))
    # What our receiving server's Authentication-Results said ("dkim=pass (x.example); …"),
    # and how intake verified the sender (its signed reply address, or that pass), for agents.
    authentication: Mapped[str | None] = mapped_column(Text)
    verified_by: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[InboundOutcome] = mapped_column(
        _enum(InboundOutcome), default=InboundOutcome.RECEIVED
    )
    reason: Mapped[str | None] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    # The thread message it became, so agents can open the original from the ticket.
    thread_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_mail.id"))
    # Set on the first copy of a message only: the unique constraints make a second copy
    # (same Message-ID, or same bytes) a duplicate even when both are processed at once.
    first_message_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    first_sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    attempts: Mapped[int] = mapped_column(default=0)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]

    ticket: Mapped[Ticket | None] = relationship()
    duplicate_of: Mapped["InboundMail | None"] = relationship(remote_side=[id])

    @property
    def raw(self) -> bytes:
        """The message as it arrived (as redaction left it), read from storage."""
        from .storage import current, mail_key  # storage stands above the models

        return current().get(mail_key(self.id))

    def __repr__(self) -> str:
        return f"<InboundMail {self.id} {self.outcome}>"


class MailAlias(db.Model):
    """A support address that files new mail under a category (abuse@ to harassment)."""

    __tablename__ = "mail_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    category: Mapped[Category] = relationship()

    def __repr__(self) -> str:
        return f"<MailAlias {self.address}>"
