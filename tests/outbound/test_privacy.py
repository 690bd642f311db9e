"""P4: the privacy guard. What a reporter's mailbox receives names nobody else, carries no
internal note, and goes to the reporter alone; the guard sees through case, spacing and
Unicode disguises."""

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpdesk.mail.name_words import distinctive_parts
from helpdesk.mail.privacy import (
    Draft,
    Protected,
    check_outbound,
    check_wording,
    protected_for_account,
    protected_for_ticket,
)
from helpdesk.mail.spelling import normalise, read, spelled_in
from helpdesk.models import (
    Message,
    MessageKind,
    Ticket,
    User,
)
from helpdesk.reported import parse_reported_party

pytestmark = pytest.mark.p4  # every test here guards the privacy guard

USERNAME = "QuickPay_Dev"
PROFILE_URL = "https://marketplace.example/freelancers/~jane.doe-design"
CONTEXT_URL = "https://marketplace.example/workrooms/48213"
NOTE = "Linked to three earlier reports; account suspended pending the payments review."
REPORTER = "dana@example.org"


def _report(reporter: User, reported: str, notes: tuple[str, ...] = ()) -> Ticket:
    """A report (not stored) about `reported`, with internal notes."""
    party = parse_reported_party(reported)
    return Ticket(
        reporter=reporter,
        reported_member=party.member,
        reported_profile_url=party.profile_url,
        reported_key=party.key,
        messages=[Message(kind=MessageKind.NOTE, body=note) for note in notes],
    )


DANA = User(email=REPORTER, display_name="Dana Whitfield")
ZOE = User(
    id=4242,
    email="zoe.mueller@mail.example",
    display_name="Zoë Strauß-Müller",
    marketplace_id="~01f3c9a2",
)
# A reported party named by username in this report and otherwise in others, who also
# has an account here: every way of naming them, as the outbox gathers it.
KNOWN = protected_for_ticket(
    _report(DANA, USERNAME, notes=(NOTE,)),
    own_domains=["helpdesk.example"],
    known_users=[ZOE],
    other_spellings=[PROFILE_URL, "jane.doe-design"],
)
SAFE_TEXT = (
    "thank you for your report we reviewed it and will look into what happened "
    "please add screenshots if you have them the team answers within 24 hours"
)
SAFE_WORDS = SAFE_TEXT.split()


def _check(text: str, *, to: str = REPORTER, html: str | None = None) -> str | None:
    """The guard's reason for refusing `text`, or None."""
    refusal = check_outbound(Draft(to, "About your report HD-7K3QX9MB", text, html), KNOWN)
    return str(refusal) if refusal else None


# --- the guard, as a pure function ---------------------------------------------------------


def test_normalise_folds_case_width_accents_spacing_and_invisible_characters():
    assert (
        normalise("  ＱｕｉｃｋＰａｙ\u200b_Dev\u00a0\u00a0and\n\tZoe\u0308 ")
        == "quickpay_dev and\nzoe"
    )


@pytest.mark.parametrize(
    ("text", "rule", "found"),
    [
        ("We looked at quickpay_dev's profile.", "identifier", "quickpay_dev"),
        (
            "See marketplace.example/freelancers/~jane.doe-design for details.",
            "identifier",
            "marketplace.example/freelancers/~jane.doe-design",
        ),
        (f"See {PROFILE_URL}/", "identifier", PROFILE_URL),
        (f"See {PROFILE_URL.replace('https://', 'www.')}", "identifier", PROFILE_URL[8:]),
        ("Write to Zoë Strauß-Müller directly.", "identifier", "Zoë Strauß-Müller"),
        ("Frau Müller wrote again.", "identifier", "Müller"),
        ("Her address is ZOE.MUELLER@MAIL.EXAMPLE.", "identifier", "ZOE.MUELLER@MAIL.EXAMPLE"),
        ("She signs as zoe.mueller on the forum.", "identifier", "zoe.mueller"),
        ("The account (member #4242) is under review.", "member_id", "member #4242"),
        ("Profile: https://marketplace.example/users/4242", "member_id", "/4242"),
        ("Account suspended pending the payments review.", "note", None),
        ("We saw: linked to three earlier reports; account suspended.", "note", None),
        ("Contact billing@payments.example about it.", "address", "billing@payments.example"),
    ],
)
@pytest.mark.p2
def test_the_guard_refuses_what_names_the_reported_party_or_leaks(text, rule, found):
    refusal = check_outbound(Draft(REPORTER, "About your report", text, reply=text), KNOWN)
    assert refusal.rule == rule
    reply_spans = [span for span in refusal.spans if span.part == "reply"]
    assert reply_spans and all(text[s.start : s.end] == s.text for s in reply_spans)
    if found is not None:
        assert reply_spans[0].text == found


