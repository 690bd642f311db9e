"""The public help center: sections, articles, search, "was this helpful" votes, and the
suggestions the report form asks for. Readable without an account; drafts are never shown."""

import logging
import secrets

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.exc import SQLAlchemyError

from .. import articles
from ..database import db
from ..markdown import render
from .transactions import transaction

log = logging.getLogger(__name__)

bp = Blueprint("help", __name__, url_prefix="/help")

VOTER_COOKIE = "hd_voter"
VOTER_COOKIE_DAYS = 730
# The browser session's key for counting suggestions that answered a question (deflection).
FROM_SUGGESTION = "suggestion"


def _voter_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="help-center-voter")


def _browser_voter_id() -> str | None:
    """The voter id in this browser's signed cookie; a forged or edited one counts as none."""
    raw = request.cookies.get(VOTER_COOKIE)
    if not raw:
        return None
    try:
        value = _voter_serializer().loads(raw)
    except BadSignature:
        return None
    return value if isinstance(value, str) and 16 <= len(value) <= 64 else None


@bp.get("/")
def index():
    return render_template("help/index.html", sections=articles.published_by_section(), query="")


@bp.get("/search")
def search():
    query = request.args.get("q", "").strip()[:200]
    hits = articles.search(query) if query else []
    return render_template("help/search.html", query=query, hits=hits)


@bp.get("/<section_slug>")
def section(section_slug: str):
    found = articles.section_by_slug(section_slug) or abort(404)
    in_section = articles.published_in_section(found)
    return render_template("help/section.html", section=found, articles=in_section)


@bp.get("/articles/<slug>")
def article(slug: str):
    found = articles.published_article(slug) or abort(404)
    if request.args.get("from") == FROM_SUGGESTION:
        _record_suggestion_open(found)
    key = articles.voter_key(current_user, _browser_voter_id())
    return render_template(
        "help/article.html",
        article=found,
        rendered=render(found.body),
        votes=articles.votes([found.id]).get(found.id, articles.Votes()),
        my_vote=articles.current_vote(found, key),
    )


def _record_suggestion_open(article) -> None:
    session_key = session.setdefault(articles.SESSION_KEY, secrets.token_urlsafe(24))
    try:
        articles.record_suggestion_open(article, session_key)
        db.session.commit()
    except SQLAlchemyError:  # a count, never worth failing the page for
        db.session.rollback()
        log.exception("could not record a suggestion opened for article %s", article.id)


@bp.post("/articles/<slug>/vote")
def vote(slug: str):
    """Yes or No, from a plain form (CSRF-protected); the same voter's next vote replaces it."""
    found = articles.published_article(slug) or abort(404)
    answer = request.form.get("helpful")
    if answer not in ("yes", "no"):
        abort(400)
    browser_id = _browser_voter_id()
    new_browser_id = None
    if not current_user.is_authenticated and browser_id is None:
        browser_id = new_browser_id = secrets.token_urlsafe(18)
    with transaction():
        articles.vote(found, articles.voter_key(current_user, browser_id), answer == "yes")
    flash("Thank you for your feedback.", "success")
    response = redirect(url_for(".article", slug=found.slug, _anchor="feedback"))
    if new_browser_id is not None:
        response.set_cookie(
            VOTER_COOKIE,
            _voter_serializer().dumps(new_browser_id),
            max_age=VOTER_COOKIE_DAYS * 86_400,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["HELPDESK_SECURE_COOKIES"],
        )
    return response


@bp.get("/suggestions")
def suggestions():
    """JSON for the report form: up to three published articles matching ?subject=…"""
    subject = request.args.get("subject", "")[:200]
    found = articles.suggest(subject)
    return jsonify(
        articles=[
            {
                "title": article.title,
                "summary": article.summary,
                "section": article.section.title,
                "url": url_for(".article", slug=article.slug, **{"from": FROM_SUGGESTION}),
            }
            for article in found
        ]
    )


@bp.app_template_global()
def help_deflection():
    """For the admin console: sessions that opened a suggested article, and those deflected."""
    return articles.deflection()
