"""Report categories: the defaults a marketplace needs, the ones a member may choose, and the
admin's changes to them (fields, extra questions, order, deactivation).

Functions that change a category take the acting admin, record the audit event and flush; the
caller commits. Categories are never deleted: tickets, mail aliases, help articles and the audit
log refer to them, and deactivation already takes one off the report form and the API.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypedDict

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from . import audit
from .config import RETENTION_DAYS
from .database import db
from .errors import InvalidInput, NotAllowed
from .markdown import slugify
from .models import Category, Priority, Ticket, User
from .permissions import Permission, require
from .reported import check_url

SHARED_INTERACTION_NOTICE = (
    "This report concerns something that happened between you and the other member. "
    "We never tell them who reported them, but because only the two of you took part, "
    "they may be able to tell that the report came from this interaction."
)


@dataclass(frozen=True)
class DefaultCategory:
    slug: str
    name: str
    description: str
    is_interaction: bool = False
    default_priority: Priority = Priority.NORMAL
    first_response_hours: int = 24


DEFAULT_CATEGORIES = [
    DefaultCategory(
        "harassment",
        "Harassment or abusive language",
        "Threats, insults, hate speech, or unwanted sexual or personal messages from another "
        "member, in messages, a workroom, a proposal or feedback.",
        is_interaction=True,
        default_priority=Priority.HIGH,
        first_response_hours=8,
    ),
    DefaultCategory(
        "fraud",
        "Fraud or scam",
        "Someone tried to take money, work or account details from you by deceit: fake "
        "payments, phishing links, work taken without paying, or identity theft.",
        default_priority=Priority.HIGH,
        first_response_hours=8,
    ),
    DefaultCategory(
        "off-platform-payment",
        "Off-platform payment request",
        "A member asked to be paid, or to pay you, outside the marketplace: bank transfer, "
        "crypto, gift cards or another payment service.",
        is_interaction=True,
    ),
    DefaultCategory(
        "fake-identity",
        "Fake or misleading identity",
        "A profile that pretends to be someone else, uses stolen photos or work samples, or "
        "hides who is really behind the account.",
    ),
    DefaultCategory(
        "feedback-manipulation",
        "Feedback manipulation",
        "Feedback offered or demanded in exchange for money or favours, threats to leave bad "
        "feedback, or reviews written by the member themselves.",
        is_interaction=True,
    ),
    DefaultCategory(
        "intellectual-property",
        "Intellectual property",
        "Your copyrighted work, trademark or portfolio used in a profile, a proposal or a "
        "delivery without your permission.",
        first_response_hours=48,
    ),
    DefaultCategory(
        "job-posting",
        "Job posting",
        "A job posting that breaks the rules: unpaid test work, illegal or adult work, "
        "requests for personal data, or a posting that is really an advertisement.",
    ),
    DefaultCategory(
        "member-profile",
        "Member profile",
        "A profile with offensive content, contact details meant to move work off the "
        "marketplace, or claims that are false.",
    ),
    DefaultCategory(
        "other",
        "Something else",
        "Any other breach of the Code of Conduct. Tell us what happened and where.",
        first_response_hours=48,
    ),
]


def seed_default_categories() -> int:
    """Add the default categories that are missing; returns how many were added."""
    existing = set(db.session.scalars(select(Category.slug)))
    added = 0
    for order, default in enumerate(DEFAULT_CATEGORIES):
        if default.slug in existing:
            continue
        db.session.add(
            Category(
                slug=default.slug,
                name=default.name,
                description=default.description,
                is_interaction=default.is_interaction,
                interaction_notice=SHARED_INTERACTION_NOTICE if default.is_interaction else None,
                default_priority=default.default_priority,
                first_response_hours=default.first_response_hours,
                sort_order=order,
            )
        )
        added += 1
    db.session.flush()
    return added


def active_categories() -> list[Category]:
    query = select(Category).where(Category.active).order_by(Category.sort_order, Category.name)
    return list(db.session.scalars(query))


def active_category(category_id: int | None) -> Category | None:
    category = db.session.get(Category, category_id) if category_id else None
    return category if category is not None and category.active else None


def active_category_by_slug(slug: str | None) -> Category | None:
    if not slug:
        return None
    return db.session.scalar(select(Category).where(Category.slug == slug, Category.active))


def all_categories() -> list[Category]:
    """Every category, active or not, in the report form's order."""
    return list(db.session.scalars(select(Category).order_by(Category.sort_order, Category.name)))


