"""The privacy guard (P4): the second wall every outbound mail passes before it is queued.

The first wall is the templates' context, which never holds reported-party data. This guard
checks what the templates actually produced. check_outbound() is a pure function: it gets the
draft and what must not leak (a Protected), and answers with a Refusal or None.

It refuses a mail that goes to anyone but its owner, or whose subject, text or HTML part
- spells a name, address, link or id of the reported member, in any disguise (spelling.py:
  case, accents, look-alike letters, invisible characters, entities, %XX, backslash escapes,
  separators or line breaks between letters);
- states an outcome for another member's account (outcomes.py, eight languages);
- quotes an internal note, or holds another person's email address.

A Refusal says why in plain words (str() is that sentence), where (spans in the part it was
found in; "reply" is the agent's own text), and what to write instead.
"""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from ..models import MessageKind, Ticket, User
from . import outcomes
from .name_words import common_words, distinctive_parts
from .spelling import Reading, letters, normalise, read, spelled_in

# A note leaks when this many consecutive words of it appear in a mail; a shorter note leaks
# when all of it appears, if it is long enough to say something (not "ok" or "checked").
NOTE_WINDOW_WORDS = 6
NOTE_MIN_CHARACTERS = 12
MIN_LOCAL_PART = 5

_WORD = re.compile(r"[^\W_]+")
_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
_SCHEME = re.compile(r"^(?:https?://)?(?:www\.)?", re.IGNORECASE)
NAME_SUGGESTION = "the member you reported"
OUTCOME_REASON = (
    "It tells the reporter what happened or will happen to another member's account. "
    "Say that the report is being handled, not how."
)


@dataclass(frozen=True)
class Draft:
    """A rendered mail, as the guard sees it; `reply` is the agent's own text in it, when the
    mail carries one, so that what is found there can be shown where they wrote it."""

    recipient: str
    subject: str
    text: str
    html: str | None = None
    reply: str | None = None


@dataclass(frozen=True)
class Protected:
    """Who a mail may go to, and what it must not contain."""

    owner: str  # the one allowed recipient: the ticket's reporter, or the account's owner
    owner_role: str = "the ticket's reporter"
    identifiers: tuple[str, ...] = ()  # names, addresses and links of the reported party
    member_ids: tuple[int, ...] = ()  # the reported party's account id, when they have one here
    notes: tuple[str, ...] = ()  # the text of the ticket's internal notes
    own_domains: frozenset[str] = frozenset()  # our addresses may appear in a mail


@dataclass(frozen=True)
class Span:
    """Where a finding is: `part` is "reply", "subject", "text" or "html"; start and end are
    offsets in that part as given; `text` is what stands there."""

    part: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Finding:
    rule: str  # recipient, identifier, member_id, note, address, outcome
    reason: str  # the rule, broken, in plain words
    spans: tuple[Span, ...] = ()
    suggestion: str | None = None  # a neutral wording to put in place of the spans


@dataclass(frozen=True)
class Refusal:
    """Why a mail must not go: every finding, the first one the reason."""

    findings: tuple[Finding, ...]

    def __str__(self) -> str:
        return self.reason

    @property
    def reason(self) -> str:
        return self.findings[0].reason

    @property
    def rule(self) -> str:
        return self.findings[0].rule

    @property
    def spans(self) -> tuple[Span, ...]:
        return tuple(span for finding in self.findings for span in finding.spans)

    @property
    def suggestion(self) -> str | None:
        return next((f.suggestion for f in self.findings if f.suggestion), None)


def check_outbound(draft: Draft, protected: Protected) -> Refusal | None:
    """Why this mail must not go out, or None when it may (P4)."""
    if draft.recipient.strip().casefold() != protected.owner.strip().casefold():
        reason = f"It is addressed to {draft.recipient}, who is not {protected.owner_role}."
        return Refusal((Finding("recipient", reason),))
    findings = _merged(_findings(part, text, protected) for part, text in _parts(draft))
    return Refusal(tuple(findings)) if findings else None