@pytest.mark.parametrize(
    "text",
    [
        "Thank you. We answer within 4242 minutes at most, and 24 hours usually.",
        "Your address dana@example.org is the one we write to.",
        "Write to support@helpdesk.example if the form does not work.",
        "Your account is fine; we are reviewing the report.",
        "quickpay_devs is another name entirely.",
    ],
)
def test_the_guard_lets_ordinary_replies_through(text):
    assert _check(text) is None


def test_the_guard_reads_the_html_part_too():
    html = "<p>About quick&#112;ay_dev&#39;s profile</p>"
    assert _check("Thank you.", html=html) == "It mentions the reported member (QuickPay_Dev)."


def test_the_guard_refuses_any_recipient_but_the_owner():
    assert _check("Thank you.", to="DANA@Example.org") is None
    for stranger in ("zoe.mueller@mail.example", "someone@example.org"):
        assert "who is not the ticket's reporter" in _check("Thank you.", to=stranger)


def test_a_short_note_is_only_matched_when_it_says_something():
    protected = Protected(owner=REPORTER, notes=("ok", "Escalated to legal"))
    draft = Draft(REPORTER, "s", "OK, thanks. We escalated to legal.")
    assert check_outbound(draft, protected).rule == "note"
    assert check_outbound(Draft(REPORTER, "s", "OK, thanks."), protected) is None


# --- disguises (hypothesis) -----------------------------------------------------------------

INVISIBLE = ["", "", "", "\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff"]
WHITESPACE = [" ", "  ", "\t", "\n", " \n ", "\u00a0", "\u2003", "\u3000"]
SEPARATORS = [" ", "\n", " (", ") ", ", ", ": ", " '", "' ", ' "', " @", " <", "> "]


def _restyle(ch: str, style: str) -> str:
    """One character in another Unicode form that NFKC maps back to it."""
    if style == "fullwidth" and "!" <= ch <= "~":
        return chr(ord(ch) + 0xFEE0)
    if style == "bold" and ch.isascii() and ch.isalpha():
        start = 0x1D400 if ch.isupper() else 0x1D41A
        return chr(start + ord(ch.lower()) - ord("a"))
    if style == "bold" and ch.isascii() and ch.isdigit():
        return chr(0x1D7CE + int(ch))
    if style == "decomposed":
        return unicodedata.normalize("NFD", ch)
    return ch


@st.composite
def disguised(draw, identifier: str) -> str:
    """The identifier in mixed case, other spacing and other Unicode forms."""
    out = []
    for ch in identifier:
        if ch.isspace():
            out.append(draw(st.sampled_from(WHITESPACE)))
            continue
        ch = draw(st.sampled_from([ch, ch.upper(), ch.lower()]))
        style = draw(st.sampled_from(["plain", "plain", "fullwidth", "bold", "decomposed"]))
        out.append("".join(_restyle(c, style) for c in ch) + draw(st.sampled_from(INVISIBLE)))
    return "".join(out)


@st.composite
def reply_hiding(draw, identifier: str) -> str:
    """An agent's reply with the disguised identifier somewhere among ordinary words."""
    before = draw(st.lists(st.sampled_from(SAFE_WORDS), max_size=12))
    after = draw(st.lists(st.sampled_from(SAFE_WORDS), max_size=12))
    return (
        " ".join(before)
        + draw(st.sampled_from(SEPARATORS))
        + draw(disguised(identifier))
        + draw(st.sampled_from(SEPARATORS))
        + " ".join(after)
    )


