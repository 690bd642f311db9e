"""Outcome statements (P2): a reply must not say what happened, or will happen, to another
member's account.

A sentence discloses when it holds an enforcement word (ban, suspend, remove, warn, close,
"take action against", a ban received, "no longer active"…) whose target is someone other than
the reporter: the member, the client, they, their account, a name. The target is read from the
word's place in its clause:
- passive ("the member has been banned", "das Konto wurde gesperrt"): the clause's subject,
  the first reference before the word that no preposition ties to another one;
- our action ("we suspended their account", "wir haben das Konto gesperrt"): what follows the
  word, else what stands between "we" and it;
- a sanction as a noun with a verb that hands it over ("they received a warning"): the clause's
  first reference.
The reporter's own account ("we restored your account"), our process ("the ticket was
closed"), nobody in particular ("accounts that break the rules may be suspended"), the
reporter acting ("you can block them") and what we say we cannot tell ("we can't share whether
the member was banned") pass. Each language has its own words (outcome_words.py).
"""

import re
from dataclasses import dataclass
from functools import cache

from .name_words import common_words
from .outcome_words import LANGUAGES
from .spelling import Reading, read
from .word_trie import grouped

# A sentence ends at its punctuation or at a blank line; a single line break is wrapping.
_SENTENCE = re.compile(r"(?:[^.!?;:\n]|\n(?!\n))+")
# What ends "we cannot share whether…": a new clause that may say something again.
_CONTRAST = re.compile(r",|;|\b(?:but|however|mais|aber|pero|maar|ma|mas|men|jedoch|sin embargo)\b")
_NOBODY = ("we", "neutral")  # never what an enforcement word is about
_THIRD = ("third", "we_third")  # "we_third": French "l'avons", "we did it to them"
_CLASSES = ("neutral", "generic", "we_third", "capitalised_own", "third", "own", "we")


@dataclass(frozen=True)
class Disclosure:
    """A sentence stating an outcome: its span in the text read, the enforcement word's span,
    the language, and the reference taken as its target."""

    start: int
    end: int
    trigger: tuple[int, int]
    language: str
    target: str


@dataclass(frozen=True)
class _Ref:
    kind: str  # one of _CLASSES, capitalised_own resolved to "own" or "third"
    start: int
    end: int
    tied: bool  # a preposition ties it to another reference ("the report about them")


@dataclass(frozen=True)
class _Language:
    code: str
    participle: re.Pattern
    verb: re.Pattern
    we_verb: re.Pattern
    noun: re.Pattern
    delivery: re.Pattern
    state: re.Pattern
    auxiliary_before: re.Pattern
    refs: re.Pattern
    triggers: re.Pattern  # any enforcement word: a sentence without one states no outcome
    preposition_before: re.Pattern
    connector: re.Pattern
    reporter_acts_before: re.Pattern
    withholding: re.Pattern


def disclosures(text: str, *, html_part: bool = False) -> list[Disclosure]:
    """Every sentence of `text` that states an outcome for another account, in any language
    the guard reads."""
    reading = read(text, html_part=html_part, skeleton=False)
    folded = reading.text.replace("\u2019", "'").replace("\u2018", "'")
    found = []
    for sentence in _SENTENCE.finditer(folded):
        if not _any_trigger().search(sentence.group()):
            continue
        for language in _languages():
            if hit := _disclosure(language, folded, sentence.span(), reading, text):
                found.append(hit)
                break
    return found


def _sentence_span(reading: Reading, folded: str, start: int, end: int) -> tuple[int, int]:
    """The sentence's span in the original text, without the spaces around it."""
    while start < end and folded[start].isspace():
        start += 1
    while end > start and folded[end - 1].isspace():
        end -= 1
    return reading.origin(start, end)


@dataclass(frozen=True)
class _Clause:
    text: str  # the folded clause
    start: int  # where it starts in the folded text
    refs: list[_Ref]
    inherited: _Ref | None  # the previous clause's subject, for a clause without one
    reading: Reading
    original: str

    def at(self, match: re.Match) -> tuple[int, int]:
        return self.start + match.start(), self.start + match.end()

    def capitalised(self, position: int) -> bool:
        return _capitalised(self.reading, self.original, position)


def _capitalised(reading: Reading, original: str, position: int) -> bool:
    """Whether the original text has a capital letter where the folded text has `position`."""
    start, _ = reading.origin(position, position + 1)
    return original[start : start + 1].isupper()