def check_wording(text: str) -> Refusal | None:
    """The outcome rule alone, for text that names nobody yet (a canned reply's template)."""
    findings = list(_outcome_findings("reply", text))
    return Refusal(tuple(findings)) if findings else None


def _parts(draft: Draft) -> Iterator[tuple[str, str]]:
    if draft.reply is not None:
        yield "reply", draft.reply
    yield "subject", draft.subject
    yield "text", draft.text
    if draft.html is not None:
        yield "html", draft.html


def _merged(found: Iterable[Iterable[Finding]]) -> list[Finding]:
    """One finding per reason, with the spans of every part it was found in."""
    merged: dict[tuple[str, str], Finding] = {}
    for finding in (f for part in found for f in part):
        key = (finding.rule, finding.reason)
        if key in merged:
            kept = merged[key]
            finding = Finding(kept.rule, kept.reason, kept.spans + finding.spans, kept.suggestion)
        merged[key] = finding
    return list(merged.values())


def _findings(part: str, text: str, protected: Protected) -> Iterator[Finding]:
    html_part = part == "html"
    reading = read(text, html_part=html_part)
    for identifier in protected.identifiers:
        if spans := [_span(part, text, reading, *found) for found in _spelled(reading, identifier)]:
            reason = f"It mentions the reported member ({identifier})."
            yield Finding("identifier", reason, tuple(spans), NAME_SUGGESTION)
    for member_id in protected.member_ids:
        if spans := [_span(part, text, reading, *s) for s in _member_id_spans(reading, member_id)]:
            reason = f"It mentions the reported member's account number ({member_id})."
            yield Finding("member_id", reason, tuple(spans), NAME_SUGGESTION)
    for note in protected.notes:
        if spans := [_span(part, text, reading, *s) for s in _note_spans(reading, note)]:
            yield Finding("note", "It contains text from an internal note.", tuple(spans))
    for start, end in _other_addresses(reading, protected):
        span = _span(part, text, reading, start, end)
        reason = f"It contains another person's email address ({span.text})."
        yield Finding("address", reason, (span,))
    yield from _outcome_findings(part, text, html_part=html_part)


def _span(part: str, text: str, reading: Reading, start: int, end: int) -> Span:
    origin_start, origin_end = reading.origin(start, end)
    return Span(part, origin_start, origin_end, text[origin_start:origin_end])


def _spelled(reading: Reading, identifier: str) -> list[tuple[int, int]]:
    """Where any form of the identifier is spelled; a match inside a longer one is the same."""
    found = sorted({span for form in _forms(identifier) for span in spelled_in(reading, form)})
    return [
        (a, b)
        for a, b in found
        if not any(c <= a and b <= d and (c, d) != (a, b) for c, d in found)
    ]


def _forms(identifier: str) -> list[str]:
    """An identifier as given; a link also without its scheme and "www.", as people retype
    it."""
    bare = _SCHEME.sub("", identifier.strip())
    return [identifier, bare] if bare != identifier.strip() else [identifier]


def _outcome_findings(part: str, text: str, *, html_part: bool = False) -> Iterator[Finding]:
    for found in outcomes.disclosures(text, html_part=html_part):
        span = Span(part, found.start, found.end, text[found.start : found.end])
        yield Finding("outcome", OUTCOME_REASON, (span,), outcomes.suggestion(found.language))


def _member_id_spans(reading: Reading, member_id: int) -> Iterator[tuple[int, int]]:
    """An account number as one is written: #42, /42, id 42, member: 42; not "42 hours"."""
    number = re.escape(normalise(str(member_id)))
    pattern = rf"(?:[#/]|(?<!\w)(?:{_id_words()})\W{{0,3}}){number}(?!\w)"
    for match in re.finditer(pattern, reading.text):
        yield match.start(), match.end()


@cache
def _id_words() -> str:
    """The words that introduce an account number, normalised as the text is."""
    return "|".join(re.escape(normalise(word)) for word in ("id", "user", "member", "account"))


