"""P2 through the guard: a reply never tells the reporter what happened, or will happen, to
another member's account; it may say anything about the reporter's own."""

import pytest

from helpdesk.mail import outcomes
from helpdesk.mail.outcome_words import LANGUAGES
from helpdesk.mail.privacy import Draft, Protected, check_outbound, check_wording

pytestmark = [pytest.mark.p2, pytest.mark.p4]

DISCLOSING = [
    ("en", "The member has been banned permanently.", "the member"),
    ("en", "We have suspended their account.", "their account"),
    ("en", "We've banned the client you reported.", "the client you reported"),
    ("en", "We have taken action against the freelancer.", "the freelancer"),
    ("en", "The person you reported has received a final warning.", "the person you reported"),
    ("en", "A permanent ban has been placed on their account.", "their account"),
    ("en", "The client's profile is no longer active on the platform.", "the client's"),
    ("en", "Jane has been banned.", "jane"),
    ("en", "We banned Jane yesterday.", "jane"),
    ("en", "We reviewed the evidence and removed the listing.", "the listing"),
    ("en", "Following your report the member has been banned.", "the member"),
    ("en", "They will be banned if they do it again.", "they"),
    ("en", "The restriction on their account has been lifted.", "their account"),
    ("en", "We've taken the freelancer's profile offline.", "the freelancer's"),
    ("en", "We banned that user.", "that user"),
    ("en", "Jane no longer has access to the platform.", "jane"),
    ("en", "Thanks again they have been banned now.", "they"),
    ("fr", "Nous l\u2019avons banni.", "l'avons"),
    ("fr", "Nous l\u2018avons banni.", "l'avons"),
    ("es", "Se ha suspendido la cuenta del usuario.", "la cuenta"),
    ("en", "Their messaging has been restricted for 7 days.", "their messaging"),
    ("fr", "Nous l'avons banni de la plateforme.", "l'avons"),
    (
        "fr",
        "L'utilisateur que vous avez signalé a été bloqué.",
        "l'utilisateur que vous avez signale",
    ),
    ("de", "Wir haben das Konto des Mitglieds dauerhaft gesperrt.", "des mitglieds"),
    ("de", "Seit gestern ist sie gesperrt.", "sie"),  # lower case: "she", not the reader
    ("es", "Hemos bloqueado al usuario.", "al usuario"),
    ("nl", "Het lid krijgt een waarschuwing.", "het lid"),
    ("it", "L'account dell'utente è stato sospeso.", "l'account"),
    ("pt", "A conta do membro foi suspensa.", "a conta"),
    ("sv", "Kundens konto har tagits bort.", "kundens"),
]

SAFE = [
    "We have restored your account.",
    "We have reviewed your report and will take action where appropriate.",
    "We cannot share the outcome.",
    "We can't share whether the member was banned.",
    "Whether or not the member is suspended is something we keep private.",
    "Your report about the member has been closed.",
    "You can block the member from your settings.",
    "Please block them if they write again.",
    "Accounts that violate our terms may be suspended.",
    "Access has been restricted while we review.",
    "Reports are closed once our review is finished.",
    "We limit the number of attachments to ten.",
    "The member banned you? Please tell us more.",
    "Ihr Konto wurde wiederhergestellt.",
    "Sie wurden nicht gesperrt, Ihr Zugang ist wieder frei.",
    "Hemos cerrado el ticket duplicado.",
    "Non possiamo dirti se l'account dell'altro utente è stato sospeso.",
    "Thank you for warning us about this.",
    "We took the member's messages into account.",
    "No longer a member of our team? Sign up again.",
    "We suggest blocking them if they write again.",
    "Sadly, we can't share whether they were banned.",
    "We have taken the time to read it all down to the last line.",
]


