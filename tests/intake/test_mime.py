"""helpdesk.intake.mime on mail as real clients write it: Gmail, Outlook/Exchange, Apple Mail,
Thunderbird, old 8-bit mailers, phones, and the broken mail of all of them."""

import base64
import email
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpdesk.intake import mime
from helpdesk.mail import text as mail_text

LIMIT = 10 * 1024 * 1024
OUR_ID = "<hd.0123456789abcdef0123456789abcdef@helpdesk.example>"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def parse(raw: bytes, limit: int = LIMIT) -> mime.ParsedMail:
    return mime.parse(raw, max_attachment_bytes=limit)


def crlf(raw: bytes) -> bytes:
    """Mail as it travels: CRLF line ends."""
    return raw.replace(b"\n", b"\r\n")


# --- clients -------------------------------------------------------------------------------

GMAIL_REPLY = crlf(
    b"""MIME-Version: 1.0
References: <hd.0123456789abcdef0123456789abcdef@helpdesk.example>
 <CAF1xYz=abc@mail.gmail.com>
In-Reply-To: <CAF1xYz=abc@mail.gmail.com>
From: =?UTF-8?Q?Zo=C3=AB_Martin?= <Zoe.Martin@Gmail.com>
Date: Tue, 2 Jan 2024 09:15:02 +0100
Message-ID: <CAK7+x=y_Q9@mail.gmail.com>
Subject: Re: [HD-7K3QX9MB] Payment
\tnever arrived
To: support@helpdesk.example
Content-Type: multipart/alternative; boundary="000000000000a1b2c3"

--000000000000a1b2c3
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

The client still has not paid. The invoice number is 2024-117.

On Mon, Jan 1, 2024 at 10:00=E2=80=AFAM Trust & Safety <support@helpdesk.exam=
ple>
wrote:

> Thank you for your report.
>
--000000000000a1b2c3
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

<div dir=3D"ltr">The client still has not paid. The invoice number is 2024=
-117.</div><br><div class=3D"gmail_quote"><div dir=3D"ltr" class=3D"gmail_a=
ttr">On Mon, Jan 1, 2024 at 10:00=E2=80=AFAM Trust &amp; Safety &lt;<a href=
=3D"mailto:support@helpdesk.example">support@helpdesk.example</a>&gt; wrote=
:<br></div><blockquote class=3D"gmail_quote">Thank you for your report.</bl=
ockquote></div>
--000000000000a1b2c3--
"""
)


def test_gmail_reply():
    mail = parse(GMAIL_REPLY)

    assert mail.message_id == "<CAK7+x=y_Q9@mail.gmail.com>"
    assert (mail.sender, mail.sender_name) == ("zoe.martin@gmail.com", "Zoë Martin")
    assert mail.recipients == ("support@helpdesk.example",)
    assert mail.subject == "Re: [HD-7K3QX9MB] Payment never arrived"
    assert mail.in_reply_to == ("<CAF1xYz=abc@mail.gmail.com>",)
    assert mail.references == (OUR_ID, "<CAF1xYz=abc@mail.gmail.com>")
    assert mail.text.startswith("The client still has not paid.")
    assert "> Thank you for your report." in mail.text  # the plain alternative was chosen
    assert mail_text.trim_reply(mail.text) == (
        "The client still has not paid. The invoice number is 2024-117."
    )
    assert (mail.attachments, mail.automated, mail.bounced_message_ids) == ((), None, ())
    assert mail.defects == ()


def test_the_html_alternative_of_gmail_trims_the_same():
    html = GMAIL_REPLY.split(b"text/html")[1].split(b"\r\n\r\n", 1)[1].split(b"--0000")[0]
    html = email.quoprimime.body_decode(html.decode()).replace("\r\n", "\n")

    assert mail_text.trim_reply(mail_text.html_to_text(html)) == (
        "The client still has not paid. The invoice number is 2024-117."
    )


OUTLOOK_REPORT = crlf(
    b"""Received: from AM0PR01MB1234.eurprd01.prod.outlook.com ([fe80::1]) by
 AM0PR01MB1234.eurprd01.prod.outlook.com with mapi id 15.20.7135.023;
 Tue, 2 Jan 2024 08:00:00 +0000
From: "Dupont, Marie" <Marie.Dupont@contoso.example>
To: "support@helpdesk.example" <support@helpdesk.example>
CC: Legal <LEGAL@contoso.example>
Subject: =?iso-8859-1?Q?Fraude_signal=E9e_-_profil_copi=E9?=
Thread-Topic: =?iso-8859-1?Q?Fraude_signal=E9e_-_profil_copi=E9?=
Thread-Index: AdpFZ2pQ0f3kL8m1TxS3zv0QkWm3Aw==
Date: Tue, 2 Jan 2024 08:00:00 +0000
Message-ID:
 <AM0PR01MB1234ABCD5678@AM0PR01MB1234.eurprd01.prod.outlook.com>
Accept-Language: fr-FR, en-US
Content-Language: fr-FR
X-MS-Has-Attach: yes
X-Auto-Response-Suppress: All
Content-Type: multipart/mixed;
\tboundary="_004_AM0PR01MB1234_"
MIME-Version: 1.0

--_004_AM0PR01MB1234_
Content-Type: multipart/related;
\tboundary="_003_AM0PR01MB1234_";
\ttype="multipart/alternative"

--_003_AM0PR01MB1234_
Content-Type: multipart/alternative;
\tboundary="_000_AM0PR01MB1234_"

--_000_AM0PR01MB1234_
Content-Type: text/plain; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable

Bonjour,

Quelqu'un a copi=E9 mon profil, voir la capture=A0:

[cid:image001.png@01DA3D5E.12345670]

Marie

--_000_AM0PR01MB1234_
Content-Type: text/html; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable

<html><head><style>p.MsoNormal {margin:0cm;}</style></head><body lang=3D"FR=
"><div class=3D"WordSection1"><p class=3D"MsoNormal">Bonjour,<o:p></o:p></p=
><p class=3D"MsoNormal"><o:p>&nbsp;</o:p></p><p class=3D"MsoNormal">Quelqu'=
un a copi=E9 mon profil<o:p></o:p></p><img src=3D"cid:image001.png@01DA3D5E=
.12345670"></div></body></html>

--_000_AM0PR01MB1234_--

--_003_AM0PR01MB1234_
Content-Type: image/png; name="image001.png"
Content-Description: image001.png
Content-Disposition: inline; filename="image001.png"; size=68;
\tcreation-date="Tue, 02 Jan 2024 08:00:00 GMT";
\tmodification-date="Tue, 02 Jan 2024 08:00:00 GMT"
Content-ID: <image001.png@01DA3D5E.12345670>
Content-Transfer-Encoding: base64

iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6
kgAAAABJRU5ErkJggg==

--_003_AM0PR01MB1234_--

--_004_AM0PR01MB1234_
Content-Type: application/pdf;
\tname="=?utf-8?B?UmXDp3UgZMOpY2VtYnJlLnBkZg==?="
Content-Description: =?utf-8?B?UmXDp3UgZMOpY2VtYnJlLnBkZg==?=
Content-Disposition: attachment;
\tfilename="=?utf-8?B?UmXDp3UgZMOpY2VtYnJlLnBkZg==?="; size=20;
\tcreation-date="Tue, 02 Jan 2024 08:00:00 GMT"
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcfsj6IKJSVFT0YK

--_004_AM0PR01MB1234_--
"""
)


