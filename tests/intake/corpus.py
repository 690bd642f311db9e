"""A corpus of inbound mail as real clients, list servers, autoresponders and mail systems write
it, quirks included, with what intake must make of each message.

Everything is built here, byte by byte where a library would tidy a quirk away, so no binary
fixtures are committed and every run writes the same bytes. Replies need tickets and sent mail
that exist before the corpus is written: the test makes them (see World) and hands in their
references and Message-IDs, so every expected outcome is known before anything is ingested.
Files are named NNN-what.eml, and intake reads a directory in name order, so a duplicate or a
follow-up always comes after the message it repeats or answers.
"""

import base64
import email
import email.base64mime
import email.policy
import email.quoprimime
import email.utils
import hashlib
import mailbox
import quopri
import struct
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from helpdesk import signing

# What the test makes before the corpus is written, and the settings it runs intake with.
REPORTER, REPORTER_NAME = "dana@example.org", "Dana Whitfield"
OTHER_REPORTER, OTHER_REPORTER_NAME = "erin.okafor@example.net", "Erin Okafor"
STRANGER, STRANGER_NAME = "mallory.price@example.com", "Mallory Price"
BOUNCING_REPORTERS = (
    "li.wei@example.com",
    "k.nowak@example.pl",
    "sam.jordan@example.co.uk",
    "amara.diallo@example.fr",
    "ravi.menon@example.in",
    "olga.petrova@example.ru",
    "pat.kim@example.org",
    "noor.haddad@example.ae",
)
ALIASES = {
    "abuse@helpdesk.example": "harassment",
    "fraud@helpdesk.example": "fraud",
    "ip@helpdesk.example": "intellectual-property",
    "legacy@helpdesk.example": "feedback-manipulation",  # the test deactivates this category
    "safety@marketplace.example": "harassment",  # an alias on another domain
}
INACTIVE_CATEGORY = "feedback-manipulation"
DEFAULT_CATEGORY = "other"
MAX_MESSAGE_BYTES = 60_000
MAX_ATTACHMENT_BYTES = 12_000
# Our receiving server, as it names itself in the Authentication-Results headers it adds.
AUTHSERV_ID = "mx.helpdesk.example"
SUPPORT = "support@helpdesk.example"
DATE = "Wed, 06 Nov 2024 10:00:00 +0000"
ACK_TEXT = "Thank you for your report. Our Trust & Safety team will review it"
# Subjects that must arrive decoded, by the slug of the file that carries them.
DECODED_SUBJECTS = {
    "rfc2047-utf8-b": "Beleidigungen im Arbeitsraum – bitte prüfen",
    "rfc2047-latin1-q": "Reclamación: el cliente no pagó",
    "rfc2047-koi8r-b": "Жалоба на заказчика",
    "rfc2047-shiftjis-b": "迷惑メッセージの報告",
    "rfc2047-split-character": "Überweisung außerhalb – Betrug?",
}
# Text that must arrive decoded in the ticket, by the slug of the (first) file that carries it.
DECODED_TEXTS = {
    "cyrillic": "Заказчик оскорбляет меня",  # koi8-r in base64
    "japanese": "取引相手から嫌がらせのメッセージ",  # ISO-2022-JP
    "international-2": "30 € por adelantado",  # windows-1252 quoted-printable
    "charset-cp1252-labelled-latin1": "“pay me outside”",
    "html-only-cp1252": "a “deposit” – 50 € up front",
    "header-8bit-latin1": "Le client m'a insulté",
}
# Reporters' names that must arrive decoded, likewise.
DECODED_NAMES = {
    "old-client": "Ingrid Bjørnstad",  # raw 8-bit Latin-1 in From
    "cyrillic": "Дмитрий Соколов",
    "name-latin1-q-comma": "Müller, Jörg",
    "name-comment-form": "Rita Moreno",
    "header-8bit-utf8": "Jürgen Weiß",
}

# Words of the intake reason, one of which must name the rule (compared lower-cased).
AUTO_SUBMITTED = ("auto-submitted",)
PRECEDENCE = ("precedence",)
X_AUTOREPLY = ("x-autoreply",)
X_AUTORESPOND = ("x-autorespond",)
LIST_HEADER = ("list-", "mailing-list", "x-beenthere", "x-loop")
REPORT = ("multipart/report", "delivery")
MAILER_DAEMON = ("mailer-daemon",)
POSTMASTER = ("postmaster",)
NO_REPLY = ("no-reply", "noreply", "do-not-reply", "donotreply")
NULL_RETURN_PATH = ("return-path",)
ANY_AUTOMATED = ("automated",)
OWN_ADDRESS = ("own address", "mail loop")
TOO_LARGE = ("limit",)
NO_SENDER = ("sender",)
UNREADABLE = ("readable", "empty")


@dataclass(frozen=True)
class WorldTicket:
    reference: str
    reporter: str
    ack_message_id: str  # the report_received acknowledgment we sent for it


@dataclass(frozen=True)
class World:
    """The tickets and sent mail that replies and bounces point at, made by the test."""

    secret_key: str
    support_address: str
    reply_domain: str
    open: WorldTicket  # REPORTER's, new
    solved: WorldTicket  # REPORTER's, solved
    closed: WorldTicket  # REPORTER's, closed
    merged: WorldTicket  # REPORTER's, merged into `open`
    others: WorldTicket  # OTHER_REPORTER's
    sent: tuple[WorldTicket, ...]  # one per BOUNCING_REPORTERS, acknowledgment sent

    def reply_address(self, ticket: WorldTicket) -> str:
        return signing.reply_address(
            self.support_address, self.reply_domain, ticket.reference, self.secret_key
        )


@dataclass(frozen=True)
class Expected:
    outcome: str  # created, appended, duplicate, ignored, quarantined
    reason: tuple[str, ...] = ()  # ignored, quarantined: one of these is in the reason
    category: str | None = None  # created: the new ticket's category slug
    ticket: str | None = None  # appended: the reference of the world ticket it joins
    same_ticket_as: str | None = None  # the file whose ticket (or none) it must share
    linked_to: str | None = None  # created: the closed ticket it follows up
    bounces: str | None = None  # the Message-ID of the sent mail it marks bounced


def created(category: str = DEFAULT_CATEGORY, **fields) -> Expected:
    return Expected("created", category=category, **fields)


def ignored(reason: tuple[str, ...], **fields) -> Expected:
    return Expected("ignored", reason=reason, **fields)


def quarantined(reason: tuple[str, ...]) -> Expected:
    return Expected("quarantined", reason=reason)


def appended(ticket: WorldTicket) -> Expected:
    return Expected("appended", ticket=ticket.reference)


def same_as(name: str, outcome: str = "duplicate") -> Expected:
    return Expected(outcome, same_ticket_as=name)


@dataclass(frozen=True)
class CorpusMail:
    name: str
    raw: bytes
    expected: Expected
    exact_size: bool = False  # its outcome hangs on its exact length (mbox framing changes it)


# --- building bytes ----------------------------------------------------------------------------


def _eml(headers: Sequence[str], body: str = "", *, crlf=False, encoding="utf-8") -> bytes:
    """Header lines and a body as stored bytes. `encoding` makes the bytes; "latin-1" passes
    through text made by _octets()."""
    raw = ("\n".join(headers) + "\n\n" + body).encode(encoding)
    return raw.replace(b"\n", b"\r\n") if crlf else raw


def _octets(text: str, charset: str) -> str:
    """`text` in `charset`, one byte per character, for _eml(encoding="latin-1")."""
    return text.encode(charset).decode("latin-1")


def _part(headers: Sequence[str], body: str) -> str:
    return "\n".join(headers) + "\n\n" + body


def _text(body: str, subtype: str = "plain") -> str:
    return _part([f"Content-Type: text/{subtype}; charset=utf-8"], body)


def _multipart(boundary: str, parts: Sequence[str], preamble: str = "", epilogue: str = "") -> str:
    inner = "".join(f"--{boundary}\n{part.rstrip(chr(10))}\n" for part in parts)
    return f"{preamble}{inner}--{boundary}--\n{epilogue}"


def _nested(subtype: str, boundary: str, parts: Sequence[str]) -> str:
    """A multipart as a part of another."""
    header = f'Content-Type: multipart/{subtype}; boundary="{boundary}"'
    return _part([header], _multipart(boundary, parts))


def _b64(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii")


def _qp(text: str, charset: str = "utf-8") -> str:
    return quopri.encodestring(text.encode(charset)).decode("ascii")


def _b_word(text: str, charset: str = "utf-8") -> str:
    return email.base64mime.header_encode(text.encode(charset), charset)


def _q_word(text: str, charset: str = "utf-8") -> str:
    return email.quoprimime.header_encode(text.encode(charset), charset)


def _token(key: str) -> str:
    return hashlib.sha1(key.encode()).hexdigest()


def _filler(label: str, size: int) -> bytes:
    """`size` bytes that depend only on `label`: unique, repeatable file contents."""
    out, block = bytearray(), label.encode()
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:size])


def _pdf(label: str, size: int = 900) -> bytes:
    head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Title (" + label.encode() + b") >>\nendobj\n"
    return head + _filler(label, max(size - len(head) - 6, 16)) + b"\n%%EOF"


def _png(label: str) -> bytes:
    """A real 2x2 PNG that carries `label` in a text chunk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        checksum = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + checksum

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"tEXt", b"Comment\x00" + label.encode())
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00\xff\x00\x00" * 2))
        + chunk(b"IEND", b"")
    )


def _tnef(label: str) -> bytes:
    """The start of a winmail.dat: the TNEF signature, a key and some attributes."""
    return b"\x78\x9f\x3e\x22\x01\x00\x01\x06\x90\x08\x00" + _filler(label, 600)


@dataclass(frozen=True)
class _File:
    filename: str
    content_type: str
    data: bytes
    inline: bool = False
    content_id: str | None = None


def _file_part(file: _File) -> str:
    kind = "inline" if file.inline else "attachment"
    headers = [
        f'Content-Type: {file.content_type}; name="{file.filename}"',
        f'Content-Disposition: {kind}; filename="{file.filename}"',
        "Content-Transfer-Encoding: base64",
    ]
    if file.content_id:
        headers.append(f"Content-ID: <{file.content_id}>")
    return _part(headers, _b64(file.data))


def _simple(
    key: str,
    sender: str | None,
    subject: str | None,
    body: str,
    *,
    to: str | None = SUPPORT,
    headers: Sequence[str] = (),
    content_type: str | None = "text/plain; charset=utf-8",
    transfer: str | None = None,
    message_id: bool = True,
    date: str | None = DATE,
    encoding: str = "utf-8",
    crlf: bool = False,
) -> bytes:
    """A message with the usual headers; None (or False) leaves one out."""
    lines = [f"From: {sender}"] if sender is not None else []
    lines += [f"To: {to}"] if to is not None else []
    lines += [f"Subject: {subject}"] if subject is not None else []
    lines += [f"Date: {date}"] if date is not None else []
    lines += [f"Message-ID: <{key}@mx.corpus.example.net>"] if message_id else []
    lines += headers
    if content_type is not None:
        lines += ["MIME-Version: 1.0", f"Content-Type: {content_type}"]
    if transfer is not None:
        lines.append(f"Content-Transfer-Encoding: {transfer}")
    return _eml(lines, body, encoding=encoding, crlf=crlf)


def postfix_results(domain: str, dkim: str = "pass", dmarc: str = "pass") -> list[str]:
    """Authentication-Results as Postfix with OpenDKIM and OpenDMARC add them: each milter a
    header of its own, OpenDMARC's (added last) on top."""
    return [
        f"Authentication-Results: {AUTHSERV_ID}; dmarc={dmarc} (p=quarantine dis=none) "
        f"header.from={domain}",
        f"Authentication-Results: {AUTHSERV_ID};\n\tdkim={dkim} (2048-bit key; unprotected) "
        f"header.d={domain} header.i=@{domain} header.a=rsa-sha256 header.s=mail "
        "header.b=Qm9vdHN0;\n\tdkim-atps=neutral",
    ]


