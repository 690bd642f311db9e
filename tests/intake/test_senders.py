"""Who sent a mail: the strict From reader and our own server's Authentication-Results."""

import pytest

from helpdesk.intake.mime import parse
from helpdesk.intake.senders import AmbiguousSender, read_authentication, read_from

REPORTER = "reporter@x.example"


@pytest.mark.parametrize(
    ("value", "name", "address"),
    [
        ("reporter@x.example", "", REPORTER),
        ("<reporter@x.example>", "", REPORTER),
        ("Dana Whitfield <reporter@x.example>", "Dana Whitfield", REPORTER),
        ('"Whitfield, Dana" <reporter@x.example>', "Whitfield, Dana", REPORTER),
        ('"reporter@x.example" <attacker@y.example>', "reporter@x.example", "attacker@y.example"),
        ("reporter@x.example (Dana Whitfield)", "Dana Whitfield", REPORTER),
        ("Dana (the reporter) <reporter@x.example>", "Dana", REPORTER),
        ("Dana<reporter@x.example>", "Dana", REPORTER),
        ("reporter@x.example.", "", REPORTER),  # a trailing dot on the domain
        ('"dana whitfield"@x.example', "", '"dana whitfield"@x.example'),  # a quoted local part
        ('"reporter"@x.example', "", REPORTER),  # quoted without need: the same mailbox
        ('Dana <"reporter"@X.Example.>', "Dana", REPORTER),
        ("=?utf-8?q?Zo=C3=AB?= <zoe@x.example>", "=?utf-8?q?Zo=C3=AB?=", "zoe@x.example"),
        ("Jürgen <jürgen@müller.example>", "Jürgen", "jürgen@müller.example"),
        ("Trust & Safety <support@helpdesk.example>", "Trust & Safety", "support@helpdesk.example"),
        ("Dr. Dana Whitfield <reporter@x.example>", "Dr Dana Whitfield", REPORTER),
    ],
)
def test_one_mailbox_is_read_right(value, name, address):
    sender = read_from([value])
    assert (sender.name, sender.address.lower()) == (name, address)


@pytest.mark.parametrize(
    "values",
    [
        ["reporter@x.example <attacker@y.example>"],  # an address as a display name
        ["reporter@x.example, attacker@y.example"],  # two mailboxes
        ["Reporter <reporter@x.example>", "Attacker <attacker@y.example>"],  # two From headers
        ["Name <reporter@x.example> <attacker@y.example>"],  # two angle addresses
        ["grp: reporter@x.example;"],  # a group
        ["undisclosed-recipients:;"],
        ["Name <reporter@x.example> attacker@y.example"],  # text after the address
        ["reporter@x.example@y.example"],
        ["<reporter@x.example"],
        ['"unclosed <reporter@x.example>'],
        ["(unclosed reporter@x.example"],
        ["Just A Name"],
        ["bob@localhost"],
        [""],
        [],
    ],
)
@pytest.mark.p7
def test_anything_but_one_mailbox_is_ambiguous(values):
    with pytest.raises(AmbiguousSender):
        read_from(values)


def _mail(from_lines: list[str], *headers: str) -> bytes:
    lines = [*(f"From: {value}" for value in from_lines), *headers, "Subject: x", "", "body"]
    return "\n".join(lines).encode()


@pytest.mark.p7
def test_the_parser_gives_no_sender_and_says_why_for_a_forgery():
    mail = parse(_mail(["reporter@x.example <attacker@y.example>"]), max_attachment_bytes=1000)
    assert mail.sender is None
    assert "display name" in mail.sender_problem


def test_a_bounce_from_a_daemon_without_a_usable_address_is_still_automated():
    mail = parse(_mail(["MAILER-DAEMON"]), max_attachment_bytes=1000)
    assert mail.sender is None
    assert mail.automated == "sender mailer-daemon@"


# Real shapes: Postfix with OpenDKIM and OpenDMARC, Gmail, and Exchange Online (no authserv-id).
POSTFIX = (
    "mx.helpdesk.example; dkim=pass (2048-bit key; unprotected) header.d=x.example "
    "header.i=@x.example header.a=rsa-sha256 header.s=mail header.b=AbCdEf12"
)
OPENDMARC = "mx.helpdesk.example; dmarc=pass (p=reject dis=none) header.from=x.example"
GMAIL = (
    "mx.google.com; dkim=pass header.i=@x.example header.s=20230601 header.b=Xy12; "
    "spf=pass (google.com: domain of reporter@x.example designates 192.0.2.1 as permitted "
    "sender) smtp.mailfrom=reporter@x.example; dmarc=pass (p=NONE sp=NONE dis=NONE) "
    "header.from=x.example"
)
MICROSOFT = (
    "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=x.example; dkim=pass (signature was "
    "verified) header.d=x.example;dmarc=pass action=none header.from=x.example;compauth=pass"
)


@pytest.mark.parametrize(
    ("headers", "authserv_id", "verified"),
    [
        ([POSTFIX], "mx.helpdesk.example", True),
        ([OPENDMARC, POSTFIX], "mx.helpdesk.example", True),
        ([GMAIL], "mx.google.com", True),
        ([GMAIL], "mx.helpdesk.example", False),  # another server's word counts for nothing
        ([MICROSOFT], "mx.helpdesk.example", False),  # no authserv-id: cannot be told apart
        ([POSTFIX.replace("dkim=pass", "dkim=fail")], "mx.helpdesk.example", False),
        (
            [POSTFIX.replace("header.d=x.example", "header.d=y.example")],
            "mx.helpdesk.example",
            False,
        ),
        ([POSTFIX.replace("x.example", "mail.x.example")], "mx.helpdesk.example", True),
        ([OPENDMARC.replace("dmarc=pass", "dmarc=fail")], "mx.helpdesk.example", False),
        # Our server's verdict is the topmost; a forged "pass" the message came with is below.
        (
            [OPENDMARC.replace("dmarc=pass", "dmarc=fail"), OPENDMARC],
            "mx.helpdesk.example",
            False,
        ),
        ([POSTFIX], None, False),
    ],
)
@pytest.mark.p7
def test_only_our_servers_aligned_pass_verifies_the_sender(headers, authserv_id, verified):
    found = read_authentication(headers, authserv_id)
    assert (found is not None and found.verifies(REPORTER)) is verified


def test_agents_read_the_results_as_recorded():
    found = read_authentication([GMAIL], "mx.google.com")
    assert found.summary == "dkim=pass (x.example); spf=pass (x.example); dmarc=pass (x.example)"


def test_the_parser_reads_our_servers_results():
    raw = _mail([REPORTER], f"Authentication-Results: {OPENDMARC}")
    mail = parse(raw, max_attachment_bytes=1000, authserv_id="mx.helpdesk.example")
    assert mail.authentication.verifies(REPORTER)
    assert parse(raw, max_attachment_bytes=1000).authentication is None
