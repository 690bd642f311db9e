"""Mail settings from the environment, and the signed reply addresses mail carries."""

import pytest

from helpdesk import create_app, signing
from helpdesk.config import ConfigError, build_config

SECRET = "test-secret-key"


def test_mail_settings_are_read_with_flask_mails_names(tmp_path):
    environ = {
        "SECRET_KEY": "x",
        "MAIL_SERVER": "smtp.example.org",
        "MAIL_PORT": "587",
        "MAIL_USE_TLS": "yes",
        "MAIL_USERNAME": "helpdesk",
        "MAIL_PASSWORD": "s3cret",
        "HELPDESK_SUPPORT_ADDRESS": "trust@market.example",
        "HELPDESK_ACKS_PER_HOUR": "3",
    }
    config = build_config(tmp_path, environ, None)
    assert (config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_USE_TLS"]) == (
        "smtp.example.org",
        587,
        True,
    )
    assert config["MAIL_DEFAULT_SENDER"] == "trust@market.example"
    assert config["HELPDESK_REPLY_DOMAIN"] == "market.example"
    assert config["HELPDESK_ACKS_PER_HOUR"] == 3
    assert config["MAIL_SUPPRESS_SEND"] is False


def test_the_mail_extension_takes_the_apps_settings(tmp_path):
    app = create_app(
        {
            "SECRET_KEY": "x",
            "INSTANCE_PATH": str(tmp_path),
            "TESTING": True,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": 2525,
        }
    )
    state = app.extensions["mail"]
    assert (state.server, state.port, state.default_sender) == (
        "127.0.0.1",
        2525,
        "support@helpdesk.example",
    )
    assert state.suppress is False  # TESTING never turns sending into a silent no-op


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HELPDESK_SUPPORT_ADDRESS", "support@x.example\r\nBcc: all@x.example"),
        ("MAIL_DEFAULT_SENDER", "Helpdesk <support@x.example>\nBcc: all@x.example"),
        ("HELPDESK_SUPPORT_ADDRESS", "no-at-sign"),
        ("HELPDESK_BASE_URL", "helpdesk.example"),
        ("MAIL_PORT", "twenty-five"),
        ("MAIL_USE_TLS", "maybe"),
    ],
)
def test_unusable_mail_settings_stop_the_app(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        build_config(tmp_path, {"SECRET_KEY": "x", name: value}, None)


@pytest.mark.p7
def test_a_reply_address_names_its_ticket_and_survives_a_case_change():
    address = signing.reply_address("support@x.example", "x.example", "HD-7K3QX9MB", SECRET)
    assert address.startswith("support+hd-7k3qx9mb.") and address.endswith("@x.example")
    assert signing.reference_from_reply_address(address, "x.example", SECRET) == "HD-7K3QX9MB"
    shouted = address.upper()
    assert signing.reference_from_reply_address(shouted, "x.example", SECRET) == "HD-7K3QX9MB"


@pytest.mark.parametrize(
    "address",
    [
        "support+hd-7k3qx9mc.aaaaaaaaaaaaaaaa@x.example",  # another reference, made up
        "support@x.example",
        "support+hd-7k3qx9mb@x.example",
        "someone@elsewhere.example",
    ],
)
@pytest.mark.p7
def test_an_address_we_did_not_sign_names_no_ticket(address):
    assert signing.reference_from_reply_address(address, "x.example", SECRET) is None


@pytest.mark.p7
def test_a_reply_token_signed_with_another_secret_names_no_ticket():
    address = signing.reply_address("support@x.example", "x.example", "HD-7K3QX9MB", SECRET)
    assert signing.reference_from_reply_address(address, "x.example", "another") is None