def gmail_results(address: str, server: str = AUTHSERV_ID, dmarc: str = "pass") -> list[str]:
    """Authentication-Results in the shape Gmail's servers write them, all in one header."""
    domain = address.rpartition("@")[2]
    return [
        f"Authentication-Results: {server};\n       dkim=pass header.i=@{domain} "
        f"header.s=20230601 header.b=Xy12Ab;\n       spf=pass ({server}: domain of {address} "
        f"designates 192.0.2.25 as permitted sender) smtp.mailfrom={address};\n"
        f"       dmarc={dmarc} (p=NONE sp=NONE dis=NONE) header.from={domain}"
    ]


def _message_id(raw: bytes) -> str:
    header = email.message_from_bytes(raw, policy=email.policy.compat32)["Message-ID"]
    return "".join(str(header).split())


def _sender(raw: bytes) -> str:
    return str(email.message_from_bytes(raw, policy=email.policy.default)["From"])


def _person(n: int) -> str:
    """A distinct new sender for the n-th message."""
    first = ["Alex", "Bea", "Cem", "Dora", "Eli", "Femi", "Gus", "Hana", "Ivo", "Jude", "Kai"]
    last = ["Lund", "Moss", "Nair", "Ortiz", "Park", "Quinn", "Rossi", "Sato", "Tran"]
    name, surname = first[n % len(first)], last[n % len(last)]
    return f"{name} {surname} <{name.lower()}.{surname.lower()}{n}@example.net>"


# --- how clients write a new report -------------------------------------------------------------


@dataclass(frozen=True)
class _Report:
    """What a member writes; each client function below renders it its own way."""

    key: str  # unique in the corpus: goes into the Message-ID
    name: str
    address: str
    subject: str
    text: str
    files: tuple[_File, ...] = ()
    extra: tuple[str, ...] = ()  # more header lines
    to: str = SUPPORT
    date: str = "Tue, 05 Nov 2024 09:14:22 +0100"


def _from(report: _Report, charset: str = "utf-8") -> str:
    name = report.name
    if not name.isascii():
        name = _b_word(name, charset)
    elif any(ch in name for ch in ",.;:@"):
        name = f'"{name}"'
    return f"From: {name} <{report.address}>"


def _subject(subject: str, charset: str = "utf-8") -> str:
    return f"Subject: {subject if subject.isascii() else _b_word(subject, charset)}"


def _html(text: str) -> str:
    return '<div dir="ltr">' + "".join(f"<div>{line or '<br>'}</div>" for line in text.split("\n"))


def _with_files(report: _Report, boundary: str, content_type: str, body: str) -> tuple[str, str]:
    """(content type, body) with the report's files added in a multipart/mixed."""
    if not report.files:
        return content_type, body
    parts = [_part([content_type], body), *map(_file_part, report.files)]
    return f'Content-Type: multipart/mixed; boundary="{boundary}"', _multipart(boundary, parts)


def gmail(report: _Report) -> bytes:
    """Gmail: multipart/alternative in UTF-8, quoted-printable when it must, mixed with files."""
    token = _token(report.key)
    transfer = "7bit" if report.text.isascii() else "quoted-printable"
    encode = (lambda text: text) if transfer == "7bit" else _qp

    def alternative(subtype: str, text: str) -> str:
        headers = [f'Content-Type: text/{subtype}; charset="UTF-8"']
        return _part([*headers, f"Content-Transfer-Encoding: {transfer}"], encode(text + "\n"))

    boundary = f"000000000000{token[:12]}"
    parts = [alternative("plain", report.text), alternative("html", _html(report.text))]
    content_type, body = _with_files(
        report,
        f"000000000000{token[12:24]}",
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
        _multipart(boundary, parts),
    )
    headers = [
        f"Return-Path: <{report.address}>",
        "Received: from mail-wr1-f41.google.com (mail-wr1-f41.google.com [209.85.221.41])",
        f"\tby mx.helpdesk.example (Postfix) for <{report.to}>; {report.date}",
        "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=gmail.com; s=20230601;",
        f"\th=to:subject:message-id:date:from:mime-version; bh={token[:40]}=",
        "MIME-Version: 1.0",
        _from(report),
        f"Date: {report.date}",
        f"Message-ID: <CAF{token[:30]}@mail.gmail.com>",
        _subject(report.subject),
        f"To: {report.to}",
        *report.extra,
        content_type,
    ]
    return _eml(headers, body)


def outlook(report: _Report, charset: str = "windows-1252") -> bytes:
    """Exchange / Microsoft 365: Thread-Index, Windows-1252 quoted-printable, MsoNormal HTML,
    CRLF line ends."""
    token = _token(report.key).upper()
    paragraphs = "".join(
        f'<p class="MsoNormal">{line or "&nbsp;"}<o:p></o:p></p>\n'
        for line in report.text.split("\n")
    )
    html = (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>\n'
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">\n'
        '<style><!-- p.MsoNormal {margin:0cm; font-family:"Calibri",sans-serif;} --></style>\n'
        f'</head><body lang="EN-GB"><div class="WordSection1">\n{paragraphs}</div></body></html>\n'
    )

    def alternative(subtype: str, text: str) -> str:
        headers = [f'Content-Type: text/{subtype}; charset="{charset}"']
        return _part([*headers, "Content-Transfer-Encoding: quoted-printable"], _qp(text, charset))

    boundary = f"_000_AM0PR04MB{token[:12]}AM0PR04MB6{token[12:16]}eurp_"
    content_type, body = _with_files(
        report,
        f"_004_AM0PR04MB{token[:12]}AM0PR04MB6{token[12:16]}eurp_",
        f'Content-Type: multipart/alternative;\n\tboundary="{boundary}"',
        _multipart(boundary, [alternative("plain", report.text + "\n"), alternative("html", html)]),
    )
    name = report.name if report.name.isascii() else _q_word(report.name, "iso-8859-1")
    headers = [
        f"From: {name} <{report.address}>",
        f"To: {report.to}",
        _subject(report.subject),
        f"Thread-Topic: {_subject(report.subject)[9:]}",
        f"Thread-Index: AQHbL{token[:20]}==",
        f"Date: {report.date}",
        f"Message-ID: <AM0PR04MB{token[:16]}@AM0PR04MB6{token[16:20]}.eurprd04.prod.outlook.com>",
        "Accept-Language: en-GB, en-US",
        "Content-Language: en-GB",
        f"X-MS-Has-Attach: {'yes' if report.files else ''}",
        "X-MS-TNEF-Correlator:",
        *report.extra,
        content_type,
        "MIME-Version: 1.0",
    ]
    return _eml(headers, body, crlf=True)


def apple_mail(report: _Report) -> bytes:
    """Apple Mail: Apple-Mail boundaries, inline files with unquoted names, Mime-Version comment."""
    token = _token(report.key).upper()
    boundary = f"Apple-Mail=_{token[:8]}-{token[8:12]}-{token[12:16]}"
    text_headers = ["Content-Transfer-Encoding: quoted-printable", "Content-Type: text/plain;"]
    text_headers.append("\tcharset=utf-8")
    content, body = text_headers, _qp(report.text + "\n")
    if report.files:
        inline = [
            _part(
                [
                    f"Content-Disposition: inline;\n\tfilename={file.filename}",  # left unquoted
                    f"Content-Type: {file.content_type};\n\tx-unix-mode=0644;",
                    f'\tname="{file.filename}"',
                    "Content-Transfer-Encoding: base64",
                ],
                _b64(file.data),
            )
            for file in report.files
        ]
        body = _multipart(boundary, [_part(text_headers, body), *inline])
        content = [f'Content-Type: multipart/mixed;\n\tboundary="{boundary}"']
    headers = [
        _from(report),
        *content,
        "Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3774.300.61.1.2\\))",
        _subject(report.subject),
        f"Message-Id: <{token[:8]}-{token[8:12]}-{token[12:16]}-{token[16:28]}@icloud.com>",
        f"Date: {report.date}",
        f"To: {report.to}",
        "X-Mailer: Apple Mail (2.3774.300.61.1.2)",
        *report.extra,
    ]
    return _eml(headers, body)


def _rfc2231(filename: str) -> str:
    return "UTF-8''" + "".join(
        chr(byte) if chr(byte).isalnum() or chr(byte) in ".-_" else f"%{byte:02X}"
        for byte in filename.encode()
    )


def thunderbird(report: _Report) -> bytes:
    """Thunderbird: format=flowed, 8bit UTF-8 body, RFC 2231 names for attachments."""
    token = _token(report.key)
    text_headers = ["Content-Type: text/plain; charset=UTF-8; format=flowed"]
    text_headers.append("Content-Transfer-Encoding: 8bit")
    content, body = text_headers, report.text + "\n"
    if report.files:
        boundary = f"------------{token[:24]}"
        parts = [_part(text_headers, body)]
        for file in report.files:
            name = _rfc2231(file.filename)
            headers = [f"Content-Type: {file.content_type}; name*={name}"]
            headers += [f"Content-Disposition: attachment; filename*={name}"]
            parts.append(_part([*headers, "Content-Transfer-Encoding: base64"], _b64(file.data)))
        body = "This is a multi-part message in MIME format.\n" + _multipart(boundary, parts)
        content = [f'Content-Type: multipart/mixed; boundary="{boundary}"']
    headers = [
        f"Message-ID: <{token[:8]}-{token[8:12]}-{token[12:16]}-{token[16:28]}@posteo.example>",
        f"Date: {report.date}",
        "MIME-Version: 1.0",
        "User-Agent: Mozilla Thunderbird",
        "Content-Language: en-US",
        f"To: {report.to}",
        _from(report),
        _subject(report.subject),
        *report.extra,
        *content,
    ]
    return _eml(headers, body)


def iphone(report: _Report) -> bytes:
    token = _token(report.key).upper()
    text = report.text + "\n\nSent from my iPhone\n"
    plain = text.isascii()
    headers = [
        f"Content-Type: text/plain; charset={'us-ascii' if plain else 'utf-8'}",
        f"Content-Transfer-Encoding: {'7bit' if plain else 'quoted-printable'}",
        _from(report),
        "Mime-Version: 1.0 (1.0)",
        _subject(report.subject),
        f"Date: {report.date}",
        f"Message-Id: <{token[:8]}-{token[8:12]}-{token[12:16]}@me.com>",
        f"To: {report.to}",
        "X-Mailer: iPhone Mail (21H16)",
        *report.extra,
    ]
    return _eml(headers, text if plain else _qp(text))


def webmail(report: _Report, agent: str, charset: str = "UTF-8") -> bytes:
    """Roundcube, Horde, SquirrelMail, GMX: one text/plain part, format=flowed, 8bit."""
    headers = [
        "MIME-Version: 1.0",
        f"Content-Type: text/plain; charset={charset}; format=flowed",
        f"Content-Transfer-Encoding: {'7bit' if report.text.isascii() else '8bit'}",
        f"Date: {report.date}",
        _from(report, charset.lower()),
        f"To: {report.to}",
        _subject(report.subject, charset.lower()),
        f"Message-ID: <{_token(report.key)[:32]}@webmail.example.de>",
        f"User-Agent: {agent}",
        *report.extra,
    ]
    return _eml(headers, _octets(report.text + "\n", charset), encoding="latin-1")


def yahoo(report: _Report) -> bytes:
    """Yahoo / AOL web: ----=_Part boundaries, HTML that carries the text, WebService X-Mailer."""
    number = int(_token(report.key)[:12], 16)
    boundary = f"----=_Part_{number % 100000}_{number % 999983}.{1730790000000 + number % 1000}"
    html = f'<html><body><div class="yahoo-style-wrap">{_html(report.text)}</div></body></html>'
    qp = ["Content-Transfer-Encoding: quoted-printable"]
    parts = [
        _part(["Content-Type: text/plain; charset=UTF-8", *qp], _qp(report.text + "\n")),
        _part(["Content-Type: text/html; charset=UTF-8", *qp], _qp(html + "\n")),
    ]
    headers = [
        f"Date: {report.date}",
        _from(report),
        f"To: {report.to}",
        f"Message-ID: <{number}.{number % 7919}.{number % 104729}@mail.yahoo.com>",
        _subject(report.subject),
        "MIME-Version: 1.0",
        f'Content-Type: multipart/alternative; \n\tboundary="{boundary}"',
        "X-Mailer: WebService/1.1.22806 YMailNorrin",
        *report.extra,
    ]
    return _eml(headers, _multipart(boundary, parts))