def test_outlook_report_with_an_inline_image_and_an_attachment():
    mail = parse(OUTLOOK_REPORT)

    assert mail.message_id == "<AM0PR01MB1234ABCD5678@AM0PR01MB1234.eurprd01.prod.outlook.com>"
    assert (mail.sender, mail.sender_name) == ("marie.dupont@contoso.example", "Dupont, Marie")
    assert mail.recipients == ("support@helpdesk.example", "legal@contoso.example")
    assert mail.subject == "Fraude signalée - profil copié"
    assert "Quelqu'un a copié mon profil, voir la capture\xa0:" in mail.text
    assert "<html>" not in mail.text
    image, pdf = mail.attachments
    assert (image.filename, image.content_type, image.inline) == ("image001.png", "image/png", True)
    assert image.data == PNG
    assert (pdf.filename, pdf.content_type, pdf.inline) == (
        "Reçu décembre.pdf",
        "application/pdf",
        False,
    )
    assert pdf.data.startswith(b"%PDF-1.4")
    assert mail.automated is None  # X-Auto-Response-Suppress is on ordinary Outlook mail
    assert mail.defects == ()


OUTLOOK_REPLY_TEXT = """Yes, the account is still online.

Regards,
Marie

________________________________
From: Trust & Safety <support@helpdesk.example>
Sent: Tuesday, January 2, 2024 10:00 AM
To: Dupont, Marie <Marie.Dupont@contoso.example>
Subject: RE: Fraude signalée

Is the account still online?
"""


def test_outlook_reply_header_block_is_trimmed():
    assert mail_text.trim_reply(OUTLOOK_REPLY_TEXT) == (
        "Yes, the account is still online.\n\nRegards,\nMarie"
    )


def test_outlook_header_blocks_in_other_languages_are_trimmed():
    french = "Merci.\n\nDe : Support <support@helpdesk.example>\nEnvoyé : mardi 2 janvier 2024\n"
    german = "Danke.\n\nVon: Support\nGesendet: Dienstag, 2. Januar 2024\nAn: Marie\nBetreff: x"
    assert mail_text.trim_reply(french + "À : Marie\nObjet : RE: x\n\nold") == "Merci."
    assert mail_text.trim_reply(german + "\n\nold") == "Danke."


def test_outlook_html_reply_is_trimmed_after_conversion():
    html = (
        '<div class="WordSection1"><p class="MsoNormal">It is still online.<o:p></o:p></p>'
        '<p class="MsoNormal"><o:p>&nbsp;</o:p></p><div style="border:none;border-top:solid '
        '#E1E1E1 1.0pt"><p class="MsoNormal"><b>From:</b> Support &lt;support@helpdesk.example'
        "&gt; <br><b>Sent:</b> Tuesday, January 2, 2024 10:00 AM<br><b>To:</b> Marie<br>"
        "<b>Subject:</b> RE: x<o:p></o:p></p></div><p class=MsoNormal>Is it online?</p></div>"
    )
    assert mail_text.trim_reply(mail_text.html_to_text(html)) == "It is still online."


def test_outlook_original_message_separator_is_trimmed():
    text = "See attached.\n\n-----Original Message-----\nFrom: x@y.example\nold text\n"
    assert mail_text.trim_reply(text) == "See attached."


def test_outlook_web_bold_labels_and_get_outlook_line_are_trimmed():
    text = (
        "Done, thanks.\n\nGet Outlook for iOS<https://aka.ms/o0ukef>\n"
        "________________________________\n*From:* Support <support@helpdesk.example>\n"
        "*Sent:* Tuesday\n*To:* me\n*Subject:* Re: x\n\nold"
    )
    assert mail_text.trim_reply(text) == "Done, thanks."


IPHONE_REPORT = crlf(
    b"""From: Sam Lee <sam@icloud.example>
Content-Type: multipart/mixed; boundary=Apple-Mail-1A2B3C4D-5E6F
Content-Transfer-Encoding: 7bit
Mime-Version: 1.0 (1.0)
Subject: Screenshots of the chat
Message-Id: <5F0E8C9A-1B2C-4D3E-9F8A-0B1C2D3E4F5A@icloud.example>
Date: Tue, 2 Jan 2024 09:20:11 +0100
To: support@helpdesk.example
X-Mailer: iPhone Mail (21C66)

--Apple-Mail-1A2B3C4D-5E6F
Content-Type: text/plain;
\tcharset=utf-8
Content-Transfer-Encoding: quoted-printable

He sent this:=20

--Apple-Mail-1A2B3C4D-5E6F
Content-Type: image/jpeg;
\tname=IMG_0042.jpeg;
\tx-apple-part-url=5C3B-4A2D
Content-Disposition: inline;
\tfilename=IMG_0042.jpeg
Content-Transfer-Encoding: base64

/9j/4AAQSkZJRgABAQAAAQABAAD/2Q==
--Apple-Mail-1A2B3C4D-5E6F
Content-Type: text/plain;
\tcharset=utf-8
Content-Transfer-Encoding: quoted-printable

and then blocked me. =F0=9F=98=A1

Sent from my iPhone
--Apple-Mail-1A2B3C4D-5E6F--
"""
)