def _disclosure(
    language: _Language, folded: str, span: tuple[int, int], reading: Reading, original: str
) -> Disclosure | None:
    """The sentence at `span` of the folded text, if it states an outcome in `language`."""
    start, end = span
    sentence = folded[start:end]
    if not language.triggers.search(sentence):
        return None
    exempt = _exempt(language, sentence)
    refs = _refs(language, sentence, start, reading, original)
    inherited = None
    for clause_start, clause_end in _clauses(language, sentence, refs, start):
        clause_refs = [r for r in refs if clause_start <= r.start - start < clause_end]
        clause = _Clause(
            sentence[clause_start:clause_end],
            start + clause_start,
            clause_refs,
            inherited,
            reading,
            original,
        )
        for trigger, target in _targets(language, clause):
            if target and target.kind in _THIRD and not exempt(trigger[0] - start):
                text = folded[target.start : target.end]
                sentence_start, sentence_end = _sentence_span(reading, folded, start, end)
                word = reading.origin(*trigger)
                return Disclosure(sentence_start, sentence_end, word, language.code, text)
        if clause_refs:
            inherited = clause_refs[0] if clause_refs[0].kind in ("we", "we_third") else None
    return None


def _targets(language: _Language, clause: _Clause):
    """Each enforcement word in the clause with the reference it is about (or None)."""
    text = clause.text
    for match in language.participle.finditer(text):
        word = clause.at(match)
        if language.auxiliary_before.search(text[: match.start()]):
            yield word, _subject(clause.refs, word) or _name_before(clause, match, language)
        elif _we_act(language, clause, match):
            yield word, _object(clause.refs, word) or _name_after(clause, match)
    for match in language.verb.finditer(text):
        if _we_act(language, clause, match):
            yield (
                clause.at(match),
                _object(clause.refs, clause.at(match)) or _name_after(clause, match),
            )
    for match in language.we_verb.finditer(text):
        yield clause.at(match), _object(clause.refs, clause.at(match)) or _name_after(clause, match)
    if language.delivery.search(text):
        for match in language.noun.finditer(text):
            word = clause.at(match)
            yield word, _first(clause.refs) or _nearest_tied(clause.refs, word)
    for match in language.state.finditer(text):
        word = clause.at(match)
        yield word, _subject(clause.refs, word) or _name_before(clause, match, language)


def _we_act(language: _Language, clause: _Clause, match: re.Match) -> bool:
    """We are the ones acting: "we" is the clause's first reference before the word (or the
    previous clause's, when this one has none), and the reporter is not."""
    if language.reporter_acts_before.search(clause.text[: match.start()]):
        return False
    before = [r for r in clause.refs if r.end <= clause.at(match)[0]]
    actor = before[0] if before else clause.inherited
    return actor is not None and actor.kind in ("we", "we_third")


def _untied(refs: list[_Ref]) -> list[_Ref]:
    return [r for r in refs if not r.tied and r.kind not in _NOBODY]


def _subject(refs: list[_Ref], word: tuple[int, int]) -> _Ref | None:
    """The first untied reference before the word, else after it, else the nearest tied one."""
    untied = _untied(refs)
    before = [r for r in untied if r.end <= word[0]]
    after = [r for r in untied if r.start >= word[1]]
    return (before or after or [None])[0] or _nearest_tied(refs, word)


def _object(refs: list[_Ref], word: tuple[int, int]) -> _Ref | None:
    """What we acted on: the first untied reference after the word, else the last one
    before it (verb-final clauses: "wir haben das Konto gesperrt"), else the nearest tied."""
    untied = _untied(refs)
    after = [r for r in untied if r.start >= word[1]]
    before = [r for r in untied if r.end <= word[0]]
    return (after or before[-1:] or [None])[0] or _nearest_tied(refs, word)


def _first(refs: list[_Ref]) -> _Ref | None:
    return next(iter(_untied(refs)), None)


def _nearest_tied(refs: list[_Ref], word: tuple[int, int]) -> _Ref | None:
    tied = [r for r in refs if r.tied and r.kind not in _NOBODY]
    return min(tied, key=lambda r: abs(r.start - word[0]), default=None)


_WORD = re.compile(r"[^\W\d_]+")
_PARENTHESES = re.compile(r"\([^()]*\)\s*$")  # "QuickPay_Dev (member #4242) has been…"


def _name_before(clause: _Clause, match: re.Match, language: _Language) -> _Ref | None:
    """A name as the subject: a capitalised word, not a common one, just before the
    auxiliary ("Jane has been banned") or the state ("Jane is no longer active"), an aside
    in parentheses skipped."""
    auxiliary = language.auxiliary_before.search(clause.text[: match.start()])
    end = auxiliary.start() if auxiliary else match.start()
    aside = _PARENTHESES.sub(lambda found: " " * len(found.group()), clause.text[:end])
    words = list(_WORD.finditer(aside))
    return _name(clause, words[-1]) if words else None