MEMBER_ID_FORMS = ["member #4242", "ID: 4242", "user/4242", "account 4242"]
ALL_IDENTIFIERS = st.sampled_from(KNOWN.identifiers + tuple(MEMBER_ID_FORMS))
QUIET = {"deadline": None, "database": None}


@settings(max_examples=200, **QUIET)
@given(st.data())
def test_every_disguise_of_a_known_identifier_is_refused(data):
    text = data.draw(reply_hiding(data.draw(ALL_IDENTIFIERS)))
    assert "the reported member" in _check(text)


@settings(max_examples=100, **QUIET)
@given(st.lists(st.sampled_from(SAFE_WORDS), min_size=1, max_size=40))
def test_replies_made_of_ordinary_words_pass(words):
    assert _check(" ".join(words)) is None


# --- how the guard reads: one normalisation -------------------------------------------------


@pytest.mark.parametrize(
    ("written", "read_as"),
    [
        ("jane&#95;doe", "jane_doe"),
        ("jane&#x5F;doe", "jane_doe"),
        ("jane&lowbar;doe", "jane_doe"),
        ("jane%5Fdoe", "jane_doe"),
        ("%6A%61ne_doe", "jane_doe"),
        ("jane%26%2395%3Bdoe", "jane_doe"),  # "&#95;", URL-encoded: decoded twice
        ("jane\\u005fdoe", "jane_doe"),
        ("jane\\x5fdoe", "jane_doe"),
        ("jane\\tdoe", "jane doe"),
        ("jane\\ndoe", "jane\ndoe"),
        ("j\u0430ne_d\u043ee", "jane_doe"),  # Cyrillic a and o
        ("JANE_D0E", "jane_doe"),
        ("ｊａｎｅ＿ｄｏｅ", "jane_doe"),
        ("ja\u200bne\u00ad_doe", "jane_doe"),
        ("jane \n\n\n doe", "jane\n\ndoe"),
        ("jane\t \u00a0doe", "jane doe"),
    ],
)
def test_escapes_entities_look_alikes_and_invisible_characters_read_as_what_they_show(
    written, read_as
):
    assert normalise(written) == read_as


def test_a_name_is_spelled_whatever_separates_its_letters_but_only_as_whole_words():
    reading = read("j a n e _ d o e, Jane Doe and jane\n  doe; not janedoe2 nor xjane_doe.")
    found = [reading.text[a:b] for a, b in spelled_in(reading, "jane_doe")]
    assert found == ["j a n e _ d o e", "jane doe", "jane\ndoe"]
    assert list(spelled_in(reading, "--")) == []


def test_tags_are_read_as_spaces_in_the_html_part_only():
    text = "About <b>quick</b>pay_dev"
    assert _check("Thank you.", html=text) == "It mentions the reported member (QuickPay_Dev)."
    html_only = Draft(REPORTER, "s", "Thank you.", text)
    (span,) = check_outbound(html_only, KNOWN).spans
    assert (span.part, text[span.start : span.end]) == ("html", "quick</b>pay_dev")
    assert _check("About quick<i></i>pay_dev.") is None  # as plain text it shows the tags


def test_a_username_right_next_to_a_tag_is_found():
    html = "<p>About<b>quickpay_dev</b>'s profile</p>"
    refusal = check_outbound(Draft(REPORTER, "s", "Thank you.", html), KNOWN)
    assert [(s.part, s.text) for s in refusal.spans] == [("html", "quickpay_dev")]


# --- what is protected ----------------------------------------------------------------------


def test_the_reported_account_adds_its_email_names_and_ids_only_when_known():
    report = _report(DANA, USERNAME)
    unknown = protected_for_ticket(report, own_domains=[])
    known = protected_for_ticket(report, own_domains=[], known_users=[ZOE])
    assert unknown.identifiers == ("QuickPay_Dev",)
    assert unknown.member_ids == ()
    assert known.member_ids == (4242,)
    assert set(known.identifiers) - set(unknown.identifiers) == {
        "zoe.mueller@mail.example",
        "zoe.mueller",
        "Zoë Strauß-Müller",
        "~01f3c9a2",
        "Strauß",
        "Müller",
    }
    assert known.identifiers[0] == "zoe.mueller@mail.example"  # the longest first


