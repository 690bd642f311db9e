"""The domain's rules as JSON Schema, so that the document declares what the server enforces.

Each pattern is built from the rule it describes (the length bounds in helpdesk.tickets and
helpdesk.accounts, the username and web address patterns in helpdesk.reported, the active
categories and their questions) and says what the domain does to text first: it strips the
spaces around it, and the API refuses control characters (helpdesk.views.control_characters).
The models enforce storage sizes; the domain enforces these rules, naming the field it refuses.
"""

from typing import Any

from pydantic import Field

from ...categories import ANSWER_LENGTH, QuestionKind
from ...models import Category
from ...reported import URL_LENGTH, URL_PATTERN, USERNAME_PATTERN

# Refused anywhere (C0 controls but tab, line feed and carriage return), and on one line.
_REFUSED_IN_TEXT = "\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F"
_REFUSED_IN_LINE = "\\u0000-\\u001F"
# What str.strip() removes, less the control characters refused anyway.
_SPACES_IN_LINE = "\\u0020\\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000"
_SPACES_IN_TEXT = "\\t\\n\\r" + _SPACES_IN_LINE


def text_pattern(min_chars: int = 0, *, one_line: bool = False) -> str:
    """Text with at least `min_chars` characters between its surrounding spaces (the domain
    strips them, then counts), and no control character the API refuses."""
    refused, spaces = (
        (_REFUSED_IN_LINE, _SPACES_IN_LINE) if one_line else (_REFUSED_IN_TEXT, _SPACES_IN_TEXT)
    )
    space, visible, anything = f"[{spaces}]", f"[^{refused}{spaces}]", f"[^{refused}]"
    if min_chars == 0:
        return f"^{anything}*$"
    if min_chars == 1:
        return f"^{space}*{visible}{anything}*$"
    return f"^{space}*{visible}{anything}{{{min_chars - 2},}}{visible}{space}*$"


def text(bounds: tuple[int, int], *, one_line: bool = False, **field) -> Any:
    """A text field: at most `high` characters as sent (checked by the model), at least `low`
    between the spaces around it (declared here, checked by the domain)."""
    low, high = bounds
    return declared(text_pattern(low, one_line=one_line), high, **field)


def declared(pattern: str, max_length: int, **field) -> Any:
    """A text field whose pattern the document declares and the domain checks."""
    return Field(max_length=max_length, json_schema_extra={"pattern": pattern}, **field)


def _stripped(inner: str, *, optional: bool = True) -> str:
    """`inner` (or nothing, when optional) with spaces around it."""
    spaces = f"[{_SPACES_IN_TEXT}]*"
    return f"^{spaces}(?:{inner}){'?' if optional else ''}{spaces}$"


USERNAME = USERNAME_PATTERN.pattern.removeprefix("^").removesuffix("$")
REPORTED_PATTERN = _stripped(f"{USERNAME}|{URL_PATTERN}")
CONTEXT_URL_PATTERN = _stripped(URL_PATTERN)


def report_rules(schema: dict, categories: list[Category]) -> None:
    """A report's category is an active one, and its answers are that category's: one
    alternative per category (GET /categories describes the same questions)."""
    category_enum(schema["properties"]["category"], categories)
    schema["oneOf"] = [
        {
            "properties": {
                "category": {"const": category.slug},
                "answers": _answers_schema(category),
            }
        }
        for category in categories
    ]


def _answers_schema(category: Category) -> dict:
    questions = category.questions
    return {
        "type": "object",
        "properties": {question["key"]: _answer_schema(question) for question in questions},
        "required": [question["key"] for question in questions if question["required"]],
        "additionalProperties": False,
    }


def _answer_schema(question) -> dict:
    """An answer as the domain checks it (categories.checked_answers); spaces alone answer
    nothing, which only an optional question allows. The domain counts a length without the
    spaces around the answer: it also takes a longest answer with spaces around it."""
    required = bool(question["required"])
    if question["kind"] == QuestionKind.CHOICE:
        return {"enum": question["options"]}
    if question["kind"] == QuestionKind.URL:
        pattern = _stripped(URL_PATTERN, optional=not required)
        return {"type": "string", "maxLength": URL_LENGTH, "pattern": pattern}
    limit = ANSWER_LENGTH[QuestionKind(question["kind"])]
    return {"type": "string", "maxLength": limit, "pattern": text_pattern(int(required))}


def category_enum(schema: dict, categories: list[Category]) -> None:
    """A category parameter or field names an active category."""
    schema["enum"] = [category.slug for category in categories]