def ticket_counts() -> dict[int, int]:
    """How many tickets each category has, by category id (none: absent)."""
    query = select(Ticket.category_id, func.count()).group_by(Ticket.category_id)
    return dict(db.session.execute(query).all())


# --- extra questions ----------------------------------------------------------------------------


class QuestionKind(StrEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    CHOICE = "choice"
    URL = "url"


QUESTION_KINDS = {
    QuestionKind.SHORT_TEXT: "Short text (one line)",
    QuestionKind.LONG_TEXT: "Long text (paragraphs)",
    QuestionKind.CHOICE: "Choice from a list",
    QuestionKind.URL: "Web address (URL)",
}
# The longest answer of each free-text kind. A URL answer has the limits of any URL we take,
# and a choice's answer is one of its options.
ANSWER_LENGTH = {QuestionKind.SHORT_TEXT: 200, QuestionKind.LONG_TEXT: 5_000}
MAX_QUESTIONS = 20
QUESTION_LABEL_LENGTH = 200
QUESTION_HELP_LENGTH = 500
QUESTION_KEY_LENGTH = 40
OPTION_LENGTH = 100
OPTIONS_PER_CHOICE = (2, 30)
SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class Question(TypedDict):
    """One extra question, as Category.questions stores it."""

    key: str  # never changes: answers, and API clients, name the question by it
    label: str
    kind: str  # a QuestionKind value
    required: bool
    help: str
    options: list[str]  # a choice's options; empty for the other kinds


@dataclass(frozen=True)
class QuestionInput:
    label: str
    kind: str
    required: bool = False
    help: str = ""
    options: Sequence[str] = ()
    key: str = ""  # the key of a question that exists already; a new one gets one


def check_questions(questions: Sequence[QuestionInput]) -> list[Question]:
    """The questions as a category stores them, or InvalidInput naming every problem.

    Errors are keyed "questions.<index>.<field>", where index is the position in `questions`.
    """
    errors: dict[str, list[str]] = {}
    if len(questions) > MAX_QUESTIONS:
        errors["questions"] = [f"A category can ask at most {MAX_QUESTIONS} questions."]
    for index, question in enumerate(questions):
        for field, problem in _question_problems(question).items():
            errors[f"questions.{index}.{field}"] = [problem]
    if errors:
        raise InvalidInput(errors)
    return [
        Question(
            key=key,
            label=question.label.strip(),
            kind=question.kind,
            required=question.required,
            help=question.help.strip(),
            options=_options(question.options) if question.kind == QuestionKind.CHOICE else [],
        )
        for question, key in zip(questions, _question_keys(questions), strict=True)
    ]


def _options(options: Sequence[str]) -> list[str]:
    """One option per non-empty line, spaces tidied."""
    return [tidy for option in options if (tidy := " ".join(option.split()))]


def _question_problems(question: QuestionInput) -> dict[str, str]:
    problems: dict[str, str] = {}
    label, options = question.label.strip(), _options(question.options)
    if not label:
        problems["label"] = "Write the question."
    elif len(label) > QUESTION_LABEL_LENGTH:
        problems["label"] = f"Keep the question under {QUESTION_LABEL_LENGTH} characters."
    if len(question.help.strip()) > QUESTION_HELP_LENGTH:
        problems["help"] = f"Keep the help text under {QUESTION_HELP_LENGTH} characters."
    if question.kind not in QUESTION_KINDS:
        problems["kind"] = "Choose the kind of answer: short text, long text, choice or URL."
    elif question.kind == QuestionKind.CHOICE:
        fewest, most = OPTIONS_PER_CHOICE
        if len(options) < fewest:
            problems["options"] = f"A choice needs at least {fewest} options, one per line."
        elif len(options) > most:
            problems["options"] = f"A choice can have at most {most} options."
        elif any(len(option) > OPTION_LENGTH for option in options):
            problems["options"] = f"Keep each option under {OPTION_LENGTH} characters."
        elif len(set(options)) < len(options):
            problems["options"] = "Each option must be different."
    elif options:
        problems["options"] = "Only a choice has options: make it a choice, or clear them."
    return problems


def _question_keys(questions: Sequence[QuestionInput]) -> list[str]:
    """Each question's key: an existing question keeps its own; a new one gets one made from
    its label, different from every other."""
    kept = [
        question.key if _is_slug(question.key, QUESTION_KEY_LENGTH) else ""
        for question in questions
    ]
    kept = [key if key not in kept[:index] else "" for index, key in enumerate(kept)]
    taken = set(kept)
    keys = []
    for question, key in zip(questions, kept, strict=True):
        if not key:
            base = slugify(question.label, QUESTION_KEY_LENGTH - 3) or "question"
            key, number = base, 1
            while key in taken:
                number += 1
                key = f"{base}-{number}"
            taken.add(key)
        keys.append(key)
    return keys


def _is_slug(text: str, max_length: int) -> bool:
    return len(text) <= max_length and SLUG_PATTERN.fullmatch(text) is not None


# --- the admin's changes ------------------------------------------------------------------------

NAME_LENGTH = 100
SLUG_LENGTH = 64
DESCRIPTION_LENGTH = 1_000
NOTICE_LENGTH = 1_000
FIRST_RESPONSE_HOURS = (1, 720)  # up to 30 days


@dataclass(frozen=True)
class CategoryInput:
    name: str
    description: str
    slug: str = ""  # made from the name when empty
    is_interaction: bool = False
    interaction_notice: str = ""
    default_priority: str = Priority.NORMAL.value
    first_response_hours: int | None = 24
    questions: Sequence[QuestionInput] = ()
    retention_days: int | None = None  # None: the desk-wide HELPDESK_RETENTION_DAYS


def save_category(actor: User, data: CategoryInput, category: Category | None = None) -> Category:
    """Create a category (active, last in the order) or change one. InvalidInput names every
    problem and changes nothing. Tickets keep the answers they recorded, whatever changes here.
    """
    require(actor, Permission.ADMINISTER)
    values = _checked_values(data, category)
    creating = category is None
    if category is None:
        category = Category(sort_order=_next_sort_order())
    before = {name: getattr(category, name) for name in values}
    for name, value in values.items():
        setattr(category, name, value)
    try:
        # The unique slug decides, not a check before it. A refused savepoint forgets a new
        # category and expires an edited one, so the session stays usable.
        with db.session.begin_nested():
            db.session.add(category)
            db.session.flush()
    except IntegrityError:
        raise InvalidInput(
            {"slug": [f"Another category already uses “{values['slug']}”."]}
        ) from None
    target = f"category:{category.id}"
    if creating:
        audit.record(actor, "category.created", target=target, slug=category.slug)
    elif changes := {
        name: [before[name], value] for name, value in values.items() if before[name] != value
    }:
        audit.record(actor, "category.updated", target=target, **changes)
    return category


def _checked_values(data: CategoryInput, category: Category | None) -> dict[str, Any]:
    """The column values the input gives, or InvalidInput naming every problem."""
    errors: dict[str, list[str]] = {}
    name = " ".join(data.name.split())
    slug = data.slug.strip() or (category.slug if category else slugify(name, SLUG_LENGTH))
    description = data.description.strip()
    notice = data.interaction_notice.strip()
    if not name:
        errors["name"] = ["Give the category a name."]
    elif len(name) > NAME_LENGTH:
        errors["name"] = [f"Keep the name under {NAME_LENGTH} characters."]
    if (name or data.slug.strip()) and not _is_slug(slug, SLUG_LENGTH):
        errors["slug"] = [
            f"Use up to {SLUG_LENGTH} lower-case letters, digits and single hyphens, "
            "like “off-platform-payment”."
        ]
    if not description:
        errors["description"] = ["Tell members what this category is for."]
    elif len(description) > DESCRIPTION_LENGTH:
        errors["description"] = [f"Keep the description under {DESCRIPTION_LENGTH:,} characters."]
    if data.is_interaction and not notice:
        errors["interaction_notice"] = [
            "An interaction category must warn the reporter before they submit: write the notice."
        ]
    elif len(notice) > NOTICE_LENGTH:
        errors["interaction_notice"] = [f"Keep the notice under {NOTICE_LENGTH:,} characters."]
    if data.default_priority not in {priority.value for priority in Priority}:
        errors["default_priority"] = ["Choose a priority: low, normal, high or urgent."]
    fewest, most = FIRST_RESPONSE_HOURS
    hours = data.first_response_hours
    if hours is None or not fewest <= hours <= most:
        errors["first_response_hours"] = [f"Enter a whole number of hours from {fewest} to {most}."]
    fewest_days, most_days = RETENTION_DAYS
    if data.retention_days is not None and not fewest_days <= data.retention_days <= most_days:
        errors["retention_days"] = [
            f"Enter a whole number of days from {fewest_days:,} to {most_days:,}, or leave it "
            "empty for the desk-wide period."
        ]
    try:
        questions = check_questions(data.questions)
    except InvalidInput as invalid:
        errors.update(invalid.errors)
    if errors:
        raise InvalidInput(errors)
    return {
        "name": name,
        "slug": slug,
        "description": description,
        "is_interaction": data.is_interaction,
        # The notice exists exactly when the category is an interaction (P5), as when seeded.
        "interaction_notice": notice if data.is_interaction else None,
        "default_priority": Priority(data.default_priority),
        "first_response_hours": hours,
        "questions": questions,
        "retention_days": data.retention_days,
    }


def _next_sort_order() -> int:
    return (db.session.scalar(select(func.max(Category.sort_order))) or 0) + 1


def move_category(actor: User, category: Category, step: int) -> None:
    """Move a category `step` places in the report form's order (-1: up, 1: down)."""
    require(actor, Permission.ADMINISTER)
    ordered = all_categories()
    old = ordered.index(category)
    new = min(max(old + step, 0), len(ordered) - 1)
    if new == old:
        return
    ordered.insert(new, ordered.pop(old))
    for position, each in enumerate(ordered):  # renumbered, so that no two ever tie
        each.sort_order = position
    audit.record(
        actor, "category.moved", target=f"category:{category.id}", position=[old + 1, new + 1]
    )
    db.session.flush()


def set_active(actor: User, category: Category, active: bool) -> None:
    """Deactivate a category: it leaves the report form and the API, its tickets stay, and the
    inbox can still filter by it. Or reactivate it. The last active category stays active."""
    require(actor, Permission.ADMINISTER)
    if category.active == active:
        return
    if not active and active_categories() == [category]:
        raise NotAllowed(
            f"“{category.name}” is the last active category: members could not report "
            "anything. Add or reactivate another one first."
        )
    category.active = active
    action = "category.reactivated" if active else "category.deactivated"
    audit.record(actor, action, target=f"category:{category.id}")
    db.session.flush()


# --- a report's answers to its category's questions --------------------------------------------


def checked_answers(category, answers, errors) -> list[dict[str, str]]:
    """The answers to the category's questions as the ticket records them, with each question's
    label and kind as asked today; each problem goes into `errors` as "answers.<key>"."""
    if answers is None or category is None or not category.active:
        return []
    asked = {question["key"] for question in category.questions}
    for key in sorted(answers.keys() - asked):
        errors[f"answers.{key}"] = ["This category asks no such question."]
    recorded = []
    for question in category.questions:
        answer = answers.get(question["key"], "").strip()
        if problem := _answer_problem(question, answer):
            errors[f"answers.{question['key']}"] = [problem]
        elif answer:
            recorded.append(
                {
                    "key": question["key"],
                    "label": question["label"],
                    "kind": question["kind"],
                    "answer": answer,
                }
            )
    return recorded


def _answer_problem(question: Question, answer: str) -> str | None:
    if not answer:
        return "Answer this question." if question["required"] else None
    if question["kind"] == QuestionKind.URL:
        return check_url(answer)
    if question["kind"] == QuestionKind.CHOICE:
        return None if answer in question["options"] else "Choose one of the options."
    limit = ANSWER_LENGTH[question["kind"]]
    return f"Use at most {limit:,} characters." if len(answer) > limit else None