def test_iphone_text_around_an_inline_photo_is_joined():
    mail = parse(IPHONE_REPORT)

    assert mail.text == "He sent this:\n\nand then blocked me. 😡\n\nSent from my iPhone"
    assert mail_text.trim_reply(mail.text) == "He sent this:\n\nand then blocked me. 😡"
    (photo,) = mail.attachments
    assert (photo.filename, photo.content_type, photo.inline) == (
        "IMG_0042.jpeg",
        "image/jpeg",
        True,
    )
    assert photo.data.startswith(b"\xff\xd8\xff")
    assert "\r" not in mail.text


APPLE_MAIL_REPLY = b"""From: Sam Lee <sam@icloud.example>
Content-Type: multipart/alternative;
\tboundary="Apple-Mail=_0A1B2C3D"
Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3774.300.61.1.2\\))
Subject: Re: Is this the account?
In-Reply-To: <hd.0123456789abcdef0123456789abcdef@helpdesk.example>
To: Trust & Safety <support@helpdesk.example>
Message-Id: <7C1D2E3F-AAAA-BBBB-CCCC-DDDDEEEEFFFF@icloud.example>

--Apple-Mail=_0A1B2C3D
Content-Transfer-Encoding: quoted-printable
Content-Type: text/plain;
\tcharset=us-ascii

Yes, that is the account.

> On 2 Jan 2024, at 10:15, Trust & Safety <support@helpdesk.example> wrote:
>=20
> Is this the account?
>=20

--Apple-Mail=_0A1B2C3D
Content-Type: multipart/related;
\ttype="text/html";
\tboundary="Apple-Mail=_9Z8Y7X6W"

--Apple-Mail=_9Z8Y7X6W
Content-Transfer-Encoding: 7bit
Content-Type: text/html;
\tcharset=us-ascii

<html><body>HTML ONLY VERSION<img src="cid:0D3C1B2A-logo"></body></html>
--Apple-Mail=_9Z8Y7X6W
Content-Disposition: inline;
\tfilename=logo.png
Content-Type: image/png;
\tx-unix-mode=0644;
\tname="logo.png"
Content-Id: <0D3C1B2A-logo>
Content-Transfer-Encoding: base64

iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==
--Apple-Mail=_9Z8Y7X6W--

--Apple-Mail=_0A1B2C3D--
"""


def test_apple_mail_prefers_plain_text_and_keeps_the_html_branch_images():
    mail = parse(APPLE_MAIL_REPLY)

    assert "HTML ONLY" not in mail.text
    assert mail_text.trim_reply(mail.text) == "Yes, that is the account."
    (logo,) = mail.attachments
    assert (logo.filename, logo.inline, logo.data) == ("logo.png", True, PNG)
    assert mail.in_reply_to == (OUR_ID,)


THUNDERBIRD_REPLY = (
    b"""Message-ID: <b3f1c2d4-5e6f-7a8b-9c0d-1e2f3a4b5c6d@posteo.example>
Date: Tue, 2 Jan 2024 11:00:00 +0100
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Subject: =?UTF-8?Q?Re=3a_Vertrag_f=c3=bcr_J=c3=bcrgen?=
Content-Language: de-DE
To: Trust & Safety <support@helpdesk.example>
From: =?UTF-8?Q?J=c3=bcrgen_Wei=c3=9f?= <juergen@posteo.example>
Content-Type: multipart/mixed; boundary="------------0mF1Ajv3kL9qRtZ"

This is a multi-part message in MIME format.
--------------0mF1Ajv3kL9qRtZ
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 8bit

Hallo,

anbei der Vertrag. Der Auftraggeber hat die Zahlung seit drei Wochen\x20
nicht geleistet.

Am 01.01.24 um 10:00 schrieb Trust & Safety:
> Bitte senden Sie uns den Vertrag.

--\x20
"""
    + "Jürgen Weiß\n".encode()
    + b"""
--------------0mF1Ajv3kL9qRtZ
Content-Type: application/pdf;
 name*0*=UTF-8''%56%65%72%74%72%61%67%20%66%C3%BC%72%20%4A%C3%BC%72%67%65;
 name*1*=%6E%2E%70%64%66
Content-Disposition: attachment;
 filename*0*=UTF-8''%56%65%72%74%72%61%67%20%66%C3%BC%72%20%4A%C3%BC%72%67;
 filename*1*=%65%6E%2E%70%64%66
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcfsj6IKJSVFT0YK

--------------0mF1Ajv3kL9qRtZ--
"""
)


def test_thunderbird_flowed_text_rfc2231_file_name_and_signature():
    mail = parse(THUNDERBIRD_REPLY)

    assert mail.subject == "Re: Vertrag für Jürgen"
    assert mail.sender_name == "Jürgen Weiß"
    assert "seit drei Wochen nicht geleistet." in mail.text  # soft line break joined
    assert "\n-- \nJürgen Weiß" in mail.text
    assert mail_text.trim_reply(mail.text) == (
        "Hallo,\n\nanbei der Vertrag. Der Auftraggeber hat die Zahlung seit drei Wochen "
        "nicht geleistet."
    )
    (contract,) = mail.attachments
    assert contract.filename == "Vertrag für Jürgen.pdf"
    assert "This is a multi-part message" not in mail.text  # the preamble is no text


EUDORA_8BIT = (
    b"Received: from [192.0.2.7] by smtp.wanadoo.example; Mon, 01 Jan 2024 10:00:00 +0100\r\n"
    b"Message-Id: <3.0.32.20240101100000.00a1b2c0@wanadoo.example>\r\n"
    b"X-Sender: fberard@wanadoo.example\r\n"
    b"X-Mailer: Windows Eudora Light Version 3.0.3 (32)\r\n"
    b"Date: Mon, 01 Jan 2024 10:00:00 +0100\r\n"
    b"To: support@helpdesk.example\r\n"
    b"From: Fran\xe7ois B\xe9rard <fberard@wanadoo.example>\r\n"
    b"Subject: Probl\xe8me de paiement\r\n"
    b"\r\n"
    b"Le client refuse de payer\x85 C\x92est inadmissible.\r\n"
)


def test_old_8bit_mail_without_mime_headers():
    mail = parse(EUDORA_8BIT)

    assert mail.sender_name == "François Bérard"
    assert mail.subject == "Problème de paiement"
    assert mail.text == "Le client refuse de payer… C’est inadmissible."
    assert mail.defects == ()


