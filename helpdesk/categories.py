"""Report categories: the defaults a marketplace needs, and the ones a member may choose."""

from dataclasses import dataclass

from sqlalchemy import select

from .database import db
from .models import Category, Priority

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