def test_name_parts_are_protected_when_distinctive_and_not_the_reporters_own():
    assert distinctive_parts("Zoë Strauß-Müller") == ["Strauß", "Müller"]
    assert distinctive_parts("Zoë Strauß-Müller", besides="Dana Müller") == ["Strauß"]
    assert distinctive_parts("Jane Doe") == []  # a common first name and a short word
    assert distinctive_parts("Quick Pay") == []  # ordinary words
    assert distinctive_parts("Marco Rossi") == ["Rossi"]
    assert distinctive_parts("Rossi") == []  # a one-word name is protected whole
    assert distinctive_parts("Ines Oto") == ["Ines"]  # four letters count, three do not
    assert distinctive_parts("Xxxx Yyyyy") == ["Xxxx", "Yyyyy"]


def test_a_role_address_is_not_protected_by_its_local_part():
    shared = User(id=5, email="info@shop.example", display_name="Shop")
    protected = protected_for_ticket(
        _report(DANA, "shop_owner"), own_domains=[], known_users=[shared]
    )
    assert "info" not in protected.identifiers and "info@shop.example" in protected.identifiers


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("See #4242.", True),
        ("See users/4242 there.", True),
        ("Member: 4242", True),
        ("account-4242", True),
        ("ID 4242", True),
        ("We answer within 4242 minutes.", False),
        ("Reference #42420.", False),
        ("Within 14242 hours.", False),
    ],
)
def test_an_account_number_is_refused_as_one_is_written(text, refused):
    refusal = check_outbound(Draft(REPORTER, "s", text), KNOWN)
    assert (refusal.rule if refusal else None) == ("member_id" if refused else None)


NOTE_WORDS = "linked to three earlier reports account suspended pending the payments review"


@pytest.mark.parametrize(
    ("quoted", "refused"),
    [
        (" ".join(NOTE_WORDS.split()[:6]), True),  # the first window: where the note starts
        (" ".join(NOTE_WORDS.split()[-6:]), True),  # the last window
        (" ".join(NOTE_WORDS.split()[:5]), False),
        (" ".join(NOTE_WORDS.split()[1:6]), False),
        (" ".join(NOTE_WORDS.split()[-5:]), False),  # the end of the note, five words
    ],
)
def test_a_note_is_quoted_from_six_consecutive_words_on(quoted, refused):
    protected = Protected(owner=REPORTER, notes=(NOTE,))
    refusal = check_outbound(Draft(REPORTER, "s", f"Update: {quoted.upper()}!"), protected)
    assert (refusal.rule if refusal else None) == ("note" if refused else None)


def test_a_note_of_six_words_leaks_only_whole():
    protected = Protected(owner=REPORTER, notes=("Called the bank about the refund",))
    whole = Draft(REPORTER, "s", "We called the bank about the refund.")
    assert check_outbound(whole, protected).rule == "note"
    assert check_outbound(Draft(REPORTER, "s", "We called the bank about it."), protected) is None


def test_addresses_of_the_owner_and_our_domains_pass_and_others_are_refused():
    protected = Protected(owner=REPORTER, own_domains=frozenset({"helpdesk.example"}))
    fine = "Write to support@helpdesk.example or reply from dana@example.org."
    assert check_outbound(Draft(REPORTER, "s", fine), protected) is None
    refusal = check_outbound(Draft(REPORTER, "s", "Or ask pay@payments.example."), protected)
    assert refusal.reason == "It contains another person's email address (pay@payments.example)."


def test_a_look_alike_recipient_address_is_another_address():
    assert _check("Thank you.", to="DANA@EXAMPLE.ORG") is None
    assert "who is not the ticket's reporter" in _check("Thank you.", to="d\u0430na@example.org")


# --- what the agent is shown ----------------------------------------------------------------