def cyrillic(report: _Report, charset: str, mailer: str) -> bytes:
    """Mail.ru, Yandex and Russian desktop clients: koi8-r or windows-1251, in base64."""
    headers = [
        _from(report, charset),
        f"To: {report.to}",
        _subject(report.subject, charset),
        "MIME-Version: 1.0",
        f"X-Mailer: {mailer}",
        f"Date: {report.date}",
        f"Message-ID: <{_token(report.key)[:20]}@mail.example.ru>",
        f"Content-Type: text/plain; charset={charset}",
        "Content-Transfer-Encoding: base64",
        *report.extra,
    ]
    return _eml(headers, _b64((report.text + "\n").encode(charset)))


def japanese(report: _Report, charset: str) -> bytes:
    """Japanese desktop and mobile mail: ISO-2022-JP (7bit) or Shift_JIS (8bit)."""
    token = _token(report.key)
    headers = [
        _from(report, charset),
        f"To: {report.to}",
        _subject(report.subject, charset),
        f"Date: {report.date}",
        f"Message-Id: <{token[:16]}.{token[16:24]}@docomo.example.jp>",
        "MIME-Version: 1.0",
        f"Content-Type: text/plain; charset={charset}",
        f"Content-Transfer-Encoding: {'7bit' if charset == 'iso-2022-jp' else '8bit'}",
        *report.extra,
    ]
    return _eml(headers, _octets(report.text + "\n", charset), encoding="latin-1")


def old_client(report: _Report, mailer: str, qp: bool = False) -> bytes:
    """Eudora, Outlook Express, Pegasus, Lotus Notes, Mutt: Latin-1, 8bit or quoted-printable,
    and a name and subject in raw 8-bit, unencoded."""
    token = _token(report.key).upper()
    body = _qp(report.text + "\n", "latin-1") if qp else _octets(report.text + "\n", "latin-1")
    headers = [
        f"Message-Id: <5.2.0.9.0.{token[:16]}@pop.example.net>",
        f"X-Mailer: {mailer}",
        f"Date: {report.date}",
        f"To: {report.to}",
        f"From: {_octets(report.name, 'latin-1')} <{report.address}>",
        f"Subject: {_octets(report.subject, 'latin-1')}",
        "Mime-Version: 1.0",
        'Content-Type: text/plain; charset="iso-8859-1"',
        f"Content-Transfer-Encoding: {'quoted-printable' if qp else '8bit'}",
        *report.extra,
    ]
    return _eml(headers, body, encoding="latin-1")


REPORTS = [
    (
        "Client asked me to pay outside the platform",
        'Hello,\n\nthe client behind the "Logo redesign" job asked me to send my PayPal address\n'
        "and continue outside the marketplace. He says the fees are too high.\n\nRegards",
    ),
    (
        "Abusive messages after the contract ended",
        "Hi team,\n\nafter I closed the contract the freelancer kept writing to me in the\n"
        "workroom, calling me names and threatening to leave fake reviews.\n\nThanks.",
    ),
    (
        "Fake profile using my portfolio",
        "Someone copied my whole portfolio, including the photos of my work, into a new\n"
        "profile. The profile name is design_by_k and they bid on the same jobs as me.",
    ),
    (
        "Scam job posting asking for a deposit",
        'A job posting for data entry asks applicants to pay a 50 USD "training deposit" by\n'
        "gift card before starting. I think it is a scam; several people applied already.",
    ),
    (
        "Review manipulation",
        "A freelancer offered me a discount if I change my 2-star review into 5 stars.\n"
        "I have the messages and can send screenshots.",
    ),
    (
        "Threats in the workroom",
        "The other party wrote that he knows where I live and will come by if I don't pay.\n"
        "I am scared. Please help.",
    ),
]

# (name, subject, text) in other languages and scripts.
INTERNATIONAL = [
    (
        "Dagmar Größer",
        "Belästigung im Arbeitsraum – bitte prüfen",
        "Guten Tag,\n\nder Auftraggeber beleidigt mich seit Tagen im Arbeitsraum („Faulpelz“).\n"
        "Können Sie das bitte prüfen?\n\nMit freundlichen Grüßen\nDagmar Größer",
    ),
    (
        "Élodie Fèvre",
        "Paiement demandé en dehors de la plateforme",
        "Bonjour,\n\nle client m'a demandé de le payer par virement en dehors du site.\n"
        "Ça me paraît contraire aux règles.\n\nCordialement, Élodie",
    ),
    (
        "José Núñez",
        "Estafa: me pidieron pagar por adelantado",
        'Hola,\n\nun cliente me pidió pagar 30 € por adelantado para "verificar" mi cuenta.\n'
        "¿Es esto legítimo?\n\nSaludos, José",
    ),
    (
        "Łukasz Wróbel",
        "Fałszywy profil – kradzież tożsamości",
        "Dzień dobry,\n\nktoś założył profil z moim zdjęciem i nazwiskiem. Proszę o pomoc.",
    ),
    (
        "Ayşe Yılmaz",
        "Taciz ve hakaret içeren mesajlar",
        "Merhaba,\n\nfreelancer bana sürekli hakaret içeren mesajlar gönderiyor.\n",
    ),
    (
        "Νίκος Παπαδόπουλος",
        "Απάτη με ψεύτικη αγγελία",
        "Καλημέρα,\n\nμια αγγελία ζητά προκαταβολή για «εκπαίδευση». Νομίζω ότι είναι απάτη.\n",
    ),
    ("王芳", "举报：骚扰信息", "您好，\n\n这位客户一直在工作室里发骚扰信息，请尽快处理。\n\n谢谢"),
    (
        "Дмитрий Соколов",
        "Жалоба на оскорбления в рабочей комнате",
        "Здравствуйте!\n\nЗаказчик оскорбляет меня и требует оплату вне площадки.\n"
        "Прошу разобраться.\n\nДмитрий",
    ),
    (
        "山田太郎",
        "嫌がらせの報告",
        "お世話になっております。\n\n取引相手から嫌がらせのメッセージが届いています。\n",
    ),
    ("שרה כהן", "הטרדה בחדר העבודה", "שלום,\n\nהלקוח שולח לי הודעות פוגעניות כל יום.\nתודה"),
    (
        "Sørina Ødegård",
        "Svindel: falsk stillingsannonse",
        "Hei,\n\nannonsen ber om depositum før oppstart. Dette virker som svindel.",
    ),
]


def _report(index: int, key: str, sender: tuple[str, str], **fields) -> _Report:
    """The index-th English report, signed by the sender."""
    subject, text = REPORTS[index % len(REPORTS)]
    name, address = sender
    fields.setdefault("subject", subject)
    fields.setdefault("text", f"{text}\n\n{name}")
    return _Report(key, name, address, **fields)


# --- the corpus, part by part ------------------------------------------------------------------


@dataclass
class _Corpus:
    world: World
    mails: list[CorpusMail] = field(default_factory=list)
    firsts: dict[str, str] = field(default_factory=dict)  # client -> its first report's file

    def key(self, what: str) -> str:
        """A Message-ID local part unique in the corpus, for the message added next."""
        return f"{what}.{len(self.mails) + 1:03d}"

    def add(self, what: str, raw: bytes, expected: Expected, *, exact_size=False) -> str:
        name = f"{len(self.mails) + 1:03d}-{what}.eml"
        self.mails.append(CorpusMail(name, raw, expected, exact_size))
        return name

    def add_simple(self, what: str, sender: str | None, expected: Expected, body: str, **options):
        """A _simple() message about `what`, from `sender`."""
        options.setdefault("subject", f"Case: {what}")
        raw = _simple(self.key(what), sender, options.pop("subject"), body, **options)
        return self.add(what, raw, expected)

    def file(self, what: str) -> str:
        """The first file made for `what`."""
        return next(mail.name for mail in self.mails if mail.name[4:] == f"{what}.eml")

    def raw(self, name: str) -> bytes:
        return next(mail.raw for mail in self.mails if mail.name == name)


def _clients(corpus: _Corpus) -> None:
    """New reports as the common clients write them."""

    def add(client: str, raw: bytes) -> None:
        corpus.firsts.setdefault(client, corpus.add(client, raw, created()))

    contract = _File("contract.pdf", "application/pdf", _pdf("contract"))
    gmail_senders = [
        ("Priya Raman", "priya.raman@gmail.example"),
        ("Tom O'Neill", "tom.oneill@gmail.example"),
        ("Chen Jing", "chen.jing@gmail.example"),
        ("Marta Silva", "marta.silva@gmail.example"),
        ("Ben Carter", "ben.carter@gmail.example"),
    ]
    for n, sender in enumerate(gmail_senders):
        files = (contract,) if n == 1 else ()
        extra = ("X-Mailer: Android Gmail",) if n == 4 else ()
        add("gmail", gmail(_report(n, f"gmail{n}", sender, files=files, extra=extra)))

    smart_quotes = "The client wrote “pay me on PayPal, it’s cheaper” – that’s against the rules."
    outlook_reports = [
        _report(1, "outlook0", ("Hannah Becker", "h.becker@contoso.example")),
        _report(
            1, "outlook1", ("Jörg Müller", "joerg.mueller@fabrikam.example"), text=smart_quotes
        ),
        _report(
            2, "outlook2", ("Fiona O'Brien", "fiona.obrien@outlook.example"), files=(contract,)
        ),
        _report(4, "outlook3", ("Rahul Gupta", "rahul.gupta@outlook.example")),
        _report(
            4,
            "outlook4",
            ("Sophie Laurent", "sophie.laurent@hotmail.example"),
            text=REPORTS[4][1] + "\n\nGet Outlook for iOS<https://aka.ms/o0ukef>",
        ),
    ]
    for n, report in enumerate(outlook_reports):
        add("outlook", outlook(report, "iso-8859-1" if n == 3 else "windows-1252"))

    screenshot = _File("Screenshot 2024-11-05 at 09.12.44.png", "image/png", _png("shot"), True)
    add(
        "apple-mail",
        apple_mail(
            _report(2, "apple0", ("Claire Dubois", "claire@icloud.example"), files=(screenshot,))
        ),
    )
    add("apple-mail", apple_mail(_report(3, "apple1", ("Noah Fischer", "noah.fischer@me.example"))))
    add("apple-mail", apple_mail(_report(4, "apple2", ("Isla Murray", "isla.murray@mac.example"))))

    umlaut = _File("Vertrag März 2024.pdf", "application/pdf", _pdf("vertrag"))
    add("thunderbird", thunderbird(_report(3, "tb0", ("Mikko Virtanen", "mikko@posteo.example"))))
    add("thunderbird", thunderbird(_report(4, "tb1", ("Greta Lindqvist", "greta@mailbox.example"))))
    add(
        "thunderbird",
        thunderbird(_report(5, "tb2", ("Pavel Novák", "pavel@seznam.example"), files=(umlaut,))),
    )

    for n, sender in enumerate(
        [
            ("Lucas Moreau", "lucas.moreau@icloud.example"),
            ("Zoë Adams", "zoe.adams@icloud.example"),
            ("Yusuf Demir", "yusuf.demir@icloud.example"),
        ]
    ):
        add("iphone", iphone(_report(n + 4, f"iphone{n}", sender)))

    for n, (agent, sender, charset) in enumerate(
        [
            ("Roundcube Webmail/1.6.5", ("Ana Kovač", "ana.kovac@webmail.example"), "UTF-8"),
            ("IMP H5 (6.2.27)", ("Ruth Adler", "r.adler@uni.example"), "UTF-8"),
            ("SquirrelMail/1.4.22", ("Bill Hayes", "bill@isp.example"), "iso-8859-1"),
            ("GMX Mailer", ("Klaus Vogel", "klaus.vogel@gmx.example"), "ISO-8859-15"),
        ]
    ):
        add("webmail", webmail(_report(n + 5, f"webmail{n}", sender), agent, charset))

    add("yahoo", yahoo(_report(0, "yahoo0", ("Grace Liu", "grace.liu@yahoo.example"))))
    add("yahoo", yahoo(_report(1, "yahoo1", ("Omar Haddad", "omar.haddad@aol.example"))))

    _name, subject, text = INTERNATIONAL[7]
    for n, (name, address, charset, mailer) in enumerate(
        [
            ("Дмитрий Соколов", "d.sokolov@mail.example.ru", "koi8-r", "Mail.Ru Mailer 1.0"),
            ("Анна Иванова", "anna.ivanova@yandex.example.ru", "utf-8", "Yamail 5.0"),
            ("Олег Петров", "oleg.petrov@rambler.example.ru", "windows-1251", "The Bat! (v9.4.3)"),
        ]
    ):
        report = _Report(f"ru{n}", name, address, subject, text.replace("Дмитрий", name))
        add("cyrillic", cyrillic(report, charset, mailer))

    _name, subject, text = INTERNATIONAL[8]
    taro = _Report("jp0", "山田太郎", "taro.yamada@docomo.example.jp", subject, text)
    hanako = _Report("jp1", "佐藤花子", "hanako@ezweb.example.jp", subject, text + "佐藤")
    add("japanese", japanese(taro, "iso-2022-jp"))
    add("japanese", japanese(hanako, "shift_jis"))

    for n, (mailer, sender, qp) in enumerate(
        [
            (
                "QUALCOMM Windows Eudora Version 7.1.0.9",
                ("Ingrid Bjørnstad", "ingrid@online.example.no"),
                False,
            ),
            (
                "Microsoft Outlook Express 6.00.2900.5512",
                ("René Lefèvre", "rene@wanadoo.example.fr"),
                True,
            ),
            ("Pegasus Mail for Windows (4.72)", ("Åsa Ström", "asa.strom@telia.example.se"), False),
            (
                "Lotus Notes Release 8.5.3 September 15, 2011",
                ("Gary Mills", "gary.mills@corp.example"),
                True,
            ),
            ("Mutt/1.10.1 (2018-07-13)", ("Nils Ahlgren", "nils@ahlgren.example"), False),
        ]
    ):
        subject = "Beschwerde über den Kunden" if n % 2 == 0 else REPORTS[n][0]
        add("old-client", old_client(_report(n, f"old{n}", sender, subject=subject), mailer, qp))


