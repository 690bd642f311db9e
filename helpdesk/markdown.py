"""Markdown to safe HTML for help-center articles: markdown-it-py renders, nh3 sanitises.

Two walls: markdown-it runs with raw HTML off (a tag in the Markdown is shown as text) and
refuses unsafe link targets; nh3 (the Ammonia sanitiser) then keeps only the tags, attributes
and URL schemes listed here, whatever the renderer produced.
"""

import re
import unicodedata
from dataclasses import dataclass, field

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "li", "ol", "p", "pre",
    "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "h2": {"id"},
    "h3": {"id"},
}
URL_SCHEMES = {"http", "https", "mailto"}
HEADING_ID_PREFIX = "section-"
# Headings an article needs before it gets a table of contents.
TOC_MIN_HEADINGS = 3

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    "table"
)


@dataclass
class Rendered:
    html: Markup
    toc: list[tuple[int, str, str]] = field(default_factory=list)  # (level, id, text)

    @property
    def has_toc(self) -> bool:
        return len(self.toc) >= TOC_MIN_HEADINGS


def render(source: str) -> Rendered:
    """Sanitised HTML for an article body, with ids on its h2/h3 headings for the contents."""
    tokens = _md.parse(source)
    toc: list[tuple[int, str, str]] = []
    used: set[str] = set()
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        # The article's title is the page's only h1: its headings are h2 to h4.
        level = min(max(int(token.tag[1]), 2), 4)
        token.tag = f"h{level}"
        tokens[index + 2].tag = token.tag  # the matching heading_close
        text = _inline_text(tokens[index + 1])
        if level <= 3:
            anchor = _unique(HEADING_ID_PREFIX + (slugify(text) or "part"), used)
            token.attrSet("id", anchor)
            toc.append((level, anchor, text))
    html = _md.renderer.render(tokens, _md.options, {})
    return Rendered(Markup(sanitise(html)), toc)


def sanitise(html: str) -> str:
    """Keep only the allowed tags, attributes and URL schemes; links get rel=noopener…"""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def plain_text(source: str) -> str:
    """The words of a Markdown text, without its markup: for snippets and suggestions."""
    parts: list[str] = []
    for token in _md.parse(source):
        if token.type == "inline":
            parts.append(_inline_text(token))
        elif token.type in ("code_block", "fence"):
            parts.append(token.content)
    return re.sub(r"\s+", " ", " ".join(parts)).strip()


def slugify(text: str, max_length: int = 80) -> str:
    """ASCII, lower-case, hyphen-separated: "Getting started!" -> "getting-started"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def _inline_text(token) -> str:
    return "".join(
        child.content for child in token.children or [] if child.type in ("text", "code_inline")
    )


def _unique(anchor: str, used: set[str]) -> str:
    candidate, number = anchor, 2
    while candidate in used:
        candidate, number = f"{anchor}-{number}", number + 1
    used.add(candidate)
    return candidate
