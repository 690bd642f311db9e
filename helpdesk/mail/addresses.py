"""Our own addresses, defined once: the domains we send from and take mail for, the aliases, and
each ticket's signed reply address, and the links mail carries to our site. Intake, the alias
tester and the outbox all ask here."""

from collections.abc import Iterable
from email.utils import parseaddr
from functools import cache
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import Select, bindparam, select

from .. import signing
from ..database import db
from ..models import MailAlias


def own_domains() -> set[str]:
    """The support address's domain, the default sender's and the reply domain, lower-cased."""
    config = current_app.config
    sender = parseaddr(config["MAIL_DEFAULT_SENDER"])[1]
    addresses = (config["HELPDESK_SUPPORT_ADDRESS"], sender)
    domains = {address.rpartition("@")[2] for address in addresses} | {
        config["HELPDESK_REPLY_DOMAIN"]
    }
    return {domain.lower() for domain in domains if domain}


def message_id_domain() -> str:
    """The domain of the Message-IDs we make: the support address's."""
    return current_app.config["HELPDESK_SUPPORT_ADDRESS"].rpartition("@")[2]


def aliases_for(addresses: Iterable[str]) -> dict[str, MailAlias]:
    """The aliases among `addresses`, by their lower-cased address, in one query."""
    wanted = {address.strip().lower() for address in addresses}
    if not wanted:
        return {}
    found = db.session.scalars(_aliases_among(), {"addresses": sorted(wanted)})
    return {alias.address: alias for alias in found}


@cache
def _aliases_among() -> Select:
    """Built once: intake asks for every mail, and building it cost about as much as running it."""
    return select(MailAlias).where(MailAlias.address.in_(bindparam("addresses", expanding=True)))


def alias_for(address: str) -> MailAlias | None:
    return aliases_for([address]).get(address.strip().lower())


def is_our_address(address: str) -> bool:
    """True for an address we take mail for: any address on our domains, and the aliases."""
    address = address.strip().lower()
    return address.rpartition("@")[2] in own_domains() or alias_for(address) is not None


def reply_address(reference: str) -> str:
    """The ticket's own reply address, signed so that no one can make one for another ticket."""
    config = current_app.config
    return signing.reply_address(
        config["HELPDESK_SUPPORT_ADDRESS"],
        config["HELPDESK_REPLY_DOMAIN"],
        reference,
        config["SECRET_KEY"],
    )


def reference_from_reply_address(address: str) -> str | None:
    """The reference of the ticket whose reply address this is, or None for any other address."""
    config = current_app.config
    return signing.reference_from_reply_address(
        address, config["HELPDESK_REPLY_DOMAIN"], config["SECRET_KEY"]
    )


def external_url(endpoint: str, **values) -> str:
    """An absolute link for mail, always on HELPDESK_BASE_URL, never on a request's Host."""
    base = urlsplit(current_app.config["HELPDESK_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)
