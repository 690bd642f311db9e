"""Raw mail bytes to a ParsedMail: addresses, readable text, attachments, automated-mail signs.

Real mail is often broken: unknown or wrong charsets, raw 8-bit headers, missing boundaries,
damaged base64. parse() degrades gracefully and lists what was odd in `defects`; it raises
only Unparseable, for bytes that are not a mail message.

The email package finds the MIME structure. Its Compat32 policy keeps header values as the
raw text (policy.default's header objects raise on some malformed headers and turn 8-bit bytes
into U+FFFD), so encoded words, charsets and parameters are decoded here, with fallbacks.
"""

import binascii
import codecs
import email.errors
import io
import mimetypes
import re
from dataclasses import dataclass, field
from email.feedparser import BytesFeedParser
from email.generator import BytesGenerator
from email.message import Message
from email.parser import BytesParser
from email.policy import Compat32, default
from email.utils import getaddresses

from ..attachments import clean_filename
from ..mail.text import CONTROL_CHARACTERS, clean_text, html_to_text
from . import senders


class Unparseable(Exception):
    """The bytes are not a mail message we can read; str() is the reason shown to admins."""


class OverLimit(Unparseable):
    """The message has more MIME parts or files than intake takes; str() says which."""


@dataclass(frozen=True)
class MailAttachment:
    filename: str  # decoded, never empty
    content_type: str  # as declared, lower-case
    data: bytes
    inline: bool  # an image shown in the text (inline or with a Content-ID) rather than a file


@dataclass(frozen=True)
class ParsedMail:
    message_id: str | None
    sender: str | None  # the one From mailbox, its domain lower-cased; None when ambiguous
    sender_name: str
    sender_problem: str | None  # why there is no sender: no From, several, a group, garbage…
    authentication: senders.Authentication | None  # what our receiving server recorded
    recipients: tuple[str, ...]  # To, Cc, Delivered-To, X-Original-To, Envelope-To
    subject: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    text: str
    attachments: tuple[MailAttachment, ...]
    oversized: tuple[str, ...]  # "video.mp4 (31.2 MB)"
    automated: str | None  # the rule that says this mail is automated
    bounced_message_ids: tuple[str, ...]
    defects: tuple[str, ...]


# Headers of which a mail message has at least one; bytes without any are not mail.
_MAIL_HEADERS = frozenset(
    {
        "from", "to", "cc", "subject", "date", "message-id", "received", "return-path",
        "sender", "reply-to", "mime-version", "content-type", "delivered-to",
        "in-reply-to", "references",
    }
)  # fmt: skip
_RECIPIENT_HEADERS = ("to", "cc", "delivered-to", "x-original-to", "envelope-to")
_MAX_DEPTH = 20  # MIME nesting followed; real mail stays far below
_MAX_DEFECTS = 20
_CHUNK = 64 * 1024
_MESSAGE_ID = re.compile(r"<[^<>]+>")
_OUR_MESSAGE_ID = re.compile(r"<hd\.[0-9a-f]{32}@[^<>\s]+>")
_CONTENT_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")
_ADDRESS = re.compile(r"[^@\s<>]+@[^@\s<>]+")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bq])\?([^?]*)\?=", re.IGNORECASE)
_BASE64_JUNK = bytes(
    set(range(256)) - set(b"+/0123456789" + bytes(range(65, 91)) + bytes(range(97, 123)))
)
# A boundary line followed by a part's first header or its blank line.
_BOUNDARY_LINE = re.compile(rb"^--([^\s\"]{1,200})[ \t]*\r?\n(?=[!-9;-~]+:|\r?\n)", re.MULTILINE)
_HEADER_END = re.compile(rb"(?:\r\n|\r(?!\n)|\n)(?:\r\n|\r(?!\n)|\n)")

# Charset labels mail uses that Python knows under another name, or whose superset is meant.
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "iso-8859-8-i": "iso-8859-8",
    "x-mac-roman": "mac-roman",
}
# Western single-byte codecs and what to read them as: mail labelled ASCII or Latin-1 often
# holds Windows-1252 punctuation (browsers read these labels as Windows-1252 too).
_WESTERN = {
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "cp1252": "cp1252",
    "iso8859-15": "iso8859-15",
}
_TNEF_TYPES = frozenset({"application/ms-tnef", "application/vnd.ms-tnef"})
_SIGNATURE_TYPES = frozenset(
    {"application/pgp-signature", "application/pkcs7-signature", "application/x-pkcs7-signature"}
)
_RETURNED_HEADERS_TYPES = frozenset({"text/rfc822-headers", "message/rfc822-headers"})

