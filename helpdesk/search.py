"""Search over tickets, behind one function, on SQLite (FTS5) and PostgreSQL: references,
names (the reported member, the reporter) by their indexes, and words by full-text search.

The search objects (FTS5 tables and triggers, GIN indexes) are made by migration 0002;
they are not in the models' metadata, so schema comparisons leave them out by name.
"""

import re

from sqlalchemy import ColumnElement, column, false, func, literal_column, select, table, union

from .database import db
from .models import Message, Ticket, User
from .reported import search_key
from .signing import REFERENCE_PREFIX, parse_reference

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 8
REPORTER_MATCHES = 100  # people whose name starts with the query: enough to find anyone
NAME_PREFIX_MIN = 3  # "al" is nobody's name in particular


def is_search_object(name: str | None) -> bool:
    """True for a database object that the search migration made (see migrations 0002)."""
    return bool(name) and (name.startswith("fts_") or "_fts" in name)


def search_terms(query: str) -> list[str]:
    """The words of a query, lower-cased; punctuation and operators are dropped, never parsed."""
    return [word.lower() for word in _WORD.findall(query)][:MAX_TERMS]


def matching_tickets(query: str) -> ColumnElement[bool]:
    """A condition on Ticket. A reference finds that ticket. Other text finds the tickets
    - whose reported member it names, in any spelling the privacy guard reads as the same name
      ("J.Smith", "jsmith", "JSMITH": reported.search_key), by the indexed reported_letters;
    - whose reporter it names: their email address, or the start of their display name, in
      any such spelling ("priya" finds Priya Shah), by the users' indexes then reporter_id;
    - where every word of it (as a word prefix) appears in the subject, or in one message;
    - and, for eight characters of a reference without its "HD-", that ticket."""
    if reference := parse_reference(query):
        return Ticket.reference == reference
    matches = []
    if reference := parse_reference(REFERENCE_PREFIX + query.strip()):
        matches.append(select(Ticket.id).where(Ticket.reference == reference))
    if key := search_key(query):
        matches.append(select(Ticket.id).where(Ticket.reported_letters == key))
        matches.append(select(Ticket.id).where(Ticket.reporter_id.in_(_reporters(query, key))))
    if terms := search_terms(query):
        if db.session.get_bind().dialect.name == "postgresql":
            matches += _postgres_matches(terms)
        else:
            matches += _sqlite_matches(terms)
    if not matches:
        return false()
    return Ticket.id.in_(union(*matches) if len(matches) > 1 else matches[0])


def _reporters(query: str, key: str):
    """The users the query names: its email address, or the start of their name's key (a
    range scan of ix_users_name_key; the whole key when shorter than NAME_PREFIX_MIN), at
    most REPORTER_MATCHES of them."""
    by_email = User.email == query.strip().lower()
    if len(key) < NAME_PREFIX_MIN:
        by_name = User.name_key == key
    elif db.session.get_bind().dialect.name == "postgresql":
        by_name = User.name_key.like(f"{key}%")  # the index's text_pattern_ops answer it
    else:
        by_name = User.name_key.op("GLOB")(f"{key}*")  # GLOB, not LIKE, uses the index
    by_email_ids = select(User.id).where(by_email)
    by_name_ids = select(User.id).where(by_name).limit(REPORTER_MATCHES)
    return union(by_email_ids, by_name_ids.subquery().select())


def _postgres_matches(terms: list[str]) -> list:
    tsquery = func.to_tsquery("simple", " & ".join(f"{term}:*" for term in terms))
    # The expressions match the GIN indexes exactly, so PostgreSQL can use them.
    by_subject = select(Ticket.id).where(
        func.to_tsvector("simple", Ticket.subject).op("@@")(tsquery)
    )
    by_body = select(Message.ticket_id).where(
        func.to_tsvector("simple", Message.body).op("@@")(tsquery)
    )
    return [by_subject, by_body]


def _sqlite_matches(terms: list[str]) -> list:
    # Each term quoted (so FTS5 never reads it as syntax) and marked as a prefix.
    fts_query = " ".join(f'"{term}"*' for term in terms)
    by_body = select(Message.ticket_id).where(
        Message.id.in_(_fts_rowids("messages_fts", fts_query))
    )
    return [_fts_rowids("tickets_fts", fts_query), by_body]


def _fts_rowids(table_name: str, fts_query: str):
    fts = table(table_name, column("rowid"))
    return select(fts.c.rowid).where(literal_column(table_name).op("MATCH")(fts_query))


def matching_articles(query: str, *, any_term: bool = False) -> ColumnElement[bool]:
    """A condition on Article: every word of the query (as a word prefix) appears in its title
    or body; with any_term, at least one does (for suggestions from a report's subject).
    The index is migration 0006's: FTS5 `articles_fts` on SQLite, `fts_articles` on PostgreSQL."""
    from .models import Article

    terms = search_terms(query) if not any_term else query_terms(query)
    if not terms:
        return false()
    if db.session.get_bind().dialect.name == "postgresql":
        joiner = " | " if any_term else " & "
        tsquery = func.to_tsquery("simple", joiner.join(f"{term}:*" for term in terms))
        return func.to_tsvector("simple", article_document(Article)).op("@@")(tsquery)
    joiner = " OR " if any_term else " "
    fts_query = joiner.join(f'"{term}"*' for term in terms)
    return Article.id.in_(_fts_rowids("articles_fts", fts_query))


def article_document(article_class):
    """title || ' ' || body: the very expression of PostgreSQL's fts_articles index."""
    return article_class.title.op("||")(literal_column("' '")).op("||")(article_class.body)


# Words too common to say what a question is about; left out of suggestion queries.
_STOP_WORDS = (
    "a about after again all am an and any are as at be been but by can could did do does for "
    "from had has have he her him his how i if in into is it its me my no not of on or our out "
    "she so some than that the their them then there they this to too up us was we were what "
    "when where which who why will with would you your"
)
STOP_WORDS = frozenset(_STOP_WORDS.split())


def query_terms(text: str) -> list[str]:
    """The telling words of a free text (a report's subject): no stop words, no single letters."""
    words = [w for w in search_terms_unlimited(text) if len(w) > 1 and w not in STOP_WORDS]
    return list(dict.fromkeys(words))[:MAX_TERMS]


def search_terms_unlimited(text: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(text)]
