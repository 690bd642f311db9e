"""The help center: sections and articles, publishing, "was this helpful" votes, search,
suggestions on the report form, and the count of questions answered without a ticket.

Agents and admins write and publish; members only ever see published articles. Functions
that change something take the acting user (or the voter's key), flush, and never commit.
"""

import logging
import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from . import audit
from .database import db, utcnow
from .errors import InvalidInput, NotAllowed
from .markdown import plain_text, slugify
from .models import Article, ArticleState, ArticleVote, Category, HelpSection, SuggestionOpen, User
from .permissions import Permission, require
from .search import matching_articles, query_terms, search_terms

log = logging.getLogger(__name__)

TITLE_LENGTH = 200
SLUG_LENGTH = 120
SUMMARY_LENGTH = 300
BODY_LENGTH = 50_000
SUGGESTIONS = 3
SEARCH_RESULTS = 20
SNIPPET_LENGTH = 220


# --- writing and publishing -------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleInput:
    title: str
    body: str
    section_id: int | None
    slug: str = ""
    summary: str = ""
    report_category_id: int | None = None
    sort_order: int = 0


def save_article(actor: User, data: ArticleInput, article: Article | None = None) -> Article:
    """Create an article (as a draft) or change one; a published article stays published."""
    require(actor, Permission.WRITE_ARTICLES)
    errors: dict[str, list[str]] = {}
    title = data.title.strip()
    body = data.body.strip()
    # An empty address: made from the title for a new article; kept for one that has one.
    slug = slugify(data.slug.strip() or (article.slug if article else title), SLUG_LENGTH)
    summary = " ".join(data.summary.split())
    if not title:
        errors["title"] = ["Give the article a title."]
    elif len(title) > TITLE_LENGTH:
        errors["title"] = [f"Keep the title under {TITLE_LENGTH} characters."]
    if not body:
        errors["body"] = ["Write the article."]
    elif len(body) > BODY_LENGTH:
        errors["body"] = [f"Keep the article under {BODY_LENGTH:,} characters."]
    if title and not slug:
        errors["slug"] = ["Use letters or digits in the address."]
    if len(summary) > SUMMARY_LENGTH:
        errors["summary"] = [f"Keep the summary under {SUMMARY_LENGTH} characters."]
    section = db.session.get(HelpSection, data.section_id) if data.section_id else None
    if section is None:
        errors["section_id"] = ["Choose a section."]
    category = None
    if data.report_category_id:
        category = db.session.get(Category, data.report_category_id)
        if category is None or not category.active:
            errors["report_category_id"] = ["Choose an active category, or none."]
    if errors:
        raise InvalidInput(errors)

    creating = article is None
    if article is None:
        article = Article(author_id=actor.id, state=ArticleState.DRAFT)
    article.title = title
    article.slug = slug
    article.summary = summary
    article.body = body
    # Ids, not relationships: a refused new article must not stay reachable from its section.
    article.section_id = section.id
    article.report_category_id = category.id if category else None
    article.sort_order = data.sort_order
    try:
        # The unique slug decides, not a check before it. A refused savepoint forgets the new
        # article and expires an edited one, so the session stays usable.
        with db.session.begin_nested():
            db.session.add(article)
            db.session.flush()
    except IntegrityError:
        raise InvalidInput({"slug": [f"Another article already uses “{slug}”."]}) from None
    db.session.expire(article, ["section", "report_category", "author"])
    audit.record(
        actor, "article.created" if creating else "article.edited", target=f"article:{article.id}"
    )
    return article


def publish(actor: User, article: Article) -> None:
    require(actor, Permission.WRITE_ARTICLES)
    if article.is_published:
        return
    article.state = ArticleState.PUBLISHED
    article.published_at = utcnow()
    db.session.flush()
    audit.record(actor, "article.published", target=f"article:{article.id}")


def unpublish(actor: User, article: Article) -> None:
    """Back to draft: gone from the help center, search and suggestions at once."""
    require(actor, Permission.WRITE_ARTICLES)
    if not article.is_published:
        return
    article.state = ArticleState.DRAFT
    db.session.flush()
    audit.record(actor, "article.unpublished", target=f"article:{article.id}")