def test_a_refusal_says_why_where_in_each_part_and_what_to_write_instead():
    reply = "Hello, QuickPay_Dev and quick_pay_dev are the same person."
    draft = Draft(REPORTER, "About quickpay_dev", f"Hi Dana\n\n{reply}\n", reply=reply)
    refusal = check_outbound(draft, KNOWN)
    assert str(refusal) == refusal.reason == "It mentions the reported member (QuickPay_Dev)."
    assert len(refusal.findings) == 1
    assert [(s.part, s.text) for s in refusal.spans] == [
        ("reply", "QuickPay_Dev"),
        ("reply", "quick_pay_dev"),
        ("subject", "quickpay_dev"),
        ("text", "QuickPay_Dev"),
        ("text", "quick_pay_dev"),
    ]
    assert reply[refusal.spans[1].start : refusal.spans[1].end] == "quick_pay_dev"
    assert refusal.suggestion == "the member you reported"


def test_every_rule_broken_is_a_finding_of_its_own():
    reply = "QuickPay_Dev (member #4242) has been banned."
    refusal = check_outbound(Draft(REPORTER, "s", reply, reply=reply), KNOWN)
    assert [f.rule for f in refusal.findings] == ["identifier", "member_id", "outcome"]
    assert refusal.rule == "identifier"
    assert refusal.findings[1].suggestion == "the member you reported"
    assert refusal.findings[2].suggestion.startswith("We have reviewed your report")


def test_the_wording_check_passes_neutral_text():
    assert check_wording("Thanks, we are reviewing your report.") is None


# --- random usernames in every disguise (hypothesis) ----------------------------------------

CYRILLIC = dict(zip("aceopxy", "\u0430\u0441\u0435\u043e\u0440\u0445\u0443", strict=True))
DISGUISE = {
    "case": str.swapcase,
    "line break": lambda name: name.replace("_", "\n_", 1),
    "tab": lambda name: name.replace("_", "\t_", 1),
    "backslash": lambda name: name.replace("_", "\\_"),
    "url-encoded": lambda name: name.replace("_", "%5F"),
    "entity": lambda name: name.replace("_", "&#95;"),
    "look-alike": lambda name: "".join(CYRILLIC.get(ch, ch) for ch in name),
    "spaced": " ".join,
    "full-width": lambda name: "".join(chr(ord(ch) + 0xFEE0) for ch in name),
    "invisible": "\u200b".join,
    "words": lambda name: name.replace("_", " ").title(),
}
USERNAMES = st.from_regex(r"[a-z][a-z0-9]{2,8}_[a-z0-9]{2,8}", fullmatch=True)


@settings(max_examples=300, **QUIET)
@given(USERNAMES, st.sampled_from(sorted(DISGUISE)), st.sampled_from(SAFE_WORDS))
def test_a_random_username_in_any_disguise_is_refused(username, disguise, word):
    protected = protected_for_ticket(_report(DANA, username), own_domains=[])
    text = f"Thank you {word}, {DISGUISE[disguise](username)} is being looked at."
    refusal = check_outbound(Draft(REPORTER, "s", text), protected)
    assert refusal.rule == "identifier", (disguise, text)


# --- each part of what the outbox knows ends up protected -------------------------------------


def test_every_report_about_the_member_adds_its_spellings_and_the_context_link_counts():
    first = _report(DANA, "QuickPay_Dev", notes=("Checked the payout logs twice.",))
    first.context_url = "https://marketplace.example/workrooms/48213"
    first.messages.append(Message(kind=MessageKind.REPLY, body="Thanks, we are on it."))
    other = "https://marketplace.example/freelancers/~qp-dev"
    protected = protected_for_ticket(
        first, own_domains=["helpdesk.example", ""], known_users=[ZOE], other_spellings=[other]
    )
    assert {
        "QuickPay_Dev",
        "https://marketplace.example/freelancers/~qp-dev",
        "https://marketplace.example/workrooms/48213",
        "Zoë Strauß-Müller",
    } <= set(protected.identifiers)
    assert protected.notes == ("Checked the payout logs twice.",)  # notes only, not replies
    assert protected.own_domains == frozenset({"helpdesk.example"})
    assert protected.owner == REPORTER and protected.owner_role == "the ticket's reporter"


