"""Hundreds of alternative words as one regular expression that Python's re searches quickly.

re tries the alternatives of `a|b|c…` one after another wherever it looks, so a list of
hundreds of words costs hundreds of attempts at every word of a text. Grouped by their leading
letters (`ban|banned|block` becomes `b(?:an(?:ned|)|lock)`), a place where no word starts is
passed after a few steps. The grouped expression matches at the same places as the plain
alternation, though it may take a different alternative there: use it to learn whether and
where one of the words occurs, not which one.
"""

import re
from collections.abc import Iterable

# A character that stands for itself and is not repeated, so it can be shared as a prefix.
_SHAREABLE = re.compile(r"[\w '](?![?*+{])", re.ASCII)


def alternatives(fragment: str) -> list[str]:
    """The top-level alternatives of a regular-expression fragment: split at each "|" that is
    neither inside parentheses or a character class nor escaped."""
    found, depth, start, index, in_class = [], 0, 0, 0, False
    while index < len(fragment):
        character = fragment[index]
        if character == "\\":
            index += 2
            continue
        if in_class:
            in_class = character != "]"
        elif character == "[":
            in_class = True
        elif character in "()":
            depth += 1 if character == "(" else -1
        elif character == "|" and depth == 0:
            found.append(fragment[start:index])
            start = index + 1
        index += 1
    found.append(fragment[start:])
    return found


def grouped(fragments: Iterable[str]) -> str:
    """One fragment that matches where any of `fragments` matches, grouped by leading letters."""
    return "|".join(_branches(alternative for f in fragments for alternative in alternatives(f)))


def _branches(words: Iterable[str]) -> list[str]:
    by_first, others = {}, []
    for word in sorted(set(words)):
        if _SHAREABLE.match(word):
            by_first.setdefault(word[0], []).append(word[1:])
        else:
            others.append(word)
    shared = [re.escape(first) + _group(_branches(rests)) for first, rests in by_first.items()]
    return shared + others


def _group(branches: list[str]) -> str:
    """The branches as a unit that can follow a shared prefix."""
    if len(branches) == 1:  # a branch never holds a top-level "|": no parentheses needed
        return branches[0]
    return f"(?:{'|'.join(branches)})"