# --- reading ------------------------------------------------------------------------------------


def _published():
    return select(Article).where(Article.state == ArticleState.PUBLISHED)


def published_article(slug: str) -> Article | None:
    return db.session.scalar(_published().where(Article.slug == slug))


def sections() -> list[HelpSection]:
    return list(db.session.scalars(select(HelpSection).order_by(HelpSection.sort_order)))


def section_by_slug(slug: str) -> HelpSection | None:
    return db.session.scalar(select(HelpSection).where(HelpSection.slug == slug))


def published_by_section() -> list[tuple[HelpSection, list[Article]]]:
    """Every section with its published articles, in order (a section with none is left out)."""
    articles = db.session.scalars(_published().order_by(Article.sort_order, Article.title)).all()
    by_section: dict[int, list[Article]] = {}
    for article in articles:
        by_section.setdefault(article.section_id, []).append(article)
    return [(section, by_section[section.id]) for section in sections() if section.id in by_section]


def published_in_section(section: HelpSection) -> list[Article]:
    query = _published().where(Article.section_id == section.id)
    return list(db.session.scalars(query.order_by(Article.sort_order, Article.title)))


# --- "was this helpful?" ----------------------------------------------------------------------


def voter_key(user, browser_id: str | None) -> str | None:
    """Whose vote this is: a member by account, anyone else by their browser's voter id."""
    if getattr(user, "is_authenticated", False):
        return f"user:{user.id}"
    return f"browser:{browser_id}" if browser_id else None


def vote(article: Article, key: str, helpful: bool) -> None:
    """One vote per voter and article; a changed mind replaces the vote (an upsert, so two
    requests at once still leave one row)."""
    if not article.is_published:
        raise NotAllowed("This article is not published.")
    now = utcnow()
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(ArticleVote).values(
        article_id=article.id, voter_key=key, helpful=helpful, created_at=now, updated_at=now
    )
    statement = statement.on_conflict_do_update(
        index_elements=["article_id", "voter_key"],
        set_={"helpful": statement.excluded.helpful, "updated_at": statement.excluded.updated_at},
    )
    db.session.execute(statement)


def current_vote(article: Article, key: str | None) -> bool | None:
    if key is None:
        return None
    return db.session.scalar(
        select(ArticleVote.helpful).where(
            ArticleVote.article_id == article.id, ArticleVote.voter_key == key
        )
    )


@dataclass(frozen=True)
class Votes:
    helpful: int = 0
    total: int = 0

    @property
    def ratio(self) -> float | None:
        return self.helpful / self.total if self.total else None


def votes(article_ids: list[int]) -> dict[int, Votes]:
    if not article_ids:
        return {}
    rows = db.session.execute(
        select(
            ArticleVote.article_id,
            func.count(case((ArticleVote.helpful.is_(True), 1))),
            func.count(),
        )
        .where(ArticleVote.article_id.in_(article_ids))
        .group_by(ArticleVote.article_id)
    )
    return {article_id: Votes(helpful, total) for article_id, helpful, total in rows}


# --- search and suggestions -------------------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    article: Article
    title: Markup  # with <mark> around the matches
    snippet: Markup


def search(query: str, limit: int = SEARCH_RESULTS) -> list[SearchHit]:
    """Published articles holding every word of the query, best first, matches highlighted."""
    terms = search_terms(query)
    found = _ranked(matching_articles(query), terms, limit)
    return [
        SearchHit(article, highlight(article.title, terms), _snippet(article, terms))
        for article in found
    ]


def suggest(subject: str, limit: int = SUGGESTIONS) -> list[Article]:
    """Up to `limit` published articles about what a report's subject is about."""
    terms = query_terms(subject[:200])
    if not terms:
        return []
    return _ranked(matching_articles(" ".join(terms), any_term=True), terms, limit)


def _ranked(condition, terms: list[str], limit: int) -> list[Article]:
    """Most words found first, a word in the title counting double; at most 100 looked at."""
    candidates = db.session.scalars(
        _published().where(condition).options(selectinload(Article.section)).limit(100)
    ).all()
    patterns = [re.compile(rf"\b{re.escape(term)}", re.IGNORECASE) for term in terms]

    def score(article: Article) -> tuple[int, str]:
        points = 0
        for pattern in patterns:
            points += 2 * bool(pattern.search(article.title)) + bool(pattern.search(article.body))
        return (-points, article.title)

    return sorted(candidates, key=score)[:limit]