def test_a_name_part_the_reporter_shares_is_not_protected_alone():
    reporter = User(email=REPORTER, display_name="Dana Müller")
    protected = protected_for_ticket(_report(reporter, "qp"), own_domains=[], known_users=[ZOE])
    assert "Strauß" in protected.identifiers and "Müller" not in protected.identifiers


def test_account_mail_goes_to_the_owner_alone_and_may_show_our_addresses():
    protected = protected_for_account(DANA, own_domains=["helpdesk.example", ""])
    assert protected == Protected(
        owner=REPORTER,
        owner_role="the account's owner",
        own_domains=frozenset({"helpdesk.example"}),
    )
    refusal = check_outbound(Draft("zoe@mail.example", "s", "Hello."), protected)
    assert refusal.rule == "recipient"
    assert refusal.reason == "It is addressed to zoe@mail.example, who is not the account's owner."


@pytest.mark.parametrize(("local", "protected"), [("abcde", True), ("abcd", False)])
def test_an_address_names_its_owner_from_five_letters_before_the_at(local, protected):
    user = User(id=9, email=f"{local}@mail.example", display_name="X")
    identifiers = protected_for_ticket(_report(DANA, "qp"), own_domains=[], known_users=[user])
    assert (local in identifiers.identifiers) is protected


def test_a_link_found_whole_is_one_span_not_also_the_link_without_its_scheme():
    refusal = check_outbound(Draft(REPORTER, "s", f"See {PROFILE_URL} now."), KNOWN)
    assert [span.text for span in refusal.findings[0].spans] == [PROFILE_URL]


def test_a_short_note_leaks_from_twelve_characters_on():
    protected = Protected(owner=REPORTER, notes=("Escalate now", "a b c d e f"))
    refusal = check_outbound(Draft(REPORTER, "s", "We will escalate now."), protected)
    assert refusal.reason == "It contains text from an internal note."
    assert check_outbound(Draft(REPORTER, "s", "As in a b c d e f."), protected) is None


def test_an_outcome_hidden_between_tags_is_read_in_the_html_part():
    html = "<p><span>the</span><span>member</span> has been banned</p>"
    refusal = check_outbound(Draft(REPORTER, "s", "Thank you.", html), Protected(owner=REPORTER))
    assert [(f.rule, s.part) for f in refusal.findings for s in f.spans] == [("outcome", "html")]
    assert check_wording(html) is None  # a canned reply is plain text: the tags show


def test_a_canned_wording_is_located_in_the_reply():
    (span,) = check_wording("Hi. We banned the client.").spans
    assert (span.part, span.start, span.end) == ("reply", 4, 24)


def test_each_character_read_remembers_where_it_was_written():
    written = "a&#95;b\n\n\n c%41"
    reading = read(written)
    assert reading.text == "a_b\n\nca"
    assert [written[s:e] for s, e in zip(reading.starts, reading.ends, strict=True)] == [
        "a",
        "&#95;",
        "b",
        "\n",
        "\n",
        "c",
        "%41",
    ]
    assert reading.origin(1, 3) == (1, 7)


@pytest.mark.parametrize(
    ("written", "read_as"),
    [("ﬁle ǆ", "file dz"), ("50%ff off", "5o\ufffd off"), ("%C3%A9t%C3%A9", "ete")],
)
def test_ligatures_split_and_broken_percent_bytes_do_not_stop_the_reading(written, read_as):
    assert normalise(written) == read_as


def test_tags_are_text_unless_the_html_part_is_read():
    assert normalise("quick<i></i>pay") == "quick<i></i>pay"
    assert read("quick<i></i>pay", html_part=True).text == "quick pay"


def test_the_confusables_table_is_tr39s():
    assert normalise("\u0430\u0435\u043e\u0440\u0441 \u0391 \u2170 \U0001d5ba") == "aeopc a i a"
    assert normalise("rn m") == "rn rn"  # TR39 reads "m" as "rn", both ways