def _international(corpus: _Corpus) -> None:
    """Reports in other languages and scripts, each through a client that would carry it."""
    renderers: list[Callable[[_Report], bytes]] = [
        thunderbird,
        gmail,
        outlook,
        apple_mail,
        iphone,
        yahoo,
        gmail,
        lambda report: cyrillic(report, "windows-1251", "The Bat! (v9.4.3)"),
        lambda report: japanese(report, "shift_jis"),
        lambda report: webmail(report, "Roundcube Webmail/1.6.5", "windows-1255"),
        lambda report: old_client(report, "Pegasus Mail for Windows (4.72)"),
    ]
    for n, ((name, subject, text), render) in enumerate(zip(INTERNATIONAL, renderers, strict=True)):
        report = _Report(f"intl{n}", name, f"member{n}@intl.example.org", subject, text)
        corpus.add(f"international-{n}", render(report), created())


def _encoded_headers(corpus: _Corpus) -> None:
    """RFC 2047 subjects and names in many charsets, broken encoded words, 8-bit headers."""
    text = "The freelancer insulted me in the workroom; screenshots on request.\n"
    split = "Überweisung außerhalb – Betrug?".encode()  # the Ü cut in two, as Outlook does
    split_words = f"=?utf-8?B?{base64.b64encode(split[:1]).decode()}?=\n =?utf-8?B?"
    split_words += base64.b64encode(split[1:]).decode() + "?="
    long_words = ("Sehr lange Betreffzeile über ", "mehrere kodierte Wörter, ", "mit Umlauten äöü")
    subjects = {
        "rfc2047-utf8-b": _b_word(DECODED_SUBJECTS["rfc2047-utf8-b"]),
        "rfc2047-utf8-q": _q_word("Paiement hors plateforme : c'est interdit ?"),
        "rfc2047-latin1-q": _q_word(DECODED_SUBJECTS["rfc2047-latin1-q"], "iso-8859-1"),
        "rfc2047-koi8r-b": _b_word(DECODED_SUBJECTS["rfc2047-koi8r-b"], "koi8-r"),
        "rfc2047-shiftjis-b": _b_word(DECODED_SUBJECTS["rfc2047-shiftjis-b"], "shift_jis"),
        "rfc2047-iso2022jp-b": _b_word("不正な取引について", "iso-2022-jp"),
        "rfc2047-cp1251-b": _b_word("Мошенничество с оплатой", "windows-1251"),
        "rfc2047-gb2312-b": _b_word("诈骗举报", "gb2312"),
        "rfc2047-big5-b": _b_word("詐騙檢舉", "big5"),
        "rfc2047-euckr-b": _b_word("사기 신고", "euc-kr"),
        "rfc2047-latin2-q": _q_word("Oszustwo: płatność poza platformą", "iso-8859-2"),
        "rfc2047-folded-long": "\n ".join(_b_word(words) for words in long_words),
        "rfc2047-split-character": split_words,
        "rfc2047-mixed-plain": "Report about " + _q_word("Zoë") + " and her fake reviews",
        "rfc2047-adjacent-words": _q_word("Falsche ") + " " + _q_word("Bewertungen"),
        "rfc2047-no-space-around": "Scam" + _q_word(" – Vorauszahlung ") + "verlangt",
        "rfc2047-bad-padding": "=?utf-8?B?U2NhbSBqb2IgcG9zdGluZw?=",
        "rfc2047-unterminated": "=?utf-8?Q?Beschwerde_=C3=BCber_den_Kunden",
        "rfc2047-unknown-charset": "=?x-unknown?Q?Caf=E9_owner_scam?=",
        "rfc2047-bad-encoding-letter": "=?utf-8?X?U2NhbQ==?=",
        "rfc2047-wrong-charset": "=?utf-8?Q?Gr=FC=DFe_und_Beschwerde?=",
        "rfc2047-language-tag": "=?utf-8*en?Q?Harassment_report?=",
        "rfc2047-empty-word": "=?utf-8?Q??= Report",
        "rfc2047-in-quotes": '"=?utf-8?Q?Betrug_=E2=80=93_bitte_pr=C3=BCfen?="',
    }
    for n, (what, subject) in enumerate(subjects.items()):
        corpus.add_simple(what, _person(n), created(), text, subject=subject)

    names = {
        "name-latin1-q-comma": f"{_q_word('Müller, Jörg', 'iso-8859-1')} <jorg@example.de>",
        "name-encoded-in-quotes": f'"{_b_word("Søren Kierkegård")}" <soren.k@example.dk>',
        "name-utf8-q-with-symbol": f"{_q_word('Kai Sato ✓')} <kai.sato@example.jp>",
        "name-comment-form": "rita.moreno@example.com (Rita Moreno)",
        "name-8bit-utf8": "Zoë Ångström <zoe.angstrom@example.se>",
        "name-koi8r-b": f"{_b_word('Сергей', 'koi8-r')} <sergei@example.ru>",
    }
    for what, sender in names.items():
        corpus.add_simple(what, sender, created(), text, transfer="8bit")

    latin1 = {"encoding": "latin-1", "transfer": "8bit"}
    corpus.add_simple(
        "header-8bit-utf8",
        "Jürgen Weiß <juergen.weiss@example.de>",
        created(),
        "Er möchte per Überweisung bezahlt werden.\n",
        subject="Beschwerde: Kunde verlangt Zahlung außerhalb der Plattform",
        transfer="8bit",
    )
    corpus.add_simple(
        "header-8bit-latin1",
        _octets("Frédérique Séverin <frederique@example.fr>", "latin-1"),
        created(),
        _octets("Le client m'a insulté à plusieurs reprises.\n", "latin-1"),
        subject=_octets("Réclamation: client très impoli", "latin-1"),
        content_type="text/plain; charset=iso-8859-1",
        **latin1,
    )
    lower_case = [
        "from:hugo.bauer@example.at",
        "to:support@helpdesk.example",
        "subject:lower-case header names, no space after the colon",
        f"message-id:<{corpus.key('header-lower-case')}@example.at>",
    ]
    corpus.add("header-lower-case", _eml(lower_case, "Written by a script.\n"), created())
    references = " ".join(f"<thread.{n:04d}.aaaaaaaaaa@lists.example.org>" for n in range(40))
    long_line = [f"References: {references}"]  # one line far beyond 998 characters
    corpus.add_simple("header-overlong", _person(30), created(), text, headers=long_line)
    control = "Scam\x00 report\x07 with\x1b[31m control characters"
    corpus.add_simple("header-control-characters", _person(31), created(), text, subject=control)
    second_subject = ["Subject: Second subject line"]
    corpus.add_simple("header-two-subjects", _person(32), created(), text, headers=second_subject)
    folded = "A subject folded\n\tover two lines with a tab"
    corpus.add_simple("header-crlf-folded", _person(33), created(), text, subject=folded, crlf=True)


def _charsets(corpus: _Corpus) -> None:
    """Body charsets unknown, wrong, missing or odd, and transfer encodings done badly."""
    german = "Der Kunde verlangt Zahlung außerhalb der Plattform. Grüße aus Köln.\n"
    latin1, utf8 = _octets(german, "latin-1"), _octets(german, "utf-8")
    quotes = _octets("He said “pay me outside” – that’s not allowed.\n", "windows-1252")
    korean = _b64("사기 신고.\n".encode("euc-kr"))
    gbk = _b64("客户陶喆要求站外付款。\n".encode("gbk"))
    hebrew = _qp("הלקוח מטריד אותי.\n", "iso-8859-8")
    utf16 = _b64("A report in UTF-16.\n".encode("utf-16"))
    mac = _octets("Café owner – scam\n", "mac-roman")
    qp_broken = "Bad =ZZ escape and a soft break =\nat the end=\n=C3=\n"
    uuencoded = "begin 644 report.txt\n1<V-A;2!R97!O<G0@=79E;F-O9&5D\n`\nend\n"
    cases = [  # (what, Content-Type parameters, transfer encoding, body)
        ("charset-unknown", "; charset=x-unknown", "8bit", latin1),
        ("charset-utf8-alias", "; charset=utf8", "8bit", utf8),
        ("charset-unknown-8bit", "; charset=unknown-8bit", "8bit", latin1),
        ("charset-cp1252-labelled-latin1", "; charset=iso-8859-1", "8bit", quotes),
        ("charset-ascii-with-8bit", "; charset=us-ascii", "8bit", utf8),
        ("charset-missing-8bit", "", "8bit", utf8),
        ("charset-korean-ks-c", "; charset=ks_c_5601-1987", "base64", korean),
        ("charset-gb2312-with-gbk", "; charset=gb2312", "base64", gbk),
        ("charset-hebrew-logical", "; charset=iso-8859-8-i", "quoted-printable", hebrew),
        ("charset-utf7", "; charset=unicode-1-1-utf-7", "7bit", "Gr+APw-+AN8-e, Kunde!\n"),
        ("charset-utf16", "; charset=utf-16", "base64", utf16),
        ("charset-empty", '; charset=""', "8bit", utf8),
        ("charset-invalid-utf8", "; charset=utf-8", "8bit", latin1),
        ("charset-big5", "; charset=big5", "8bit", _octets("客戶要求站外付款。\n", "big5")),
        ("charset-macintosh", "; charset=macintosh", "8bit", mac),
        ("charset-cp850", "; charset=cp-850", "8bit", _octets(german, "cp850")),
        ("charset-spaced-quoted", '; charset = "UTF-8" ', "8bit", utf8),
        ("transfer-qp-malformed", "; charset=utf-8", "quoted-printable", qp_broken),
        ("transfer-base64-bad-padding", "; charset=utf-8", "base64", "U2NhbSByZXBvcnQgYmFk\n"),
        ("transfer-base64-junk", "; charset=utf-8", "base64", "U2NhbS!!!Bqd**W5r\n"),
        ("transfer-uuencode", "; charset=us-ascii", "x-uuencode", uuencoded),
        ("transfer-binary", "; charset=utf-8", "binary", utf8),
        ("transfer-upper-case", "; charset=utf-8", " BASE64 ", _b64(german.encode())),
        ("transfer-7bit-with-8bit", "; charset=utf-8", "7bit", utf8),
        ("transfer-unknown", "; charset=utf-8", "x-gzip64", "H4sIAAAAAAAAA0tOzEnNUyhKTVEo\n"),
    ]
    for n, (what, parameters, transfer, body) in enumerate(cases):
        options = {"transfer": transfer, "encoding": "latin-1"}
        content_type = f"text/plain{parameters}"
        corpus.add_simple(
            what, _person(n + 40), created(), body, content_type=content_type, **options
        )
    no_mime = {"content_type": None, "encoding": "latin-1"}
    body = _octets("Kein MIME, aber Umlaute: äöü ß.\n", "latin-1")
    corpus.add_simple("no-mime-headers-8bit", _person(39), created(), body, **no_mime)