def test_raw_utf8_headers_from_a_modern_client():
    raw = "From: Zoë <zoe@example.com>\nSubject: Réclamation 🚩\n\nText\n".encode()
    mail = parse(raw)
    assert (mail.sender_name, mail.subject) == ("Zoë", "Réclamation 🚩")


ANDROID_HTML_ONLY = crlf(
    b"""From: kim@example.com
To: support@helpdesk.example
Subject: scam
MIME-Version: 1.0
Content-Type: text/html; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

<html><head><meta charset=3D"utf-8"><title>ignored</title><style>div{color:=
red}</style></head><body><div dir=3D"auto">He asked me to pay outside the p=
latform.<div dir=3D"auto"><br></div><div dir=3D"auto">His profile: <a href=
=3D"https://market.example/u/4711">this one</a></div><ul><li>first &amp; o=
nly warning</li><li>second</li></ul><script>track()</script><p>Thanks&nbsp;=
a lot</p></div></body></html>
"""
)


def test_html_only_mail_from_a_phone_becomes_readable_text():
    mail = parse(ANDROID_HTML_ONLY)

    assert mail.text == (
        "He asked me to pay outside the platform.\n\n"
        "His profile: this one (https://market.example/u/4711)\n\n"
        "- first & only warning\n- second\n\nThanks a lot"
    )


def test_japanese_mobile_mail_in_iso_2022_jp():
    raw = (
        b"From: =?ISO-2022-JP?B?GyRCOj41PSROSnM5cBsoQg==?= <taro@docomo.example>\n"
        b"Subject: =?ISO-2022-JP?B?GyRCOj41PSROSnM5cBsoQg==?=\n"
        b"Content-Type: text/plain; charset=ISO-2022-JP\nContent-Transfer-Encoding: 7bit\n\n"
        b'\x1b$B$3$s$K$A$O!":>5=$NJs9p$G$9!#\x1b(B\n'
    )
    mail = parse(raw)
    assert mail.subject == mail.sender_name == "詐欺の報告"
    assert mail.text == "こんにちは、詐欺の報告です。"


# --- charsets and encoded words -------------------------------------------------------------


def text_part(body: bytes, content_type: bytes) -> bytes:
    return b"From: a@example.com\nSubject: x\nContent-Type: " + content_type + b"\n\n" + body


@pytest.mark.parametrize(
    ("content_type", "body", "text", "defect"),
    [
        (b'text/plain; charset="x-unknown"', "Grüße".encode(), "Grüße", "unknown charset"),
        (b"text/plain; charset=utf-8", b"caf\xe9 cr\xe8me", "café crème", "not valid utf-8"),
        (b"text/plain; charset=iso-8859-1", "Straße".encode(), "Straße", "but is UTF-8"),
        (b"text/plain; charset=us-ascii", b"\x93quoted\x94 \x80 5", "“quoted” € 5", None),
        (b"text/plain; charset=windows-1252", b"\x80 12", "€ 12", None),
        (b"text/plain; charset=base64", b"plain", "plain", "unknown charset"),
        (b"text/plain; charset=utf-8", "nearly all UTF-8 é ü".encode() + b"\xc3", "�", None),
    ],
)
def test_charsets_fall_back_and_say_so(content_type, body, text, defect):
    mail = parse(text_part(body, content_type))

    assert text in mail.text
    if defect:
        assert any(defect in note for note in mail.defects), mail.defects


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b"=?UTF-8?Q?caf=C3?= =?UTF-8?Q?=A9_au_lait?=", "café au lait"),  # split character
        (b"=?iso-8859-1?q?Caf=E9?= =?utf-8?b?4oKs?=", "Café€"),  # mixed charsets
        (b"Re:=?utf-8?q?_Caf=C3=A9?=", "Re: Café"),  # no space before the word
        (b"=?utf-8?b?w6k?= missing padding", "é missing padding"),
        (b"=?x-unknown?q?caf=C3=A9?=", "café"),
        (b"=?utf-8*en?q?Hello?=", "Hello"),  # RFC 2231 language
        (b"=?utf-8?q?broken", "=?utf-8?q?broken"),
        (b"plain =?utf-8?q?and?= plain", "plain and plain"),
        (b"tab\tand\r\n  folded", "tab and folded"),
    ],
)
def test_encoded_words_in_subjects(header, expected):
    mail = parse(b"From: a@example.com\nSubject: " + header + b"\n\nx\n")
    assert mail.subject == expected


def test_encoded_display_name_inside_quotes_keeps_its_comma():
    raw = b'From: "=?utf-8?q?M=C3=BCller=2C_Anna?=" <Anna@Example.com>\nSubject: x\n\nx\n'
    assert (parse(raw).sender_name, parse(raw).sender) == ("Müller, Anna", "anna@example.com")


def test_rfc2231_file_name_with_language_and_continuations():
    raw = b"""From: a@example.com
Subject: x
Content-Type: multipart/mixed; boundary=b

--b
Content-Type: text/plain

see file
--b
Content-Type: application/octet-stream
Content-Disposition: attachment; filename*0*=utf-8'de'Gr%C3%BC%C3%9Fe;
 filename*1*=%20aus%20K%C3%B6ln.txt

data
--b--
"""
    (attachment,) = parse(raw).attachments
    assert attachment.filename == "Grüße aus Köln.txt"


def test_control_characters_and_line_ends_are_cleaned():
    mail = parse(b"From: a@example.com\nSubject: x\n\nHello\x00 world\x07\r\nline2\rline3\tend\n")
    assert mail.text == "Hello world\nline2\nline3\tend"


# --- broken structure ------------------------------------------------------------------------

MISSING_BOUNDARY = b"""From: a@example.com
Subject: x
Content-Type: multipart/mixed

--frontier
Content-Type: text/plain

Hello from a broken mailer.
--frontier
Content-Type: application/pdf; name=a.pdf
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcfsj6IKJSVFT0YK
--frontier--
"""


@pytest.mark.parametrize(
    "raw",
    [
        MISSING_BOUNDARY,
        MISSING_BOUNDARY.replace(b"multipart/mixed", b'multipart/mixed; boundary="wrong"'),
    ],
)
def test_missing_or_wrong_boundary_is_found_in_the_body(raw):
    mail = parse(raw)

    assert mail.text == "Hello from a broken mailer."
    assert [a.filename for a in mail.attachments] == ["a.pdf"]
    assert any("boundary" in note for note in mail.defects)


