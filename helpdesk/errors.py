"""Domain exceptions. Views turn them into messages; nothing here knows about HTTP."""


class DomainError(Exception):
    """A request the domain refuses; the message is safe to show to the person who asked."""


class InvalidInput(DomainError):
    """Input broke a rule. `errors` maps a field name to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items()))

    @property
    def messages(self) -> str:
        """Every message, for a place that shows them together."""
        return " ".join(message for messages in self.errors.values() for message in messages)


class NotAllowed(DomainError):
    """The actor may not do this."""


class TransitionRefused(DomainError):
    """The workflow has no such status change."""


class TicketClosed(DomainError):
    """A closed ticket takes nothing more; a new linked report is the way on."""


class DuplicateSubmission(DomainError):
    """The same form was submitted twice; `reference` names the ticket the first one made."""

    def __init__(self, reference: str):
        self.reference = reference
        super().__init__(f"Report {reference} was already received.")


class SubmissionKeyReused(DomainError):
    """A submission key came back with other content: it names another report already."""


class EmailTaken(DomainError):
    """An account with this email address already exists."""


class LoginThrottled(DomainError):
    """Too many failed log-ins for this account or from this address."""


class StaleTicket(DomainError):
    """Someone else changed the ticket since the acting agent loaded it."""


class MailBlocked(DomainError):
    """The privacy guard (P4) refused a mail; the message says why, for the agent.

    Raised for an agent's reply, which is then not posted: the caller rolls back, keeps the
    refusal with `outbox.record_blocked(error, actor)`, commits, and shows the agent their text
    with the reason. `blocked` holds the refused mail's fields for that record.

    `refusal` (a mail.privacy.Refusal) is what to show: `.findings`, each with `.rule`,
    `.reason`, `.spans` and `.suggestion`. A span whose part is "reply" locates the finding in
    the agent's own text (start and end offsets in the body they posted), to highlight there;
    the suggestion is a neutral wording to insert in place of the span.
    """

    def __init__(self, reason: str, blocked: dict, refusal=None):
        self.reason = reason
        self.blocked = blocked
        self.refusal = refusal
        super().__init__(reason)

    @property
    def reply_spans(self) -> list:
        """The spans found in the agent's own text, in order."""
        spans = self.refusal.spans if self.refusal else ()
        return sorted((s for s in spans if s.part == "reply"), key=lambda s: s.start)


class ResetLinkInvalid(DomainError):
    """A password-reset link that is forged, expired, or already used."""


class StorageFull(InvalidInput):
    """The evidence storage has no room: the report is refused whole, to be sent again later."""

    def __init__(self):
        message = (
            "We could not store your files just now. Nothing was sent; please try again later."
        )
        super().__init__({"attachments": [message]})
