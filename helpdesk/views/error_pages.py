"""Error responses: a page for people, JSON for API clients."""

import errno
import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError

from ..database import db
from ..extensions import login_manager
from ..reports import RollupsStale

log = logging.getLogger(__name__)

# Seconds a client should wait before trying again when the database cannot answer.
RETRY_AFTER_SECONDS = 5

EXPLANATIONS = {
    400: "The request could not be understood.",
    403: "This page is for the Trust & Safety team only.",
    404: "There is nothing here. Check the address, or go back to your tickets.",
    405: "That action is not possible on this page.",
    413: "The upload is too large. Attach fewer or smaller files and try again.",
    429: "Too many attempts. Wait a few minutes, then try again.",
    500: "Something went wrong on our side. Your last action was not saved; try again.",
    503: "The help desk cannot reach its database for a moment. Try again in a few seconds; "
    "sending the same form again will not file a second report.",
    507: "There is no room to store your files right now, so nothing was saved. Try again "
    "later, or send the report without the files.",
}


def _wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def problem(code: int, title: str, detail: str, headers=None, **extra):
    """An API error as RFC 9457 problem details."""
    body = {"type": "about:blank", "title": title, "status": code, "detail": detail, **extra}
    response = jsonify(body)
    response.status_code = code
    response.headers.extend(headers or {})
    response.mimetype = "application/problem+json"
    return response


def error_response(code: int, title: str, detail: str, headers=None, **extra):
    """A problem for the API, JSON for a client that asks for it, a page for people."""
    if request.path.startswith("/api/"):
        return problem(code, title, detail, headers, **extra)
    if _wants_json():
        return {"title": title, "status": code, "detail": detail}, code, headers or {}
    page = render_template("errors/error.html", code=code, title=title, detail=detail)
    return page, code, headers or {}


def database_unavailable(error: Exception) -> bool:
    """A database error that is about reaching the database, not about the request: a lost or
    refused connection, a terminated backend, a lock held too long, an exhausted pool."""
    if isinstance(error, PoolTimeout):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    driver = type(error.orig).__module__.split(".")[0]
    if driver == "psycopg":
        # Its OperationalError: connection failures, administrator shutdowns, lock and statement
        # timeouts, serialization failures; each passes. (Its other errors are the request's.)
        return isinstance(error, OperationalError)
    if driver == "sqlite3":
        # SQLite calls a syntax error operational too; only a lock held too long passes.
        return "locked" in str(error.orig)
    return False


def _unavailable(error: Exception):
    """503 with Retry-After, drawn as for a visitor: the page's frame and headers would
    otherwise read the logged-in user, and the database is what could not be read."""
    db.session.rollback()
    login_manager._update_request_context_with_user()  # Flask-Login's own way to a visitor
    log.warning("database unavailable for %s %s: %s", request.method, request.path, error)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    return error_response(503, "Service Unavailable", EXPLANATIONS[503], headers)


def _end_session(exception: BaseException | None) -> None:
    """End the request's session, as Flask-SQLAlchemy would next, but let a connection lost
    after the answer was made pass: its rollback has nothing to undo, and raising here would
    turn a finished answer (a report saved, a page drawn) into a bare 500."""
    try:
        db.session.remove()
    except DBAPIError as error:
        if not database_unavailable(error):
            raise
        log.warning("database connection lost as the session ended: %s", error)
        db.session.remove()


def register_error_pages(app: Flask) -> None:
    # Runs before Flask-SQLAlchemy's own teardown (teardowns run last registered first).
    app.teardown_appcontext(_end_session)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        detail = "The form expired or came from another site. Reload the page and try again."
        return error_response(400, "Form expired", detail)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        return error_response(
            code, error.name, EXPLANATIONS.get(code, error.description or ""), headers
        )

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeout)
    def database_error(error: Exception):
        if not database_unavailable(error):
            raise error  # a fault in the request or the code: the 500 page, logged
        return _unavailable(error)

    @app.errorhandler(OSError)
    def storage_full(error: OSError):
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise error
        log.error("no room to store files for %s %s: %s", request.method, request.path, error)
        return error_response(507, "Insufficient Storage", EXPLANATIONS[507])

    @app.errorhandler(RollupsStale)
    def rollups_stale(error: RollupsStale):
        log.error("reports refused: %s", error)
        return error_response(503, "Reports need recounting", str(error))

    @app.errorhandler(500)  # unhandled exceptions land here; Flask has logged them already
    def internal_error(error: InternalServerError):
        # The database went away outside the view (while the answer's headers were being
        # made, say), where the handler above does not reach: still 503, not 500.
        if database_unavailable(error.original_exception):
            return _unavailable(error.original_exception)
        return error_response(500, "Internal Server Error", EXPLANATIONS[500])
