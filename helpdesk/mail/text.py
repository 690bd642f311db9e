"""Mail text for people: HTML mail as readable plain text, and a reply without the history it
quotes. Pure functions on str: intake.mime uses them while parsing, intake on follow-ups."""

import re
from html.parser import HTMLParser

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Line ends as "\\n"; no control characters but newline and tab; no lone surrogates."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _SURROGATE.sub("\ufffd", CONTROL_CHARACTERS.sub("", text))


# --- HTML to text ---------------------------------------------------------------------------


def html_to_text(html: str) -> str:
    """Readable text from an HTML mail: paragraphs, line breaks, "- " list items, links as
    "text (url)", blockquotes as "> " lines; no script or style content."""
    extractor = _TextExtractor()
    # Browsers read "<![…>" (Outlook's <![if !vml]>) as a comment; html.parser asserts on some.
    # A tag cut off by the end of a truncated mail is dropped, not shown.
    extractor.feed(_UNCLOSED_TAG.sub("", _MARKED_SECTION.sub("", html)))
    extractor.close()
    return extractor.text()


_MARKED_SECTION = re.compile(r"<!\[.*?(?:>|\Z)", re.DOTALL)
_UNCLOSED_TAG = re.compile(r"<[a-zA-Z/!][^<>]*\Z")
_SKIPPED = frozenset({"script", "style", "head", "title", "template"})
_HEAD_TAGS = frozenset({"head", "meta", "link", "title", "style", "script", "base", "template"})
_PARAGRAPHS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol", "dl", "hr"}
)
_LINES = frozenset(
    {
        "div", "tr", "li", "dt", "dd", "address", "article", "aside", "center", "footer",
        "header", "section", "main", "nav", "figure", "figcaption", "form", "fieldset",
    }
)  # fmt: skip
_VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base"})
_LINK_SCHEMES = ("http://", "https://", "mailto:")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._lines: list[str] = []
        self._line: list[str] = []
        self._line_depth = 0
        self._break = 0  # 1: start a new line before the next text; 2: leave a blank line
        self._skipping: list[str] = []
        self._quote_depth = 0
        self._pre = 0
        self._lists: list[list[int]] = []  # per open list: [is_ordered, items so far]
        self._bullet = ""
        self._link: tuple[str, list[str]] | None = None  # href, text inside the link
        self._paragraph_is_line = False

    def text(self) -> str:
        self._flush()
        text = "\n".join(self._lines).replace("\xa0", " ")
        return re.sub(r"\n{3,}", "\n\n", clean_text(text)).strip()

    def handle_starttag(self, tag, attrs):
        if tag not in _HEAD_TAGS:  # the body has begun, even without <body> or </head>
            self._skipping = [name for name in self._skipping if name != "head"]
        if tag in _SKIPPED:
            self._skipping.append(tag)
        if self._skipping:
            return
        if tag == "br":
            self._flush(force=True)
        elif tag in ("td", "th"):
            self._add(" ")
        elif tag in ("ul", "ol"):
            self._lists.append([tag == "ol", 0])
        elif tag == "li":
            self._list_item()
        elif tag == "a":
            href = (dict(attrs).get("href") or "").strip()
            self._link = (href, [])
        if tag == "blockquote":
            self._block(2)
            self._quote_depth += 1
        elif tag == "pre":
            self._pre += 1
        if "msonormal" in (dict(attrs).get("class") or "").lower():
            # Outlook writes each line as a <p>, and a blank line as a &nbsp; paragraph.
            self._paragraph_is_line = True
        self._block(self._level(tag))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in self._skipping:
            del self._skipping[len(self._skipping) - 1 - self._skipping[::-1].index(tag) :]
            return
        if tag == "br":  # </br> is read as <br> by browsers
            self._flush(force=True)
        elif tag in ("ul", "ol") and self._lists:
            self._lists.pop()
        elif tag == "a" and self._link:
            self._end_link()
        elif tag == "blockquote" and self._quote_depth:
            self._block(2)
            self._quote_depth -= 1
        elif tag == "pre" and self._pre:
            self._pre -= 1
        self._block(self._level(tag))

    def handle_data(self, data):
        if self._skipping:
            return
        if self._pre:
            first, *rest = data.split("\n")
            self._add(first, keep_space=True)
            for line in rest:
                self._flush(force=True)
                self._add(line, keep_space=True)
            return
        if not self._line and data.strip(" \t\r\n") and not data.strip():
            self._block(2)  # a paragraph holding only &nbsp; is Outlook's blank line
            return
        self._add(re.sub(r"\s+", " ", data))

    def _level(self, tag: str) -> int:
        """The break a block element makes: 2 a blank line, 1 a new line, 0 none."""
        if tag == "p" and self._paragraph_is_line:
            return 1
        return 2 if tag in _PARAGRAPHS else 1 if tag in _LINES else 0

    def _add(self, text: str, *, keep_space: bool = False) -> None:
        if not self._line:
            text = text if keep_space else text.lstrip()
            if not text:
                return
            if self._break == 2 and self._lines and self._lines[-1]:
                # A blank line inside a quote stays part of it, as mail clients write it.
                quoted = self._quote_depth and self._lines[-1].startswith(">")
                self._lines.append(">" if quoted else "")
            self._break = 0
            self._line_depth = self._quote_depth
            text = self._bullet + text
            self._bullet = ""
        elif not keep_space and self._line[-1].endswith(" "):
            text = text.lstrip()
        self._line.append(text)
        if self._link:
            self._link[1].append(text)

    def _block(self, level: int) -> None:
        if level:
            if self._line:
                self._flush()
            self._break = max(self._break, level)

    def _flush(self, force: bool = False) -> None:
        if self._line or force:
            line = "".join(self._line).rstrip()
            self._lines.append("> " * self._line_depth + line if line else line)
            self._line = []
            self._line_depth = self._quote_depth
            self._break = 0

    def _list_item(self) -> None:
        self._block(1)
        if self._lists:
            self._lists[-1][1] += 1
            ordered, count = self._lists[-1]
            indent = "  " * (len(self._lists) - 1)
            self._bullet = f"{indent}{count}. " if ordered else f"{indent}- "
        else:
            self._bullet = "- "

    def _end_link(self) -> None:
        href, words = self._link
        self._link = None
        text = " ".join("".join(words).split())
        shown = href.removeprefix("mailto:") if href.startswith("mailto:") else href
        if text and href.lower().startswith(_LINK_SCHEMES) and shown.rstrip("/") not in text:
            self._add(f" ({shown})")


