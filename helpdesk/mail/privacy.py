"""The privacy guard (P4): the second wall every outbound mail passes before it is queued.

The first wall is the templates' context, which never holds reported-party data. This guard
checks what the templates actually produced. check_outbound() is a pure function: it gets the
draft and what must not leak (a Protected), and answers with a refusal reason or None.

Matching is done on normalised text (normalise()): format characters such as zero-width spaces
dropped, Unicode NFKC (full-width and styled letters become plain ones, composed and decomposed
accents agree), case folded, every run of whitespace folded to one space. An identifier matches
as a whole token: "jane_doe" is found in "(Jane_Doe)" but not in "jane_doe2".
"""

import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from ..models import MessageKind, Ticket, User

# A note leaks when this many consecutive words of it appear in a mail; a shorter note leaks
# when all of it appears, if it is long enough to say something (not "ok" or "checked").
NOTE_WINDOW_WORDS = 6
NOTE_MIN_CHARACTERS = 12

_WORD = re.compile(r"\w+")
_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
_TAG = re.compile(r"<[^>]*>")
_SCHEME = re.compile(r"^https?://", re.IGNORECASE)


@dataclass(frozen=True)
class Draft:
    """A rendered mail, as the guard sees it."""

    recipient: str
    subject: str
    text: str
    html: str | None = None


@dataclass(frozen=True)
class Protected:
    """Who a mail may go to, and what it must not contain."""

    owner: str  # the one allowed recipient: the ticket's reporter, or the account's owner
    owner_role: str = "the ticket's reporter"
    identifiers: tuple[str, ...] = ()  # names, addresses and links of the reported party
    member_ids: tuple[int, ...] = ()  # the reported party's account id, when they have one here
    notes: tuple[str, ...] = ()  # the text of the ticket's internal notes
    own_domains: frozenset[str] = frozenset()  # our addresses may appear in a mail


def normalise(text: str) -> str:
    """Text as the guard compares it: NFKC, case-folded, whitespace folded, no format chars."""
    visible = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", visible).casefold())
    return " ".join(folded.split())


def check_outbound(draft: Draft, protected: Protected) -> str | None:
    """Why this mail must not go out, or None when it may (P4)."""
    if normalise(draft.recipient) != normalise(protected.owner):
        return f"It is addressed to {draft.recipient}, who is not {protected.owner_role}."
    content = _content(draft)
    for identifier in protected.identifiers:
        if any(_mentions(content, normalise(form)) for form in _forms(identifier)):
            return f"It mentions the reported member ({identifier})."
    for member_id in protected.member_ids:
        if _mentions_member_id(content, member_id):
            return f"It mentions the reported member's account number ({member_id})."
    if any(_quotes_note(content, note) for note in protected.notes):
        return "It contains text from an internal note."
    if address := _other_address(content, protected):
        return f"It contains another person's email address ({address})."
    return None


def _content(draft: Draft) -> str:
    """Subject and bodies as one normalised text; the HTML part without tags or entities."""
    parts = [draft.subject, draft.text]
    if draft.html:
        parts.append(html.unescape(_TAG.sub(" ", draft.html)))
    return normalise("\n".join(parts))


def _mentions(content: str, needle: str) -> bool:
    if not needle:
        return False
    return re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", content) is not None


def _mentions_member_id(content: str, member_id: int) -> bool:
    """An account number as one is written: #42, /42, id 42, member: 42; not "42 hours"."""
    pattern = rf"(?:[#/]|\b(?:id|user|member|account)\W{{0,3}}){member_id}(?!\w)"
    return re.search(pattern, content) is not None


def _words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def _quotes_note(content: str, note: str) -> bool:
    note_words = _words(note)
    mail_words = _WORD.findall(content)
    if len(note_words) <= NOTE_WINDOW_WORDS:
        whole = " ".join(note_words)
        return len(whole) >= NOTE_MIN_CHARACTERS and f" {whole} " in f" {' '.join(mail_words)} "
    mail_windows = set(_windows(mail_words))
    return any(window in mail_windows for window in _windows(note_words))


def _windows(words: list[str]) -> Iterable[tuple[str, ...]]:
    for start in range(len(words) - NOTE_WINDOW_WORDS + 1):
        yield tuple(words[start : start + NOTE_WINDOW_WORDS])


def _other_address(content: str, protected: Protected) -> str | None:
    owner = normalise(protected.owner)
    for address in _EMAIL.findall(content):
        domain = address.rsplit("@", 1)[1]
        if address != owner and domain not in protected.own_domains:
            return address
    return None


def protected_for_ticket(
    ticket: Ticket, *, own_domains: Iterable[str], known_user: User | None = None
) -> Protected:
    """What mail about a ticket must not reveal. `known_user` is the reported party's own
    account here, when the ticket is linked to one: then their email, name and id count too."""
    identifiers = [
        ticket.reported_member,
        ticket.reported_key,
        ticket.reported_profile_url,
        ticket.context_url,
    ]
    member_ids: tuple[int, ...] = ()
    if known_user is not None:
        identifiers += [known_user.email, known_user.display_name]
        member_ids = (known_user.id,)
    notes = tuple(m.body for m in ticket.messages if m.kind is MessageKind.NOTE)
    return Protected(
        owner=ticket.reporter.email,
        identifiers=tuple(dict.fromkeys(i for i in identifiers if i and i.strip())),
        member_ids=member_ids,
        notes=notes,
        own_domains=_domains(own_domains),
    )


def protected_for_account(user: User, *, own_domains: Iterable[str]) -> Protected:
    """Account mail goes to the account's owner only."""
    return Protected(
        owner=user.email, owner_role="the account's owner", own_domains=_domains(own_domains)
    )


def _forms(identifier: str) -> list[str]:
    """An identifier as given; a link also without its scheme or a trailing slash, as people
    retype it."""
    bare = _SCHEME.sub("", identifier.strip()).rstrip("/")
    return [identifier, bare] if bare != identifier else [identifier]


def _domains(domains: Iterable[str]) -> frozenset[str]:
    return frozenset(normalise(domain) for domain in domains if domain)
