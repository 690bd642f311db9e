"""Outbound mail tests: the app sends through a real SMTP server on loopback (aiosmtpd)."""

import pytest

from .mailserver import MailServer, app_sending_to


@pytest.fixture
def smtp_server():
    with MailServer() as server:
        yield server


@pytest.fixture
def app(database_url, tmp_path, smtp_server):
    with app_sending_to(smtp_server, database_url, tmp_path) as app:
        yield app