@pytest.mark.parametrize(("language", "text", "target"), DISCLOSING)
def test_an_outcome_for_another_account_is_found_in_each_language(language, text, target):
    (found,) = outcomes.disclosures(text)
    assert (found.language, found.target) == (language, target)
    assert text[found.start : found.end] == text.rstrip(".")
    assert found.trigger[0] < found.trigger[1] <= found.end


@pytest.mark.parametrize("text", SAFE)
def test_the_reporters_own_account_our_process_and_what_we_withhold_pass(text):
    assert outcomes.disclosures(text) == []


def test_the_span_is_the_sentence_in_the_text_as_written_and_the_suggestion_its_language():
    text = "Hi Dana,\n\nThanks for writing. Das   Mitglied wurde\ngesperrt! Best, Priya"
    (found,) = outcomes.disclosures(text)
    assert text[found.start : found.end] == "Das   Mitglied wurde\ngesperrt"
    assert text[slice(*found.trigger)] == "gesperrt"
    assert outcomes.suggestion(found.language) == LANGUAGES["de"]["suggestion"]


def test_an_outcome_in_the_html_part_is_read_without_its_tags():
    html = "<p>Update: <b>the&nbsp;member</b> has been <i>banned</i>.</p>"
    (found,) = outcomes.disclosures(html, html_part=True)
    assert html[found.start : found.end].startswith("the&nbsp;member</b> has been")


def test_the_guard_refuses_an_outcome_with_the_sentence_and_a_neutral_wording():
    reply = "Thanks for your patience. We have suspended the freelancer's account."
    draft = Draft("dana@example.org", "About your report", f"Hello\n\n{reply}\n", reply=reply)
    refusal = check_outbound(draft, Protected(owner="dana@example.org"))
    assert refusal.rule == "outcome"
    assert str(refusal) == refusal.reason
    assert "what happened or will happen to another member's account" in refusal.reason
    first = refusal.spans[0]
    assert (first.part, reply[first.start : first.end]) == (
        "reply",
        "We have suspended the freelancer's account",
    )
    assert {span.part for span in refusal.spans} == {"reply", "text"}
    assert refusal.suggestion == LANGUAGES["en"]["suggestion"]


def test_wording_alone_is_checked_for_canned_replies():
    assert check_wording("We will review your report within two days.") is None
    refusal = check_wording("Thanks! Le membre a été banni.")
    assert refusal.rule == "outcome" and refusal.suggestion == LANGUAGES["fr"]["suggestion"]
    assert refusal.spans[0].text == "Le membre a été banni"


def test_every_language_offers_a_suggestion_that_passes_the_guard():
    for language, words in LANGUAGES.items():
        assert outcomes.disclosures(words["suggestion"]) == [], language


def test_the_sentence_span_leaves_out_the_spaces_around_it():
    text = "Thanks.   \n The member was warned \n\n"
    (found,) = outcomes.disclosures(text)
    assert text[found.start : found.end] == "The member was warned"
    assert text[slice(*found.trigger)] == "warned"


def test_typographic_apostrophes_read_as_plain_ones():
    assert outcomes.disclosures("We\u2019ve banned the client.")[0].target == "the client"
    assert outcomes.disclosures("\u2018Their account\u2019 was suspended.")[0].target == (
        "their account"
    )


def test_a_sentence_span_ends_before_the_spaces_that_precede_its_punctuation():
    text = "The member was warned ; thanks"
    (found,) = outcomes.disclosures(text)
    assert text[found.start : found.end] == "The member was warned"


def test_what_we_cannot_share_is_only_what_follows_it_in_the_same_sentence():
    text = (
        "Thanks for the note. They were banned and we cannot share whether anything else "
        "will follow for them."
    )
    (found,) = outcomes.disclosures(text)
    assert found.target == "they"


def test_what_we_cannot_share_ends_at_a_new_clause():
    assert outcomes.disclosures("We can't share whether they were banned") == []
    (found,) = outcomes.disclosures("We can't share any details, but they were banned.")
    assert found.target == "they"