def highlight(text: str, terms: list[str]) -> Markup:
    """The text, escaped, with each word that starts with a search term inside <mark>."""
    if not terms:
        return escape(text)
    pattern = re.compile(
        r"\b(?:" + "|".join(re.escape(term) for term in terms) + r")\w*", re.IGNORECASE
    )
    parts: list[Markup] = []
    position = 0
    for match in pattern.finditer(text):
        parts.append(escape(text[position : match.start()]))
        parts.append(Markup("<mark>%s</mark>") % match.group(0))
        position = match.end()
    parts.append(escape(text[position:]))
    return Markup("").join(parts)


def _snippet(article: Article, terms: list[str]) -> Markup:
    text = plain_text(article.body)
    first = min(
        (m.start() for t in terms if (m := re.search(rf"\b{re.escape(t)}", text, re.I))),
        default=0,
    )
    start = max(0, first - SNIPPET_LENGTH // 3)
    if start:
        start = text.find(" ", start) + 1 or start
    piece = text[start : start + SNIPPET_LENGTH]
    if start + SNIPPET_LENGTH < len(text):
        piece = piece.rsplit(" ", 1)[0] + " …"
    return highlight(("… " if start else "") + piece, terms)


# --- deflection: questions the suggestions answered ---------------------------------------------


def record_suggestion_open(article: Article, session_key: str) -> None:
    """The article was opened from the report form's suggestions in this browser session."""
    if not article.is_published:
        return
    now = utcnow()
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(SuggestionOpen).values(
        session_key=session_key, article_id=article.id, opened_at=now, reported_at=None
    )
    statement = statement.on_conflict_do_update(
        index_elements=["session_key", "article_id"],
        set_={"opened_at": statement.excluded.opened_at, "reported_at": None},
    )
    db.session.execute(statement)


# Where a browser session keeps its help-center id, for counting deflections.
SESSION_KEY = "help_session"


def record_report(session_key: str | None) -> int:
    """A report was sent in this session: the suggestions opened before it did not deflect it."""
    if not session_key:
        return 0
    result = db.session.execute(
        update(SuggestionOpen)
        .where(SuggestionOpen.session_key == session_key, SuggestionOpen.reported_at.is_(None))
        .values(reported_at=utcnow())
    )
    return result.rowcount


@dataclass(frozen=True)
class Deflection:
    sessions: int  # sessions that opened at least one suggested article
    deflected: int  # of those, the ones with no report after


def deflection() -> Deflection:
    sessions = db.session.scalar(select(func.count(func.distinct(SuggestionOpen.session_key))))
    deflected = db.session.scalar(
        select(func.count(func.distinct(SuggestionOpen.session_key))).where(
            SuggestionOpen.reported_at.is_(None)
        )
    )
    return Deflection(sessions or 0, deflected or 0)


# --- the agents' list -------------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleRow:
    article: Article
    votes: Votes
    opened: int  # times opened from a suggestion
    deflected: int  # of those, with no report after


def overview() -> list[ArticleRow]:
    """Every article for the agents, least helpful first (rated ones, by share of "Yes"),
    then the articles nobody has rated yet."""
    articles = db.session.scalars(
        select(Article).options(selectinload(Article.section), selectinload(Article.author))
    ).all()
    counts = votes([article.id for article in articles])
    opens = {
        article_id: (opened, deflected)
        for article_id, opened, deflected in db.session.execute(
            select(
                SuggestionOpen.article_id,
                func.count(),
                func.count(case((SuggestionOpen.reported_at.is_(None), 1))),
            ).group_by(SuggestionOpen.article_id)
        )
    }
    rows = [
        ArticleRow(article, counts.get(article.id, Votes()), *opens.get(article.id, (0, 0)))
        for article in articles
    ]

    def order(row: ArticleRow):
        ratio = row.votes.ratio
        return (
            ratio is None,
            ratio if ratio is not None else 0,
            -row.votes.total,
            row.article.title,
        )

    return sorted(rows, key=order)
