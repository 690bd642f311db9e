"""What the agent sees when the privacy guard refuses their reply: each rule in plain words, the
words of their own text that broke it, highlighted, and a neutral wording to use instead."""

from dataclasses import dataclass

from ..errors import MailBlocked


@dataclass(frozen=True)
class Piece:
    text: str
    flagged: bool


@dataclass(frozen=True)
class GuardView:
    reasons: list[str]  # one per rule broken
    pieces: list[Piece]  # the agent's text, cut where the guard found something
    suggested: str | None  # the text with each flagged span in neutral words, if there are any


def guard_view(blocked: MailBlocked, text: str) -> GuardView:
    spans = [s for s in blocked.reply_spans if 0 <= s.start < s.end <= len(text)]
    reasons = (
        list(dict.fromkeys(f.reason for f in blocked.refusal.findings))
        if blocked.refusal
        else [blocked.reason]
    )
    pieces, suggested, position = [], [], 0
    for span in spans:
        if span.start < position:  # overlapping findings: the first one marks it
            continue
        pieces += [
            Piece(text[position : span.start], False),
            Piece(text[span.start : span.end], True),
        ]
        suggested += [
            text[position : span.start],
            _suggestion_for(blocked, span) or text[span.start : span.end],
        ]
        position = span.end
    pieces.append(Piece(text[position:], False))
    suggested.append(text[position:])
    rewritten = "".join(suggested)
    return GuardView(
        reasons, [p for p in pieces if p.text], rewritten if rewritten != text else None
    )


def _suggestion_for(blocked: MailBlocked, span) -> str | None:
    return next(
        (f.suggestion for f in blocked.refusal.findings if span in f.spans and f.suggestion), None
    )