def test_multipart_without_any_part_is_read_as_text():
    mail = parse(b"From: a@example.com\nContent-Type: multipart/alternative; boundary=x\n\nhi\n")
    assert mail.text == "hi"
    assert mail.defects


def test_damaged_base64_attachment_is_kept_and_noted():
    raw = MISSING_BOUNDARY.replace(b"JVBERi0xLjQKJcfsj6IKJSVFT0YK", b"JVBERi0x!LjQKJcfsj6IKJSVFT0Y")
    mail = parse(raw.replace(b"multipart/mixed", b"multipart/mixed; boundary=frontier"))

    assert mail.attachments[0].data.startswith(b"%PDF-1.4")
    assert any("base64" in note for note in mail.defects)


def test_truncated_message_keeps_what_arrived():
    mail = parse(
        OUTLOOK_REPORT[: OUTLOOK_REPORT.index(b"--_003_AM0PR01MB1234_\r\nContent-Type: image")]
    )

    assert "Quelqu'un a copié mon profil" in mail.text
    assert any("close boundary" in note for note in mail.defects)


# --- attachments -----------------------------------------------------------------------------


def mixed(*parts: bytes) -> bytes:
    body = b"".join(b"--b\n" + part + b"\n" for part in parts)
    return b"From: a@example.com\nSubject: x\nContent-Type: multipart/mixed; boundary=b\n\n" + (
        body + b"--b--\n"
    )


FORWARDED = b"""Content-Type: message/rfc822
Content-Disposition: attachment

From: Scammer <scam@bad.example>
Subject: Pay me outside the platform / urgent
Message-ID: <scam-1@bad.example>
X-Long-Header: a header line that is longer than seventy-eight characters, kept as it came in

Send the money to my bank account."""


def test_forwarded_message_is_kept_as_an_eml_file():
    mail = parse(mixed(b"Content-Type: text/plain\n\nSee below.", FORWARDED))

    assert mail.text == "See below."
    (forwarded,) = mail.attachments
    assert forwarded.filename == "Pay me outside the platform urgent.eml"
    assert (forwarded.content_type, forwarded.inline) == ("message/rfc822", False)
    inner = parse(forwarded.data)
    assert inner.message_id == "<scam-1@bad.example>"
    assert inner.text == "Send the money to my bank account."
    assert b"seventy-eight characters, kept as it came in\n" in forwarded.data


def test_forwarded_message_without_subject_and_base64_encoded():
    encoded = base64.encodebytes(b"From: x@y.example\r\n\r\nbody\r\n")
    mail = parse(
        mixed(b"Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n" + encoded)
    )

    (forwarded,) = mail.attachments
    assert forwarded.filename == "forwarded.eml"
    assert forwarded.data == b"From: x@y.example\r\n\r\nbody\r\n"


@pytest.mark.parametrize(
    "headers",
    [
        b'Content-Type: application/ms-tnef; name="winmail.dat"\n'
        b'Content-Disposition: attachment; filename="winmail.dat"',
        b"Content-Type: application/vnd.ms-tnef",
        b'Content-Type: application/octet-stream; name="WINMAIL.DAT"',
    ],
)
def test_outlook_tnef_is_kept_as_winmail_dat(headers):
    mail = parse(
        mixed(headers + b"\nContent-Transfer-Encoding: base64\n\neJ8+IgAAAQaQCAAEAAAAAAABAAEA")
    )

    (tnef,) = mail.attachments
    assert tnef.filename == "winmail.dat"
    assert tnef.data.startswith(b"\x78\x9f\x3e\x22")
    assert tnef.content_type == headers.split(b";")[0].split(b": ")[1].split(b"\n")[0].decode()


def test_text_parts_with_a_file_name_are_attachments():
    mail = parse(
        mixed(
            b"Content-Type: text/plain\n\nThe chat log is attached.",
            b'Content-Type: text/plain; name="chat-log.txt"\n'
            b'Content-Disposition: attachment; filename="chat-log.txt"\n\n12:00 pay me now',
            b"Content-Type: text/calendar; method=REQUEST\n\nBEGIN:VCALENDAR",
        )
    )

    assert mail.text == "The chat log is attached."
    assert [(a.filename, a.content_type) for a in mail.attachments] == [
        ("chat-log.txt", "text/plain"),
        ("attachment.ics", "text/calendar"),
    ]
    assert mail.attachments[0].data == b"12:00 pay me now"


def test_attached_image_with_content_id_is_not_inline():
    mail = parse(
        mixed(
            b"Content-Type: image/png\nContent-Disposition: attachment; filename=shot.png\n"
            b"Content-ID: <f_lq1x2y3z0>\nContent-Transfer-Encoding: base64\n\n"
            + base64.b64encode(PNG)
        )
    )
    assert [(a.filename, a.inline) for a in mail.attachments] == [("shot.png", False)]


def test_oversized_attachments_are_listed_not_kept():
    big = base64.encodebytes(b"\x00" * (2 * 1024 * 1024 + 512 * 1024))
    mail = parse(
        mixed(
            b"Content-Type: text/plain\n\nvideo attached",
            b'Content-Type: video/mp4; name="video.mp4"\nContent-Transfer-Encoding: base64\n\n'
            + big,
            b'Content-Type: image/png; name="small.png"\nContent-Transfer-Encoding: base64\n\n'
            + base64.b64encode(PNG),
        ),
        limit=1024 * 1024,
    )

    assert mail.oversized == ("video.mp4 (2.5 MB)",)
    assert [a.filename for a in mail.attachments] == ["small.png"]


def test_a_large_message_needs_a_few_times_its_size_in_memory():
    video = base64.encodebytes(bytes(range(256)) * (16 * 1024))  # 4 MB
    raw = mixed(
        b"Content-Type: video/mp4; name=v.mp4\nContent-Transfer-Encoding: base64\n\n" + video
    )
    tracemalloc.start()
    try:
        mail = parse(raw)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert len(mail.attachments[0].data) == 4 * 1024 * 1024
    assert peak < 4 * len(raw)


def test_deeply_nested_parts_are_left_out_not_fatal():
    raw = b"From: a@example.com\nSubject: deep\n"
    for level in range(60):
        raw += b"Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n" % (level, level)
    mail = parse(raw + b"Content-Type: text/plain\n\ndeep text\n")

    assert "parts nested too deeply were left out" in mail.defects


