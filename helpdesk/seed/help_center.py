"""The help center's starting content: five sections and the articles members ask for most.

The content is data: `data/help_center/sections.json`, and one Markdown file per article named
after its slug, opening with a small `key: value` header (title, section, summary, and
optionally report_category and sort_order) between two `---` lines.

`seed_help_center(author)` creates what is missing (by slug) and publishes it, through the same
domain functions the admin pages use; it flushes, the caller commits.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from .. import articles
from ..categories import active_category_by_slug
from ..database import db
from ..models import Article, HelpSection, User

DATA_DIR = Path(__file__).parent / "data" / "help_center"


@dataclass(frozen=True)
class SeedArticle:
    section: str
    slug: str
    title: str
    summary: str
    body: str
    report_category: str | None = None
    sort_order: int = 0


def load_sections(directory: Path = DATA_DIR) -> list[tuple[str, str, str]]:
    """(slug, title, description) of each section, in the order the help center shows them."""
    sections = json.loads((directory / "sections.json").read_text(encoding="utf-8"))
    return [(section["slug"], section["title"], section["description"]) for section in sections]


def load_article(path: Path) -> SeedArticle:
    """An article file: a `key: value` header between `---` lines, then the Markdown body."""
    _, header, body = path.read_text(encoding="utf-8").split("---\n", 2)
    fields = dict(line.split(": ", 1) for line in header.splitlines())
    sort_order = int(fields.pop("sort_order", 0))
    return SeedArticle(slug=path.stem, body=body, sort_order=sort_order, **fields)


def load_articles(directory: Path = DATA_DIR) -> list[SeedArticle]:
    """Every article file, by section (in the help center's order), then by sort order."""
    section_order = {slug: order for order, (slug, _, _) in enumerate(load_sections(directory))}
    found = [load_article(path) for path in directory.glob("*.md")]
    return sorted(found, key=lambda a: (section_order[a.section], a.sort_order, a.slug))


SECTIONS = load_sections()
ARTICLES = load_articles()


def seed_help_center(author: User) -> int:
    """Create the sections and articles that are missing, published; returns how many articles."""
    by_slug = {s.slug: s for s in db.session.scalars(select(HelpSection))}
    for order, (slug, title, description) in enumerate(SECTIONS, start=1):
        if slug not in by_slug:
            section = HelpSection(slug=slug, title=title, description=description, sort_order=order)
            db.session.add(section)
            by_slug[slug] = section
    db.session.flush()
    existing = set(db.session.scalars(select(Article.slug)))
    created = 0
    for spec in ARTICLES:
        if spec.slug in existing:
            continue
        category = active_category_by_slug(spec.report_category) if spec.report_category else None
        article = articles.save_article(
            author,
            articles.ArticleInput(
                title=spec.title,
                body=spec.body,
                section_id=by_slug[spec.section].id,
                slug=spec.slug,
                summary=spec.summary,
                report_category_id=category.id if category else None,
                sort_order=spec.sort_order,
            ),
        )
        articles.publish(author, article)
        created += 1
    return created