def _note_spans(reading: Reading, note: str) -> Iterator[tuple[int, int]]:
    """Where the mail quotes the note: NOTE_WINDOW_WORDS consecutive words of it, or all of a
    short note that says something."""
    words = _WORD.findall(normalise(note))
    if len(words) <= NOTE_WINDOW_WORDS:
        windows = [tuple(words)] if len(" ".join(words)) >= NOTE_MIN_CHARACTERS else []
    else:
        windows = [tuple(words[i : i + NOTE_WINDOW_WORDS]) for i in _window_starts(words)]
    mail_words = set(_WORD.findall(reading.text))
    for window in dict.fromkeys(windows):
        if set(window) <= mail_words:
            pattern = r"(?<![^\W_])" + r"[\W_]+".join(map(re.escape, window)) + r"(?![^\W_])"
            for match in re.finditer(pattern, reading.text):
                yield match.span()


def _window_starts(words: list[str]) -> range:
    return range(len(words) - NOTE_WINDOW_WORDS + 1)


def _other_addresses(reading: Reading, protected: Protected) -> Iterator[tuple[int, int]]:
    owner = normalise(protected.owner)
    own_domains = {normalise(domain) for domain in protected.own_domains}
    for match in _EMAIL.finditer(reading.text):
        address = match.group()
        if address != owner and address.rsplit("@", 1)[1] not in own_domains:
            yield match.span()


# --- what is known of the reported member -------------------------------------------------


def protected_for_ticket(
    ticket: Ticket,
    *,
    own_domains: Iterable[str],
    known_users: Iterable[User] = (),
    other_spellings: Iterable[str | None] = (),
) -> Protected:
    """What mail about a ticket must not reveal: how this report names the reported member,
    its context link, `other_spellings` (names and links from the other reports about them,
    same reported_key), and, for each of `known_users` (their accounts here), its email,
    display name and the name's distinctive parts, marketplace id and account id."""
    identifiers = [ticket.reported_member, ticket.reported_key, ticket.reported_profile_url]
    identifiers += [ticket.context_url, *other_spellings]
    member_ids = []
    reporter_name = ticket.reporter.display_name
    for user in known_users:
        identifiers += [user.email, user.display_name, _local_part(user.email)]
        identifiers += [
            user.marketplace_id,
            *distinctive_parts(user.display_name, besides=reporter_name),
        ]
        member_ids.append(user.id)
    notes = tuple(m.body for m in ticket.messages if m.kind is MessageKind.NOTE)
    return Protected(
        owner=ticket.reporter.email,
        identifiers=_longest_first(identifiers),
        member_ids=tuple(member_ids),
        notes=notes,
        own_domains=frozenset(d for d in own_domains if d),
    )


def _longest_first(identifiers: list[str | None]) -> tuple[str, ...]:
    """Each identifier once (one spelling per key: "QuickPay_Dev" stands for "quickpay_dev"),
    the longest first: the first one found is the fullest form (a whole profile link rather
    than the username in it)."""
    by_key: dict[str, str] = {}
    for identifier in identifiers:
        if identifier and letters(identifier):
            by_key.setdefault(letters(identifier), identifier)
    return tuple(sorted(by_key.values(), key=lambda identifier: -len(letters(identifier))))


def _local_part(email: str) -> str | None:
    """An address's part before the @, when it names its owner rather than a role: at least
    MIN_LOCAL_PART letters and digits ("zoe.mueller", not "info")."""
    local = email.rsplit("@", 1)[0]
    key = letters(local)
    return local if len(key) >= MIN_LOCAL_PART and key not in common_words() else None


def protected_for_account(user: User, *, own_domains: Iterable[str]) -> Protected:
    """Account mail goes to the account's owner only."""
    return Protected(
        owner=user.email,
        owner_role="the account's owner",
        own_domains=frozenset(d for d in own_domains if d),
    )
