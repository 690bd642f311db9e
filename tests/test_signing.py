"""Known answers for what is signed: a fixed secret and reference give a fixed reply address,
so a change to the signature's input, key, salt or length fails here, not in production."""

import pytest

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