HTML_ONLY = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><style>p { color: #c00; }</style>'
    "<script>document.write('tracking')</script><title>Report</title></head><body>"
    "<p>The freelancer kept messaging me at night&nbsp;after the contract ended.</p>"
    "<table><tr><td>Username</td><td><b>night_owl_dev</b></td></tr><tr><td>Job</td>"
    '<td><a href="https://marketplace.example/jobs/77">Logo &amp; brand kit</a></td></tr>'
    "</table><ul><li>first message: 23:40</li><li>last message: 04:15</li></ul>"
    '<p>Kind regards,<br>Lena</p><img src="https://tracker.example/p.gif" width=1 height=1>'
    "</body></html>\n"
)


def _structures(corpus: _Corpus) -> None:
    """MIME structures as they come: broken boundaries, HTML only, odd types, deep nesting."""
    text = "The client asked for payment by bank transfer outside the platform.\n"
    plain, html = _text(text), _text(f"<p>{text}</p>\n", "html")

    def add(what: str, content_type: str | None, body: str, **options) -> None:
        sender = _person(len(corpus.mails))
        corpus.add_simple(what, sender, created(), body, content_type=content_type, **options)

    def multipart(what: str, subtype: str, parts: Sequence[str], boundary=None, **around):
        boundary = boundary or what
        body = _multipart(boundary, parts, **around)
        add(what, f'multipart/{subtype}; boundary="{boundary}"', body)

    add("boundary-missing", "multipart/mixed", _multipart("lost", [plain]))
    add("boundary-never-used", 'multipart/mixed; boundary="said"', _multipart("other", [plain]))
    add("boundary-not-closed", 'multipart/mixed; boundary="open"', f"--open\n{plain}\n--open\n")
    multipart("boundary-with-spaces", "mixed", [plain], boundary="----=_Part 1 2")
    multipart(
        "preamble-and-epilogue", "alternative", [plain, html], preamble="MIME.\n", epilogue="x\n"
    )
    multipart("alternative-html-first", "alternative", [html, plain])
    multipart("alternative-empty-text", "alternative", [_text("\n"), html])
    note = _part(
        [
            'Content-Type: text/plain; charset=utf-8; name="note.txt"',
            'Content-Disposition: attachment; filename="note.txt"',
        ],
        text,
    )
    multipart("text-as-attachment-only", "mixed", [note])
    add("html-only", "text/html; charset=utf-8", _qp(HTML_ONLY), transfer="quoted-printable")
    deposit = "<p>Caf&eacute; owner asked for a &ldquo;deposit&rdquo; – 50 € up front.</p>\n"
    cp1252 = {"transfer": "8bit", "encoding": "latin-1"}
    add("html-only-cp1252", "text/html; charset=windows-1252", _octets(deposit, "cp1252"), **cp1252)
    galaxy = b'<div dir="auto">He threatened me.</div><div dir="auto">Sent from my Galaxy</div>'
    add("html-only-samsung", "text/html; charset=UTF-8", _b64(galaxy), transfer="base64")
    invoice = _file_part(_File("invoice.pdf", "application/pdf", _pdf("invoice")))
    multipart("html-only-with-attachment", "mixed", [html, invoice])
    invite = (
        "BEGIN:VCALENDAR\nMETHOD:REQUEST\nBEGIN:VEVENT\nSUMMARY:Call\nEND:VEVENT\nEND:VCALENDAR\n"
    )
    multipart("calendar-invite", "alternative", [plain, _text(invite, "calendar; method=REQUEST")])
    add("text-enriched", "text/enriched", "<bold>Scam</bold>: he wants <italic>cash</italic>.\n")
    add("content-type-no-subtype", "text", text)
    add("content-type-garbage", "this is not a content type", text)
    no_version = [
        "From: Lars Holm <lars.holm@example.dk>",
        "To: support@helpdesk.example",
        "Subject: multipart without MIME-Version",
        f"Message-ID: <{corpus.key('no-mime-version')}@example.dk>",
        'Content-Type: multipart/mixed; boundary="nv"',
    ]
    corpus.add("no-mime-version", _eml(no_version, _multipart("nv", [plain])), created())
    mixed = _simple(corpus.key("line-ends-mixed"), _person(50), "Mixed line ends", text)
    mixed = mixed.replace(b"\nSubject", b"\r\nSubject").replace(b"\nDate", b"\r\nDate")
    corpus.add("line-ends-mixed", mixed, created())
    old_mac = _simple(corpus.key("line-ends-bare-cr"), _person(51), "Classic Mac", text)
    corpus.add("line-ends-bare-cr", old_mac.replace(b"\n", b"\r"), created())
    nested = plain
    for depth in range(40):
        nested = _nested("mixed", f"depth{depth}", [nested])
    add("deeply-nested", 'multipart/mixed; boundary="depth39"', nested.split("\n\n", 1)[1])
    p7s = _File("smime.p7s", "application/pkcs7-signature", b"0\x82\x05\x00" + _filler("p7s", 200))
    signed = 'multipart/signed; protocol="application/pkcs7-signature"; boundary="sig"'
    add("smime-signed", signed, _multipart("sig", [plain, _file_part(p7s)]))
    pgp = "-----BEGIN PGP MESSAGE-----\n\nhQEMA8x9\n=abcd\n-----END PGP MESSAGE-----\n"
    encrypted = [
        _part(["Content-Type: application/pgp-encrypted"], "Version: 1\n"),
        _part(['Content-Type: application/octet-stream; name="encrypted.asc"'], pgp),
    ]
    protocol = 'multipart/encrypted; protocol="application/pgp-encrypted"; boundary="enc"'
    add("pgp-encrypted", protocol, _multipart("enc", encrypted))
    clearsigned = f"-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n{text}"
    clearsigned += (
        "-----BEGIN PGP SIGNATURE-----\n\niQEzBAEBCAAdFiEE\n-----END PGP SIGNATURE-----\n"
    )
    add("pgp-inline-signed", "text/plain; charset=us-ascii", clearsigned)
    digest_entry = _part(["From: a@example.org", "Subject: one"], "first digest entry\n")
    multipart("multipart-digest", "digest", [digest_entry])
    add("body-empty", "text/plain; charset=utf-8", "")
    add("body-whitespace", "text/plain; charset=utf-8", " \n\t\n \n")
    add("body-nul-bytes", "text/plain; charset=utf-8", "Pasted from a log:\x00\x00 done.\n")
    add("body-very-long-line", "text/plain; charset=utf-8", "scam " * 4000 + "\n")
    headers = [
        "From: Rosa Vidal <rosa.vidal@example.es>",
        "To: support@helpdesk.example",
        "Subject: no blank line after the headers",
        f"Message-ID: <{corpus.key('no-header-separator')}@example.es>",
        "The client kept asking for my bank details.",
    ]
    corpus.add("no-header-separator", "\n".join(headers).encode() + b"\n", created())
    headers = [
        "From: Saul Weber <saul.weber@example.de>",
        "To: support@helpdesk.example",
        "Subject: headers only",
        f"Message-ID: <{corpus.key('headers-only')}@example.de>",
    ]
    corpus.add("headers-only", "\n".join(headers).encode(), created())


def _forwarded(subject: str, sender: str, text: str, files: Sequence[_File] = ()) -> str:
    """The full text of a message that someone forwards as evidence."""
    headers = [
        f"From: {sender}",
        "To: reporter@example.org",
        f"Subject: {subject}",
        "Date: Mon, 04 Nov 2024 22:10:00 +0000",
        f"Message-ID: <{_token(subject)[:16]}@evidence.example.com>",
        "MIME-Version: 1.0",
    ]
    if not files:
        return _part([*headers, "Content-Type: text/plain; charset=utf-8"], text)
    return _part(headers, _nested("mixed", "inner", [_text(text), *map(_file_part, files)]))


def _attachments(corpus: _Corpus) -> None:
    """Files: RFC 2231 and RFC 2047 names, inline images, forwarded mail, winmail.dat."""
    text = _text("Evidence attached.\n")

    def add(what: str, *parts: str, subtype: str = "mixed") -> None:
        body = _multipart(what, [text, *parts])
        content_type = f'multipart/{subtype}; boundary="{what}"'
        corpus.add_simple(
            what, _person(len(corpus.mails)), created(), body, content_type=content_type
        )

    def named(what: str, content_type: str, header: str, data: bytes | str) -> None:
        body = data if isinstance(data, str) else _b64(data)
        add(what, _part([content_type, header, "Content-Transfer-Encoding: base64"], body))

    pdf = "Content-Type: application/pdf"
    attachment = "Content-Disposition: attachment;"
    utf8_name = "Vertrag%20M%C3%A4rz%202024%20%E2%80%93%20final.pdf"
    named("rfc2231-filename", pdf, f"{attachment} filename*=UTF-8''{utf8_name}", _pdf("utf8"))
    continued = "\n filename*0*=UTF-8''%E5%A5%91%E7%B4%84%E6%9B%B8;"
    continued += "\n filename*1*=%5F%E6%9C%80%E7%B5%82%E7%89%88.pdf"
    named("rfc2231-continuations", pdf, attachment + continued, _pdf("continued"))
    french = " filename*=iso-8859-1'fr'r%E9sum%E9%20des%20faits.pdf"
    named("rfc2231-language", pdf, attachment + french, _pdf("language"))
    encoded = _b_word("Übersicht Zahlungen.xls")
    excel = f'Content-Type: application/vnd.ms-excel; name="{encoded}"'
    named("rfc2047-filename", excel, f'{attachment} filename="{encoded}"', _filler("xls", 700))
    jpeg = b"\xff\xd8\xff\xe0" + _filler("jpg", 500)
    named("name-in-content-type-only", 'Content-Type: image/jpeg; name="photo.jpg"', "", jpeg)
    binary = "Content-Type: application/octet-stream"
    named("no-filename", binary, "Content-Disposition: attachment", _filler("anon", 300))
    path = f'{attachment} filename="C:\\fakepath\\..\\evidence.png"'
    named("path-in-filename", "Content-Type: image/png", path, _png("path"))
    named("empty-attachment", pdf, f'{attachment} filename="empty.pdf"', b"")
    named("broken-base64", pdf, f'{attachment} filename="broken.pdf"', "JVBERi0x!!LjQK***\n")
    screenshots = [_File(f"screenshot-{n}.png", "image/png", _png(f"many{n}")) for n in range(7)]
    add("seven-attachments", *map(_file_part, screenshots))
    logs = [_File("chat.txt", "text/plain", data) for data in (b"first log\n", b"second log\n")]
    add("same-name-twice", *map(_file_part, logs))
    cid = "image001.png@01DB2F5A.8C1B2E30"
    logo = _File("image001.png", "image/png", _png("logo"), inline=True, content_id=cid)
    html = _text(f'<p>Evidence below.</p><img src="cid:{cid}">\n', "html")
    related = _nested("related", "rel", [html, _file_part(logo)])
    add("inline-image-related", _nested("alternative", "alt", [text, related]))

    chat = _File("chat-export.pdf", "application/pdf", _pdf("chat-export"))
    threat = "Pay me or I post your address everywhere.\n"
    evidence = _forwarded("You will regret this", "Angry <angry@example.com>", threat, [chat])
    eml = ['Content-Type: message/rfc822; name="You will regret this.eml"']
    eml += ['Content-Disposition: attachment; filename="You will regret this.eml"']
    add("forwarded-eml", _part(eml, evidence))
    outlook_item = _forwarded("Invoice", "Client <client@example.biz>", "Pay to my account.\n")
    add("forwarded-outlook-item", _part(["Content-Type: message/rfc822"], outlook_item))
    inner = _forwarded("Original threat", "Troll <troll@example.com>", "I know where you live.\n")
    middle = _part(
        ["From: Colleague <colleague@example.org>", "Subject: Fwd: Original threat"],
        _nested("mixed", "mid", [text, _part(["Content-Type: message/rfc822"], inner)]),
    )
    add("forwarded-twice", _part(["Content-Type: message/rfc822"], middle))
    encoded_item = _b64(_forwarded("Encoded", "X <x@example.com>", "Base64 inside.\n").encode())
    base64_eml = ["Content-Type: message/rfc822", "Content-Transfer-Encoding: base64"]
    add("forwarded-base64-rfc822", _part(base64_eml, encoded_item))
    inline_forward = (
        "See below.\n\n---------- Forwarded message ---------\nFrom: Angry <angry@example.com>\n"
        f"Date: Mon, 4 Nov 2024 at 22:10\nSubject: You will regret this\n\n{threat}"
    )
    corpus.add_simple("forwarded-inline", _person(60), created(), inline_forward)
    add("winmail-dat", _file_part(_File("winmail.dat", "application/ms-tnef", _tnef("winmail"))))
    tnef_only = _file_part(_File("winmail.dat", "application/ms-tnef", _tnef("only")))
    content_type = 'multipart/mixed; boundary="tnef"'
    body = _multipart("tnef", [tnef_only])
    corpus.add_simple("winmail-dat-only", _person(61), created(), body, content_type=content_type)


