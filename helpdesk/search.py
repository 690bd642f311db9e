"""Full-text search over tickets, behind one function, on SQLite (FTS5) and PostgreSQL.

The search objects (FTS5 tables and triggers, GIN indexes) are made by migration 0002;
they are not in the models' metadata, so schema comparisons leave them out by name.
"""

import re

from sqlalchemy import ColumnElement, column, false, func, or_, select, text

from .database import db
from .models import Message, Ticket
from .signing import REFERENCE_PREFIX

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 8


def is_search_object(name: str | None) -> bool:
    """True for a database object that the search migration made (see migrations 0002)."""
    return bool(name) and (name.startswith("fts_") or "_fts" in name)


def search_terms(query: str) -> list[str]:
    """The words of a query, lower-cased; punctuation and operators are dropped, never parsed."""
    return [word.lower() for word in _WORD.findall(query)][:MAX_TERMS]


def matching_tickets(query: str) -> ColumnElement[bool]:
    """A condition on Ticket: the query is its reference, or every word of the query (as a
    word prefix) appears in its subject, or every word in one of its messages."""
    terms = search_terms(query)
    reference = query.strip().upper()
    by_reference = Ticket.reference == reference if reference.startswith(REFERENCE_PREFIX) else None
    if not terms:
        return by_reference if by_reference is not None else false()
    if db.session.get_bind().dialect.name == "postgresql":
        text_match = _postgres_match(terms)
    else:
        text_match = _sqlite_match(terms)
    return or_(by_reference, text_match) if by_reference is not None else text_match


def _postgres_match(terms: list[str]) -> ColumnElement[bool]:
    tsquery = func.to_tsquery("simple", " & ".join(f"{term}:*" for term in terms))
    # The expressions match the GIN indexes exactly, so PostgreSQL can use them.
    subject_hit = func.to_tsvector("simple", Ticket.subject).op("@@")(tsquery)
    body_hit = select(Message.ticket_id).where(
        func.to_tsvector("simple", Message.body).op("@@")(tsquery)
    )
    return or_(subject_hit, Ticket.id.in_(body_hit))


def _sqlite_match(terms: list[str]) -> ColumnElement[bool]:
    # Each term quoted (so FTS5 never reads it as syntax) and marked as a prefix.
    fts_query = " ".join(f'"{term}"*' for term in terms)
    subject_ids = _fts_rowids("tickets_fts", fts_query)
    body_hit = select(Message.ticket_id).where(
        Message.id.in_(_fts_rowids("messages_fts", fts_query))
    )
    return or_(Ticket.id.in_(subject_ids), Ticket.id.in_(body_hit))


def _fts_rowids(table: str, fts_query: str):
    statement = text(f"SELECT rowid FROM {table} WHERE {table} MATCH :{table}_query")
    return statement.bindparams(**{f"{table}_query": fts_query}).columns(column("rowid"))