_NOREPLY = re.compile(r"(?:no[-_.]?reply|do[-_.]?not[-_.]?reply)")
_DAEMONS = frozenset({"mailer-daemon", "mailer_daemon", "postmaster"})
_BULK_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply", "auto-reply"})
# Mailing lists: RFC 2369 and RFC 2919 headers, and what list servers wrote before them.
_LIST_HEADERS = (
    "List-Id", "List-Post", "List-Unsubscribe", "List-Help", "List-Subscribe", "List-Owner",
    "List-Archive", "X-Mailing-List", "Mailing-List", "X-BeenThere", "X-Loop",
)  # fmt: skip
_BOUNCE_SUBJECT = re.compile(
    r"(?:undeliver|delivery status notification \(failure|delivery failure|"
    r"mail delivery failed|returned mail|failure notice|non-?delivery)",
    re.IGNORECASE,
)
_DELAY_SUBJECT = re.compile(r"\b(?:delay|delayed|warning)\b", re.IGNORECASE)


def parse(
    raw: bytes,
    *,
    max_attachment_bytes: int,
    authserv_id: str | None = None,
    max_parts: int | None = None,
    max_attachments: int | None = None,
) -> ParsedMail:
    """Read a mail message; raises Unparseable (and nothing else) when it is not one, and
    OverLimit, a kind of it, when it has more than `max_parts` MIME parts or more than
    `max_attachments` files. `authserv_id` names our receiving server's
    Authentication-Results headers."""
    if not raw.strip():
        raise Unparseable("the message is empty")
    body = _Body(max_attachment_bytes, max_parts, max_attachments)
    try:
        return _parse(raw, body, authserv_id)
    except Unparseable:
        raise
    except RecursionError:
        raise Unparseable("its MIME parts are nested too deeply") from None
    except Exception as error:
        # A bug here or in the email package must not lose the mail: intake quarantines it
        # with this reason and can read it again once fixed.
        raise Unparseable(f"the parser failed: {type(error).__name__}: {error}"[:300]) from error


def read_message_id(raw: bytes) -> str | None:
    """The Message-ID from the header block alone, the same value parse() gives."""
    return _normalise_message_id(_header_block(raw).get("message-id"))


def read_sender(raw: bytes) -> str | None:
    """The From address from the header block alone, the same value parse() gives; None when
    From names no one mailbox."""
    _name, address, _problem = _sender(_header_block(raw), notes=[])
    return address


def _header_block(raw: bytes) -> Message:
    end = _HEADER_END.search(raw)
    block = raw[: end.end()] if end else raw
    return BytesParser(policy=_POLICY).parsebytes(block, headersonly=True)


def _parse(raw: bytes, body: "_Body", authserv_id: str | None) -> ParsedMail:
    message = _read(raw)
    if not any(name.lower() in _MAIL_HEADERS for name in message):
        raise Unparseable("it has no mail header (From, To, Subject, Date, Message-ID…)")
    notes = body.notes
    body.visit(message, depth=0, with_text=True)
    sender_name, sender, sender_problem = _sender(message, notes)
    recipients = [
        address
        for name in _RECIPIENT_HEADERS
        for value in message.get_all(name, [])
        for _name, address in _addresses(value, notes)
    ]
    subject = _header_text(message.get("subject", ""), notes)
    in_reply_to = _message_ids(message.get_all("in-reply-to", []))
    references = _message_ids(message.get_all("references", []))
    text = "\n\n".join(body.texts).strip()
    # Automated mail is recognised by what its sender calls itself, even when From is unusable.
    robot = _loose_local_part(message.get("from", ""))
    automated = _automated(message, robot, body.delivery_report)
    bounced: list[str] = []
    if automated and _is_bounce(body, robot, subject):
        bounced = body.returned_ids or [
            *in_reply_to,
            *references,
            *_OUR_MESSAGE_ID.findall(text),
        ]
    return ParsedMail(
        message_id=_normalise_message_id(message.get("message-id")),
        sender=sender,
        sender_name=sender_name,
        sender_problem=sender_problem,
        authentication=senders.read_authentication(
            message.get_all("authentication-results", []), authserv_id
        ),
        recipients=_unique(recipients),
        subject=subject,
        in_reply_to=in_reply_to,
        references=references,
        text=text,
        attachments=tuple(body.attachments),
        oversized=tuple(body.oversized),
        automated=automated,
        bounced_message_ids=_unique(bounced),
        defects=_unique([" ".join(clean_text(note).split())[:300] for note in notes])[
            :_MAX_DEFECTS
        ],
    )