def _senders_and_ids(corpus: _Corpus) -> None:
    """Missing or unusable senders, missing Message-ID or Date, and things that are not mail."""
    text = "A client asked me to pay outside the platform.\n"
    unusable = {
        "from-missing": None,
        "from-group-only": "undisclosed-recipients:;",
        "from-name-only": "Just A Name",
        "from-no-domain": "bob@localhost",
        "from-local-domain": "jan.visser@corp.local",
        "from-empty": "",
        # Two mailboxes name no one sender (a forger's favourite): never guessed at.
        "from-two-addresses": "Ada Stone <ada.stone@example.org>, Bo Stone <bo@example.org>",
    }
    for what, sender in unusable.items():
        corpus.add_simple(what, sender, quarantined(NO_SENDER), text)
    usable = {
        "from-last-first": '"Lindqvist, Greta" <greta.lindqvist@example.se>',
        "from-angle-only": "<quentin.blake@example.co.uk>",
        "from-bare-address": "yara.nasser@example.com",
        "from-upper-case": "Uma Reddy <UMA.REDDY@EXAMPLE.IN>",
        "from-unicode-address": "Jürgen <jürgen@müller.example.de>",
    }
    for what, sender in usable.items():
        corpus.add_simple(what, sender, created(), text, transfer="8bit")

    vera = "Vera Holt <vera.holt@example.com>"
    corpus.add_simple("message-id-missing", vera, created(), text, message_id=False)
    corpus.add_simple("date-missing", vera, created(), text, date=None)
    for what, header in (
        ("message-id-no-brackets", "Message-ID: no-brackets.4711@example.com"),
        ("message-id-folded", "Message-ID:\n <folded.4712@example.com>"),
    ):
        corpus.add_simple(what, vera, created(), text, message_id=False, headers=[header])
    corpus.add_simple("subject-missing", vera, created(), text, subject=None)
    corpus.add_simple("subject-short", vera, created(), text, subject="Hi")
    corpus.add_simple("subject-very-long", vera, created(), text, subject="Scam " * 120)
    corpus.add_simple("to-missing", vera, created(), text, to=None)
    corpus.add("empty-file", b"", quarantined(UNREADABLE))
    corpus.add("whitespace-file", b"\n\r\n  \n", quarantined(UNREADABLE))
    garbage = b"\x89PNG\r\n\x1a\n" + _filler("garbage", 400)
    corpus.add("binary-garbage", garbage, quarantined(UNREADABLE + NO_SENDER))
    saved_text = b"Hello, this is just a text file someone saved as .eml\n"
    corpus.add("not-mail-text", saved_text, quarantined(UNREADABLE + NO_SENDER))


