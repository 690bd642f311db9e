"""Which parts of a display name identify a member on their own.

"Zoë Strauß-Müller" is named by "Strauss" and "Muller" as well as by the whole name; "Jane Doe"
only by the whole name: "Jane" is a common first name and "Doe" too short to tell anyone apart.
A part counts when it has at least MIN_PART_LETTERS letters, is neither a common first name nor
a word ordinary replies use (data/name_words.json), and is not part of the reporter's own name
(a reply may greet "Dana Müller" when the reported member is "Zoë Müller").
"""

import json
import re
from functools import cache
from pathlib import Path

from .spelling import normalise

MIN_PART_LETTERS = 4
_PART = re.compile(r"[^\W\d_]+")


def distinctive_parts(display_name: str, *, besides: str = "") -> list[str]:
    """The parts of `display_name` that name its owner by themselves, as written there."""
    if len(_PART.findall(display_name)) < 2:
        return []  # a one-word name is protected whole already
    excluded = _common_names() | {normalise(part) for part in _PART.findall(besides)}
    return [
        part
        for part in _PART.findall(display_name)
        if len(part) >= MIN_PART_LETTERS and normalise(part) not in excluded
    ]


@cache
def _data() -> dict[str, list[str]]:
    return json.loads((Path(__file__).parent / "data" / "name_words.json").read_text("utf-8"))


@cache
def _common_names() -> frozenset[str]:
    """First names and common words, normalised as names are."""
    return frozenset(normalise(word) for word in _data()["first_names"] + _data()["common_words"])


@cache
def common_words() -> frozenset[str]:
    """Words ordinary replies use, as written (lower case, no accents): not names."""
    return frozenset(_data()["common_words"])