# --- the MIME structure ---------------------------------------------------------------------


class _Part(Message):
    """A MIME part whose parameters survive malformed RFC 2231 continuations."""

    def get_param(self, param, failobj=None, header="content-type", unquote=True):
        try:
            return super().get_param(param, failobj, header, unquote)
        except TypeError:  # email.utils.decode_params sorts "name*" against "name*0"
            self.defects.append(email.errors.InvalidHeaderDefect(f"malformed {header} parameters"))
            return failobj

    def encoded_payload(self) -> str | list:
        """The payload as it came (get_payload() decodes 8-bit text with its charset)."""
        return self._payload


class _HeaderPolicy(Compat32):
    """Compat32 with headers fetched as plain text: raw 8-bit bytes read as UTF-8, else
    Windows-1252, instead of Header objects or U+FFFD."""

    def header_fetch_parse(self, name, value):
        return CONTROL_CHARACTERS.sub("", _from_8bit(value)).strip()


_POLICY = _HeaderPolicy(message_factory=_Part)
# Writes a nested message back as it came: long header lines are not folded anew.
_WRITE_POLICY = default.clone(refold_source="none")


class _MessageWriter(BytesGenerator):
    """Writes a multipart that has no parts (its boundary was missing) as it came: the email
    package decodes that text first and then fails on its 8-bit bytes."""

    def _handle_multipart(self, msg):
        if isinstance(msg.encoded_payload(), str):
            self.write(msg.encoded_payload())
        else:
            super()._handle_multipart(msg)


def _read(raw: bytes) -> _Part:
    """The message structure. Fed in chunks: BytesParser.parsebytes() holds the whole message
    as a str and as a four-bytes-per-character buffer, eight times its size in all."""
    parser = BytesFeedParser(policy=_POLICY)
    for start in range(0, len(raw), _CHUNK):
        parser.feed(raw[start : start + _CHUNK])
    return parser.close()