def test_path_and_control_characters_leave_file_names():
    mail = parse(
        mixed(b'Content-Type: application/pdf; name="..\\\\..\\\\evil\x01\xe2\x80\xaefdp.exe"\n\nx')
    )
    assert mail.attachments[0].filename == "evilfdp.exe"


def test_pgp_signature_is_not_an_attachment():
    raw = b"""From: a@example.com
Subject: signed
Content-Type: multipart/signed; micalg=pgp-sha256; protocol="application/pgp-signature";
 boundary="sig"

--sig
Content-Type: text/plain; charset=utf-8

Signed text.
--sig
Content-Type: application/pgp-signature; name="signature.asc"

-----BEGIN PGP SIGNATURE-----
--sig--
"""
    mail = parse(raw)
    assert (mail.text, mail.attachments) == ("Signed text.", ())


# --- automated mail and bounces -------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        (b"Auto-Submitted: auto-replied", "Auto-Submitted: auto-replied"),
        (b"Auto-Submitted: Auto-Generated (vacation)", "Auto-Submitted: auto-generated"),
        (b"Precedence: bulk", "Precedence: bulk"),
        (b"Precedence: junk", "Precedence: junk"),
        (b"Precedence: list", "Precedence: list"),
        (b"X-Autoreply: yes", "X-Autoreply: yes"),
        (b"X-Autorespond: Out of office", "X-Autorespond: Out of office"),
        (b"List-Id: Sellers <sellers.lists.example>", "List-Id"),
        (b"List-Unsubscribe: <mailto:leave@lists.example>", "List-Unsubscribe"),
        (b"List-Post: <mailto:sellers@lists.example>", "List-Post"),
        (b"Return-Path: <>", "null Return-Path"),
        (b"From: MAILER-DAEMON@mx.example", "mailer-daemon@"),
        (b"From: postmaster@mx.example", "postmaster@"),
        (b"From: NoReply@shop.example", "noreply@"),
        (b"From: Shop <no-reply@shop.example>", "no-reply@"),
        (b"From: do-not-reply@shop.example", "do-not-reply@"),
        (b"From: DoNotReply@shop.example", "donotreply@"),
        (
            b"Content-Type: multipart/report; report-type=disposition-notification",
            "multipart/report",
        ),
    ],
)
@pytest.mark.p7
def test_automated_mail_names_its_rule(headers, reason):
    raw = headers + b"\nFrom: person@example.com\nSubject: Hello\n\nbody\n"
    mail = parse(raw)
    assert mail.automated is not None and reason in mail.automated, mail.automated
    assert mail.bounced_message_ids == ()


@pytest.mark.parametrize(
    "headers",
    [
        b"Auto-Submitted: no",
        b"X-Auto-Response-Suppress: All",
        b"Precedence: first-class",
        b"Return-Path: <person@example.com>",
        b"X-Autoreply: no",
    ],
)
@pytest.mark.p7
def test_ordinary_mail_is_not_automated(headers):
    assert (
        parse(headers + b"\nFrom: person@example.com\nSubject: Hello\n\nbody\n").automated is None
    )


POSTFIX_DSN = crlf(
    b"""Return-Path: <>
From: MAILER-DAEMON@mx.helpdesk.example (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: support@helpdesk.example
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="4B2C1A0F.1704186000/mx.helpdesk.example"
Message-Id: <20240102090000.4B2C1A0F@mx.helpdesk.example>

This is a MIME-encapsulated message.

--4B2C1A0F.1704186000/mx.helpdesk.example
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.helpdesk.example.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<nobody@gone.example>: host mx.gone.example said: 550 5.1.1 User unknown

--4B2C1A0F.1704186000/mx.helpdesk.example
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.helpdesk.example
Arrival-Date: Tue,  2 Jan 2024 09:00:00 +0100 (CET)

Final-Recipient: rfc822; nobody@gone.example
Action: failed
Status: 5.1.1

--4B2C1A0F.1704186000/mx.helpdesk.example
Content-Description: Undelivered Message
Content-Type: message/rfc822

Message-ID: <hd.0123456789abcdef0123456789abcdef@helpdesk.example>
From: Trust & Safety <support@helpdesk.example>
To: nobody@gone.example
Subject: We received your report

Your report HD-7K3QX9MB was received.

--4B2C1A0F.1704186000/mx.helpdesk.example--
"""
)


def test_postfix_bounce_reports_the_returned_message():
    mail = parse(POSTFIX_DSN)

    assert mail.automated == "Auto-Submitted: auto-replied"
    assert mail.bounced_message_ids == (OUR_ID,)
    assert "could not\nbe delivered" in mail.text
    assert [a.filename for a in mail.attachments] == ["We received your report.eml"]


EXCHANGE_NDR = crlf(
    b"""From: Microsoft Outlook <postmaster@contoso.example>
To: <support@helpdesk.example>
Subject: Undeliverable: We received your report
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="b1_ndr"
MIME-Version: 1.0
Message-ID: <a1b2c3d4-ndr@contoso.example>

--b1_ndr
Content-Type: multipart/alternative; boundary="b2_ndr"

--b2_ndr
Content-Type: text/plain; charset="us-ascii"

Your message to gone@contoso.example couldn't be delivered.
--b2_ndr
Content-Type: text/html; charset="us-ascii"

<p>Your message couldn't be delivered.</p>
--b2_ndr--

--b1_ndr
Content-Type: message/delivery-status

Reporting-MTA: dns;AM0PR01MB1234.eurprd01.prod.outlook.com

Final-Recipient: rfc822;gone@contoso.example
Action: failed
Status: 5.1.10

--b1_ndr
Content-Type: text/rfc822-headers

Received: from mx.helpdesk.example by contoso.example; Tue, 2 Jan 2024 09:00:00 +0000
Message-ID:
 <hd.fedcba9876543210fedcba9876543210@helpdesk.example>
Subject: We received your report

--b1_ndr--
"""
)


def test_exchange_ndr_with_returned_headers_only():
    mail = parse(EXCHANGE_NDR)

    assert mail.automated == "multipart/report (delivery-status)"
    assert mail.bounced_message_ids == ("<hd.fedcba9876543210fedcba9876543210@helpdesk.example>",)
    assert mail.text == "Your message to gone@contoso.example couldn't be delivered."


