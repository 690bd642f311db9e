"""The support address's aliases, each filing new mail under a category (abuse@ to harassment)."""

from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from . import accounts, audit
from .database import db
from .errors import InvalidInput
from .mail.addresses import aliases_for, is_our_address, reference_from_reply_address
from .models import Category, MailAlias, User
from .permissions import Permission, require


def all_aliases() -> list[MailAlias]:
    query = select(MailAlias).options(selectinload(MailAlias.category))
    return list(db.session.scalars(query.order_by(MailAlias.address)))


def add_alias(actor: User, address: str, category: Category | None) -> MailAlias:
    """A new alias, or InvalidInput naming each problem; flushes."""
    require(actor, Permission.ADMINISTER)
    address = _checked_address(address)
    if category is None:
        raise InvalidInput({"category": ["Choose the category its mail is filed under."]})
    alias = MailAlias(address=address, category=category)
    try:
        with db.session.begin_nested():
            db.session.add(alias)
    except IntegrityError:
        raise InvalidInput({"address": [f"{address} is an alias already."]}) from None
    audit.record(
        actor,
        "mail_alias.created",
        target=f"mail_alias:{alias.id}",
        address=address,
        category=category.slug,
    )
    return alias


def change_category(actor: User, alias: MailAlias, category: Category | None) -> None:
    require(actor, Permission.ADMINISTER)
    if category is None:
        raise InvalidInput({"category": ["Choose the category its mail is filed under."]})
    old = alias.category.slug
    alias.category = category
    audit.record(
        actor,
        "mail_alias.updated",
        target=f"mail_alias:{alias.id}",
        address=alias.address,
        old=old,
        new=category.slug,
    )
    db.session.flush()


def remove_alias(actor: User, alias: MailAlias) -> None:
    require(actor, Permission.ADMINISTER)
    audit.record(
        actor,
        "mail_alias.deleted",
        target=f"mail_alias:{alias.id}",
        address=alias.address,
        category=alias.category.slug,
    )
    db.session.delete(alias)
    db.session.flush()


def _checked_address(address: str) -> str:
    try:
        address = accounts.normalise_email(address)
    except InvalidInput as invalid:
        raise InvalidInput({"address": invalid.errors["email"]}) from None
    if "+" in address.split("@", 1)[0]:
        raise InvalidInput(
            {"address": ["Use a plain address: a + is kept for ticket reply addresses."]}
        )
    return address


@dataclass(frozen=True)
class RouteTest:
    address: str
    accepted: bool  # whether intake takes mail for it at all
    category: Category | None
    explanation: str


def test_address(address: str) -> RouteTest:
    """What intake would do with a new mail to `address`, for the alias tester."""
    address = address.strip().lower()
    if "@" not in address:
        raise InvalidInput({"address": ["Enter a full address, such as abuse@example.com."]})
    if not is_our_address(address):
        return RouteTest(address, False, None, "Not one of our addresses: the listener refuses it.")
    reference = reference_from_reply_address(address)
    category, why = category_for([address])
    if reference:
        return RouteTest(
            address,
            True,
            None,
            f"The reply address of {reference}: its reporter's mail joins that ticket; anyone "
            f"else's starts a new report ({why}).",
        )
    return RouteTest(address, True, category, why[0].upper() + why[1:] + ".")


def category_for(addresses: Sequence[str]) -> tuple[Category | None, str]:
    """The category an alias among the recipients chooses, else the default one; and why.
    None only when no category is active."""
    known = aliases_for(addresses)
    for address in addresses:
        alias = known.get(address.strip().lower())
        if alias is not None and alias.category.active:
            return alias.category, f"category {alias.category.slug} from {alias.address}"
    return default_category(), "default category"


def default_category() -> Category | None:
    """HELPDESK_INTAKE_DEFAULT_CATEGORY when it is active, else the first active category."""
    slug = current_app.config["HELPDESK_INTAKE_DEFAULT_CATEGORY"]
    category = db.session.scalar(select(Category).where(Category.slug == slug, Category.active))
    category = category or db.session.scalar(
        select(Category).where(Category.active).order_by(Category.sort_order, Category.id)
    )
    return category
