"""Known answers for what is signed: a fixed secret and reference give a fixed reply address,
so a change to the signature's input, key, salt or length fails here, not in production."""

import pytest
from itsdangerous import TimestampSigner

from helpdesk import signing

SECRET = "test-secret-key"
DOMAIN = "x.example"
# Computed once from the code as designed (80 bits of an HMAC-SHA256 over the reference, keyed
# through itsdangerous' derived key with the reply-address salt, in lower-case base32).
KNOWN = {
    "HD-7K3QX9MB": "support+hd-7k3qx9mb.3jwzhlaanfrzkb2h@x.example",
    "HD-7K3QX9MC": "support+hd-7k3qx9mc.fvsvhdggom4n54wf@x.example",
}


def _address(reference: str, secret: str = SECRET) -> str:
    return signing.reply_address("support@x.example", DOMAIN, reference, secret)


def _reference(address: str, secret: str = SECRET) -> str | None:
    return signing.reference_from_reply_address(address, DOMAIN, secret)


@pytest.mark.parametrize(("reference", "address"), KNOWN.items())
@pytest.mark.p7
def test_a_fixed_secret_and_reference_give_a_fixed_reply_address(reference, address):
    assert _address(reference) == address
    assert _reference(address) == reference


@pytest.mark.p7
def test_the_signature_is_as_long_as_designed():
    token = _address("HD-7K3QX9MB").split("+", 1)[1].split("@")[0]
    assert len(token.rsplit(".", 1)[1]) == signing.REPLY_SIGNATURE_LENGTH == 16


@pytest.mark.p7
def test_another_secret_gives_another_signature():
    assert _address("HD-7K3QX9MB", "another-secret") != KNOWN["HD-7K3QX9MB"]
    assert _reference(KNOWN["HD-7K3QX9MB"], "another-secret") is None


@pytest.mark.p7
def test_a_signature_made_for_one_ticket_never_opens_another():
    signature_of_a = KNOWN["HD-7K3QX9MB"].split(".")[1].split("@")[0]
    borrowed = f"support+hd-7k3qx9mc.{signature_of_a}@{DOMAIN}"
    assert _reference(borrowed) is None