QMAIL_BOUNCE = b"""Return-Path: <>
From: MAILER-DAEMON@mail.old.example
To: support@helpdesk.example
Subject: failure notice

Hi. This is the qmail-send program at mail.old.example.
I'm afraid I wasn't able to deliver your message to the following addresses.

<gone@old.example>:
Sorry, no mailbox here by that name. (#5.1.1)

--- Below this line is a copy of the message.

Message-ID: <hd.00112233445566778899aabbccddeeff@helpdesk.example>
Subject: We received your report
"""


def test_bounce_without_a_report_structure_finds_our_message_id_in_the_text():
    mail = parse(QMAIL_BOUNCE)

    assert mail.automated == "sender mailer-daemon@"
    assert mail.bounced_message_ids == ("<hd.00112233445566778899aabbccddeeff@helpdesk.example>",)


@pytest.mark.p7
def test_delay_notices_are_automated_but_no_bounce():
    delayed = POSTFIX_DSN.replace(b"Action: failed", b"Action: delayed")
    warning = QMAIL_BOUNCE.replace(b"failure notice", b"Warning: message delayed 4 hours")

    for raw in (delayed, warning):
        mail = parse(raw)
        assert mail.automated and mail.bounced_message_ids == ()


@pytest.mark.p7
def test_out_of_office_reply_is_automated_but_no_bounce():
    raw = (
        b"From: Alex <alex@client.example>\nSubject: Automatic reply: We received your report\n"
        b"Auto-Submitted: auto-replied\nX-Auto-Response-Suppress: All\n"
        b"In-Reply-To: " + OUR_ID.encode() + b"\n\nI am away until Monday.\n"
    )
    mail = parse(raw)

    assert mail.automated == "Auto-Submitted: auto-replied"
    assert mail.bounced_message_ids == ()


# --- Message-IDs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message_id"),
    [
        (b"Subject: x\r\nMessage-ID:\r\n <folded@example.com>\r\n\r\nbody", "<folded@example.com>"),
        (b"message-id: < spaced@example.com >\n\nbody", "<spaced@example.com>"),
        (b"Message-ID: bare@example.com\n\nbody", "<bare@example.com>"),
        (b"Subject: x\rMessage-ID: <cr@example.com>\r\rbody", "<cr@example.com>"),
        (b"Subject: x\n\nMessage-ID: <in-body@example.com>\n", None),
        (b"Subject: x\nMessage-ID:\n\nbody", None),
        (
            b"Message-ID: <first@example.com>\nMessage-ID: <second@example.com>\n\n",
            "<first@example.com>",
        ),
        (b"Message-ID: <a@example.com> (added by postmaster)\n\n", "<a@example.com>"),
        (
            b"From MAILER-DAEMON Mon Jan  1 00:00:00 2024\nMessage-ID: <mbox@example.com>\n\n",
            "<mbox@example.com>",
        ),
    ],
)
def test_read_message_id_agrees_with_parse(raw, message_id):
    assert mime.read_message_id(raw) == message_id
    assert parse(raw).message_id == message_id


def test_in_reply_to_and_references_take_only_message_ids():
    raw = (
        b"From: a@example.com\nIn-Reply-To: <x@example.com> (Alex's message of Monday)\n"
        b"References: <1@example.com>\n\t<2@example.com><3@example.com> <1@example.com>\n\nx"
    )
    mail = parse(raw)
    assert mail.in_reply_to == ("<x@example.com>",)
    assert mail.references == ("<1@example.com>", "<2@example.com>", "<3@example.com>")


def test_recipients_come_from_every_delivery_header():
    raw = (
        b"From: a@example.com\nTo: Support <Support@Helpdesk.example>, undisclosed-recipients:;\n"
        b"Cc: abuse@helpdesk.example\nDelivered-To: support@helpdesk.example\n"
        b"X-Original-To: fraud@helpdesk.example\nEnvelope-To: hd+token@reply.helpdesk.example\n\nx"
    )
    assert parse(raw).recipients == (
        "support@helpdesk.example",
        "abuse@helpdesk.example",
        "fraud@helpdesk.example",
        "hd+token@reply.helpdesk.example",
    )


@pytest.mark.parametrize(
    "header",
    [b"To: <", b"Message-ID: <[>", b"To: a@[", b"To: a@b.example,\n\t,<@", b'From: "\\"'],
)
def test_headers_that_break_policy_default_are_read(header):
    mail = parse(b"Subject: odd\n" + header + b"\n\nbody\n")
    assert (mail.subject, mail.text) == ("odd", "body")


@pytest.mark.p7
def test_unusable_from_gives_no_sender():
    mail = parse(b"From: not an address\nSubject: x\n\nbody")
    assert (mail.sender, mail.sender_name) == (None, "")


# --- not mail --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b" \r\n\t",
        b"%PDF-1.4\n%\xc7\xec\x8f\xa2\n",
        b"just a line of text\n",
        b"\x00\x01\x02\xff",
    ],
)
@pytest.mark.p6
def test_bytes_that_are_not_mail_are_unparseable(raw):
    with pytest.raises(mime.Unparseable) as refused:
        parse(raw)
    assert str(refused.value)


# --- html_to_text and trim_reply -------------------------------------------------------------


def test_html_to_text_structure():
    html = (
        "<head><title>Newsletter</title><style>p {}</style>"
        "<p>First paragraph with <b>bold</b>\n   and spaces.</p><p>Second<br>line</p>"
        "<ol><li>one</li><li>two</li></ol>"
        "<blockquote><p>quoted one</p><p>quoted two</p></blockquote>"
        '<p><a href="https://x.example/">https://x.example</a> and '
        '<a href="mailto:me@x.example">me@x.example</a> and <a href="javascript:x()">js</a></p>'
        "<table><tr><td>cell 1</td><td>cell 2</td></tr><tr><td>row 2</td></tr></table>"
        "<pre>  keep\n    spacing</pre>&lt;not a tag&gt; &eacute;&#233;&#x2014;"
    )
    assert mail_text.html_to_text(html) == (
        "First paragraph with bold and spaces.\n\nSecond\nline\n\n1. one\n2. two\n\n"
        "> quoted one\n>\n> quoted two\n\nhttps://x.example and me@x.example and js\n\n"
        "cell 1 cell 2\nrow 2\n\n  keep\n    spacing\n\n<not a tag> éé—"
    )