@dataclass
class _Body:
    """Walks the MIME tree once, collecting the text, the files and the delivery report."""

    max_attachment_bytes: int
    max_parts: int | None
    max_attachments: int | None
    notes: list[str] = field(default_factory=list)
    parts: int = 0
    texts: list[str] = field(default_factory=list)
    attachments: list[MailAttachment] = field(default_factory=list)
    oversized: list[str] = field(default_factory=list)
    returned_ids: list[str] = field(default_factory=list)
    delivery_report: bool = False
    delivery_actions: list[str] = field(default_factory=list)  # failed, delayed, delivered…

    def visit(self, part: _Part, *, depth: int, with_text: bool) -> None:
        """`with_text` is False in the alternatives not chosen: only their files count."""
        if depth > _MAX_DEPTH:
            self.notes.append("parts nested too deeply were left out")
            return
        self.parts += 1
        if self.max_parts is not None and self.parts > self.max_parts:
            raise OverLimit(
                f"the message has more MIME parts than the {self.max_parts:,} intake takes"
            )
        content_type = part.get_content_type()
        if not _CONTENT_TYPE.fullmatch(content_type):
            content_type = "application/octet-stream"
        if part.get_content_maintype() == "multipart":
            self._visit_multipart(part, content_type, depth, with_text)
        elif content_type == "message/delivery-status":
            self.delivery_report = True
            blocks = part.encoded_payload()
            if isinstance(blocks, list):
                self.delivery_actions += [_first_word(block.get("action")) for block in blocks]
        elif part.get_content_maintype() == "message":
            self._attach_message(part)
        elif content_type in _SIGNATURE_TYPES:
            pass  # a detached signature is no evidence of anything a person can read
        elif _is_body_text(part):
            if with_text:
                self.texts.append(self._text_of(part))
        else:
            self._attach(part, content_type)
        self._note_defects(part, content_type)

    def _visit_multipart(self, part: _Part, content_type: str, depth: int, with_text: bool):
        children = self._children(part)
        if children is None:
            if with_text:
                self.texts.append(self._text_of(part))
            return
        alternative = content_type == "multipart/alternative"
        chosen = _preferred_alternative(children) if alternative else None
        report = content_type == "multipart/report"
        if report and _param(part, "report-type").lower() == "delivery-status":
            self.delivery_report = True
        for child in children:
            if report:
                self._note_returned_message(child)
            keep_text = with_text and (chosen is None or child is chosen)
            self.visit(child, depth=depth + 1, with_text=keep_text)

    def _children(self, part: _Part) -> list[_Part] | None:
        """The subparts; when the boundary is missing or wrong, those of a boundary line found
        in the body; None when there is none."""
        payload = part.encoded_payload()
        if isinstance(payload, list):
            return payload
        body = part.get_payload(decode=True) or b""
        match = _BOUNDARY_LINE.search(body)
        if not match:
            self.notes.append(f"{part.get_content_type()} without parts: read as text")
            return None
        header = b'Content-Type: multipart/mixed; boundary="' + match.group(1) + b'"\n\n'
        recovered = _read(header + body).get_payload()
        if not isinstance(recovered, list):
            return None
        self.notes.append("the multipart boundary was missing or wrong; found it in the body")
        return recovered

    def _text_of(self, part: _Part) -> str:
        text = self._decoded_text(part)
        if part.get_content_type() == "text/html":
            return html_to_text(text)
        if _param(part, "format").lower() == "flowed":
            text = _unflow(text, delsp=_param(part, "delsp").lower() == "yes")
        # Trailing spaces are noise, but for the "-- " that starts a signature.
        lines = [line if line == "-- " else line.rstrip() for line in text.split("\n")]
        return "\n".join(lines).strip("\n")

    def _decoded_text(self, part: _Part) -> str:
        data = self._decoded(part)
        text, problem = _decode(data, part.get_content_charset())
        if problem:
            self.notes.append(f"{part.get_content_type()} part: {problem}")
        return clean_text(text)

    def _attach(self, part: _Part, content_type: str) -> None:
        filename = _filename(part, self.notes) or _default_filename(content_type)
        if content_type in _TNEF_TYPES or filename.lower() == "winmail.dat":
            filename = "winmail.dat"
        if (size := _encoded_size(part)) > self.max_attachment_bytes:
            self._leave_out(filename, size)
            return
        data = self._decoded(part)
        if len(data) > self.max_attachment_bytes:
            self._leave_out(filename, len(data))
            return
        disposition = part.get_content_disposition()
        inline = content_type.startswith("image/") and (
            disposition == "inline" or (disposition is None and "content-id" in part)
        )
        self._keep(MailAttachment(filename, content_type, data, inline))

    def _keep(self, attachment: MailAttachment) -> None:
        if self.max_attachments is not None and len(self.attachments) >= self.max_attachments:
            raise OverLimit(
                f"the message has more attachments than the {self.max_attachments:,} intake takes"
            )
        self.attachments.append(attachment)

    def _decoded(self, part: _Part) -> bytes:
        """The part's content. Base64 is decoded straight from the parsed text, without the
        copies get_payload(decode=True) makes of it."""
        payload = part.encoded_payload()
        encoding = part.get("content-transfer-encoding", "").lower()
        if encoding == "base64" and isinstance(payload, str) and payload.isascii():
            data, damaged = _b64decode(payload)
            if damaged:
                self.notes.append(f"{part.get_content_type()}: damaged base64")
            return data
        return part.get_payload(decode=True) or b""

    def _attach_message(self, part: _Part) -> None:
        """A forwarded or returned message is kept whole, as an .eml file."""
        nested = _nested_message(part)
        data = _message_bytes(part, nested, self.notes)
        subject = _header_text(nested.get("subject", ""), self.notes) if nested else ""
        stem = _filename(part, self.notes).removesuffix(".eml") or subject
        stem = " ".join(re.sub(r'[\\/:*?"<>|]+', " ", stem).split())
        filename = (clean_filename(stem)[:100].strip() if stem.strip() else "forwarded") + ".eml"
        if len(data) > self.max_attachment_bytes:
            self._leave_out(filename, len(data))
        else:
            self._keep(MailAttachment(filename, part.get_content_type(), data, inline=False))

    def _note_returned_message(self, part: _Part) -> None:
        """The Message-ID of the message a delivery report returns."""
        content_type = part.get_content_type()
        if content_type in _RETURNED_HEADERS_TYPES:
            message_id = read_message_id(part.get_payload(decode=True) or b"")
        elif part.get_content_maintype() == "message" and (nested := _nested_message(part)):
            message_id = _normalise_message_id(nested.get("message-id"))
        else:
            return
        if message_id:
            self.returned_ids.append(message_id)

    def _leave_out(self, filename: str, size: int) -> None:
        self.oversized.append(f"{filename} ({size / (1024 * 1024):.1f} MB)")

    def _note_defects(self, part: Message, content_type: str) -> None:
        for defect in part.defects:
            if isinstance(defect, email.errors.HeaderDefect) and str(defect):
                what = str(defect)
            else:
                what = (type(defect).__doc__ or type(defect).__name__).strip().splitlines()[0]
            self.notes.append(f"{content_type}: {what}")


