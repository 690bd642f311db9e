"""Control characters never come in: a NUL or another C0 control in any query string, path
part, form field or JSON field is refused before a view runs.

PostgreSQL cannot store a NUL in text at all, and no person types one: it is a broken client or
a probe. Form text keeps tab and line breaks (text areas allow them); anything on one line (the
address, a query, a path) keeps none. Uploaded files are not text and are not looked at here.
"""

import json
import re
from collections.abc import Iterator

from flask import request

from .error_pages import error_response

IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # C0 but tab, line feed, carriage return
IN_LINE = re.compile(r"[\x00-\x1f]")


def refuse_control_characters():
    """A before-request hook: a 400 page (a 422 problem on the API) naming the field."""
    field = _first_offending_field()
    if field is None:
        return None
    detail = (
        f"The field “{field}” contains a control character (such as a NUL byte) that cannot "
        "be typed on a keyboard. Remove it and try again."
    )
    if request.path.startswith("/api/") and field in (request.view_args or {}):
        # What a path names does not exist: the API answers as it does for any unknown name.
        return error_response(404, "Not found", detail)
    if request.path.startswith("/api/"):
        errors = [{"field": field, "detail": "Remove the control character."}]
        return error_response(422, "Invalid input", detail, errors=errors)
    return error_response(400, "Control character refused", detail)


def _first_offending_field() -> str | None:
    for name, value, pattern in _inputs():
        if pattern.search(name) or pattern.search(value):
            return IN_LINE.sub("?", name)[:60] or "(unnamed)"
    return None


def _inputs() -> Iterator[tuple[str, str, re.Pattern]]:
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str):
            yield name, value, IN_LINE
    for name, value in request.args.items(multi=True):
        yield name, value, IN_LINE
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for name, value in request.form.items(multi=True):
            yield name, value, IN_TEXT
    elif request.mimetype == "application/json" and request.path.startswith("/api/"):
        yield from _json_strings(request.get_data(as_text=True))


def _json_strings(body: str) -> Iterator[tuple[str, str, re.Pattern]]:
    """Every key and string value of a JSON body, named by its path; a body that is not JSON
    is left to the API's own refusal."""
    try:
        document = json.loads(body)
    except ValueError:
        return
    stack: list[tuple[str, object]] = [("body", document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            yield path, value, IN_TEXT
        elif isinstance(value, dict):
            for key, item in value.items():
                yield path, key, IN_LINE
                stack.append((key if path == "body" else f"{path}.{key}", item))
        elif isinstance(value, list):
            stack.extend((f"{path}.{index}", item) for index, item in enumerate(value))