@pytest.mark.parametrize(
    "damage",
    [
        lambda sig: sig[:-1],  # one character short
        lambda sig: sig[: len(sig) // 2],  # half of it
        lambda sig: sig + "a",  # one too many
        lambda sig: ("b" if sig[0] != "b" else "c") + sig[1:],  # one character altered
        lambda sig: "",
    ],
    ids=["shortened by one", "halved", "lengthened", "altered", "missing"],
)
@pytest.mark.p7
def test_a_damaged_signature_is_refused(damage):
    reference_part, signature = KNOWN["HD-7K3QX9MB"].split("@")[0].split("+")[1].split(".")
    address = f"support+{reference_part}.{damage(signature)}@{DOMAIN}"
    assert _reference(address) is None


@pytest.mark.p7
def test_a_reply_address_on_another_domain_is_refused():
    assert _reference(KNOWN["HD-7K3QX9MB"].replace(DOMAIN, "evil.example")) is None


def test_the_webhook_signature_is_hmac_sha256_of_timestamp_dot_body():
    # The known answer, computed with the standard library's hmac module from the spec.
    expected = "sha256=074ff1fd0dbe6c5b182e3439774e0d5ebebcba4b54926ad2c0a907fdb913e963"
    assert signing.sign_webhook("s3cret", 1764800000, b"raw mail") == expected


# --- references -------------------------------------------------------------------------------


def test_a_new_reference_is_hd_and_eight_crockford_characters_never_the_same():
    references = {signing.new_reference() for _ in range(200)}
    assert len(references) == 200
    for reference in references:
        assert reference.startswith("HD-") and len(reference) == 11
        assert set(reference[3:]) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    assert set("".join(r[3:] for r in references)) > set("0123456789")  # letters too


@pytest.mark.parametrize(
    ("typed", "reference"),
    [
        ("HD-7K3QX9MB", "HD-7K3QX9MB"),
        (" hd-7k3qx9mb \n", "HD-7K3QX9MB"),
        ("Hd-7k3Qx9mB", "HD-7K3QX9MB"),
        ("hD-OIL3QX9M", "HD-0113QX9M"),  # O, I and L are misread digits
        ("HD-oil3qx9m", "HD-0113QX9M"),
        ("HD-7K3QX9U0", None),  # no U in the alphabet
        ("HD-7K3QX9M", None),
        ("HD-7K3QX9MBB", None),
        ("XD-7K3QX9MB", None),
        ("HD 7K3QX9MB", None),
        ("", None),
        (None, None),
    ],
)
def test_a_typed_reference_is_read_as_crockford_decodes_it(typed, reference):
    assert signing.parse_reference(typed) == reference


def test_submission_keys_and_message_ids_are_fresh_and_shaped():
    keys = {signing.new_submission_key() for _ in range(50)}
    assert len(keys) == 50 and all(len(key) == 32 for key in keys)
    message_id = signing.new_message_id("helpdesk.example")
    local = message_id.removeprefix("<hd.").removesuffix("@helpdesk.example>")
    assert len(local) == 32 and int(local, 16) >= 0
    assert signing.new_message_id("helpdesk.example") != message_id


# --- reply tokens -----------------------------------------------------------------------------


@pytest.mark.p7
def test_a_reply_token_is_read_back_whatever_its_case_and_spacing():
    token = signing.reply_token("HD-7K3QX9MB", SECRET)
    assert token == KNOWN["HD-7K3QX9MB"].split("+")[1].split("@")[0]
    assert signing.reply_token("hd-7k3qx9mb", SECRET) == token
    assert signing.reference_from_reply_token(f"  {token.upper()}\n", SECRET) == "HD-7K3QX9MB"


@pytest.mark.p7
def test_a_token_that_is_not_for_a_reference_is_refused_before_its_signature_is_checked():
    signature = signing.reply_token("HD-7K3QX9MB", SECRET).split(".")[1]
    assert signing.reference_from_reply_token(f"xx-7k3qx9mb.{signature}", SECRET) is None
    assert signing.reference_from_reply_token(signature, SECRET) is None


@pytest.mark.p7
def test_a_reply_address_keeps_the_support_mailbox_and_reads_any_case_of_domain():
    address = signing.reply_address("help.desk@old.example", DOMAIN, "HD-7K3QX9MB", SECRET)
    assert address == "help.desk+" + KNOWN["HD-7K3QX9MB"].split("+", 1)[1]
    shouted = f"  {address.replace(DOMAIN, 'X.EXAMPLE')} "
    assert signing.reference_from_reply_address(shouted, DOMAIN.upper(), SECRET) == "HD-7K3QX9MB"
    assert _reference(address.replace("+", "-")) is None  # no plus: no token
    two_plus = address.replace("help.desk+", "help+desk+")
    assert _reference(two_plus) is None  # the token is what follows the first plus


# --- account tokens -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "read"),
    [
        (signing.password_reset_token, signing.read_password_reset_token),
        (signing.invite_token, signing.read_invite_token),
    ],
    ids=["reset", "invite"],
)
def test_an_account_token_names_its_account_and_password_until_it_expires(make, read, monkeypatch):
    token = make(42, "fingerprint", SECRET)
    assert read(token, SECRET, 60) == (42, "fingerprint")
    assert read(token, "another-secret", 60) is None
    assert read(token[:-2], SECRET, 60) is None
    assert read("not a token", SECRET, 60) is None
    real_time = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real_time(self) + 61)
    assert read(token, SECRET, 60) is None
    assert read(token, SECRET, 120) == (42, "fingerprint")