def _is_body_text(part: Message) -> bool:
    return (
        part.get_content_type() in ("text/plain", "text/html")
        and part.get_content_disposition() != "attachment"
        and not part.get_param("filename", header="content-disposition")
        and not part.get_param("name")
    )


def _preferred_alternative(children: list[_Part]) -> _Part | None:
    """Plain text when it says something, else the richest version (the last one)."""
    for child in children:
        if child.get_content_type() == "text/plain" and _is_body_text(child):
            data = child.get_payload(decode=True) or b""
            if _decode(data, child.get_content_charset())[0].strip():
                return child
    return children[-1] if children else None


def _nested_message(part: _Part) -> _Part | None:
    payload = part.encoded_payload()
    return payload[0] if isinstance(payload, list) and payload else None


def _message_bytes(part: _Part, nested: _Part | None, notes: list[str]) -> bytes:
    if nested is None:
        return part.get_payload(decode=True) or b""
    buffer = io.BytesIO()
    _MessageWriter(buffer, mangle_from_=False, policy=_WRITE_POLICY).flatten(nested)
    data = buffer.getvalue()
    encoding = part.get("content-transfer-encoding", "").lower()
    if encoding in ("base64", "quoted-printable"):
        # Not allowed on message/rfc822, so the parser read the encoded text as the message.
        notes.append(f"{part.get_content_type()} sent with {encoding} encoding")
        data = data.lstrip(b"\r\n")
        return _b64decode(data)[0] if encoding == "base64" else binascii.a2b_qp(data)
    return data


def _encoded_size(part: _Part) -> int:
    """The decoded size of a part, estimated from its encoded payload without decoding it."""
    payload = part.encoded_payload()
    if not isinstance(payload, str):
        return 0
    encoding = part.get("content-transfer-encoding", "").lower()
    if encoding == "base64":
        whitespace = sum(payload.count(char) for char in "\r\n\t ")
        return (len(payload) - whitespace) * 3 // 4
    if encoding == "quoted-printable":
        return len(payload) - 2 * payload.count("=")
    return len(payload)


def _filename(part: Message, notes: list[str]) -> str:
    """The declared file name, decoded (RFC 2231 and encoded words); "" when none."""
    name = _param(part, "filename", "content-disposition", notes) or _param(
        part, "name", notes=notes
    )
    name = _decode_words(re.sub(r"\r?\n[ \t]?", "", name), notes)
    return clean_filename(name) if name.strip() else ""


def _param(
    part: Message, name: str, header: str = "content-type", notes: list[str] | None = None
) -> str:
    """A parameter's value as text ("" when missing), its RFC 2231 encoding undone."""
    value = part.get_param(name, None, header)
    if not isinstance(value, tuple):
        return value or ""
    charset, _language, text = value
    decoded, problem = _decode(text.encode("raw-unicode-escape"), charset or "us-ascii")
    if problem and notes is not None:
        notes.append(f"{header} {name}: {problem}")
    return decoded


def _default_filename(content_type: str) -> str:
    return "attachment" + (mimetypes.guess_extension(content_type) or "")


# --- headers --------------------------------------------------------------------------------