def test_html_to_text_outlook_paragraphs_are_lines():
    html = (
        '<p class="MsoNormal">Line one<o:p></o:p></p><p class="MsoNormal">Line two</p>'
        '<p class="MsoNormal"><o:p>&nbsp;</o:p></p><p class="MsoNormal">New paragraph</p>'
    )
    assert mail_text.html_to_text(html) == "Line one\nLine two\n\nNew paragraph"


def test_html_to_text_survives_malformed_markup():
    assert mail_text.html_to_text("<p>ok<![weird[ x ]]></p><div") == "ok"
    assert mail_text.html_to_text("<![if !supportLists]>- <![endif]>item") == "- item"
    assert mail_text.html_to_text("<b>unclosed <i>tags") == "unclosed tags"


@pytest.mark.parametrize(
    "attribution",
    [
        "On Mon, Jan 1, 2024 at 10:00 AM Support <support@helpdesk.example> wrote:",
        "On Mon, Jan 1, 2024 at 10:00 AM Support <\nsupport@helpdesk.example> wrote:",
        "Le lun. 1 janv. 2024 à 10:00, Support <support@helpdesk.example> a écrit :",
        "Am 01.01.2024 um 10:00 schrieb Support <support@helpdesk.example>:",
        "El lun, 1 ene 2024 a las 10:00, Support (<support@helpdesk.example>) escribió:",
        "Op ma 1 jan. 2024 om 10:00 schreef Support <support@helpdesk.example>:",
    ],
)
def test_trim_reply_drops_quoted_history_in_many_languages(attribution):
    text = f"My new answer.\n\n{attribution}\n\n> Old question?\n> More.\n"
    assert mail_text.trim_reply(text) == "My new answer."


def test_trim_reply_keeps_an_interleaved_reply():
    text = (
        "On Mon, Jan 1, 2024 Support wrote:\n> Which account?\n\nThe seller one.\n\n"
        "> Since when?\n\nSince Monday.\n\n> Anything else?\n"
    )
    assert mail_text.trim_reply(text) == (
        "On Mon, Jan 1, 2024 Support wrote:\n> Which account?\n\nThe seller one.\n\n"
        "> Since when?\n\nSince Monday."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thanks!\n\n-- \nJane Doe\nSeller since 2019", "Thanks!"),
        ("Thanks!\n\nSent from my iPhone", "Thanks!"),
        ("Merci\n\nEnvoyé de mon iPhone\n\n> ancien", "Merci"),
        ("Danke\n\nVon meinem iPhone gesendet", "Danke"),
        ("Gracias\n\nEnviado desde mi iPhone", "Gracias"),
        ("Ok\n\nSent from Yahoo Mail on Android", "Ok"),
        ("> all\n> quoted\n", "> all\n> quoted"),
        ("-- \nonly a signature", "-- \nonly a signature"),
        ("On Monday I wrote a letter: it was long.", "On Monday I wrote a letter: it was long."),
        ("  \n", ""),
    ],
)
def test_trim_reply_edges(text, expected):
    assert mail_text.trim_reply(text) == expected


# --- properties (hypothesis) -----------------------------------------------------------------

CORPUS = [
    GMAIL_REPLY,
    OUTLOOK_REPORT,
    IPHONE_REPORT,
    APPLE_MAIL_REPLY,
    THUNDERBIRD_REPLY,
    EUDORA_8BIT,
    POSTFIX_DSN,
    EXCHANGE_NDR,
    MISSING_BOUNDARY,
    mixed(b"Content-Type: text/plain\n\nSee below.", FORWARDED),
]
JUNK = [b"\n", b"\r", b"--", b"=?", b"?=", b"<", b"\x00", b"\xff", b":", b";", b"*0*=", b"\n\n"]


def mutate(raw: bytes, operation: str, where: float, junk: bytes) -> bytes:
    at = int(where * len(raw))
    if operation == "flip" and raw:
        at = min(at, len(raw) - 1)
        return raw[:at] + bytes([raw[at] ^ 0xFF]) + raw[at + 1 :]
    if operation == "truncate":
        return raw[:at]
    if operation == "insert":
        return raw[:at] + junk + raw[at:]
    if operation == "drop boundary":
        boundary = raw.partition(b"boundary=")[2][:12].strip(b'"\r\n')
        return raw.replace(boundary, b"", 2) if boundary else raw
    if operation == "duplicate headers":
        headers, _, _ = raw.partition(b"\n\n")
        return headers + b"\n" + raw
    return raw.replace(b"\r\n", b"\n") if operation == "lf" else raw.replace(b"\n", b"\r")


def check_parse(raw: bytes) -> None:
    """parse() gives a ParsedMail with clean fields, or refuses with Unparseable."""
    try:
        mail = parse(raw, limit=4096)
    except mime.Unparseable as refused:
        assert not str(refused).startswith("the parser failed"), str(refused)
        return
    assert mail.message_id == mime.read_message_id(raw)
    for text in (mail.text, mail.subject, mail.sender_name, *mail.defects):
        assert "\x00" not in text and "\r" not in text
        text.encode("utf-8")  # no lone surrogates: storable and printable
    assert all(a.filename and a.filename.strip() == a.filename for a in mail.attachments)
    assert "\n" not in mail.subject
    mail_text.trim_reply(mail.text)


PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(st.binary(max_size=3000))
@pytest.mark.p6
def test_random_bytes_never_break_the_parser(raw):
    check_parse(raw)
    check_parse(b"Subject: x\n" + raw)


OPERATIONS = ["flip", "truncate", "insert", "drop boundary", "duplicate headers", "lf", "cr"]


@PROPERTY_SETTINGS
@given(
    st.sampled_from(CORPUS),
    st.lists(
        st.tuples(st.sampled_from(OPERATIONS), st.floats(0, 1), st.sampled_from(JUNK)),
        min_size=1,
        max_size=6,
    ),
)
@pytest.mark.p6
def test_mutated_client_mail_never_breaks_the_parser(raw, mutations):
    for operation, where, junk in mutations:
        raw = mutate(raw, operation, where, junk)
    check_parse(raw)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=500))
def test_html_to_text_and_trim_reply_take_any_text(text):
    mail_text.html_to_text(text)
    if text.strip():
        assert mail_text.trim_reply(text)