def test_a_reset_token_is_no_invitation_and_an_invitation_no_reset_token():
    reset = signing.password_reset_token(7, "f", SECRET)
    invite = signing.invite_token(7, "f", SECRET)
    assert reset != invite
    assert signing.read_invite_token(reset, SECRET, 60) is None
    assert signing.read_password_reset_token(invite, SECRET, 60) is None


@pytest.mark.parametrize("payload", [["7", "f"], [7, 8], [7], [7, "f", "x"], "7f", None])
def test_a_token_signed_by_us_with_another_shape_is_refused(payload):
    token = signing.URLSafeTimedSerializer(SECRET, salt="helpdesk.password-reset").dumps(payload)
    assert signing.read_password_reset_token(token, SECRET, 60) is None


# --- the webhook ----------------------------------------------------------------------------

NOW = 1_764_800_000
BODY = b"raw mail"


def _verify(timestamp=str(NOW), signature=None, body=BODY, now=NOW, max_age=300):
    if signature is None:
        signature = signing.sign_webhook("s3cret", timestamp, body)
    return signing.verify_webhook("s3cret", timestamp, signature, body, now, max_age)


def test_a_fresh_request_signed_with_the_secret_is_accepted():
    assert _verify() is None
    assert _verify(signature=" SHA256=" + _verify_signature().upper() + " ") is None
    assert _verify(now=NOW + 300) is None and _verify(now=NOW - 300) is None


def _verify_signature() -> str:
    return signing.sign_webhook("s3cret", str(NOW), BODY).removeprefix("sha256=")


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"timestamp": None}, "The request needs both the timestamp and the signature header."),
        ({"timestamp": ""}, "The request needs both the timestamp and the signature header."),
        ({"signature": ""}, "The request needs both the timestamp and the signature header."),
        ({"timestamp": "12.5"}, "The timestamp is not a whole number of seconds since 1970."),
        ({"timestamp": "-5"}, "The timestamp is not a whole number of seconds since 1970."),
        ({"timestamp": "1" * 16}, "The timestamp is not a whole number of seconds since 1970."),
        (
            {"signature": "sha1=" + "a" * 64},
            "The signature is not of the form sha256=<64 hexadecimal digits>.",
        ),
        (
            {"signature": "sha256=" + "a" * 63},
            "The signature is not of the form sha256=<64 hexadecimal digits>.",
        ),
        (
            {"signature": "sha256=" + "a" * 64},
            "The signature does not match the body and timestamp.",
        ),
        (
            {"signature": signing.sign_webhook("s3cret", NOW, b"other mail")},
            "The signature does not match the body and timestamp.",
        ),
        ({"now": NOW + 301}, "The timestamp is more than 300 seconds old."),
        ({"now": NOW - 301}, "The timestamp is more than 300 seconds in the future."),
    ],
)
def test_a_request_that_is_unsigned_forged_or_stale_is_refused_with_the_reason(kwargs, reason):
    assert _verify(**kwargs) == reason


def test_a_timestamp_of_fifteen_digits_is_still_a_timestamp():
    stamp = "1" * 15
    assert _verify(timestamp=stamp, now=int(stamp)) is None


@pytest.mark.p7
def test_anything_after_the_token_makes_the_address_another_one():
    address = _address("HD-7K3QX9MB")
    assert _reference(address.replace("@", "+extra@")) is None


@pytest.mark.p7
def test_a_quoted_local_part_with_an_at_sign_is_read_up_to_the_last_one():
    address = signing.reply_address('"help@desk"@old.example', DOMAIN, "HD-7K3QX9MB", SECRET)
    assert address.startswith('"help@desk"+hd-7k3qx9mb.') and address.endswith(f"@{DOMAIN}")
    assert _reference(address) == "HD-7K3QX9MB"


def test_a_token_is_read_back_for_whatever_it_was_made_for():
    token = signing.reply_token("HD-7K3QX9MB.v2", SECRET)
    assert signing.reference_from_reply_token(token, SECRET) == "HD-7K3QX9MB.V2"