def _from_8bit(value: str) -> str:
    """Undo the parser's surrogate escapes: raw header bytes as UTF-8, else Windows-1252."""
    if value.isascii():
        return value
    return _decode(value.encode("utf-8", "surrogateescape"), None)[0]


def _header_text(value: str, notes: list[str]) -> str:
    """A header as one line of text: unfolded, encoded words decoded, controls removed."""
    return " ".join(clean_text(_decode_words(value, notes)).split())


def _decode_words(value: str, notes: list[str]) -> str:
    """Decode RFC 2047 encoded words, also broken ones: words of one charset next to each
    other are joined before decoding (clients split a character across two words)."""
    pieces: list[str] = []
    pending = bytearray()
    pending_charset = ""
    previous_end: int | None = None
    for match in _ENCODED_WORD.finditer(value):
        between = value[previous_end or 0 : match.start()]
        charset, encoding, encoded = match.groups()
        charset = charset.split("*")[0].lower()  # RFC 2231 adds a language: utf-8*en
        # Only whitespace between two encoded words is dropped.
        adjacent = previous_end is not None and not between.strip()
        if not adjacent or charset != pending_charset:
            pieces.append(_decode_pending(pending, pending_charset, notes))
            pending.clear()
        if not adjacent:
            pieces.append(between)
        pending_charset = charset
        if encoding.lower() == "q":
            pending += binascii.a2b_qp(encoded.encode("utf-8"), header=True)
        else:
            decoded, damaged = _b64decode(encoded.encode("utf-8"))
            pending += decoded
            if damaged:
                notes.append("header: damaged base64 encoded word")
        previous_end = match.end()
    if previous_end is None:
        return value
    pieces.append(_decode_pending(pending, pending_charset, notes))
    pieces.append(value[previous_end:])
    return "".join(pieces)


def _decode_pending(data: bytearray, charset: str, notes: list[str]) -> str:
    text, problem = _decode(bytes(data), charset)
    if problem:
        notes.append(f"header: {problem}")
    return text


def _sender(message: Message, notes: list[str]) -> tuple[str, str | None, str | None]:
    """(display name, address, None), or ("", None, why) when From names no one mailbox."""
    try:
        found = senders.read_from(message.get_all("from", []))
    except senders.AmbiguousSender as ambiguous:
        return "", None, str(ambiguous)
    return _header_text(found.name, notes), found.address.lower(), None


def _loose_local_part(value: str) -> str:
    """The local part of the first From, read loosely, for recognising robots only: bounces
    come as "MAILER-DAEMON", "<MAILER-DAEMON>" or "MAILER-DAEMON@host (Mail Delivery System)"."""
    value = re.sub(r"\([^()]*\)", " ", value)
    if inside := re.search(r"<([^<>]*)>", value):
        value = inside.group(1)
    words = value.replace(",", " ").split()
    return words[0].partition("@")[0].strip('"').lower() if words else ""


def _addresses(value: str, notes: list[str]) -> list[tuple[str, str]]:
    """(display name, lower-cased address) pairs; anything not an address is skipped."""
    return [
        (_header_text(name, notes), address.strip().lower())
        for name, address in getaddresses([value])
        if _ADDRESS.fullmatch(address.strip())
    ]


def _normalise_message_id(value: str | None) -> str | None:
    compact = clean_text("".join((value or "").split()))
    if match := _MESSAGE_ID.search(compact):
        return match.group()
    compact = compact.strip("<>")
    return f"<{compact}>" if compact else None


def _message_ids(values: list[str]) -> tuple[str, ...]:
    found: list[str] = []
    for value in values:
        compact = clean_text("".join(value.split()))
        ids = _MESSAGE_ID.findall(compact)
        if not ids and "@" in compact and "<" not in compact and ">" not in compact:
            ids = [f"<{compact}>"]  # a bare id, as some old clients write it
        found += ids
    return _unique(found)


# --- automated mail -------------------------------------------------------------------------


