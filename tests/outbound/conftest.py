"""Outbound mail tests: the app sends through a real SMTP server on loopback (aiosmtpd)."""

import pytest

from helpdesk.mail import name_words, outcomes, privacy, spelling

from .mailserver import MailServer, app_sending_to


@pytest.fixture
def smtp_server():
    with MailServer() as server:
        yield server


@pytest.fixture
def app(database_url, tmp_path, smtp_server):
    with app_sending_to(smtp_server, database_url, tmp_path) as app:
        yield app


@pytest.fixture(autouse=True, scope="module")
def _guard_tables_built_afresh():
    """The guard builds its tables once per process (the confusables table, the word lists,
    the compiled patterns of each language). Each test module has them built again, so that
    what a module's tests check includes building them."""
    for cached in (
        spelling._confusables,
        spelling._fold_table,
        outcomes._languages,
        name_words._data,
        name_words._common_names,
        name_words.common_words,
        privacy._id_words,
    ):
        cached.cache_clear()