def _sizes(corpus: _Corpus) -> None:
    """Messages around the per-message limit, and files around the per-attachment limit."""

    def padded(what: str, total: int) -> bytes:
        head = _simple(corpus.key(what), _person(70), f"Size case: {what}", "Chat log:\n")
        line = b"x" * 75 + b"\n"
        body = line * ((total - len(head)) // len(line))
        return head + body + b"y" * (total - len(head) - len(body))

    over = padded("size-far-over-limit", MAX_MESSAGE_BYTES + 20_000)
    corpus.add("size-far-over-limit", over, quarantined(TOO_LARGE))
    over = padded("size-one-byte-over", MAX_MESSAGE_BYTES + 1)
    corpus.add("size-one-byte-over", over, quarantined(TOO_LARGE), exact_size=True)
    corpus.add(
        "size-at-limit", padded("size-at-limit", MAX_MESSAGE_BYTES), created(), exact_size=True
    )
    for what, size in (
        ("oversized-attachment", MAX_ATTACHMENT_BYTES + 8_000),
        ("attachment-at-limit", MAX_ATTACHMENT_BYTES),
    ):
        pdf = _File(f"{what}.pdf", "application/pdf", _pdf(what, size))
        body = _multipart(what, [_text("The contract is attached.\n"), _file_part(pdf)])
        content_type = f'multipart/mixed; boundary="{what}"'
        corpus.add_simple(what, _person(71), created(), body, content_type=content_type)


def _aliases(corpus: _Corpus) -> None:
    """New reports take their category from the alias they were sent to."""
    cases = [
        ("alias-abuse", "To: abuse@helpdesk.example", "harassment"),
        ("alias-display-name-and-case", 'To: "T & S" <Abuse@HelpDesk.Example>', "harassment"),
        ("alias-in-cc", "Cc: fraud@helpdesk.example", "fraud"),
        ("alias-ip", "To: ip@helpdesk.example", "intellectual-property"),
        ("alias-inactive-category", "To: legacy@helpdesk.example", DEFAULT_CATEGORY),
        ("alias-other-domain", "To: safety@marketplace.example", "harassment"),
        (
            "alias-first-of-two",
            "To: ip@helpdesk.example, abuse@helpdesk.example",
            "intellectual-property",
        ),
        ("no-alias-support", f"To: {SUPPORT}", DEFAULT_CATEGORY),
        ("no-alias-undisclosed", "To: undisclosed-recipients:;", DEFAULT_CATEGORY),
    ]
    for n, (what, header, category) in enumerate(cases):
        to = None if header.startswith("To:") else "friend@example.com"
        text = "Reporting a member who harassed me.\n"
        corpus.add_simple(what, _person(n + 80), created(category), text, to=to, headers=[header])


def _own_addresses(corpus: _Corpus) -> None:
    """Mail from our own addresses is a loop, never a report."""
    senders = {
        "own-support": f"Trust & Safety <{SUPPORT}>",
        "own-support-upper-case": SUPPORT.upper(),
        "own-reply-address": corpus.world.reply_address(corpus.world.open),
        "own-reply-domain": f"notifications@{corpus.world.reply_domain}",
        "own-alias": "abuse@helpdesk.example",
        "own-alias-other-domain": "Safety Team <safety@marketplace.example>",
    }
    for what, sender in senders.items():
        corpus.add_simple(what, sender, ignored(OWN_ADDRESS), "We received your report.\n")


def _automated(corpus: _Corpus) -> None:
    """Auto-replies, lists and robots: one rule each, then as vendors send them, then mail
    that only looks automated."""
    world = corpus.world
    away = "I am out of the office until 18 November with limited access to email.\n"
    one_rule = [
        ("auto-submitted-auto-replied", "Auto-Submitted: auto-replied", AUTO_SUBMITTED),
        ("auto-submitted-auto-generated", "Auto-Submitted: auto-generated", AUTO_SUBMITTED),
        ("auto-submitted-auto-notified", "Auto-Submitted: auto-notified", AUTO_SUBMITTED),
        ("auto-submitted-odd-case", "AUTO-SUBMITTED: Auto-Replied", AUTO_SUBMITTED),
        (
            "auto-submitted-parameter",
            'Auto-Submitted: auto-replied; owner="b@x.org"',
            AUTO_SUBMITTED,
        ),
        ("precedence-bulk", "Precedence: bulk", PRECEDENCE),
        ("precedence-junk", "Precedence: junk", PRECEDENCE),
        ("precedence-list", "Precedence: list", PRECEDENCE),
        ("precedence-capitalised", "Precedence: Bulk", PRECEDENCE),
        ("x-autoreply", "X-Autoreply: yes", X_AUTOREPLY),
        ("x-autorespond", "X-Autorespond: Out of office", X_AUTORESPOND),
        ("list-id", "List-Id: Freelancers Chat <chat.lists.example.org>", LIST_HEADER),
        ("list-unsubscribe", "List-Unsubscribe: <mailto:leave@news.example.com>", LIST_HEADER),
        ("list-post", "List-Post: <mailto:chat@lists.example.org>", LIST_HEADER),
        (
            "list-help",
            "List-Help: <mailto:chat-request@lists.example.org?subject=help>",
            LIST_HEADER,
        ),
        ("list-subscribe", "List-Subscribe: <mailto:chat-join@lists.example.org>", LIST_HEADER),
        ("list-owner", "List-Owner: <mailto:chat-owner@lists.example.org>", LIST_HEADER),
        ("list-archive", "List-Archive: <https://lists.example.org/archive/chat/>", LIST_HEADER),
        ("list-id-upper-case", "LIST-ID: <chat.lists.example.org>", LIST_HEADER),
        (
            "x-mailing-list",
            "X-Mailing-List: <chat@lists.example.org> archive/latest/4",
            LIST_HEADER,
        ),
        ("mailing-list", "Mailing-List: contact chat-help@lists.example.org", LIST_HEADER),
        ("x-beenthere", "X-BeenThere: chat@lists.example.org", LIST_HEADER),
        ("x-loop", "X-Loop: autoresponder@shop.example.com", LIST_HEADER),
        ("precedence-auto-reply", "Precedence: auto-reply", PRECEDENCE),
        ("x-precedence", "X-Precedence: Bulk", PRECEDENCE),
        ("return-path-null", "Return-Path: <>", NULL_RETURN_PATH),
    ]
    for n, (what, header, reason) in enumerate(one_rule):
        corpus.add_simple(what, _person(n + 90), ignored(reason), away, headers=[header])
    robots = [
        ("sender-mailer-daemon", "MAILER-DAEMON@mx.example.net", MAILER_DAEMON),
        (
            "sender-mailer-daemon-named",
            "Mail Delivery <Mailer-Daemon@smtp.example.org>",
            MAILER_DAEMON,
        ),
        ("sender-postmaster", "postmaster@example.org", POSTMASTER),
        # Bounces whose From holds no usable address: still robots, never quarantined.
        ("sender-mailer-daemon-bare", "MAILER-DAEMON", MAILER_DAEMON),
        (
            "sender-mailer-daemon-no-domain",
            "Mail Delivery Subsystem <MAILER-DAEMON>",
            MAILER_DAEMON,
        ),
        ("sender-no-reply", "Marketplace <no-reply@marketplace-news.example>", NO_REPLY),
        ("sender-noreply", "noreply@notifications.example.com", NO_REPLY),
        ("sender-do-not-reply", "Billing <do-not-reply@billing.example.com>", NO_REPLY),
        ("sender-donotreply", "DoNotReply@bank.example.com", NO_REPLY),
    ]
    for what, sender, reason in robots:
        corpus.add_simple(what, sender, ignored(reason), "This message was sent automatically.\n")

    # As vendors send them; the first two answer the reporter's acknowledgment, as it asked.
    ack = world.open.ack_message_id
    dana = f"From: {REPORTER_NAME} <{REPORTER}>"
    vendors = {
        "vendor-exchange-oof": (
            [dana, "Subject: Automatic reply: We received your report", f"In-Reply-To: {ack}"],
            ["Auto-Submitted: auto-replied", "X-Auto-Response-Suppress: All"],
            [f"To: {world.reply_address(world.open)}"],
            AUTO_SUBMITTED,
        ),
        "vendor-gmail-vacation": (
            [dana, f"Subject: Re: [{world.open.reference}] We received your report"],
            [f"In-Reply-To: {ack}", f"References: {ack}", "Auto-Submitted: auto-replied"],
            [f"To: {SUPPORT}"],
            AUTO_SUBMITTED,
        ),
        "vendor-postfix-vacation": (
            ["From: Nadia Berg <nadia.berg@example.se>", "Subject: Away from my mail"],
            ["Precedence: junk", "X-Mailer: vacation"],
            [f"To: {SUPPORT}"],
            PRECEDENCE,
        ),
        "vendor-cpanel-autoresponder": (
            ["From: Sales <sales@shop.example.com>", "Subject: Autoreply: We got your message"],
            ["X-Autorespond: We got your message", "Precedence: auto_reply"],
            [f"To: {SUPPORT}"],
            X_AUTORESPOND,
        ),
        "vendor-icloud-vacation": (
            ["From: Paul Gray <paul.gray@icloud.example>", "Subject: Re: Your report"],
            ["X-Autoreply: yes"],
            [f"To: {SUPPORT}"],
            X_AUTOREPLY,
        ),
        "vendor-zendesk-ack": (
            [
                "From: Acme Support <help@acme.example.com>",
                "Subject: [Request received] Re: Report",
            ],
            ["Auto-Submitted: auto-generated", "X-Zendesk-From-Account-Id: 1a2b3c"],
            [f"To: {SUPPORT}"],
            AUTO_SUBMITTED,
        ),
        "vendor-lotus-notes-oof": (
            ["From: Gary Mills <gary.mills@corp.example>", "Subject: Gary is out of the office."],
            ["Auto-Submitted: auto-generated", "X-Mailer: Lotus Notes Release 8.5.3"],
            [f"To: {SUPPORT}"],
            AUTO_SUBMITTED,
        ),
        "vendor-mailman-digest": (
            ["From: chat-request@lists.example.org", "Subject: Chat Digest, Vol 12, Issue 3"],
            ["List-Id: Freelancers Chat <chat.lists.example.org>", "Precedence: list"],
            ["List-Post: <mailto:chat@lists.example.org>", "To: chat@lists.example.org"],
            LIST_HEADER + PRECEDENCE,
        ),
        "vendor-google-groups": (
            ["From: Member <member@example.com>", "Subject: [freelancers] Scammed by this client?"],
            ["List-Id: <freelancers.googlegroups.example>", "Mailing-list: list freelancers"],
            ["List-Post: <https://groups.example.com/group/freelancers/post>"],
            LIST_HEADER,
        ),
        "vendor-mailchimp-newsletter": (
            ["From: News <news@mail.marketplace-news.example>", "Subject: Weekly freelance tips"],
            ["List-Unsubscribe: <https://list-manage.example/u?id=2>", "Precedence: bulk"],
            ["List-Unsubscribe-Post: List-Unsubscribe=One-Click", f"To: {SUPPORT}"],
            LIST_HEADER + PRECEDENCE,
        ),
    }
    for what, (*headers, reason) in vendors.items():
        lines = [line for group in headers for line in group]
        corpus.add_simple(what, None, ignored(reason), away, subject=None, to=None, headers=lines)

    looks_automated = [
        ("auto-submitted-no", "Ana Lopez <ana.lopez@example.mx>", "Auto-Submitted: no"),
        ("precedence-normal", "Ben Ito <ben.ito@example.jp>", "Precedence: normal"),
        ("name-like-no-reply", "Noreen Replyson <noreen.reply@example.ie>", None),
        ("name-like-postmaster", '"Former postmaster Bob" <bob.hart@example.net>', None),
        (
            "only-auto-response-suppress",
            "Cara Wu <cara.wu@example.com>",
            "X-Auto-Response-Suppress: All",
        ),
        ("delivery-words-in-text", "Dev Rao <dev.rao@example.in>", None),
    ]
    text = "The client said: 'mail delivery failed, undeliverable' – a lie, he got my files.\n"
    for what, sender, header in looks_automated:
        corpus.add_simple(what, sender, created(), text, headers=[header] if header else [])


def _returned(ticket: WorldTicket) -> str:
    """The headers of one of our acknowledgments, as a bounce returns them."""
    return (
        f"Return-Path: <{SUPPORT}>\nFrom: Trust & Safety <{SUPPORT}>\nTo: {ticket.reporter}\n"
        f"Subject: We received your report\nDate: Tue, 05 Nov 2024 09:20:00 +0000\n"
        f"Message-ID: {ticket.ack_message_id}\nAuto-Submitted: auto-generated\n"
        "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
    )


def _delivery_status(recipient: str, action: str = "failed", status: str = "5.1.1") -> str:
    return _part(
        ["Content-Type: message/delivery-status"],
        "Reporting-MTA: dns; mx.example.net\nArrival-Date: Tue, 5 Nov 2024 09:20:01 +0000\n\n"
        f"Final-Recipient: rfc822; {recipient}\nAction: {action}\nStatus: {status}\n"
        f"Diagnostic-Code: smtp; 550 {status} <{recipient}>: Recipient address rejected\n",
    )


def _bounces(corpus: _Corpus) -> None:
    """Delivery reports as the common mail systems write them, each returning one
    acknowledgment we sent; and reports that return nothing of ours, or no failure at all."""
    sent = corpus.world.sent

    def returned_message(ticket: WorldTicket) -> str:
        body = _returned(ticket) + "\nThank you for your report.\n"
        return _part(["Content-Type: message/rfc822"], body)

    def returned_headers(ticket: WorldTicket) -> str:
        return _part(["Content-Type: text/rfc822-headers"], _returned(ticket))

    def report(what: str, sender: str, subject: str, parts, expected, kind="delivery-status"):
        boundary = f"{_token(what)[:10]}.1730800000/mx.example.net"
        content_type = f'multipart/report; report-type={kind};\n\tboundary="{boundary}"'
        body = "This is a MIME-encapsulated message.\n\n" + _multipart(boundary, parts)
        headers = ["Auto-Submitted: auto-replied", "Return-Path: <>"]
        options = {"headers": headers, "content_type": content_type, "subject": subject}
        corpus.add_simple(what, sender, expected, body, **options)

    def bounced(ticket: WorldTicket) -> Expected:
        return ignored(ANY_AUTOMATED, bounces=ticket.ack_message_id)

    notice = _text(
        "This is the mail system at host mx.example.net.\n\nYour message could not be delivered.\n"
    )
    report(
        "bounce-postfix",
        "MAILER-DAEMON@mx.example.net (Mail Delivery System)",
        "Undelivered Mail Returned to Sender",
        [notice, _delivery_status(sent[0].reporter), returned_message(sent[0])],
        bounced(sent[0]),
    )
    report(
        "bounce-exim",
        "Mail Delivery System <Mailer-Daemon@mail.example.pl>",
        "Mail delivery failed: returning message to sender",
        [notice, _delivery_status(sent[1].reporter), returned_headers(sent[1])],
        bounced(sent[1]),
    )
    ndr = _nested(
        "alternative",
        "ndr",
        [_text("Your message couldn't be delivered.\n"), _text("<p>Undeliverable</p>\n", "html")],
    )
    report(
        "bounce-exchange",
        "Microsoft Outlook <postmaster@example.co.uk>",
        "Undeliverable: We received your report",
        [ndr, _delivery_status(sent[2].reporter, status="5.4.1"), returned_message(sent[2])],
        bounced(sent[2]),
    )
    google = _nested("related", "gm", [_text("<p>Address not found</p>\n", "html")])
    report(
        "bounce-gmail",
        "Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
        "Delivery Status Notification (Failure)",
        [google, _delivery_status(sent[3].reporter), returned_message(sent[3])],
        bounced(sent[3]),
    )
    qmail = (
        "Hi. This is the qmail-send program at mail.example.in.\nI'm afraid I wasn't able to "
        f"deliver your message to the following addresses.\n\n<{sent[4].reporter}>:\n"
        "Sorry, no mailbox here by that name. (#5.1.1)\n\n"
        f"--- Below this line is a copy of the message.\n\n{_returned(sent[4])}\nThank you.\n"
    )
    from_qmail = "MAILER-DAEMON@mail.example.in"
    bounce = ignored(MAILER_DAEMON, bounces=sent[4].ack_message_id)
    corpus.add_simple(
        "bounce-qmail", from_qmail, bounce, qmail, subject="failure notice", content_type=None
    )
    report(
        "bounce-sendmail",
        "Mail Delivery Subsystem <MAILER-DAEMON@relay.example.ru>",
        "Returned mail: see transcript for details",
        [
            _text("----- The following addresses had permanent fatal errors -----\n"),
            _delivery_status(sent[5].reporter),
            returned_message(sent[5]),
        ],
        bounced(sent[5]),
    )
    report(  # a delay warning: the mail is still on its way
        "dsn-delayed",
        "MAILER-DAEMON@mx.example.org (Mail Delivery System)",
        "Delayed Mail (still being retried)",
        [notice, _delivery_status(sent[6].reporter, "delayed", "4.4.1"), returned_headers(sent[6])],
        ignored(ANY_AUTOMATED),
    )
    disposition = (
        f"Reporting-UA: example.ae; Outlook\nFinal-Recipient: rfc822;{sent[7].reporter}\n"
        f"Original-Message-ID: {sent[7].ack_message_id}\n"
        "Disposition: manual-action/MDN-sent-manually; displayed\n"
    )
    report(  # a read receipt: the mail arrived
        "read-receipt",
        f"Noor Haddad <{sent[7].reporter}>",
        "Read: We received your report",
        [
            _text("Your message was read.\n"),
            _part(["Content-Type: message/disposition-notification"], disposition),
        ],
        ignored(ANY_AUTOMATED),
        kind="disposition-notification",
    )
    forged = WorldTicket("", "nobody@example.net", "<spam.123@forged.example>")
    report(
        "bounce-not-ours",
        "MAILER-DAEMON@mx.example.net (Mail Delivery System)",
        "Undelivered Mail Returned to Sender",
        [notice, _delivery_status(forged.reporter), returned_headers(forged)],
        ignored(ANY_AUTOMATED),
    )
    only_report = _multipart("pr", [notice, _delivery_status("x@example.com")])
    content_type = 'multipart/report; report-type=delivery-status; boundary="pr"'
    sender = "Delivery Reports <reports@mx.example.com>"
    corpus.add_simple(
        "report-from-plain-address", sender, ignored(REPORT), only_report, content_type=content_type
    )


# How clients quote the mail they answer; {reference} is filled in.
QUOTES = {
    "gmail": "On Tue, 5 Nov 2024 at 09:20, Trust & Safety <support@helpdesk.example> wrote:\n"
    f"> {ACK_TEXT}.\n> Reference: {{reference}}\n",
    "outlook": "-----Original Message-----\nFrom: Trust & Safety <support@helpdesk.example>\n"
    "Sent: Tuesday, November 5, 2024 9:20 AM\nTo: Dana Whitfield <dana@example.org>\n"
    f"Subject: We received your report\n\n{ACK_TEXT}.\nReference: {{reference}}\n",
    "outlook-new": "________________________________\n"
    "From: Trust & Safety <support@helpdesk.example>\n"
    "Sent: Tuesday, 5 November 2024 09:20\nTo: Dana Whitfield <dana@example.org>\n"
    f"Subject: We received your report\n\n{ACK_TEXT}.\n",
    "outlook-german": "-----Ursprüngliche Nachricht-----\n"
    "Von: Trust & Safety <support@helpdesk.example>\n"
    "Gesendet: Dienstag, 5. November 2024 09:20\nAn: Dana Whitfield <dana@example.org>\n"
    f"Betreff: We received your report\n\n{ACK_TEXT}.\n",
    "apple": "> On 5 Nov 2024, at 09:20, Trust & Safety <support@helpdesk.example> wrote:\n>\n"
    f"> {ACK_TEXT}.\n",
    "thunderbird": f"On 11/5/24 09:20, Trust & Safety wrote:\n> {ACK_TEXT}.\n>\n> -- \n> T&S\n",
    "french": "Le mar. 5 nov. 2024 à 09:20, Trust & Safety <support@helpdesk.example> a écrit :\n"
    f"> {ACK_TEXT}.\n",
    "signature": "-- \nDana Whitfield\nSenior Designer | +44 20 7946 0000\n",
}


def _reply(
    corpus: _Corpus,
    what: str,
    sender: str,
    text: str,
    expected: Expected,
    *,
    quote: str = "gmail",
    reference: str = "",
    subject: str = "Re: We received your report",
    **options,
) -> str:
    """A reply that quotes our acknowledgment below the new text."""
    body = _qp(f"{text}\n\n{QUOTES[quote].replace('{reference}', reference)}")
    options.setdefault("transfer", "quoted-printable")
    return corpus.add_simple(what, sender, expected, body, subject=subject, **options)


def _replies(corpus: _Corpus) -> None:
    """The reporter answering: to the signed reply address the acknowledgment's Reply-To
    gives, or by In-Reply-To, References or the subject with our server's DKIM or DMARC pass."""
    world = corpus.world
    dana = f"{REPORTER_NAME} <{REPORTER}>"
    ticket, ack = world.open, world.open.ack_message_id
    address = world.reply_address(ticket)
    by_subject = f"RE: [{ticket.reference}] We received your report"
    chain = [f"References: <a@example.org> {ack} <b@example.org>"]
    both = [f"In-Reply-To: {ack}", f"References: {ack}"]
    encoded = _q_word(f"AW: [{ticket.reference}] Nachtrag – Beweise")
    lower = ticket.reference.lower()
    postfix, gmail = postfix_results("example.org"), gmail_results(REPORTER)
    dmarc_only = postfix_results("example.org", dkim="fail")
    cases = {
        "reply-token-gmail": {"to": address},
        "reply-token-in-cc": {"headers": [f"Cc: {address}"], "quote": "thunderbird"},
        "reply-token-upper-case": {"to": address.upper(), "quote": "apple"},
        "reply-sender-upper-case": {"to": address, "sender": REPORTER.upper()},
        "reply-in-reply-to": {"headers": [f"In-Reply-To: {ack}", *postfix], "quote": "outlook"},
        "reply-references-only": {"headers": chain + gmail, "quote": "outlook-new"},
        "reply-subject-reference": {
            "subject": by_subject,
            "headers": dmarc_only,
            "quote": "outlook-german",
        },
        "reply-subject-lower-case": {
            "subject": f"Re: {lower}",
            "headers": gmail,
            "quote": "french",
        },
        "reply-subject-encoded": {"subject": encoded, "headers": postfix},
        "reply-all-three": {"to": address, "subject": by_subject, "headers": both, "crlf": True},
        "reply-merged-ticket": {"to": world.reply_address(world.merged)},
        "reply-quoted-local-part": {"to": address, "sender": '"dana"@example.org'},
        "reply-domain-trailing-dot": {"to": address, "sender": f"{REPORTER_NAME} <{REPORTER}.>"},
    }
    for n, (what, options) in enumerate(cases.items()):
        text = f"More information ({what}): he wrote to me again on {n + 6} November."
        sender = options.pop("sender", dana)
        _reply(corpus, what, sender, text, appended(ticket), reference=ticket.reference, **options)
    text = "I found two more messages from him this morning."
    in_reply = [f"In-Reply-To: {ack}", *postfix]
    options = {"quote": "outlook", "reference": ticket.reference, "headers": in_reply}
    _reply(corpus, "reply-trimmed-outlook", dana, text, appended(ticket), **options)
    screenshot = _file_part(_File("new-threat.png", "image/png", _png("reply-screenshot")))
    with_file = _multipart(
        "files", [_text(f"Screenshot attached.\n\n{QUOTES['apple']}"), screenshot]
    )
    options = {"to": address, "content_type": 'multipart/mixed; boundary="files"'}
    corpus.add_simple("reply-with-attachment", dana, appended(ticket), with_file, **options)
    solved = {"to": world.reply_address(world.solved)}
    _reply(corpus, "reply-to-solved", dana, "It started again.", appended(world.solved), **solved)
    erin = f"{OTHER_REPORTER_NAME} <{OTHER_REPORTER}>"
    theirs = {
        "headers": [
            f"In-Reply-To: {world.others.ack_message_id}",
            *postfix_results("example.net"),
        ]
    }
    _reply(corpus, "reply-other-reporter", erin, "The job link.", appended(world.others), **theirs)

    # Follow-ups to reports made earlier in this corpus, by the Message-ID we received.
    for client in ("gmail", "outlook", "thunderbird"):
        first = corpus.raw(corpus.firsts[client])
        results = gmail_results(email.utils.parseaddr(_sender(first))[1])
        options = {
            "headers": [f"In-Reply-To: {_message_id(first)}", *results],
            "quote": "signature",
        }
        expected = same_as(corpus.firsts[client], "appended")
        text = "Sorry, I forgot the attachment yesterday."
        _reply(corpus, f"followup-{client}", _sender(first), text, expected, **options)


def _ticket_trick(corpus: _Corpus) -> None:
    """Anyone but the reporter writing to a ticket's address starts a report of their own (P7)."""
    world = corpus.world
    mallory, dana = f"{STRANGER_NAME} <{STRANGER}>", f"{REPORTER_NAME} <{REPORTER}>"
    target, ack = world.open, world.open.ack_message_id
    address = world.reply_address(target)
    forged = f"support+{target.reference.lower()}.aaaaaaaaaaaaaaaa@{world.reply_domain}"
    theirs = corpus.raw(corpus.firsts["apple-mail"])
    cases = [
        ("trick-token", mallory, {"to": address}),
        ("trick-in-reply-to", mallory, {"headers": [f"In-Reply-To: {ack}"]}),
        ("trick-references", mallory, {"headers": [f"References: {ack}"]}),
        ("trick-subject", mallory, {"subject": f"Re: [{target.reference}] Your report"}),
        (
            "trick-spoofed-name",
            f"{REPORTER_NAME} <dana.whitfield@freemail.example>",
            {"to": address},
        ),
        ("trick-reply-to-header", mallory, {"to": address, "headers": [f"Reply-To: {REPORTER}"]}),
        ("trick-closed-ticket", mallory, {"to": world.reply_address(world.closed)}),
        ("trick-reporter-other-ticket", dana, {"to": world.reply_address(world.others)}),
        ("trick-forged-signature", dana, {"to": forged}),
        ("trick-unknown-reference", dana, {"subject": "Re: [HD-ZZZZZZZZ] Your report"}),
        (
            "trick-answers-others-mail",
            mallory,
            {"headers": [f"In-Reply-To: {_message_id(theirs)}"]},
        ),
    ]
    for what, sender, options in cases:
        text = f"Please add this to the report ({what}); its owner does not need to know."
        _reply(corpus, what, sender, text, created(), **options)


def _forged_senders(corpus: _Corpus) -> None:
    """The reporter's address in From without proof that the reporter sent it (P7): an
    ambiguous From is quarantined; an unverified one opens a new ticket linked to the one it
    names, and the reporter's thread stays as it was."""
    world = corpus.world
    target, ack = world.open, world.open.ack_message_id
    dana, attacker = f"{REPORTER_NAME} <{REPORTER}>", "attacker@mallory.example"
    reply = [f"In-Reply-To: {ack}"]
    text = "Please add this to the report."
    ambiguous = {
        "forged-address-as-name": f"{REPORTER} <{attacker}>",
        "forged-two-mailboxes": f"{REPORTER}, {attacker}",
        "forged-two-angle-addresses": f"{REPORTER_NAME} <{REPORTER}> <{attacker}>",
        "forged-group": f"grp: {REPORTER};",
    }
    for what, sender in ambiguous.items():
        _reply(corpus, what, sender, text, quarantined(NO_SENDER), headers=reply)
    two_froms = [f"From: {attacker}", *reply]
    _reply(corpus, "forged-two-from-headers", dana, text, quarantined(NO_SENDER), headers=two_froms)
    failed = postfix_results("example.org", dkim="fail", dmarc="fail")
    unverified = {
        "forged-no-results": reply,
        "forged-results-of-another-server": reply + gmail_results(REPORTER, "mx.google.com"),
        "forged-dkim-and-dmarc-fail": reply + failed,
        "forged-pass-for-another-domain": reply + postfix_results("mallory.example"),
        "forged-pass-below-ours": reply + failed[:1] + gmail_results(REPORTER),
    }
    for what, headers in unverified.items():
        expected = created(linked_to=target.reference)
        _reply(corpus, what, dana, text, expected, reference=target.reference, headers=headers)
    by_subject = f"Re: [{target.reference}] We received your report"
    expected = created(linked_to=target.reference)
    _reply(corpus, "forged-subject-only", dana, text, expected, subject=by_subject)


def _closed_tickets(corpus: _Corpus) -> None:
    """The reporter's reply to a closed ticket opens a new ticket linked to it."""
    world, closed = corpus.world, corpus.world.closed
    cases = {
        "closed-by-token": {"to": world.reply_address(closed)},
        "closed-by-in-reply-to": {"headers": [f"In-Reply-To: {closed.ack_message_id}"]},
        "closed-by-subject": {"subject": f"Re: [{closed.reference}] We received your report"},
    }
    for what, options in cases.items():
        expected = created(linked_to=closed.reference)
        text = f"He is back with a new account ({what})."
        _reply(corpus, what, f"{REPORTER_NAME} <{REPORTER}>", text, expected, **options)


def _duplicates(corpus: _Corpus) -> None:
    """The same message again: the same bytes, or the same Message-ID in other bytes."""
    firsts = corpus.firsts
    for what in ("gmail", "reply-trimmed-outlook", "auto-submitted-auto-replied", "from-missing"):
        original = firsts.get(what) or corpus.file(what)
        corpus.add(f"duplicate-of-{what}", corpus.raw(original), same_as(original))
    original = corpus.file("message-id-missing")
    corpus.add("duplicate-without-message-id", corpus.raw(original), same_as(original))
    relayed = b"Received: from backup-mx.helpdesk.example by mx.helpdesk.example\n"
    relayed += corpus.raw(firsts["outlook"])
    corpus.add("duplicate-relayed", relayed, same_as(firsts["outlook"]))
    crlf = corpus.raw(firsts["apple-mail"]).replace(b"\n", b"\r\n")
    corpus.add("duplicate-crlf-copy", crlf, same_as(firsts["apple-mail"]))
    changed = corpus.raw(firsts["iphone"]).replace(b"from my iPhone", b"from my iPad")
    corpus.add("duplicate-same-message-id", changed, same_as(firsts["iphone"]))


def build_corpus(world: World) -> list[CorpusMail]:
    """Every message, in the order intake must see them, with its expected outcome."""
    corpus = _Corpus(world)
    for part in (
        _clients,
        _international,
        _encoded_headers,
        _charsets,
        _structures,
        _attachments,
        _senders_and_ids,
        _sizes,
        _aliases,
        _own_addresses,
        _automated,
        _bounces,
        _replies,
        _ticket_trick,
        _forged_senders,
        _closed_tickets,
        _duplicates,
    ):
        part(corpus)
    return corpus.mails


def write_corpus(directory: Path, world: World) -> dict[str, Expected]:
    """Each message as directory/NNN-what.eml; the expected outcome by file name."""
    directory.mkdir(parents=True, exist_ok=True)
    mails = build_corpus(world)
    for mail in mails:
        (directory / mail.name).write_bytes(mail.raw)
    return {mail.name: mail.expected for mail in mails}


def write_mbox(path: Path, mails: Sequence[CorpusMail]) -> None:
    """The messages as one mbox (mboxo: a body line starting "From " gets a ">")."""
    box = mailbox.mbox(path)
    try:
        for mail in mails:
            box.add(mail.raw)  # bytes go in as they are; a Message would be generated anew
        box.flush()
    finally:
        box.close()


def write_maildir(directory: Path, mails: Sequence[CorpusMail]) -> None:
    """The messages as a Maildir whose name order is corpus order: the first half already
    seen (in cur/, with flags), the rest new."""
    for sub in ("tmp", "new", "cur"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    for number, mail in enumerate(mails):
        unique = f"{1730790000 + number}.M{number:06d}P4242.mx.helpdesk.example"
        if number < len(mails) // 2:
            (directory / "cur" / f"{unique}:2,S").write_bytes(mail.raw)
        else:
            (directory / "new" / unique).write_bytes(mail.raw)
