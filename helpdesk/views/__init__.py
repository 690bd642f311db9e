"""Blueprints, one per audience, the template helpers and the headers every page carries."""

from datetime import UTC, datetime

from flask import Flask, Response, request, session

from ..attachments import INLINE_TYPES
from ..reporter_view import label_for
from .control_characters import refuse_control_characters


def register_blueprints(app: Flask) -> None:
    # Some modules add routes to the auth and agent blueprints: imported before registration.
    from . import (  # noqa: F401
        account_data,
        admin,
        agent,
        api,
        auth,
        help,
        investigation,
        member,
        merging,
        public,
        records,
        reports,
        webhook,
    )

    for module in (public, auth, member, agent, reports, admin, api, help, webhook):
        app.register_blueprint(module.bp)
    app.add_template_filter(label_for, "reporter_label")
    app.add_template_filter(filesize)
    app.add_template_filter(when)
    app.add_template_filter(age)
    app.add_template_global(INLINE_TYPES, "inline_types")
    app.before_request(refuse_control_characters)
    app.after_request(_security_headers)


def filesize(size: int) -> str:
    """1.5 MB, 320 KB, 12 bytes."""
    if size < 1024:
        return f"{size} bytes"
    kilobytes = size / 1024
    if kilobytes < 1024:
        return f"{kilobytes:.0f} KB"
    return f"{kilobytes / 1024:.1f} MB".replace(".0 MB", " MB")


def when(moment: datetime) -> str:
    """A timestamp as people read it: 25 Nov 2026, 14:05 UTC."""
    return moment.strftime("%-d %b %Y, %H:%M UTC")


def age(moment: datetime) -> str:
    """How long ago, roughly: 5 min, 3 h, 2 d."""
    seconds = max(0, (datetime.now(UTC) - moment).total_seconds())
    for unit, size in (("d", 86_400), ("h", 3_600)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit}"
    return f"{int(seconds // 60)} min"


def _security_headers(response: Response) -> Response:
    # The session names a logged-in user (read without loading it: after the commit that would
    # be a query, which on SQLite waits for the write lock).
    logged_in = "_user_id" in session
    if request.path.startswith("/api/") or (request.endpoint != "static" and logged_in):
        # A page behind a log-in, or an API answer, is never kept by a browser or a proxy.
        response.headers["Cache-Control"] = "no-store"
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; "
        "base-uri 'self'; form-action 'self'",
    )
    return response