def _automated(message: Message, local_part: str, delivery_report: bool) -> str | None:
    """The rule that marks this mail as automated (RFC 3834 and common practice), or None;
    `local_part` is the sender's, read loosely. X-Auto-Response-Suppress is no sign: Outlook
    sets it on ordinary mail."""
    auto_submitted = _first_word(message.get("auto-submitted"))
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    for name in ("X-Autoreply", "X-Autorespond"):
        value = message.get(name)
        if value is not None and _first_word(value) != "no":
            return f"{name}: {value}"[:100]
    for name in ("Precedence", "X-Precedence"):
        if (precedence := _first_word(message.get(name))) in _BULK_PRECEDENCE:
            return f"{name}: {precedence}"
    for name in _LIST_HEADERS:
        if name in message:
            return f"{name} header (list or bulk mail)"
    if message.get_content_type() == "multipart/report":
        report_type = _param(message, "report-type") or "report"
        return f"multipart/report ({report_type})"[:100]
    if delivery_report:
        return "delivery status report"
    if local_part in _DAEMONS or _NOREPLY.match(local_part):
        return f"sender {local_part}@"
    if "".join(message.get("return-path", "x").split()) == "<>":
        return "null Return-Path: <>"
    return None


def _is_bounce(body: _Body, local_part: str, subject: str) -> bool:
    """A report that a message could not be delivered; a delay or success notice is none."""
    if body.delivery_report:
        return "failed" in body.delivery_actions or not any(body.delivery_actions)
    if _DELAY_SUBJECT.search(subject):
        return False
    return local_part in _DAEMONS or bool(_BOUNCE_SUBJECT.match(subject))


def _first_word(value: str | None) -> str:
    match = re.match(r"\s*([^\s;(]+)", value or "")
    return match.group(1).lower() if match else ""


# --- bytes to text --------------------------------------------------------------------------


def _decode(data: bytes, charset: str | None) -> tuple[str, str | None]:
    """Bytes as text in the declared charset, else UTF-8, else Windows-1252; never fails.
    The second item says what went wrong, if anything."""
    label = (charset or "").strip(" \t\"'").lower()
    codec = _codec(label)
    problem = f"unknown charset {label!r}" if label and codec is None else None
    if codec and codec not in _WESTERN:
        try:
            return data.decode(codec), None
        except UnicodeError:
            problem = f"the text is not valid {label}"
    if data.isascii():
        return data.decode("ascii"), problem
    if codec != "utf-8":
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return text, problem or (f"declared {label} but is UTF-8" if codec else None)
    if codec and codec not in _WESTERN and (codec != "utf-8" or _mostly_utf8(data)):
        return data.decode(codec, "replace"), problem
    return data.decode(_WESTERN.get(codec or "", "cp1252"), "replace"), problem


def _codec(label: str) -> str | None:
    """Python's codec for a charset label; None when unknown or not a text encoding."""
    if not label:
        return None
    try:
        info = codecs.lookup(_CHARSET_ALIASES.get(label, label))
        # Codecs such as base64 or rot13 are not bytes-to-text: they decode to bytes or fail.
        is_text = isinstance(info.decode(b"")[0], str)
    except (LookupError, TypeError, ValueError):
        return None
    return info.name if is_text else None


def _mostly_utf8(data: bytes) -> bool:
    """Damaged UTF-8 (a cut character) rather than another charset mislabelled as UTF-8."""
    text = data.decode("utf-8", "replace")
    damaged = text.count("\ufffd")
    return len(text) - len(text.encode("ascii", "ignore")) > 2 * damaged


def _b64decode(data: bytes | str) -> tuple[bytes, bool]:
    """Base64 (bytes or ASCII text) decoded leniently; and whether the input was damaged."""
    try:
        return binascii.a2b_base64(data), False
    except binascii.Error:
        raw = data.encode("ascii") if isinstance(data, str) else data
        clean = raw.translate(None, _BASE64_JUNK)
        if len(clean) % 4 == 1:  # a lone last character carries no whole byte
            clean = clean[:-1]
        return binascii.a2b_base64(clean + b"=" * (-len(clean) % 4)), True


def _unflow(text: str, *, delsp: bool) -> str:
    """Join the soft line breaks of format=flowed text (RFC 3676)."""
    lines: list[tuple[int, str]] = []
    joining = False
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:].removeprefix(" ")
        if joining and lines and lines[-1][0] == depth:
            lines[-1] = (depth, lines[-1][1] + content)
        else:
            lines.append((depth, content))
        joining = content.endswith(" ") and content != "-- "
        if joining and delsp:
            lines[-1] = (depth, lines[-1][1][:-1])
    return "\n".join(f"{'>' * depth} {content}" if depth else content for depth, content in lines)


def _unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))