# --- replies --------------------------------------------------------------------------------

_ATTRIBUTION_START = re.compile(r"(?:On|Le|Am|El|Op|Il|Em|Den)\s", re.IGNORECASE)
_ATTRIBUTION = re.compile(
    r"(?:On|Le|Am|El|Op|Il|Em|Den)\s.{3,400}?"
    r"\b(?:wrote|a\s+écrit|schrieb|escribió|schreef|ha\s+scritto|escreveu|skrev)\b.{0,200}?:",
    re.IGNORECASE,
)
_ORIGINAL_MESSAGE = re.compile(
    r"-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original|"
    r"Oorspronkelijk bericht|Messaggio originale|Mensagem original)\s*-{2,}",
    re.IGNORECASE,
)


def _label(words: str) -> re.Pattern:
    return re.compile(rf"\*?(?:{words})\s?:\*?(?:\s|$)", re.IGNORECASE)


_FROM_LABEL = _label("From|Von|De|Van|Da|Från|Od")
_HISTORY_LABELS = (
    _label("Sent|Date|Gesendet|Datum|Envoyé|Enviado|Verzonden|Inviato|Data|Skickat"),
    _label("To|An|À|Para|Aan|A|Till|Do"),
    _label("Subject|Betreff|Objet|Asunto|Onderwerp|Oggetto|Assunto|Ämne|Temat"),
)
_SENT_FROM = re.compile(
    r"(?:Sent from (?:my|Mail|Outlook|Yahoo|Samsung)\b.{0,60}|Get Outlook for .{1,40}|"
    r"Envoyé de mon .{1,40}|Von meinem .{1,40} gesendet|Enviado desde mi .{1,40})",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"[_\-=*]{5,}")


def trim_reply(text: str) -> str:
    """The new text of a reply: without the quoted history (attribution lines in several
    languages, Outlook's header blocks, trailing "> " lines), the signature after "-- " and
    "Sent from my iPhone" lines. When nothing would be left, the whole text, stripped."""
    lines = clean_text(text).split("\n")
    kept = lines[: _history_start(lines)]
    kept = [line for line in kept if _quoted(line) or not _SENT_FROM.fullmatch(line.strip())]
    while kept and (not kept[-1].strip() or _quoted(kept[-1]) or _is_separator(kept[-1])):
        kept.pop()
    return "\n".join(kept).strip() or text.strip()


def _history_start(lines: list[str]) -> int:
    answered = _answered_quotes(lines)
    for index, line in enumerate(lines):
        stripped = line.strip()
        if _quoted(line) or not stripped:
            continue
        if line in ("-- ", "--") or _ORIGINAL_MESSAGE.fullmatch(stripped):
            return index
        if _FROM_LABEL.match(stripped) and _is_header_block(lines[index + 1 : index + 7]):
            return index
        if _ATTRIBUTION_START.match(stripped) and _is_attribution(lines, index, answered):
            return index
    return len(lines)


def _is_header_block(following: list[str]) -> bool:
    """Outlook's "From: … Sent: … To: … Subject:" lines start the quoted message."""
    found = {label for line in following for label in _HISTORY_LABELS if label.match(line.strip())}
    return len(found) >= 2


def _is_attribution(lines: list[str], index: int, answered: list[bool]) -> bool:
    """An "On … wrote:" line (wrapped over up to three lines) followed only by quoted text:
    with new text after the quote it is an interleaved reply, and the quote stays."""
    for end in range(index + 1, min(index + 4, len(lines) + 1)):
        window = lines[index:end]
        if any(_quoted(line) or not line.strip() for line in window):
            return False
        joined = " ".join(line.strip() for line in window)
        if joined.endswith(":") and len(joined) < 700 and _ATTRIBUTION.fullmatch(joined):
            return not answered[end]
    return False


def _answered_quotes(lines: list[str]) -> list[bool]:
    """For each line: does new text follow a quoted line from there on, before a signature?
    One pass from the end, so that many attribution lines cost no more than one."""
    answered = [False] * (len(lines) + 1)
    text_below = False
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        if line in ("-- ", "--"):
            text_below = False
        elif _quoted(line):
            answered[index] = answered[index + 1] or text_below
        else:
            answered[index] = answered[index + 1]
            text_below = text_below or bool(line.strip() and not _SENT_FROM.fullmatch(line.strip()))
    return answered


def _quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _is_separator(line: str) -> bool:
    return bool(_SEPARATOR.fullmatch(line.strip()))
