"""Words grouped by their leading letters match exactly where the plain alternation does."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpdesk.mail import outcomes
from helpdesk.mail.outcome_words import LANGUAGES
from helpdesk.mail.spelling import read
from helpdesk.mail.word_trie import alternatives, grouped

from .guard_eval import load

pytestmark = pytest.mark.p2

TRIGGER_KINDS = ("participles", "verbs", "we_verbs", "nouns", "states")


def test_alternatives_split_only_at_the_top_level():
    fragment = r"ban|(?:take|took) (?:action)|penali[sz]e|a\|b|x(?=y|z)|[|]|"
    assert alternatives(fragment) == [
        "ban",
        "(?:take|took) (?:action)",
        "penali[sz]e",
        r"a\|b",
        "x(?=y|z)",
        "[|]",
        "",
    ]


def test_shared_letters_become_one_prefix_and_repeated_ones_stay_whole():
    assert grouped(["ban|banned|block"]) == "b(?:an(?:ned|)|lock)"
    assert grouped(["bans?|bar"]) == "ba(?:ns?|r)"
    assert grouped(["a+b|ab"]) == "ab|a+b"


def plain(fragments: list[str]) -> re.Pattern:
    return re.compile("|".join(f"(?:{fragment})" for fragment in fragments))


# Words from a small alphabet, so that they share prefixes and overlap in texts, with the
# constructs the word lists use: optional letters, classes, groups and a look-ahead.
PIECES = st.sampled_from(["a", "b", "n", " ", "'", "a?", "[ab]", "(?:a|bn)", "(?=b)", "n+"])
WORDS = st.lists(st.lists(PIECES, max_size=5).map("".join), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None, database=None)
@given(WORDS, st.text(alphabet="abn '", max_size=30))
def test_grouped_words_are_found_where_the_plain_alternation_finds_one(words, text):
    first = plain(words).search(text)
    first_grouped = re.search(grouped(words), text)
    assert (first and first.start()) == (first_grouped and first_grouped.start())
    as_whole_words = re.compile(outcomes._words(plain(words).pattern))
    grouped_whole_words = re.compile(outcomes._words(grouped(words)))
    assert bool(grouped_whole_words.search(text)) == bool(as_whole_words.search(text))


def eval_sentences() -> list[str]:
    texts = [reply["text"] for reply in load()["replies"]]
    sentences = []
    for text in texts:
        folded = read(text, skeleton=False).text.replace("\u2019", "'")
        sentences += [found.group() for found in outcomes._SENTENCE.finditer(folded)]
    return sentences


def test_the_guard_finds_an_enforcement_word_in_the_same_sentences_as_before_grouping():
    """Over every sentence of the guard's labelled replies, the grouped words of each
    language and of all of them hold exactly when the words as written do."""
    sentences = eval_sentences()
    every_language = []
    for code, words in LANGUAGES.items():
        written = [words[kind] for kind in TRIGGER_KINDS]
        every_language += written
        language = next(language for language in outcomes._languages() if language.code == code)
        expected = re.compile(outcomes._words(plain(written).pattern))
        held = [bool(expected.search(sentence)) for sentence in sentences]
        assert [bool(language.triggers.search(s)) for s in sentences] == held, code
    expected = re.compile(outcomes._words(plain(every_language).pattern))
    held = [bool(expected.search(sentence)) for sentence in sentences]
    assert [bool(outcomes._any_trigger().search(s)) for s in sentences] == held
    assert 0 < sum(held) < len(sentences)