def _name_after(clause: _Clause, match: re.Match) -> _Ref | None:
    """A name as the object of our action ("we have banned Jane")."""
    word = _WORD.search(clause.text, match.end())
    if word is None or clause.text[match.end() : word.start()].strip():
        return None
    return _name(clause, word)


def _name(clause: _Clause, word: re.Match) -> _Ref | None:
    start, end = clause.at(word)
    if word.group() in common_words() or not clause.capitalised(start):
        return None
    return _Ref("third", start, end, False)


def _exempt(language: _Language, sentence: str):
    """Whether a position follows "we cannot share whether…" in the same clause."""
    spans = []
    for match in language.withholding.finditer(sentence):
        stop = _CONTRAST.search(sentence, match.end())
        spans.append((match.start(), stop.start() if stop else len(sentence)))
    return lambda position: any(start <= position < stop for start, stop in spans)


def _clauses(
    language: _Language, sentence: str, refs: list[_Ref], offset: int
) -> list[tuple[int, int]]:
    """Spans of the sentence's clauses: cut at commas and at connector words, never inside a
    reference ("l'utilisateur que vous avez signalé") nor where one starts ("that user")."""
    cuts = []
    for match in re.finditer(r",", sentence):
        cuts.append(match.end())
    for match in language.connector.finditer(sentence):
        cuts.append(match.start())
    inside = [(r.start - offset, r.end - offset) for r in refs]
    cuts = [cut for cut in cuts if not any(a <= cut < b for a, b in inside)]
    cuts = sorted({0, *cuts, len(sentence)})
    return [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if b > a]


def _refs(
    language: _Language, sentence: str, offset: int, reading: Reading, original: str
) -> list[_Ref]:
    """Every reference to someone in the sentence, classified, with its offsets in the folded
    text."""
    refs = []
    for match in language.refs.finditer(sentence):
        kind = match.lastgroup
        if kind == "capitalised_own":
            kind = "own" if _capitalised(reading, original, offset + match.start()) else "third"
        tied = bool(language.preposition_before.search(sentence[: match.start()]))
        refs.append(_Ref(kind, offset + match.start(), offset + match.end(), tied))
    return refs


def _words(fragment: str) -> str:
    """Whole words: not inside another, nor a contraction's part ("l'" of "l'utente"), but
    within quotes ('their account')."""
    return rf"(?<!\w)(?<!\w')(?:{fragment})(?!\w)(?!'\w)"


@cache
def _languages() -> tuple[_Language, ...]:
    return tuple(_compile(code, words) for code, words in LANGUAGES.items())


@cache
def _any_trigger() -> re.Pattern:
    """An enforcement word of any language the guard reads."""
    every_language = [
        fragment for words in LANGUAGES.values() for fragment in _trigger_words(words)
    ]
    return re.compile(_words(grouped(every_language)))


def _trigger_words(words: dict) -> list[str]:
    """The fragments of every word a language's enforcement statements turn on. Only whether a
    sentence holds one matters, so they are searched grouped: most sentences hold none."""
    return [words[kind] for kind in ("participles", "verbs", "we_verbs", "nouns", "states")]


def _compile(code: str, words: dict) -> _Language:
    refs = "|".join(f"(?P<{kind}>{_words(words[kind])})" for kind in _CLASSES)
    return _Language(
        code=code,
        participle=re.compile(_words(words["participles"])),
        verb=re.compile(_words(words["verbs"])),
        we_verb=re.compile(_words(words["we_verbs"])),
        noun=re.compile(_words(words["nouns"])),
        delivery=re.compile(_words(words["delivery"])),
        state=re.compile(_words(words["states"])),
        auxiliary_before=re.compile(
            _words(words["auxiliaries"]) + rf"(?:\s+\S+){{0,{words['gap']}}}\s*$"
        ),
        refs=re.compile(refs),
        triggers=re.compile(_words(grouped(_trigger_words(words)))),
        preposition_before=re.compile(_words(words["prepositions"]) + r"\s+$"),
        connector=re.compile(_words(words["connectors"])),
        reporter_acts_before=re.compile(_words(words["reporter_acts"]) + r"(?:\s+\S+){0,3}\s*$"),
        withholding=re.compile(words["withholding"]),
    )


def suggestion(language: str) -> str:
    """A neutral wording, in the language of the sentence it replaces."""
    return LANGUAGES[language]["suggestion"]
