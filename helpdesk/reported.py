"""The reported member, as a report names them: a username or a profile URL, and the key that
makes every way of naming the same member one (agents see a member's other reports by it)."""

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import selectinload

from .database import db
from .errors import InvalidInput
from .mail.spelling import letters
from .models import Role, Ticket, User

URL_LENGTH = 500
USERNAME_PATTERN = re.compile(r"^@?[\w.\-]{2,64}$")


def _class_body(code_points) -> str:
    """A regex character class's body naming these code points, as ranges of \\uXXXX escapes
    (a spelling Python, ECMAScript and the JSON Schema validators all read)."""
    ranges: list[list[int]] = []
    for point in code_points:
        if ranges and ranges[-1][1] == point - 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    return "".join(
        f"\\u{low:04X}" if low == high else f"\\u{low:04X}-\\u{high:04X}" for low, high in ranges
    )


_BMP = [chr(point) for point in range(0x10000)]
# What no web address holds: spaces, control and format characters, private use (in the Basic
# Multilingual Plane, which every regex dialect can name). Lone surrogates never get this far:
# UTF-8 cannot carry them, and the API refuses them in JSON.
INVISIBLE = _class_body(
    ord(ch) for ch in _BMP if ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Co")
)
# Look-alikes that URL parsing normalises (NFKC) into a delimiter, such as a full-width "／":
# refused before the path, where they would make the host ambiguous.
_LOOKALIKES = _class_body(
    ord(ch)
    for ch in _BMP[0x80:]
    if any(delimiter in unicodedata.normalize("NFKC", ch) for delimiter in "/?#@:[]")
)
# A web address as reports accept it: http or https, a host, then anything visible.
SCHEME = "[Hh][Tt][Tt][Pp][Ss]?://"
URL_PATTERN = SCHEME + (
    f"(?:[^{INVISIBLE}{_LOOKALIKES}/?#@\\[\\]]*@)?"  # user information
    f"[^{INVISIBLE}{_LOOKALIKES}/?#@:\\[\\]]+"  # the host
    "(?::[0-9]*)?"  # the port
    f"(?:[/?#][^{INVISIBLE}]*)?"  # path, query and fragment
)
# Path segments that come before a member's name in marketplace profile URLs.
PROFILE_PATH_PREFIXES = frozenset(
    {"freelancers", "freelancer", "clients", "client", "members", "member", "users", "u", "profile"}
)


@dataclass(frozen=True)
class ReportedParty:
    member: str | None = None
    profile_url: str | None = None
    key: str | None = None  # the same for every way of naming the same member

    @property
    def letters(self) -> str | None:
        """The name as the privacy guard reads it, which the inbox search matches."""
        return search_key(self.key) if self.key else None


def reported_key(name: str) -> str:
    """Case- and width-insensitive key for a marketplace username."""
    return unicodedata.normalize("NFKC", name.strip().lstrip("@~")).casefold()


def search_key(name: str) -> str | None:
    """What the inbox search matches a reported member by: their name as the privacy guard
    reads it (its letters and digits, case, accents, look-alikes and separators folded), so
    "J.Smith", "jsmith" and "JSMITH" are one. None when nothing of a name is left."""
    return letters(name)[:100] or None


def check_url(url: str) -> str | None:
    """Why a URL is unacceptable, or None when it is fine (URL_PATTERN, which the API's
    document declares too)."""
    if len(url) > URL_LENGTH:
        return f"Use at most {URL_LENGTH} characters."
    if re.fullmatch(URL_PATTERN, url):
        return None
    if re.match(SCHEME, url) and re.search(f"[{INVISIBLE}]", url):
        return "A web address cannot contain spaces."
    return "Enter a full web address starting with https://."


def profile_username(url: str) -> str | None:
    """The member name in a profile URL (/freelancers/~jane_doe/portfolio, /@jane_doe), if any.

    A link to something else (a job posting, a contract) names no member: it gives no key.
    """
    segments = [segment for segment in urlsplit(url).path.split("/") if segment]
    for before, segment in zip([""] + segments, segments, strict=False):
        if before.lower() in PROFILE_PATH_PREFIXES or (segment.startswith("@") and not before):
            return segment
    return None


def parse_reported_party(text: str) -> ReportedParty:
    """A username or a profile URL, as the member typed it, plus the key linking the two."""
    text = text.strip()
    if not text:
        return ReportedParty()
    if text.lower().startswith(("http://", "https://")):
        if problem := check_url(text):
            raise InvalidInput({"reported": [problem]})
        username = profile_username(text)
        return ReportedParty(profile_url=text, key=reported_key(username) if username else None)
    if not USERNAME_PATTERN.match(text):
        raise InvalidInput(
            {"reported": ["Enter the member's username (letters, digits, . _ -) or profile URL."]}
        )
    return ReportedParty(member=text.lstrip("@"), key=reported_key(text))


def other_reports(ticket: Ticket, limit: int = 20) -> list[Ticket]:
    """Other tickets about the same reported member, newest first: patterns for agents."""
    if not ticket.reported_key:
        return []
    query = (
        select(Ticket)
        .where(Ticket.reported_key == ticket.reported_key, Ticket.id != ticket.id)
        .options(selectinload(Ticket.category), selectinload(Ticket.reporter))
        .order_by(Ticket.created_at.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def accounts_named(key: str) -> list[User]:
    """The member's accounts here: members whose marketplace id is what reports about them name
    (the username, or the id in a profile link such as /freelancers/~01f3c). Looked up when
    needed rather than when a report came in, so that an account linked later counts too."""
    names = [prefix + key for prefix in ("", "~", "@")]
    return list(db.session.scalars(_members_named(), {"names": names}))


@cache
def _members_named() -> Select:
    """Built once: every acknowledgment asks, and building it cost as much as running it."""
    named = func.lower(User.marketplace_id).in_(bindparam("names", expanding=True))
    return select(User).where(named, User.role == Role.MEMBER).order_by(User.id)
