"""Error responses: a page for people, JSON for API clients."""

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

EXPLANATIONS = {
    400: "The request could not be understood.",
    403: "This page is for the Trust & Safety team only.",
    404: "There is nothing here. Check the address, or go back to your tickets.",
    405: "That action is not possible on this page.",
    413: "The upload is too large. Attach fewer or smaller files and try again.",
    429: "Too many attempts. Wait a few minutes, then try again.",
    500: "Something went wrong on our side. Your last action was not saved; try again.",
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
        return {"title": title, "status": code, "detail": detail}, code
    return render_template("errors/error.html", code=code, title=title, detail=detail), code


def register_error_pages(app: Flask) -> None:
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

    @app.errorhandler(500)  # unhandled exceptions land here; Flask has logged them already
    def internal_error(error: HTTPException):
        return error_response(500, "Internal Server Error", EXPLANATIONS[500])
